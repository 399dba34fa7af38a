import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(ROOT, 'bin', 'ecf-progress.js');

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr. */
  log(): string;
  /** Resolves with the exit code once it exits by itself. */
  exited: Promise<number | null>;
  alive(): boolean;
  stop(): Promise<number | null>;
}

/** Starts the service as `npm start` runs it (a real process) and resolves once it logs that it listens. */
export function startServiceProcess(env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  const child = spawn(TSX, [path.join(ROOT, 'src', 'main.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve((exitCode = code))));
  const service: ServiceProcess = {
    child,
    log: () => output,
    exited,
    alive: () => exitCode === undefined,
    stop: async () => {
      if (exitCode === undefined) child.kill('SIGTERM');
      return exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${output}`)), 45_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"event":"service.started"')) {
        clearTimeout(timer);
        resolve(service);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code}:\n${output}`));
    });
  });
}

/** Resolves once the process has written `text` (now or later); rejects when it exits first or after `timeoutMs`. */
export function waitForOutput(service: ServiceProcess, text: string, timeoutMs = 30_000): Promise<void> {
  if (service.log().includes(text)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no "${text}" within ${timeoutMs} ms:\n${service.log()}`)), timeoutMs);
    const onData = () => {
      if (service.log().includes(text)) done();
    };
    const done = (error?: Error) => {
      clearTimeout(timer);
      service.child.stdout!.off('data', onData);
      service.child.stderr!.off('data', onData);
      if (error) reject(error);
      else resolve();
    };
    // Listeners added after the service's own, so its log already holds the chunk.
    service.child.stdout!.on('data', onData);
    service.child.stderr!.on('data', onData);
    void service.exited.then((code) => done(new Error(`the process exited with ${code} before "${text}":\n${service.log()}`)));
  });
}

export interface CliProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a separate process, as an operator would from another shell. */
export function runCliProcess(args: string[], env: NodeJS.ProcessEnv): Promise<CliProcessRun> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}
