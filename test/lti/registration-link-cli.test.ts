import crypto from 'node:crypto';
import { cli, useCliEnvironment, type CliEnvironment } from '../support/cli';

let env: CliEnvironment;
beforeAll(async () => {
  env = await useCliEnvironment();
});
afterAll(async () => env.close());

const LINK = /http:\/\/127\.0\.0\.1:3999\/lti\/register\/([A-Za-z0-9_-]{43})/g;
const HOUR_MS = 3_600_000;

describe('ecf-progress platform registration-link', () => {
  it('prints a one-time link once and stores only its hash', async () => {
    const run = await cli(['platform', 'registration-link']);
    expect(run.code).toBe(0);
    const links = [...run.stdout.matchAll(LINK)];
    expect(links).toHaveLength(1);
    expect(run.stdout).toContain('valid once for 24h');
    const token = links[0][1];
    expect(run.stderr).not.toContain(token);

    const stored = await env.db.collection('ecf_registration_links').find({}).toArray();
    expect(stored).toEqual([{ _id: crypto.createHash('sha256').update(token).digest('hex'), createdAt: expect.any(Date), expiresAt: expect.any(Date) }]);
    expect(stored[0].expiresAt.getTime() - stored[0].createdAt.getTime()).toBe(24 * HOUR_MS);
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it('takes a lifetime of up to seven days, and refuses a longer one as a usage error', async () => {
    const week = await cli(['platform', 'registration-link', '--expires', '7d']);
    expect(week.code).toBe(0);
    expect(week.stdout).toContain('valid once for 7d');

    for (const expires of ['8d', '0m', 'tomorrow']) {
      const refused = await cli(['platform', 'registration-link', '--expires', expires]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('--expires must be a duration from 1m to 7d');
      expect(refused.stdout).toBe('');
    }
    expect(await env.db.collection('ecf_registration_links').countDocuments({})).toBe(2);
  });
});
