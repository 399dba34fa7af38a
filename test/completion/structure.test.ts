import { generateCohort, startCanvasSimulator, type CanvasSimulator } from '../../canvas-sim';
import { CanvasApi, CanvasClient } from '../../src/canvas';
import { CLASSIFICATION_FILE, loadClassificationRules } from '../../src/completion/classify';
import {
  buildCourseStructure,
  moduleNumberFromTitle,
  parseModuleMap,
  unknownMappedModules,
  type CanvasModuleInput,
} from '../../src/completion/structure';
import { moduleNumbers } from '../../src/curriculum';

const rules = loadClassificationRules(CLASSIFICATION_FILE);
const ECT_MODULES = moduleNumbers('ect');

function module(id: string, name: string, position: number, items: CanvasModuleInput['items'] = []): CanvasModuleInput {
  return { id, name, position, items };
}

const mustView = { type: 'must_view' };

describe('matching a Canvas module title to a programme module', () => {
  it.each([
    ['Module 3: Developing quality pedagogy', 3],
    ['Module 3 - Developing quality pedagogy', 3],
    ['Module 3 – Developing quality pedagogy', 3],
    ['Module 3', 3],
    ['  module 9:Fulfilling professional responsibilities (II) ', 9],
    ['Module 03: leading zero', 3],
  ])('reads "%s" as module %i', (title, number) => {
    expect(moduleNumberFromTitle(title, ECT_MODULES)).toBe(number);
  });

  it.each(['Induction', 'Module 10: Extension', 'Module 0', 'Module 3 audit', 'Year 1 Module 3', 'Module three: pedagogy'])(
    'does not match "%s"',
    (title) => {
      expect(moduleNumberFromTitle(title, ECT_MODULES)).toBeNull();
    },
  );
});

describe('reading --module-map', () => {
  it('reads Canvas module ids and programme module numbers', () => {
    expect(parseModuleMap('12=1, 13=2,,', ECT_MODULES)).toEqual({ '12': 1, '13': 2 });
  });

  it.each([
    ['12:1', /not CANVAS_MODULE_ID=MODULE_NUMBER/],
    ['12=10', /module 10 is not a module of this programme/],
    ['12=1,12=2', /Canvas module 12 is mapped twice/],
  ])('refuses %s', (text, message) => {
    expect(() => parseModuleMap(text, ECT_MODULES)).toThrow(message);
  });
});

