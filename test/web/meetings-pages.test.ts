import request from 'supertest';
import { formatDay } from '../../src/web/format';
import { launchAs, meetingForm, meetingsPath, PEOPLE, startMeetingsWorld, storedMeetings, ukDay, type Launched, type MeetingsWorld } from './meetings-support';

let world: MeetingsWorld;
let mentor: Launched;
let ect: Launched;
let facilitator: Launched;

beforeAll(async () => {
  world = await startMeetingsWorld();
  mentor = await launchAs(world, PEOPLE.mentor);
  ect = await launchAs(world, PEOPLE.ect);
  facilitator = await launchAs(world, PEOPLE.facilitator);
});
afterAll(async () => world.close());

const get = (path: string) => request(world.t.url).get(path);
const post = (path: string, form: Record<string, string>) => request(world.t.url).post(path).type('form').send(form);

/** The value of a form control on a page, as the browser would show it (HTML entities decoded). */
function valueOf(html: string, name: string): string | undefined {
  const input = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html)?.[1];
  const textarea = new RegExp(`<textarea[^>]*name="${name}"[^>]*>([^<]*)</textarea>`).exec(html)?.[1];
  const value = input ?? textarea;
  return value?.replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&#x3D;/g, '=').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

const selected = (html: string, name: string) => new RegExp(`<select[^>]*name="${name}"[\\s\\S]*?<option value="([^"]*)" selected>`).exec(html)?.[1];

