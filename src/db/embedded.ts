import fs from 'node:fs';
import path from 'node:path';
import { FERRETDB_VERSION, cacheDir, startFerretDb } from './ferretdb';
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

/** One line: a failed download's message puts its cause on the lines after the first. */
function reason(error: unknown): string {
  return error instanceof Error ? error.message.split('\n').map((line) => line.trim()).filter(Boolean).join(' ') : String(error);
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
    const downloadAllowed = choice === 'mongod' || !downloadFailedRecently();
    try {
      return await startMongod(path.join(dir, 'mongod'), downloadAllowed);
    } catch (error) {
      failures.push(`mongod: ${reason(error)}`);
      if (choice === 'auto') {
        rememberDownloadFailed();
        // Said when a download was tried, at most once a day; later starts skip it quietly.
        if (downloadAllowed) say(`No MongoDB could be started here (${reason(error)}); using FerretDB ${FERRETDB_VERSION} instead.`);
      }
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
