import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PROGRAMMES, type Programme } from '../domain';

const SessionPlan = z.object({
  session: z.number().int().positive(),
  title: z.string().min(1),
  objectives: z.array(z.string().min(1)),
  prompts: z.array(z.string().min(1)),
  practiceFocus: z.string().min(1),
  actionSteps: z.array(z.string().min(1)),
});

const Module = z.object({
  number: z.number().int().positive(),
  year: z.number().int().positive(),
  title: z.string().min(1),
  summary: z.string().min(1),
  auditStatements: z.array(z.string().min(1)),
  sessionPlans: z.array(SessionPlan),
});

const ProgrammeCurriculum = z
  .object({ title: z.string().min(1), modules: z.array(Module).min(1) })
  .refine((programme) => new Set(programme.modules.map((m) => m.number)).size === programme.modules.length, 'module numbers must be unique')
  .transform((programme) => ({ ...programme, modules: [...programme.modules].sort((a, b) => a.number - b.number) }));

const Curriculum = z.object({ ect: ProgrammeCurriculum, mentor: ProgrammeCurriculum });

export type CurriculumModule = z.infer<typeof Module>;
export type Curriculum = z.output<typeof Curriculum>;
export const CURRICULUM_FILE = path.join(__dirname, '..', '..', 'config', 'curriculum.json');

const loaded = new Map<string, unknown>();

/**
 * A provider's data file, parsed against its schema once per file; the first problem stops
 * start-up naming the file and the field at fault.
 */
export function readProgrammeFile<T>(file: string, schema: z.ZodType<T>, check: (data: T) => void = () => undefined): T {
  if (loaded.has(file)) return loaded.get(file) as T;
  const parsed = schema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  check(parsed.data);
  loaded.set(file, parsed.data);
  return parsed.data;
}

/**
 * The programme model: each programme's modules (number, year, title, audit statements,
 * session plans) as data in config/curriculum.json, replaceable by a provider. How many
 * modules a programme has is whatever the file says; nothing in the code counts them.
 * Validated on first use so a bad file stops start-up with the field at fault.
 */
export function loadCurriculum(file = process.env.CURRICULUM_FILE || CURRICULUM_FILE): Curriculum {
  return readProgrammeFile(file, Curriculum);
}

export function modulesOf(programme: Programme): readonly CurriculumModule[] {
  return loadCurriculum()[programme].modules;
}

/** The programme's module numbers in order; every per-module array in the tool follows it. */
export function moduleNumbers(programme: Programme): readonly number[] {
  return modulesOf(programme).map((m) => m.number);
}

export function moduleOf(programme: Programme, number: number): CurriculumModule | undefined {
  return modulesOf(programme).find((m) => m.number === number);
}

/** Every module number any programme has: for what is shared by both programmes (export columns, link picker). */
export function allModuleNumbers(): readonly number[] {
  return [...new Set(PROGRAMMES.flatMap((programme) => moduleNumbers(programme)))].sort((a, b) => a - b);
}
