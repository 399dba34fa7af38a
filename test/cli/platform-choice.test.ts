import { CliError } from '../../src/cli/output';
import { choosePlatform } from '../../src/cli/platform-choice';
import type { PlatformSummary } from '../../src/lti/platforms';

function platform(issuer: string, clientId: string): PlatformSummary {
  return { issuer, clientId, name: issuer, authUrl: '', tokenUrl: '', jwksUrl: '', active: true, deploymentIds: [] };
}

const registryOf = (...platforms: PlatformSummary[]) => ({ list: async () => platforms });

const A1 = platform('https://a.instructure.com', '1001');
const A2 = platform('https://a.instructure.com', '1002');
const B = platform('https://b.instructure.com', '2001');

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(CliError);
  return (error as CliError).message;
}

describe('choosing the platform a command is about', () => {
  it('needs no flags when one platform is registered', async () => {
    await expect(choosePlatform(registryOf(B), {})).resolves.toBe(B);
  });

  it('still refuses flags that name another platform', async () => {
    expect(await refusal(choosePlatform(registryOf(B), { issuer: 'https://c.instructure.com' }))).toMatch(
      /No platform is registered with issuer https:\/\/c\.instructure\.com\. Registered:\n {2}--issuer https:\/\/b\.instructure\.com --client-id 2001/,
    );
    expect(await refusal(choosePlatform(registryOf(B), { clientId: '9' }))).toMatch(/No platform is registered with client id 9/);
  });

  it('says when nothing is registered yet', async () => {
    expect(await refusal(choosePlatform(registryOf(), {}))).toMatch(/No platform is registered yet.*platform add/);
  });

  it('requires --issuer when several platforms are registered, listing them', async () => {
    const message = await refusal(choosePlatform(registryOf(A1, B), { clientId: '2001' }));
    expect(message).toMatch(/choose one with --issuer/);
    expect(message).toContain('--issuer https://a.instructure.com --client-id 1001');
    expect(message).toContain('--issuer https://b.instructure.com --client-id 2001');
  });

  it('picks by issuer when that issuer has one client id, tolerating a trailing slash', async () => {
    await expect(choosePlatform(registryOf(A1, B), { issuer: 'https://b.instructure.com/' })).resolves.toBe(B);
  });

  it('requires --client-id when the issuer has several, listing only that issuer\'s', async () => {
    const message = await refusal(choosePlatform(registryOf(A1, A2, B), { issuer: 'https://a.instructure.com' }));
    expect(message).toMatch(/has several client ids: choose one with --client-id/);
    expect(message).toContain('--client-id 1001');
    expect(message).toContain('--client-id 1002');
    expect(message).not.toContain('2001');
  });

  it('picks by issuer and client id', async () => {
    await expect(choosePlatform(registryOf(A1, A2, B), { issuer: 'https://a.instructure.com', clientId: '1002' })).resolves.toBe(A2);
    expect(await refusal(choosePlatform(registryOf(A1, A2, B), { issuer: 'https://a.instructure.com', clientId: '2001' }))).toMatch(
      /No platform is registered with client id 2001 for issuer https:\/\/a\.instructure\.com/,
    );
  });
});
