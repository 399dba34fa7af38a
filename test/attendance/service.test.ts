import crypto from 'node:crypto';
import { mongo } from 'mongoose';
import { Attendance, AttendanceConflictError, EventInputError, RegisterInputError, STALE_REGISTER, type RegisterSave } from '../../src/attendance';
import { partitionOf } from '../../src/db/partitions';
import { openTestRuntime, type TestRuntime } from '../support/runtime';

let rt: TestRuntime;
let attendance: Attendance;
const changes: string[] = [];

beforeAll(async () => {
  rt = await openTestRuntime();
  attendance = new Attendance(rt.runtime.stores.store, {
    onChange: async (cohort, group) => void changes.push(`${cohort}/${group}`),
    now: () => new Date('2026-12-07T17:30:00Z'),
  });
});
afterAll(async () => rt.close());
beforeEach(() => {
  changes.length = 0;
});

const db = () => rt.runtime.stores.store.db;
const storedEvents = () => db().collection<{ _id: string } & Record<string, unknown>>('ecf_training_events').find({}).sort({ _id: 1 }).toArray();
/** Every stored register version, from every part of the partitioned collection. */
async function storedRegisters(): Promise<Record<string, unknown>[]> {
  const parts = rt.runtime.stores.store.allParts('attendance_registers');
  const docs = (await Promise.all(parts.map((p) => p.find({}).toArray()))).flat();
  return docs.sort((a, b) => String(a._id).localeCompare(String(b._id)));
}

/** The id as the brief defines it, worked out here independently of the code under test. */
const expectedId = (cohort: string, group: string, date: string, start: string, type: string) =>
  `ev_${crypto.createHash('sha256').update(JSON.stringify([cohort, group, date, start, type])).digest('hex').slice(0, 16)}`;

let groupNo = 0;
/** A fresh group for each test, so tests never see each other's events. */
const newGroup = () => `Service group ${(groupNo += 1)}`;

const SAM = { key: 'canvas:501', name: 'Sam Patel', role: 'ect' as const };
const JO = { key: 'canvas:502', name: 'Jo Bloggs', role: 'ect' as const };
const MIA = { key: 'canvas:601', name: 'Mia Mentor', role: 'mentor' as const };
const TAKER = { ownerId: 'owner-facilitator', name: 'Fran Facilitator' };

const save = (eventId: string, basedOn: number, entries: RegisterSave['entries']) => attendance.saveRegister({ eventId, basedOn, entries, takenBy: TAKER });

