import crypto from 'node:crypto';
import { mongo } from 'mongoose';
import { Store } from '../../src/db/store';
import { ensureStore } from '../../src/db/store-setup';
import { WeeklySnapshots } from '../../src/trends';
import type { ParticipantProgress } from '../../src/progress/cohort-model';
import { freshDatabaseUri } from '../support/service';

jest.setTimeout(600_000);
function participants(n: number, seed: number): ParticipantProgress[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `canvas:2107000000000${i}`, canvasUserId: null, name: null, email: null, role: i % 3 === 0 ? 'mentor' : 'ect', schoolUrn: String(100000 + (i % 400)), cohort: 'C', group: `Group ${i % 100}`, rostered: true, status: 'active', mentorEmail: null, mentorKey: null, menteeKeys: [],
    progress: { courseKey: 'k', courseId: '1', programme: i % 3 === 0 ? 'mentor' : 'ect', overall: (i * seed) % 101, dataAsOf: null, toDo: [], lastActivityAt: null,
      modules: Array.from({ length: 9 }, (_m, j) => ({ number: j + 1, required: 10, completed: 5, percent: (i + j * seed) % 101, state: (i + j) % 4 === 0 ? 'completed' : 'in-progress' as const })) },
  })) as ParticipantProgress[];
}
it('bench', async () => {
  const client = await mongo.MongoClient.connect(freshDatabaseUri());
  const db = client.db(`t_${crypto.randomBytes(6).toString('hex')}`);
  await ensureStore(db);
  const store = new Store(db);
  let current = participants(10_000, 1);
  const cohorts = ['C', 'D', 'E'];
  const s = new WeeklySnapshots(store, { readModel: { knownCohorts: async () => cohorts, readAllParticipants: async () => current } });
  const t0 = Date.now();
  for (let w = 0; w < 60; w += 1) {
    current = participants(10_000, w + 1);
    const now = new Date(Date.UTC(2024, 0, 3 + 7 * w));
    const a = Date.now();
    await s.takeAll(now);
    if (w % 10 === 0) console.log(`week ${w}: takeAll 3 cohorts ${Date.now() - a} ms`);
  }
  console.log('total', Date.now() - t0);
  for (let k = 0; k < 3; k += 1) {
    let a = Date.now();
    const pts = await s.trend('C', 'ect', { groups: null });
    console.log('trend cohort', pts.length, Date.now() - a, 'ms');
    a = Date.now();
    await s.trend('C', 'ect', { groups: ['Group 1', 'Group 2'] });
    console.log('trend 2 groups', Date.now() - a, 'ms');
    a = Date.now();
    await s.take('C', new Date(Date.UTC(2024, 0, 3)));
    console.log('take already', Date.now() - a, 'ms');
    a = Date.now();
    await s.readSnapshot('C', '2024-W05');
    console.log('readSnapshot', Date.now() - a, 'ms');
  }
  const stats = await db.command({ collStats: 'ecf_trend_points' }).catch(() => null);
  console.log('points size', stats?.size, 'snap', (await db.command({ collStats: 'ecf_progress_snapshots' }).catch(() => null))?.size, 'schools', (await db.command({ collStats: 'ecf_trend_schools' }).catch(() => null))?.size);
  await db.dropDatabase();
  await client.close();
});
