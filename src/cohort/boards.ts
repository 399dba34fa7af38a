import { mongo } from 'mongoose';
import type { AuditPhase, AuditService, PhaseStatus } from '../audits';
import type { Attendance, GroupAttendance, ParticipantAttendance } from '../attendance';
import { moduleNumbers } from '../curriculum';
import type { ChangeMarks } from '../db/change-marks';
import type { Store } from '../db/store';
import { personKeyId, type PlatformKey } from '../domain';
import type { Logger } from '../log/logger';
import type { Meetings } from '../meetings';
import type { CourseLinks } from '../programme';
import type { GridRow } from '../progress/grid';
import type { ReadModel } from '../progress/read-model';
import type { Leases } from '../sync';
import { buildUntilCurrent } from './leased-build';

/** What a participant has done in the tool, as the grid shows it. */
export interface MemberRecords {
  audits: Record<number, Record<AuditPhase, PhaseStatus>>;
  meetings: number;
  lastMeeting: string | null;
}

/** One group's activity in the tool: its members' audits and meetings, and its training events and registers. */
export interface GroupBoard {
  cohort: string;
  group: string | null;
  /** The read-model keys the board was built for, in name order. */
  members: string[];
  records: Record<string, MemberRecords>;
  attendance: GroupAttendance | null;
  builtAt: string;
}

interface BoardDoc {
  _id: string;
  cohort: string;
  group: string | null;
  board: mongo.Binary;
}

export interface BoardDeps {
  store: Store;
  marks: ChangeMarks;
  leases: Leases;
  links: Pick<CourseLinks, 'list'>;
  readModel: Pick<ReadModel, 'readCurrentGrid'>;
  audits: Pick<AuditService, 'summary'>;
  meetings: Pick<Meetings, 'summaryFor'>;
  attendance: Pick<Attendance, 'groupAttendance'>;
  logger: Logger;
  /** false: reads never start rebuilds (see RuntimeOptions.backgroundRebuilds). */
  healInBackground?: boolean;
}

const boardId = (cohort: string, group: string | null) => JSON.stringify([cohort, group]);
const READS_IN_FLIGHT = 8;

async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function platformOfCourse(courseKey: string): PlatformKey {
  const [issuer, clientId] = JSON.parse(courseKey) as string[];
  return { issuer, clientId };
}

/**
 * Group boards (`ecf_group_boards`): per group of a cohort, one document with what its members
 * did in the tool, so the cohort grid reads a whole cohort's activity with one query instead
 * of one per participant. A board is rebuilt whole from its sources (the audits, meetings and
 * registers of its members) whenever one of them changes, one builder at a time under a lease,
 * so a write is never lost to FerretDB's lost updates; pages compare one change mark per
 * cohort and keep the boards in memory until it moves.
 */
export class GroupBoards {
  private readonly cache = new Map<string, { mark: string | null; boards: Map<string | null, GroupBoard> }>();
  /** Each cohort's background rebuild under way, so close can wait for it (`stop`). */
  private readonly healing = new Map<string, Promise<void>>();
  private stopping = false;

  constructor(private readonly deps: BoardDeps) {}

  private get docs() {
    return this.deps.store.collection<BoardDoc>('group_boards');
  }

  /** Rebuilds one group's board from its sources; returns when this or a running build has it current. */
  async refreshGroup(cohort: string, group: string | null): Promise<void> {
    await buildUntilCurrent(this.deps, `board:${boardId(cohort, group)}`, () => this.build(cohort, group));
  }

  private async build(cohort: string, group: string | null): Promise<void> {
    const grid = await this.deps.readModel.readCurrentGrid(cohort);
    const members = (grid?.rows ?? []).filter((row) => row.group === group);
    const platforms = await this.platformsOf(cohort);
    const records = await mapLimit(members, READS_IN_FLIGHT, async (row) => [row.key, await this.recordsOf(row, platforms)] as const);
    const attendance = group === null ? null : await this.deps.attendance.groupAttendance(cohort, group);
    const board: GroupBoard = { cohort, group, members: members.map((m) => m.key), records: Object.fromEntries(records), attendance, builtAt: new Date().toISOString() };
    const doc: BoardDoc = { _id: boardId(cohort, group), cohort, group, board: new mongo.Binary(Buffer.from(JSON.stringify(board))) };
    // One builder holds the board's lease, so this replace has no rival to lose an update to.
    await this.docs.replaceOne({ _id: doc._id }, doc, { upsert: true });
    await this.deps.marks.markChanged(`boards:${cohort}`);
  }

