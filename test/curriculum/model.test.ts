import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CURRICULUM_FILE, loadCurriculum, moduleOf, type CurriculumModule } from '../../src/curriculum';

const curriculum = loadCurriculum(CURRICULUM_FILE);
const modulesOf = (programme: 'ect' | 'mentor') => curriculum[programme].modules.map((m) => [m.number, m] as [number, CurriculumModule]);

describe.each(['ect', 'mentor'] as const)('the shipped %s curriculum', (programme) => {
  it('has modules 1–9, five in year 1 and four in year 2', () => {
    expect(curriculum[programme].modules.map((m) => [m.number, m.year])).toEqual([
      [1, 1], [2, 1], [3, 1], [4, 1], [5, 1], [6, 2], [7, 2], [8, 2], [9, 2],
    ]);
  });

  it.each(modulesOf(programme))('module %i has a one-sentence summary, 5–8 audit statements and 3–4 session plans', (_n, module) => {
    expect(module.summary).toMatch(/^[A-Z][^.]*\.$/);
    expect(module.summary.length).toBeGreaterThan(40);
    expect(module.auditStatements.length).toBeGreaterThanOrEqual(5);
    expect(module.auditStatements.length).toBeLessThanOrEqual(8);
    expect(module.sessionPlans.length).toBeGreaterThanOrEqual(3);
    expect(module.sessionPlans.length).toBeLessThanOrEqual(4);
    expect(module.sessionPlans.map((p) => p.session)).toEqual(module.sessionPlans.map((_p, i) => i + 1));
    for (const plan of module.sessionPlans) {
      expect(plan.objectives.length).toBeGreaterThanOrEqual(2);
      expect(plan.prompts.length).toBeGreaterThanOrEqual(3);
      expect(plan.actionSteps.length).toBeGreaterThanOrEqual(2);
      expect(plan.practiceFocus.length).toBeGreaterThan(40);
    }
  });

  it('never repeats an audit statement or a session title', () => {
    const statements = curriculum[programme].modules.flatMap((m) => m.auditStatements);
    const titles = curriculum[programme].modules.flatMap((m) => m.sessionPlans.map((p) => p.title));
    expect(new Set(statements).size).toBe(statements.length);
    expect(new Set(titles).size).toBe(titles.length);
  });
});

it('writes mentor statements about mentoring, not the ECT statements again', () => {
  const ect = new Set(curriculum.ect.modules.flatMap((m) => m.auditStatements));
  const mentor = curriculum.mentor.modules.flatMap((m) => m.auditStatements);
  expect(mentor.filter((s) => ect.has(s))).toEqual([]);
  expect(mentor.every((s) => /\b(ECT|ECT's)\b|\bmentor/i.test(s))).toBe(true);
});

it('finds a module by programme and number', () => {
  expect(moduleOf('mentor', 8)?.title).toBe('Enquiry into developing quality pedagogy and making productive use of assessment');
  expect(moduleOf('ect', 10)).toBeUndefined();
});

describe('a provider curriculum file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-curriculum-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('replaces the shipped one', () => {
    const file = path.join(dir, 'provider.json');
    const replaced = structuredClone(curriculum);
    replaced.ect.modules[0].summary = 'A provider summary.';
    fs.writeFileSync(file, JSON.stringify(replaced));
    expect(loadCurriculum(file).ect.modules[0].summary).toBe('A provider summary.');
    expect(loadCurriculum(CURRICULUM_FILE).ect.modules[0].summary).not.toBe('A provider summary.');
  });

  it('is refused with the field at fault', () => {
    const file = path.join(dir, 'broken.json');
    const broken = structuredClone(curriculum);
    broken.mentor.modules[2].sessionPlans[0].practiceFocus = '';
    fs.writeFileSync(file, JSON.stringify(broken));
    expect(() => loadCurriculum(file)).toThrow(`${file}: mentor.modules.2.sessionPlans.0.practiceFocus:`);
  });

  it('may give a programme another number of modules, and the numbers come from the file', () => {
    const file = path.join(dir, 'six-modules.json');
    const shorter = structuredClone(curriculum);
    shorter.mentor.modules = shorter.mentor.modules.slice(0, 6).reverse();
    fs.writeFileSync(file, JSON.stringify(shorter));
    const loaded = loadCurriculum(file);
    expect(loaded.mentor.modules.map((m) => m.number)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(loaded.ect.modules).toHaveLength(9);
  });

  it('refuses a programme that repeats a module number', () => {
    const file = path.join(dir, 'repeated.json');
    const repeated = structuredClone(curriculum);
    repeated.ect.modules[1].number = 1;
    fs.writeFileSync(file, JSON.stringify(repeated));
    expect(() => loadCurriculum(file)).toThrow(/module numbers must be unique/);
  });
});
