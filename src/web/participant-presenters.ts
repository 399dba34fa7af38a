import type { PhaseStatus } from '../audits';
import { moduleOf, moduleWindows, ukDate, type CurriculumModule } from '../curriculum';
import { meetingListItems } from '../meetings';
import type { Readable } from '../participants/access';
import type { ModuleCard, Overview } from '../participants/overview';

const STATE_WORDS = { completed: 'Complete', 'in-progress': 'In progress', 'not-started': 'Not started', 'no-online-items': 'No online items' } as const;

const personUrl = (base: string, key: string) => `${base}people/${encodeURIComponent(key)}`;

/** "Start submitted, end not started": an audit's state in a few words. */
export function auditWords(audit: Record<'start' | 'end', PhaseStatus>): string {
  if (audit.end === 'submitted') return 'Start and end submitted';
  if (audit.start === 'submitted') return audit.end === 'draft' ? 'Start submitted, end in draft' : 'Start submitted';
  return audit.start === 'draft' ? 'Start in draft' : 'Not started';
}

function presentCard(card: ModuleCard, base: string, readable?: Readable) {
  const auditUrl = readable && !readable.asSelf ? `${personUrl(base, readable.participant.key)}/modules/${card.number}/audit` : `${base}modules/${card.number}/audit`;
  return {
    number: card.number,
    title: card.title,
    summary: card.summary,
    year: card.year,
    percent: card.figure?.percent ?? null,
    hasPercent: typeof card.figure?.percent === 'number',
    done: card.figure?.completed ?? 0,
    total: card.figure?.required ?? null,
    stateWords: card.figure ? STATE_WORDS[card.figure.state] : 'Not synced yet',
    window: card.window,
    audit: auditWords(card.audit),
    auditDone: card.audit.end === 'submitted',
    auditUrl,
    sessionPlansUrl: `${base}modules/${card.number}/session-plans`,
    meetings: card.meetings,
    next: card.next,
  };
}

/** An overview for the page: the current module first, then the rest. */
export function presentOverview(overview: Overview, base: string, readable?: Readable) {
  return {
    programme: overview.programme,
    programmeLabel: overview.programme === 'mentor' ? 'Mentor programme' : 'Early career teacher programme',
    overall: overview.overall,
    dataAsOf: overview.dataAsOf,
    synced: overview.dataAsOf !== null,
    current: presentCard(overview.current, base, readable),
    currentReason: overview.currentReason,
    others: overview.others.map((card) => presentCard(card, base, readable)),
    meetings: overview.meetings,
    progressUrl: `${base}progress`,
  };
}

export function presentMentee(mentee: Readable, overview: Overview, base: string) {
  const current = overview.current;
  return {
    name: mentee.participant.name ?? 'ECT',
    url: personUrl(base, mentee.participant.key),
    status: mentee.participant.status,
    currentModule: `Module ${current.number}: ${current.title}`,
    percent: current.figure?.percent ?? null,
    hasPercent: typeof current.figure?.percent === 'number',
    audit: auditWords(current.audit),
    lastMeeting: overview.meetings.last,
    dataAsOf: overview.dataAsOf,
    recordMeetingUrl: `${personUrl(base, mentee.participant.key)}/meetings/new?module=${current.number}`,
    sessionPlanUrl: `${base}modules/${current.number}/session-plans#session-${sessionThisWeek(moduleOf('ect', current.number)!, mentee.participant.cohort, 'ect')}`,
  };
}

export function presentSubject(readable: Readable, base: string) {
  const p = readable.participant;
  return { name: p.name ?? 'Participant', role: p.role === 'mentor' ? 'Mentor' : 'Early career teacher', status: p.status, url: personUrl(base, p.key), meetingsUrl: `${personUrl(base, p.key)}/meetings`, isSelf: readable.asSelf, lastActivityAt: p.progress?.lastActivityAt ?? null };
}

/**
 * This week's session of a module's plans: by the cohort's schedule, the session whose share of
 * the module's window today falls in; outside the window, the first (before) or the last (after).
 */
export function sessionThisWeek(module: CurriculumModule, cohort: string | null, programme: 'ect' | 'mentor', now = new Date()): number | null {
  const sessions = module.sessionPlans.map((p) => p.session);
  if (sessions.length === 0) return null;
  const window = cohort ? moduleWindows(cohort, programme).find((w) => w.module === module.number) : undefined;
  if (!window) return sessions[0];
  const today = Date.parse(`${ukDate(now)}T00:00:00Z`);
  const opens = Date.parse(`${window.opens}T00:00:00Z`);
  const closes = Date.parse(`${window.closes}T00:00:00Z`) + 86_400_000;
  if (today < opens) return sessions[0];
  if (today >= closes) return sessions[sessions.length - 1];
  return sessions[Math.floor(((today - opens) / (closes - opens)) * sessions.length)];
}

export function presentSessionPlans(module: CurriculumModule, cohort: string | null, mentees: Readable[], base: string) {
  const thisWeek = sessionThisWeek(module, cohort, 'ect');
  return {
    module,
    thisWeek,
    plans: module.sessionPlans.map((plan) => ({
      ...plan,
      anchor: `session-${plan.session}`,
      isThisWeek: plan.session === thisWeek,
      record: mentees.map((m) => ({ name: m.participant.name ?? 'your ECT', url: `${personUrl(base, m.participant.key)}/meetings/new?module=${module.number}&session=${plan.session}` })),
    })),
  };
}

/** Meeting records as the record page lists them (see views/partials/meetings.hbs). */
export const presentMeetingList = meetingListItems;
