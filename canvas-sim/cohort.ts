import { SimulatorUsageError } from './errors';
import { createRandom, type Random } from './prng';

export type ItemType = 'SubHeader' | 'Page' | 'Quiz' | 'Assignment' | 'ExternalUrl' | 'File';
export type RequirementType = 'must_view' | 'must_submit' | 'min_score' | 'must_mark_done';
/** What an item is in programme terms, as the generator made it. */
export type ItemKind = 'self-study' | 'mentor-meeting' | 'event' | 'audit' | 'header';

export interface CompletionRequirement {
  type: RequirementType;
  min_score?: number;
}

export interface SimItem {
  id: string;
  title: string;
  type: ItemType;
  position: number;
  indent: number;
  /** Canvas exposes no content id for pages, sub-headers and external URLs. */
  contentId: string | null;
  pageUrl?: string;
  externalUrl?: string;
  requirement: CompletionRequirement | null;
  /**
   * Recorded when the item is built, never sent to clients: the ground truth counts by it, so
   * a product that classifies titles wrongly disagrees with the truth.
   */
  kind: ItemKind;
}

export interface SimModule {
  id: string;
  name: string;
  position: number;
  requireSequentialProgress: boolean;
  items: SimItem[];
  /** The programme module the generator built this as, or null for course furniture such as "Induction". */
  programmeModule: number | null;
}

export interface SimUser {
  id: string;
  name: string;
  sortableName: string;
  shortName: string;
  sisUserId: string;
  loginId: string;
  email: string;
}

export interface SimSection {
  id: string;
  name: string;
}

export type SimEnrollmentType = 'StudentEnrollment' | 'TeacherEnrollment';
export type SimEnrollmentState = 'active' | 'inactive' | 'deleted';

export interface SimEnrollment {
  id: string;
  userId: string;
  sectionId: string;
  type: SimEnrollmentType;
  state: SimEnrollmentState;
  lastActivityAt: string | null;
}

export interface SimCourse {
  id: string;
  name: string;
  courseCode: string;
  modules: SimModule[];
  /** How many modules the programme this course delivers has; the course may build fewer of them. */
  programmeModuleCount: number;
  sections: SimSection[];
  enrollments: SimEnrollment[];
  /**
   * userId → (required item id → when it was met, epoch ms to the second). Only required
   * items are recorded; times are formatted only when a response shows them.
   */
  completions: Map<string, Map<string, number>>;
  /** Bumped whenever enrollments are added or change state, so cached rosters are rebuilt. */
  rosterVersion: number;
  /**
   * userId → items that student cannot see (assigned to others only, as Canvas's
   * differentiated items are): they are neither shown to nor required of that student.
   */
  hiddenItems?: Record<string, string[]>;
}

/**
 * Plain data only (no functions or classes), so the simulator can `structuredClone` it and
 * two simulators started from one cohort never share state.
 */
export interface Cohort {
  courses: SimCourse[];
  users: Map<string, SimUser>;
  /** The account the API token belongs to (`GET /users/self`). */
  syncUser: SimUser;
  /** The cohort's "now": last-activity and completion times are spread before it. */
  now: string;
  largeIds: boolean;
  nextId: number;
}

export interface CohortOptions {
  seed: number | string;
  courses: number;
  studentsPerCourse: number;
  /** Students of each course, when they differ (its length must equal `courses`); `studentsPerCourse` is then ignored. */
  courseSizes?: number[];
  /** Programme modules per course, at most the programme's nine (default all of them). */
  modules?: number;
  itemsPerModule?: number;
  sectionsPerCourse?: number;
  /** Canvas global-style ids (shard 2107), above 2^53, as on Instructure-hosted Canvas. */
  largeIds?: boolean;
  /** Adds a non-programme "Induction" module first, as real ECF courses have. */
  induction?: boolean;
  now?: Date;
}

export const ECF_MODULE_TITLES = [
  'Enabling pupil learning',
  'Engaging pupils in learning',
  'Developing quality pedagogy',
  'Making productive use of assessment',
  'Fulfilling professional responsibilities (I)',
  'Enquiry into enabling pupil learning',
  'Enquiry into engaging pupils in learning',
  'Enquiry into developing quality pedagogy and making productive use of assessment',
  'Fulfilling professional responsibilities (II)',
] as const;

