import crypto from 'node:crypto';
import { mongo } from 'mongoose';
import { packText, unpackText } from '../db/packed';
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

/** FNV-1a: a stable bucket for a key, so one participant's page reads one bucket (the read model's buckets). */
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
  return JSON.parse(unpackText(doc.students)) as StoredStudent[];
}

/** The `_id` of the document listing a generation's students, read before the buckets so a sync can start at once. */
const MEMBERS_ID = 'members';

interface MembersDoc {
  _id: typeof MEMBERS_ID;
  userIds: string[];
}

type GenerationDoc = BucketDoc | MembersDoc;

function isMembers(doc: { _id: string }): doc is MembersDoc {
  return doc._id === MEMBERS_ID;
}

/** The sync's pointers (`ecf_course_sync`) and its generations of buckets. */
export class SyncStore {
  /**
   * The generation each course's last commit in this process wrote, so what runs right after
   * (the read model's rebuild) need not read it back. Generations never change once written,
   * so a generation's name is a safe key; `forgetWritten` ends each run's use of it.
   */
  private readonly written = new Map<string, { generation: string; students: ReadonlyMap<string, StudentRecord> }>();

  constructor(private readonly store: Store) {}

  private get states() {
    return this.store.collection<CourseSyncState>('course_sync');
  }

  generationOf(name: string) {
    return this.store.collection<GenerationDoc>(name);
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

  /** Every student of the course's current generation, in one query (or none, when this process just wrote it). */
  async readStudents(state: CourseSyncState): Promise<Map<string, StudentRecord>> {
    if (!state.generation) return new Map();
    const written = this.written.get(state._id);
    if (written?.generation === state.generation) return new Map(written.students);
    const students = new Map<string, StudentRecord>();
    for (const doc of await this.generationOf(state.generation).find({}).toArray()) {
      if (!isMembers(doc)) for (const stored of unpackBucket(doc as BucketDoc)) students.set(stored.u, fromStored(stored));
    }
    return students;
  }

  /**
   * The user ids of the course's current generation, from one small document; null when the
   * generation predates that document (the caller reads the students instead).
   */
  async readMembers(state: CourseSyncState): Promise<string[] | null> {
    if (!state.generation) return [];
    const written = this.written.get(state._id);
    if (written?.generation === state.generation) return [...written.students.keys()];
    const doc = await this.generationOf(state.generation).findOne({ _id: MEMBERS_ID });
    return doc && isMembers(doc) ? doc.userIds : null;
  }

  /** Lets go of the generations this process wrote (see `written`). */
  forgetWritten(): void {
    this.written.clear();
  }

  /** @internal for GenerationWriter */
  remember(course: string, generation: string, students: ReadonlyMap<string, StudentRecord>): void {
    this.written.set(course, { generation, students });
  }

  async dropGeneration(name: string): Promise<void> {
    try {
      await this.generationOf(name).drop();
    } catch (error) {
      // Already gone (a crash after the drop, or never created): nothing to do.
      if ((error as { codeName?: string }).codeName !== 'NamespaceNotFound' && (error as { code?: number }).code !== 26) throw error;
    }
  }

  /** Starts a new generation of the course; see GenerationWriter. */
  startGeneration(state: CourseSyncState, runId: string): GenerationWriter {
    return new GenerationWriter(this, state, runId);
  }

  /** Writes a whole generation at once (tools and benches that have every student in hand). */
  async writeGeneration(state: CourseSyncState, runId: string, students: StudentRecord[], changes: Partial<CourseSyncState>): Promise<CourseSyncState> {
    const writer = this.startGeneration(state, runId);
    writer.add(students);
    return writer.commit(changes);
  }

  /**
   * Deletes everything the sync keeps for one course: its generations and its pointer.
   * @returns how many students the current generation held (0 when the course was never synced).
   */
  async deleteCourseData(course: string): Promise<number> {
    const state = await this.readState(course);
    this.written.delete(course);
    if (!state) return 0;
    for (const name of [state.pending, state.retired, state.generation]) if (name) await this.dropGeneration(name);
    await this.states.deleteOne({ _id: course });
    return state.studentCount;
  }
}

/**
 * A new generation of one course, written while the sync still fetches: buckets of
 * STUDENTS_PER_BUCKET students go to a fresh collection as they fill, in the order students
 * arrive, and `commit` flips the pointer, so readers never see half a sync and a crash at any
 * point leaves the previous generation current. Order: mark pending (the next run drops it if
 * this one dies) → insert buckets → insert the members document → flip the pointer (one
 * document write) → drop the generation it replaced. Inserts go one at a time, in order: they
 * are the only writes to the collection, and FerretDB is safest with one writer (../shared/FERRETDB.md).
 */
export class GenerationWriter {
  readonly generation: string;
  private readonly students = new Map<string, StudentRecord>();
  private buffer: StudentRecord[] = [];
  private buckets = 0;
  private writes: Promise<void>;
  private failure: unknown = null;