describe('training events', () => {
  it('stores an event under ev_ + 16 hex of sha256([cohort, group, date, start, type]), with every field as typed', async () => {
    const group = newGroup();
    const event = await attendance.createEvent({
      cohort: '  September   2024 ',
      group,
      date: '2026-12-07',
      start_time: '9:30',
      end_time: '12:00',
      type: 'Face-to-face session',
      module: '3',
      facilitator_email: 'Fran@Example.org',
      title: ' Module 3 day ',
      location: 'Leeds',
    });
    const id = expectedId('September 2024', group, '2026-12-07', '09:30', 'face-to-face');
    expect(event._id).toBe(id);
    expect((await storedEvents()).filter((e) => e._id === id)).toEqual([
      {
        _id: id,
        cohort: 'September 2024',
        group,
        date: '2026-12-07',
        start: '09:30',
        end: '12:00',
        type: 'face-to-face',
        module: 3,
        facilitatorEmail: 'fran@example.org',
        title: 'Module 3 day',
        location: 'Leeds',
        updatedAt: new Date('2026-12-07T17:30:00Z'),
      },
    ]);
    expect(changes).toEqual([`September 2024/${group}`]);
  });

  it('says an event exists when it is created again, and stores nothing more', async () => {
    const group = newGroup();
    const draft = { cohort: 'C1', group, date: '2026-12-08', start_time: '10:00', type: 'peer-network' };
    await attendance.createEvent(draft);
    const before = await storedEvents();
    changes.length = 0;
    const again = attendance.createEvent({ ...draft, type: 'PEER NETWORK', title: 'A different title' });
    await expect(again).rejects.toBeInstanceOf(AttendanceConflictError);
    await expect(attendance.createEvent(draft)).rejects.toThrow(`${group} already has this event: a peer network on 2026-12-08 at 10:00.`);
    expect(await storedEvents()).toEqual(before);
    expect(changes).toEqual([]);
  });

  it.each([
    ['a date that does not exist', { date: '2026-02-30' }, 'date', 'Date must be a real date written YYYY-MM-DD, such as 2026-12-07'],
    ['a date in another format', { date: '07/12/2026' }, 'date', 'Date must be a real date written YYYY-MM-DD, such as 2026-12-07'],
    ['no date', { date: '' }, 'date', 'Date is required'],
    ['24:00', { start_time: '24:00' }, 'start_time', 'Start time must be a time from 00:00 to 23:59, written HH:MM'],
    ['12:60', { start_time: '12:60' }, 'start_time', 'Start time must be a time from 00:00 to 23:59, written HH:MM'],
    ['an end before the start', { start_time: '10:00', end_time: '09:59' }, 'end_time', 'End time must be after the start time'],
    ['an end equal to the start', { start_time: '10:00', end_time: '10:00' }, 'end_time', 'End time must be after the start time'],
    ['an unknown type', { type: 'webinar' }, 'type', 'Type must be face-to-face, online-workshop, peer-network or induction-conference (or its label, such as “Face-to-face session”)'],
    ['a module the curriculum lacks', { module: '99' }, 'module', 'Module must be a module of the programme (1 to 9), or blank'],
    ['a module that is not a number', { module: 'three' }, 'module', 'Module must be a module of the programme (1 to 9), or blank'],
    ['a facilitator email that is not one', { facilitator_email: 'fran-at-example' }, 'facilitator_email', 'Facilitator email is not an email address'],
    ['a title over 200 characters', { title: 'x'.repeat(201) }, 'title', 'Title must be 200 characters or fewer'],
  ])('refuses %s, naming the field, and stores nothing', async (_what, change, field, message) => {
    const group = newGroup();
    const before = await storedEvents();
    const attempt = attendance.createEvent({ cohort: 'C1', group, date: '2026-12-09', start_time: '10:00', type: 'online-workshop', ...change });
    await expect(attempt).rejects.toBeInstanceOf(EventInputError);
    const error = (await attempt.catch((e: unknown) => e)) as EventInputError;
    expect(error.errors).toEqual([{ field, message }]);
    expect(error.status).toBe(400);
    expect(await storedEvents()).toEqual(before);
  });

  it('accepts each type by its value or its label, in any case', async () => {
    const group = newGroup();
    const typed = ['face-to-face', 'Online Workshop', 'PEER-NETWORK', 'induction conference'];
    const made = [];
    for (const [i, type] of typed.entries()) made.push(await attendance.createEvent({ cohort: 'C1', group, date: '2026-12-10', start_time: `1${i}:00`, type }));
    expect(made.map((e) => e.type)).toEqual(['face-to-face', 'online-workshop', 'peer-network', 'induction-conference']);
  });

  it('changes the details of an event but never its date, time or type', async () => {
    const group = newGroup();
    const event = await attendance.createEvent({ cohort: 'C1', group, date: '2026-12-11', start_time: '13:00', type: 'online-workshop', title: 'Old' });
    changes.length = 0;
    const edited = await attendance.editEvent(event._id, { date: '2027-01-01', start_time: '08:00', type: 'peer-network', end_time: '15:30', module: '2', title: 'New title', location: 'Online', facilitator_email: '' });
    expect(edited).toEqual({ ...event, end: '15:30', module: 2, title: 'New title', location: 'Online', facilitatorEmail: null });
    expect((await storedEvents()).find((e) => e._id === event._id)).toEqual(edited);
    expect(changes).toEqual([`C1/${group}`]);
    await expect(attendance.editEvent(event._id, { end_time: '12:00' })).rejects.toMatchObject({ errors: [{ field: 'end_time', message: 'End time must be after the start time' }] });
  });

  it('cancels an event while it has no register, and refuses (409) once one is taken', async () => {
    const group = newGroup();
    const free = await attendance.createEvent({ cohort: 'C1', group, date: '2026-12-12', start_time: '09:00', type: 'face-to-face' });
    const taken = await attendance.createEvent({ cohort: 'C1', group, date: '2026-12-13', start_time: '09:00', type: 'face-to-face' });
    await save(taken._id, 0, [{ ...SAM, present: true }]);
    changes.length = 0;
    await attendance.cancelEvent(free._id);
    expect(await attendance.event(free._id)).toBeNull();
    expect(changes).toEqual([`C1/${group}`]);
    const refused = await attendance.cancelEvent(taken._id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AttendanceConflictError);
    expect((refused as AttendanceConflictError).status).toBe(409);
    expect((refused as Error).message).toBe('This event’s register has been taken, so it cannot be cancelled: it stays on record with its register.');
    expect(await attendance.event(taken._id)).not.toBeNull();
    // Created again after the cancel, it is the same event.
    expect((await attendance.createEvent({ cohort: 'C1', group, date: '2026-12-12', start_time: '09:00', type: 'face-to-face' }))._id).toBe(free._id);
  });
});

