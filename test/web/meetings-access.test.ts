import request from 'supertest';
import type { DemoUser } from '../../dev-platform/demo-data';
import type { MeetingRecord } from '../../src/meetings';
import { launchAs, meetingForm, meetingsPath, PEOPLE, startMeetingsWorld, storedMeetings, type Launched, type MeetingsWorld } from './meetings-support';

let world: MeetingsWorld;
let amiras: MeetingRecord;
let cais: MeetingRecord;
/** A meeting with Amira recorded by a mentor she had before Ben: Ben reads it but may not change it. */
let earlierMentors: MeetingRecord;
const sessions: Record<string, Launched> = {};

const parties = (ect: DemoUser, mentor: DemoUser) => ({
  ectOwnerId: world.ownerOf(ect),
  ectKey: `canvas:${ect.canvasUserId}`,
  ectName: ect.name,
  mentorOwnerId: world.ownerOf(mentor),
  mentorName: mentor.name,
  cohort: 'Meetings cohort',
});
const draft = (focus: string) => ({ module: 1, session: 1, date: '2025-10-06', focus, notes: 'Private notes about this ECT', actions: [{ step: 'Use the script three times', owner: 'ect', due: null }] });

beforeAll(async () => {
  world = await startMeetingsWorld();
  const meetings = world.t.runtime.stores.meetings;
  amiras = await meetings.record({ ...parties(PEOPLE.ect, PEOPLE.mentor), ...draft('Amira’s meeting focus') });
  cais = await meetings.record({ ...parties(PEOPLE.otherEct, PEOPLE.otherMentor), ...draft('Cai’s meeting focus') });
  earlierMentors = await meetings.record({ ...parties(PEOPLE.ect, PEOPLE.otherMentor), ...draft('Amira’s meeting with her first mentor') });
  await meetings.reflect(world.ownerOf(PEOPLE.ect), amiras._id, 'Amira’s own reflection');
  sessions.mentor = await launchAs(world, PEOPLE.mentor);
  sessions.ect = await launchAs(world, PEOPLE.ect);
  sessions.otherMentor = await launchAs(world, PEOPLE.otherMentor);
  sessions.otherEct = await launchAs(world, PEOPLE.otherEct);
  sessions.mentorInOtherCourse = await launchAs(world, PEOPLE.mentorInOtherCourse);
  sessions.mentorOnOtherPlatform = await launchAs(world, PEOPLE.mentor, world.otherPlatform);
  sessions.ectOnOtherPlatform = await launchAs(world, PEOPLE.ect, world.otherPlatform);
});
afterAll(async () => world.close());

const get = (path: string) => request(world.t.url).get(path);
const post = (path: string, form: Record<string, string>) => request(world.t.url).post(path).type('form').send(form);

/** Every meetings route for Amira's records, as `who` would call it. */
function amirasRoutes(who: Launched) {
  const list = meetingsPath(who, PEOPLE.ect);
  const one = `${list}/${amiras._id}`;
  return {
    gets: [list, `${list}/new`, `${list}/new?module=1&session=2`, one],
    posts: [
      [list, meetingForm(who.csrf, { focus: 'Written by someone else' })],
      [one, meetingForm(who.csrf, { focus: 'Changed by someone else' })],
      [`${one}/reflection`, { _csrf: who.csrf, reflection: 'Reflected by someone else' }],
    ] as [string, Record<string, string>][],
  };
}

