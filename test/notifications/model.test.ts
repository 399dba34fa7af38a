import crypto from 'node:crypto';
import mongoose from 'mongoose';
import { Store } from '../../src/db/store';
import { ensureStore } from '../../src/db/store-setup';
import { digestWeekFor, dueDigestWeeks, isoWeekOfDate, scheduleChanges, SettingsLinkError, SettingsLinks, type EventFacts } from '../../src/notifications';
import { NotificationPreferences } from '../../src/notifications/preferences';
import { freshDatabaseUri } from '../support/service';

const event = (id: string, date: string, more: Partial<EventFacts> = {}): EventFacts => ({ id, date, start: '09:30', end: '12:00', type: 'face-to-face', title: null, location: null, ...more });

describe('what changed in a group’s schedule', () => {
  it('reads a cancel and an add of the same type as a move, and names additions, cancellations and changed details', () => {
    const before = [event('a', '2027-01-10'), event('b', '2027-01-17', { type: 'online-workshop' }), event('c', '2027-01-24')];
    const after = [event('a', '2027-01-10', { location: 'Leeds' }), event('d', '2027-01-31'), event('e', '2027-02-07', { type: 'peer-network' })];
    const changes = scheduleChanges(before, after);
    expect(changes.map((c) => (c.change === 'moved' ? `moved ${c.from.id}>${c.to.id}` : `${c.change} ${c.event.id}`))).toEqual(['updated a', 'cancelled b', 'moved c>d', 'added e']);
    expect(scheduleChanges(after, after)).toEqual([]);
  });
});

describe('the Monday digest’s weeks (UK time)', () => {
  it('puts what is recorded before Monday 08:00 in that Monday’s digest and anything later in the next one', () => {
    // 2026-12-07 is a Monday (ISO week 50); in December UK time is UTC.
    expect(isoWeekOfDate('2026-12-07')).toBe('2026-W50');
    expect(digestWeekFor(new Date('2026-12-07T07:59:00Z'))).toBe('2026-W50');
    expect(digestWeekFor(new Date('2026-12-07T08:00:00Z'))).toBe('2026-W51');
    expect(digestWeekFor(new Date('2026-12-06T23:00:00Z'))).toBe('2026-W50');
    // Summer: 07:30 UTC is 08:30 in London, past the digest hour.
    expect(digestWeekFor(new Date('2026-06-01T06:30:00Z'))).toBe('2026-W23');
    expect(digestWeekFor(new Date('2026-06-01T07:30:00Z'))).toBe('2026-W24');
    // The year's edge: 2026-12-28 is in 2026-W53, 2027-01-04 in 2027-W01.
    expect(digestWeekFor(new Date('2026-12-30T12:00:00Z'))).toBe('2027-W01');
  });

  it('makes a week’s digest due from its Monday’s digest hour (and a margin), with the week before', () => {
    expect(dueDigestWeeks(new Date('2026-12-07T08:05:00Z'))).toEqual({ current: '2026-W49', previous: '2026-W48' });
    expect(dueDigestWeeks(new Date('2026-12-07T08:15:00Z'))).toEqual({ current: '2026-W50', previous: '2026-W49' });
    expect(dueDigestWeeks(new Date('2026-12-10T12:00:00Z'))).toEqual({ current: '2026-W50', previous: '2026-W49' });
  });
});

describe('settings links', () => {
  const key = crypto.randomBytes(32);
  const links = new SettingsLinks(key, 'https://tool.example.org/');

  it('round-trip the school and the address, for 180 days', async () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const url = await links.url({ urn: '131245', email: 'Tutor@Example.org' }, now);
    expect(url.startsWith('https://tool.example.org/notifications/settings?token=')).toBe(true);
    const token = new URL(url).searchParams.get('token')!;
    await expect(links.verify(token, new Date(now.getTime() + 179 * 86_400_000))).resolves.toEqual({ urn: '131245', email: 'tutor@example.org' });
    await expect(links.verify(token, new Date(now.getTime() + 181 * 86_400_000))).rejects.toEqual(new SettingsLinkError('expired'));
    await expect(new SettingsLinks(crypto.randomBytes(32), 'https://tool.example.org').verify(token, now)).rejects.toEqual(new SettingsLinkError('invalid'));
    for (const bad of [undefined, '', 'a.b', 'x'.repeat(5000), ['a'], `${token}x`]) await expect(links.verify(bad, now)).rejects.toBeInstanceOf(SettingsLinkError);
  });

  it('bind the form’s CSRF token to the link', async () => {
    const a = await links.token({ urn: '131245', email: 'a@example.org' });
    const b = await links.token({ urn: '131245', email: 'b@example.org' });
    expect(links.checkCsrf(a, links.csrfFor(a))).toBe(true);
    expect(links.checkCsrf(a, links.csrfFor(b))).toBe(false);
    expect(links.checkCsrf(a, undefined)).toBe(false);
    expect(links.checkCsrf(a, [links.csrfFor(a)])).toBe(false);
  });
});

describe('preferences as insert-only versions', () => {
  let connection: mongoose.Connection;
  let store: Store;

  beforeAll(async () => {
    connection = await mongoose.createConnection(freshDatabaseUri()).asPromise();
    store = new Store(connection.db!);
    await ensureStore(store.db);
  });
  afterAll(async () => {
    await connection.db?.dropDatabase();
    await connection.close();
  });

  it('keeps every save as a new version, and the newest wins, in every instance', async () => {
    const first = new NotificationPreferences(store);
    const second = new NotificationPreferences(store);
    expect((await first.of('131245', 'x@example.org')).choices).toEqual({ 'change-answered': 'instant', 'newly-red': 'instant', 'schedule-changed': 'instant', 'event-coming-week': 'digest' });
    const modes = ['instant', 'digest', 'off'] as const;
    // Two instances saving at once: no save is lost, and each makes its own version.
    await Promise.all(
      Array.from({ length: 4 }, (_, i) => (i % 2 ? first : second).save('131245', 'x@example.org', { 'change-answered': modes[i % 3], 'newly-red': 'off', 'schedule-changed': 'off', 'event-coming-week': 'off' })),
    );
    const versions = await store.collection<{ _id: string; version: number }>('notification_prefs').find({}).toArray();
    expect(versions.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
    await second.save('131245', 'X@example.org', { 'change-answered': 'digest', 'newly-red': 'digest', 'schedule-changed': 'digest', 'event-coming-week': 'off' });
    // The first instance saw version 4 at most; it finds 5 without being told.
    expect((await first.of('131245', 'x@example.org')).choices).toEqual({ 'change-answered': 'digest', 'newly-red': 'digest', 'schedule-changed': 'digest', 'event-coming-week': 'off' });
    expect((await new NotificationPreferences(store).of('131245', 'x@example.org')).choices['event-coming-week']).toBe('off');
  });
});