describe('registers', () => {
  it('keeps every save as a new version, with what changed in words', async () => {
    const group = newGroup();
    const event = await attendance.createEvent({ cohort: 'C2', group, date: '2026-12-14', start_time: '09:00', type: 'face-to-face' });
    changes.length = 0;
    const first = await save(event._id, 0, [
      { ...SAM, present: false, reason: '  illness ' },
      { ...JO, present: true },
      { ...MIA, present: true, reason: '' },
    ]);
    expect(first._id).toBe(`${event._id}#1`);
    const second = await save(event._id, 1, [
      { ...SAM, present: true, reason: '' },
      { ...MIA, present: false, reason: 'school trip' },
      { key: 'canvas:503', name: 'Ali New', role: 'ect', present: true },
    ]);
    expect(second.version).toBe(2);
    expect(changes).toEqual([`C2/${group}`, `C2/${group}`]);
    const history = await attendance.history(event._id);
    expect(history.map((v) => [v.version, v.present, v.expected, v.takenBy, v.changes])).toEqual([
      [1, 2, 3, TAKER, ['Took the register: 2 of 3 present', 'Marked Sam Patel absent (illness)']],
      [2, 2, 3, TAKER, ['Marked Sam Patel present', 'Marked Mia Mentor absent (school trip)', 'Added Ali New', 'Removed Jo Bloggs']],
    ]);
    expect(history[0].entries).toEqual([
      { key: 'canvas:501', name: 'Sam Patel', role: 'ect', present: false, reason: 'illness' },
      { key: 'canvas:502', name: 'Jo Bloggs', role: 'ect', present: true, reason: null },
      { key: 'canvas:601', name: 'Mia Mentor', role: 'mentor', present: true, reason: null },
    ]);
    expect((await attendance.register(event._id))?.version).toBe(2);
  });

  it('stores each version once, packed, in the part of its group', async () => {
    const group = newGroup();
    const event = await attendance.createEvent({ cohort: 'C2', group, date: '2026-12-15', start_time: '09:00', type: 'peer-network' });
    await save(event._id, 0, [{ ...SAM, present: true }]);
    const part = `ecf_attendance_registers_p${String(partitionOf(JSON.stringify(['C2', group]))).padStart(2, '0')}`;
    const doc = await db().collection(part).findOne({ _id: `${event._id}#1` as never });
    expect(doc).toMatchObject({ eventId: event._id, cohort: 'C2', group, version: 1, present: 1, expected: 1, takenBy: TAKER, entries: expect.any(mongo.Binary) });
  });

  it('refuses a save based on an older version (409) and changes nothing', async () => {
    const group = newGroup();
    const event = await attendance.createEvent({ cohort: 'C2', group, date: '2026-12-16', start_time: '09:00', type: 'face-to-face' });
    await save(event._id, 0, [{ ...SAM, present: true }]);
    await save(event._id, 1, [{ ...SAM, present: false }]);
    const before = await storedRegisters();
    changes.length = 0;
    for (const basedOn of [0, 1, 3]) {
      const refused = await save(event._id, basedOn, [{ ...SAM, present: true }]).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AttendanceConflictError);
      expect((refused as Error).message).toBe(STALE_REGISTER);
    }
    expect(await storedRegisters()).toEqual(before);
    expect(changes).toEqual([]);
  });

  it('lets exactly one of two saves over the same version win', async () => {
    const group = newGroup();
    const event = await attendance.createEvent({ cohort: 'C2', group, date: '2026-12-17', start_time: '09:00', type: 'face-to-face' });
    const outcomes = await Promise.allSettled([save(event._id, 0, [{ ...SAM, present: true }]), save(event._id, 0, [{ ...SAM, present: false, reason: 'ill' }])]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(AttendanceConflictError);
    expect((await attendance.history(event._id)).map((v) => v.version)).toEqual([1]);
  });

  it('refuses a reason over 200 characters, naming the person, and keeps trimmed reasons of 200', async () => {
    const group = newGroup();
    const event = await attendance.createEvent({ cohort: 'C2', group, date: '2026-12-18', start_time: '09:00', type: 'face-to-face' });
    const refused = await save(event._id, 0, [{ ...SAM, present: false, reason: 'x'.repeat(201) }, { ...JO, present: true }]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RegisterInputError);
    expect((refused as RegisterInputError).problems).toEqual([{ key: 'canvas:501', message: 'The reason for Sam Patel must be 200 characters or fewer (it has 201).' }]);
    expect(await attendance.history(event._id)).toEqual([]);
    const saved = await save(event._id, 0, [{ ...SAM, present: false, reason: `  ${'y'.repeat(200)}  ` }]);
    expect(saved.entries[0].reason).toBe('y'.repeat(200));
  });

  it.each([1, 2, 3, 4, 5])('never leaves a register without its event when a cancel and a save race (round %i)', async () => {
    const group = newGroup();
    const event = await attendance.createEvent({ cohort: 'C2', group, date: '2026-12-19', start_time: '09:00', type: 'face-to-face' });
    const [cancelled, saved] = await Promise.allSettled([attendance.cancelEvent(event._id), save(event._id, 0, [{ ...SAM, present: true }])]);
    const stillThere = (await attendance.event(event._id)) !== null;
    const registers = (await storedRegisters()).filter((r) => r.eventId === event._id);
    // Either the cancel won (no event, no register) or the register did (event kept, cancel refused).
    if (stillThere) expect(cancelled.status).toBe('rejected');
    else expect(registers).toEqual([]);
    expect(registers.length).toBe(saved.status === 'fulfilled' ? 1 : 0);
  });

  it('refuses a register for an event that does not exist (404)', async () => {
    await expect(save('ev_0000000000000000', 0, [{ ...SAM, present: true }])).rejects.toMatchObject({ status: 404 });
  });
});