  constructor(
    private readonly sync: SyncStore,
    private readonly state: CourseSyncState,
    runId: string,
  ) {
    this.generation = generationName(state._id, runId);
    this.writes = this.open();
  }

  private async open(): Promise<void> {
    if (this.state.pending) await this.sync.dropGeneration(this.state.pending);
    if (this.state.retired) await this.sync.dropGeneration(this.state.retired);
    await this.sync.saveState({ ...this.state, pending: this.generation });
  }

  private enqueue(write: () => Promise<unknown>): void {
    this.writes = this.writes.then(async () => {
      if (this.failure === null) await write();
    }).catch((error: unknown) => {
      this.failure ??= error;
    });
  }

  /** Adds students (each once per generation); full buckets are written in the background. */
  add(records: Iterable<StudentRecord>): void {
    for (const record of records) {
      this.students.set(record.userId, record);
      this.buffer.push(record);
      if (this.buffer.length >= STUDENTS_PER_BUCKET) this.flush();
    }
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const doc: BucketDoc = { _id: String(this.buckets), students: packText(JSON.stringify(this.buffer.map(toStored))) };
    this.buckets += 1;
    this.buffer = [];
    this.enqueue(() => this.sync.generationOf(this.generation).insertOne(doc));
  }

  get size(): number {
    return this.students.size;
  }

  /** Throws away what was written so far and starts the same generation again, empty. */
  restart(): void {
    this.buffer = [];
    this.students.clear();
    this.buckets = 0;
    this.enqueue(() => this.sync.dropGeneration(this.generation));
  }

  /** Writes what is left, flips the pointer to this generation and drops the one it replaced. */
  async commit(changes: Partial<CourseSyncState>): Promise<CourseSyncState> {
    this.flush();
    const members: MembersDoc = { _id: MEMBERS_ID, userIds: [...this.students.keys()] };
    this.enqueue(() => this.sync.generationOf(this.generation).insertOne(members));
    await this.writes;
    if (this.failure !== null) throw this.failure;
    const { state } = this;
    const retired = state.generation && state.generation !== this.generation ? state.generation : null;
    const next: CourseSyncState = { ...state, ...changes, generation: this.generation, bucketCount: this.buckets, pending: null, retired, studentCount: this.students.size };
    await this.sync.saveState(next);
    this.sync.remember(state._id, this.generation, this.students);
    if (retired) await this.sync.dropGeneration(retired);
    return next;
  }

  /** Drops what was written (the run failed or the course went); the pointer still names the previous generation. */
  async abandon(): Promise<void> {
    await this.writes;
    await this.sync.dropGeneration(this.generation);
  }
}

export function emptyState(base: Pick<CourseSyncState, '_id' | 'issuer' | 'clientId' | 'courseId' | 'programme' | 'cohort'>): CourseSyncState {
  return { ...base, generation: null, bucketCount: 0, pending: null, retired: null, structureHash: null, moduleTotals: [], studentCount: 0, syncedAt: null, lastFullAt: null, lastAttemptAt: null, lastError: null, lastRunId: null };
}
