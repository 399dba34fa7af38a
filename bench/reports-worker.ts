/**
 * The service measured by `npm run bench:reports`, in its own process (started by
 * bench/reports.ts with `--expose-gc` and NODE_ENV=production), so its memory and CPU figures
 * are its own and the bench's HTTP client never shares its event loop. It runs the tool as
 * `npm start` does (`openRuntime` + `startService`, jobs included) on the bench's database,
 * registers the development platform, and times every request on the server side: from Node's
 * `request` event to the response's `finish`, by a listener put in front of Express's own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { loadConfig } from '../src/config/env';
import { createLogger } from '../src/log/logger';
import { openRuntime, startService, type RunningService } from '../src/service';
import { MemorySampler } from './measure';
import { measureExports } from './reports-exports';
import { CASE_HEADER, type ServerTiming, type ServiceCommand, type ServiceJob, type ServiceMemory, type ServiceReply } from './reports-protocol';

const reply = (message: ServiceReply): Promise<void> => new Promise((resolve) => process.send?.(message, () => resolve()) ?? resolve());
const heap = () => {
  global.gc?.();
  const usage = process.memoryUsage();
  return { rss: usage.rss, heapUsed: usage.heapUsed, external: usage.external, arrayBuffers: usage.arrayBuffers };
};

async function start(job: ServiceJob): Promise<{ service: RunningService; timings: ServerTiming[]; sampler: MemorySampler; baseline: ServiceMemory['baseline'] }> {
  const started = performance.now();
  // The tool's own settings as the tests run it (plain http on 127.0.0.1, the development
  // platform allowed); Express itself runs in production mode from this process's NODE_ENV.
  const config = loadConfig({
    NODE_ENV: 'development',
    PORT: String(job.port),
    PUBLIC_URL: `http://127.0.0.1:${job.port}`,
    MONGODB_URI: job.mongodbUri,
    DATA_DIR: job.dataDir,
    APP_SECRET: job.appSecret,
    LOG_LEVEL: 'info',
    SYNC_INTERVAL: 'off',
  });
  // Logged as production logs (every request at info), to nowhere.
  const logger = createLogger(config.logLevel, pino.destination({ dest: '/dev/null', sync: false }));
  const runtime = await openRuntime(config, { logger });
  await runtime.registry.add(job.platform);
  await runtime.stores.connections.save({ issuer: job.platform.issuer, clientId: job.platform.clientId }, { baseUrl: job.canvas.url, token: job.canvas.token });
  const service = await startService(runtime);
  const timings: ServerTiming[] = [];
  service.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const header = req.headers[CASE_HEADER];
    const tag = typeof header === 'string' ? header : null;
    const path = (req.url ?? '').replace(/^\/s\/[^/]+/, '');
    res.once('finish', () => timings.push({ tag, path, ms: performance.now() - at, status: res.statusCode, bytes: Number(res.getHeader('content-length') ?? 0) }));
  });
  const baseline = heap();
  const sampler = new MemorySampler();
  await reply({ type: 'ready', url: service.url, startMs: Math.round(performance.now() - started) });
  return { service, timings, sampler, baseline };
}

process.once('message', (job: ServiceJob) => {
  start(job).then(
    ({ service, timings, sampler, baseline }) => {
      process.on('message', (command: ServiceCommand) => {
        if (command.cmd === 'report') {
          const sampled = sampler.stop();
          void reply({ type: 'report', timings, memory: { baseline, sampled, settled: heap() } });
        } else if (command.cmd === 'exports') {
          measureExports(service.runtime, command.job).then(
            (result) => void reply({ type: 'exports', ok: true, result }),
            (error: unknown) => void reply({ type: 'exports', ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
          );
        } else {
          void (async () => {
            await service.close();
            await service.runtime.close();
            await reply({ type: 'stopped' });
            process.exit(0);
          })();
        }
      });
    },
    (error: unknown) => void reply({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) }).then(() => process.exit(1)),
  );
});
process.on('disconnect', () => process.exit(1));
