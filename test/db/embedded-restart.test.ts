import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServiceProcess, runCliProcess, type ServiceProcess } from '../support/processes';
import { freePort } from '../support/service';

let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-restart-'));
  env = { ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, PORT: String(await freePort()), LOG_LEVEL: 'info' };
  delete env.MONGODB_URI;
});
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

const startService = () => startServiceProcess(env);
const stop = (service: ServiceProcess) => service.stop();
const cli = (args: string[]) => runCliProcess(args, env);

describe('npm start without MONGODB_URI', () => {
  it('runs an embedded database under DATA_DIR that keeps a platform across a restart', async () => {
    const first = await startService();
    const started = JSON.parse(first.log().split('\n').find((l) => l.includes('"service.started"'))!);
    expect(started.database).toContain(path.join(dataDir, 'db'));
    expect(started.canvasDeveloperKeyJson).toMatch(/\/lti\/canvas\.json$/);
    expect(fs.existsSync(path.join(dataDir, 'embedded-db.json'))).toBe(true);

    const added = await cli(['platform', 'add', '--issuer', 'https://canvas.instructure.com', '--client-id', '170000000000077', '--auth-url', 'https://sso.canvaslms.com/api/lti/authorize_redirect', '--token-url', 'https://sso.canvaslms.com/login/oauth2/token', '--jwks-url', 'https://sso.canvaslms.com/api/lti/security/jwks', '--deployment-id', '3:abc']);
    expect(added.code).toBe(0);
    expect(await stop(first)).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'embedded-db.json'))).toBe(false);

    const second = await startService();
    const listed = await cli(['platform', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ clientId: '170000000000077', deploymentIds: ['3:abc'] })]);
    expect(await stop(second)).toBe(0);
  });

  it('stops its embedded database on Ctrl+C (SIGINT) as on SIGTERM', async () => {
    const service = await startService();
    service.child.kill('SIGINT');
    expect(await service.exited).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'embedded-db.json'))).toBe(false);
  });
});
