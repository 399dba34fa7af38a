import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type { EmbeddedServer } from './embedded-types';

function mongodOnPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v mongod'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A real mongod: the one on PATH, else one mongodb-memory-server may download.
 * `allowDownload` false makes a machine without mongod fail in a fraction of a second.
 */
export async function startMongod(dir: string, allowDownload: boolean): Promise<EmbeddedServer> {
  // Loaded here: it brings a second MongoDB driver, and a process given MONGODB_URI never needs it.
  const { MongoBinary, MongoMemoryServer } = await import('mongodb-memory-server-core');
  const systemBinary = mongodOnPath();
  process.env.MONGOMS_RUNTIME_DOWNLOAD = allowDownload || systemBinary ? 'true' : 'false';
  // Getting the binary first makes a failed download, or no binary at all, fail here quietly:
  // MongoMemoryServer.create would print its own warning with a stack trace before failing.
  if (!systemBinary) await MongoBinary.getPath();
  fs.mkdirSync(dir, { recursive: true });
  const server = await MongoMemoryServer.create({
    instance: { dbPath: dir, storageEngine: 'wiredTiger', ip: '127.0.0.1' },
    binary: systemBinary ? { systemBinary } : {},
  });
  return {
    engine: systemBinary ? `mongod (${systemBinary})` : 'mongod (mongodb-memory-server)',
    uri: server.getUri(),
    pid: server.instanceInfo?.instance.mongodProcess?.pid ?? 0,
    stop: async () => {
      await server.stop({ doCleanup: false });
    },
  };
}
