import { ConfigError, loadConfig } from '../../src/config/env';

/** SMTP_URL and MAIL_FROM, checked at start: email off when unset, one clear line per problem, no password echoed. */
const base = { NODE_ENV: 'test', MONGODB_URI: 'mongodb://127.0.0.1:1/x' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

it('turns email off when SMTP_URL is unset', () => {
  expect(loadConfig(base).smtp).toBeNull();
  expect(loadConfig({ ...base, SMTP_URL: '' }).smtp).toBeNull();
});

it('takes smtp:// and smtps:// with or without a login, and a sender with or without a name', () => {
  expect(loadConfig({ ...base, SMTP_URL: 'smtp://mail.example.org:587', MAIL_FROM: 'progress@example.org' }).smtp).toEqual({ url: 'smtp://mail.example.org:587', from: 'progress@example.org' });
  expect(loadConfig({ ...base, SMTP_URL: 'smtps://user%40x:p%40ss@mail.example.org:465', MAIL_FROM: ' ECF Progress <progress@example.org> ' }).smtp).toEqual({
    url: 'smtps://user%40x:p%40ss@mail.example.org:465',
    from: 'ECF Progress <progress@example.org>',
  });
});

it.each([
  [{ SMTP_URL: 'https://user:Sekr1t-pw@mail.example.org', MAIL_FROM: 'a@example.org' }, 'SMTP_URL: must start with smtp:// or smtps://'],
  [{ SMTP_URL: 'smtp//user:Sekr1t-pw@mail', MAIL_FROM: 'a@example.org' }, 'SMTP_URL: is not a URL'],
  [{ SMTP_URL: 'smtp://user:Sekr1t-pw@mail.example.org' }, 'MAIL_FROM: required when SMTP_URL is set'],
  [{ SMTP_URL: 'smtp://mail.example.org', MAIL_FROM: 'progress' }, 'MAIL_FROM: must be an address or "Name <address>"'],
  [{ SMTP_URL: 'smtp://mail.example.org', MAIL_FROM: 'A <a@example.org>\r\nBcc: x@evil.example' }, 'MAIL_FROM: must be an address or "Name <address>"'],
])('refuses %j at start', (env, problem) => {
  const problems = problemsOf(env);
  expect(problems).toEqual([expect.stringContaining(problem)]);
  expect(problems.join(' ')).not.toContain('Sekr1t-pw');
});
