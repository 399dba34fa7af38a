import type { GridRow } from '../progress/grid';
import type { HistoryEntry, Roster, RosterEntry, RosterHistory } from '../people';

/** Someone who left a school: what the school they left may know (no figures, not where they went). */
export interface MovedAway {
  name: string;
  /** YYYY-MM-DD: the day the move took effect. */
  on: string;
}

/** What the roster history says about moves into and out of some schools. */
export interface Transfers {
  /** The day this row's person joined the school (their latest move into it); null when they did not move in. */
  joinedOn(row: GridRow, urn: string): string | null;
  /** The school's people who have moved to another school, latest move first, in the cohorts given. */
  movedAway(urn: string, cohorts: ReadonlySet<string>): MovedAway[];
}

export interface TransferDeps {
  history: Pick<RosterHistory, 'all'>;
  roster: Pick<Roster, 'collection'>;
}

interface Move {
  person: RosterEntry;
  moves: HistoryEntry[];
}

/** The keys a grid row of this roster entry can carry: its roster key, its Canvas user, its email in its role. */
const rowKeysOfEntry = (entry: RosterEntry) => [`person:${entry._id}`, ...(entry.canvasUserId ? [`canvas:${entry.canvasUserId}`] : []), ...(entry.email ? [`email:${entry.role}:${entry.email}`] : [])];
const keysOfRow = (row: GridRow) => [row.key, ...(row.canvasUserId ? [`canvas:${row.canvasUserId}`] : []), ...(row.email ? [`email:${row.role}:${row.email.toLowerCase()}`] : [])];

const latest = (moves: HistoryEntry[], matches: (move: HistoryEntry) => boolean) => moves.filter(matches).at(-1)?.effective ?? null;

/**
 * Reads the roster history once, and the roster entries of only those who moved into or out of
 * `urns` (one `_id` query; none when nobody moved), so a dashboard never reads either per person.
 */
export async function loadTransfers(deps: TransferDeps, urns: readonly string[]): Promise<Transfers> {
  const ours = new Set(urns);
  const movesByPerson = new Map<string, HistoryEntry[]>();
  for (const [personId, entries] of await deps.history.all()) {
    const moves = entries.filter((e) => e.kind === 'school' && e.transfer && ((e.from !== null && ours.has(e.from)) || (e.to !== null && ours.has(e.to))));
    if (moves.length) movesByPerson.set(personId, moves);
  }
  const people = movesByPerson.size ? await deps.roster.collection.find({ _id: { $in: [...movesByPerson.keys()] } }).toArray() : [];
  const movers: Move[] = people.map((person) => ({ person, moves: movesByPerson.get(person._id) ?? [] }));
  return {
    joinedOn(row, urn) {
      const keys = new Set(keysOfRow(row));
      const mover = movers.find(({ person }) => person.schoolUrn === urn && person.cohort === row.cohort && rowKeysOfEntry(person).some((key) => keys.has(key)));
      return mover ? latest(mover.moves, (m) => m.to === urn) : null;
    },
    movedAway(urn, cohorts) {
      return movers
        .filter(({ person }) => person.schoolUrn !== urn && cohorts.has(person.cohort))
        .flatMap(({ person, moves }) => {
          const on = latest(moves, (m) => m.from === urn);
          return on ? [{ name: person.name, on }] : [];
        })
        .sort((a, b) => b.on.localeCompare(a.on) || a.name.localeCompare(b.name));
    },
  };
}
