import { deriveSecrets } from '../../src/config/secrets';
import { Store } from '../../src/db/store';
import { SchoolLinks } from '../../src/schools';
import { cli, useCliEnvironment, writeTempFile, type CliEnvironment, type CliRun } from '../support/cli';

let env: CliEnvironment;
/** The links as the service would check them: the same database and the same derived key. */
let links: SchoolLinks;

beforeAll(async () => {
  env = await useCliEnvironment();
  const schools = await run('schools', 'import', writeTempFile('schools.csv', 'urn,name,delivery_partner,contact_emails\n131245,Brookfield Primary School,Northern Lights,office@example.org\n'));
  expect(schools.code).toBe(0);
  links = new SchoolLinks(new Store(env.db), deriveSecrets(process.env.APP_SECRET!).schoolLinkKey, env.publicUrl);
});
afterAll(async () => env.close());

const LOG_LINE = /^\{"level":.*\n?/gm;
/** One CLI run, with the JSON log lines (debug level) apart from the words a person reads. */
async function run(...args: string[]): Promise<CliRun & { logs: string }> {
  const result = await cli(args);
  return { ...result, stderr: result.stderr.replace(LOG_LINE, ''), logs: (result.stderr.match(LOG_LINE) ?? []).join('') };
}

describe('ecf-progress school link and links for a trust', () => {
  it('makes a trust link that opens its trust, lists it, and refuses a trust nobody names or both --urn and --trust', async () => {
    const schools = await run('schools', 'import', writeTempFile('schools.csv', 'urn,name,delivery_partner,contact_emails,trust\n131245,Brookfield Primary School,Northern Lights,office@example.org,Pennine Learning Trust\n'));
    expect(schools.code).toBe(0);
    const made = await run('school', 'link', '--trust', 'Pennine Learning Trust', '--days', '7');
    expect(made.code).toBe(0);
    const link = await links.verify(new URL(made.stdout.trim()).searchParams.get('token'));
    expect(link).toMatchObject({ trust: 'Pennine Learning Trust' });
    expect(link.urn).toBeUndefined();
    expect(made.stderr).toContain(`Link ${link._id} for the trust Pennine Learning Trust (1 school), valid until ${link.expiresAt.toISOString().slice(0, 10)}`);
    const listed = await run('school', 'links', '--trust', 'Pennine Learning Trust');
    expect(listed.stdout.split('\n').find((l) => l.startsWith(link._id))?.endsWith('\tactive')).toBe(true);
    const nobody = await run('school', 'link', '--trust', 'Unknown Trust');
    expect([nobody.code === 0, nobody.stdout]).toEqual([false, '']);
    expect(nobody.stderr).toContain('No school in the schools list names the trust "Unknown Trust"');
    const both = await run('school', 'link', '--urn', '131245', '--trust', 'Pennine Learning Trust');
    expect([both.code === 0, both.stderr.trim()]).toEqual([false, 'Give --urn or --trust, not both.']);
  });
});

describe('ecf-progress school link, links and revoke', () => {
  it('makes a link that opens, lists it, and revokes it', async () => {
    const made = await run('school', 'link', '--urn', '131245', '--days', '10', '--email', 'Head@Brookfield.example.org');
    expect(made.code).toBe(0);
    const url = made.stdout.trim();
    expect(url).toMatch(new RegExp(`^${env.publicUrl}/school/open\\?token=[A-Za-z0-9_.-]+$`));
    const token = new URL(url).searchParams.get('token')!;
    const link = await links.verify(token);
    expect(link).toMatchObject({ urn: '131245', email: 'head@brookfield.example.org' });
    expect(Math.round((link.expiresAt.getTime() - link.createdAt.getTime()) / 86_400_000)).toBe(10);
    expect(made.stderr).toContain(`Link ${link._id} for Brookfield Primary School (131245), valid until ${link.expiresAt.toISOString().slice(0, 10)}`);
    // The token is printed once, for the person; the logs keep the link's id only.
    expect(made.logs).toContain(link._id);
    expect(made.logs).not.toContain(token);

    const listed = await run('school', 'links', '--urn', '131245');
    expect(listed.code).toBe(0);
    const line = listed.stdout.split('\n').find((l) => l.startsWith(link._id))!;
    expect(line.split('\t')).toEqual([link._id, 'head@brookfield.example.org', link.createdAt.toISOString().slice(0, 10), link.expiresAt.toISOString().slice(0, 10), 'active']);

    const revoked = await run('school', 'revoke', link._id);
    expect([revoked.code, revoked.stdout.trim()]).toEqual([0, `Revoked link ${link._id}.`]);
    await expect(links.verify(token)).rejects.toMatchObject({ reason: 'revoked' });
    expect((await run('school', 'links', '--urn', '131245')).stdout).toContain(`${link._id}\thead@brookfield.example.org`);
    expect((await run('school', 'links', '--urn', '131245')).stdout.split('\n').find((l) => l.startsWith(link._id))!.endsWith('\trevoked')).toBe(true);
    expect((await run('school', 'revoke', link._id)).stdout.trim()).toBe(`Link ${link._id} was already revoked.`);
  });

  it('defaults to 30 days and refuses an unknown URN, a bad --days and an unknown id', async () => {
    const made = await run('school', 'link', '--urn', '131245');
    const link = await links.verify(new URL(made.stdout.trim()).searchParams.get('token'));
    expect(Math.round((link.expiresAt.getTime() - link.createdAt.getTime()) / 86_400_000)).toBe(30);
    const unknown = await run('school', 'link', '--urn', '999999');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('No school with the URN 999999');
    expect(unknown.stdout).toBe('');
    for (const days of ['0', '366', 'ten']) {
      const bad = await run('school', 'link', '--urn', '131245', '--days', days);
      expect({ days, failed: bad.code !== 0, said: bad.stderr.includes('from 1 to 365') }).toEqual({ days, failed: true, said: true });
    }
    const revoke = await run('school', 'revoke', 'AAAAAAAAAAAAAAAAAAAAAA');
    expect(revoke.code).toBe(1);
    expect(revoke.stderr).toContain('There is no school link with the id AAAAAAAAAAAAAAAAAAAAAA');
  });
});

describe('ecf-progress school contacts import', () => {
  it('imports contacts, reports bad rows by line, and honours --dry-run', async () => {
    const file = writeTempFile('contacts.csv', 'urn,name,email,canvas_user_id,role\n131245,Hana Head,Hana@Brookfield.example.org,2099,headteacher\n131245,Ian Tutor,tutor@brookfield.example.org,,induction tutor\n');
    const dry = await run('school', 'contacts', 'import', file, '--dry-run');
    expect([dry.code, dry.stdout.trim()]).toEqual([0, 'School contacts (dry run, nothing written): 2 added, 0 updated, 0 unchanged.']);
    expect(await env.db.collection('ecf_school_contacts').countDocuments({})).toBe(0);
    const done = await run('school', 'contacts', 'import', file);
    expect(done.stdout.trim()).toBe('School contacts: 2 added, 0 updated, 0 unchanged.');
    const stored = await env.db.collection('ecf_school_contacts').findOne({ _id: '131245:hana@brookfield.example.org' as never });
    expect(stored).toMatchObject({ urn: '131245', name: 'Hana Head', email: 'hana@brookfield.example.org', canvasUserId: '2099', role: 'headteacher' });
    const again = await run('school', 'contacts', 'import', file);
    expect(again.stdout.trim()).toBe('School contacts: 0 added, 0 updated, 2 unchanged.');
    const bad = await run('school', 'contacts', 'import', writeTempFile('bad.csv', 'urn,name,email,canvas_user_id,role\n12345,X,not-an-email,abc,\n'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('line 2: urn: must be a 6-digit URN');
    expect(bad.stderr).toContain('email: is not an email address');
    expect(bad.stderr).not.toContain('not-an-email');
  });
});

describe('ecf-progress notice publish, list and withdraw', () => {
  it('publishes, lists newest first, and withdraws', async () => {
    const first = await run('notice', 'publish', '--title', 'Autumn newsletter', '--body', 'Dates for spring.');
    expect(first.code).toBe(0);
    const firstId = /Published notice (nt_[0-9a-f]{16})\./.exec(first.stdout)![1];
    const second = await run('notice', 'publish', '--title', 'Mentor guidance', '--body', 'Plan mentor time.', '--link', 'https://example.org/g', '--kind', 'guidance');
    const secondId = /Published notice (nt_[0-9a-f]{16})\./.exec(second.stdout)![1];
    const refused = await run('notice', 'publish', '--title', 'Bad', '--body', 'x', '--link', 'javascript:alert(1)');
    expect([refused.code, refused.stderr.includes('https://')]).toEqual([1, true]);
    expect((await run('notice', 'publish', '--title', 'Bad', '--body', 'x', '--kind', 'gossip')).code).not.toBe(0);
    expect((await run('notice', 'withdraw', firstId)).stdout.trim()).toBe(`Withdrew notice ${firstId}.`);
    const list = (await run('notice', 'list')).stdout.trim().split('\n');
    expect(list[0]).toBe('id\tpublished\tkind\tstate\ttitle');
    expect(list.slice(1).map((l) => l.split('\t').filter((_, i) => i !== 1))).toEqual([
      [secondId, 'guidance', 'published', 'Mentor guidance'],
      [firstId, 'newsletter', 'withdrawn', 'Autumn newsletter'],
    ]);
    const unknown = await run('notice', 'withdraw', 'nt_0000000000000000');
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'There is no such notice.']);
  });
});
