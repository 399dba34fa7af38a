/**
 * `npm run bench:records`: what a participant's pages read of the records people write (module
 * audits, meeting records), with those collections at national scale: 10,000 ECTs, each with a
 * start-of-module audit submitted for every module and a meeting with a reflection per module
 * (90,000 drafts, 90,000 submissions, 90,000 meetings, 90,000 reflections). Measures the reads of
 * the ECT's first page (every module's audit state and their meeting summary), of one audit
 * page and of the meeting list, for 100 ECTs picked at random, and writes
 * bench/results/participant-records.json and its table in bench/README.md.
 *
 *   npm run bench:records                        # the whole bench
 *   npm run bench:records -- --participants 1000 # a partial run (results/participant-records-partial.json)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { AuditService } from '../src/audits';
import { auditId, type AuditDraft, type AuditSubmission } from '../src/audits/model';
import { moduleNumbers, moduleOf } from '../src/curriculum';
import { chunks } from '../src/db/collections';
import { startEmbeddedServer, type EngineChoice } from '../src/db/embedded';
import { ensureStore } from '../src/db/store-setup';
import { personKeyId } from '../src/domain';
import type { MeetingRecord, MeetingReflection } from '../src/meetings';
import { distribution, type Distribution } from './measure';
import { replaceGenerated } from './report';
import { benchStores } from './stores';

const FULL_PARTICIPANTS = 10_000;
const READS = Number(process.env.BENCH_READS ?? 100);
const PLATFORM = { issuer: 'https://canvas.bench.example', clientId: '10000000000001' };
/** A page's reads of these records; the read-model reads of the same page are in bench:read-model. */
const TARGET_P95_MS = 250;

const say = (line: string) => process.stdout.write(`${line}\n`);
const ownerOf = (i: number) => personKeyId(PLATFORM, String(200_000 + i));

function recordsOf(i: number, at: Date) {
  const ownerId = ownerOf(i);
  const drafts: AuditDraft[] = [];
  const submissions: AuditSubmission[] = [];
  const meetings: MeetingRecord[] = [];
  const reflections: MeetingReflection[] = [];
  for (const module of moduleNumbers('ect')) {
    const statements = moduleOf('ect', module)!.auditStatements;
    const answers = { ratings: statements.map((_, s) => ((i + s) % 4) + 1), reflections: statements.map(() => 'A sentence of reflection on this statement.') };
    const common = { _id: auditId(ownerId, module, 'start', 1), ownerId, cohort: 'Bench', programme: 'ect' as const, module, phase: 'start' as const, version: 1, statements, ...answers, createdAt: at };
    drafts.push({ ...common, savedAt: at });
    submissions.push({ ...common, submittedAt: at });
    const _id = `meeting:bench-${i}-${module}`;
    meetings.push({ _id, ectOwnerId: ownerId, ectKey: `canvas:${200_000 + i}`, ectName: `ECT ${i}`, mentorOwnerId: ownerOf(FULL_PARTICIPANTS + i), mentorName: `Mentor ${i}`, cohort: 'Bench', module, session: 1, date: '2026-11-30', focus: 'Expectations and belonging', notes: 'Talked through the audit and agreed two priorities.', actions: [{ step: 'Use the script three times', owner: 'ect', due: '2026-12-07' }], createdAt: at, updatedAt: at });
    reflections.push({ _id, ectOwnerId: ownerId, text: 'It went better than I expected.', createdAt: at, updatedAt: at });
  }
  return { drafts, submissions, meetings, reflections };
}

async function timed(runs: number, pick: () => number, read: (i: number) => Promise<unknown>): Promise<Distribution> {
  const samples: number[] = [];
  for (let n = 0; n < runs; n += 1) {
    const i = pick();
    const started = performance.now();
    await read(i);
    samples.push(performance.now() - started);
  }
  return distribution(samples);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { participants: { type: 'string' } } });
  const participants = values.participants ? Number(values.participants) : FULL_PARTICIPANTS;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-bench-records-'));
  const server = await startEmbeddedServer(dir, (process.env.EMBEDDED_DB as EngineChoice | undefined) ?? 'auto', say);
  try {
    await mongoose.connect(server.uri, { dbName: 'bench_records' });
    await ensureStore(mongoose.connection.db!);
    const stores = benchStores();
    const audits = new AuditService(stores.store, stores.scoreOutbox);
    const at = new Date();
    say(`store: ${server.engine}; writing the records of ${participants.toLocaleString('en-GB')} ECTs…`);
    const started = performance.now();
    for (const part of chunks(Array.from({ length: participants }, (_, i) => i), 100)) {
      const records = part.map((i) => recordsOf(i, at));
      await stores.store.collection<AuditDraft>('audits').insertMany(records.flatMap((r) => r.drafts));
      await stores.store.collection<AuditSubmission>('audit_submissions').insertMany(records.flatMap((r) => r.submissions));
      await stores.store.collection<MeetingRecord>('meetings').insertMany(records.flatMap((r) => r.meetings));
      await stores.store.collection<MeetingReflection>('meeting_reflections').insertMany(records.flatMap((r) => r.reflections));
    }
    say(`written in ${((performance.now() - started) / 1000).toFixed(1)} s; reading…`);
    let seed = 7;
    const pick = () => (seed = (seed * 48271) % 2147483647) % participants;
    const numbers = moduleNumbers('ect');
    const results = {
      engine: server.engine,
      participants,
      documents: participants * numbers.length * 4,
      firstPage: await timed(READS, pick, (i) => Promise.all([audits.summary(ownerOf(i), 'ect', numbers), stores.meetings.summaryFor(ownerOf(i))])),
      auditPage: await timed(READS, pick, (i) => audits.moduleAudit(ownerOf(i), 'ect', numbers[i % numbers.length])),
      meetingList: await timed(READS, pick, (i) => stores.meetings.listFor(ownerOf(i))),
      targetP95Ms: TARGET_P95_MS,
      measuredAt: new Date().toISOString(),
    };
    const worst = Math.max(results.firstPage.p95, results.auditPage.p95, results.meetingList.p95);
    const pass = worst <= TARGET_P95_MS;
    const file = path.join(__dirname, 'results', participants === FULL_PARTICIPANTS ? 'participant-records.json' : 'participant-records-partial.json');
    fs.writeFileSync(file, `${JSON.stringify({ ...results, pass }, null, 2)}\n`);
    const row = (name: string, d: Distribution) => `| ${name} | ${d.p50} ms | ${d.p95} ms | ${d.max} ms |`;
    const table = [
      `Records of ${participants.toLocaleString('en-GB')} ECTs (${results.documents.toLocaleString('en-GB')} documents) on ${server.engine}, ${READS} reads each, measured ${results.measuredAt.slice(0, 10)}. Target: p95 ≤ ${TARGET_P95_MS} ms per page (${pass ? 'met' : 'NOT met'}).`,
      '',
      '| read | p50 | p95 | max |',
      '| --- | --- | --- | --- |',
      row('ECT first page: every module’s audit state + meeting summary', results.firstPage),
      row('one module audit page', results.auditPage),
      row('meeting list', results.meetingList),
    ].join('\n');
    if (participants === FULL_PARTICIPANTS) replaceGenerated(path.join(__dirname, 'README.md'), 'records-results', table);
    say(table);
    process.exitCode = pass ? 0 : 1;
  } finally {
    await mongoose.connection.db?.dropDatabase().catch(() => undefined);
    await mongoose.disconnect();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
