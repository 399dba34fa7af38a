import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mongo } from 'mongoose';
import { freshDatabaseUri } from '../support/service';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * ltijs allows one `setup` per loaded copy, and every CLI command opens its own runtime, so
 * each run gets fresh modules, as each real invocation gets a fresh process. A reset rather
 * than `isolateModules`: mongoose requires some modules lazily, after an isolated block has
 * ended, and would then mix two copies of itself.
 */
export async function cli(args: string[]): Promise<CliRun> {
  jest.resetModules();
  const { runCli } = await import('../../src/cli/main');
  const stdout: string[] = [];
  const stderr: string[] = [];
  const outSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => stdout.push(String(chunk)) > 0);
  const errSpy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => stderr.push(String(chunk)) > 0);
  try {
    const code = await runCli(args);
    return { code, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
  }
}

export interface CliEnvironment {
  uri: string;
  publicUrl: string;
  /** The test database, read directly, as an operator with database access would. */
  db: mongo.Db;
  close(): Promise<void>;
}

const VARIABLES = ['NODE_ENV', 'MONGODB_URI', 'APP_SECRET', 'PUBLIC_URL', 'DATA_DIR', 'LOG_LEVEL', 'SYNC_INTERVAL'] as const;

/** Points the CLI at a fresh database for this test file; debug logging so tests can prove what is never logged. */
export async function useCliEnvironment(): Promise<CliEnvironment> {
  const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  const uri = freshDatabaseUri();
  const publicUrl = 'http://127.0.0.1:3999';
  Object.assign(process.env, {
    NODE_ENV: 'test',
    MONGODB_URI: uri,
    APP_SECRET: crypto.randomBytes(32).toString('hex'),
    PUBLIC_URL: publicUrl,
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-cli-test-')),
    LOG_LEVEL: 'debug',
    SYNC_INTERVAL: 'off',
  });
  const client = await mongo.MongoClient.connect(uri);
  return {
    uri,
    publicUrl,
    db: client.db(),
    close: async () => {
      await client.db().dropDatabase();
      await client.close();
      for (const name of VARIABLES) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    },
  };
}

export async function addPlatform(issuer: string, clientId: string): Promise<void> {
  const run = await cli([
    'platform', 'add',
    '--issuer', issuer,
    '--client-id', clientId,
    '--auth-url', `${issuer}/api/lti/authorize_redirect`,
    '--token-url', `${issuer}/login/oauth2/token`,
    '--jwks-url', `${issuer}/api/lti/security/jwks`,
    '--deployment-id', '1:abc',
  ]);
  if (run.code !== 0) throw new Error(`platform add failed: ${run.stderr}`);
}

export function writeTempFile(name: string, content: string): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-cli-file-')), name);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
}
