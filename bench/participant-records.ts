/**
 * `npm run bench:records`: what a participant's pages read of the records people write (module
 * audits, meeting records), with those collections at national scale: 10,000 ECTs, each with
 * both ends of every module's audit submitted, a mentor's comment on each, and a meeting with a
 * reflection per module: two years of records. Measures the reads of
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
import mongoose, { mongo } from 'mongoose';
import { AuditService } from '../src/audits';
import { moduleNumbers, moduleOf } from '../src/curriculum';
import { chunks } from '../src/db/collections';
import { PARTITIONED_COLLECTIONS, partitionName, partitionOf } from '../src/db/partitions';
import { startEmbeddedServer, type EngineChoice } from '../src/db/embedded';
import { ensureStore } from '../src/db/store-setup';
import { personKeyId } from '../src/domain';
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

/** Every string (and every JSON string packed in a Binary) that names `from` names `to` instead. */
function rekey(value: unknown, from: string, to: string): unknown {
  const escapedFrom = JSON.stringify(from).slice(1, -1);
  const escapedTo = JSON.stringify(to).slice(1, -1);
  const swap = (text: string) => text.split(from).join(to).split(escapedFrom).join(escapedTo);
  if (typeof value === 'string') return swap(value);
  if (value instanceof mongo.Binary) return new mongo.Binary(Buffer.from(swap(Buffer.from(value.buffer).toString('utf8'))));
  if (Array.isArray(value)) return value.map((v) => rekey(v, from, to));
  if (value && typeof value === 'object' && !(value instanceof Date)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rekey(v, from, to)]));
  return value;
}

/**
 * One ECT's two years, written through the services (an audit at both ends of every module, a
 * meeting with a reflection per module), then copied for every other ECT as the same documents
 * under their own ids: the services would take hours to write 10,000 people one by one.
 */
async function writeRecords(participants: number): Promise<void> {
  const stores = benchStores();
  const audits = new AuditService(stores.store, stores.scoreOutbox);
  const template = ownerOf(0);
  const owner = { ownerId: template, cohort: 'Bench', programme: 'ect' as const };
  for (const module of moduleNumbers('ect')) {
    const statements = moduleOf('ect', module)!.auditStatements;
    const answers = (shift: number) => ({ ratings: statements.map((_, s) => ((s + shift) % 4) + 1), reflections: statements.map(() => 'A sentence of reflection on this statement, as ECTs write them.') });
    await audits.submit(owner, module, 'start', 1, answers(0));
    await audits.submit(owner, module, 'end', 1, answers(1));
    await audits.comment({ authorName: 'Mentor 0', authorRole: 'mentor' }, template, module, 'Good progress: keep rehearsing the routine.');
    const meeting = await stores.meetings.record({ ectOwnerId: template, ectKey: 'canvas:200000', ectName: 'ECT 0', mentorOwnerId: ownerOf(FULL_PARTICIPANTS), mentorName: 'Mentor 0', cohort: 'Bench', module, session: 1, date: '2026-11-30', focus: 'Expectations and belonging', notes: 'Talked through the audit and agreed two priorities.', actions: [{ step: 'Use the script three times', owner: 'ect', due: '2026-12-07' }] });
    await stores.meetings.reflect(template, meeting._id, 'It went better than I expected.');
  }
  for (const kind of PARTITIONED_COLLECTIONS) {
    const source = stores.store.ownedBy<mongo.Document>(kind, template);
    // Only the template's records exist yet, so its part holds nothing else.
    const docs = await source.find({}).toArray();
    const byPart = new Map<number, mongo.Document[]>();
    for (let i = 1; i < participants; i += 1) {
      const part = partitionOf(ownerOf(i));
      const list = byPart.get(part) ?? [];
      byPart.set(part, list);
      for (const doc of docs) list.push(rekey(doc, template, ownerOf(i)) as mongo.Document);
    }
    for (const [part, list] of byPart) for (const chunk of chunks(list, 500)) await stores.store.collection(partitionName(kind, part)).insertMany(chunk);
  }
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
    say(`store: ${server.engine}; writing the records of ${participants.toLocaleString('en-GB')} ECTs…`);
    const started = performance.now();
    await writeRecords(participants);
    let documents = 0;
    for (const kind of PARTITIONED_COLLECTIONS) for (const part of stores.store.allParts(kind)) documents += await part.countDocuments({});
    say(`written in ${((performance.now() - started) / 1000).toFixed(1)} s; reading…`);
    let seed = 7;
    const pick = () => (seed = (seed * 48271) % 2147483647) % participants;
    const numbers = moduleNumbers('ect');
    const results = {
      engine: server.engine,
      participants,
      documents,
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
