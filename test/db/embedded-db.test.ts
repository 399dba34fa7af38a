import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedServer } from '../../src/db/embedded';

describe('the embedded database provider', () => {
  const saved = process.env.FERRETDB_BIN;
  afterEach(() => {
    if (saved === undefined) delete process.env.FERRETDB_BIN;
    else process.env.FERRETDB_BIN = saved;
  });

  it('stops with one clear line naming MONGODB_URI when no server can be started', async () => {
    process.env.FERRETDB_BIN = '/nonexistent/ferretdb';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-nodb-'));
    await expect(startEmbeddedServer(dir, 'ferretdb', () => undefined)).rejects.toThrow(
      /^No local MongoDB could be started \(FerretDB: FERRETDB_BIN points at \/nonexistent\/ferretdb, which does not exist\)\. Set MONGODB_URI to a MongoDB 6\+ server\.$/,
    );
  });

  it('starts FerretDB, keeping its files under the given folder', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-db-'));
    const server = await startEmbeddedServer(dir, 'ferretdb', () => undefined);
    try {
      expect(server.uri).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/$/);
      expect(server.engine).toContain('FerretDB');
      expect(fs.existsSync(path.join(dir, 'ferretdb'))).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
