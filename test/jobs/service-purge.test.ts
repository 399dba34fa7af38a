import mongoose from 'mongoose';
import { UnknownJobError } from '../../src/jobs';
import { startTestService, type TestService } from '../support/service';

const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

describe('the service’s jobs with SYNC_INTERVAL off', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(async () => t.close());

  it('has a purge job that sweeps expired sessions and logs what it deleted', async () => {
    const sessions = mongoose.connection.db!.collection('ecf_sessions');
    await sessions.insertMany([
      { _id: 'expired' as never, expiresAt: minutesAgo(1), lastSeenAt: minutesAgo(2) },
      { _id: 'live' as never, expiresAt: new Date(Date.now() + 60_000), lastSeenAt: minutesAgo(1) },
    ]);

    await t.service.jobs.perform('purge');

    expect(await sessions.find({}).map((s) => s._id as unknown as string).toArray()).toEqual(['live']);
    expect(t.logs.lines.map((line) => JSON.parse(line) as { event?: string; deleted?: Record<string, number> }).find((l) => l.event === 'lti.purge')?.deleted).toMatchObject({ sessions: 1 });
  });

  it('has no sync job', async () => {
    await expect(t.service.jobs.perform('sync')).rejects.toThrow(UnknownJobError);
  });
});