describe('nobody but Amira, her mentor and staff reaches her meetings: 404, nothing shown, nothing stored', () => {
  it.each([
    ['another mentor (not hers)', 'otherMentor'],
    ['another ECT', 'otherEct'],
    ['her mentor, launched from a course of another cohort', 'mentorInOtherCourse'],
    ['her mentor’s Canvas user id, launched from another platform', 'mentorOnOtherPlatform'],
    ['her own Canvas user id, launched from another platform', 'ectOnOtherPlatform'],
  ])('%s', async (_who, key) => {
    const who = sessions[key];
    const before = await storedMeetings(world);
    const { gets, posts } = amirasRoutes(who);
    for (const path of gets) {
      const page = await get(path);
      expect([path, page.status]).toEqual([path, 404]);
      expect(page.text).not.toMatch(/Amira’s meeting|Private notes|Amira’s own reflection/);
    }
    for (const [path, form] of posts) expect([path, (await post(path, form)).status]).toEqual([path, 404]);
    expect(await storedMeetings(world)).toEqual(before);
  });

  it('finds a meeting only under its own ECT: Cai’s mentor cannot reach Amira’s meeting through Cai', async () => {
    const who = sessions.otherMentor;
    const before = await storedMeetings(world);
    const underCai = `${meetingsPath(who, PEOPLE.otherEct)}/${amiras._id}`;
    expect((await get(underCai)).status).toBe(404);
    expect((await post(underCai, meetingForm(who.csrf, { focus: 'Moved over' }))).status).toBe(404);
    // Their own ECT's meeting is theirs to read and change.
    const own = await get(`${meetingsPath(who, PEOPLE.otherEct)}/${cais._id}`);
    expect(own.status).toBe(200);
    expect(own.text).toContain('Cai’s meeting focus');
    expect(await storedMeetings(world)).toEqual(before);
  });

  it('has no meetings pages for a mentor: meetings are kept for ECTs', async () => {
    const who = sessions.mentor;
    expect((await get(meetingsPath(who, PEOPLE.mentor))).status).toBe(404);
    expect((await get(`${meetingsPath(who, PEOPLE.mentor)}/new`)).status).toBe(404);
  });

  it('answers 404 for a meeting id that is not one', async () => {
    const list = meetingsPath(sessions.mentor, PEOPLE.ect);
    for (const id of ['meeting:nope', 'meeting:AAAAAAAAAAAAAAAA', encodeURIComponent('{"$ne":null}')]) expect((await get(`${list}/${id}`)).status).toBe(404);
  });
});

describe('only the mentor records and changes meetings; only the ECT reflects', () => {
  it('refuses the ECT the new-meeting form, a new record and a change (403), storing nothing', async () => {
    const who = sessions.ect;
    const before = await storedMeetings(world);
    const list = meetingsPath(who, PEOPLE.ect);
    expect((await get(`${list}/new`)).status).toBe(403);
    expect((await post(list, meetingForm(who.csrf))).status).toBe(403);
    expect((await post(`${list}/${amiras._id}`, meetingForm(who.csrf, { focus: 'The ECT rewrote it' }))).status).toBe(403);
    expect(await storedMeetings(world)).toEqual(before);
    // What they can do: read it, with its reflection form.
    const page = await get(`${list}/${amiras._id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Save reflection');
  });

  it('refuses the mentor a reflection in the ECT’s name (403)', async () => {
    const who = sessions.mentor;
    const before = await storedMeetings(world);
    expect((await post(`${meetingsPath(who, PEOPLE.ect)}/${amiras._id}/reflection`, { _csrf: who.csrf, reflection: 'Written by the mentor' })).status).toBe(403);
    expect(await storedMeetings(world)).toEqual(before);
  });

  it('lets the mentor read a record an earlier mentor made, but not change it (403)', async () => {
    const who = sessions.mentor;
    const before = await storedMeetings(world);
    const url = `${meetingsPath(who, PEOPLE.ect)}/${earlierMentors._id}`;
    const page = await get(url);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Amira’s meeting with her first mentor');
    expect(page.text).not.toContain('Save changes');
    expect((await post(url, meetingForm(who.csrf, { focus: 'Taken over' }))).status).toBe(403);
    expect(await storedMeetings(world)).toEqual(before);
  });

  it('refuses a form without the session’s CSRF token (403), storing nothing', async () => {
    const who = sessions.mentor;
    const before = await storedMeetings(world);
    const list = meetingsPath(who, PEOPLE.ect);
    const withoutToken = (form: Record<string, string>) => Object.fromEntries(Object.entries(form).filter(([name]) => name !== '_csrf'));
    expect((await post(list, withoutToken(meetingForm(who.csrf)))).status).toBe(403);
    expect((await post(list, meetingForm(sessions.otherMentor.csrf))).status).toBe(403);
    expect((await post(`${list}/${amiras._id}`, withoutToken(meetingForm(who.csrf, { focus: 'No token' })))).status).toBe(403);
    const ectList = meetingsPath(sessions.ect, PEOPLE.ect);
    expect((await post(`${ectList}/${amiras._id}/reflection`, { reflection: 'No token' })).status).toBe(403);
    expect(await storedMeetings(world)).toEqual(before);
  });

  it('asks for a launch without a session (401)', async () => {
    const path = `/s/${'x'.repeat(32)}/people/${encodeURIComponent('canvas:2001')}/meetings`;
    expect((await get(path)).status).toBe(401);
    expect((await post(path, meetingForm('anything'))).status).toBe(401);
  });
});
