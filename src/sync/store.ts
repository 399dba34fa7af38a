import crypto from 'node:crypto';
import { mongo } from 'mongoose';
import { chunks } from '../db/collections';
import type { Store } from '../db/store';
import type { ModuleItem } from '../completion';
import { packCompletions, unpackCompletions, type Completions } from './packing';

/** Who a student is in Canvas and Canvas's own counts for them. */
export interface StudentIdentity {
  userId: string;
  name: string | null;
  email: string | null;
  sisId: string | null;
  loginId: string | null;
  section: string | null;
  lastActivityAt: string | null;
  /** Canvas's own requirement counts (all requirement types), used to spot who changed. */
  requirementCompleted: number;
  requirementTotal: number;
}

/** One student of one course as the store holds them after a sync. */
export interface StudentRecord extends StudentIdentity {
  completions: Completions;
  /** The course's required items Canvas hides from this student (differentiated items). */
  hiddenItemIds: string[];
  /** Required self-study items visible to this student per programme module, in the programme's module order; null where no Canvas module matched. */
  moduleRequired: (number | null)[];
  /** Completed required self-study items per programme module, in the same order. */
  moduleDone: number[];
  fetchedAt: number;
}

/** The pointer document of a course: which generation of buckets is current, and the rollup totals. */
export interface CourseSyncState {
  _id: string;
  issuer: string;
  clientId: string;
  courseId: string;
  /** The course's name in Canvas, as the last sync read it; absent or null before that (pages say "Course <id>"). */
  courseName?: string | null;
  programme: 'ect' | 'mentor';
  cohort: string;
  /** The collection holding the current generation's buckets. */
  generation: string | null;
  bucketCount: number;
  /** A generation being written; dropped by the next run if the writer died. */
  pending: string | null;
  /** The generation the current one replaced: dropped right after the flip, and again by the next run in case the writer died between the two. */
  retired: string | null;
  structureHash: string | null;
  /** Required self-study items per programme module, course-wide, in the programme's module order; null where no Canvas module matched. */
  moduleTotals: (number | null)[];
  /** Required self-study items per programme module in course order, with titles; absent before the participant pages. */
  moduleItems?: ModuleItem[];
  /** Canvas's address, for links straight to an item. */
  canvasUrl?: string;
  studentCount: number;
  syncedAt: Date | null;
  lastFullAt: Date | null;
  lastAttemptAt: Date | null;
  lastError: string | null;
  lastRunId: string | null;
}

interface StoredStudent {
  u: string;
  n: string | null;
  e: string | null;
  s: string | null;
  l: string | null;
  sec: string | null;
  la: string | null;
  rc: number;
  rt: number;
  /** Completions packed by packCompletions, base64. */
  done: string;
  /** Hidden required item ids; absent in generations written before per-student denominators. */
  h?: string[];
  /** Per-student required self-study per module; absent in those older generations. */
  r?: (number | null)[];
  m: number[];
  at: number;
}

/**
 * Up to 100 students in one Binary field: FerretDB decodes one Binary about ten times faster
 * than the thousands of small fields the same students would be as subdocuments.
 */
interface BucketDoc {
  _id: string;
  students: mongo.Binary;
}

export const STUDENTS_PER_BUCKET = 100;

/** FNV-1a: a stable bucket for a user, so one student's page reads one bucket. */
export function bucketOf(userId: string, bucketCount: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i += 1) hash = Math.imul(hash ^ userId.charCodeAt(i), 0x01000193) >>> 0;
  return hash % bucketCount;
}

/** One collection per course generation: dropping a whole generation costs one command. */
export function generationName(course: string, runId: string): string {
  const digest = crypto.createHash('sha256').update(course).digest('hex').slice(0, 16);
  return `progress_${digest}_${runId.replace(/[^A-Za-z0-9]/g, '')}`;
}

function toStored(s: StudentRecord): StoredStudent {
  return { u: s.userId, n: s.name, e: s.email, s: s.sisId, l: s.loginId, sec: s.section, la: s.lastActivityAt, rc: s.requirementCompleted, rt: s.requirementTotal, done: packCompletions(s.completions).toString('base64'), h: s.hiddenItemIds, r: s.moduleRequired, m: s.moduleDone, at: s.fetchedAt };
}

function fromStored(s: StoredStudent): StudentRecord {
  return { userId: s.u, name: s.n, email: s.e, sisId: s.s, loginId: s.l, section: s.sec, lastActivityAt: s.la, requirementCompleted: s.rc, requirementTotal: s.rt, completions: unpackCompletions(Buffer.from(s.done, 'base64')), hiddenItemIds: s.h ?? [], moduleRequired: s.r ?? [], moduleDone: s.m, fetchedAt: s.at };
}

