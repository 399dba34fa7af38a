import crypto from 'node:crypto';
import { mongo } from 'mongoose';
import type { ChangeMarks } from '../db/change-marks';
import { chunks } from '../db/collections';
import type { Store } from '../db/store';
import type { Roster, RosterEntry } from '../people';
import type { CourseLinks } from '../programme';
import type { Leases, SyncStore } from '../sync';
import { buildParticipants, buildRollups, type ParticipantProgress, type Rollup, type SyncedCourse } from './cohort-model';

/**
 * The progress read model: what every page and export reads, written when a sync generation is
 * committed and when the roster changes, never computed per request. Per cohort, one generation
 * collection (written whole with insertMany, then a pointer flips, then the old one is dropped,
 * as the sync's own store does) holding documents read by `_id` only:
 * - `participant:<key>`: one participant, for their own page;
 * - `page:<n>`: up to PAGE_SIZE participants in name order, packed in one Binary, for the cohort
 *   grid and exports (a page of 1,000 is one read);
 * - `rollup:<scope>:<name>:<programme>`: counts per module and state for the cohort, each school and each group.
 */
export const PAGE_SIZE = 1000;
const INSERT_CHUNK = 1000;

export interface ReadModelPointer {
  _id: string;
  cohort: string;
  generation: string | null;
  /** A generation the current one replaced: dropped after the flip, and again by the next build in case the builder died between. */
  retired: string | null;
  pages: number;
  participants: number;
  builtAt: Date | null;
  /** The change mark the build started from: a later mark means a newer build is due. */
  builtFrom: string | null;
}

interface ParticipantDoc extends ParticipantProgress {
  _id: string;
}
interface PageDoc {
  _id: string;
  participants: mongo.Binary;
}
interface RollupDoc extends Rollup {
  _id: string;
}
type ReadModelDoc = ParticipantDoc | PageDoc | RollupDoc;

const changeTopic = (cohort: string) => `read-model:${cohort}` as const;

const participantId = (key: string) => `participant:${key}`;
const pageId = (n: number) => `page:${n}`;
const rollupId = (scope: Rollup['scope'], name: string, programme: string) => `rollup:${JSON.stringify([scope, name, programme])}`;

function generationName(cohort: string): string {
  const digest = crypto.createHash('sha256').update(cohort).digest('hex').slice(0, 16);
  return `readmodel_${digest}_${Date.now().toString(36)}${crypto.randomBytes(4).toString('hex')}`;
}

function documentsOf(cohort: string, participants: ParticipantProgress[]): ReadModelDoc[] {
  const docs: ReadModelDoc[] = participants.map((p) => ({ _id: participantId(p.key), ...p }));
  for (let n = 0; n * PAGE_SIZE < participants.length; n += 1) {
    const page = participants.slice(n * PAGE_SIZE, (n + 1) * PAGE_SIZE);
    docs.push({ _id: pageId(n), participants: new mongo.Binary(Buffer.from(JSON.stringify(page))) });
  }
  for (const rollup of buildRollups(cohort, participants)) docs.push({ _id: rollupId(rollup.scope, rollup.name, rollup.programme), ...rollup });
  return docs;
}

export interface RefreshOptions {
  /** How long one build may hold the cohort (the sync's lease slots). */
  leaseSlotMs?: number;
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
  sync: Pick<SyncStore, 'readState' | 'readStudents'>;
}

/** The read model's pointers (`ecf_read_models`) and generations, built from the links, the roster and the sync's store. */
export class ReadModel {
  constructor(
    private readonly store: Store,
    private readonly deps: ReadModelDeps,
  ) {}

  private get pointers() {
    return this.store.collection<ReadModelPointer>('read_models');
  }

  private generationOf(name: string) {
    return this.store.collection<ReadModelDoc>(name);
  }

  private async dropGeneration(name: string | null): Promise<void> {
    if (!name) return;
    try {
      await this.generationOf(name).drop();
    } catch (error) {
      if ((error as { code?: number }).code !== 26) throw error;
    }
  }

  /** What the cohort's figures are built from: its linked courses' current generations and its roster. */
  private async sourcesOf(cohort: string): Promise<{ roster: RosterEntry[]; courses: SyncedCourse[] }> {
    const courses: SyncedCourse[] = [];
    for (const link of (await this.deps.links.list()).filter((l) => l.cohort === cohort)) {
      const state = await this.deps.sync.readState(link._id);
      if (state?.generation) courses.push({ state, students: (await this.deps.sync.readStudents(state)).values() });
    }
    const roster = (await this.deps.roster.load()).filter((entry) => entry.cohort === cohort);
    return { roster, courses };
  }

