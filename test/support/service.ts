import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Router } from 'express';
import { loadConfig, type Config } from '../../src/config/env';
import { createLogger, type Logger } from '../../src/log/logger';
import { openRuntime, startService, type RunningService, type Runtime } from '../../src/service';
import { Writable } from 'node:stream';
import mongoose from 'mongoose';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A fresh database on the run's server, named for this test file. */
export function freshDatabaseUri(): string {
  const base = process.env.TEST_MONGODB_URI;
  if (!base) throw new Error('TEST_MONGODB_URI is not set: run the tests through jest (global setup)');
  return `${base.replace(/\/+$/, '')}/t_${crypto.randomBytes(6).toString('hex')}`;
}

/** Captures log lines so tests can prove what is (not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export interface TestService {
  config: Config;
  runtime: Runtime;
  service: RunningService;
  url: string;
  logs: LogCapture;
  logger: Logger;
  close(): Promise<void>;
}

export async function testConfig(overrides: Record<string, string> = {}): Promise<Config> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-test-data-'));
  return loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    MONGODB_URI: freshDatabaseUri(),
    DATA_DIR: dataDir,
    APP_SECRET: crypto.randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    SYNC_INTERVAL: 'off',
    ...overrides,
  });
}

/** The real service on a free port and a fresh database. */
export async function startTestService(options: { config?: Config; devPlatform?: (config: Config) => Promise<Router> } = {}): Promise<TestService> {
  const config = options.config ?? (await testConfig());
  const logs = new LogCapture();
  const logger = createLogger('info', logs);
  const runtime = await openRuntime(config, { logger });
  const devPlatform = options.devPlatform ? await options.devPlatform(config) : undefined;
  const service = await startService(runtime, { devPlatform });
  return {
    config,
    runtime,
    service,
    url: config.publicUrl,
    logs,
    logger,
    close: async () => {
      await service.close();
      await mongoose.connection.db?.dropDatabase();
      await runtime.close();
    },
  };
}
