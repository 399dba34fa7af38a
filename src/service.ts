import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import type { Config } from './config/env';
import { deriveSecrets, resolveAppSecret, type Secrets } from './config/secrets';
import { connectDatabase, resolveDatabase, type DatabaseHandle } from './db/connection';
import { ensureStore } from './db/store-setup';
import { createLogger, type Logger } from './log/logger';
import { JobRunner } from './jobs';
import { PURGE_INTERVAL_MS, PlatformRegistry, lti, ltijsInWorker, setupLti, sweepExpiredLtiRecords, toolUrls } from './lti';
import { findProgrammeOfCourse } from './programme/links';
import { SessionStore } from './sessions/store';
import { refreshCohorts } from './progress/read-model';
import { createSyncService, type SyncService } from './sync';
import { listConnections } from './canvas/connections';
import { currentMark } from './db/change-marks';
import { createApp } from './web/app';
import { FrameAncestors, frameAncestorsFor } from './web/frame-ancestors';

export interface Runtime {
  config: Config;
  logger: Logger;
  secrets: Secrets;
  database: DatabaseHandle;
  registry: PlatformRegistry;
  sessions: SessionStore;
  close(): Promise<void>;
}

export const DEV_PLATFORM_PATH = '/dev-platform';

/**
 * Everything but HTTP: database, ltijs and the services. The CLI uses this too, so it reads
 * the same configuration and the same database as the running service.
 */
export async function openRuntime(config: Config, options: { logger?: Logger; say?: (line: string) => void; shareRunningDatabase?: boolean } = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const say = options.say ?? ((line: string) => logger.info(line));
  const secrets = deriveSecrets(resolveAppSecret(config));
  const database = await resolveDatabase(config, say, { shareRunning: options.shareRunningDatabase ?? false });
  try {
    await connectDatabase(database.uri, database.dbName);
    await ensureStore();
    const registry = new PlatformRegistry({
      allowHttp: !config.isProduction,
      refusedIssuerPrefix: config.isProduction ? `${config.publicUrl}${DEV_PLATFORM_PATH}` : undefined,
      registerDynamic: ltijsInWorker({ uri: database.uri, dbName: database.dbName, ltiKey: secrets.ltiKey }),
    });
    const sessions = new SessionStore(config.sessionIdleTimeoutMs);
    await setupLti({ ltiKey: secrets.ltiKey, dbUri: database.uri, sessions, registry, resolveProgramme: findProgrammeOfCourse, logger });
    return {
      config,
      logger,
      secrets,
      database,
      registry,
      sessions,
      close: async () => {
        // ltijs's close removes its reconnect-on-disconnect listener before closing the connection.
        await lti.close({ silent: true });
        await database.release();
      },
    };
  } catch (error) {
    await database.release();
    throw error;
  }
}

export interface RunningService {
  runtime: Runtime;
  server: http.Server;
  url: string;
  /** The background jobs: `purge`, and `sync` unless SYNC_INTERVAL is off. */
  jobs: JobRunner;
  close(): Promise<void>;
}

/**
 * The sync as the service, the CLI and the demo run it: each run that commits new generations
 * rebuilds the read model of their cohorts, which every page and export reads.
 */
export function syncServiceOf(runtime: Runtime): SyncService {
  return createSyncService(runtime, { afterCommit: (cohorts) => refreshCohorts(cohorts, { leaseSlotMs: runtime.config.syncLeaseSlotMs }) });
}

function registerJobs(runtime: Runtime): JobRunner {
  const { config, logger, sessions } = runtime;
  const jobs = new JobRunner(logger);
  jobs.register({ name: 'purge', intervalMs: PURGE_INTERVAL_MS, run: () => sweepExpiredLtiRecords(sessions, logger) });
  if (config.syncIntervalMs > 0) {
    const sync = syncServiceOf(runtime);
    jobs.register({ name: 'sync', intervalMs: config.syncIntervalMs, run: () => sync.runScheduled() });
  }
  return jobs;
}

/** Starts the HTTP service on an open runtime; `devPlatform` is passed only by demo and tests. */
export async function startService(runtime: Runtime, options: { devPlatform?: Router } = {}): Promise<RunningService> {
  const { config, logger, registry, sessions } = runtime;
  const frameAncestors = new FrameAncestors(
    async () => frameAncestorsFor(await registry.list(), (await listConnections()).map((c) => c.baseUrl)),
    () => currentMark('platforms'),
  );
  await frameAncestors.follow({ force: true });
  const jobs = registerJobs(runtime);
  const app = createApp({ logger, publicUrl: config.publicUrl, registry, sessions, frameAncestors, syncIntervalMs: config.syncIntervalMs, rateLimits: config.rateLimits, devPlatform: options.devPlatform });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, resolve);
  });
  // Only once listening: a start that fails (port in use) must leave no timers behind.
  jobs.start();
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    runtime,
    server,
    url: `http://127.0.0.1:${port}`,
    jobs,
    close: () => {
      closing ??= (async () => {
        // Timers stop at once; a sync in progress is awaited below, so it is not cut short.
        const jobsStopped = jobs.stop();
        // In-flight requests get a few seconds to finish; idle keep-alive sockets close at once.
        const force = setTimeout(() => server.closeAllConnections(), 5000);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        clearTimeout(force);
        await jobsStopped;
      })();
      return closing;
    },
  };
}

export function startupMessage(config: Config, listeningUrl: string, database: DatabaseHandle) {
  const urls = toolUrls(config.publicUrl);
  return {
    event: 'service.started',
    listening: listeningUrl,
    publicUrl: config.publicUrl,
    database: database.description,
    canvasDeveloperKeyJson: urls.canvasJson,
    dynamicRegistration: 'a one-time link from `ecf-progress platform registration-link`',
    jwks: urls.keys,
  };
}

