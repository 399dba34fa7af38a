import type { DevPlatform } from '../../dev-platform';
import { DEMO_USERS, type DemoCourse, type DemoUser } from '../../dev-platform/demo-data';
import { launchTool } from '../../dev-platform/launcher';
import { courseKeyId, personKeyId, type PlatformKey } from '../../src/domain';
import { unpackMeetings, unpackReflections, type MeetingRecord, type MeetingReflection, type PackedMeetingsDoc } from '../../src/meetings';
import { csrfTokenFor } from '../../src/web/page-kit';
import { startTestService, type TestService } from '../support/service';
import { startIndependentPlatform } from '../lti/support';

export const COHORT = 'Meetings cohort';
const OTHER_COHORT = 'Another cohort';

/** A course of the same platform linked to another cohort: a session from there reads nothing of this one. */
const OTHER_COURSE: DemoCourse = { contextId: '3c1f9e7a5b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e', canvasCourseId: '1099', title: 'ECF Teacher Development (another cohort)', label: 'ECF-TD-OTHER' };

function person(base: DemoUser, id: string, name: string, email: string): DemoUser {
  const [givenName, familyName] = name.split(' ');
  return { ...base, sub: `00000000-0000-4000-8000-00000000${id}`, lti11Id: `lti11-${id}`, canvasUserId: id, loginId: email.split('@')[0], sisId: `SIS-${id}`, name, givenName, familyName, email };
}

/** The people of the meetings tests: Amira (ECT) and Ben (her mentor) from the demo, and a second pair. */
export const PEOPLE = {
  ect: DEMO_USERS.ect,
  mentor: DEMO_USERS.mentor,
  facilitator: DEMO_USERS.facilitator,
  otherEct: person(DEMO_USERS.ect, '2101', 'Cai Jones', 'cai.jones@example.org'),
  otherMentor: person(DEMO_USERS.mentor, '2102', 'Dina Shah', 'dina.shah@example.org'),
  /** Ben again, launched from a course of another cohort. */
  mentorInOtherCourse: { ...DEMO_USERS.mentor, course: OTHER_COURSE },
} satisfies Record<string, DemoUser>;

export interface MeetingsWorld {
  t: TestService;
  /** The platform the cohort's courses are on. */
  platform: DevPlatform;
  /** Another registered platform, whose people have the same Canvas user ids. */
  otherPlatform: DevPlatform;
  key: PlatformKey;
  ownerOf(user: DemoUser): string;
  close(): Promise<void>;
}

/**
 * The tool with a cohort whose roster pairs Ben (mentor) with Amira (ECT) and Dina with Cai,
 * through the roster's mentor_email as `scripts/demo.ts` does; no sync is needed for the pairing.
 */
export async function startMeetingsWorld(): Promise<MeetingsWorld> {
  const t = await startTestService();
  const one = await startIndependentPlatform(t.url);
  const two = await startIndependentPlatform(t.url);
  await t.runtime.registry.add(one.platform.registrationForTool);
  await t.runtime.registry.add(two.platform.registrationForTool);
  const key = { issuer: one.platform.issuer, clientId: one.platform.clientId };
  const link = async (courseId: string, programme: 'ect' | 'mentor', cohort: string) =>
    t.runtime.stores.links.save({ _id: courseKeyId(key, courseId), ...key, courseId, programme, cohort, moduleMap: {}, classificationOverrides: { items: {}, titles: [] }, linkedAt: new Date() });
  await link(PEOPLE.ect.course.canvasCourseId, 'ect', COHORT);
  await link(PEOPLE.mentor.course.canvasCourseId, 'mentor', COHORT);
  await link(OTHER_COURSE.canvasCourseId, 'mentor', OTHER_COHORT);

  const schools = await t.runtime.stores.schools.import(['urn,name,delivery_partner,contact_emails', '131245,Brookfield Primary School,Northern Lights Teaching School Hub,office@brookfield.example.org'].join('\n'));
  const row = (u: DemoUser, role: string, cohort: string, mentor = '') => [u.canvasUserId, u.sisId, u.email, `"${u.name}"`, role, '131245', cohort, 'Group 1', mentor, 'active'].join(',');
  const roster = await t.runtime.stores.roster.import(
    [
      'canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status',
      row(PEOPLE.mentor, 'mentor', COHORT),
      row(PEOPLE.otherMentor, 'mentor', COHORT),
      row(PEOPLE.ect, 'ect', COHORT, PEOPLE.mentor.email),
      row(PEOPLE.otherEct, 'ect', COHORT, PEOPLE.otherMentor.email),
    ].join('\n'),
  );
  // The facilitator runs the group everyone is in: facilitators see only their groups.
  const groups = await t.runtime.stores.groups.import(`cohort,group,facilitator_emails\n${COHORT},Group 1,${PEOPLE.facilitator.email}`);
  if (schools.bad.length + roster.bad.length + groups.bad.length > 0) throw new Error(`bad rows: ${JSON.stringify([...schools.bad, ...roster.bad, ...groups.bad])}`);
  await t.runtime.stores.readModel.refreshCohort(COHORT);
  const mentor = await t.runtime.stores.readModel.readParticipant(COHORT, `canvas:${PEOPLE.mentor.canvasUserId}`);
  if (mentor?.menteeKeys.join() !== `canvas:${PEOPLE.ect.canvasUserId}`) throw new Error(`the roster did not pair the mentor: ${JSON.stringify(mentor)}`);

  return {
    t,
    platform: one.platform,
    otherPlatform: two.platform,
    key,
    ownerOf: (user) => personKeyId(key, user.canvasUserId),
    close: async () => {
      await one.close();
      await two.close();
      await t.close();
    },
  };
}

