import type { CanvasSimulator, SimCourse } from '../../canvas-sim';
import { CanvasClient } from '../../src/canvas';
import type { EngagementRule, MilestoneWindow, ModuleWindow } from '../../src/curriculum';
import { createLogger } from '../../src/log/logger';
import { engagementOn, evidenceFor, type EventMark, type EvidenceInput } from '../../src/milestones/evidence';
import type { CourseLink } from '../../src/programme/links';
import { SyncService } from '../../src/sync/service';
import { startTestService, type TestService } from '../support/service';
import { linkCourses, startSimulator } from '../sync/helpers';

/**
 * The evidence behind a DfE declaration, worked out by hand for each case: which modules count,
 * the engagement percentage (rounded down), whether 75% is met and on which day, and the
 * declaration date and the missing words the function gives.
 */
const RULE: EngagementRule = { thresholdPct: 75, counts: ['self-study', 'training-events'] };
const ENGAGEMENT = ['75-percent-engagement-met'] as const;
const ANY_OF = ['training-event-attended', 'self-study-material-completed'] as const;

const window = (declarationType: MilestoneWindow['declarationType'], opens: string, closes: string | null): MilestoneWindow => ({ declarationType, opens, closes });
/** The 2025 cohort's standard September windows (DfE). */
const STARTED = window('started', '2025-06-01', '2025-12-31');
const RETAINED_1 = window('retained-1', '2026-01-01', '2026-03-31');
const RETAINED_2 = window('retained-2', '2026-04-01', '2026-07-31');

/** Modules 1 to 3 close by 31 March 2026 (retained-1's close), 4 by 31 July (retained-2's), 5 and 6 after. */
const MODULE_WINDOWS: ModuleWindow[] = [
  { module: 1, opens: '2025-09-01', closes: '2025-10-24' },
  { module: 2, opens: '2025-11-03', closes: '2025-12-19' },
  { module: 3, opens: '2026-01-05', closes: '2026-02-13' },
  { module: 4, opens: '2026-02-23', closes: '2026-04-24' },
  { module: 5, opens: '2026-05-04', closes: '2026-09-25' },
  { module: 6, opens: '2026-10-05', closes: '2026-12-18' },
];

const mark = (date: string, present: boolean, kind = 'face-to-face session'): EventMark => ({ eventId: `ev_${date}`, date, kind, present });

function input(parts: Partial<EvidenceInput>): EvidenceInput {
  return { moduleNumbers: [1, 2, 3, 4, 5, 6], required: [10, 8, 6, 9, 9, 9], completedOn: null, moduleWindows: MODULE_WINDOWS, marks: [], ...parts };
}

/**
 * Modules 1-3 due by retained-1 (10, 8 and 6 required items: 24), 9, 6 and 4 done; 2 Module 4
 * items done too, not yet due. Four events held, three attended. Counted: 24 + 4 = 28; done:
 * 19 + 3 = 22; 22 / 28 = 78.57 %, so 78 %. 75 % of 28 is 21: the running total reaches 21 on
 * 10 February 2026 (1 on 18 Sep, 7 on 1 Oct, 10 on 20 Oct, 11 on 12 Nov, 17 on 1 Dec, 21).
 */
const MAIN = input({
  completedOn: [[['2025-10-01', 6], ['2025-10-20', 3]], [['2025-12-01', 6]], [['2026-02-10', 4]], [['2026-03-01', 2]], [], []],
  marks: [mark('2025-09-18', true), mark('2025-11-12', true), mark('2026-01-21', false, 'online workshop'), mark('2026-03-12', true)],
});

