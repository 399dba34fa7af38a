import { allModuleNumbers } from '../curriculum';
import type { LaunchView } from '../domain';

/** A module number any programme has (the page then checks it against the person's programme). */
function moduleNumber(value: unknown): number | null {
  const n = typeof value === 'string' || typeof value === 'number' ? Number(value) : NaN;
  return allModuleNumbers().includes(n) ? n : null;
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
    ...allModuleNumbers().map((n) => ({
      id: `audit-${n}`,
      title: `Module audit (module ${n})`,
      custom: { ecf_view: 'audit', ecf_module: String(n) },
    })),
    ...allModuleNumbers().map((n) => ({
      id: `session-plans-${n}`,
      title: `Mentor session plans (module ${n})`,
      custom: { ecf_view: 'session-plans', ecf_module: String(n) },
    })),
  ];
}
