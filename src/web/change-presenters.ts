import type { ChangeForm, ChangeKind, ChangeRequestView, FieldError, PairingView, ReviewItem, ReviewPage } from '../changes';
import type { GridRow } from '../progress/grid';
import { formatDay, formatMoment } from './format';

/** What each kind is called on the pages, and the school's link to ask for it. */
export const KIND_LABELS: Record<ChangeKind, { title: string; ask: string }> = {
  'mentor-change': { title: 'Change of mentor', ask: 'Change an ECT’s mentor' },
  'email-change': { title: 'Change of email address', ask: 'Change someone’s email address' },
  withdrawal: { title: 'Withdrawal', ask: 'Withdraw someone from the programme' },
  deferral: { title: 'Deferral', ask: 'Defer someone’s training' },
  'new-participant': { title: 'New participant', ask: 'Add a new ECT or mentor' },
};

const STATE_LABELS = { open: 'Waiting', approved: 'Approved', rejected: 'Not approved' } as const;
const ROLE_NAMES = { ect: 'ECT', mentor: 'mentor' } as const;
const STATUS_NAMES: Record<string, string> = { active: 'Active', withdrawn: 'Withdrawn', deferred: 'Deferred' };

const day = (date: string) => formatDay(date) || date;

/** The change asked for, in one sentence a school and an admin both read. */
export function describeChange(request: ChangeRequestView): string {
  const d = request.details;
  switch (d.kind) {
    case 'mentor-change':
      return `New mentor ${d.mentorName} (${d.mentorEmail}) from ${day(d.effectiveDate)}.`;
    case 'email-change':
      return `New email address ${d.email}${d.previousEmail ? ` (was ${d.previousEmail})` : ''}.`;
    case 'withdrawal':
      return `Withdrawn from ${day(d.effectiveDate)}. Reason: ${d.reason}`;
    case 'deferral':
      return `Deferred from ${day(d.effectiveDate)}. Reason: ${d.reason}`;
    case 'new-participant':
      return `Add ${d.name} (${d.email}) as ${d.role === 'ect' ? 'an ECT' : 'a mentor'} in ${request.cohort}, starting ${day(d.startDate)}${d.mentorEmail ? `, mentored by ${d.mentorEmail}` : ''}.`;
  }
}

function whoOf(request: ChangeRequestView): string {
  const d = request.details;
  return (d.kind === 'new-participant' ? d.name : d.participantName) ?? 'A participant';
}

export function presentRequest(request: ChangeRequestView) {
  return {
    id: request.id,
    kind: KIND_LABELS[request.kind].title,
    who: whoOf(request),
    cohort: request.cohort,
    change: describeChange(request),
    note: request.note,
    askedBy: request.askedBy,
    askedAt: formatMoment(request.askedAt),
    state: STATE_LABELS[request.state],
    stateClass: request.state,
    open: request.state === 'open',
    reason: request.decision?.reason ?? '',
    decidedBy: request.decision?.decidedBy ?? '',
    decidedAt: request.decision ? formatMoment(request.decision.decidedAt) : '',
    /** Approved, but the roster changes did not finish: the admin may apply them again. */
    unapplied: request.state === 'approved' && !request.applied,
  };
}

export function presentPairings(pairings: readonly PairingView[]) {
  const byPerson = new Map<string, { name: string; entries: { mentor: string; from: string }[] }>();
  for (const p of pairings) {
    const person = byPerson.get(p.rosterId) ?? { name: p.participantName ?? 'An ECT', entries: [] };
    byPerson.set(p.rosterId, person);
    person.entries.push({ mentor: `${p.mentorName ?? 'Unnamed mentor'}${p.mentorEmail ? ` (${p.mentorEmail})` : ''}`, from: p.from ? `from ${day(p.from)}` : 'before the first recorded change' });
  }
  return [...byPerson.values()].sort((a, b) => a.name.localeCompare(b.name));
}

interface Field {
  id: string;
  name: keyof ChangeForm;
  label: string;
  hint?: string;
  kind: 'select' | 'text' | 'email' | 'date' | 'textarea';
  options?: { value: string; label: string; selected: boolean }[];
  value: string;
  error: string | null;
  autocomplete?: string;
}

const personLabel = (row: GridRow) => `${row.name ?? row.email ?? 'Unnamed'} (${ROLE_NAMES[row.role]}, ${row.cohort}${row.status !== 'active' ? `, ${row.status}` : ''})`;

function options(values: { value: string; label: string }[], chosen: string | undefined, prompt: string) {
  return [{ value: '', label: prompt, selected: !chosen }, ...values.map((o) => ({ ...o, selected: o.value === chosen }))];
}

