import crypto from 'node:crypto';
import { mongo } from 'mongoose';
import { Store } from '../../src/db/store';
import { ensureStore } from '../../src/db/store-setup';
import { AuthorizationError, ValidationError } from '../../src/errors';
import { Meetings, MeetingInputError, type MeetingDraft, type MeetingRecord, type MeetingReflection, type NewMeeting } from '../../src/meetings';
import { freshDatabaseUri } from '../support/service';

let client: mongo.MongoClient;
let db: mongo.Db;
let store: Store;
/** 12:00 UTC on 6 October 2025: a Monday in British Summer Time. */
let now = new Date('2025-10-06T12:00:00Z');
let meetings: Meetings;

beforeAll(async () => {
  client = await mongo.MongoClient.connect(freshDatabaseUri());
  db = client.db(`t_${crypto.randomBytes(6).toString('hex')}`);
  await ensureStore(db);
  store = new Store(db);
  meetings = new Meetings(store, { now: () => now });
});
afterAll(async () => {
  await db.dropDatabase();
  await client.close();
});

let n = 0;
/** A fresh ECT and mentor for each test, so tests share no records. */
function pair() {
  n += 1;
  return {
    ectOwnerId: `["https://canvas.example.org","1","user","${1000 + n}"]`,
    ectKey: `canvas:${1000 + n}`,
    ectName: `ECT ${n}`,
    mentorOwnerId: `["https://canvas.example.org","1","user","${5000 + n}"]`,
    mentorName: `Mentor ${n}`,
    cohort: 'September 2025',
  };
}

const draft = (overrides: Partial<MeetingDraft> = {}): MeetingDraft => ({
  module: 1,
  session: 2,
  date: '2025-10-06',
  focus: 'Memory, prior knowledge and cognitive load',
  notes: 'Talked through Tuesday’s lesson.',
  actions: [{ step: 'Plan retrieval questions for the next three lessons', owner: 'ect', due: '2025-10-13' }],
  ...overrides,
});

const stored = () => store.collection<MeetingRecord>('meetings').find({}).toArray();
const storedReflections = () => store.collection<MeetingReflection>('meeting_reflections').find({}).toArray();

async function inputErrors(promise: Promise<unknown>): Promise<Record<string, string>> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MeetingInputError);
  return Object.fromEntries((error as MeetingInputError).errors.map((e) => [e.field, e.message]));
}