const TOPICS: readonly (readonly string[])[] = [
  ['High expectations', 'How pupils learn', 'Memory and cognitive load', 'Routines and behaviour'],
  ['Motivation and belonging', 'Classroom talk', 'Questioning', 'Routines that engage'],
  ['Explanations and modelling', 'Scaffolding', 'Subject knowledge', 'Adaptive teaching'],
  ['Checking for understanding', 'Feedback that moves learning', 'Formative assessment', 'Marking with purpose'],
  ['Working with colleagues', 'Wellbeing and workload', 'Working with parents', 'Your professional development'],
];
const ENQUIRY_TOPICS = ['Framing an enquiry question', 'Gathering evidence', 'Analysing impact', 'Sharing findings'];
const MEETING_TOPICS = [
  'Reviewing the module audit',
  'Planning deliberate practice',
  'Observing and giving feedback',
  'Reflecting and agreeing next steps',
];
const EVENT_KINDS = ['face-to-face session', 'online workshop', 'peer network'];
const FIRST_NAMES = [
  'Amira', 'Ben', 'Chloe', 'Daniel', 'Ellie', 'Farah', 'George', 'Hannah', 'Isaac', 'Jade',
  'Kwame', 'Lily', 'Mohammed', 'Niamh', 'Oliver', 'Priya', 'Rhys', 'Sophie', 'Tomasz', 'Zara',
];
const LAST_NAMES = [
  'Ahmed', 'Begum', 'Clarke', 'Davies', 'Evans', 'Fletcher', 'Green', 'Hughes', 'Iqbal', 'Jones',
  'Khan', 'Lewis', 'Murphy', 'Nowak', "O'Brien", 'Patel', 'Roberts', 'Smith', 'Taylor', 'Williams',
];
const DAY_MS = 86_400_000;
/** Shard 2107 in Canvas's global id scheme: shard × 10^13 + local id. */
const GLOBAL_ID_BASE = 2107n * 10n ** 13n;

/** Canvas writes times as ISO 8601 in UTC to the second, without milliseconds. */
export function canvasTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Mints the next id in the cohort's id space; shared with the simulator's `addStudent`. */
export function mintId(cohort: Pick<Cohort, 'largeIds' | 'nextId'>): string {
  const local = cohort.nextId;
  cohort.nextId += 1;
  return cohort.largeIds ? (GLOBAL_ID_BASE + BigInt(local)).toString() : String(local);
}

/** Builds a person with realistic, unique-looking personal fields from a sequence number. */
export function makeUser(cohort: Pick<Cohort, 'largeIds' | 'nextId'>, random: Random, serial: number): SimUser {
  const first = random.pick(FIRST_NAMES);
  const last = random.pick(LAST_NAMES);
  const handle = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
  const email = `${handle}${serial}@school${random.int(1, 400)}.example.org`;
  return {
    id: mintId(cohort),
    name: `${first} ${last}`,
    sortableName: `${last}, ${first}`,
    // Canvas defaults the short (display) name to the full name.
    shortName: `${first} ${last}`,
    sisUserId: `ECF${String(100000 + serial)}`,
    loginId: email,
    email,
  };
}

function requirementFor(type: ItemType, random: Random): CompletionRequirement {
  switch (type) {
    case 'Quiz':
      return random.chance(0.7) ? { type: 'min_score', min_score: random.pick([60, 70, 80]) } : { type: 'must_submit' };
    case 'Assignment':
      return { type: 'must_submit' };
    case 'Page':
      return random.chance(0.3) ? { type: 'must_mark_done' } : { type: 'must_view' };
    default:
      return { type: 'must_view' };
  }
}

function buildItem(
  cohort: Cohort,
  title: string,
  type: ItemType,
  kind: ItemKind,
  position: number,
  requirement: CompletionRequirement | null,
): SimItem {
  const id = mintId(cohort);
  const hasContentId = type === 'Quiz' || type === 'Assignment' || type === 'File';
  return {
    id,
    title,
    type,
    position,
    indent: type === 'SubHeader' ? 0 : 1,
    contentId: hasContentId ? mintId(cohort) : null,
    pageUrl: type === 'Page' ? title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') : undefined,
    externalUrl: type === 'ExternalUrl' ? `https://media.example.org/ecf/${id}` : undefined,
    requirement,
    kind,
  };
}

