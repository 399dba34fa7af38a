import crypto from 'node:crypto';
import { mongo } from 'mongoose';
import type { ChangeMarks } from '../db/change-marks';
import { chunks } from '../db/collections';
import { packText, unpackText } from '../db/packed';
import type { Collection, Store } from '../db/store';
import type { Roster, RosterEntry, School, Schools } from '../people';
import type { CourseLinks } from '../programme';
import { bucketOf, type Leases, type SyncStore } from '../sync';
import { buildParticipants, buildRollups, type ParticipantProgress, type Rollup, type SyncedCourse } from './cohort-model';
import type { CompletionDays } from '../completion';
import { gridRowOf, GenerationCache, type GridRow } from './grid';

/**
 * The progress read model: what every page and export reads, written when a sync generation is
 * committed and when the roster changes, never computed per request. Per cohort, one
 * generation (written whole with insertMany, then a pointer flips; the generation it replaced
 * is dropped by the next build, so a reader still on it finishes) made of two collections,
 * read by `_id` only:
 * - `<generation>_people`: every participant, in buckets of about 100 packed in one Binary
 *   (a participant's own page reads one bucket);
 * - `<generation>_pages`: `page:<n>`, up to PAGE_SIZE participants in name order in one Binary
 *   (a page of the cohort grid or an export is one read), and
 *   `rollup:[scope, name, programme]`: counts per module and state for the cohort, each school and each group.
 * - `<generation>_grid`: every participant as a grid row (figures without the to-do lists), in
 *   parts of GRID_PART_SIZE packed in one Binary: the cohort grid reads them all with one query
 *   and keeps them in memory for as long as the generation is current (a generation never changes).
 * - `<generation>_evidence`: every participant's dated self-study (the days items were first
 *   seen completed, per module), in parts like the grid's, read whole by the milestone views.
 * They are apart, and few, because FerretDB on SQLite answers even an `_id` lookup by reading
 * the whole collection (bench/README.md): a lookup costs what the collection holds.
 */
export const PAGE_SIZE = 1000;
const PARTICIPANTS_PER_BUCKET = 100;
const GRID_PART_SIZE = 2000;
const INSERT_CHUNK = 10;
/** A build of 10,000 takes seconds (bench/README.md); a deletion waits this long for one in progress. */
const WAIT_FOR_BUILD_MS = 120_000;
const LEASE_RETRY_MS = 250;

export interface ReadModelPointer {
  _id: string;
  cohort: string;
  generation: string | null;
  /** A generation being written; dropped by the next build if its builder died. */
  pending: string | null;
  /** The generation the current one replaced: kept for readers still on it, dropped by the next build. */
  retired: string | null;
  pages: number;
  buckets: number;
  participants: number;
  builtAt: Date | null;
  /** The change mark the build started from: a later mark means a newer build is due. */
  builtFrom: string | null;
}

interface PackedDoc {
  _id: string;
  participants: mongo.Binary;
}
interface GridDoc {
  _id: number;
  rows: mongo.Binary;
}
interface RollupDoc extends Rollup {
  _id: string;
}

const changeTopic = (cohort: string) => `read-model:${cohort}` as const;

const bucketId = (n: number) => `bucket:${n}`;
const pageId = (n: number) => `page:${n}`;
const rollupId = (scope: Rollup['scope'], name: string, programme: string) => `rollup:${JSON.stringify([scope, name, programme])}`;

const unpack = (doc: PackedDoc) => JSON.parse(unpackText(doc.participants)) as ParticipantProgress[];

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

interface EncodedParticipant {
  participant: ParticipantProgress;
  json: Buffer;
}

/**
 * Each participant as JSON, encoded once: the buckets and the pages hold the same participants,
 * and a JSON array is its elements' own JSON joined by commas inside brackets (see `pack`).
 */
function encode(participants: readonly ParticipantProgress[]): EncodedParticipant[] {
  return participants.map((participant) => ({ participant, json: Buffer.from(JSON.stringify(participant)) }));
}

function pack(encoded: readonly EncodedParticipant[]): mongo.Binary {
  const parts: Buffer[] = [OPEN];
  for (const { json } of encoded) {
    if (parts.length > 1) parts.push(COMMA);
    parts.push(json);
  }
  parts.push(CLOSE);
  return packText(Buffer.concat(parts));
}