describe('record', () => {
  it('stores the meeting with a random meeting: id, dates as YYYY-MM-DD and the times it was made', async () => {
    const who = pair();
    const saved = await meetings.record({ ...who, ...draft({ date: 'Monday 6 October 2025', actions: [{ step: '  Try the script  ', owner: 'both', due: '13/10/2025' }] }) });
    expect(saved._id).toMatch(/^meeting:[A-Za-z0-9_-]{16}$/);
    const doc = await store.collection<MeetingRecord>('meetings').findOne({ _id: saved._id });
    expect(doc).toEqual({ _id: saved._id, ...who, module: 1, session: 2, date: '2025-10-06', focus: 'Memory, prior knowledge and cognitive load', notes: 'Talked through Tuesday’s lesson.', actions: [{ step: 'Try the script', owner: 'both', due: '2025-10-13' }], createdAt: now, updatedAt: now });
  });

  it('names every field that cannot be saved, in the form’s order, and stores nothing', async () => {
    const before = await stored();
    const errors = await inputErrors(
      meetings.record({
        ...pair(),
        ...draft({
          module: 99,
          date: '2025-02-30',
          focus: ' ',
          notes: 'n'.repeat(5001),
          actions: [
            { step: 'fine', owner: 'everyone', due: 'soon' },
            { step: '', owner: 'ect', due: '2025-10-10' },
            { step: 's'.repeat(301), owner: 'mentor', due: null },
          ],
        }),
      }),
    );
    expect(errors).toEqual({
      module: 'Module: choose a module of the ECT programme',
      date: 'Date: enter a real date, such as 7 December 2026',
      focus: 'Focus: enter what the meeting focused on',
      notes: 'Notes: use 5,000 characters or fewer (you used 5,001)',
      'actions.0.owner': 'Action step 1 owner: choose the ECT, the mentor or both',
      'actions.0.due': 'Action step 1 due date: enter a real date, such as 7 December 2026',
      'actions.1.step': 'Action step 2: describe the step, or clear its due date',
      'actions.2.step': 'Action step 3: use 300 characters or fewer (you used 301)',
    });
    expect(await stored()).toEqual(before);
  });

  it('names a session the module has no plan for, with the other problems at once', async () => {
    const errors = await inputErrors(meetings.record({ ...pair(), ...draft({ session: 9, focus: '' }) }));
    expect(Object.keys(errors)).toEqual(['session', 'focus']);
    expect(errors.session).toBe('Session plan: module 1 has no session plan 9');
  });

  it('takes a date up to a year from today in England, and no later', async () => {
    // 23:30 UTC on 30 June 2026 is already 1 July in London (BST): a year on is 1 July 2027.
    now = new Date('2026-06-30T23:30:00Z');
    try {
      await expect(meetings.record({ ...pair(), ...draft({ date: '2027-07-01' }) })).resolves.toMatchObject({ date: '2027-07-01' });
      expect(await inputErrors(meetings.record({ ...pair(), ...draft({ date: '2027-07-02' }) }))).toEqual({ date: 'Date: the date must be no more than a year from today' });
    } finally {
      now = new Date('2025-10-06T12:00:00Z');
    }
  });

  it('takes at most 10 action steps', async () => {
    const actions = Array.from({ length: 11 }, (_, i) => ({ step: `Step ${i + 1}`, owner: 'ect', due: null }));
    expect(await inputErrors(meetings.record({ ...pair(), ...draft({ actions }) }))).toEqual({ actions: 'Action steps: record 10 action steps or fewer' });
    await expect(meetings.record({ ...pair(), ...draft({ actions: actions.slice(0, 10) }) })).resolves.toMatchObject({ actions: expect.any(Array) });
  });

  it('saves a form sent twice once, with what it carried last', async () => {
    const who = pair();
    const id = 'meeting:CCCCCCCCCCCCCCCC';
    const first = await meetings.record({ ...who, ...draft(), id });
    now = new Date(now.getTime() + 60_000);
    const second = await meetings.record({ ...who, ...draft({ focus: 'Second send' }), id });
    expect(second._id).toBe(first._id);
    const docs = (await stored()).filter((m) => m._id === id);
    expect(docs).toEqual([expect.objectContaining({ focus: 'Second send', createdAt: first.createdAt, updatedAt: now })]);
  });

  it('refuses to reuse another mentor’s meeting id, leaving that meeting as it was', async () => {
    const id = 'meeting:DDDDDDDDDDDDDDDD';
    const theirs = await meetings.record({ ...pair(), ...draft(), id });
    const someoneElse: NewMeeting = { ...pair(), ...draft({ focus: 'Hijack' }), id };
    await expect(meetings.record(someoneElse)).rejects.toBeInstanceOf(ValidationError);
    expect((await stored()).filter((m) => m._id === id)).toEqual([theirs]);
  });
});

describe('update', () => {
  it('changes the meeting for the mentor who recorded it, and for nobody else', async () => {
    const who = pair();
    const saved = await meetings.record({ ...who, ...draft() });
    const other = pair();
    await expect(meetings.update(saved._id, who.ectOwnerId, other.mentorOwnerId, draft({ focus: 'Not yours' }))).rejects.toBeInstanceOf(AuthorizationError);
    expect(await meetings.update(saved._id, other.ectOwnerId, who.mentorOwnerId, draft({ focus: 'Wrong ECT' }))).toBeNull();
    expect(await store.collection<MeetingRecord>('meetings').findOne({ _id: saved._id })).toEqual(saved);

    now = new Date(now.getTime() + 60_000);
    const changed = await meetings.update(saved._id, who.ectOwnerId, who.mentorOwnerId, draft({ focus: 'Changed', session: null, actions: [] }));
    expect(changed).toMatchObject({ focus: 'Changed', session: null, actions: [], createdAt: saved.createdAt, updatedAt: now });
    expect(await store.collection<MeetingRecord>('meetings').findOne({ _id: saved._id })).toEqual(changed);
  });

  it('checks the fields and leaves the meeting as it was when they are wrong', async () => {
    const who = pair();
    const saved = await meetings.record({ ...who, ...draft() });
    expect(await inputErrors(meetings.update(saved._id, who.ectOwnerId, who.mentorOwnerId, draft({ focus: '' })))).toEqual({ focus: 'Focus: enter what the meeting focused on' });
    expect(await store.collection<MeetingRecord>('meetings').findOne({ _id: saved._id })).toEqual(saved);
  });
});

