/**
 * What a launch opens. Deep-linked items carry it in custom parameters so each placed
 * link goes straight to its view.
 */
export type LaunchView =
  | { kind: 'home' }
  | { kind: 'progress' }
  | { kind: 'audit'; module: number }
  | { kind: 'session-plans'; module: number };

export const MODULE_NUMBERS = [1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

function moduleNumber(value: unknown): number | null {
  const n = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 9 ? n : null;
}

export function viewFromCustom(custom: Record<string, unknown> | undefined): LaunchView {
  const kind = custom?.ecf_view;
  const module = moduleNumber(custom?.ecf_module);
  if (kind === 'progress') return { kind: 'progress' };
  if (kind === 'audit' && module) return { kind: 'audit', module };
  if (kind === 'session-plans' && module) return { kind: 'session-plans', module };
  return { kind: 'home' };
}

/** The content items a facilitator may place from the link-selection placement. */
export function placeableViews(): { id: string; title: string; custom: Record<string, string> }[] {
  return [
    { id: 'progress', title: 'My progress', custom: { ecf_view: 'progress' } },
    ...MODULE_NUMBERS.map((n) => ({
      id: `audit-${n}`,
      title: `Module audit (module ${n})`,
      custom: { ecf_view: 'audit', ecf_module: String(n) },
    })),
    ...MODULE_NUMBERS.map((n) => ({
      id: `session-plans-${n}`,
      title: `Mentor session plans (module ${n})`,
      custom: { ecf_view: 'session-plans', ecf_module: String(n) },
    })),
  ];
}
