import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/service';

const ROOT = path.join(__dirname, '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(ROOT, 'bin', 'ecf-progress.js');

let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-restart-'));
  env = { ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, PORT: String(await freePort()), LOG_LEVEL: 'info' };
  delete env.MONGODB_URI;
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

/** Starts the service as `npm start` runs it and resolves once it logs that it listens. */
function startService(): Promise<{ child: ChildProcess; log: () => string }> {
  const child = spawn(TSX, [path.join(ROOT, 'src', 'main.ts')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start:\n${output}`)), 45_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"event":"service.started"')) {
        clearTimeout(timer);
        resolve({ child, log: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`service exited with ${code}:\n${output}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout })));
}

describe('npm start without MONGODB_URI', () => {
  it('runs an embedded database under DATA_DIR that keeps a platform across a restart', async () => {
    const first = await startService();
    const started = JSON.parse(first.log().split('\n').find((l) => l.includes('"service.started"'))!);
    expect(started.database).toContain(path.join(dataDir, 'db'));
    expect(started.canvasDeveloperKeyJson).toMatch(/\/lti\/canvas\.json$/);
    expect(fs.existsSync(path.join(dataDir, 'embedded-db.json'))).toBe(true);

    const added = await cli(['platform', 'add', '--issuer', 'https://canvas.instructure.com', '--client-id', '170000000000077', '--auth-url', 'https://sso.canvaslms.com/api/lti/authorize_redirect', '--token-url', 'https://sso.canvaslms.com/login/oauth2/token', '--jwks-url', 'https://sso.canvaslms.com/api/lti/security/jwks', '--deployment-id', '3:abc']);
    expect(added.code).toBe(0);
    expect(await stop(first.child)).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'embedded-db.json'))).toBe(false);

    const second = await startService();
    const listed = await cli(['platform', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ clientId: '170000000000077', deploymentIds: ['3:abc'] })]);
    expect(await stop(second.child)).toBe(0);
  });
});