function unpackBucket(doc: BucketDoc): StoredStudent[] {
  return JSON.parse(Buffer.from(doc.students.buffer).toString('utf8')) as StoredStudent[];
}

/** The sync's pointers (`ecf_course_sync`) and its generations of buckets. */
export class SyncStore {
  constructor(private readonly store: Store) {}

  private get states() {
    return this.store.collection<CourseSyncState>('course_sync');
  }

  private generationOf(name: string) {
    return this.store.collection<BucketDoc>(name);
  }

  async readState(course: string): Promise<CourseSyncState | null> {
    return this.states.findOne({ _id: course });
  }

  async listStates(): Promise<CourseSyncState[]> {
    return this.states.find({}).toArray();
  }

  async saveState(state: CourseSyncState): Promise<void> {
    await this.states.replaceOne({ _id: state._id }, state, { upsert: true });
  }

  /** Every student of the course's current generation, in one query. */
  async readStudents(state: CourseSyncState): Promise<Map<string, StudentRecord>> {
    const students = new Map<string, StudentRecord>();
    if (!state.generation) return students;
    for (const doc of await this.generationOf(state.generation).find({}).toArray()) {
      for (const stored of unpackBucket(doc)) students.set(stored.u, fromStored(stored));
    }
    return students;
  }

  /** One student, reading a single bucket by `_id`. */
  async readStudent(state: CourseSyncState, userId: string): Promise<StudentRecord | null> {
    if (!state.generation) return null;
    const doc = await this.generationOf(state.generation).findOne({ _id: String(bucketOf(userId, state.bucketCount)) });
    const stored = doc ? unpackBucket(doc).find((s) => s.u === userId) : undefined;
    return stored ? fromStored(stored) : null;
  }

  private async dropGeneration(name: string): Promise<void> {
    try {
      await this.generationOf(name).drop();
    } catch (error) {
      // Already gone (a crash after the drop, or never created): nothing to do.
      if ((error as { codeName?: string }).codeName !== 'NamespaceNotFound' && (error as { code?: number }).code !== 26) throw error;
    }
  }

  /**
   * Writes a whole new generation and then flips the pointer, so readers never see half a sync
   * and a crash at any point leaves the previous generation current. Order: mark pending →
   * insert buckets into a fresh collection → flip pointer (one document write) → drop the old one.
   */
  async writeGeneration(state: CourseSyncState, runId: string, students: StudentRecord[], changes: Partial<CourseSyncState>): Promise<CourseSyncState> {
    if (state.pending) await this.dropGeneration(state.pending);
    if (state.retired) await this.dropGeneration(state.retired);
    const generation = generationName(state._id, runId);
    const bucketCount = Math.max(1, Math.ceil(students.length / STUDENTS_PER_BUCKET));
    await this.saveState({ ...state, pending: generation });
    const grouped: StoredStudent[][] = Array.from({ length: bucketCount }, () => []);
    for (const student of students) grouped[bucketOf(student.userId, bucketCount)].push(toStored(student));
    const docs = grouped.map((group, i) => ({ _id: String(i), students: new mongo.Binary(Buffer.from(JSON.stringify(group))) }));
    for (const part of chunks(docs, 10)) await this.generationOf(generation).insertMany(part, { ordered: true });
    const retired = state.generation && state.generation !== generation ? state.generation : null;
    const next: CourseSyncState = { ...state, ...changes, generation, bucketCount, pending: null, retired, studentCount: students.length };
    await this.saveState(next);
    if (retired) await this.dropGeneration(retired);
    return next;
  }

  /**
   * Deletes everything the sync keeps for one course: its generations and its pointer.
   * @returns how many students the current generation held (0 when the course was never synced).
   */
  async deleteCourseData(course: string): Promise<number> {
    const state = await this.readState(course);
    if (!state) return 0;
    for (const name of [state.pending, state.retired, state.generation]) if (name) await this.dropGeneration(name);
    await this.states.deleteOne({ _id: course });
    return state.studentCount;
  }
}

export function emptyState(base: Pick<CourseSyncState, '_id' | 'issuer' | 'clientId' | 'courseId' | 'programme' | 'cohort'>): CourseSyncState {
  return { ...base, generation: null, bucketCount: 0, pending: null, retired: null, structureHash: null, moduleTotals: [], studentCount: 0, syncedAt: null, lastFullAt: null, lastAttemptAt: null, lastError: null, lastRunId: null };
}