function generationName(cohort: string): string {
  const digest = crypto.createHash('sha256').update(cohort).digest('hex').slice(0, 16);
  return `readmodel_${digest}_${Date.now().toString(36)}${crypto.randomBytes(4).toString('hex')}`;
}

const bucketCountOf = (participants: number) => Math.max(1, Math.ceil(participants / PARTICIPANTS_PER_BUCKET));

function bucketsOf(encoded: readonly EncodedParticipant[]): PackedDoc[] {
  const count = bucketCountOf(encoded.length);
  const grouped: EncodedParticipant[][] = Array.from({ length: count }, () => []);
  for (const e of encoded) grouped[bucketOf(e.participant.key, count)].push(e);
  return grouped.map((group, n) => ({ _id: bucketId(n), participants: pack(group) }));
}

function pagesOf(cohort: string, encoded: readonly EncodedParticipant[]): (PackedDoc | RollupDoc)[] {
  const docs: (PackedDoc | RollupDoc)[] = [];
  for (let n = 0; n * PAGE_SIZE < encoded.length; n += 1) docs.push({ _id: pageId(n), participants: pack(encoded.slice(n * PAGE_SIZE, (n + 1) * PAGE_SIZE)) });
  for (const rollup of buildRollups(cohort, encoded.map((e) => e.participant))) docs.push({ _id: rollupId(rollup.scope, rollup.name, rollup.programme), ...rollup });
  return docs;
}

/** Who completed what on which days: the evidence the milestone views date declarations by. */
export type EvidenceByKey = Map<string, CompletionDays>;

/** A generation's grid rows or evidence, as the JSON text of each part. */
function partsOf<T>(participants: readonly ParticipantProgress[], rowsOf: (part: readonly ParticipantProgress[]) => T[]): string[] {
  const parts: string[] = [];
  for (let n = 0; n * GRID_PART_SIZE < participants.length; n += 1) parts.push(JSON.stringify(rowsOf(participants.slice(n * GRID_PART_SIZE, (n + 1) * GRID_PART_SIZE))));
  return parts;
}

const gridDocsOf = (parts: readonly string[]): GridDoc[] => parts.map((json, n) => ({ _id: n, rows: packText(json) }));
const evidenceRows = (part: readonly ParticipantProgress[]) => part.flatMap((p): [string, CompletionDays][] => (p.progress ? [[p.key, p.progress.completedOn]] : []));

/**
 * Makes the documents and inserts them, a few at a time. Called for several collections in a
 * row, the next one's documents are made while the store takes this one's first insert.
 */
async function insertAll<T extends mongo.Document>(collection: Collection<T>, docsOf: () => T[]): Promise<void> {
  for (const part of chunks(docsOf(), INSERT_CHUNK)) await collection.insertMany(part as mongo.OptionalUnlessRequiredId<T>[], { ordered: true });
}

/**
 * Waits for all of `work`, then fails with the first failure: a build must not end (and let
 * its lease go) while a write or drop it started is still running.
 */
