import { useCliEnvironment, type CliEnvironment } from '../support/cli';
import { COHORT, importCsv, linkCohort, ROSTER_HEADER, SCHOOLS_HEADER, sortedDocs } from './support';

/**
 * The roster's optional columns (schedule, dfe_participant_id, transfer_date): each is checked
 * line by line, a file without them keeps what is stored, and a school change is history.
 */
let env: CliEnvironment;
beforeAll(async () => {
  env = await useCliEnvironment();
  await linkCohort(env.db);
  const schools = await importCsv('schools', [SCHOOLS_HEADER, '100001,Alder Primary School,Hub,', '100002,Birch Academy,Hub,']);
  if (schools.code !== 0) throw new Error(schools.stderr);
});
afterAll(async () => env.close());
beforeEach(async () => {
  await env.db.collection('ecf_roster').deleteMany({});
  await env.db.collection('ecf_roster_history').deleteMany({});
});

const HEADER = `${ROSTER_HEADER},schedule,dfe_participant_id,transfer_date`;
const UUID = '3f0e0b5c-6a1d-4c8e-9a77-0f5a4b2c1d9e';
/** YYYY-MM-DD in England, `days` from today. */
const ukDay = (days: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date(Date.now() + days * 86_400_000));
const row = (urn: string, extra: { schedule?: string; dfe?: string; transfer?: string } = {}) =>
  `3001,,erin@example.org,Erin Teacher,ect,${urn},${COHORT},,,active,${extra.schedule ?? ''},${extra.dfe ?? ''},${extra.transfer ?? ''}`;
const history = () => env.db.collection('ecf_roster_history').find({}).toArray();

describe('the optional roster columns', () => {
  it('refuses, by line, an unknown schedule, a DfE id that is not a UUID and a transfer dated after today', async () => {
    const run = await importCsv('roster', [
      HEADER,
      row('100001', { schedule: 'ecf-standard-july' }),
      `3002,,eli@example.org,Eli Teacher,ect,100001,${COHORT},,,active,,not-a-uuid,`,
      `3003,,ada@example.org,Ada Teacher,ect,100001,${COHORT},,,active,,,${ukDay(2)}`,
      `3004,,bo@example.org,Bo Teacher,ect,100001,${COHORT},,,active,ecf-extended-september,${UUID},${ukDay(0)}`,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('roster.csv line 2: schedule: names no schedule in config/milestones.json\n');
    expect(run.stderr).toContain("roster.csv line 3: dfe_participant_id: must be DfE's participant id (a UUID)\n");
    expect(run.stderr).toContain(`roster.csv line 4: transfer_date: is after today; import the move on or after ${ukDay(2)}\n`);
    expect(run.stderr).not.toContain('roster.csv line 5:');
    expect(await sortedDocs(env.db, 'ecf_roster')).toEqual([]);
  });

  it('stores the values given, and a file without the columns keeps them', async () => {
    const first = await importCsv('roster', [HEADER, row('100001', { schedule: 'ecf-extended-september', dfe: UUID.toUpperCase() })]);
    expect(first.code).toBe(0);
    expect(await sortedDocs(env.db, 'ecf_roster')).toEqual([expect.objectContaining({ _id: 'canvas:3001', schedule: 'ecf-extended-september', dfeParticipantId: UUID })]);
    const without = await importCsv('roster', [ROSTER_HEADER, `3001,,erin@example.org,Erin Teacher,ect,100001,${COHORT},,,deferred`]);
    expect(without.code).toBe(0);
    expect(without.stdout).toBe('Roster: 0 added, 1 updated, 0 unchanged.\n');
    expect(await sortedDocs(env.db, 'ecf_roster')).toEqual([expect.objectContaining({ _id: 'canvas:3001', status: 'deferred', schedule: 'ecf-extended-september', dfeParticipantId: UUID })]);
    // The schedule changed on no import after the first (which added the person): no history.
    expect(await history()).toEqual([]);
  });

  it('records a school change once, on its transfer date, however often the file is imported', async () => {
    expect((await importCsv('roster', [HEADER, row('100001')])).code).toBe(0);
    const moved = [HEADER, row('100002', { transfer: ukDay(-3) })];
    expect((await importCsv('roster', moved)).stdout).toBe('Roster: 0 added, 1 updated, 0 unchanged.\n');
    const written = await history();
    expect(written).toEqual([expect.objectContaining({ personId: 'canvas:3001', kind: 'school', from: '100001', to: '100002', effective: ukDay(-3), transfer: true })]);
    const again = await importCsv('roster', moved);
    expect(again.stdout).toBe('Roster: 0 added, 0 updated, 1 unchanged.\n');
    expect(await history()).toEqual(written);
    expect(await sortedDocs(env.db, 'ecf_roster')).toEqual([expect.objectContaining({ _id: 'canvas:3001', schoolUrn: '100002' })]);
  });

  it('keeps a change of school without a transfer date as a correction, on the day of the import, and a change of schedule', async () => {
    expect((await importCsv('roster', [HEADER, row('100001')])).code).toBe(0);
    expect((await importCsv('roster', [HEADER, row('100002', { schedule: 'ecf-extended-september' })])).code).toBe(0);
    expect(await history()).toEqual([
      expect.objectContaining({ kind: 'schedule', from: null, to: 'ecf-extended-september', effective: ukDay(0), transfer: false }),
      expect.objectContaining({ kind: 'school', from: '100001', to: '100002', effective: ukDay(0), transfer: false }),
    ]);
  });
});
