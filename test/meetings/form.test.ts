import { draftFromForm, draftFromPlan, meetingFormView, meetingListItems, parseDay, validateMeeting, type MeetingWithReflection } from '../../src/meetings';

describe('parseDay', () => {
  it.each([
    ['2026-12-07', '2026-12-07'],
    ['7/12/2026', '2026-12-07'],
    ['07.12.2026', '2026-12-07'],
    ['7 December 2026', '2026-12-07'],
    ['Monday 7 Dec 2026', '2026-12-07'],
    ['7th december, 2026', '2026-12-07'],
    ['29/02/2028', '2028-02-29'],
  ])('reads %p as %p', (text, day) => expect(parseDay(text)).toBe(day));

  it.each(['', '2026-02-29', '31/04/2026', '12/31/2026', '7 Decembre 2026', '1999-12-31', 'tomorrow', '2026-12-07T10:00'])('refuses %p', (text) => expect(parseDay(text)).toBeNull());
});

describe('the meeting form', () => {
  it('reads the posted rows, dropping empty ones, so the steps are numbered as the form shows them again', () => {
    const draft = draftFromForm({
      plan: '2.3',
      date: '2026-01-12',
      focus: 'Routines',
      notes: '',
      'step-1': '',
      'owner-1': 'ect',
      'due-1': '',
      'step-2': 'Teach the entry routine',
      'owner-2': 'both',
      'due-2': '2026-01-19',
      'step-3': '',
      'owner-3': 'mentor',
      'due-3': '2026-01-20',
    });
    expect(draft).toEqual({
      module: 2,
      session: 3,
      date: '2026-01-12',
      focus: 'Routines',
      notes: '',
      actions: [
        { step: 'Teach the entry routine', owner: 'both', due: '2026-01-19' },
        { step: '', owner: 'mentor', due: '2026-01-20' },
      ],
    });
    const checked = validateMeeting(draft, '2026-01-12');
    expect(checked.ok ? [] : checked.errors.map((e) => e.field)).toEqual(['actions.1.step']);

    const view = meetingFormView(draft, checked.ok ? [] : checked.errors, '2026-01-12');
    expect(view.actions.rows.map((r) => [r.n, r.step, r.stepError])).toEqual([
      [1, 'Teach the entry routine', null],
      [2, '', 'Action step 2: describe the step, or clear its due date'],
      [3, '', null],
      [4, '', null],
    ]);
    expect(view.errors).toEqual([{ href: '#step-2', message: 'Action step 2: describe the step, or clear its due date' }]);
    expect(view.plan.groups.flatMap((g) => g.options).filter((o) => o.selected).map((o) => o.value)).toEqual(['2.3']);
    expect(view.date.max).toBe('2027-01-12');
  });

  it('reads a plan of a module alone as no session, and anything else as no module', () => {
    expect(draftFromForm({ plan: '3' })).toMatchObject({ module: 3, session: null });
    expect(draftFromForm({ plan: '3.x' })).toMatchObject({ module: null, session: null });
    const checked = validateMeeting(draftFromForm({ plan: '', date: '2026-01-12', focus: 'x' }), '2026-01-12');
    expect(checked.ok ? [] : checked.errors).toEqual([{ field: 'module', message: 'Module: choose the module this meeting belongs to' }]);
  });

  it('starts a new meeting from a session plan: its title as the focus and its steps for the ECT', () => {
    const draft = draftFromPlan(1, 1, '2026-01-12');
    expect(draft).toMatchObject({ module: 1, session: 1, date: '2026-01-12', focus: 'Starting from the audit: expectations and belonging' });
    expect(draft.actions.map((a) => a.owner)).toEqual(['ect', 'ect', 'ect']);
    expect(meetingFormView(draft, [], '2026-01-12').actions.rows).toHaveLength(5);
    expect(draftFromPlan(1, null, '2026-01-12')).toMatchObject({ session: null, focus: '', actions: [] });
  });
});

describe('meetingListItems', () => {
  it('gives the partial plain values: counts and whether the ECT has reflected', () => {
    const at = new Date('2026-01-12T10:00:00Z');
    const meeting = { _id: 'meeting:AAAAAAAAAAAAAAAA', ectOwnerId: 'e', ectKey: 'canvas:1', ectName: 'E', mentorOwnerId: 'm', mentorName: 'M', cohort: 'C', module: 2, session: null, date: '2026-01-12', focus: 'Routines', notes: '', actions: [{ step: 'a', owner: 'ect', due: null }], createdAt: at, updatedAt: at } as const;
    const items = meetingListItems([
      { ...meeting, actions: [...meeting.actions], reflection: null },
      { ...meeting, _id: 'meeting:BBBBBBBBBBBBBBBB', actions: [], reflection: { _id: 'meeting:BBBBBBBBBBBBBBBB', ectOwnerId: 'e', text: 't', createdAt: at, updatedAt: at } },
    ] satisfies MeetingWithReflection[]);
    expect(items).toEqual([
      { id: 'meeting:AAAAAAAAAAAAAAAA', date: '2026-01-12', module: 2, session: null, focus: 'Routines', actionCount: 1, reflected: false },
      { id: 'meeting:BBBBBBBBBBBBBBBB', date: '2026-01-12', module: 2, session: null, focus: 'Routines', actionCount: 0, reflected: true },
    ]);
  });
});
