import fs from 'node:fs';
import path from 'node:path';

const POLL_MS = 200;
/** Longer than any build or start-up the locks guard: an older lock names a pid that has since been reused. */
const ABANDONED_AFTER_MS = 30 * 60 * 1000;

/** Callers in this process queue here: the lock file names a pid, which cannot tell them apart. */
const heldInThisProcess = new Map<string, Promise<void>>();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The holder's pid, or undefined when the file is gone. */
function holderOf(file: string): number | undefined {
  try {
    return Number(fs.readFileSync(file, 'utf8').trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The file appears with the pid already in it (a link is atomic), so no reader ever sees it empty. */
function tryCreate(file: string): boolean {
  const draft = `${file}.${process.pid}.draft`;
  fs.writeFileSync(draft, String(process.pid));
  try {
    fs.linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    fs.rmSync(draft, { force: true });
  }
}

/** A lock from this pid is left over from an earlier process: our own callers queue in memory. */
function isAbandoned(file: string, holder: number): boolean {
  if (holder === process.pid || !(Number.isInteger(holder) && holder > 0) || !isAlive(holder)) return true;
  try {
    return Date.now() - fs.statSync(file).mtimeMs > ABANDONED_AFTER_MS;
  } catch {
    return false;
  }
}

/**
 * Moves an abandoned lock aside; a rename succeeds for one of several processes taking it
 * over at once. One that moved a lock another process had just taken instead puts it back.
 */
function takeOver(file: string, abandonedBy: number): void {
  const aside = `${file}.${process.pid}.abandoned`;
  try {
    fs.renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (holderOf(aside) !== abandonedBy) fs.linkSync(aside, file);
  fs.rmSync(aside, { force: true });
}

async function acquireAcrossProcesses(file: string, onWait: (holder: number) => void): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let announced = false;
  while (!tryCreate(file)) {
    const holder = holderOf(file);
    if (holder === undefined) continue;
    if (isAbandoned(file, holder)) {
      takeOver(file, holder);
      continue;
    }
    if (!announced) onWait(holder);
    announced = true;
    await sleep(POLL_MS);
  }
}

/**
 * Runs `work` holding an exclusive lock file that holds this process's pid, so processes
 * starting at once do a one-time job once. A live holder is waited for (`onWait` says so
 * once); the lock of a process that died is taken over.
 */
export async function withFileLock<T>(file: string, onWait: (holder: number) => void, work: () => Promise<T>): Promise<T> {
  while (heldInThisProcess.has(file)) await heldInThisProcess.get(file);
  let releaseHere!: () => void;
  heldInThisProcess.set(file, new Promise<void>((resolve) => (releaseHere = resolve)));
  try {
    await acquireAcrossProcesses(file, onWait);
    try {
      return await work();
    } finally {
      fs.rmSync(file, { force: true });
    }
  } finally {
    heldInThisProcess.delete(file);
    releaseHere();
  }
}