describe('building the course structure', () => {
  const canvasModules = [
    module('20', 'Module 2 - Engaging pupils in learning', 3, [{ id: '201', title: 'Reading', type: 'Page', completion_requirement: mustView }]),
    module('10', 'Induction', 1, [{ id: '101', title: 'Welcome', type: 'Page', completion_requirement: mustView }]),
    module('11', 'Module 1: Enabling pupil learning', 2, [
      { id: '110', title: 'Self-directed study', type: 'SubHeader' },
      { id: '111', title: '1.1 Reading: High expectations', type: 'Page', completion_requirement: mustView },
      { id: '112', title: '1.2 Resource: Memory', type: 'File' },
      { id: '113', title: 'Mentor meeting 1: Reviewing the audit', type: 'Page', completion_requirement: { type: 'must_mark_done' } },
      { id: '114', title: 'Training event: Enabling pupil learning', type: 'Page' },
      { id: '115', title: 'Module 1 audit', type: 'Assignment', completion_requirement: { type: 'must_submit' } },
    ]),
    module('30', 'Pedagogy block', 4),
  ];

  it('orders modules by position, numbers them by title and classifies their items', () => {
    const structure = buildCourseStructure(canvasModules, { courseId: '5', programme: 'ect' }, rules);
    expect(structure.modules.map((m) => [m.canvasModuleId, m.number, m.matchedBy])).toEqual([
      ['10', null, null],
      ['11', 1, 'title'],
      ['20', 2, 'title'],
      ['30', null, null],
    ]);
    expect(structure.modules[1].items.map((i) => [i.id, i.class, i.required, i.requirementType])).toEqual([
      ['110', 'header', false, null],
      ['111', 'self-study', true, 'must_view'],
      ['112', 'self-study', false, null],
      ['113', 'mentor-meeting', true, 'must_mark_done'],
      ['114', 'event', false, null],
      ['115', 'audit', true, 'must_submit'],
    ]);
  });

  it('reports Canvas modules it could not match and programme modules with no Canvas module', () => {
    const structure = buildCourseStructure(canvasModules, { courseId: '5', programme: 'ect' }, rules);
    expect(structure.unmatchedCanvasModules).toEqual([
      { canvasModuleId: '10', name: 'Induction' },
      { canvasModuleId: '30', name: 'Pedagogy block' },
    ]);
    expect(structure.missingProgrammeModules).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it('lets an explicit map win over titles', () => {
    const structure = buildCourseStructure(canvasModules, { courseId: '5', programme: 'ect', moduleMap: { '30': 3, '20': 4 } }, rules);
    const numbers = Object.fromEntries(structure.modules.map((m) => [m.canvasModuleId, [m.number, m.matchedBy]]));
    expect(numbers).toEqual({ '10': [null, null], '11': [1, 'title'], '20': [4, 'map'], '30': [3, 'map'] });
    expect(structure.missingProgrammeModules).toEqual([2, 5, 6, 7, 8, 9]);
  });

  it('applies the link\'s classification overrides', () => {
    const overrides = { items: { '114': 'self-study' as const }, titles: [{ pattern: '^Welcome', class: 'event' as const }] };
    const structure = buildCourseStructure(canvasModules, { courseId: '5', programme: 'ect', classificationOverrides: overrides }, rules);
    const classes = Object.fromEntries(structure.modules.flatMap((m) => m.items).map((i) => [i.id, i.class]));
    expect(classes['114']).toBe('self-study');
    expect(classes['101']).toBe('event');
    expect(classes['113']).toBe('mentor-meeting');
  });

  it('changes its hash when the structure changes, and only then', () => {
    const base = buildCourseStructure(canvasModules, { courseId: '5', programme: 'ect' }, rules).hash;
    expect(buildCourseStructure([...canvasModules].reverse(), { courseId: '5', programme: 'ect' }, rules).hash).toBe(base);
    expect(buildCourseStructure(canvasModules, { courseId: '5', programme: 'ect', moduleMap: { '30': 3 } }, rules).hash).not.toBe(base);
    const retitled = canvasModules.map((m) => (m.id === '20' ? { ...m, items: [{ ...m.items[0], completion_requirement: undefined }] } : m));
    expect(buildCourseStructure(retitled, { courseId: '5', programme: 'ect' }, rules).hash).not.toBe(base);
  });

  it('never counts unpublished items or items of unpublished modules: students cannot see them', () => {
    const structure = buildCourseStructure(
      [
        { ...module('40', 'Module 4: Making productive use of assessment', 1, [
          { id: '401', title: 'Reading', type: 'Page', completion_requirement: mustView, published: true },
          { id: '402', title: 'Draft reading', type: 'Page', completion_requirement: mustView, published: false },
        ]), published: true },
        { ...module('50', 'Module 5: Fulfilling professional responsibilities (I)', 2, [{ id: '501', title: 'Reading', type: 'Page', completion_requirement: mustView }]), published: false },
      ],
      { courseId: '5', programme: 'ect' },
      rules,
    );
    expect(structure.modules.flatMap((m) => m.items.map((i) => [i.id, i.required]))).toEqual([
      ['401', true],
      ['402', false],
      ['501', false],
    ]);
  });

  it('names map entries for modules the course does not have', () => {
    const map = { '11': 1, '999': 2 };
    expect(unknownMappedModules(buildCourseStructure(canvasModules, { courseId: '5', programme: 'ect', moduleMap: map }, rules), map)).toEqual(['999']);
  });
});

describe('a structure built from what the Canvas client lists', () => {
  let sim: CanvasSimulator;
  beforeAll(async () => {
    sim = await startCanvasSimulator({ data: generateCohort({ seed: 'modules', courses: 1, studentsPerCourse: 3 }), latencyMs: 0 });
  });
  afterAll(() => sim.close());

  it('matches all nine modules, leaves Induction out and counts exactly the simulator\'s required items', async () => {
    const course = sim.data.courses[0];
    const api = new CanvasApi(new CanvasClient({ baseUrl: sim.url, token: sim.token, userAgent: 'ecf-progress tests' }));
    const structure = buildCourseStructure(await api.listModules(course.id), { courseId: course.id, programme: 'ect' }, rules);

    expect(structure.unmatchedCanvasModules.map((m) => m.name)).toEqual(['Induction']);
    expect(structure.missingProgrammeModules).toEqual([]);
    expect(structure.modules.filter((m) => m.number !== null).map((m) => m.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);

    const requiredInSim = course.modules.flatMap((m) => m.items.filter((i) => i.requirement !== null).map((i) => i.id));
    const requiredHere = structure.modules.flatMap((m) => m.items.filter((i) => i.required).map((i) => i.id));
    expect(requiredHere).toEqual(requiredInSim);

    const module3 = structure.modules.find((m) => m.number === 3)!;
    const audit = module3.items.find((i) => i.class === 'audit')!;
    expect(audit).toMatchObject({ title: 'Module 3 audit', required: true, requirementType: 'must_submit' });
    expect(module3.items.filter((i) => i.class === 'event').every((i) => !i.required)).toBe(true);
    expect(module3.items.some((i) => i.class === 'mentor-meeting' && i.required)).toBe(true);
  });
});
