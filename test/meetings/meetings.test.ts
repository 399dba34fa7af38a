import crypto from 'node:crypto';
import { mongo } from 'mongoose';
import { Store } from '../../src/db/store';
import { ensureStore } from '../../src/db/store-setup';
import { AuthorizationError, ValidationError } from '../../src/errors';
import { personKeyId } from '../../src/domain';
import { Meetings, MeetingInputError, unpackMeetings, unpackReflections, type MeetingDraft, type NewMeeting, type PackedMeetingsDoc } from '../../src/meetings';
import { freshDatabaseUri } from '../support/service';

let client: mongo.MongoClient;
let db: mongo.Db;
let store: Store;
/** 12:00 UTC on 6 October 2025: a Monday in British Summer Time. */
let now = new Date('2025-10-06T12:00:00Z');
let meetings: Meetings;
/** The commands the driver sent, for "how many reads" checks. */
let sent: mongo.CommandStartedEvent[] = [];

beforeAll(async () => {
  client = await mongo.MongoClient.connect(freshDatabaseUri(), { monitorCommands: true });
  client.on('commandStarted', (event) => sent.push(event));
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

/** Every document of every part of one kind. */
async function allDocs(kind: 'meeting_records' | 'meeting_reflections'): Promise<PackedMeetingsDoc[]> {
  return (await Promise.all(store.allParts<PackedMeetingsDoc>(kind).map((part) => part.find({}).toArray()))).flat();
}
const inOrder = <T extends { ectOwnerId: string; _id: string }>(items: T[]) => items.sort((a, b) => a.ectOwnerId.localeCompare(b.ectOwnerId) || a._id.localeCompare(b._id));
/** Every meeting stored, of every ECT. */
const stored = async () => inOrder((await allDocs('meeting_records')).flatMap(unpackMeetings));
/** Every reflection stored, of every ECT. */
const storedReflections = async () => inOrder((await allDocs('meeting_reflections')).flatMap((doc) => [...unpackReflections(doc).values()]));
/** The ECT's one document of a kind, straight from its part. */
const docOf = (kind: 'meeting_records' | 'meeting_reflections', ectOwnerId: string) => store.ownedBy<PackedMeetingsDoc>(kind, ectOwnerId).findOne({ _id: ectOwnerId });
/** One stored meeting, as the ECT's document holds it. */
const storedMeeting = async (ectOwnerId: string, id: string) => unpackMeetings(await docOf('meeting_records', ectOwnerId)).find((m) => m._id === id) ?? null;

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
    const expected = { _id: saved._id, ...who, module: 1, session: 2, date: '2025-10-06', focus: 'Memory, prior knowledge and cognitive load', notes: 'Talked through Tuesday’s lesson.', actions: [{ step: 'Try the script', owner: 'both', due: '2025-10-13' }], createdAt: now, updatedAt: now };
    expect(saved).toEqual(expected);
    // Dates come back from the packed JSON as Dates (toEqual tells a Date from its string).
    expect(await storedMeeting(who.ectOwnerId, saved._id)).toEqual(expected);
  });

  it('keeps all of an ECT’s meetings in one document of their part, _id their owner id, packed in one Binary', async () => {
    const who = pair();
    const first = await meetings.record({ ...who, ...draft() });
    const second = await meetings.record({ ...who, ...draft({ focus: 'Second meeting' }) });
    const doc = await docOf('meeting_records', who.ectOwnerId);
    expect(doc).toEqual({ _id: who.ectOwnerId, packed: expect.any(mongo.Binary), count: 2, rev: 2 });
    expect(unpackMeetings(doc)).toEqual([first, second]);
    // No other part holds anything of this ECT.
    const holders = (await Promise.all(store.allParts<PackedMeetingsDoc>('meeting_records').map((part) => part.countDocuments({ _id: who.ectOwnerId })))).filter(Boolean);
    expect(holders).toEqual([1]);
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

  it('saves a form sent twice at the same moment once', async () => {
    const who = pair();
    const id = 'meeting:EEEEEEEEEEEEEEEE';
    await Promise.all([meetings.record({ ...who, ...draft(), id }), meetings.record({ ...who, ...draft(), id })]);
    expect((await stored()).filter((m) => m.ectOwnerId === who.ectOwnerId).map((m) => m._id)).toEqual([id]);
  });

  it('refuses to reuse a meeting id of the ECT that another mentor recorded, leaving that meeting as it was', async () => {
    const id = 'meeting:DDDDDDDDDDDDDDDD';
    const who = pair();
    const theirs = await meetings.record({ ...who, ...draft(), id });
    // The ECT's new mentor after a roster change, sending a form with the earlier mentor's meeting id.
    const newMentor: NewMeeting = { ...who, mentorOwnerId: pair().mentorOwnerId, mentorName: 'New mentor', ...draft({ focus: 'Hijack' }), id };
    await expect(meetings.record(newMentor)).rejects.toBeInstanceOf(ValidationError);
    expect((await stored()).filter((m) => m._id === id)).toEqual([theirs]);
  });

  it('keeps a meeting id reused for another ECT apart: each ECT’s meetings are their own', async () => {
    const id = 'meeting:FFFFFFFFFFFFFFFF';
    const one = pair();
    const theirs = await meetings.record({ ...one, ...draft(), id });
    const other = pair();
    const mine = await meetings.record({ ...other, ...draft({ focus: 'Mine' }), id });
    expect(await storedMeeting(one.ectOwnerId, id)).toEqual(theirs);
    expect(await storedMeeting(other.ectOwnerId, id)).toEqual(mine);
    expect((await meetings.get(one.ectOwnerId, id))?.focus).toBe(theirs.focus);
    expect((await meetings.get(other.ectOwnerId, id))?.focus).toBe('Mine');
  });
});

