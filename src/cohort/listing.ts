import type { GridRow } from '../progress/grid';

/**
 * Sorted by a key, blanks (null) last whichever the direction, then by name so pages are
 * stable: how the cohort grid and the milestones page order their rows.
 */
export function sortByKey<T>(entries: readonly T[], key: (entry: T) => number | string | null, descending: boolean, byName: (a: T, b: T) => number): T[] {
  const keyed = entries.map((e) => ({ e, k: key(e) }));
  keyed.sort((a, b) => {
    if (a.k === null || b.k === null) return a.k === b.k ? byName(a.e, b.e) : a.k === null ? 1 : -1;
    const order = typeof a.k === 'number' && typeof b.k === 'number' ? a.k - b.k : String(a.k).localeCompare(String(b.k));
    return (descending ? -order : order) || byName(a.e, b.e);
  });
  return keyed.map(({ e }) => e);
}

/** The filters the grid and the milestones page share: each given one must match. */
export interface RowFilter {
  group?: string;
  school?: string;
  deliveryPartner?: string;
  role?: GridRow['role'];
  status?: string;
  /** Part of the name or email, any case. */
  search?: string;
}

export function rowMatches(row: GridRow, filter: RowFilter): boolean {
  if (filter.group !== undefined && row.group !== filter.group) return false;
  if (filter.school !== undefined && row.schoolUrn !== filter.school) return false;
  if (filter.deliveryPartner !== undefined && row.deliveryPartner !== filter.deliveryPartner) return false;
  if (filter.role && row.role !== filter.role) return false;
  if (filter.status && row.status !== filter.status) return false;
  if (filter.search) {
    const needle = filter.search.toLowerCase();
    if (!(row.name ?? '').toLowerCase().includes(needle) && !(row.email ?? '').toLowerCase().includes(needle)) return false;
  }
  return true;
}
