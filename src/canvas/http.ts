/** Query values as Canvas takes them; arrays become bracketed keys (`include[]=items`). */
export type QueryValue = string | number | boolean | readonly (string | number)[] | null | undefined;
export type Query = Readonly<Record<string, QueryValue>>;

export function appendQuery(url: URL, query: Query): void {
  for (const [key, value] of Object.entries(query)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) {
      const arrayKey = key.endsWith('[]') ? key : `${key}[]`;
      for (const v of value) url.searchParams.append(arrayKey, String(v));
    } else {
      url.searchParams.append(key, String(value));
    }
  }
}

const ID_SEGMENT = /^(\d+|(sis_[a-z_]+|lti_[a-z0-9_]+|uuid)(:|%3A).+)$/i;

/**
 * Groups calls for the run record: `GET /courses/:id/modules/:id/items`. Ids and the query
 * are dropped, so keys carry no personal data and stay few.
 */
export function endpointKey(method: string, pathOrUrl: string): string {
  const pathname = pathOrUrl.includes('://') ? new URL(pathOrUrl).pathname : pathOrUrl.split('?')[0];
  const trimmed = pathname.replace(/^\/api\/v1(?=\/)/, '').replace(/^\/api\/graphql$/, '/graphql');
  const normalised = trimmed
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) ? ':id' : segment))
    .join('/');
  return `${method} ${normalised}`;
}

/** Parses RFC 8288 `Link` headers into rel → URL; Canvas lists current/next/prev/first/last. */
export function parseLinkHeader(header: string | null): Map<string, string> {
  const links = new Map<string, string>();
  if (!header) return links;
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2]);
    if (!rel) continue;
    for (const name of rel[1].trim().split(/\s+/)) links.set(name.toLowerCase(), match[1]);
  }
  return links;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
