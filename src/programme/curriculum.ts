import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const SessionPlan = z.object({
  session: z.number().int().positive(),
  title: z.string().min(1),
  objectives: z.array(z.string().min(1)),
  prompts: z.array(z.string().min(1)),
  practiceFocus: z.string().min(1),
  actionSteps: z.array(z.string().min(1)),
});

const Module = z.object({
  number: z.number().int().min(1).max(9),
  year: z.union([z.literal(1), z.literal(2)]),
  title: z.string().min(1),
  summary: z.string().min(1),
  auditStatements: z.array(z.string().min(1)),
  sessionPlans: z.array(SessionPlan),
});

const Programme = z.object({ title: z.string().min(1), modules: z.array(Module).length(9) });

const Curriculum = z.object({ ect: Programme, mentor: Programme });

export type CurriculumModule = z.infer<typeof Module>;
export type Curriculum = z.infer<typeof Curriculum>;
export type ProgrammeKey = keyof Curriculum;

export const CURRICULUM_FILE = path.join(__dirname, '..', '..', 'config', 'curriculum.json');

const loaded = new Map<string, Curriculum>();

/**
 * The programme's structure as data (config/curriculum.json), replaceable by a provider.
 * Validated on first use so a bad file stops start-up with the field at fault.
 */
export function loadCurriculum(file = process.env.CURRICULUM_FILE || CURRICULUM_FILE): Curriculum {
  const cached = loaded.get(file);
  if (cached) return cached;
  const parsed = Curriculum.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  loaded.set(file, parsed.data);
  return parsed.data;
}

export function moduleOf(programme: ProgrammeKey, number: number): CurriculumModule | undefined {
  return loadCurriculum()[programme].modules.find((m) => m.number === number);
}