/** A launched tool session: its page base (`/s/<id>/`) and the CSRF token its forms carry. */
export interface Launched {
  base: string;
  csrf: string;
}

export async function launchAs(world: MeetingsWorld, user: DemoUser, platform = world.platform): Promise<Launched> {
  const launched = await launchTool({ toolUrl: world.t.url, platform, user, crossSite: true });
  const base = /\/s\/[A-Za-z0-9_-]{32}\//.exec(new URL(launched.finalUrl).pathname)?.[0];
  if (!base) throw new Error(`the launch of ${user.name} did not open a session: ${launched.status} ${launched.finalUrl}`);
  // The token every form of this session carries (the pages' own forms are checked to carry it).
  return { base, csrf: csrfTokenFor(world.t.runtime.secrets.formKey, base.split('/')[2]) };
}

/** The meetings URL of a person, as pages link to it. */
export const meetingsPath = (session: Launched, user: DemoUser) => `${session.base}people/${encodeURIComponent(`canvas:${user.canvasUserId}`)}/meetings`;

/** Everything the meetings store holds, for "nothing changed" checks. */
export async function storedMeetings(world: MeetingsWorld): Promise<{ meetings: MeetingRecord[]; reflections: MeetingReflection[] }> {
  const store = world.t.runtime.stores.store;
  // One packed document per ECT in each kind, spread over the parts (src/meetings/meetings.ts).
  const docs = async (kind: 'meeting_records' | 'meeting_reflections') => (await Promise.all(store.allParts<PackedMeetingsDoc>(kind).map((part) => part.find({}).toArray()))).flat();
  const byId = <T extends { _id: string; ectOwnerId: string }>(items: T[]) => items.sort((a, b) => a._id.localeCompare(b._id) || a.ectOwnerId.localeCompare(b.ectOwnerId));
  return {
    meetings: byId((await docs('meeting_records')).flatMap(unpackMeetings)),
    reflections: byId((await docs('meeting_reflections')).flatMap((doc) => [...unpackReflections(doc).values()])),
  };
}

/** Today in England and a day `days` from it, as the form's date fields send them. */
export function ukDay(days = 0): string {
  const at = new Date(Date.now() + days * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** A filled-in meeting form, as a browser posts it. */
export function meetingForm(csrf: string, fields: Record<string, string> = {}): Record<string, string> {
  return {
    _csrf: csrf,
    plan: '1.2',
    date: ukDay(-1),
    focus: 'Memory, prior knowledge and cognitive load',
    notes: 'We looked at the opening of Tuesday’s Year 8 lesson.\nThe retrieval questions went well.',
    'step-1': 'Teach the redesigned opening and note which questions pupils could not answer',
    'owner-1': 'ect',
    'due-1': ukDay(7),
    'step-2': 'Observe a colleague’s retrieval starter',
    'owner-2': 'both',
    'due-2': '',
    'step-3': '',
    'owner-3': 'ect',
    'due-3': '',
    ...fields,
  };
}