function buildProgrammeModule(cohort: Cohort, random: Random, n: number, position: number, itemsPerModule: number): SimModule {
  const title = ECF_MODULE_TITLES[n - 1];
  const topics = n <= TOPICS.length ? TOPICS[n - 1] : ENQUIRY_TOPICS;
  const items: SimItem[] = [];
  const add = (itemTitle: string, type: ItemType, kind: ItemKind, requirement: CompletionRequirement | null): void => {
    items.push(buildItem(cohort, itemTitle, type, kind, items.length + 1, requirement));
  };

  add('Self-directed study', 'SubHeader', 'header', null);
  const selfStudyCount = Math.max(1, itemsPerModule - 5);
  const kinds: readonly [ItemType, string][] = [
    ['Page', 'Reading'],
    ['ExternalUrl', 'Video'],
    ['Quiz', 'Knowledge check'],
    ['Assignment', 'Practice task'],
    ['File', 'Resource'],
  ];
  for (let k = 1; k <= selfStudyCount; k += 1) {
    const [type, label] = random.pick(kinds);
    // Downloadable resources are often left optional; a few other items too.
    const optional = type === 'File' ? random.chance(0.5) : random.chance(0.05);
    add(`${n}.${k} ${label}: ${random.pick(topics)}`, type, 'self-study', optional ? null : requirementFor(type, random));
  }
  const meetings = random.int(1, 2);
  for (let m = 1; m <= meetings; m += 1) {
    add(`Mentor meeting ${m}: ${MEETING_TOPICS[(n + m) % MEETING_TOPICS.length]}`, 'Page', 'mentor-meeting', { type: 'must_mark_done' });
  }
  // Attendance at events is recorded outside Canvas, so the item carries no requirement.
  add(`Training event: ${title} (${random.pick(EVENT_KINDS)})`, 'Page', 'event', null);
  add(`Module ${n} audit`, 'Assignment', 'audit', { type: 'must_submit' });

  return { id: mintId(cohort), name: `Module ${n}: ${title}`, position, requireSequentialProgress: false, items, programmeModule: n };
}

function buildInductionModule(cohort: Cohort): SimModule {
  const items = [
    buildItem(cohort, 'Welcome', 'SubHeader', 'header', 1, null),
    buildItem(cohort, 'Welcome to the Early Career Framework', 'Page', 'self-study', 2, { type: 'must_view' }),
    buildItem(cohort, 'How this course works', 'Page', 'self-study', 3, { type: 'must_mark_done' }),
    buildItem(cohort, 'Programme handbook', 'File', 'self-study', 4, null),
  ];
  return { id: mintId(cohort), name: 'Induction', position: 1, requireSequentialProgress: true, items, programmeModule: null };
}

/** Required items in course order: the order students mostly work through them. */
export function requiredItems(course: SimCourse): SimItem[] {
  return course.modules.flatMap((module) => module.items.filter((item) => item.requirement !== null));
}

/**
 * Gives one student a completion set: most are part-way, some have barely started and some
 * have finished. Completion mostly follows course order, with a few gaps and jumps ahead.
 */
function generateProgress(
  required: readonly SimItem[],
  random: Random,
  now: number,
): { completed: Map<string, number>; lastActivityAt: string | null } {
  const roll = random.next();
  const fraction = roll < 0.1 ? random.next() * 0.05 : roll < 0.25 ? 1 : 0.1 + random.next() * 0.85;
  const reach = Math.round(fraction * required.length);
  const completed = new Map<string, number>();
  const lastActivity = now - random.int(0, 45) * DAY_MS - random.int(0, DAY_MS - 1);
  const start = lastActivity - 300 * DAY_MS;
  required.forEach((item, index) => {
    const done = fraction === 1 || (index < reach ? !random.chance(0.05) : random.chance(0.02));
    if (done) {
      const at = start + ((index + 1) / required.length) * (lastActivity - start);
      completed.set(item.id, Math.floor(at / 1000) * 1000);
    }
  });
  const neverVisited = completed.size === 0 && random.chance(0.6);
  return { completed, lastActivityAt: neverVisited ? null : canvasTime(lastActivity) };
}

