import { hiddenFrom, moduleTotals, participantFigures, planFor, progressionMatchesPlan, studentModuleCounts, type CourseStructure } from '../../src/completion';

/** Two programme modules of three required self-study items each. */
const structure = {
  courseId: '1',
  hash: 'h',
  moduleNumbers: [1, 2, 3],
  unmatchedCanvasModules: [],
  modules: [1, 2].map((n) => ({
    canvasModuleId: `m${n}`,
    name: `Module ${n}`,
    position: n,
    number: n,
    matchedBy: 'title',
    items: [1, 2, 3].map((i) => ({ id: `${n}${i}`, title: `Item ${i}`, type: 'Page', class: 'self-study', required: true, requirementType: 'must_view' })),
  })),
} as unknown as CourseStructure;
const plan = planFor(structure);

const progression = (completed: number, total: number, incomplete: string[][]) => ({
  completed,
  total,
  incompleteModules: incomplete.map((ids, i) => ({ moduleId: `m${i + 1}`, incompleteItemIds: ids })),
});

describe('whether GraphQL progression can be read as "required − incomplete"', () => {
  it('can when the counts and lists agree with the course', () => {
    expect(progressionMatchesPlan(progression(4, 6, [['13'], ['23']]), plan)).toBe(true);
    expect(progressionMatchesPlan(progression(6, 6, []), plan)).toBe(true);
  });

  it('cannot when the student’s total differs (a hidden item, a complete-one module)', () => {
    expect(progressionMatchesPlan(progression(4, 5, [['13']]), plan)).toBe(false);
  });

  it('cannot when a module held as completed leaves an unmet requirement out of the list', () => {
    expect(progressionMatchesPlan(progression(5, 6, []), plan)).toBe(false);
  });

  it('cannot when Canvas withholds progression in a course with requirements', () => {
    expect(progressionMatchesPlan(null, plan)).toBe(false);
    expect(progressionMatchesPlan(null, planFor({ ...structure, modules: [] }))).toBe(true);
  });
});

describe('a student’s own figures', () => {
  const completions = (ids: string[]) => new Map(ids.map((id) => [id, 0]));

  it('counts items hidden from the student neither as required nor as done', () => {
    const hidden = hiddenFrom(plan, ['11', '12', '21', '22', '23']);
    expect(hidden).toEqual(['13']);
    const counts = studentModuleCounts(plan, completions(['11', '12', '21']), hidden);
    expect(counts).toEqual({ required: [2, 3, null], done: [2, 1, 0] });
    expect(moduleTotals(plan)).toEqual([3, 3, null]);
  });

  it('shows 100 % to a differentiated student who completed every item visible to them', () => {
    const counts = studentModuleCounts(plan, completions(['11', '12']), ['13']);
    const figures = participantFigures(plan.moduleNumbers, counts.required, counts.done);
    expect(figures.modules[0]).toEqual({ number: 1, required: 2, completed: 2, percent: 100, state: 'completed' });
  });

  it('rounds down, sums the overall over modules with items, and names each module’s state', () => {
    const figures = participantFigures([1, 2, 3], [3, 3, null], [1, 0, 0]);
    expect(figures.modules.map((m) => [m.percent, m.state])).toEqual([
      [33, 'in-progress'],
      [0, 'not-started'],
      [null, 'no-online-items'],
    ]);
    expect(figures.overall).toBe(16);
    expect(participantFigures([1], [null], [0]).overall).toBeNull();
  });

  it('takes every student at the course’s requirements when Canvas listed no exception', () => {
    expect(hiddenFrom(plan, null)).toEqual([]);
  });
});
