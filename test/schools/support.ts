import request from 'supertest';
import type { DemoUser } from '../../dev-platform/demo-data';
import { COHORT, GROUP_A, GROUP_B, type World } from '../participants/world';

export const SCHOOL_X = '131245';
export const SCHOOL_Y = '222222';
export const X_NAME = 'Brookfield Primary School';
export const Y_NAME = 'Hillside Academy';
/** Names that belong to school Y only: none may appear on anything school X sees. */
export const Y_PEOPLE = ['Other Ect', 'Other Mentor'];

const OBSERVER = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor';
const SYSTEM_USER = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#User';

/**
 * Two schools: the platform's ECT and mentor (group A) at X, the other ECT and mentor (group
 * B) at Y, each ECT paired with their own school's mentor.
 */
export async function splitIntoTwoSchools(w: World): Promise<void> {
  const schools = await w.t.runtime.stores.schools.import(
    ['urn,name,delivery_partner,contact_emails', `${SCHOOL_X},${X_NAME},Northern Lights,office@example.org`, `${SCHOOL_Y},${Y_NAME},Northern Lights,head@hillside.example.org`].join('\n'),
  );
  if (schools.bad.length) throw new Error(JSON.stringify(schools.bad));
  const { ect, mentor } = w.platform.users;
  const row = (id: string, email: string, name: string, role: string, urn: string, group: string, mentorEmail = '') => [id, '', email, name, role, urn, COHORT, group, mentorEmail, 'active'].join(',');
  const roster = await w.t.runtime.stores.roster.import(
    [
      'canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status',
      row(mentor.canvasUserId, mentor.email, mentor.name, 'mentor', SCHOOL_X, GROUP_A),
      row(ect.canvasUserId, ect.email, ect.name, 'ect', SCHOOL_X, GROUP_A, mentor.email),
      row(w.otherMentor.id, w.otherMentor.email, 'Other Mentor', 'mentor', SCHOOL_Y, GROUP_B),
      row(w.otherEct.id, w.otherEct.email, 'Other Ect', 'ect', SCHOOL_Y, GROUP_B, w.otherMentor.email),
    ].join('\n'),
  );
  if (roster.bad.length) throw new Error(JSON.stringify(roster.bad));
  await w.t.runtime.stores.readModel.refreshCohort(COHORT);
  await w.t.runtime.boards.refreshCohort(COHORT);
}

/** A Canvas user with no ECF role (an observer), as the platform would launch them. */
export function observer(w: World, who: { canvasUserId: string; email: string; name: string }): DemoUser {
  const base = w.platform.users.facilitator;
  return { ...base, sub: `observer-${who.canvasUserId}`, lti11Id: `observer11-${who.canvasUserId}`, canvasUserId: who.canvasUserId, loginId: who.email, sisId: '', name: who.name, givenName: who.name, familyName: '', email: who.email, canvasMembershipRoles: 'ObserverEnrollment', roles: [OBSERVER, SYSTEM_USER], custom: {} };
}

/** Opens a school link as a browser would: the 303 into a new session; returns the session's base path. */
export async function openLink(w: World, url: string): Promise<string> {
  const { pathname, search } = new URL(url);
  const opened = await request(w.t.url).get(pathname + search).expect(303);
  const location = opened.headers.location as string;
  expect(location).toMatch(/^\/s\/[A-Za-z0-9_-]{32}\/school$/);
  return location.replace(/school$/, '');
}
