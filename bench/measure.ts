/**
 * Measuring tools shared by the benches' run processes (bench/run-worker.ts,
 * bench/read-model-worker.ts) and their drivers: memory sampling, the store's command times,
 * other processes' CPU time, and percentiles.
 */
import fs from 'node:fs';
import mongoose from 'mongoose';

const SAMPLE_EVERY_MS = 50;

export interface MemoryFigures {
  startRss: number;
  peakRss: number;
  increase: number;
  peakHeapUsed: number;
  samples: number;
}

/** The highest RSS and heap of this process while it runs, sampled every 50 ms. */
export class MemorySampler {
  private readonly timer: NodeJS.Timeout;
  private readonly startRss: number;
  private peakRss: number;
  private peakHeapUsed = 0;
  private samples = 0;

  constructor() {
    this.startRss = process.memoryUsage().rss;
    this.peakRss = this.startRss;
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  }

  private sample(): void {
    const usage = process.memoryUsage();
    this.samples += 1;
    this.peakRss = Math.max(this.peakRss, usage.rss);
    this.peakHeapUsed = Math.max(this.peakHeapUsed, usage.heapUsed);
  }

  stop(): MemoryFigures {
    clearInterval(this.timer);
    this.sample();
    return { startRss: this.startRss, peakRss: this.peakRss, increase: this.peakRss - this.startRss, peakHeapUsed: this.peakHeapUsed, samples: this.samples };
  }
}

export interface StoreFigures {
  commands: Record<string, { count: number; ms: number }>;
  totalMs: number;
}

/** Command counts and durations per kind of collection, plus the documents sent by `insert` commands. */
export interface StoreTargetFigures {
  byTarget: Record<string, { count: number; ms: number; documents: number }>;
  insertedDocuments: number;
}

/**
 * Generation collections carry a digest and a run id in their names; one label per kind
 * (`progress_*`, `readmodel_*`) keeps the breakdown readable.
 */
function collectionKind(name: unknown): string {
  if (typeof name !== 'string') return '?';
  return name.replace(/^(ecf_)?(progress|readmodel)_.*$/, '$1$2_*');
}

const TARGET_FIELD: Record<string, string> = { find: 'find', insert: 'insert', update: 'update', delete: 'delete', drop: 'drop', getMore: 'collection', count: 'count', aggregate: 'aggregate' };

/**
 * Store command counts and durations, from the driver's command monitoring (the connection
 * needs `monitorCommands: true`). The driver deep-copies every monitored command and reply,
 * which costs CPU and memory of its own: runs whose time or memory is the figure are measured
 * without it.
 */
export class StoreMonitor {
  private commands: Record<string, { count: number; ms: number }> = {};
  private targets: StoreTargetFigures['byTarget'] = {};
  private insertedDocuments = 0;
  private readonly started = new Map<number, { target: string; documents: number }>();

  constructor() {
    const client = mongoose.connection.getClient();
    client.on('commandStarted', (e) => {
      const command = e.command as Record<string, unknown>;
      const field = TARGET_FIELD[e.commandName];
      const documents = e.commandName === 'insert' && Array.isArray(command.documents) ? command.documents.length : 0;
      this.started.set(e.requestId, { target: `${e.commandName} ${field ? collectionKind(command[field]) : ''}`.trim(), documents });
    });
    client.on('commandSucceeded', (e) => this.add(e.commandName, e.requestId, e.duration));
    client.on('commandFailed', (e) => this.add(e.commandName, e.requestId, e.duration));
  }

  private add(name: string, requestId: number, ms: number): void {
    const entry = (this.commands[name] ??= { count: 0, ms: 0 });
    entry.count += 1;
    entry.ms += ms;
    const started = this.started.get(requestId);
    this.started.delete(requestId);
    if (!started) return;
    const target = (this.targets[started.target] ??= { count: 0, ms: 0, documents: 0 });
    target.count += 1;
    target.ms += ms;
    target.documents += started.documents;
    this.insertedDocuments += started.documents;
  }

  reset(): void {
    this.commands = {};
    this.targets = {};
    this.insertedDocuments = 0;
  }

  snapshot(): StoreFigures {
    const commands = Object.fromEntries(Object.entries(this.commands).map(([k, v]) => [k, { count: v.count, ms: Math.round(v.ms) }]));
    return { commands, totalMs: Object.values(commands).reduce((n, c) => n + c.ms, 0) };
  }

  targetSnapshot(): StoreTargetFigures {
    const byTarget = Object.fromEntries(Object.entries(this.targets).map(([k, v]) => [k, { count: v.count, ms: Math.round(v.ms), documents: v.documents }]));
    return { byTarget, insertedDocuments: this.insertedDocuments };
  }
}

const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time (user + system) of another process so far, from /proc on Linux; null elsewhere. */
export function cpuMsOf(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export interface Distribution {
  samples: number;
  min: number;
  p50: number;
  p95: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank percentiles (the smallest sample with at least q of the samples at or below
 * it): every figure is a time that was measured, and with 5 samples p95 is the maximum.
 */
export function distribution(samples: readonly number[]): Distribution {
  if (samples.length === 0) return { samples: 0, min: 0, p50: 0, p95: 0, max: 0, mean: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { samples: sorted.length, min: round(sorted[0]), p50: round(rank(0.5)), p95: round(rank(0.95)), max: round(sorted[sorted.length - 1]), mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length) };
}