  /** Builds the cohort's read model from what the store holds now and makes it current. */
  private async build(cohort: string, mark: string | null): Promise<ReadModelPointer> {
    const before = await this.pointers.findOne({ _id: cohort });
    await this.dropGeneration(before?.retired ?? null);
    const { roster, courses } = await this.sourcesOf(cohort);
    const participants = buildParticipants(cohort, roster, courses);
    const generation = generationName(cohort);
    for (const part of chunks(documentsOf(cohort, participants), INSERT_CHUNK)) await this.generationOf(generation).insertMany(part, { ordered: true });
    const pointer: ReadModelPointer = {
      _id: cohort,
      cohort,
      generation,
      retired: before?.generation ?? null,
      pages: Math.ceil(participants.length / PAGE_SIZE),
      participants: participants.length,
      builtAt: new Date(),
      builtFrom: mark,
    };
    await this.pointers.replaceOne({ _id: cohort }, pointer, { upsert: true });
    await this.dropGeneration(pointer.retired);
    return pointer;
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
    const lease = await this.deps.leases.acquire(`read-model:${cohort}`, { slotMs: options.leaseSlotMs });
    if (!lease) return null;
    let pointer: ReadModelPointer;
    let mark: string | null;
    try {
      do {
        mark = await this.deps.marks.currentMark(changeTopic(cohort));
        pointer = await this.build(cohort, mark);
        lease.assertHeld();
      } while ((await this.deps.marks.currentMark(changeTopic(cohort))) !== mark);
    } finally {
      await lease.release();
    }
    // A caller that marked a change while we were releasing found the lease still ours.
    if ((await this.deps.marks.currentMark(changeTopic(cohort))) !== mark) return (await this.buildUntilCurrent(cohort, options)) ?? pointer;
    return pointer;
  }

  /** Every cohort that has a linked course or a roster entry. */
  async knownCohorts(): Promise<string[]> {
    const names = new Set((await this.deps.links.list()).map((l) => l.cohort));
    for (const entry of await this.deps.roster.load()) names.add(entry.cohort);
    return [...names].sort();
  }

  async readPointer(cohort: string): Promise<ReadModelPointer | null> {
    return this.pointers.findOne({ _id: cohort });
  }

  /** One participant's document: the pointer and the participant, two reads by `_id`. */
  async readParticipant(cohort: string, key: string): Promise<ParticipantProgress | null> {
    const pointer = await this.readPointer(cohort);
    if (!pointer?.generation) return null;
    const doc = (await this.generationOf(pointer.generation).findOne({ _id: participantId(key) })) as ParticipantDoc | null;
    return doc ? withoutId(doc) : null;
  }

  /** Page `n` (from 0) of the cohort in name order: one read by `_id` after the pointer. */
  async readPage(pointer: ReadModelPointer, n: number): Promise<ParticipantProgress[]> {
    if (!pointer.generation || n < 0 || n >= pointer.pages) return [];
    const doc = (await this.generationOf(pointer.generation).findOne({ _id: pageId(n) })) as PageDoc | null;
    return doc ? (JSON.parse(Buffer.from(doc.participants.buffer).toString('utf8')) as ParticipantProgress[]) : [];
  }

  /** Every participant of the cohort in name order, page by page. */
  async readAllParticipants(pointer: ReadModelPointer): Promise<ParticipantProgress[]> {
    const all: ParticipantProgress[] = [];
    for (let n = 0; n < pointer.pages; n += 1) all.push(...(await this.readPage(pointer, n)));
    return all;
  }

  async readRollup(cohort: string, scope: Rollup['scope'], name: string, programme: string): Promise<Rollup | null> {
    const pointer = await this.readPointer(cohort);
    if (!pointer?.generation) return null;
    const doc = (await this.generationOf(pointer.generation).findOne({ _id: rollupId(scope, name, programme) })) as RollupDoc | null;
    return doc ? withoutId(doc) : null;
  }

  /** The cohort's model is gone with its last course and roster row (see retention). */
  async deleteReadModel(cohort: string): Promise<void> {
    const pointer = await this.readPointer(cohort);
    if (!pointer) return;
    await this.dropGeneration(pointer.generation);
    await this.dropGeneration(pointer.retired);
    await this.pointers.deleteOne({ _id: cohort });
  }
}
