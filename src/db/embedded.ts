import fs from 'node:fs';
import path from 'node:path';
import { cacheDir, startFerretDb } from './ferretdb';
import { startMongod } from './mongod';
import { EmbeddedDatabaseError, type EmbeddedServer } from './embedded-types';

export { EmbeddedDatabaseError, type EmbeddedServer };
export type EngineChoice = 'auto' | 'mongod' | 'ferretdb';

const DOWNLOAD_FAILED_MARKER = 'mongod-download-failed';
const RETRY_DOWNLOAD_AFTER_MS = 24 * 3600 * 1000;

/** A failed mongod download costs seconds of retries; remember it for a day on this machine. */
function downloadFailedRecently(): boolean {
  try {
    const stat = fs.statSync(path.join(cacheDir(), DOWNLOAD_FAILED_MARKER));
    return Date.now() - stat.mtimeMs < RETRY_DOWNLOAD_AFTER_MS;
  } catch {
    return false;
  }
}

function rememberDownloadFailed(): void {
  fs.mkdirSync(cacheDir(), { recursive: true });
  fs.writeFileSync(path.join(cacheDir(), DOWNLOAD_FAILED_MARKER), new Date().toISOString());
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

/**
 * Starts a local MongoDB-compatible server keeping its files under `dir`:
 * a real mongod when one is on PATH or can be downloaded, else FerretDB built from Go.
 */
export async function startEmbeddedServer(
  dir: string,
  choice: EngineChoice,
  say: (line: string) => void,
): Promise<EmbeddedServer> {
  const failures: string[] = [];
  if (choice !== 'ferretdb') {
    try {
      return await startMongod(path.join(dir, 'mongod'), choice === 'mongod' || !downloadFailedRecently());
    } catch (error) {
      failures.push(`mongod: ${reason(error)}`);
      if (choice === 'auto') rememberDownloadFailed();
    }
  }
  if (choice !== 'mongod') {
    try {
      return await startFerretDb(path.join(dir, 'ferretdb'), say);
    } catch (error) {
      failures.push(`FerretDB: ${reason(error)}`);
    }
  }
  throw new EmbeddedDatabaseError(
    `No local MongoDB could be started (${failures.join('; ')}). Set MONGODB_URI to a MongoDB 6+ server.`,
  );
}
