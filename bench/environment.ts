import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { startEmbeddedServer, type EmbeddedServer, type EngineChoice } from '../src/db/embedded';
import { SimProcess } from './sim-process';

export interface BenchEnvironment {
  server: EmbeddedServer;
  sim: SimProcess;
  /** Drops the bench database, stops the simulator and the server, removes their files. */
  cleanup(): Promise<void>;
}

/**
 * What every bench runs on: one embedded database server (EMBEDDED_DB chooses, as in the
 * tests) and the Canvas simulator in its own process; Ctrl+C stops both before exiting.
 */
export async function openBenchEnvironment(say: (line: string) => void): Promise<BenchEnvironment> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-bench-db-'));
  const choice = (process.env.EMBEDDED_DB as EngineChoice | undefined) ?? 'auto';
  const server = await startEmbeddedServer(dir, choice, say);
  say(`store: ${server.engine} at ${server.uri} (files in ${dir})`);
  const sim = await SimProcess.spawn();
  const cleanup = async () => {
    await mongoose.connection.db?.dropDatabase().catch(() => undefined);
    await mongoose.disconnect().catch(() => undefined);
    await sim.close().catch(() => undefined);
    await server.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const interrupted = () => {
    say('\ninterrupted: stopping the simulator and the database');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  return { server, sim, cleanup };
}