async function awaitAll(work: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The JSON text of a generation's grid and evidence parts, in part order, as written. */
interface WrittenGeneration {
  generation: string;
  grid: string[];
  evidence: string[];
}

export interface RefreshOptions {
  /** How long one build may hold the cohort (the sync's lease slots). */
  leaseSlotMs?: number;
  /**
   * Drop the replaced generation at once instead of at the next build: when the refresh is
   * there to delete data (a course unlinked), no copy of it may stay behind.
   */
  dropReplaced?: boolean;
}

function emptyPointer(cohort: string): ReadModelPointer {
  return { _id: cohort, cohort, generation: null, pending: null, retired: null, pages: 0, buckets: 0, participants: 0, builtAt: null, builtFrom: null };
}

function withoutId<T extends { _id: string }>(doc: T): Omit<T, '_id'> {
  const copy: Partial<T> = { ...doc };
  delete copy._id;
  return copy as Omit<T, '_id'>;
}

export interface ReadModelDeps {
  marks: ChangeMarks;
  leases: Leases;
  links: Pick<CourseLinks, 'list'>;
  roster: Pick<Roster, 'load'>;
  schools: Pick<Schools, 'load'>;
  sync: Pick<SyncStore, 'readState' | 'readStudents'>;
}

/** The read model's pointers (`ecf_read_models`) and generations, built from the links, the roster and the sync's store. */
export class ReadModel {
  private readonly gridCache = new GenerationCache<GridRow[]>();
  private readonly evidenceCache = new GenerationCache<EvidenceByKey>();
  /**
   * What this instance wrote of its last build's generation, which a generation never changes
   * from: its grid and evidence are read from here, not back from the store, by what runs right
   * after a sync (the newly-red check) and by this instance's pages. Kept as the JSON written,
   * so what is read is exactly what another instance reads from the store.
   */
  private written: WrittenGeneration | null = null;

  constructor(
    private readonly store: Store,
    private readonly deps: ReadModelDeps,
  ) {}

  private get pointers() {
    return this.store.collection<ReadModelPointer>('read_models');
  }

  private people(generation: string) {
    return this.store.collection<PackedDoc>(`${generation}_people`);
  }

  private pages(generation: string) {
    return this.store.collection<PackedDoc | RollupDoc>(`${generation}_pages`);
  }

  private grid(generation: string) {
    return this.store.collection<GridDoc>(`${generation}_grid`);
  }

  private evidence(generation: string) {
    return this.store.collection<GridDoc>(`${generation}_evidence`);
  }

  private async dropGeneration(name: string | null): Promise<void> {
    if (!name) return;
    if (this.written?.generation === name) this.written = null;
    this.gridCache.forget(name);
    this.evidenceCache.forget(name);
    for (const collection of [this.people(name), this.pages(name), this.grid(name), this.evidence(name)]) {
      try {
        await collection.drop();
      } catch (error) {
        // Already gone (a crash after the drop, or never created): nothing to do.
        if ((error as { code?: number }).code !== 26) throw error;
      }
    }
  }

  /** What the cohort's figures are built from: its linked courses' current generations, read side by side, and its roster. */
  private async sourcesOf(cohort: string): Promise<{ roster: RosterEntry[]; courses: SyncedCourse[] }> {
    const links = (await this.deps.links.list()).filter((l) => l.cohort === cohort);
    const [courses, roster] = await Promise.all([Promise.all(links.map((link) => this.syncedCourse(link._id))), this.deps.roster.load()]);
    return { roster: roster.filter((entry) => entry.cohort === cohort), courses: courses.filter((course): course is SyncedCourse => course !== null) };
  }

  private async syncedCourse(courseKey: string): Promise<SyncedCourse | null> {
    const state = await this.deps.sync.readState(courseKey);
    return state?.generation ? { state, students: (await this.deps.sync.readStudents(state)).values() } : null;
  }

  private async schoolsById(): Promise<Map<string, School>> {
    return new Map((await this.deps.schools.load()).map((school) => [school._id, school]));
  }

  /** Builds the cohort's read model from what the store holds now and makes it current. */
  private async build(cohort: string, mark: string | null, options: RefreshOptions): Promise<ReadModelPointer> {
    const before = (await this.pointers.findOne({ _id: cohort })) ?? emptyPointer(cohort);
    const sources = this.sourcesOf(cohort);
    const schools = this.schoolsById();
    await awaitAll([this.dropGeneration(before.pending), this.dropGeneration(before.retired), sources, schools]);
    const { roster, courses } = await sources;
    const participants = buildParticipants(cohort, roster, courses);
    const generation = generationName(cohort);
    await this.pointers.replaceOne({ _id: cohort }, { ...before, pending: generation, retired: null }, { upsert: true });
    this.written = await this.writeGeneration(generation, cohort, participants, await schools);
    const pointer: ReadModelPointer = {
      _id: cohort,
      cohort,
      generation,
      pending: null,
      retired: options.dropReplaced ? null : before.generation,
      pages: Math.ceil(participants.length / PAGE_SIZE),
      buckets: bucketCountOf(participants.length),
      participants: participants.length,
      builtAt: new Date(),
      builtFrom: mark,
    };
    await this.pointers.replaceOne({ _id: cohort }, pointer, { upsert: true });
    if (options.dropReplaced) await this.dropGeneration(before.generation);
    return pointer;
  }

  /**
   * The generation's four collections, written side by side. FerretDB on SQLite takes one write
   * at a time, so the gain is the overlap: each collection's documents are made here while the
   * store takes the previous one's inserts, instead of the two taking turns.
   */
  private async writeGeneration(generation: string, cohort: string, participants: ParticipantProgress[], schools: ReadonlyMap<string, School>): Promise<WrittenGeneration> {
    const encoded = encode(participants);
    const written: WrittenGeneration = { generation, grid: [], evidence: [] };
    await awaitAll([
      insertAll(this.people(generation), () => bucketsOf(encoded)),
      insertAll(this.pages(generation), () => pagesOf(cohort, encoded)),
      insertAll(this.grid(generation), () => gridDocsOf((written.grid = partsOf(participants, (part) => part.map((p) => gridRowOf(p, schools)))))),
      insertAll(this.evidence(generation), () => gridDocsOf((written.evidence = partsOf(participants, evidenceRows)))),
    ]);
    return written;
  }

  /**
   * Rebuilds a cohort's read model: safe to call from any instance, the CLI or a sync, at any
   * time. One build per cohort runs at once (an insert-only lease, the one primitive FerretDB
   * keeps atomic); a caller that finds one running leaves a change mark instead, and the running
   * build goes round again until it has built from the latest mark, so no change is lost.
   * @returns the pointer now current, or null when another build took the work.
   */
  async refreshCohort(cohort: string, options: RefreshOptions = {}): Promise<ReadModelPointer | null> {
    await this.deps.marks.markChanged(changeTopic(cohort));
    return this.buildUntilCurrent(cohort, options);
  }

  /** Refreshes several cohorts, one after the other (each build reads its sources whole). */
  async refreshCohorts(cohorts: Iterable<string>, options: RefreshOptions = {}): Promise<void> {
    for (const cohort of new Set(cohorts)) await this.refreshCohort(cohort, options);
  }

  private async buildUntilCurrent(cohort: string, options: RefreshOptions): Promise<ReadModelPointer | null> {
    const lease = await this.takeLease(cohort, options);
    if (!lease) return null;
    let pointer: ReadModelPointer;
    let mark: string | null;
    try {
      do {
        mark = await this.deps.marks.currentMark(changeTopic(cohort));
        pointer = await this.build(cohort, mark, options);
        lease.assertHeld();
      } while ((await this.deps.marks.currentMark(changeTopic(cohort))) !== mark);
    } finally {
      await lease.release();
    }
    // A caller that marked a change while we were releasing found the lease still ours.
    if ((await this.deps.marks.currentMark(changeTopic(cohort))) !== mark) return (await this.buildUntilCurrent(cohort, options)) ?? pointer;
    return pointer;
  }

  /**
   * The cohort's build lease. A refresh that deletes data waits for a build in progress (whose
   * replaced generation it could not drop) rather than leaving the work to it.
   */
  private async takeLease(cohort: string, options: RefreshOptions) {
    const waitUntil = Date.now() + (options.dropReplaced ? WAIT_FOR_BUILD_MS : 0);
    for (;;) {
      const lease = await this.deps.leases.acquire(`read-model:${cohort}`, { slotMs: options.leaseSlotMs });
      if (lease || !options.dropReplaced) return lease;
      if (Date.now() >= waitUntil) throw new Error(`the read model of cohort "${cohort}" stayed busy for ${WAIT_FOR_BUILD_MS / 1000} s; run \`ecf-progress progress rebuild --cohort "${cohort}"\` to finish removing the data`);
      await new Promise((resolve) => setTimeout(resolve, LEASE_RETRY_MS));
    }
  }

  /** Every cohort that has a linked course or a roster entry. */
  async knownCohorts(): Promise<string[]> {
    const names = new Set((await this.deps.links.list()).map((l) => l.cohort));
    for (const entry of await this.deps.roster.load()) names.add(entry.cohort);
    return [...names].sort();
  }

  /** The cohorts whose model has been built: one small read of the pointers (a cohort with no pointer has no rows to show). */
  async builtCohorts(): Promise<string[]> {
    return (await this.pointers.find({}, { projection: { _id: 1 } }).toArray()).map((p) => p._id).sort();
  }

  async readPointer(cohort: string): Promise<ReadModelPointer | null> {
    return this.pointers.findOne({ _id: cohort });
  }

  /** One participant: the pointer and their bucket, two reads by `_id`. */
  async readParticipant(cohort: string, key: string): Promise<ParticipantProgress | null> {
    const pointer = await this.readPointer(cohort);
    if (!pointer?.generation) return null;
    const doc = await this.people(pointer.generation).findOne({ _id: bucketId(bucketOf(key, pointer.buckets)) });
    return (doc && unpack(doc).find((p) => p.key === key)) ?? null;
  }

  /** Page `n` (from 0) of the cohort in name order: one read by `_id` after the pointer; null when that generation has gone. */
  async readPage(pointer: ReadModelPointer, n: number): Promise<ParticipantProgress[] | null> {
    if (!pointer.generation || n < 0 || n >= pointer.pages) return [];
    const doc = (await this.pages(pointer.generation).findOne({ _id: pageId(n) })) as PackedDoc | null;
    return doc ? unpack(doc) : null;
  }

  /**
   * Every participant of the cohort in name order, page by page. A build that lands while
   * the pages are read leaves the generation being read in place; two builds in that time
   * remove it, and the reading starts again from the newer one.
   */
  async readAllParticipants(cohort: string): Promise<ParticipantProgress[] | null> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const pointer = await this.readPointer(cohort);
      if (!pointer) return null;
      const all: ParticipantProgress[] = [];
      let complete = true;
      for (let n = 0; n < pointer.pages && complete; n += 1) {
        const page = await this.readPage(pointer, n);
        if (page) all.push(...page);
        else complete = false;
      }
      if (complete) return all;
    }
    throw new Error(`the read model of cohort "${cohort}" kept changing while it was read`);
  }

  /**
   * Every participant of the pointer's generation as a grid row, in name order: one query on a
   * cache miss, none on a hit. Null when that generation has gone (a newer one replaced it twice).
   */
  async readGrid(pointer: ReadModelPointer): Promise<GridRow[] | null> {
    const generation = pointer.generation;
    if (!generation || pointer.participants === 0) return [];
    return this.gridCache.get(generation, async () => {
      const parts = await this.partsText(generation, 'grid');
      return parts.length === 0 ? null : parts.flatMap((json) => JSON.parse(json) as GridRow[]);
    });
  }

  /**
   * Every participant's dated self-study in the pointer's generation, by key: one query on a
   * cache miss. Null when that generation has gone; a generation built before evidence was kept
   * has none, and its participants show no dated self-study until the next build.
   */
  async readEvidence(pointer: ReadModelPointer): Promise<EvidenceByKey | null> {
    const generation = pointer.generation;
    if (!generation || pointer.participants === 0) return new Map();
    return this.evidenceCache.get(generation, async () => new Map((await this.partsText(generation, 'evidence')).flatMap((json) => JSON.parse(json) as [string, CompletionDays][])));
  }

  /** A generation's grid or evidence parts as JSON text, in part order: what this instance wrote, else one query. */
  private async partsText(generation: string, kind: 'grid' | 'evidence'): Promise<string[]> {
    if (this.written?.generation === generation) return this.written[kind];
    const parts = await this[kind](generation).find({}).toArray();
    return parts.sort((a, b) => a._id - b._id).map((part) => unpackText(part.rows));
  }

  /** The cohort's current grid rows and evidence, from one generation, following a build that lands while they are read. */
  async readCurrentEvidence(cohort: string): Promise<{ pointer: ReadModelPointer; rows: GridRow[]; evidence: EvidenceByKey } | null> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const pointer = await this.readPointer(cohort);
      if (!pointer) return null;
      const rows = await this.readGrid(pointer);
      const evidence = rows && (await this.readEvidence(pointer));
      if (rows && evidence) return { pointer, rows, evidence };
    }
    throw new Error(`the read model of cohort "${cohort}" kept changing while it was read`);
  }

  /** The cohort's current grid rows, following a build that lands while they are read. */
  async readCurrentGrid(cohort: string): Promise<{ pointer: ReadModelPointer; rows: GridRow[] } | null> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const pointer = await this.readPointer(cohort);
      if (!pointer) return null;
      const rows = await this.readGrid(pointer);
      if (rows) return { pointer, rows };
    }
    throw new Error(`the read model of cohort "${cohort}" kept changing while it was read`);
  }

  async readRollup(cohort: string, scope: Rollup['scope'], name: string, programme: string): Promise<Rollup | null> {
    const pointer = await this.readPointer(cohort);
    if (!pointer?.generation) return null;
    const doc = (await this.pages(pointer.generation).findOne({ _id: rollupId(scope, name, programme) })) as RollupDoc | null;
    return doc ? withoutId(doc) : null;
  }

  /** The cohort's model is gone with its last course and roster row (see retention). */
  async deleteReadModel(cohort: string): Promise<void> {
    const pointer = await this.readPointer(cohort);
    if (!pointer) return;
    for (const generation of [pointer.generation, pointer.pending, pointer.retired]) await this.dropGeneration(generation);
    await this.pointers.deleteOne({ _id: cohort });
  }
}
