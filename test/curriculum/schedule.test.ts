import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSchedule, scheduledModule, ukDate } from '../../src/curriculum';

function scheduleFile(content: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'schedule-')), 'schedule.json');
  fs.writeFileSync(file, JSON.stringify(content));
  return file;
}

const windows = [
  { module: 1, opens: '2026-09-01', closes: '2026-10-23' },
  { module: 2, opens: '2026-11-02', closes: '2026-12-18' },
];

describe('the module schedule', () => {
  it('ships a valid file', () => {
    expect(() => loadSchedule()).not.toThrow();
  });

  it.each([
    [{ cohorts: { A: { ect: [{ module: 42, opens: '2026-09-01', closes: '2026-10-01' }] } } }, 'has no module 42'],
    [{ cohorts: { A: { ect: [windows[0], windows[0]] } } }, 'module 1 is listed twice'],
    [{ cohorts: { A: { ect: [{ module: 1, opens: '1 Sept', closes: '2026-10-01' }] } } }, 'YYYY-MM-DD'],
    [{ cohorts: { A: { ect: [{ module: 1, opens: '2026-10-02', closes: '2026-10-01' }] } } }, 'closes before it opens'],
    [{ cohorts: { A: { teachers: [] } } }, 'cohorts.A'],
  ])('refuses a bad file with the place at fault (%#)', (content, message) => {
    expect(() => loadSchedule(scheduleFile(content))).toThrow(message);
  });

  it('finds the module open today, the last one opened between windows, and the first before any', () => {
    const file = scheduleFile({ cohorts: { A: { ect: windows } } });
    const previous = process.env.SCHEDULE_FILE;
    process.env.SCHEDULE_FILE = file;
    try {
      expect(scheduledModule('A', 'ect', new Date('2026-11-10T12:00:00Z'))).toEqual({ window: windows[1], open: true });
      expect(scheduledModule('A', 'ect', new Date('2026-10-28T12:00:00Z'))).toEqual({ window: windows[0], open: false });
      expect(scheduledModule('A', 'ect', new Date('2026-08-01T12:00:00Z'))).toEqual({ window: windows[0], open: false });
      expect(scheduledModule('B', 'ect', new Date('2026-11-10T12:00:00Z'))).toBeNull();
      // 23:30 UTC on 1 September is already 2 September in England (BST).
      expect(ukDate(new Date('2026-09-01T23:30:00Z'))).toBe('2026-09-02');
      expect(scheduledModule('A', 'ect', new Date('2026-10-23T23:30:00Z'))).toEqual({ window: windows[0], open: false });
    } finally {
      if (previous === undefined) delete process.env.SCHEDULE_FILE;
      else process.env.SCHEDULE_FILE = previous;
    }
  });
});
