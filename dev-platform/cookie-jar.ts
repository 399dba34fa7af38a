export interface StoredCookie {
  name: string;
  value: string;
  /** The host that set it, or the `Domain` attribute's value for a domain cookie. */
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  sameSite: 'strict' | 'lax' | 'none' | undefined;
  expiresAtMs: number | undefined;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Browsers treat loopback as a secure context, so `Secure` cookies work over plain http there. */
function isSecureContext(url: URL): boolean {
  return url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname);
}

/** RFC 6265 §5.1.4: the request path's directory, when `Path` is absent or invalid. */
function defaultPath(url: URL): string {
  const { pathname } = url;
  if (!pathname.startsWith('/') || pathname.lastIndexOf('/') === 0) return '/';
  return pathname.slice(0, pathname.lastIndexOf('/'));
}

function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function domainMatches(cookie: StoredCookie, host: string): boolean {
  return cookie.hostOnly ? host === cookie.domain : host === cookie.domain || host.endsWith(`.${cookie.domain}`);
}

function parseSetCookie(header: string, url: URL, nowMs: number): StoredCookie | undefined {
  const [pair, ...attributes] = header.split(';');
  const separator = pair.indexOf('=');
  if (separator <= 0) return undefined;
  const cookie: StoredCookie = {
    name: pair.slice(0, separator).trim(),
    value: pair.slice(separator + 1).trim(),
    domain: url.hostname,
    hostOnly: true,
    path: defaultPath(url),
    secure: false,
    sameSite: undefined,
    expiresAtMs: undefined,
  };
  let maxAgeSet = false;
  for (const attribute of attributes) {
    const [rawName, ...rest] = attribute.split('=');
    const name = rawName.trim().toLowerCase();
    const value = rest.join('=').trim();
    if (name === 'path' && value.startsWith('/')) cookie.path = value;
    else if (name === 'domain' && value) {
      const domain = value.replace(/^\./, '').toLowerCase();
      // A site may not set cookies for a domain it is not part of.
      if (url.hostname !== domain && !url.hostname.endsWith(`.${domain}`)) return undefined;
      cookie.domain = domain;
      cookie.hostOnly = false;
    } else if (name === 'max-age' && /^-?\d+$/.test(value)) {
      cookie.expiresAtMs = nowMs + Number(value) * 1000;
      maxAgeSet = true;
    } else if (name === 'expires' && !maxAgeSet) {
      const date = Date.parse(value);
      if (!Number.isNaN(date)) cookie.expiresAtMs = date;
    } else if (name === 'secure') cookie.secure = true;
    else if (name === 'samesite') {
      const sameSite = value.toLowerCase();
      if (sameSite === 'strict' || sameSite === 'lax' || sameSite === 'none') cookie.sameSite = sameSite;
    }
  }
  return cookie;
}

/**
 * The cookie handling a browser does for the launch flow: cookies are kept by name, domain
 * and path, expire, and go back only to matching URLs. `Secure` is honoured except on
 * loopback http, where browsers treat the origin as secure too.
 */
export class CookieJar {
  private cookies: StoredCookie[] = [];

  store(url: URL, setCookieHeaders: readonly string[], nowMs = Date.now()): void {
    for (const header of setCookieHeaders) {
      const cookie = parseSetCookie(header, url, nowMs);
      if (!cookie || (cookie.secure && !isSecureContext(url))) continue;
      this.cookies = this.cookies.filter(
        (existing) => !(existing.name === cookie.name && existing.domain === cookie.domain && existing.path === cookie.path),
      );
      if (cookie.expiresAtMs === undefined || cookie.expiresAtMs > nowMs) this.cookies.push(cookie);
    }
  }

  /**
   * The cookies a request to `url` carries. In a cross-site context (a tool framed by Canvas)
   * browsers send only `SameSite=None; Secure` cookies.
   */
  matching(url: URL, options: { crossSite?: boolean } = {}, nowMs = Date.now()): StoredCookie[] {
    this.cookies = this.cookies.filter((cookie) => cookie.expiresAtMs === undefined || cookie.expiresAtMs > nowMs);
    return this.cookies
      .filter((cookie) => domainMatches(cookie, url.hostname) && pathMatches(cookie.path, url.pathname))
      .filter((cookie) => !cookie.secure || isSecureContext(url))
      .filter((cookie) => !options.crossSite || (cookie.sameSite === 'none' && cookie.secure))
      .sort((a, b) => b.path.length - a.path.length);
  }

  header(url: URL, options: { crossSite?: boolean } = {}): string {
    return this.matching(url, options)
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }

  /** Removes cookies by exact name or by pattern, e.g. `/^state/` for ltijs's state cookie. */
  delete(name: string | RegExp): void {
    this.cookies = this.cookies.filter((cookie) => (typeof name === 'string' ? cookie.name !== name : !name.test(cookie.name)));
  }

  /** Name → value of the cookies a request to `url` would carry. */
  toObject(url: URL): Record<string, string> {
    return Object.fromEntries(this.matching(url).map((cookie) => [cookie.name, cookie.value]));
  }
}
