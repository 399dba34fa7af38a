import { Worker } from 'node:worker_threads';
import type { PlatformForLtijs, RegisterWithLtijs } from './platforms';

/** What a worker needs to reach the same store with the same key as the service's ltijs. */
export interface LtijsWorkerSettings {
  uri: string;
  dbName: string;
  ltiKey: string;
}

const WORKER_TIME_LIMIT_MS = 60_000;

/**
 * Plain JavaScript given as source, so the worker needs no TypeScript loader and runs the same
 * under ts-jest and from dist/. It loads its own ltijs and mongoose (the copy ltijs uses),
 * connects, lets ltijs register the platform (which generates its 4096-bit RSA key
 * synchronously, here, off the main thread), closes and ends.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const fromLtijs = createRequire(workerData.ltijsEntry);
const mongoose = fromLtijs('mongoose');
const { Provider } = require(workerData.ltijsEntry);

async function register() {
  // The service creates collections and indexes at start-up; ltijs's models must not race it.
  mongoose.set('autoCreate', false);
  mongoose.set('autoIndex', false);
  await mongoose.connect(workerData.uri, { dbName: workerData.dbName, serverSelectionTimeoutMS: 5000 });
  Provider.setup(workerData.ltiKey, { url: workerData.uri }, { ltiaas: true });
  await Provider.deploy({ serverless: true, silent: true });
  try {
    await Provider.registerPlatform(workerData.platform);
  } finally {
    await Provider.close({ silent: true });
  }
}

register().then(
  () => parentPort.postMessage({ ok: true }),
  (error) => parentPort.postMessage({ ok: false, message: String((error && error.message) || error) }),
);
`;

type WorkerReply = { ok: true } | { ok: false; message: string };

/**
 * Registers a new platform with ltijs in a worker thread, so the key generation never stalls
 * the requests the service is answering meanwhile. A worker that has not finished within a
 * minute is stopped.
 */
export function ltijsInWorker(settings: LtijsWorkerSettings): RegisterWithLtijs {
  return (platform: PlatformForLtijs) =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { ...settings, platform, ltijsEntry: require.resolve('ltijs') },
      });
      let reply: WorkerReply | undefined;
      const limit = setTimeout(() => void worker.terminate(), WORKER_TIME_LIMIT_MS);
      worker.once('message', (message: WorkerReply) => {
        reply = message;
        if (message.ok) resolve();
        else reject(new Error(`ltijs could not register the platform: ${message.message}`));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => {
        clearTimeout(limit);
        if (!reply) reject(new Error(`the ltijs registration worker ended (code ${code}) without registering the platform`));
      });
    });
}
