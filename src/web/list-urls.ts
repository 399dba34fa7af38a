/** How a list page's query fields are written in its address: [field, parameter name]. */
export type ParamNames<Q> = readonly (readonly [keyof Q, string])[];

/**
 * A list page's address with some of its query changed: every filter, sort and page link keeps
 * the rest. Blank fields are left out, `descending` is `dir=desc` and pages count from 1.
 */
export function listUrl<Q extends { descending?: boolean; page?: number }>(base: string, path: string, names: ParamNames<Q>, query: Q, change: Partial<Record<keyof Q, string | number | boolean | undefined>>): string {
  const merged = { ...query, ...change } as Record<keyof Q, unknown>;
  const params = new URLSearchParams();
  for (const [field, param] of names) if (merged[field] !== undefined && merged[field] !== '') params.set(param, String(merged[field]));
  if (merged.descending) params.set('dir', 'desc');
  if (typeof merged.page === 'number' && merged.page > 0) params.set('page', String(merged.page + 1));
  const text = params.toString();
  return `${base}${path}${text ? `?${text}` : ''}`;
}

/** The previous / next links of a paged list; null when it fits on one page. `page` counts from 0. */
export function pagingOf(view: { page: number; pages: number }, urlOf: (page: number) => string) {
  if (view.pages <= 1) return null;
  return {
    page: view.page + 1,
    pages: view.pages,
    previous: view.page > 0 ? urlOf(view.page - 1) : null,
    next: view.page + 1 < view.pages ? urlOf(view.page + 1) : null,
  };
}
