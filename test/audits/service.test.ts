import { AuditLockedError, type AuditOwner } from '../../src/audits';
import { moduleOf } from '../../src/curriculum';
import { personKeyId } from '../../src/domain';
import { openTestRuntime, type TestRuntime } from '../support/runtime';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await openTestRuntime();
});
afterAll(async () => rt.close());

const MODULE = 4;
const statements = moduleOf('ect', MODULE)!.auditStatements;
let next = 0;
/** A new owner for each test: their records start empty. */
const owner = (): AuditOwner => ({ ownerId: personKeyId({ issuer: 'https://canvas.example.org', clientId: '1' }, String(5000 + (next += 1))), cohort: 'C', programme: 'ect' });
const rated = (value: number) => ({ ratings: statements.map(() => value), reflections: statements.map(() => '') });

describe('audits in the store', () => {
  it('lets exactly one of two submissions of the same audit win, from two tabs at once', async () => {
    const who = owner();
    const outcomes = await Promise.allSettled([rt.runtime.audits.submit(who, MODULE, 'start', 1, rated(2)), rt.runtime.audits.submit(who, MODULE, 'start', 1, rated(3))]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(AuditLockedError);
    const audit = await rt.runtime.audits.moduleAudit(who.ownerId, 'ect', MODULE);
    expect(audit.start.status).toBe('submitted');
    const winner = (outcomes.find((o) => o.status === 'fulfilled') as PromiseFulfilledResult<{ ratings: (number | null)[] }>).value;
    expect(audit.start.ratings).toEqual(winner.ratings);
  });

  it.each(Array.from({ length: 5 }, (_, round) => round + 1))('never loses a submission to a draft saved at the same moment from another tab (round %i)', async () => {
    const who = owner();
    await rt.runtime.audits.saveDraft(who, MODULE, 'start', 1, rated(1));
    await Promise.allSettled([rt.runtime.audits.submit(who, MODULE, 'start', 1, rated(4)), rt.runtime.audits.saveDraft(who, MODULE, 'start', 1, rated(1))]);
    const audit = await rt.runtime.audits.moduleAudit(who.ownerId, 'ect', MODULE);
    expect(audit.start.status).toBe('submitted');
    expect(audit.start.ratings).toEqual(statements.map(() => 4));
    await expect(rt.runtime.audits.saveDraft(who, MODULE, 'start', 1, rated(2))).rejects.toBeInstanceOf(AuditLockedError);
    expect((await rt.runtime.audits.summary(who.ownerId, 'ect', [MODULE])).get(MODULE)).toEqual({ start: 'submitted', end: 'not-started' });
  });

  it('keeps a comment from each of two people commenting at once', async () => {
    const who = owner();
    await Promise.all([
      rt.runtime.audits.comment({ authorName: 'Mentor', authorRole: 'mentor' }, who.ownerId, MODULE, 'First'),
      rt.runtime.audits.comment({ authorName: 'Facilitator', authorRole: 'facilitator' }, who.ownerId, MODULE, 'Second'),
    ]);
    const audit = await rt.runtime.audits.moduleAudit(who.ownerId, 'ect', MODULE);
    expect(audit.comments.map((c) => c.text).sort()).toEqual(['First', 'Second']);
  });

  it('reads a first page from one document whatever the number of modules', async () => {
    const who = owner();
    await rt.runtime.audits.submit(who, MODULE, 'start', 1, rated(2));
    await rt.runtime.audits.saveDraft(who, MODULE, 'end', 1, rated(3));
    const summary = await rt.runtime.audits.summary(who.ownerId, 'ect', [1, MODULE]);
    expect(Object.fromEntries(summary)).toEqual({ 1: { start: 'not-started', end: 'not-started' }, [MODULE]: { start: 'submitted', end: 'draft' } });
  });
});
