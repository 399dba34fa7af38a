import { isDuplicateKey } from '../db/collections';
import type { Collection } from '../db/store';
import { ValidationError } from '../errors';
import type { EditedRosterEntry, RosterChanges } from '../people';
import type { GridRow } from '../progress/grid';
import type { ChangeRequestDoc, PairingDoc } from './model';

/** An approval's changes, checked against the roster before the decision is stored and applied after it. */
export interface EffectPlan {
  rosterId: string | null;
  apply(now: Date): Promise<void>;
}

export interface EffectDeps {
  roster: RosterChanges;
  pairings: Collection<PairingDoc>;
}

/** The grid row the request named, as the cohort's read model has it now, when it is still the school's. */
export type CurrentRow = (request: ChangeRequestDoc) => Promise<{ row: GridRow; rows: readonly GridRow[] } | null>;

const GONE = 'The participant of this request is no longer on the school’s roster in this cohort, so it cannot be applied. Reject it with a reason.';

/**
 * The roster entry behind a grid row: the read model keys a row `canvas:<id>` (the roster's id,
 * or the Canvas student it was matched to by SIS id or email) or `person:<roster key>`.
 */
function rosterEntryOf(row: GridRow, entries: readonly EditedRosterEntry[]): EditedRosterEntry | undefined {
  const key = row.key.replace(/#\d+$/, '');
  const email = row.email?.toLowerCase();
  return (
    (key.startsWith('person:') ? entries.find((e) => `person:${e._id}` === key) : undefined) ??
    (row.canvasUserId ? entries.find((e) => e.canvasUserId === row.canvasUserId) : undefined) ??
    (email ? entries.find((e) => e.email === email && e.role === row.role && e.schoolUrn === row.schoolUrn) : undefined)
  );
}

async function insertOnce<T extends { _id: string }>(collection: Collection<T>, doc: T): Promise<void> {
  try {
    await (collection as unknown as Collection<{ _id: string }>).insertOne(doc);
  } catch (error) {
    // Written by an earlier try of the same approval: the record is the same.
    if (!isDuplicateKey(error)) throw error;
  }
}

/**
 * What approving `request` changes. Checks run now, before anything is stored, so an approval
 * that cannot apply is refused with nothing decided. On `retry` (an approval whose changes were
 * cut short) what an earlier try already wrote is not a reason to refuse.
 */
export async function planEffects(deps: EffectDeps, request: ChangeRequestDoc, currentRow: CurrentRow, retry: boolean): Promise<EffectPlan> {
  const entries = await deps.roster.ofCohort(request.cohort);
  const details = request.details;
  if (details.kind === 'new-participant') {
    const existing = entries.find((e) => e.email === details.email);
    if (existing && !retry) throw new ValidationError('Someone in this cohort has this email address already, so this person cannot be added. Reject the request with a reason.');
    return {
      rosterId: existing?.['_id'] ?? null,
      apply: async (now) => {
        await deps.roster.add(
          { canvasUserId: null, sisUserId: null, email: details.email, name: details.name, role: details.role, schoolUrn: request.urn, cohort: request.cohort, group: null, mentorEmail: details.role === 'ect' ? details.mentorEmail : null, status: 'active' },
          now,
        );
      },
    };
  }
  const current = await currentRow(request);
  const entry = current ? rosterEntryOf(current.row, entries) : undefined;
  if (!current || !entry) throw new ValidationError(GONE);
  const id = entry._id;
  switch (details.kind) {
    case 'email-change': {
      const other = entries.find((e) => e.email === details.email && e._id !== id);
      if (other) throw new ValidationError('Someone else in this cohort has the new email address already. Reject the request with a reason.');
      return {
        rosterId: id,
        apply: async (now) => {
          const before = entry.email;
          await deps.roster.edit(id, { email: details.email }, now);
          // A mentor's ECTs name them by email: they follow the new address, as a roster import does.
          if (entry.role === 'mentor' && before && before !== details.email) {
            for (const ect of entries.filter((e) => e.mentorEmail === before)) await deps.roster.edit(ect._id, { mentorEmail: details.email }, now);
          }
        },
      };
    }
    case 'withdrawal':
    case 'deferral':
      return { rosterId: id, apply: async (now) => void (await deps.roster.edit(id, { status: details.kind === 'withdrawal' ? 'withdrawn' : 'deferred', statusFrom: details.effectiveDate }, now)) };
    case 'mentor-change': {
      const mentor = entries.find((e) => e.role === 'mentor' && e.email === details.mentorEmail);
      const previousName = current.rows.find((r) => r.role === 'mentor' && r.email?.toLowerCase() === entry.mentorEmail)?.name ?? null;
      return {
        rosterId: id,
        apply: async (now) => {
          // A mentor new to the programme joins the roster, so the ECT's pairing has someone to name.
          if (!mentor) {
            await deps.roster.add(
              { canvasUserId: null, sisUserId: null, email: details.mentorEmail, name: details.mentorName, role: 'mentor', schoolUrn: request.urn, cohort: request.cohort, group: entry.group, mentorEmail: null, status: 'active' },
              now,
            );
          }
          const base = { urn: request.urn, cohort: request.cohort, participantKey: current.row.key, rosterId: id, participantName: current.row.name, recordedAt: now };
          // The first recorded change keeps the pairing it ends, so the history starts with the roster's mentor.
          const earlier = await deps.pairings.findOne({ rosterId: id });
          if (!earlier && entry.mentorEmail) {
            await insertOnce(deps.pairings, { _id: `${request._id}:before`, ...base, mentorEmail: entry.mentorEmail, mentorName: previousName, from: null, sourceRequest: null });
          }
          await insertOnce(deps.pairings, { _id: request._id, ...base, mentorEmail: details.mentorEmail, mentorName: mentor?.name ?? details.mentorName, from: details.effectiveDate, sourceRequest: request._id });
          await deps.roster.edit(id, { mentorEmail: details.mentorEmail }, now);
        },
      };
    }
  }
}
