import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CATCH_UP_DAYS, dueOccurrence, latestOccurrence, loadDeliveries, parseDeliveries, settingsFor } from '../../src/delivery';

/** The schedule of export emails: which occurrence a run at a given moment (UK time) sends. */
const monthly = (day: number, time = '07:00') => ({ schedule: { monthly: { day } }, time });
const dates = (list: string[], time = '07:00') => ({ schedule: { dates: list }, time });

describe('a monthly schedule', () => {
  it('is due from its day and time in England, in winter (GMT) and in summer (BST)', () => {
    expect(dueOccurrence(monthly(1), new Date('2026-12-06T12:00:00Z'))).toBe('2026-12-01');
    expect(dueOccurrence(monthly(1), new Date('2026-12-01T06:59:00Z'))).toBeNull(); // 06:59 GMT: not yet, and November's is too old
    expect(dueOccurrence(monthly(1), new Date('2026-12-01T07:00:00Z'))).toBe('2026-12-01');
    expect(dueOccurrence(monthly(1), new Date('2026-06-01T06:30:00Z'))).toBe('2026-06-01'); // 07:30 BST
    expect(dueOccurrence(monthly(1), new Date('2026-06-01T05:30:00Z'))).toBeNull(); // 06:30 BST
    expect(dueOccurrence(monthly(1, '00:00'), new Date('2026-05-31T23:30:00Z'))).toBe('2026-06-01'); // already 1 June in England
  });

  it('is caught up for a week after its day, not after', () => {
    expect(CATCH_UP_DAYS).toBe(7);
    expect(dueOccurrence(monthly(1), new Date('2026-12-08T23:00:00Z'))).toBe('2026-12-01');
    expect(dueOccurrence(monthly(1), new Date('2026-12-09T08:00:00Z'))).toBeNull();
  });

  it('falls on the last day of a shorter month, and reaches back across the new year', () => {
    expect(latestOccurrence({ monthly: { day: 31 } }, '2027-03-01')).toBe('2027-02-28');
    expect(latestOccurrence({ monthly: { day: 31 } }, '2028-02-29')).toBe('2028-02-29');
    expect(latestOccurrence({ monthly: { day: 15 } }, '2027-01-03')).toBe('2026-12-15');
    expect(dueOccurrence(monthly(31), new Date('2027-03-01T10:00:00Z'))).toBe('2027-02-28');
  });
});

describe('a schedule of set dates', () => {
  const halfTerms = dates(['2027-02-12', '2026-10-23', '2027-05-28']);
  it('is due on each date, and only in the week after it', () => {
    expect(dueOccurrence(halfTerms, new Date('2026-10-23T05:30:00Z'))).toBeNull(); // 06:30 BST on 23 October: not yet
    expect(dueOccurrence(halfTerms, new Date('2026-10-23T06:00:00Z'))).toBe('2026-10-23'); // 07:00 BST
    expect(dueOccurrence(halfTerms, new Date('2027-02-11T12:00:00Z'))).toBeNull();
    expect(dueOccurrence(halfTerms, new Date('2027-02-12T12:00:00Z'))).toBe('2027-02-12');
    expect(dueOccurrence(halfTerms, new Date('2027-02-19T12:00:00Z'))).toBe('2027-02-12');
    expect(dueOccurrence(halfTerms, new Date('2027-02-20T12:00:00Z'))).toBeNull();
    expect(latestOccurrence(halfTerms.schedule, '2026-10-22')).toBeNull();
  });
});

describe('config/deliveries.json', () => {
  it('lays each school over the default, the default over the built-in monthly PDF', () => {
    const config = parseDeliveries({ default: { format: 'csv' }, schools: { '131245': { enabled: false }, '100001': { as: 'link', schedule: { dates: ['2027-02-12'] } } } });
    expect(settingsFor(config, '999999')).toEqual({ enabled: true, schedule: { monthly: { day: 1 } }, time: '07:00', format: 'csv', as: 'attachment' });
    expect(settingsFor(config, '131245').enabled).toBe(false);
    expect(settingsFor(config, '100001')).toEqual({ enabled: true, schedule: { dates: ['2027-02-12'] }, time: '07:00', format: 'csv', as: 'link' });
  });

  it.each([
    [{ default: { schedule: { dates: ['2027-02-30'] } } }, 'default.schedule'],
    [{ default: { format: 'docx' } }, 'default.format'],
    [{ schools: { '12345': { enabled: false } } }, 'schools'],
    [{ default: { time: '7am' } }, 'default.time'],
    [{ default: { schedule: { monthly: { day: 32 } } } }, 'default.schedule'],
    [{ defaults: {} }, ''],
  ])('refuses %j, naming the field', (raw, field) => {
    expect(() => parseDeliveries(raw, 'deliveries.json')).toThrow(new RegExp(`^deliveries\\.json: ${field.replace('.', '\\.')}`));
  });

  it('is read from DELIVERIES_FILE, and the shipped file is valid', () => {
    expect(loadDeliveries().default).toEqual({ enabled: true, schedule: { monthly: { day: 1 } }, time: '07:00', format: 'pdf', as: 'attachment' });
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-deliveries-')), 'deliveries.json');
    fs.writeFileSync(file, '{ "default": { "as": "post" } }');
    try {
      expect(() => loadDeliveries(file)).toThrow(`${file}: default.as`);
      fs.writeFileSync(file, '{ not json');
      expect(() => loadDeliveries(file)).toThrow(/not JSON/);
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});
