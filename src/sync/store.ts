import { mongo } from 'mongoose';
import { chunks, collection } from '../db/collections';
import { packCompletions, unpackCompletions, type Completions } from './packing';

/** One student of one course as the store holds them after a sync. */
export interface StudentRecord {
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
  completions: Completions;
  /** Completed required self-study items in programme modules 1–9 (index 0 = module 1). */
  moduleDone: number[];
  fetchedAt: number;
}

/** The pointer document of a course: which generation of buckets is current, and the rollup totals. */
export interface CourseSyncState {
  _id: string;
  issuer: string;
  clientId: string;
  courseId: string;
  programme: 'ect' | 'mentor';
  cohort: string;
  generation: string | null;
  bucketCount: number;
  /** Buckets of a generation being written; removed by the next run if the writer died. */
  pending: { generation: string; bucketCount: number } | null;
  structureHash: string | null;
  /** Required self-study items per programme module 1–9; null where no Canvas module matched. */
  moduleTotals: (number | null)[];
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
  done: mongo.Binary;
  m: number[];
  at: number;
}

interface BucketDoc {
  _id: string;
  course: string;
  generation: string;
  students: StoredStudent[];
}

export const STUDENTS_PER_BUCKET = 100;
const READ_CONCURRENCY = 8;

const states = () => collection<CourseSyncState>('course_sync');
const buckets = () => collection<BucketDoc>('progress_buckets');
const bucketId = (course: string, generation: string, index: number) => `${course}|${generation}|${index}`;

/** FNV-1a: a stable bucket for a user, so one student's page reads one bucket. */
export function bucketOf(userId: string, bucketCount: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i += 1) hash = Math.imul(hash ^ userId.charCodeAt(i), 0x01000193) >>> 0;
  return hash % bucketCount;
}

export async function readState(course: string): Promise<CourseSyncState | null> {
  return states().findOne({ _id: course });
}

export async function listStates(): Promise<CourseSyncState[]> {
  return states().find({}).toArray();
}

export async function saveState(state: CourseSyncState): Promise<void> {
  await states().replaceOne({ _id: state._id }, state, { upsert: true });
}

function toStored(s: StudentRecord): StoredStudent {
  return { u: s.userId, n: s.name, e: s.email, s: s.sisId, l: s.loginId, sec: s.section, la: s.lastActivityAt, rc: s.requirementCompleted, rt: s.requirementTotal, done: packCompletions(s.completions), m: s.moduleDone, at: s.fetchedAt };
}

function fromStored(s: StoredStudent): StudentRecord {
  return { userId: s.u, name: s.n, email: s.e, sisId: s.s, loginId: s.l, section: s.sec, lastActivityAt: s.la, requirementCompleted: s.rc, requirementTotal: s.rt, completions: unpackCompletions(s.done), moduleDone: s.m, fetchedAt: s.at };
}

async function readBuckets(course: string, generation: string, indexes: number[]): Promise<BucketDoc[]> {
  const found: BucketDoc[] = [];
  for (const group of chunks(indexes, READ_CONCURRENCY)) {
    const docs = await Promise.all(group.map((i) => buckets().findOne({ _id: bucketId(course, generation, i) })));
    for (const doc of docs) if (doc) found.push(doc);
  }
  return found;
}

/** Every student of the course's current generation. */
export async function readStudents(state: CourseSyncState): Promise<Map<string, StudentRecord>> {
  const students = new Map<string, StudentRecord>();
  if (!state.generation) return students;
  const indexes = Array.from({ length: state.bucketCount }, (_, i) => i);
  for (const doc of await readBuckets(state._id, state.generation, indexes)) {
    for (const stored of doc.students) students.set(stored.u, fromStored(stored));
  }
  return students;
}

/** One student, reading a single bucket by `_id`. */
export async function readStudent(state: CourseSyncState, userId: string): Promise<StudentRecord | null> {
  if (!state.generation) return null;
  const [doc] = await readBuckets(state._id, state.generation, [bucketOf(userId, state.bucketCount)]);
  const stored = doc?.students.find((s) => s.u === userId);
  return stored ? fromStored(stored) : null;
}

async function deleteGeneration(course: string, generation: string, bucketCount: number): Promise<void> {
  for (let i = 0; i < bucketCount; i += 1) await buckets().deleteOne({ _id: bucketId(course, generation, i) });
}

/**
 * Writes a whole new generation and then flips the pointer, so readers never see half a sync
 * and a crash at any point leaves the previous generation current. Order: mark pending →
 * insert buckets → flip pointer (one document write) → delete the old generation.
 */
export async function writeGeneration(state: CourseSyncState, generation: string, students: StudentRecord[], changes: Partial<CourseSyncState>): Promise<CourseSyncState> {
  if (state.pending) await deleteGeneration(state._id, state.pending.generation, state.pending.bucketCount);
  const bucketCount = Math.max(1, Math.ceil(students.length / STUDENTS_PER_BUCKET));
  await saveState({ ...state, pending: { generation, bucketCount } });
  const grouped: StoredStudent[][] = Array.from({ length: bucketCount }, () => []);
  for (const student of students) grouped[bucketOf(student.userId, bucketCount)].push(toStored(student));
  const docs = grouped.map((group, i) => ({ _id: bucketId(state._id, generation, i), course: state._id, generation, students: group }));
  for (const part of chunks(docs, 10)) await buckets().insertMany(part, { ordered: true });
  const next: CourseSyncState = { ...state, ...changes, generation, bucketCount, pending: null, studentCount: students.length };
  await saveState(next);
  if (state.generation && state.generation !== generation) await deleteGeneration(state._id, state.generation, state.bucketCount);
  return next;
}

export function emptyState(base: Pick<CourseSyncState, '_id' | 'issuer' | 'clientId' | 'courseId' | 'programme' | 'cohort'>): CourseSyncState {
  return { ...base, generation: null, bucketCount: 0, pending: null, structureHash: null, moduleTotals: Array(9).fill(null), studentCount: 0, syncedAt: null, lastFullAt: null, lastAttemptAt: null, lastError: null, lastRunId: null };
}