describe('engagement and evidence, worked out by hand', () => {
  it('counts the modules due by the milestone, rounds down, and finds the day 75% was first met', () => {
    expect(engagementOn(MAIN, '2026-03-31', '2026-03-31', RULE)).toEqual({
      modules: [1, 2, 3],
      selfStudy: { done: 19, required: 24 },
      events: { attended: 3, held: 4 },
      percent: 78,
      met: true,
      firstMet: '2026-02-10',
    });
  });

  it('declares retained-1 on the day 75% was met, and holds the other kinds from their first days', () => {
    const evidence = evidenceFor(MAIN, RETAINED_1, ENGAGEMENT, '2026-03-31', RULE);
    expect(evidence.held).toEqual([
      { type: 'training-event-attended', firstMet: '2025-09-18' },
      { type: 'self-study-material-completed', firstMet: '2025-10-01' },
      { type: '75-percent-engagement-met', firstMet: '2026-02-10' },
    ]);
    expect({ holds: evidence.holds, evidenceHeld: evidence.evidenceHeld, declarationDate: evidence.declarationDate, missing: evidence.missing }).toEqual({
      holds: true,
      evidenceHeld: '75-percent-engagement-met',
      declarationDate: '2026-02-10',
      missing: [],
    });
  });

  it('moves a declaration met before its window opens to the opening day', () => {
    // Any of the two kinds: the first event attended, 18 September 2025, is before 1 January 2026.
    const evidence = evidenceFor(MAIN, RETAINED_1, ANY_OF, '2026-03-31', RULE);
    expect([evidence.evidenceHeld, evidence.declarationDate]).toEqual(['training-event-attended', '2026-01-01']);
  });

  it('does not count evidence dated after the day it is read on', () => {
    // Read on 9 February: Module 3's four items (10 Feb) and the 12 March event are not there yet.
    // Counted: 24 + 3 events held = 27; done: 9 + 6 + 0 + 2 attended = 17; 17 / 27 = 62.96 %.
    expect(engagementOn(MAIN, '2026-03-31', '2026-02-09', RULE)).toEqual({
      modules: [1, 2, 3],
      selfStudy: { done: 15, required: 24 },
      events: { attended: 2, held: 3 },
      percent: 62,
      met: false,
      firstMet: null,
    });
    const evidence = evidenceFor(MAIN, RETAINED_1, ENGAGEMENT, '2026-02-09', RULE);
    expect([evidence.holds, evidence.declarationDate]).toEqual([false, null]);
  });

  it('counts every module when the cohort has no module windows', () => {
    // Required 10 + 8 + 6 + 9 + 9 + 9 = 51, plus 4 events: 55; done 9 + 6 + 4 + 2 + 3 = 24; 43.6 %.
    expect(engagementOn({ ...MAIN, moduleWindows: [] }, '2026-03-31', '2026-03-31', RULE)).toEqual({
      modules: [1, 2, 3, 4, 5, 6],
      selfStudy: { done: 21, required: 51 },
      events: { attended: 3, held: 4 },
      percent: 43,
      met: false,
      firstMet: null,
    });
  });

  it('meets 75% through attendance, on the day of an event', () => {
    // Only Module 1 is due (4 items, 1 done on 1 October); 8 events, all attended. Counted 12,
    // done 9: 75 %, met. 75 % of 12 is 9: reached by the eighth event, on 12 March 2026.
    const events = ['2025-09-18', '2025-10-15', '2025-11-12', '2025-12-10', '2026-01-21', '2026-02-11', '2026-03-04', '2026-03-12'];
    const attender = input({
      required: [4, 8, 6, 9, 9, 9],
      completedOn: [[['2025-10-01', 1]], [], [], [], [], []],
      moduleWindows: [MODULE_WINDOWS[0], { module: 2, opens: '2026-04-13', closes: '2026-05-22' }],
      marks: events.map((date) => mark(date, true)),
    });
    expect(engagementOn(attender, '2026-03-31', '2026-03-31', RULE)).toEqual({
      modules: [1],
      selfStudy: { done: 1, required: 4 },
      events: { attended: 8, held: 8 },
      percent: 75,
      met: true,
      firstMet: '2026-03-12',
    });
    expect(evidenceFor(attender, RETAINED_1, ENGAGEMENT, '2026-03-31', RULE).declarationDate).toBe('2026-03-12');
  });

  describe('when Canvas reverts a completion', () => {
    // Retained-2, read on 15 May 2026: Modules 1-4 are due (4, 4, 4 and 9 items: 21). Three
    // events held: 12 November and 21 January attended, the 12 March online workshop missed.
    // Counted 24; 75 % of it is 18.
    const before = input({
      required: [4, 4, 4, 9, 9, 9],
      completedOn: [[['2025-10-10', 4]], [['2025-12-05', 4]], [['2026-02-06', 4]], [['2026-04-20', 3], ['2026-05-06', 1]], [], []],
      marks: [mark('2025-11-12', true), mark('2026-01-21', true), mark('2026-03-12', false, 'online workshop')],
    });
    const after = { ...before, completedOn: before.completedOn!.map((days, i) => (i === 3 ? [['2026-04-20', 3] as [string, number]] : days)) };

    it('is met at first: 12 + 4 + 2 = 18 of 24, 75 %, on 6 May', () => {
      const evidence = evidenceFor(before, RETAINED_2, ENGAGEMENT, '2026-05-15', RULE);
      expect([evidence.engagement.percent, evidence.engagement.firstMet, evidence.declarationDate]).toEqual([75, '2026-05-06', '2026-05-06']);
    });

    it('falls under 75 % once one Module 4 item is no longer complete, and says what is missing', () => {
      // 12 + 3 + 2 = 17 of 24: 70.8 %, so 70 %; 18 - 17 = 1 more; 9 - 3 = 6 Module 4 items left.
      const evidence = evidenceFor(after, RETAINED_2, ENGAGEMENT, '2026-05-15', RULE);
      expect(evidence.engagement).toEqual({ modules: [1, 2, 3, 4], selfStudy: { done: 15, required: 21 }, events: { attended: 2, held: 3 }, percent: 70, met: false, firstMet: null });
      expect({ holds: evidence.holds, evidenceHeld: evidence.evidenceHeld, declarationDate: evidence.declarationDate }).toEqual({ holds: false, evidenceHeld: null, declarationDate: null });
      expect(evidence.missing).toEqual(['Engagement 70% of the 75% needed: 1 more item or event from 6 of 9 Module 4 items and the 12 March 2026 online workshop']);
    });
  });

  it('names the first four gaps and counts the rest, so a long list stays readable', () => {
    // Nothing done in six modules of 2 items each, all due: 12 counted, 9 needed; six gaps.
    const empty = input({ required: [2, 2, 2, 2, 2, 2], moduleWindows: [] });
    const evidence = evidenceFor(empty, RETAINED_2, ENGAGEMENT, '2026-05-15', RULE);
    expect(evidence.missing).toEqual(['Engagement 0% of the 75% needed: 9 more items or events from 2 of 2 Module 1 items, 2 of 2 Module 2 items, 2 of 2 Module 3 items, 2 of 2 Module 4 items and 2 more']);
  });

  describe('started, on any of the two kinds', () => {
    it('takes the first self-study day when it comes before the first event attended', () => {
      const participant = input({ completedOn: [[['2025-09-25', 2]], [], [], [], [], []], marks: [mark('2025-09-18', false), mark('2025-10-02', true)] });
      const evidence = evidenceFor(participant, STARTED, ANY_OF, '2025-12-31', RULE);
      expect([evidence.evidenceHeld, evidence.declarationDate]).toEqual(['self-study-material-completed', '2025-09-25']);
    });

    it('takes the first event attended when it comes first (an event missed before it does not count)', () => {
      const participant = input({ completedOn: [[['2025-10-08', 1]], [], [], [], [], []], marks: [mark('2025-09-11', false), mark('2025-09-18', true)] });
      const evidence = evidenceFor(participant, STARTED, ANY_OF, '2025-12-31', RULE);
      expect([evidence.evidenceHeld, evidence.declarationDate]).toEqual(['training-event-attended', '2025-09-18']);
    });

    it('says what is missing when there is neither', () => {
      const evidence = evidenceFor(input({ marks: [mark('2025-09-18', false)] }), STARTED, ANY_OF, '2025-12-31', RULE);
      expect({ holds: evidence.holds, missing: evidence.missing }).toEqual({ holds: false, missing: ['No training event attended and no self-study item completed yet'] });
    });
  });

  describe('retained-1, on any of the two kinds, counts only what was done in its own period', () => {
    /** Self-study on 25 September and an event on 18 September 2025 (the started period); one event on 4 February 2026. */
    const participant = input({ completedOn: [[['2025-09-25', 2]], [], [], [], [], []], marks: [mark('2025-09-18', true), mark('2026-02-04', true)] });

    it('dates it by the first evidence after started’s window closed on 31 December 2025', () => {
      const evidence = evidenceFor(participant, RETAINED_1, ANY_OF, '2026-03-31', RULE, '2026-01-01');
      expect([evidence.holds, evidence.evidenceHeld, evidence.declarationDate]).toEqual([true, 'training-event-attended', '2026-02-04']);
    });

    it('does not hold before that, and says since when nothing was done', () => {
      const evidence = evidenceFor(participant, RETAINED_1, ANY_OF, '2026-01-31', RULE, '2026-01-01');
      expect({ holds: evidence.holds, missing: evidence.missing }).toEqual({ holds: false, missing: ['No training event attended and no self-study item completed since 1 January 2026'] });
    });
  });
});