/** The fields of one kind's form, with what was typed and each field's problem. */
export function presentForm(kind: ChangeKind, people: readonly GridRow[], cohorts: readonly string[], typed: Partial<ChangeForm>, errors: FieldError[] = []) {
  const error = (name: keyof ChangeForm) => errors.find((e) => e.field === name)?.message ?? null;
  const field = (name: keyof ChangeForm, label: string, type: Field['kind'], extra: Partial<Field> = {}): Field => ({ id: `change-${name}`, name, label, kind: type, value: typed[name] ?? '', error: error(name), ...extra });
  const personField = (label: string, rows: readonly GridRow[]) => field('participant', label, 'select', { options: options(rows.map((r) => ({ value: r.key, label: personLabel(r) })), typed.participant, 'Choose…') });
  const note = field('note', 'Anything else we should know (optional)', 'textarea');
  const date = (label: string, hint: string) => field('effectiveDate', label, 'date', { hint });
  let fields: Field[];
  switch (kind) {
    case 'mentor-change': {
      const mentors = people.filter((p) => p.role === 'mentor' && p.email);
      fields = [
        personField('Early career teacher', people.filter((p) => p.role === 'ect')),
        field('mentor', 'New mentor', 'select', {
          hint: 'One of your school’s mentors in the same cohort, or someone new.',
          options: options([...mentors.map((m) => ({ value: m.key, label: personLabel(m) })), { value: 'new', label: 'Someone new: give their name and email below' }], typed.mentor, 'Choose…'),
        }),
        field('mentorName', 'New mentor’s full name (if someone new)', 'text', { autocomplete: 'off' }),
        field('mentorEmail', 'New mentor’s email address (if someone new)', 'email', { autocomplete: 'off' }),
        date('Date the new mentor starts', 'For example, 2027-01-04.'),
      ];
      break;
    }
    case 'email-change':
      fields = [personField('Who', people), field('email', 'New email address', 'email', { autocomplete: 'off' })];
      break;
    case 'withdrawal':
    case 'deferral':
      fields = [personField('Who', people), date(`Date the ${kind} takes effect`, 'For example, 2027-01-04.'), field('reason', `Reason for the ${kind}`, 'text')];
      break;
    case 'new-participant':
      fields = [
        field('name', 'Full name', 'text', { autocomplete: 'off' }),
        field('email', 'Email address', 'email', { autocomplete: 'off' }),
        field('role', 'Role', 'select', { options: options([{ value: 'ect', label: 'Early career teacher (ECT)' }, { value: 'mentor', label: 'Mentor' }], typed.role, 'Choose…') }),
        field('cohort', 'Cohort', 'select', { options: options(cohorts.map((c) => ({ value: c, label: c })), typed.cohort, 'Choose…') }),
        field('mentorEmail', 'Their mentor’s email address (ECTs only, optional)', 'email', { autocomplete: 'off' }),
        field('startDate', 'Date they start', 'date', { hint: 'For example, 2027-01-04.' }),
      ];
      break;
  }
  fields.push(note);
  return {
    kind,
    title: KIND_LABELS[kind].ask,
    fields: fields.map((f) => ({ ...f, isSelect: f.kind === 'select', isTextarea: f.kind === 'textarea', inputType: f.kind === 'email' ? 'email' : f.kind === 'date' ? 'date' : 'text' })),
    errors: errors.map((e) => ({ href: `#change-${e.field}`, message: e.message })),
  };
}

/** The admin's review: each request with the participant as they are now and the change asked for. */
export function presentReview(review: ReviewPage, base: string, query: URLSearchParams) {
  const pageUrl = (page: number) => {
    const params = new URLSearchParams(query);
    params.set('page', String(page + 1));
    return `${base}admin/changes?${params.toString()}`;
  };
  return {
    items: review.items.map((item: ReviewItem) => ({
      ...presentRequest(item.request),
      school: item.schoolName ? `${item.schoolName} (URN ${item.request.urn})` : `URN ${item.request.urn}`,
      current: item.current && {
        email: item.current.email ?? 'none',
        status: STATUS_NAMES[item.current.status] ?? item.current.status,
        mentor: item.current.mentorEmail ? `${item.current.mentorName ?? 'not on the roster'} (${item.current.mentorEmail})` : null,
      },
      gone: item.request.participantKey !== null && item.current === null,
      pairings: presentPairings(item.pairings)[0]?.entries ?? [],
      decisionUrl: `${base}admin/changes/${encodeURIComponent(item.request.id)}/decision`,
      applyUrl: `${base}admin/changes/${encodeURIComponent(item.request.id)}/apply`,
      fieldId: `reason-${item.request.id.replace(/[^A-Za-z0-9_-]/g, '-')}`,
    })),
    matched: review.matched,
    page: review.page + 1,
    pages: review.pages,
    previousUrl: review.page > 0 ? pageUrl(review.page - 1) : null,
    nextUrl: review.page + 1 < review.pages ? pageUrl(review.page + 1) : null,
  };
}

export function filterChoices(review: ReviewPage, chosen: { state?: string; kind?: string; school?: string; cohort?: string }) {
  const pick = (values: { value: string; label: string }[], current: string | undefined, any: string) => [{ value: '', label: any, selected: !current }, ...values.map((v) => ({ ...v, selected: v.value === current }))];
  return {
    states: pick(Object.entries(STATE_LABELS).map(([value, label]) => ({ value, label })), chosen.state, 'Any state'),
    kinds: pick(Object.entries(KIND_LABELS).map(([value, label]) => ({ value, label: label.title })), chosen.kind, 'Any kind'),
    schools: pick(review.schools.map((s) => ({ value: s.urn, label: s.name ? `${s.name} (${s.urn})` : s.urn })), chosen.school, 'Any school'),
    cohorts: pick(review.cohorts.map((c) => ({ value: c, label: c })), chosen.cohort, 'Any cohort'),
  };
}