describe('update', () => {
  it('changes the meeting for the mentor who recorded it, and for nobody else', async () => {
    const who = pair();
    const saved = await meetings.record({ ...who, ...draft() });
    const other = pair();
    await expect(meetings.update(saved._id, who.ectOwnerId, other.mentorOwnerId, draft({ focus: 'Not yours' }))).rejects.toBeInstanceOf(AuthorizationError);
    expect(await meetings.update(saved._id, other.ectOwnerId, who.mentorOwnerId, draft({ focus: 'Wrong ECT' }))).toBeNull();
    expect(await meetings.update('meeting:GGGGGGGGGGGGGGGG', who.ectOwnerId, who.mentorOwnerId, draft({ focus: 'No such meeting' }))).toBeNull();
    expect(await meetings.update('{"$ne":null}', who.ectOwnerId, who.mentorOwnerId, draft({ focus: 'Not an id' }))).toBeNull();
    expect(await storedMeeting(who.ectOwnerId, saved._id)).toEqual(saved);

    now = new Date(now.getTime() + 60_000);
    const changed = await meetings.update(saved._id, who.ectOwnerId, who.mentorOwnerId, draft({ focus: 'Changed', session: null, actions: [] }));
    expect(changed).toMatchObject({ focus: 'Changed', session: null, actions: [], createdAt: saved.createdAt, updatedAt: now });
    expect(await storedMeeting(who.ectOwnerId, saved._id)).toEqual(changed);
  });

  it('checks the fields and leaves the meeting as it was when they are wrong', async () => {
    const who = pair();
    const saved = await meetings.record({ ...who, ...draft() });
    expect(await inputErrors(meetings.update(saved._id, who.ectOwnerId, who.mentorOwnerId, draft({ focus: '' })))).toEqual({ focus: 'Focus: enter what the meeting focused on' });
    expect(await storedMeeting(who.ectOwnerId, saved._id)).toEqual(saved);
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
    expect(await storedMeeting(who.ectOwnerId, saved._id)).toEqual(saved);
    expect(await docOf('meeting_records', who.ectOwnerId)).toMatchObject({ count: 1, rev: 1 });
    expect(await docOf('meeting_reflections', who.ectOwnerId)).toEqual({ _id: who.ectOwnerId, packed: expect.any(mongo.Binary), count: 1, rev: 2 });
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

describe('one writer per document', () => {
  it('keeps both the mentor’s record and the ECT’s reflection written at the same moment', async () => {
    const who = pair();
    const first = await meetings.record({ ...who, ...draft({ date: '2025-09-29' }) });
    for (let round = 1; round <= 5; round += 1) {
      const [recorded, reflected] = await Promise.all([
        meetings.record({ ...who, ...draft({ focus: `Meeting ${round}` }) }),
        meetings.reflect(who.ectOwnerId, first._id, `Reflection ${round}`),
      ]);
      const [changed, reflectedAgain] = await Promise.all([
        meetings.update(recorded._id, who.ectOwnerId, who.mentorOwnerId, draft({ focus: `Meeting ${round}, changed` })),
        meetings.reflect(who.ectOwnerId, first._id, `Reflection ${round}, changed`),
      ]);
      expect(reflected?.text).toBe(`Reflection ${round}`);
      expect(changed?.focus).toBe(`Meeting ${round}, changed`);
      expect(reflectedAgain?.text).toBe(`Reflection ${round}, changed`);
    }
    const list = await meetings.listFor(who.ectOwnerId);
    expect(list.map((m) => m.focus).sort()).toEqual([draft().focus, ...[1, 2, 3, 4, 5].map((round) => `Meeting ${round}, changed`)].sort());
    expect(list.find((m) => m._id === first._id)?.reflection?.text).toBe('Reflection 5, changed');
  });

  it('makes a change over what another write stored since it was read', async () => {
    const who = pair();
    const first = await meetings.record({ ...who, ...draft({ focus: 'First' }) });
    // Another write of the mentor's lands between this write's read and its replace.
    const part = store.ownedBy<PackedMeetingsDoc>('meeting_records', who.ectOwnerId).collectionName;
    const findOne = mongo.Collection.prototype.findOne as (...args: unknown[]) => Promise<unknown>;
    let interleaved = false;
    const spy = jest.spyOn(mongo.Collection.prototype, 'findOne').mockImplementation(async function (this: mongo.Collection, ...args: unknown[]) {
      const found = await findOne.apply(this, args);
      if (!interleaved && this.collectionName === part) {
        interleaved = true;
        spy.mockRestore();
        await meetings.update(first._id, who.ectOwnerId, who.mentorOwnerId, draft({ focus: 'Changed meanwhile' }));
      }
      return found;
    });
    try {
      await meetings.record({ ...who, ...draft({ focus: 'Second' }) });
    } finally {
      spy.mockRestore();
    }
    expect(interleaved).toBe(true);
    expect((await meetings.listFor(who.ectOwnerId)).map((m) => m.focus).sort()).toEqual(['Changed meanwhile', 'Second']);
    // record (1), the update in between (2), the record made again over it (3).
    expect(await docOf('meeting_records', who.ectOwnerId)).toMatchObject({ count: 2, rev: 3 });
  });
});

describe('reads', () => {
  /** The commands `run` sends: each read must be one `_id` lookup of the ECT's document in its part. */
  async function commandsOf(run: () => Promise<unknown>): Promise<{ collection: string; filter: unknown }[]> {
    sent = [];
    await run();
    return sent.filter((e) => e.databaseName === db.databaseName).map((e) => ({ collection: String(e.command[e.commandName]), filter: e.command.filter as unknown, name: e.commandName })).map(({ name, ...rest }) => {
      expect(name).toBe('find');
      return rest;
    });
  }

  it('reads only the ECT’s own document of each collection, by _id', async () => {
    const who = pair();
    const saved = await meetings.record({ ...who, ...draft() });
    await meetings.reflect(who.ectOwnerId, saved._id, 'Reflected');
    const records = store.ownedBy('meeting_records', who.ectOwnerId).collectionName;
    const reflections = store.ownedBy('meeting_reflections', who.ectOwnerId).collectionName;
    const byId = { _id: who.ectOwnerId };
    const both = [{ collection: records, filter: byId }, { collection: reflections, filter: byId }];
    const sorted = (reads: { collection: string }[]) => reads.sort((a, b) => a.collection.localeCompare(b.collection));

    expect(sorted(await commandsOf(() => meetings.listFor(who.ectOwnerId)))).toEqual(both);
    expect(sorted(await commandsOf(() => meetings.get(who.ectOwnerId, saved._id)))).toEqual(both);
    expect(await commandsOf(() => meetings.summaryFor(who.ectOwnerId))).toEqual([{ collection: records, filter: byId }]);
    expect(await commandsOf(() => meetings.get(who.ectOwnerId, 'not a meeting id'))).toEqual([]);
  });
});

describe('deleteForPlatform', () => {
  it('deletes the documents of the platform’s ECTs in every part and counts the meetings and reflections they held', async () => {
    const platform = { issuer: 'https://removed.example.org', clientId: '77' };
    const kept = { issuer: 'https://kept.example.org', clientId: '77' };
    const ectsOf = (on: typeof platform) =>
      ['1', '2', '3'].map((id) => ({ ...pair(), ectOwnerId: personKeyId(on, id), mentorOwnerId: personKeyId(on, `9${id}`) }));
    const write = async (on: typeof platform) => {
      const [a, b, c] = ectsOf(on);
      const a1 = await meetings.record({ ...a, ...draft() });
      await meetings.record({ ...a, ...draft() });
      const b1 = await meetings.record({ ...b, ...draft() });
      await meetings.reflect(a.ectOwnerId, a1._id, 'One');
      await meetings.reflect(b.ectOwnerId, b1._id, 'Two');
      await meetings.record({ ...c, ...draft() });
      return [a, b, c];
    };
    await write(platform);
    const others = await write(kept);
    const before = { meetings: (await stored()).length, reflections: (await storedReflections()).length };

    // 4 meetings and 2 reflections of 3 ECTs.
    expect(await meetings.deleteForPlatform(platform)).toBe(6);
    expect(await meetings.deleteForPlatform(platform)).toBe(0);
    expect(await stored()).toHaveLength(before.meetings - 4);
    expect(await storedReflections()).toHaveLength(before.reflections - 2);
    expect((await stored()).some((m) => m.ectOwnerId.includes('removed.example.org'))).toBe(false);
    for (const ect of others) expect((await meetings.listFor(ect.ectOwnerId)).length).toBeGreaterThan(0);
  });
});
