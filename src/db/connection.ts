import fs from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import type { Config } from '../config/env';
import { startEmbeddedServer, EmbeddedDatabaseError } from './embedded';
import { withFileLock } from './file-lock';

export const DEFAULT_DB_NAME = 'ecf_progress';
const RECORD_FILE = 'embedded-db.json';
const START_LOCK = 'embedded-db.lock';

export interface DatabaseHandle {
  readonly uri: string;
  readonly dbName: string;
  /** Where the data lives, for the start-up message. */
  readonly description: string;
  /** Stops the embedded server if this process started it. */
  release(): Promise<void>;
}

interface EmbeddedRecord {
  uri: string;
  ownerPid: number;
  engine: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function answers(uri: string): Promise<boolean> {
  const probe = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 1500 });
  try {
    await probe.asPromise();
    return true;
  } catch {
    return false;
  } finally {
    await probe.close().catch(() => undefined);
  }
}

function readRecord(file: string): EmbeddedRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as EmbeddedRecord;
  } catch {
    return undefined;
  }
}

function dbNameOf(uri: string): string {
  const match = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri);
  return match?.[1] ? decodeURIComponent(match[1]) : DEFAULT_DB_NAME;
}

/**
 * Finds the database: MONGODB_URI; else (for the CLI) the embedded server another process
 * (a running `npm start`) recorded under DATA_DIR; else an embedded server started here and
 * recorded so the CLI can share it.
 */
export async function resolveDatabase(config: Config, say: (line: string) => void, options: { shareRunning: boolean } = { shareRunning: true }): Promise<DatabaseHandle> {
  if (config.mongodbUri) {
    return { uri: config.mongodbUri, dbName: dbNameOf(config.mongodbUri), description: 'MONGODB_URI', release: async () => undefined };
  }
  // Two servers on one data folder each keep their own view of its files (FerretDB then fails
  // with "table … already exists"): processes starting at once take turns, and the later one
  // finds the record of the first one's server.
  const announceWait = (holder: number) => say(`Waiting for process ${holder}, which is starting the local database in ${config.dataDir}…`);
  return withFileLock(path.join(config.dataDir, START_LOCK), announceWait, () => openEmbeddedDatabase(config, say, options));
}

async function openEmbeddedDatabase(config: Config, say: (line: string) => void, options: { shareRunning: boolean }): Promise<DatabaseHandle> {
  const recordFile = path.join(config.dataDir, RECORD_FILE);
  const record = readRecord(recordFile);
  if (record && record.ownerPid !== process.pid && isAlive(record.ownerPid) && (await answers(record.uri))) {
    // The service must own its database: one borrowed from a short CLI command would vanish under it.
    if (!options.shareRunning) {
      throw new EmbeddedDatabaseError(`${config.dataDir} is in use by process ${record.ownerPid} (another ECF Progress or a CLI command). Stop it, or set DATA_DIR or MONGODB_URI.`);
    }
    return {
      uri: record.uri,
      dbName: DEFAULT_DB_NAME,
      description: `${record.engine} held by process ${record.ownerPid}, data in ${config.dataDir}`,
      release: async () => undefined,
    };
  }
  const dbDir = path.join(config.dataDir, 'db');
  const server = await startEmbeddedServer(dbDir, config.embeddedDb, say);
  const mine: EmbeddedRecord = { uri: server.uri, ownerPid: process.pid, engine: server.engine };
  fs.writeFileSync(recordFile, JSON.stringify(mine));
  return {
    uri: server.uri,
    dbName: DEFAULT_DB_NAME,
    description: `${server.engine}, data in ${dbDir}`,
    release: async () => {
      if (readRecord(recordFile)?.ownerPid === process.pid) fs.rmSync(recordFile, { force: true });
      await server.stop();
    },
  };
}

/**
 * Opens the process-wide mongoose connection, which ltijs then reuses. Fails within seconds
 * with one clear line when the server does not answer (ltijs alone would wait 30 s and exit).
 */
export async function connectDatabase(uri: string, dbName: string): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  // ltijs looks platforms up with values from requests; an object such as {$regex: …} is
  // compared as a value ($eq), never run as an operator.
  mongoose.set('sanitizeFilter', true);
  try {
    return await mongoose.connect(uri, { dbName, serverSelectionTimeoutMS: 5000 });
  } catch (error) {
    throw new EmbeddedDatabaseError(
      `Cannot reach the database (${(error as Error).message.split('\n')[0]}). Check MONGODB_URI.`,
    );
  }
}
