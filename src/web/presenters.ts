import type { ToolSession } from '../sessions/store';
import { formatMoment } from './format';
import type { CurriculumModule } from '../curriculum';
import type { ProgrammeProgress } from '../progress/cohort-model';

const ROLE_LABELS = {
  participant: { ect: 'Early career teacher', mentor: 'Mentor', none: 'Participant' },
  facilitator: 'Facilitator',
  admin: 'Administrator',
  school: 'School contact',
} as const;

export interface PersonPresentation {
  name: string;
  course: string;
  roleLabel: string;
  base: string;
}

/** What every page shows about the person; the session id only appears as the link base. */
export function presentPerson(session: ToolSession): PersonPresentation {
  const roleLabel =
    session.role === 'participant' ? ROLE_LABELS.participant[session.programme ?? 'none'] : ROLE_LABELS[session.role];
  return { name: session.name, course: session.courseTitle, roleLabel, base: `/s/${session._id}/` };
}

export function presentModuleLink(module: CurriculumModule, base: string) {
  return {
    number: module.number,
    year: module.year,
    title: module.title,
    auditUrl: `${base}modules/${module.number}/audit`,
    sessionPlansUrl: `${base}modules/${module.number}/session-plans`,
  };
}

/** A participant's module percentages, worded for the page: "no online items" where a module has none. */
export function presentProgress(progress: ProgrammeProgress, modules: readonly CurriculumModule[]) {
  const titles = new Map(modules.map((m) => [m.number, m.title]));
  return {
    overall: progress.overall,
    asOf: progress.dataAsOf ? formatMoment(progress.dataAsOf) : null,
    modules: progress.modules.map((m) => ({ number: m.number, title: titles.get(m.number) ?? `Module ${m.number}`, done: m.completed, total: m.required, percent: m.percent })),
  };
}
