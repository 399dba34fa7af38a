/**
 * Runs one measured step of `npm run bench:read-model` in a fresh process, so its memory
 * figures are its own: the full sync with the read-model hook, one `refreshCohort`, or the
 * page and participant reads. Started by bench/read-model.ts with `--expose-gc`; gets a
 * ReadModelJob over IPC, answers a ReadModelReply.
 */
import mongoose from 'mongoose';
import { createRandom } from '../canvas-sim/prng';
import { CanvasClient } from '../src/canvas';
import { createLogger } from '../src/log/logger';
import type { ReadModelPointer } from '../src/progress/read-model';
import { SyncService } from '../src/sync/service';
import { distribution, MemorySampler, StoreMonitor } from './measure';
import { benchStores } from './stores';
import type { ReadModelJob, ReadModelReply, ReadsJob, ReadsOutcome, RefreshJob, RefreshOutcome, SyncJob, SyncOutcome } from './read-model-protocol';
import { mib, seconds } from './report';

const say = (line: string) => process.stdout.write(`${line}\n`);
const int = (n: number) => n.toLocaleString('en-GB');
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A generation is two collections (participant buckets, and pages with rollups): src/progress/read-model.ts. */
async function documentsOf(generation: string | null): Promise<number> {
  if (!generation) return 0;
  const counts = await Promise.all(['people', 'pages'].map((part) => mongoose.connection.db!.collection(`ecf_${generation}_${part}`).estimatedDocumentCount()));
  return counts.reduce((a, b) => a + b, 0);
}

async function connect(job: ReadModelJob, monitorCommands: boolean): Promise<void> {
  mongoose.set('strictQuery', true);
  await mongoose.connect(job.uri, { dbName: job.dbName, serverSelectionTimeoutMS: 5000, monitorCommands });
  // Warms the connection (and the driver) before any clock starts.
  await benchStores().readModel.readPointer(job.cohort);
}

/** Tells the driver the clock starts or stops; resolves once the message is out. */
function clock(at: 'start' | 'end'): Promise<void> {
  return new Promise((resolve) => process.send?.({ type: 'clock', at } satisfies ReadModelReply, () => resolve()) ?? resolve());
}

/**
 * The full sync as `openRuntime` wires it (src/service.ts): the read model of the synced
 * cohorts is rebuilt by `afterCommit` before `run()` returns. The Canvas client is built as
 * bench/run-worker.ts builds it (URL, token, User-Agent), since the bench has no stored connection.
 */
async function sync(job: SyncJob): Promise<SyncOutcome> {
  await connect(job, false);
  let client: CanvasClient | null = null;
  let hookMs: number | null = null;
  let hookError: string | null = null;
  const stores = benchStores();
  const service = new SyncService({
    logger: createLogger('silent'),
    stores,
    listLinks: () => stores.links.list(),
    clientFor: async () => (client = new CanvasClient({ baseUrl: job.canvas.url, token: job.canvas.token, userAgent: job.userAgent })),
    afterCommit: async (cohorts) => {
      const started = performance.now();
      try {
        await stores.readModel.refreshCohorts(cohorts);
      } catch (error) {
        // The service only logs a failed hook; the bench must see it.
        hookError = messageOf(error);
        throw error;
      } finally {
        hookMs = Math.round(performance.now() - started);
      }
    },
  });
  global.gc?.();
  await clock('start');
  const memory = new MemorySampler();
  const started = performance.now();
  const run = await service.run({ trigger: 'cli', full: true });
  const wallMs = Math.round(performance.now() - started);
  await clock('end');
  const stats = (client as CanvasClient | null)?.stats();
  const outcome: SyncOutcome = {
    kind: 'sync',
    wallMs,
    hookMs,
    hookError,
    participants: run.participants,
    paths: run.courses.map((c) => c.path ?? c.status),
    apiCalls: stats?.requests ?? 0,
    throttled: stats?.throttled ?? 0,
    errors: run.errors,
    memory: memory.stop(),
  };
  say(`  [sync] full sync of ${int(outcome.participants)} in ${seconds(wallMs)} (${int(outcome.apiCalls)} Canvas calls, ${outcome.throttled} throttled, paths ${outcome.paths.join(', ')}), of which the read-model hook ${hookMs === null ? '–' : seconds(hookMs)}; peak RSS ${mib(outcome.memory.peakRss)}`);
  if (hookError) say(`  [sync] the read-model hook FAILED: ${hookError}`);
  if (run.errors.length) say(`  [sync] ERRORS: ${run.errors.join('; ')}`);
  return outcome;
}

async function refresh(job: RefreshJob): Promise<RefreshOutcome> {
  await connect(job, job.monitored);
  const store = job.monitored ? new StoreMonitor() : null;
  global.gc?.();
  await clock('start');
  const cpuAtStart = process.cpuUsage();
  const memory = new MemorySampler();
  const started = performance.now();
  let pointer: ReadModelPointer | null = null;
  let error: string | null = null;
  try {
    pointer = await benchStores().readModel.refreshCohort(job.cohort);
    if (!pointer) error = 'another build held the cohort (refreshCohort returned null)';
  } catch (caught) {
    error = messageOf(caught);
  }
  const wallMs = Math.round(performance.now() - started);
  const cpu = process.cpuUsage(cpuAtStart);
  await clock('end');
  const figures = memory.stop();
  const storeFigures = store?.targetSnapshot() ?? null;
  const documents = await documentsOf(pointer?.generation ?? null);
  const outcome: RefreshOutcome = {
    kind: 'refresh',
    run: job.run,
    monitored: job.monitored,
    wallMs,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    memory: figures,
    participants: pointer?.participants ?? 0,
    pages: pointer?.pages ?? 0,
    documents,
    store: storeFigures,
    error,
  };
  const label = job.monitored ? 'refresh, monitored' : `refresh ${job.run}`;
  say(`  [${label}] ${int(outcome.participants)} participants, ${outcome.pages} pages, ${int(documents)} documents in ${seconds(wallMs)} (CPU of this process ${seconds(outcome.cpuMs)}); peak RSS ${mib(figures.peakRss)} (+${mib(figures.increase)})`);
  if (error) say(`  [${label}] FAILED: ${error}`);
  return outcome;
}

