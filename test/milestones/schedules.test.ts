import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cohortMilestones, evidenceRequired, loadMilestones, milestoneWindows, type MilestoneWindow } from '../../src/curriculum';

/**
 * The shipped config/milestones.json against DfE's own schedules, written out here by hand
 * from db/data/schedules/schedules.csv in DFE-Digital/early-careers-framework (start date,
 * milestone date and payment date of each declaration).
 */
const window = (declarationType: string, opens: string, closes: string | null, paymentDate: string) => ({ declarationType, opens, closes, paymentDate });

const STANDARD_SEPTEMBER_2024 = [
  window('started', '2024-06-01', '2024-12-31', '2024-11-30'),
  window('retained-1', '2025-01-01', '2025-03-31', '2025-04-30'),
  window('retained-2', '2025-04-01', '2025-07-31', '2025-08-31'),
  window('retained-3', '2025-08-01', '2025-12-31', '2026-01-31'),
  window('retained-4', '2026-01-01', '2026-03-31', '2026-04-30'),
  window('completed', '2026-04-01', '2026-07-31', '2026-08-31'),
];

const STANDARD_SEPTEMBER_2025 = [
  window('started', '2025-06-01', '2025-12-31', '2025-11-30'),
  window('retained-1', '2026-01-01', '2026-03-31', '2026-04-30'),
  window('retained-2', '2026-04-01', '2026-07-31', '2026-08-31'),
  window('retained-3', '2026-08-01', '2026-12-31', '2027-01-31'),
  window('retained-4', '2027-01-01', '2027-03-31', '2027-04-30'),
  window('completed', '2027-04-01', '2027-07-31', '2027-08-31'),
];

const ANY_OF = ['training-event-attended', 'self-study-material-completed'];
const ENGAGEMENT = ['75-percent-engagement-met'];

describe('the DfE schedules shipped in config/milestones.json', () => {
  it('loads and passes its own checks', () => {
    expect(() => loadMilestones()).not.toThrow();
  });

  it('has DfE’s standard September dates for the 2024 and 2025 cohorts', () => {
    expect(milestoneWindows('ecf-standard-september', 2024)).toEqual(STANDARD_SEPTEMBER_2024);
    expect(milestoneWindows('ecf-standard-september', 2025)).toEqual(STANDARD_SEPTEMBER_2025);
  });

  it('has DfE’s January and April starts', () => {
    expect(milestoneWindows('ecf-standard-january', 2025)[0]).toEqual(window('started', '2026-01-01', '2026-03-31', '2026-04-30'));
    expect(milestoneWindows('ecf-standard-april', 2024)[0]).toEqual(window('started', '2025-04-01', '2025-07-31', '2025-08-31'));
  });

  it.each([
    ['ecf-extended-september', 2024, '2024-09-01', 9],
    ['ecf-extended-april', 2024, '2025-04-01', 9],
    ['ecf-extended-january', 2025, '2026-01-01', 9],
    ['ecf-reduced-september', 2025, '2025-09-01', 6],
    ['ecf-reduced-january', 2024, '2025-01-01', 6],
  ])('gives %s %i no deadlines: every declaration opens on %s', (id, year, start, count) => {
    const windows = milestoneWindows(id, year);
    expect(windows).toHaveLength(count);
    for (const w of windows) expect({ opens: w.opens, closes: w.closes }).toEqual({ opens: start, closes: null });
  });

  it('names each cohort’s DfE year and default schedule', () => {
    expect(cohortMilestones('September 2024')).toEqual({ cohortYear: 2024, schedule: 'ecf-standard-september' });
    expect(cohortMilestones('September 2025')).toEqual({ cohortYear: 2025, schedule: 'ecf-standard-september' });
    expect(cohortMilestones('January 2031')).toBeNull();
  });

  it('declares a mentor from 2025 only started and completed, completed on 75% engagement', () => {
    expect(evidenceRequired('mentor', 2025)).toEqual({ started: ANY_OF, completed: ENGAGEMENT });
  });

  it('asks of an ECT from 2025 75% engagement for retained-2 and completed, and any of the two kinds for the rest', () => {
    const ect = evidenceRequired('ect', 2025);
    expect(ect['retained-2']).toEqual(ENGAGEMENT);
    expect(ect.completed).toEqual(ENGAGEMENT);
    for (const type of ['started', 'retained-1', 'retained-3', 'retained-4', 'extended-1', 'extended-2', 'extended-3'] as const) expect([type, ect[type]]).toEqual([type, ANY_OF]);
  });

  it('asks of the 2024 cohort any of the two kinds for every declaration, ECT and mentor alike', () => {
    for (const role of ['ect', 'mentor'] as const) {
      const rule = evidenceRequired(role, 2024);
      expect(Object.keys(rule)).toEqual(['started', 'retained-1', 'retained-2', 'retained-3', 'retained-4', 'completed', 'extended-1', 'extended-2', 'extended-3']);
      for (const [type, kinds] of Object.entries(rule)) expect([role, type, kinds]).toEqual([role, type, ANY_OF]);
    }
  });
});