describe('the summary the cohort grid reads', () => {
  it('counts, per participant, the registers that list them and their latest event with a register', async () => {
    const group = newGroup();
    const cohort = 'C3';
    const later = await attendance.createEvent({ cohort, group, date: '2026-11-20', start_time: '14:00', end_time: '16:00', type: 'online-workshop', module: '2', title: 'Workshop' });
    const early = await attendance.createEvent({ cohort, group, date: '2026-11-20', start_time: '09:30', type: 'face-to-face', module: '1' });
    const none = await attendance.createEvent({ cohort, group, date: '2026-12-01', start_time: '10:00', type: 'peer-network' });
    await attendance.createEvent({ cohort, group: `${group} (other)`, date: '2026-11-20', start_time: '09:30', type: 'face-to-face' });
    await save(early._id, 0, [{ ...SAM, present: true }, { ...JO, present: false, reason: 'illness' }]);
    await save(later._id, 0, [{ ...SAM, present: false, reason: 'train strike' }, { ...JO, present: true }, { ...MIA, present: true }]);
    // Saved again: only the latest version counts.
    await save(later._id, 1, [{ ...SAM, present: false, reason: 'train strike' }, { ...JO, present: true }, { ...MIA, present: false }]);

    expect(await attendance.groupAttendance(cohort, group)).toEqual({
      cohort,
      group,
      events: [
        { id: early._id, date: '2026-11-20', start: '09:30', end: null, type: 'face-to-face', typeLabel: 'Face-to-face session', module: 1, title: null, registerTaken: true, present: 1, expected: 2 },
        { id: later._id, date: '2026-11-20', start: '14:00', end: '16:00', type: 'online-workshop', typeLabel: 'Online workshop', module: 2, title: 'Workshop', registerTaken: true, present: 1, expected: 3 },
        { id: none._id, date: '2026-12-01', start: '10:00', end: null, type: 'peer-network', typeLabel: 'Peer network', module: null, title: null, registerTaken: false, present: 0, expected: 0 },
      ],
      byParticipant: {
        'canvas:501': {
          attended: 1,
          expected: 2,
          last: { eventId: later._id, date: '2026-11-20', present: false, reason: 'train strike' },
          marks: [
            { eventId: early._id, present: true, reason: null },
            { eventId: later._id, present: false, reason: 'train strike' },
          ],
        },
        'canvas:502': {
          attended: 1,
          expected: 2,
          last: { eventId: later._id, date: '2026-11-20', present: true, reason: null },
          marks: [
            { eventId: early._id, present: false, reason: 'illness' },
            { eventId: later._id, present: true, reason: null },
          ],
        },
        'canvas:601': { attended: 0, expected: 1, last: { eventId: later._id, date: '2026-11-20', present: false, reason: null }, marks: [{ eventId: later._id, present: false, reason: null }] },
      },
    });
  });

  it('has no events and nobody for a group without events', async () => {
    expect(await attendance.groupAttendance('C3', 'Nobody’s group')).toEqual({ cohort: 'C3', group: 'Nobody’s group', events: [], byParticipant: {} });
  });
});
