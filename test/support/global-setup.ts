import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedServer, type EmbeddedServer } from '../../src/db/embedded';

declare global {
  var __TEST_DB__: { server: EmbeddedServer; dir: string } | undefined;
}

/** Starts the one database server of this test run; each test file then uses its own database. */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_MONGODB_URI) return;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-test-db-'));
  const choice = (process.env.EMBEDDED_DB as 'auto' | 'mongod' | 'ferretdb' | undefined) ?? 'auto';
  const server = await startEmbeddedServer(dir, choice, (line) => process.stderr.write(`${line}\n`));
  process.env.TEST_MONGODB_URI = server.uri;
  globalThis.__TEST_DB__ = { server, dir };
}