async function reads(job: ReadsJob): Promise<ReadsOutcome> {
  await connect(job, false);
  const random = createRandom(job.seed);
  const pointer = await benchStores().readModel.readPointer(job.cohort);
  if (!pointer?.generation) throw new Error(`cohort ${job.cohort} has no read model`);
  // Every page once, untimed: the keys to pick participants from, and the pages' size.
  const keys: string[] = [];
  let pageBytes = 0;
  for (let n = 0; n < pointer.pages; n += 1) {
    const page = (await benchStores().readModel.readPage(pointer, n)) ?? [];
    pageBytes += Buffer.byteLength(JSON.stringify(page));
    for (const participant of page) keys.push(participant.key);
  }

  const pageRead: number[] = [];
  const pointerRead: number[] = [];
  const pageOnly: number[] = [];
  for (let i = 0; i < job.pageReads; i += 1) {
    const n = random.int(0, pointer.pages - 1);
    const started = performance.now();
    const current = await benchStores().readModel.readPointer(job.cohort);
    const pointerDone = performance.now();
    const page = await benchStores().readModel.readPage(current!, n);
    const done = performance.now();
    if (!page?.length) throw new Error(`page ${n} read back empty`);
    pageRead.push(done - started);
    pointerRead.push(pointerDone - started);
    pageOnly.push(done - pointerDone);
  }
  const participantRead: number[] = [];
  for (let i = 0; i < job.participantReads; i += 1) {
    const key = random.pick(keys);
    const started = performance.now();
    const participant = await benchStores().readModel.readParticipant(job.cohort, key);
    participantRead.push(performance.now() - started);
    if (!participant) throw new Error(`participant ${key} read back null`);
  }

  let monitored: ReadsOutcome['monitored'] = null;
  if (job.monitoredReads > 0) {
    // A second connection with command monitoring: the store's round trip per read, apart from decoding in this process.
    await mongoose.disconnect();
    await connect(job, true);
    const finds: { target: string; ms: number }[] = [];
    const client = mongoose.connection.getClient();
    const targets = new Map<number, string>();
    client.on('commandStarted', (e) => {
      const filter = (e.command as { filter?: { _id?: unknown } }).filter;
      targets.set(e.requestId, `${e.commandName}:${String(filter?._id ?? '').replace(/:.*$/, '')}`);
    });
    client.on('commandSucceeded', (e) => finds.push({ target: targets.get(e.requestId) ?? '', ms: e.duration }));
    for (let i = 0; i < job.monitoredReads; i += 1) {
      const current = await benchStores().readModel.readPointer(job.cohort);
      await benchStores().readModel.readPage(current!, random.int(0, pointer.pages - 1));
      await benchStores().readModel.readParticipant(job.cohort, random.pick(keys));
    }
    const of = (target: string) => finds.filter((f) => f.target === target).map((f) => f.ms);
    monitored = { pageFindMs: distribution(of('find:page')), participantFindMs: distribution(of('find:participant')), pointerFindMs: distribution(of(`find:${job.cohort}`)) };
  }

  const outcome: ReadsOutcome = {
    kind: 'reads',
    pages: pointer.pages,
    participants: keys.length,
    pageRead: distribution(pageRead),
    pointerRead: distribution(pointerRead),
    pageOnly: distribution(pageOnly),
    participantRead: distribution(participantRead),
    pageBytes: Math.round(pageBytes / pointer.pages),
    monitored,
  };
  const ms = (d: { p50: number; p95: number; max: number }) => `p50 ${d.p50} ms, p95 ${d.p95} ms, max ${d.max} ms`;
  say(`  [reads] ${job.pageReads} page reads of ${int(Math.min(keys.length, 1000))}: ${ms(outcome.pageRead)} (pointer ${ms(outcome.pointerRead)}); page JSON ${(outcome.pageBytes / 1024 / 1024).toFixed(2)} MB`);
  say(`  [reads] ${job.participantReads} participant reads: ${ms(outcome.participantRead)}`);
  if (monitored) say(`  [reads] store round trip (monitored): page find ${ms(monitored.pageFindMs)}; participant find ${ms(monitored.participantFindMs)}; pointer find ${ms(monitored.pointerFindMs)}`);
  return outcome;
}

async function perform(job: ReadModelJob) {
  try {
    switch (job.kind) {
      case 'sync':
        return await sync(job);
      case 'refresh':
        return await refresh(job);
      case 'reads':
        return await reads(job);
    }
  } finally {
    await mongoose.disconnect();
  }
}

process.once('message', (job: ReadModelJob) => {
  perform(job).then(
    (result) => process.send?.({ type: 'result', ok: true, result } satisfies ReadModelReply, () => process.exit(0)),
    (error: unknown) => process.send?.({ type: 'result', ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ReadModelReply, () => process.exit(1)),
  );
});
process.on('disconnect', () => process.exit(1));