describe('a mentor records a meeting for their ECT, who sees it and reflects on it', () => {
  let meetingUrl: string;

  it('offers the form prefilled from the session plan asked for', async () => {
    const page = await get(`${meetingsPath(mentor, PEOPLE.ect)}/new?module=1&session=2`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Record a meeting with Amira Khan');
    expect(valueOf(page.text, 'focus')).toBe('Memory, prior knowledge and cognitive load');
    expect([1, 2, 3].map((n) => valueOf(page.text, `step-${n}`))).toEqual([
      'Teach the redesigned opening and note which questions pupils could not answer',
      'Remove one distraction from a slide or worksheet you use often',
      'Plan retrieval questions for the next three lessons',
    ]);
    expect([1, 2, 3].map((n) => selected(page.text, `owner-${n}`))).toEqual(['ect', 'ect', 'ect']);
    expect(selected(page.text, 'plan')).toBe('1.2');
    expect(valueOf(page.text, 'date')).toBe(ukDay());
    expect(valueOf(page.text, 'meetingId')).toMatch(/^meeting:[A-Za-z0-9_-]{16}$/);
    // Every form of the page carries the session's token.
    const tokens = [...page.text.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]);
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    expect(new Set(tokens)).toEqual(new Set([mentor.csrf]));
  });

  it('starts from this week’s session of the current module unless told otherwise', async () => {
    // The cohort has no schedule and Amira no figures: module 1 is current, and its first session this week's.
    const list = await get(meetingsPath(mentor, PEOPLE.ect));
    expect(list.text).toMatch(/session&#x3D;1">Session 1: Starting from the audit: expectations and belonging<\/a> <span class="tag">this week<\/span>/);
    const plain = await get(`${meetingsPath(mentor, PEOPLE.ect)}/new`);
    expect(selected(plain.text, 'plan')).toBe('1.1');
    expect(valueOf(plain.text, 'focus')).toBe('Starting from the audit: expectations and belonging');
    const noPlan = await get(`${meetingsPath(mentor, PEOPLE.ect)}/new?module=2&session=none`);
    expect(selected(noPlan.text, 'plan')).toBe('2');
    expect(valueOf(noPlan.text, 'focus')).toBe('');
    expect(valueOf(noPlan.text, 'step-1')).toBe('');
    for (const query of ['module=99', 'module=1&session=9', 'module=x', 'session=1&session=2']) {
      expect([query, (await get(`${meetingsPath(mentor, PEOPLE.ect)}/new?${query}`)).status]).toEqual([query, 404]);
    }
  });

  it('saves the meeting and shows it to the mentor with their edit form', async () => {
    const saved = await post(meetingsPath(mentor, PEOPLE.ect), meetingForm(mentor.csrf));
    expect(saved.status).toBe(303);
    expect(saved.headers.location).toMatch(new RegExp(`^${meetingsPath(mentor, PEOPLE.ect).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/meeting:[A-Za-z0-9_-]{16}$`));
    meetingUrl = saved.headers.location;

    const { meetings } = await storedMeetings(world);
    expect(meetings).toHaveLength(1);
    expect(meetings[0]).toMatchObject({
      ectOwnerId: world.ownerOf(PEOPLE.ect),
      ectKey: 'canvas:2001',
      ectName: 'Amira Khan',
      mentorOwnerId: world.ownerOf(PEOPLE.mentor),
      mentorName: 'Ben Okafor',
      module: 1,
      session: 2,
      date: ukDay(-1),
      focus: 'Memory, prior knowledge and cognitive load',
      actions: [
        { step: 'Teach the redesigned opening and note which questions pupils could not answer', owner: 'ect', due: ukDay(7) },
        { step: 'Observe a colleague’s retrieval starter', owner: 'both', due: null },
      ],
    });

    const page = await get(meetingUrl);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`Meeting on ${formatDay(ukDay(-1))}`);
    expect(page.text).toContain('Module 1: Enabling pupil learning');
    expect(page.text).toContain('Session 2: Memory, prior knowledge and cognitive load');
    expect(page.text).toContain('The retrieval questions went well.');
    expect(page.text).toContain('<td data-label="Who">ECT and mentor</td>');
    expect(page.text).toContain(formatDay(ukDay(7)));
    expect(page.text).toContain('Save changes');
    expect(page.text).not.toContain('Save reflection');
  });

  it('lists it for the ECT, who adds a reflection without touching the mentor’s record', async () => {
    const list = await get(meetingsPath(ect, PEOPLE.ect));
    expect(list.status).toBe(200);
    expect(list.text).toContain('My mentor meetings');
    const id = meetingUrl.split('/').pop()!;
    expect(list.text).toContain(`href="${meetingsPath(ect, PEOPLE.ect)}/${id}"`);
    expect(list.text).toContain('No reflection yet');
    expect(list.text).not.toContain('Record a meeting');

    const page = await get(`${meetingsPath(ect, PEOPLE.ect)}/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Save reflection');
    expect(page.text).not.toContain('Save changes');

    const before = await storedMeetings(world);
    const reflected = await post(`${meetingsPath(ect, PEOPLE.ect)}/${id}/reflection`, { _csrf: ect.csrf, reflection: 'Starting with retrieval settled the class.\nNext: fewer questions, more wait time.' });
    expect(reflected.status).toBe(303);
    expect(reflected.headers.location).toBe(`${meetingsPath(ect, PEOPLE.ect)}/${id}#your-reflection`);
    const after = await storedMeetings(world);
    expect(after.meetings).toEqual(before.meetings);
    expect(after.reflections).toEqual([expect.objectContaining({ _id: id, ectOwnerId: world.ownerOf(PEOPLE.ect), text: 'Starting with retrieval settled the class.\nNext: fewer questions, more wait time.' })]);

    expect((await get(meetingsPath(ect, PEOPLE.ect))).text).toContain('Reflection added');
  });

  it('lets the ECT change their reflection, and the mentor sees the latest', async () => {
    const id = meetingUrl.split('/').pop()!;
    const changed = await post(`${meetingsPath(ect, PEOPLE.ect)}/${id}/reflection`, { _csrf: ect.csrf, reflection: 'Retrieval first worked; I will keep it.' });
    expect(changed.status).toBe(303);
    const { reflections } = await storedMeetings(world);
    expect(reflections.map((r) => r.text)).toEqual(['Retrieval first worked; I will keep it.']);

    const page = await get(meetingUrl);
    expect(page.text).toContain('Amira Khan’s reflection');
    expect(page.text).toContain('Retrieval first worked; I will keep it.');
    expect(page.text).not.toContain('Starting with retrieval settled the class.');
  });

  it('lets the mentor change the record; the ECT’s reflection stays', async () => {
    const edited = await post(meetingUrl, meetingForm(mentor.csrf, { focus: 'Retrieval practice, second look', 'step-2': '', 'due-2': '' }));
    expect(edited.status).toBe(303);
    expect(edited.headers.location).toBe(meetingUrl);
    const { meetings, reflections } = await storedMeetings(world);
    expect(meetings).toHaveLength(1);
    expect(meetings[0].focus).toBe('Retrieval practice, second look');
    expect(meetings[0].actions).toHaveLength(1);
    expect(meetings[0].updatedAt.getTime()).toBeGreaterThan(meetings[0].createdAt.getTime());
    expect(reflections).toHaveLength(1);

    const page = await get(`${meetingsPath(ect, PEOPLE.ect)}/${meetings[0]._id}`);
    expect(page.text).toContain('Retrieval practice, second look');
    expect(page.text).toContain('last changed');
    expect(page.text).toContain('Retrieval first worked; I will keep it.');
  });

  it('shows facilitators the records read-only, and refuses their writes', async () => {
    const id = meetingUrl.split('/').pop()!;
    const list = await get(meetingsPath(facilitator, PEOPLE.ect));
    expect(list.status).toBe(200);
    expect(list.text).toContain('Retrieval practice, second look');
    expect(list.text).not.toContain('Record a meeting');
    const page = await get(`${meetingsPath(facilitator, PEOPLE.ect)}/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/Save changes|Save reflection/);

    const before = await storedMeetings(world);
    expect((await post(`${meetingsPath(facilitator, PEOPLE.ect)}/${id}`, meetingForm(facilitator.csrf, { focus: 'Facilitator was here' }))).status).toBe(403);
    expect((await post(`${meetingsPath(facilitator, PEOPLE.ect)}/${id}/reflection`, { _csrf: facilitator.csrf, reflection: 'Facilitator was here' })).status).toBe(403);
    expect((await post(meetingsPath(facilitator, PEOPLE.ect), meetingForm(facilitator.csrf))).status).toBe(403);
    expect(await storedMeetings(world)).toEqual(before);
  });
});

describe('a form with mistakes comes back with its messages and everything typed', () => {
  it('keeps every value of a new meeting and stores nothing', async () => {
    const before = await storedMeetings(world);
    const typed = meetingForm(mentor.csrf, {
      meetingId: 'meeting:AAAAAAAAAAAAAAAA',
      date: '31/02/2026',
      focus: '',
      notes: 'Notes I would hate to type again <b>twice</b>',
      'step-1': 'A step I typed',
      'due-1': 'next Friday',
      'step-2': 'x'.repeat(301),
    });
    const page = await post(meetingsPath(mentor, PEOPLE.ect), typed);
    expect(page.status).toBe(400);
    expect(page.text).toContain('There is a problem');
    for (const message of ['Date: enter a real date, such as 7 December 2026', 'Focus: enter what the meeting focused on', 'Action step 1 due date: enter a real date', 'Action step 2: use 300 characters or fewer (you used 301)']) {
      expect(page.text).toContain(message);
    }
    expect(page.text).toContain('href="#date"');
    expect(page.text).toContain('aria-describedby="date-hint date-error"');
    expect(valueOf(page.text, 'date')).toBe('31/02/2026');
    expect(valueOf(page.text, 'notes')).toBe('Notes I would hate to type again <b>twice</b>');
    expect(valueOf(page.text, 'step-1')).toBe('A step I typed');
    expect(valueOf(page.text, 'due-1')).toBe('next Friday');
    expect(valueOf(page.text, 'step-2')).toBe('x'.repeat(301));
    expect(selected(page.text, 'owner-2')).toBe('both');
    expect(selected(page.text, 'plan')).toBe('1.2');
    expect(valueOf(page.text, 'meetingId')).toBe('meeting:AAAAAAAAAAAAAAAA');
    expect(page.text).not.toContain('<b>twice</b>');
    expect(await storedMeetings(world)).toEqual(before);
  });

  it('saves the corrected form once, however often it is sent', async () => {
    const before = await storedMeetings(world);
    const form = meetingForm(mentor.csrf, { meetingId: 'meeting:BBBBBBBBBBBBBBBB', focus: 'Behaviour routines' });
    const first = await post(meetingsPath(mentor, PEOPLE.ect), form);
    const again = await post(meetingsPath(mentor, PEOPLE.ect), form);
    expect([first.status, again.status]).toEqual([303, 303]);
    expect(again.headers.location).toBe(first.headers.location);
    const after = await storedMeetings(world);
    // Sorted as storedMeetings sorts (localeCompare puts an id starting with '_' or '-' before letters).
    expect(after.meetings.map((m) => m._id)).toEqual([...before.meetings.map((m) => m._id), 'meeting:BBBBBBBBBBBBBBBB'].sort((a, b) => a.localeCompare(b)));
  });

  it('refuses a date more than a year ahead', async () => {
    const before = await storedMeetings(world);
    const page = await post(meetingsPath(mentor, PEOPLE.ect), meetingForm(mentor.csrf, { date: ukDay(400) }));
    expect(page.status).toBe(400);
    expect(page.text).toContain('Date: the date must be no more than a year from today');
    expect(await storedMeetings(world)).toEqual(before);
  });

  it('keeps what the mentor typed into the edit form, and the record as it was', async () => {
    const before = await storedMeetings(world);
    const target = before.meetings.find((m) => m._id === 'meeting:BBBBBBBBBBBBBBBB')!;
    const page = await post(`${meetingsPath(mentor, PEOPLE.ect)}/${target._id}`, meetingForm(mentor.csrf, { focus: 'f'.repeat(201), notes: 'Changed notes' }));
    expect(page.status).toBe(400);
    expect(page.text).toContain('Focus: use 200 characters or fewer (you used 201)');
    expect(page.text).toMatch(/<details id="edit" open>/);
    expect(valueOf(page.text, 'focus')).toBe('f'.repeat(201));
    expect(valueOf(page.text, 'notes')).toBe('Changed notes');
    // The record above the form still shows what is saved.
    expect(page.text).toContain('<dd>Behaviour routines</dd>');
    expect(await storedMeetings(world)).toEqual(before);
  });

  it('asks the ECT for some text before saving a reflection', async () => {
    const before = await storedMeetings(world);
    const page = await post(`${meetingsPath(ect, PEOPLE.ect)}/meeting:BBBBBBBBBBBBBBBB/reflection`, { _csrf: ect.csrf, reflection: '   ' });
    expect(page.status).toBe(400);
    expect(page.text).toContain('Reflection: write your reflection before saving it');
    const long = await post(`${meetingsPath(ect, PEOPLE.ect)}/meeting:BBBBBBBBBBBBBBBB/reflection`, { _csrf: ect.csrf, reflection: 'r'.repeat(5001) });
    expect(long.status).toBe(400);
    expect(valueOf(long.text, 'reflection')).toBe('r'.repeat(5001));
    expect(await storedMeetings(world)).toEqual(before);
  });
});
