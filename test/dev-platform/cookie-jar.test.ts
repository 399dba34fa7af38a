import { CookieJar } from '../../dev-platform/launcher';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

describe('CookieJar', () => {
  it('sends a cookie only under its path, most specific first', () => {
    const jar = new CookieJar();
    jar.store(new URL('http://127.0.0.1:3000/lti/login'), ['a=root; Path=/', 'b=lti; Path=/lti', 'c=defaulted'], NOW);
    expect(jar.header(new URL('http://127.0.0.1:3000/lti/launch'), {})).toBe('b=lti; c=defaulted; a=root');
    expect(jar.header(new URL('http://127.0.0.1:3000/ltix'), {})).toBe('a=root');
    expect(jar.header(new URL('http://127.0.0.1:3000/'), {})).toBe('a=root');
  });

  it('keeps one value per name and path, and forgets expired cookies', () => {
    const jar = new CookieJar();
    const url = new URL('http://127.0.0.1:3000/');
    jar.store(url, ['s=one; Path=/', 'gone=x; Path=/; Max-Age=60'], NOW);
    jar.store(url, ['s=two; Path=/', 'gone=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT'], NOW);
    expect(jar.toObject(url)).toEqual({ s: 'two' });

    jar.store(url, ['short=x; Max-Age=1'], NOW);
    expect(jar.matching(url, {}, NOW + 2000).map((cookie) => cookie.name)).toEqual(['s']);
  });

  it('ignores Secure only on loopback http', () => {
    const jar = new CookieJar();
    jar.store(new URL('http://127.0.0.1:3000/'), ['loop=1; Secure; SameSite=None'], NOW);
    jar.store(new URL('http://tool.example/'), ['plain=1; Secure'], NOW);
    expect(jar.toObject(new URL('http://127.0.0.1:3000/'))).toEqual({ loop: '1' });
    expect(jar.toObject(new URL('http://tool.example/'))).toEqual({});
  });

  it('does not send host-only cookies to other hosts, and honours Domain', () => {
    const jar = new CookieJar();
    jar.store(new URL('https://tool.example/'), ['host=1', 'wide=1; Domain=example'], NOW);
    jar.store(new URL('https://tool.example/'), ['foreign=1; Domain=other.test'], NOW);
    expect(jar.toObject(new URL('https://api.example/'))).toEqual({ wide: '1' });
    expect(jar.toObject(new URL('https://tool.example/'))).toEqual({ host: '1', wide: '1' });
    expect(jar.toObject(new URL('https://other.test/'))).toEqual({});
  });

  it('sends only SameSite=None; Secure cookies cross-site', () => {
    const jar = new CookieJar();
    jar.store(new URL('https://tool.example/'), ['lax=1; SameSite=Lax', 'unset=1', 'insecure=1; SameSite=None', 'ok=1; SameSite=None; Secure'], NOW);
    expect(jar.header(new URL('https://tool.example/'), { crossSite: true })).toBe('ok=1');
    expect(jar.header(new URL('https://tool.example/'), { crossSite: false })).toBe('lax=1; unset=1; insecure=1; ok=1');
  });
});
