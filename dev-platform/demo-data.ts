import { ROLE } from './constants';

export type DemoUserKey = 'ect' | 'mentor' | 'facilitator' | 'admin' | 'school';

export interface DemoUser {
  key: DemoUserKey;
  /** The LTI 1.3 user id (`sub`). */
  sub: string;
  /** The LTI 1.1 user id: Canvas sends it as `login_hint` and `lti11_legacy_user_id`. */
  lti11Id: string;
  canvasUserId: string;
  loginId: string;
  sisId: string;
  name: string;
  givenName: string;
  familyName: string;
  email: string;
  /** What `$Canvas.membership.roles` expands to. */
  canvasMembershipRoles: string;
  roles: readonly string[];
  /** Custom fields this user's launches carry on top of the registration's. */
  custom: Readonly<Record<string, string>>;
  /** The course this user launches from: mentors from the mentor course, everyone else from the ECT course. */
  course: DemoCourse;
}

export interface DemoCourse {
  /** The course's `lti_context_id`: `context.id` in the id_token. */
  contextId: string;
  canvasCourseId: string;
  title: string;
  label: string;
}

export interface DemoAccount {
  /** The root account's `lti_context_id`: the second half of an account-level deployment id. */
  ltiContextId: string;
  /** `tool_platform.guid`. */
  ltiGuid: string;
  name: string;
}

// Fixed ids, so a demo database and test expectations survive platform restarts.
export const DEMO_COURSE: DemoCourse = {
  contextId: '098193f99a3278d2eaa9e3d6aa1bd35a68aebe4e',
  canvasCourseId: '1042',
  title: 'ECF Teacher Development 2024/25',
  label: 'ECF-TD-2425',
};

export const DEMO_MENTOR_COURSE: DemoCourse = {
  contextId: '5f2b7c0e4d1a9b8c3e6f0a2d4b7c9e1f3a5b8d0c',
  canvasCourseId: '1043',
  title: 'ECF Mentor Development 2024/25',
  label: 'ECF-MD-2425',
};

export const DEMO_USERS: Readonly<Record<DemoUserKey, DemoUser>> = {
  ect: {
    key: 'ect',
    sub: '9bb1949d-9b91-4ba5-842f-26cc3e5c0a51',
    lti11Id: '3200f59654daceed1c4a9f704a7fdc09055601fa',
    canvasUserId: '2001',
    loginId: 'amira.khan',
    sisId: 'ECF-ECT-0001',
    name: 'Amira Khan',
    givenName: 'Amira',
    familyName: 'Khan',
    email: 'amira.khan@example.org',
    canvasMembershipRoles: 'StudentEnrollment',
    roles: [ROLE.institutionStudent, ROLE.learner, ROLE.systemUser],
    custom: { ecf_programme: 'ect' },
    course: DEMO_COURSE,
  },
  mentor: {
    key: 'mentor',
    sub: '2525504c-4dd1-4ab5-90d9-1a89dbd43881',
    lti11Id: '161e3fe35960edd3524adb83b40d53084c7320a1',
    canvasUserId: '2002',
    loginId: 'ben.okafor',
    sisId: 'ECF-MEN-0001',
    name: 'Ben Okafor',
    givenName: 'Ben',
    familyName: 'Okafor',
    email: 'ben.okafor@example.org',
    canvasMembershipRoles: 'StudentEnrollment',
    roles: [ROLE.institutionStudent, ROLE.learner, ROLE.systemUser],
    custom: { ecf_programme: 'mentor' },
    course: DEMO_MENTOR_COURSE,
  },
  facilitator: {
    key: 'facilitator',
    sub: 'eee56ddd-f126-4273-9c1c-14edc1fa4181',
    lti11Id: '08fc45f3bdc6973cecbb44eda91c15bf9ba3aee5',
    canvasUserId: '2003',
    loginId: 'carys.evans',
    sisId: 'ECF-FAC-0001',
    name: 'Carys Evans',
    givenName: 'Carys',
    familyName: 'Evans',
    email: 'carys.evans@example.org',
    canvasMembershipRoles: 'TeacherEnrollment',
    roles: [ROLE.institutionInstructor, ROLE.instructor, ROLE.systemUser],
    custom: {},
    course: DEMO_COURSE,
  },
  admin: {
    key: 'admin',
    sub: '7d1ce299-743b-47ac-bf92-315dcfeb8e47',
    lti11Id: '7dcf87079a7b0342a9c428cce674dc4b9804a279',
    canvasUserId: '2004',
    loginId: 'dev.admin',
    sisId: 'ECF-ADM-0001',
    name: 'Dana Admin',
    givenName: 'Dana',
    familyName: 'Admin',
    email: 'dana.admin@example.org',
    canvasMembershipRoles: 'Account Admin',
    roles: [ROLE.institutionAdministrator, ROLE.systemUser],
    custom: {},
    course: DEMO_COURSE,
  },
  // An induction tutor with a Canvas observer enrolment: the demo lists their email as a school contact.
  school: {
    key: 'school',
    sub: 'c3f1a6de-5b2e-4f0a-9d1c-8e7b6a5f4d32',
    lti11Id: '5a9e2c7b1d3f4e6a8b0c2d4e6f8a0b1c3d5e7f90',
    canvasUserId: '2005',
    loginId: 'elin.morgan',
    sisId: 'ECF-SCH-0001',
    name: 'Elin Morgan',
    givenName: 'Elin',
    familyName: 'Morgan',
    email: 'elin.morgan@example.org',
    canvasMembershipRoles: 'ObserverEnrollment',
    roles: [ROLE.observer, ROLE.systemUser],
    custom: {},
    course: DEMO_COURSE,
  },
};

export const DEMO_ACCOUNT: DemoAccount = {
  ltiContextId: 'b6d777af4accfc6fecc9935af1243ccf313e1ff3',
  ltiGuid: '7ydsKWs-WZbGiy53eYbQtOtD0Lg:canvas-lms',
  name: 'Development Canvas',
};

/** The student an assignment in this course is launched as (the ECT, or the mentor in the mentor course). */
export function demoStudentOf(canvasCourseId: string): DemoUser | undefined {
  return Object.values(DEMO_USERS).find((user) => user.course.canvasCourseId === canvasCourseId && user.roles.includes(ROLE.learner));
}
