import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const db = globalThis.__TEST_DB__;
  if (!db) return;
  await db.server.stop();
  fs.rmSync(db.dir, { recursive: true, force: true });
}
