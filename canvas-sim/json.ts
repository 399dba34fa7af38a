/**
 * Canvas's id rule: keys `id`, `*_id` and `*_ids` are ids. With
 * `Accept: application/json+canvas-string-ids` they are strings; otherwise they are JSON
 * numbers written as raw digits, so ids above 2^53 lose precision in a client that parses
 * them as doubles. The data keeps ids as strings, and numeric mode turns them back into digits.
 */
const ID_KEY = /^(id|.+_id|.+_ids)$/;
const DIGITS = /^\d+$/;
/** A private-use character: JSON.stringify leaves it unescaped and it never occurs in the data. */
const MARK = '\uE000';
const MARKED = new RegExp(`"${MARK}(\\d+)${MARK}"`, 'g');

function markIds(key: string, value: unknown): unknown {
  if (!ID_KEY.test(key)) return value;
  if (typeof value === 'string' && DIGITS.test(value)) return `${MARK}${value}${MARK}`;
  if (Array.isArray(value)) {
    return value.map((v) => (typeof v === 'string' && DIGITS.test(v) ? `${MARK}${v}${MARK}` : v));
  }
  return value;
}

/**
 * Serialises a REST body the way Canvas would for this request.
 * @param body JSON-ready data whose ids are digit strings.
 * @param stringIds whether the request asked for string ids.
 */
export function canvasJson(body: unknown, stringIds: boolean): string {
  if (stringIds) return JSON.stringify(body);
  return JSON.stringify(body, markIds).replace(MARKED, '$1');
}
