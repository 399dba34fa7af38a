import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import {
  canvasUserAgent,
  checkCanvasAccess,
  openCanvasApi,
  type AccessReport,
  type CheckResult,
} from '../canvas/connections';
import type { Runtime } from '../service';
import { CliError, out } from './output';
import { choosePlatform, type PlatformFlags } from './platform-choice';

type WithRuntime = <T>(work: (runtime: Runtime) => Promise<T>) => Promise<T>;

/** A token is ~70 characters; anything near this size is the wrong file. */
const MAX_TOKEN_FILE_BYTES = 16 * 1024;

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_TOKEN_FILE_BYTES) throw new CliError('Standard input is too large to be a Canvas API token.');
    chunks.push(Buffer.from(chunk as Buffer));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function readFile(file: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    throw new CliError(`Cannot read --token-file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  if (!stat.isFile() || stat.size > MAX_TOKEN_FILE_BYTES) throw new CliError(`--token-file ${file} is not a file holding one Canvas API token.`);
  return fs.readFileSync(file, 'utf8');
}

/**
 * Tokens come from a file or stdin (`-`), never argv, where `ps` and shell history would show them.
 * `process.stdin` is touched only for `-`: merely reading it opens a handle that keeps the process alive.
 */
export async function readToken(file: string, stdin: () => Readable = () => process.stdin): Promise<string> {
  return file === '-' ? readAll(stdin()) : readFile(file);
}

function line(what: string, result: CheckResult): string {
  return result.ok ? `  ok       ${what}: ${result.detail}` : `  PROBLEM  ${what}: ${result.problem}`;
}

function describeReport(report: AccessReport, linkedCourses: number): string[] {
  const lines = ['Token', line('token', report.token)];
  for (const course of report.courses) {
    lines.push(`Course ${course.courseId}`, ...course.checks.map((check) => line(check.what, check.result)));
  }
  if (report.token.ok && linkedCourses === 0) lines.push('No courses are linked for this platform yet, so only the token was checked. Link one with `ecf-progress programme link`.');
  lines.push(report.ok ? 'Everything the sync needs works.' : 'Some checks failed: the sync will not work fully until they are fixed.');
  return lines;
}

export function registerCanvasCommands(program: Command, withRuntime: WithRuntime): void {
  const canvas = program.command('canvas').description('the Canvas API access the sync uses, per registered platform');

  canvas
    .command('connect')
    .description('save the Canvas address and an API access token for a platform (the token is stored encrypted)')
    .option('--issuer <url>', 'the platform issuer (needed when several platforms are registered)')
    .option('--client-id <id>', 'the developer key client id (needed when the issuer has several)')
    .requiredOption('--base-url <url>', 'the Canvas address, e.g. https://school.instructure.com')
    .requiredOption('--token-file <path>', 'a file holding the API token, or - to read it from standard input')
    .action((opts: PlatformFlags & { baseUrl: string; tokenFile: string }) =>
      withRuntime(async (runtime) => {
        const platform = await choosePlatform(runtime.registry, opts);
        const token = await readToken(opts.tokenFile);
        const saved = await runtime.stores.connections.save(platform, { baseUrl: opts.baseUrl, token });
        out(`Saved the Canvas connection for ${saved.issuer} (client id ${saved.clientId}): ${saved.baseUrl}, token ending "${saved.tokenEnding}".`);
        out('Check it with `ecf-progress canvas check`.');
      }),
    );

  canvas
    .command('list')
    .description('list saved Canvas connections (tokens are never shown)')
    .action(() =>
      withRuntime(async (runtime) => {
        const saved = await runtime.stores.connections.list();
        if (saved.length === 0) return out('No Canvas connections are saved yet. Add one with `ecf-progress canvas connect`.');
        for (const c of saved) out(`${c.issuer} (client id ${c.clientId}): ${c.baseUrl}, token ending "${c.tokenEnding}", saved ${c.savedAt.toISOString()}`);
      }),
    );

  canvas
    .command('check')
    .description('check that the saved token works and can read what the sync needs for every linked course')
    .option('--issuer <url>', 'the platform issuer (needed when several platforms are registered)')
    .option('--client-id <id>', 'the developer key client id (needed when the issuer has several)')
    .action((opts: PlatformFlags) =>
      withRuntime(async (runtime) => {
        const platform = await choosePlatform(runtime.registry, opts);
        const connection = await runtime.stores.connections.get(platform);
        if (!connection) throw new CliError(`No Canvas connection is saved for ${platform.issuer} (client id ${platform.clientId}). Save one with \`ecf-progress canvas connect\`.`);
        const courseIds = (await runtime.stores.links.list(platform)).map((link) => link.courseId);
        out(`Checking ${connection.baseUrl} for ${platform.issuer} (client id ${platform.clientId})`);
        const api = openCanvasApi(connection, { userAgent: canvasUserAgent(runtime.config), maxRetries: 1, timeoutMs: 15_000 });
        const report = await checkCanvasAccess(api, courseIds);
        for (const text of describeReport(report, courseIds.length)) out(text);
        if (!report.ok) throw new CliError('', 1);
      }),
    );
}
