import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import type { CanvasSimulator } from '../../canvas-sim';
import { expectedProgress } from '../support/expected-progress';
import { openTestRuntime, type TestRuntime } from '../support/runtime';
import { expectCourseMatchesTruth, linkCourses, startSimulator, storedProgress, syncService } from '../sync/helpers';

/**
 * The ground truth must not share the product's rules: were it computed with them, a broken
 * rule would break both sides alike and every comparison would still pass.
 */

const SHIPPED_RULES_FILE = process.env.CLASSIFICATION_FILE;

let rt: TestRuntime;
let sim: CanvasSimulator;
let tempDir: string;

beforeAll(async () => {
  rt = await openTestRuntime();
  tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-truth-'));
});
afterAll(async () => {
  fs.rmSync(tempDir, { recursive: true, force: true });
  await rt.close();
});
beforeEach(async () => {
  await mongoose.connection.db?.dropDatabase();
  sim = await startSimulator({ courses: 1, students: 20 });
});
afterEach(async () => {
  if (SHIPPED_RULES_FILE === undefined) delete process.env.CLASSIFICATION_FILE;
  else process.env.CLASSIFICATION_FILE = SHIPPED_RULES_FILE;
  await sim.close();
});

/** Mentor meetings carry a requirement, so a rule that takes them for self-study inflates every module. */
function useRulesThatCountMentorMeetingsAsSelfStudy(): void {
  const file = path.join(tempDir, 'broken-classification.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      default: 'self-study',
      rules: [
        { class: 'header', itemType: 'SubHeader' },
        { class: 'self-study', titlePattern: '^mentor meeting\\b' },
        { class: 'event', titlePattern: '^training event\\b' },
        { class: 'audit', titlePattern: '\\bmodule\\s+\\d+\\s+audit\\b' },
      ],
    }),
  );
  process.env.CLASSIFICATION_FILE = file;
}

describe('the ground truth is independent of the product’s rules', () => {
  it('matches a sync made with the shipped rules', async () => {
    await linkCourses(sim);
    await syncService(sim).run({ trigger: 'test' });
    await expectCourseMatchesTruth(sim, sim.data.courses[0].id);
  });

  it('catches a classification rule that counts mentor meetings as self-study', async () => {
    useRulesThatCountMentorMeetingsAsSelfStudy();
    await linkCourses(sim);
    const run = await syncService(sim).run({ trigger: 'test' });
    expect(run.courses.map((c) => c.status)).toEqual(['synced']);
    const course = sim.data.courses[0];

    await expect(expectCourseMatchesTruth(sim, course.id)).rejects.toThrow();
    const meetingsPerModule = course.modules
      .filter((module) => module.programmeModule !== null)
      .map((module) => module.items.filter((item) => item.kind === 'mentor-meeting' && item.requirement !== null).length);
    const expectedTotals = expectedProgress(sim, course.id).totals.map((total) => total!);
    expect((await storedProgress(course.id)).totals).toEqual(expectedTotals.map((total, i) => total + meetingsPerModule[i]));
  });

  it('catches module numbering that takes one programme module for another', async () => {
    const course = sim.data.courses[0];
    const canvasModuleOf = (n: number) => course.modules.find((module) => module.programmeModule === n)!.id;
    const links = await linkCourses(sim);
    const misnumbered = links.map((link) => ({ ...link, moduleMap: { [canvasModuleOf(1)]: 2, [canvasModuleOf(2)]: 1 } }));
    const run = await syncService(sim, { listLinks: async () => misnumbered }).run({ trigger: 'test' });
    expect(run.courses.map((c) => c.status)).toEqual(['synced']);

    await expect(expectCourseMatchesTruth(sim, course.id)).rejects.toThrow();
    const [module1, module2, ...rest] = expectedProgress(sim, course.id).totals;
    expect((await storedProgress(course.id)).totals).toEqual([module2, module1, ...rest]);
  });
});
