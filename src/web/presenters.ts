import type { ToolSession } from '../sessions/store';
import type { CurriculumModule } from '../programme/curriculum';
import { modulePercentage, overallPercentage } from '../progress/percentages';
import type { CourseSyncState, StudentRecord } from '../sync';

const ROLE_LABELS = {
  participant: { ect: 'Early career teacher', mentor: 'Mentor', none: 'Participant' },
  facilitator: 'Facilitator',
  admin: 'Administrator',
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
export function presentProgress(state: CourseSyncState, student: StudentRecord, modules: CurriculumModule[]) {
  return {
    overall: overallPercentage(student.moduleDone, state.moduleTotals),
    asOf: state.syncedAt ? state.syncedAt.toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : null,
    modules: modules.map((m) => {
      const total = state.moduleTotals[m.number - 1];
      const done = student.moduleDone[m.number - 1] ?? 0;
      return { number: m.number, title: m.title, done, total, percent: modulePercentage(done, total) };
    }),
  };
}