/** A small valid file to break one thing at a time. */
function validConfig() {
  const windows: MilestoneWindow[] = [
    { declarationType: 'started', opens: '2025-06-01', closes: '2025-12-31', paymentDate: '2025-11-30' },
    { declarationType: 'retained-1', opens: '2026-01-01', closes: '2026-03-31', paymentDate: '2026-04-30' },
    { declarationType: 'completed', opens: '2026-04-01', closes: '2026-07-31', paymentDate: '2026-08-31' },
  ];
  return {
    engagement: { thresholdPct: 75, counts: ['self-study', 'training-events'] },
    evidence: [{ fromCohortYear: 2021, ect: { started: ANY_OF }, mentor: { started: ANY_OF } }],
    cohorts: { 'September 2025': { cohortYear: 2025, schedule: 'ecf-standard-september' } },
    schedules: { 'ecf-standard-september': { name: 'Standard, September start', kind: 'standard', cohortYears: { '2025': windows } } },
  };
}

type Config = ReturnType<typeof validConfig>;

/** Each file gets its own path: a loaded file is kept by path. */
function milestonesFile(content: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-milestones-')), 'milestones.json');
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}

const windowsOf = (config: Config) => config.schedules['ecf-standard-september'].cohortYears['2025'];

describe('checking a milestones file', () => {
  it('accepts the valid example', () => {
    expect(loadMilestones(milestonesFile(validConfig())).cohorts['September 2025']).toEqual({ cohortYear: 2025, schedule: 'ecf-standard-september' });
  });

  it.each<[string, (config: Config) => void, string]>([
    ['a bad date', (c) => (windowsOf(c)[1].opens = '1 January 2026'), 'schedules.ecf-standard-september.cohortYears.2025.1.opens: must be a date written YYYY-MM-DD'],
    ['a window that closes before it opens', (c) => (windowsOf(c)[2].closes = '2026-03-31'), 'schedules.ecf-standard-september.cohortYears.2025.2: closes before it opens'],
    ['a declaration listed twice', (c) => (windowsOf(c)[2].declarationType = 'retained-1'), 'schedules.ecf-standard-september.cohortYears.2025: retained-1 is listed twice'],
    [
      'declarations out of order',
      (c) => windowsOf(c).reverse(),
      'schedules.ecf-standard-september.cohortYears.2025: the declarations must be in the order started, retained-1, retained-2, retained-3, retained-4, completed, extended-1, extended-2, extended-3',
    ],
    ['a cohort naming an unknown schedule', (c) => (c.cohorts['September 2025'].schedule = 'ecf-standard-june'), 'cohorts.September 2025.schedule: no schedule is called "ecf-standard-june"'],
    ['a cohort year the schedule lacks', (c) => (c.cohorts['September 2025'].cohortYear = 2026), 'cohorts.September 2025: the schedule "ecf-standard-september" has no windows for the cohort year 2026'],
    ['an unknown key', (c) => Object.assign(windowsOf(c)[0], { deadline: '2025-12-31' }), 'schedules.ecf-standard-september.cohortYears.2025.0: Unrecognized key: "deadline"'],
  ])('refuses %s, naming the file and the place at fault', (_problem, breakIt, place) => {
    const config = validConfig();
    breakIt(config);
    const file = milestonesFile(config);
    expect(() => loadMilestones(file)).toThrow(`${file}: ${place}`);
  });
});
