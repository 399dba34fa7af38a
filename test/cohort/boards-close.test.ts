import { mongo } from 'mongoose';
import { courseKeyId } from '../../src/domain';
import { createLogger } from '../../src/log/logger';
import { openRuntime, type Runtime } from '../../src/service';
import { LogCapture, testConfig } from '../support/service';

const COHORT = 'September 2025';
const GROUPS = ['Group A', 'Group B', 'Group C'];
const HEADER = 'canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status';
const PLATFORM = { issuer: 'https://canvas.example.org', clientId: '10000000000001' };
const roster = GROUPS.flatMap((group, g) => Array.from({ length: 4 }, (_, i) => `,,p${g}.${i}@example.org,Person ${g} ${i},ect,131245,${COHORT},${group},,active`));

/** A school and a linked course of the cohort, which the roster's rows must name. */
async function cohortOnRoster({ stores }: Runtime): Promise<void> {
  await stores.schools.import('urn,name,delivery_partner,contact_emails\n131245,Brookfield Primary School,Northern Lights,office@brookfield.example.org');
  await stores.links.save({ _id: courseKeyId(PLATFORM, '501'), ...PLATFORM, courseId: '501', programme: 'ect', cohort: COHORT, moduleMap: {}, classificationOverrides: { items: {}, titles: [] }, linkedAt: new Date() });
  expect((await stores.roster.import([HEADER, ...roster].join('\n'))).bad).toEqual([]);
  await stores.readModel.refreshCohort(COHORT);
}

// ltijs allows one set-up per loaded copy, so the runtime with ltijs is opened once in this file.
describe.each([
  ['as the CLI opens it (without ltijs)', false],
  ['as the service opens it (with ltijs)', true],
])('closing the runtime %s', (_how, lti) => {
  it('finishes the board rebuild under way and starts no other; the next reader rebuilds the rest', async () => {
    const config = await testConfig();
    const logs = new LogCapture();
    const runtime = await openRuntime(config, { logger: createLogger('info', logs), lti });
    const client = await mongo.MongoClient.connect(config.mongodbUri!);
    const builtGroups = async () => (await client.db().collection('ecf_group_boards').find({ cohort: COHORT }).toArray()).map((doc) => doc.group as string).sort();
    let closed = false;
    try {
      await cohortOnRoster(runtime);
      // No boards yet: reading the grid (as the notifications' checks do after a sync) starts their rebuild.
      const { boards } = await runtime.cohortGrid.ratedCohort(COHORT);
      expect(boards.size).toBe(0);
      await runtime.close();
      closed = true;
      const atClose = await builtGroups();
      expect(atClose.length).toBeGreaterThanOrEqual(1);
      expect(atClose.length).toBeLessThan(GROUPS.length);
      expect(logs.text()).not.toContain('boards.heal_failed');

      const next = await openRuntime(config, { logger: createLogger('silent'), lti: false });
      await next.boards.refreshCohort(COHORT);
      await next.close();
      expect(await builtGroups()).toEqual(GROUPS);
    } finally {
      if (!closed) await runtime.close();
      await client.db().dropDatabase();
      await client.close();
    }
  });
});
