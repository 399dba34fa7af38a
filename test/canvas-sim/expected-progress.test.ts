import { ECF_MODULE_TITLES, generateCohort, requiredItems, SimulatorUsageError, type SimCourse, type SimItem } from '../../canvas-sim';
import { startSim, stopSimulators } from '../canvas/helpers';

afterEach(stopSimulators);

function requiredSelfStudy(course: SimCourse, moduleNumber: number): SimItem[] {
  const module = course.modules.find((m) => m.programmeModule === moduleNumber)!;
  return module.items.filter((item) => item.kind === 'self-study' && item.requirement !== null);
}

describe('the generator records what it builds', () => {
  it('gives each programme module its number, furniture none, and each item the kind it was built as', () => {
    const [course] = generateCohort({ seed: 1, courses: 1, studentsPerCourse: 1 }).courses;
    expect(course.programmeModuleCount).toBe(ECF_MODULE_TITLES.length);
    expect(course.modules.map((m) => m.programmeModule)).toEqual([null, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const module3 = course.modules.find((m) => m.programmeModule === 3)!;
    const kindOf = (title: RegExp) => module3.items.filter((item) => title.test(item.title)).map((item) => item.kind);
    expect(kindOf(/^Self-directed study$/)).toEqual(['header']);
    expect(new Set(kindOf(/^Mentor meeting /))).toEqual(new Set(['mentor-meeting']));
    expect(kindOf(/^Training event: /)).toEqual(['event']);
    expect(kindOf(/^Module 3 audit$/)).toEqual(['audit']);
    expect(new Set(kindOf(/^3\.\d+ /))).toEqual(new Set(['self-study']));
  });

  it('refuses more modules than the programme has', () => {
    expect(() => generateCohort({ seed: 1, courses: 1, studentsPerCourse: 1, modules: ECF_MODULE_TITLES.length + 1 })).toThrow(SimulatorUsageError);
  });
});

describe('sim.expectedProgress', () => {
  it('counts the required self-study of each programme module, whatever the titles say', async () => {
    const sim = await startSim();
    const course = sim.data.courses[0];
    const before = sim.expectedProgress(course.id);
    expect(before.courseRequired).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => requiredSelfStudy(course, n).length));
    // Titles no product rule could read: the truth must not move, since it never reads them.
    for (const module of course.modules) {
      module.name = `Unit ${module.id}`;
      for (const item of module.items) item.title = `Mentor meeting ${item.id}`;
    }
    expect(sim.expectedProgress(course.id)).toEqual(before);
  });

  it('has the programme’s module count from the course, with no figures for modules the course lacks', async () => {
    const sim = await startSim({ modules: 2 });
    const course = sim.data.courses[0];
    const expected = sim.expectedProgress(course.id);
    expect(expected.courseRequired).toHaveLength(ECF_MODULE_TITLES.length);
    expect(expected.courseRequired.slice(2)).toEqual(Array(ECF_MODULE_TITLES.length - 2).fill(null));
    for (const student of expected.students.values()) expect(student.modules.slice(2)).toEqual(Array(ECF_MODULE_TITLES.length - 2).fill(null));
  });

  it('rounds percentages down, and leaves a module with nothing required of the student out of the overall figure', async () => {
    const sim = await startSim();
    const course = sim.data.courses[0];
    const student = sim.addStudent(course.id);
    const [first] = requiredSelfStudy(course, 2);
    sim.completeItems(course.id, student.id, [first.id]);
    for (const item of requiredSelfStudy(course, 1)) sim.hideItemFrom(course.id, student.id, item.id);

    const expected = sim.expectedProgress(course.id);
    const mine = expected.students.get(student.id)!;
    const module2Required = requiredSelfStudy(course, 2).length;
    expect(100 % module2Required).not.toBe(0); // so one item done is a fraction that must be rounded
    expect(mine.modules[0]).toEqual({ required: 0, completed: 0, percentage: null });
    expect(mine.modules[1]).toEqual({ required: module2Required, completed: 1, percentage: Math.floor(100 / module2Required) });
    const counted = expected.courseRequired.slice(1).reduce<number>((sum, n) => sum + (n ?? 0), 0);
    expect(mine.overall).toBe(Math.floor(100 / counted));
  });

  it('gives a differentiated student their own denominators: 100% once they complete everything visible to them', async () => {
    const sim = await startSim();
    const course = sim.data.courses[0];
    const hiddenModule = 4;
    const [userId] = [...sim.truth(course.id)].find(([, truth]) => truth.completedCount > 0 && truth.incompleteItemIds.length > 0)!;
    const [hiddenItem] = requiredSelfStudy(course, hiddenModule);
    sim.hideItemFrom(course.id, userId, hiddenItem.id);
    sim.uncompleteItems(course.id, userId, [hiddenItem.id]);
    sim.completeItems(course.id, userId, sim.truth(course.id).get(userId)!.incompleteItemIds);

    // Canvas's own progress for the student: every requirement they can see is met.
    const canvas = sim.truth(course.id).get(userId)!;
    expect(canvas.completedCount).toBe(canvas.requirementCount);
    expect(canvas.requirementCount).toBe(requiredItems(course).length - 1);

    const expected = sim.expectedProgress(course.id);
    const mine = expected.students.get(userId)!;
    expect(mine.overall).toBe(100);
    expect(mine.modules.map((m) => m?.percentage)).toEqual(Array(ECF_MODULE_TITLES.length).fill(100));
    const courseWide = expected.courseRequired[hiddenModule - 1]!;
    expect(mine.modules[hiddenModule - 1]).toEqual({ required: courseWide - 1, completed: courseWide - 1, percentage: 100 });
    // Against the course-wide denominator the same student falls short of 100%.
    expect(Math.floor(((courseWide - 1) * 100) / courseWide)).toBeLessThan(100);

    const classmate = [...expected.students].find(([id]) => id !== userId)![1];
    expect(classmate.modules.map((m) => m?.required)).toEqual(expected.courseRequired);
  });
});
