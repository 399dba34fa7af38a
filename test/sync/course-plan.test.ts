import { planFor, progressionMatchesPlan } from '../../src/sync/course-plan';
import type { CourseStructure } from '../../src/programme/modules';

/** Two programme modules of three required self-study items each. */
const structure = {
  courseId: '1',
  hash: 'h',
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