describe('reflect', () => {
  it('keeps the ECT’s reflection in its own document, editable, and never writes the meeting', async () => {
    const who = pair();
    const saved = await meetings.record({ ...who, ...draft() });
    const first = await meetings.reflect(who.ectOwnerId, saved._id, '  The script worked with 9B.  ');
    expect(first).toEqual({ _id: saved._id, ectOwnerId: who.ectOwnerId, text: 'The script worked with 9B.', createdAt: now, updatedAt: now });
    const created = now;
    now = new Date(now.getTime() + 60_000);
    await meetings.reflect(who.ectOwnerId, saved._id, 'Changed my mind.');
    expect((await storedReflections()).filter((r) => r._id === saved._id)).toEqual([{ _id: saved._id, ectOwnerId: who.ectOwnerId, text: 'Changed my mind.', createdAt: created, updatedAt: now }]);
    expect(await store.collection<MeetingRecord>('meetings').findOne({ _id: saved._id })).toEqual(saved);
  });

  it('finds nothing to reflect on in another ECT’s meeting, and stores nothing', async () => {
    const saved = await meetings.record({ ...pair(), ...draft() });
    const before = await storedReflections();
    expect(await meetings.reflect(pair().ectOwnerId, saved._id, 'Not mine')).toBeNull();
    expect(await meetings.reflect(pair().ectOwnerId, 'meeting:nope', 'Not a meeting')).toBeNull();
    expect(await storedReflections()).toEqual(before);
  });

  it('refuses an empty or overlong reflection', async () => {
    const who = pair();
    const saved = await meetings.record({ ...who, ...draft() });
    expect(await inputErrors(meetings.reflect(who.ectOwnerId, saved._id, '  '))).toEqual({ reflection: 'Reflection: write your reflection before saving it' });
    expect(await inputErrors(meetings.reflect(who.ectOwnerId, saved._id, 'r'.repeat(5001)))).toEqual({ reflection: 'Reflection: use 5,000 characters or fewer (you used 5,001)' });
    expect((await storedReflections()).filter((r) => r._id === saved._id)).toEqual([]);
  });
});

describe('listFor, get and summaryFor', () => {
  it('list the ECT’s meetings newest first with their reflections, and only theirs', async () => {
    const who = pair();
    const older = await meetings.record({ ...who, ...draft({ date: '2025-09-15', module: 1 }) });
    now = new Date(now.getTime() + 1000);
    const sameDayFirst = await meetings.record({ ...who, ...draft({ date: '2025-10-01', module: 2, session: null }) });
    now = new Date(now.getTime() + 1000);
    const sameDayLater = await meetings.record({ ...who, ...draft({ date: '2025-10-01', module: 2, session: 1 }) });
    await meetings.record({ ...pair(), ...draft({ date: '2025-10-02' }) });
    await meetings.reflect(who.ectOwnerId, older._id, 'Reflected');

    const list = await meetings.listFor(who.ectOwnerId);
    expect(list.map((m) => m._id)).toEqual([sameDayLater._id, sameDayFirst._id, older._id]);
    expect(list.map((m) => m.reflection?.text ?? null)).toEqual([null, null, 'Reflected']);

    expect(await meetings.get(who.ectOwnerId, older._id)).toMatchObject({ _id: older._id, reflection: { text: 'Reflected' } });
    expect(await meetings.get(pair().ectOwnerId, older._id)).toBeNull();
    expect(await meetings.get(who.ectOwnerId, '{"$ne":null}')).toBeNull();

    const summary = await meetings.summaryFor(who.ectOwnerId);
    expect(summary).toEqual({ count: 3, last: '2025-10-01', byModule: new Map([[1, 1], [2, 2]]) });
    expect(await meetings.summaryFor(pair().ectOwnerId)).toEqual({ count: 0, last: null, byModule: new Map() });
  });
});
