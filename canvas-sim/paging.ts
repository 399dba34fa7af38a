import { SimHttpError } from './errors';

/**
 * Canvas's two pagination styles. Numbered pages (`rel` current/next/prev/first/last) for
 * modules, items, sections and bulk progress; bookmark pages (`page=bookmark:…`, no `last`)
 * for enrollments. Page tokens are opaque to clients, which must follow `Link` URLs.
 */
export const DEFAULT_PER_PAGE = 10;
export const MAX_PER_PAGE = 100;

export interface Page<T> {
  rows: T[];
  link: string;
}

/** Canvas silently falls back to the default for a bad `per_page` and caps it at 100. */
export function perPage(url: URL): number {
  const raw = Number(url.searchParams.get('per_page'));
  if (!Number.isInteger(raw) || raw < 1) return DEFAULT_PER_PAGE;
  return Math.min(raw, MAX_PER_PAGE);
}

function pageUrl(url: URL, baseUrl: string, page: string): string {
  const next = new URL(url.pathname + url.search, baseUrl);
  next.searchParams.set('page', page);
  return next.toString();
}

function linkHeader(links: [rel: string, href: string][]): string {
  return links.map(([rel, href]) => `<${href}>; rel="${rel}"`).join(',');
}

function encodePageNumber(n: number): string {
  return Buffer.from(`pg:${n}`).toString('base64url');
}

function decodePageNumber(token: string | null): number {
  if (token === null) return 1;
  if (/^\d+$/.test(token)) return Math.max(1, Number(token));
  const match = /^pg:(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
  return match ? Math.max(1, Number(match[1])) : 1;
}

export function numberedPage<T>(rows: readonly T[], url: URL, baseUrl: string): Page<T> {
  const size = perPage(url);
  const lastPage = Math.max(1, Math.ceil(rows.length / size));
  const page = decodePageNumber(url.searchParams.get('page'));
  const links: [string, string][] = [['current', pageUrl(url, baseUrl, encodePageNumber(page))]];
  if (page < lastPage) links.push(['next', pageUrl(url, baseUrl, encodePageNumber(page + 1))]);
  if (page > 1) links.push(['prev', pageUrl(url, baseUrl, encodePageNumber(page - 1))]);
  links.push(['first', pageUrl(url, baseUrl, encodePageNumber(1))]);
  links.push(['last', pageUrl(url, baseUrl, encodePageNumber(lastPage))]);
  return { rows: rows.slice((page - 1) * size, page * size), link: linkHeader(links) };
}

function decodeBookmark(token: string): string {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64url').toString());
    if (Array.isArray(decoded) && typeof decoded[0] === 'string') return decoded[0];
  } catch {
    // falls through to the 400 below, as Canvas refuses a bookmark it cannot read
  }
  throw new SimHttpError(400, { errors: [{ message: 'invalid bookmark' }] });
}

function compareIds(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Keyset pagination over rows sorted by a numeric-string id, like Canvas's bookmarker.
 * @param keyOf the row's id; rows must already be sorted by it.
 */
export function bookmarkPage<T>(rows: readonly T[], keyOf: (row: T) => string, url: URL, baseUrl: string): Page<T> {
  const size = perPage(url);
  const token = url.searchParams.get('page');
  const after = token?.startsWith('bookmark:') ? decodeBookmark(token.slice('bookmark:'.length)) : null;
  const start = after === null ? 0 : rows.findIndex((row) => compareIds(keyOf(row), after) > 0);
  const slice = start < 0 ? [] : rows.slice(start, start + size);
  const current = token ?? 'first';
  const links: [string, string][] = [['current', pageUrl(url, baseUrl, current)]];
  const last = slice[slice.length - 1];
  if (start >= 0 && start + size < rows.length && last !== undefined) {
    const bookmark = Buffer.from(JSON.stringify([keyOf(last)])).toString('base64url');
    links.push(['next', pageUrl(url, baseUrl, `bookmark:${bookmark}`)]);
  }
  links.push(['first', pageUrl(url, baseUrl, 'first')]);
  return { rows: slice, link: linkHeader(links) };
}
