import request from 'supertest';
import type { DevPlatform } from '../../dev-platform';
import { moduleOf } from '../../src/curriculum';
import type { PartitionedCollection } from '../../src/db/partitions';
import { personKeyId } from '../../src/domain';
import { startIndependentPlatform } from '../lti/support';
import { csrfFrom } from '../support/forms';
import { COHORT, startWorld, type World } from './world';

let w: World;
let other: { platform: DevPlatform; close(): Promise<void> };
beforeAll(async () => {
  w = await startWorld(41);
  other = await startIndependentPlatform(w.t.url);
  await w.t.runtime.registry.add(other.platform.registrationForTool);
});
afterAll(async () => {
  await other.close();
  await w.close();
});

const ratings = Object.fromEntries(moduleOf('ect', 1)!.auditStatements.map((_, i) => [`rating_${i}`, '3']));

async function writeRecords(on: DevPlatform): Promise<void> {
  const launched = await w.launch('ect', undefined, on);
  await request(w.t.url).post(`${w.baseOf(launched)}modules/1/audit/start`).type('form').send({ _csrf: csrfFrom(launched.body), version: '1', action: 'submit', ...ratings }).expect(303);
  await w.t.runtime.stores.meetings.record({
    ectOwnerId: personKeyId(on, on.users.ect.canvasUserId),
    ectKey: `canvas:${on.users.ect.canvasUserId}`,
    ectName: on.users.ect.name,
    mentorOwnerId: personKeyId(on, on.users.mentor.canvasUserId),
    mentorName: on.users.mentor.name,
    cohort: COHORT,
    module: 1,
    session: 1,
    date: '2026-11-30',
    focus: 'Belonging',
    notes: '',
    actions: [],
  });
}

/** Documents of a partitioned collection, over all its parts. */
async function count(kind: PartitionedCollection): Promise<number> {
  let total = 0;
  for (const part of w.t.runtime.stores.store.allParts(kind)) total += await part.countDocuments({});
  return total;
}

it('deletes what a removed platform’s people wrote, and nothing of another platform’s', async () => {
  await writeRecords(w.platform);
  await writeRecords(other.platform);
  const before = { audits: await count('audit_records'), submissions: await count('audit_submissions'), meetings: await count('meeting_records') };
  expect(await w.t.runtime.stores.store.collection('group_boards').countDocuments({})).toBeGreaterThan(0);
  expect(before).toEqual({ audits: 2, submissions: 2, meetings: 2 });
  const removed = await w.t.runtime.retention.removePlatformAndData({ issuer: w.platform.issuer, clientId: w.platform.clientId });
  expect(removed.records).toBe(3);
  // The group boards (worked out from those records) go too, to be rebuilt from what remains.
  expect(await w.t.runtime.stores.store.collection('group_boards').countDocuments({})).toBe(0);
  expect({ audits: await count('audit_records'), submissions: await count('audit_submissions'), meetings: await count('meeting_records') }).toEqual({ audits: 1, submissions: 1, meetings: 1 });
  const kept = await w.t.runtime.audits.moduleAudit(personKeyId(other.platform, other.platform.users.ect.canvasUserId), 'ect', 1);
  expect(kept.start.status).toBe('submitted');
});
