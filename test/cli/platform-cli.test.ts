import { addPlatform, cli, useCliEnvironment, type CliEnvironment } from '../support/cli';

let env: CliEnvironment;
beforeAll(async () => {
  env = await useCliEnvironment();
});
afterAll(async () => env.close());

const ISSUER = 'https://canvas.instructure.com';

describe('ecf-progress platform', () => {
  it('adds deployments later and lists them as JSON', async () => {
    await addPlatform(ISSUER, '170000000000042');
    const added = await cli(['platform', 'deployment', 'add', '--issuer', ISSUER, '--client-id', '170000000000042', '--deployment-id', '7:second']);
    expect(added.code).toBe(0);
    const listed = await cli(['platform', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ issuer: ISSUER, clientId: '170000000000042', deploymentIds: ['1:abc', '7:second'], active: true })]);
  });

  it('says clearly what is wrong, with a non-zero exit', async () => {
    const unknown = await cli(['platform', 'remove', '--issuer', ISSUER, '--client-id', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no platform is registered with issuer https://canvas.instructure.com and client id nope');
    const badUrl = await cli(['platform', 'add', '--issuer', 'not a url', '--client-id', '1', '--auth-url', 'https://a', '--token-url', 'https://b', '--jwks-url', 'https://c']);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toContain('--issuer "not a url" is not a URL');
    const missing = await cli(['platform', 'add', '--issuer', ISSUER]);
    expect(missing.code).toBe(2);
  });

  it('removes a platform and its deployments', async () => {
    const removed = await cli(['platform', 'remove', '--issuer', ISSUER, '--client-id', '170000000000042']);
    expect(removed.code).toBe(0);
    expect((await cli(['platform', 'list'])).stdout).toContain('No platforms are registered yet');
    expect(await env.db.collection('ecf_deployments').countDocuments({})).toBe(0);
  });
});