  private async platformsOf(cohort: string): Promise<PlatformKey[]> {
    const links = (await this.deps.links.list()).filter((l) => l.cohort === cohort);
    return [...new Map(links.map((l) => [JSON.stringify([l.issuer, l.clientId]), { issuer: l.issuer, clientId: l.clientId }])).values()];
  }

  /** A participant's records are kept under their platform's key: their course's, or the cohort's only platform. */
  private async recordsOf(row: GridRow, platforms: PlatformKey[]): Promise<MemberRecords> {
    const platform = row.progress ? platformOfCourse(row.progress.courseKey) : platforms.length === 1 ? platforms[0] : null;
    if (!row.canvasUserId || !platform) return { audits: {}, meetings: 0, lastMeeting: null };
    const ownerId = personKeyId(platform, row.canvasUserId);
    const summary = await this.deps.audits.summary(ownerId, row.role, moduleNumbers(row.role));
    const meetings = row.role === 'ect' ? await this.deps.meetings.summaryFor(ownerId) : null;
    return { audits: Object.fromEntries(summary), meetings: meetings?.count ?? 0, lastMeeting: meetings?.last ?? null };
  }

  /**
   * Every board of a cohort by group: one read of the cohort's change mark, and one query when
   * a board changed since this instance last read them.
   */
  async boardsOf(cohort: string): Promise<Map<string | null, GroupBoard>> {
    const mark = await this.deps.marks.currentMark(`boards:${cohort}`);
    const cached = this.cache.get(cohort);
    if (cached && cached.mark === mark) return cached.boards;
    const docs = await this.docs.find({ cohort }).toArray();
    const boards = new Map(docs.map((doc) => [doc.group, JSON.parse(Buffer.from(doc.board.buffer).toString('utf8')) as GroupBoard]));
    this.cache.set(cohort, { mark, boards });
    return boards;
  }

  /** Every participant's attendance in the cohort, from its boards (the export's columns). */
  async attendanceByParticipant(cohort: string): Promise<Map<string, ParticipantAttendance>> {
    const found = new Map<string, ParticipantAttendance>();
    for (const board of (await this.boardsOf(cohort)).values()) for (const [key, a] of Object.entries(board.attendance?.byParticipant ?? {})) found.set(key, a);
    return found;
  }

  /**
   * Boards whose members differ from the grid's (a roster import or a sync moved someone) are
   * rebuilt in the background; the page shows what it has meanwhile. One pass per cohort at a
   * time in this instance; the leases keep instances from building a board twice at once.
   */
  healMembership(cohort: string, rows: readonly GridRow[], boards: Map<string | null, GroupBoard>): void {
    if (this.healing.has(cohort) || this.stopping || this.deps.healInBackground === false) return;
    const members = new Map<string | null, string[]>();
    for (const row of rows) {
      const keys = members.get(row.group);
      if (keys) keys.push(row.key);
      else members.set(row.group, [row.key]);
    }
    const stale = [...members].filter(([group, keys]) => boards.get(group)?.members.join('\n') !== keys.join('\n')).map(([group]) => group);
    if (stale.length === 0) return;
    const heal = (async () => {
      for (const group of stale) {
        if (this.stopping) break;
        await this.refreshGroup(cohort, group);
      }
    })()
      .catch((error: unknown) => this.deps.logger.error({ event: 'boards.heal_failed', err: error }, 'rebuilding group boards failed'))
      .finally(() => this.healing.delete(cohort));
    this.healing.set(cohort, heal);
  }

  /**
   * For closing: background rebuilds finish the board under way and start no other, so none
   * outlives the database and a shutdown does not wait for a whole cohort's boards (they are
   * derived, and the next read of the grid heals what is left).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    while (this.healing.size > 0) await Promise.all(this.healing.values());
  }

  /** Rebuilds every stale board of the cohort now (the CLI and tests; pages heal in the background). */
  async refreshCohort(cohort: string): Promise<void> {
    const grid = await this.deps.readModel.readCurrentGrid(cohort);
    const groups = new Set((grid?.rows ?? []).map((row) => row.group));
    for (const group of groups) await this.refreshGroup(cohort, group);
  }

  /**
   * Boards are built from records; when a platform goes, every board goes with it (they are
   * rebuilt from what remains when next read), and every instance is told to drop its copy.
   */
  async deleteForPlatform(): Promise<number> {
    const cohorts = new Set((await this.docs.find({}, { projection: { cohort: 1 } }).toArray()).map((d) => d.cohort));
    const removed = (await this.docs.deleteMany({})).deletedCount;
    for (const cohort of cohorts) await this.deps.marks.markChanged(`boards:${cohort}`);
    return removed;
  }
}
