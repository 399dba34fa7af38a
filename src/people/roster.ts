
export const ROLES = ['ect', 'mentor'] as const;
export const STATUSES = ['active', 'deferred', 'withdrawn'] as const;

export type Role = (typeof ROLES)[number];
export type ParticipantStatus = (typeof STATUSES)[number];

/** One participant, as the roster import (and, for `group`, the sync) knows them. */
export interface RosterEntry {
  /**
   * A person key made once, from the best id known when the person was first stored
   * (`canvas:<id>`, `sis:<id>`, `email:<address>`); it stays when ids are added or changed.
   */
  _id: string;
  canvasUserId: string | null;
  sisUserId: string | null;
  /** Lowercased. */
  email: string | null;
  name: string;
  role: Role;
  schoolUrn: string;
  cohort: string;
  /** Null until a file or the sync (from the Canvas section) gives one. */
  group: string | null;
  /** An ECT's mentor, lowercased; always null for mentors. */
  mentorEmail: string | null;
  status: ParticipantStatus;
  /**
   * The participant's DfE milestone schedule (`ecf-standard-september`, …, from
   * config/milestones.json); null or absent: the cohort's default.
   */
  schedule?: string | null;
  /** DfE's participant id (a UUID), what declarations are made against; null or absent when not known. */
  dfeParticipantId?: string | null;
  updatedAt: Date;
}

export interface RosterIds {
  canvasUserId?: string | null;
  sisUserId?: string | null;
  email?: string | null;
}

export interface RosterIndex {
  /** The person the first id that matches points at, trying canvasUserId, then sisUserId, then email (any case). */
  match(ids: RosterIds): RosterEntry | undefined;
  /** Every id's own match, in that order, so a caller can see ids that point at different people. */
  matchEach(ids: RosterIds): { id: keyof RosterIds; entry: RosterEntry }[];
}

const ID_ORDER = ['canvasUserId', 'sisUserId', 'email'] as const;

const lookupKey = (id: keyof RosterIds, value: string) => (id === 'email' ? value.toLowerCase() : value);

export function buildRosterIndex(entries: readonly RosterEntry[]): RosterIndex {
  const maps = Object.fromEntries(ID_ORDER.map((id) => [id, new Map<string, RosterEntry>()])) as Record<keyof RosterIds, Map<string, RosterEntry>>;
  for (const entry of entries) {
    for (const id of ID_ORDER) {
      const value = entry[id];
      if (value) maps[id].set(lookupKey(id, value), entry);
    }
  }
  const matchEach = (ids: RosterIds) =>
    ID_ORDER.flatMap((id) => {
      const value = ids[id];
      const entry = value ? maps[id].get(lookupKey(id, value)) : undefined;
      return entry ? [{ id, entry }] : [];
    });
  return { matchEach, match: (ids) => matchEach(ids)[0]?.entry };
}