/**
 * Generates a deterministic cohort: equal options give equal data, ids included.
 * @param opts seed, course and student counts, and shape of the course.
 * @returns plain data for `startCanvasSimulator`.
 */
export function generateCohort(opts: CohortOptions): Cohort {
  const random = createRandom(opts.seed);
  const modulesPerCourse = opts.modules ?? ECF_MODULE_TITLES.length;
  if (modulesPerCourse > ECF_MODULE_TITLES.length) {
    throw new SimulatorUsageError(`the programme has ${ECF_MODULE_TITLES.length} modules; ${modulesPerCourse} were asked for`);
  }
  const itemsPerModule = opts.itemsPerModule ?? 15;
  if (opts.courseSizes && opts.courseSizes.length !== opts.courses) {
    throw new SimulatorUsageError(`courseSizes names ${opts.courseSizes.length} courses; ${opts.courses} were asked for`);
  }
  const sizeOf = (course: number) => opts.courseSizes?.[course] ?? opts.studentsPerCourse;
  const now = (opts.now ?? new Date(Date.UTC(2025, 2, 3, 9, 0, 0))).getTime();
  const cohort: Cohort = {
    courses: [],
    users: new Map(),
    syncUser: {
      id: '',
      name: 'ECF Progress Sync',
      sortableName: 'Sync, ECF Progress',
      shortName: 'ECF Progress Sync',
      sisUserId: 'SVC-ECF-SYNC',
      loginId: 'ecf-sync@provider.example.org',
      email: 'ecf-sync@provider.example.org',
    },
    now: canvasTime(now),
    largeIds: opts.largeIds ?? false,
    nextId: 101,
  };
  cohort.syncUser.id = mintId(cohort);
  let serial = 0;

  for (let c = 0; c < opts.courses; c += 1) {
    const letter = String.fromCharCode(65 + (c % 26));
    const modules: SimModule[] = [];
    const sectionsPerCourse = opts.sectionsPerCourse ?? Math.max(1, Math.min(8, Math.ceil(sizeOf(c) / 25)));
    if (opts.induction ?? true) modules.push(buildInductionModule(cohort));
    for (let n = 1; n <= modulesPerCourse; n += 1) {
      modules.push(buildProgrammeModule(cohort, random, n, modules.length + 1, itemsPerModule));
    }
    const sections = Array.from({ length: sectionsPerCourse }, (_, s) => ({
      id: mintId(cohort),
      name: `Group ${String.fromCharCode(65 + (s % 26))}${s >= 26 ? Math.floor(s / 26) + 1 : ''}`,
    }));
    const course: SimCourse = {
      id: mintId(cohort),
      name: `Early Career Teacher Development Programme: cohort ${letter}`,
      courseCode: `ECF-TD-${letter}`,
      modules,
      programmeModuleCount: ECF_MODULE_TITLES.length,
      sections,
      enrollments: [],
      completions: new Map(),
      rosterVersion: 0,
    };
    const required = requiredItems(course);

    for (let t = 0; t < 2; t += 1) {
      serial += 1;
      const teacher = makeUser(cohort, random, serial);
      cohort.users.set(teacher.id, teacher);
      course.enrollments.push({
        id: mintId(cohort),
        userId: teacher.id,
        sectionId: sections[0].id,
        type: 'TeacherEnrollment',
        state: 'active',
        lastActivityAt: canvasTime(now - random.int(0, 3) * DAY_MS),
      });
    }
    for (let s = 0; s < sizeOf(c); s += 1) {
      serial += 1;
      const student = makeUser(cohort, random, serial);
      cohort.users.set(student.id, student);
      const progress = generateProgress(required, random, now);
      course.completions.set(student.id, progress.completed);
      course.enrollments.push({
        id: mintId(cohort),
        userId: student.id,
        sectionId: random.pick(sections).id,
        type: 'StudentEnrollment',
        state: 'active',
        lastActivityAt: progress.lastActivityAt,
      });
    }
    cohort.courses.push(course);
  }
  return cohort;
}
