import type { CanvasSimulator } from '../../canvas-sim';
import { SyncService } from '../../src/sync/service';
import { startTestService, testConfig, type TestService } from '../support/service';
import { PLATFORM, expectStoreMatchesTruth, linkCourses, startSimulator } from '../sync/helpers';

describe('the service’s jobs with SYNC_INTERVAL on', () => {
  let t: TestService;
  let sim: CanvasSimulator;
  beforeAll(async () => {
    t = await startTestService({ config: await testConfig({ SYNC_INTERVAL: '1h' }) });
    sim = await startSimulator({ latencyMs: 30 });
    await linkCourses(sim);
    await t.runtime.stores.connections.save(PLATFORM, { baseUrl: sim.url, token: sim.token });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await sim.close();
    await t.close();
  });

  it('waits for a sync in progress when it closes, as on SIGTERM', async () => {
    const run = SyncService.prototype.run;
    let markStarted!: () => void;
    const syncStarted = new Promise<void>((resolve) => (markStarted = resolve));
    jest.spyOn(SyncService.prototype, 'run').mockImplementation(function (this: SyncService, request) {
      markStarted();
      return run.call(this, request);
    });
    const performed = t.service.jobs.perform('sync');
    await syncStarted;

    await t.service.close();

    const [finished] = await t.runtime.stores.runs.latest(1);
    expect(finished).toMatchObject({ trigger: 'schedule', errors: [] });
    expect(finished.finishedAt).toBeInstanceOf(Date);
    await performed;
    await expectStoreMatchesTruth(sim);
  });
});
