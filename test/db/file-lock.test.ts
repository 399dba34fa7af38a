import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withFileLock } from '../../src/db/file-lock';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withFileLock', () => {
  it('runs callers of one process one after another, and removes the lock after', async () => {
    const lock = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-lock-')), 'job.lock');
    const events: string[] = [];
    const job = (name: string) => withFileLock(lock, () => events.push(`${name} waited`), async () => {
      events.push(`${name} in`);
      expect(fs.readFileSync(lock, 'utf8')).toBe(String(process.pid));
      await sleep(50);
      events.push(`${name} out`);
      return name;
    });
    expect(await Promise.all([job('a'), job('b'), job('c')])).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
    expect(fs.readdirSync(path.dirname(lock))).toEqual([]);
  });

  it('releases the lock when the work fails, and passes the failure on', async () => {
    const lock = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-lock-')), 'job.lock');
    await expect(withFileLock(lock, () => undefined, async () => Promise.reject(new Error('build failed')))).rejects.toThrow('build failed');
    expect(await withFileLock(lock, () => undefined, async () => 'next')).toBe('next');
    expect(fs.existsSync(lock)).toBe(false);
  });
});
