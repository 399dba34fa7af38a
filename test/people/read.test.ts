import mongoose from 'mongoose';
import { buildRosterIndex, type RosterEntry } from '../../src/people';
import { testStores } from '../support/stores';
import { useCliEnvironment, type CliEnvironment } from '../support/cli';
import { COHORT, linkCohort, ROSTER_HEADER, SCHOOLS_HEADER } from './support';

let env: CliEnvironment;
beforeAll(async () => {
  env = await useCliEnvironment();
  await mongoose.connect(env.uri);
  await linkCohort(env.db);
});
afterAll(async () => {
  await mongoose.disconnect();
  await env.close();
});

const entry = (fields: Partial<RosterEntry> & Pick<RosterEntry, '_id'>): RosterEntry => ({
  canvasUserId: null,
  sisUserId: null,
  email: null,
  name: 'Someone',
  role: 'ect',
  schoolUrn: '100001',
  cohort: COHORT,
  group: null,
  mentorEmail: null,
  status: 'active',
  updatedAt: new Date(0),
  ...fields,
});

describe('buildRosterIndex', () => {
  const a = entry({ _id: 'canvas:1', canvasUserId: '1', sisUserId: 'SA', email: 'a@example.org' });
  const b = entry({ _id: 'sis:SB', sisUserId: 'SB', email: 'b@example.org' });
  const index = buildRosterIndex([a, b]);

  it.each([
    ['the canvas id over a sis id and email that name someone else', { canvasUserId: '1', sisUserId: 'SB', email: 'b@example.org' }, a],
    ['the sis id when the canvas id is unknown', { canvasUserId: '99', sisUserId: 'SB' }, b],
    ['the email in any case when the other ids are unknown or absent', { sisUserId: 'S?', email: 'B@Example.ORG' }, b],
    ['nobody when no id matches', { canvasUserId: '99', email: 'c@example.org' }, undefined],
    ['nobody for no ids', {}, undefined],
  ])('matches %s', (_case, ids, expected) => {
    expect(index.match(ids)).toBe(expected);
  });

  it('lists each id that matches, in precedence order', () => {
    expect(index.matchEach({ canvasUserId: '1', sisUserId: 'SB', email: 'a@example.org' })).toEqual([
      { id: 'canvasUserId', entry: a },
      { id: 'sisUserId', entry: b },
      { id: 'email', entry: a },
    ]);
  });
});

describe('loadSchools and loadRoster', () => {
  it('return what the imports stored, ready for the matcher', async () => {
    await testStores().schools.import([SCHOOLS_HEADER, '100001,Alder Primary School,Hub,office@example.org'].join('\n'));
    await testStores().roster.import([ROSTER_HEADER, `4001,,Lee@example.org,Lee Mentor,mentor,100001,${COHORT},,,active`].join('\n'));

    expect(await testStores().schools.load()).toEqual([{ _id: '100001', name: 'Alder Primary School', deliveryPartner: 'Hub', contactEmails: ['office@example.org'], updatedAt: expect.any(Date) }]);
    const roster = await testStores().roster.load();
    expect(roster).toHaveLength(1);
    expect(buildRosterIndex(roster).match({ email: 'LEE@example.org' })).toMatchObject({ _id: 'canvas:4001', role: 'mentor', schoolUrn: '100001' });
  });
});