describe('the dated self-study the sync keeps', () => {
  const COHORT = 'September 2025';
  let t: TestService;
  let sim: CanvasSimulator;
  let today = 0;

  beforeAll(async () => {
    t = await startTestService();
    sim = await startSimulator({ students: 6, courses: 1, seed: 18 });
    await linkCourses(sim, COHORT);
  });
  afterAll(async () => {
    await sim.close();
    await t.close();
  });

  const sync = (at: string, options: { full?: boolean } = {}) => {
    today = Date.parse(at);
    return new SyncService({
      logger: createLogger('silent'),
      stores: t.runtime.stores,
      listLinks: async () => t.runtime.stores.store.collection<CourseLink>('course_links').find({}).toArray(),
      clientFor: async () => new CanvasClient({ baseUrl: sim.url, token: sim.token, userAgent: 'ecf-progress-test', retryBaseDelayMs: 5, timeoutMs: 2000 }),
      afterCommit: (cohorts) => t.runtime.stores.readModel.refreshCohorts(cohorts),
      now: () => today,
    }).run({ trigger: 'test', ...options });
  };

  /** The student's required self-study completed, as the simulator says. */
  const completedInSim = (course: SimCourse, userId: string) => sim.expectedProgress(course.id).students.get(userId)!.modules.reduce((sum, m) => sum + (m?.completed ?? 0), 0);

  async function evidenceOf(userId: string) {
    const read = (await t.runtime.stores.readModel.readCurrentEvidence(COHORT))!;
    const days = read.evidence.get(`canvas:${userId}`)!;
    const row = read.rows.find((r) => r.key === `canvas:${userId}`)!;
    const required = row.progress!.modules.map((m) => m.required);
    const engagement = engagementOn({ moduleNumbers: row.progress!.modules.map((m) => m.number), required, completedOn: days, moduleWindows: [], marks: [] }, '2026-07-31', '2026-07-31', RULE);
    return { days: days.flat(), total: days.flat().reduce((sum, [, n]) => sum + n, 0), done: engagement.selfStudy.done };
  }

  it('dates an item by the sync that first saw it complete, and drops it when Canvas reverts it', async () => {
    const course = sim.data.courses[0];
    await sync('2026-01-12T10:00:00Z', { full: true });
    const [userId] = [...sim.expectedProgress(course.id).students].find(([id, s]) => completedInSim(course, id) > 0 && s.modules.some((m) => m !== null && m.completed < m.required))!;
    const start = completedInSim(course, userId);
    const first = await evidenceOf(userId);
    expect(first.total).toBe(start);
    expect(new Set(first.days.map(([day]) => day))).toEqual(new Set(['2026-01-12']));

    const toDo = new Set(sim.truth(course.id).get(userId)!.incompleteItemIds);
    const item = course.modules
      .filter((m) => m.programmeModule !== null)
      .flatMap((m) => m.items)
      .find((i) => i.kind === 'self-study' && toDo.has(i.id))!;
    sim.completeItems(course.id, userId, [item.id]);
    await sync('2026-02-03T10:00:00Z');
    const completed = await evidenceOf(userId);
    expect(completed.total).toBe(start + 1);
    expect(completed.days).toContainEqual(['2026-02-03', 1]);

    sim.uncompleteItems(course.id, userId, [item.id]);
    await sync('2026-02-20T10:00:00Z');
    const reverted = await evidenceOf(userId);
    expect(completedInSim(course, userId)).toBe(start);
    expect(reverted.total).toBe(start);
    expect(reverted.done).toBe(completed.done - 1);
    expect(reverted.days.map(([day]) => day)).not.toContain('2026-02-03');
  });
});
