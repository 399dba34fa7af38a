import path from 'node:path';
import { z } from 'zod';
import type { Programme } from '../domain';
import { readProgrammeFile } from './model';

/** DfE's declaration types, in the order a participant reaches them. */
export const DECLARATION_TYPES = ['started', 'retained-1', 'retained-2', 'retained-3', 'retained-4', 'completed', 'extended-1', 'extended-2', 'extended-3'] as const;
export type DeclarationType = (typeof DECLARATION_TYPES)[number];

/** The evidence kinds this tool can hold from its own data (DfE's `evidence_held` values). */
export const EVIDENCE_TYPES = ['training-event-attended', 'self-study-material-completed', '75-percent-engagement-met'] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

export const SCHEDULE_KINDS = ['standard', 'extended', 'reduced', 'replacement'] as const;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date written YYYY-MM-DD' });
const scheduleId = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { error: 'must be lowercase words joined by hyphens, as DfE writes schedule identifiers' });

const Window = z
  .object({ declarationType: z.enum(DECLARATION_TYPES), opens: isoDate, closes: isoDate.nullable(), paymentDate: isoDate.nullable().optional() })
  .strict()
  .refine((w) => w.closes === null || w.opens <= w.closes, { error: 'closes before it opens' });

const Schedule = z
  .object({ name: z.string().min(1), kind: z.enum(SCHEDULE_KINDS), cohortYears: z.record(z.string().regex(/^\d{4}$/, { error: 'must be a year' }), z.array(Window).min(1)) })
  .strict();

const Requirements = z.partialRecord(z.enum(DECLARATION_TYPES), z.array(z.enum(EVIDENCE_TYPES)).min(1));

const EvidenceRule = z
  .object({ fromCohortYear: z.number().int().min(2000).max(2100), ect: Requirements, mentor: Requirements })
  .strict();

const MilestonesFile = z
  .object({
    source: z.string().optional(),
    engagement: z
      .object({ thresholdPct: z.number().int().min(1).max(100), counts: z.array(z.enum(['self-study', 'training-events'])).min(1) })
      .strict(),
    evidence: z.array(EvidenceRule).min(1),
    cohorts: z.record(z.string().min(1), z.object({ cohortYear: z.number().int().min(2000).max(2100), schedule: scheduleId }).strict()),
    schedules: z.record(scheduleId, Schedule),
  })
  .strict();

export type MilestonesConfig = z.infer<typeof MilestonesFile>;
export type MilestoneWindow = z.infer<typeof Window>;
export type EngagementRule = MilestonesConfig['engagement'];

export const MILESTONES_FILE = path.join(__dirname, '..', '..', 'config', 'milestones.json');

/** Every schedule's windows are in declaration order, each type once; every cohort names a schedule with its year. */
function check(file: string, config: MilestonesConfig): void {
  for (const [id, schedule] of Object.entries(config.schedules)) {
    for (const [year, windows] of Object.entries(schedule.cohortYears)) {
      const types = windows.map((w) => w.declarationType);
      const where = `${file}: schedules.${id}.cohortYears.${year}`;
      const repeated = types.find((type, i) => types.indexOf(type) !== i);
      if (repeated) throw new Error(`${where}: ${repeated} is listed twice`);
      const order = types.map((type) => DECLARATION_TYPES.indexOf(type));
      if (order.some((n, i) => i > 0 && n < order[i - 1])) throw new Error(`${where}: the declarations must be in the order ${DECLARATION_TYPES.join(', ')}`);
      windows.forEach((w, i) => {
        const before = windows[i - 1];
        if (before && w.opens < before.opens) throw new Error(`${where}: ${w.declarationType} opens before ${before.declarationType}`);
      });
    }
  }
  for (const [cohort, { cohortYear, schedule }] of Object.entries(config.cohorts)) {
    const found = config.schedules[schedule];
    if (!found) throw new Error(`${file}: cohorts.${cohort}.schedule: no schedule is called "${schedule}"`);
    if (!found.cohortYears[String(cohortYear)]) throw new Error(`${file}: cohorts.${cohort}: the schedule "${schedule}" has no windows for the cohort year ${cohortYear}`);
  }
}

/**
 * DfE's milestone schedules and the engagement rule (config/milestones.json), as data a
 * provider edits when DfE publishes a new year. Checked at start-up like the other programme
 * files, so a bad date, a declaration out of order or a cohort naming an unknown schedule stops
 * the tool with the place at fault.
 */
export function loadMilestones(file = process.env.MILESTONES_FILE || MILESTONES_FILE): MilestonesConfig {
  return readProgrammeFile(file, MilestonesFile, (config) => check(file, config));
}

/** Is this a schedule the config knows (the roster's `schedule` column is checked against it)? */
export function isKnownSchedule(id: string): boolean {
  return Object.hasOwn(loadMilestones().schedules, id);
}

/** The cohort's DfE year and default schedule; null for a cohort the config does not list. */
export function cohortMilestones(cohort: string): { cohortYear: number; schedule: string } | null {
  return loadMilestones().cohorts[cohort] ?? null;
}

/** A schedule's windows for a cohort year; empty when the schedule has none for that year. */
export function milestoneWindows(scheduleId: string, cohortYear: number): MilestoneWindow[] {
  return loadMilestones().schedules[scheduleId]?.cohortYears[String(cohortYear)] ?? [];
}

export function scheduleName(scheduleId: string): string {
  return loadMilestones().schedules[scheduleId]?.name ?? scheduleId;
}

/**
 * What each declaration needs for a role and cohort year: any one of the evidence kinds listed.
 * A declaration the rule does not list is not made for that role (from the 2025/26 year a
 * mentor is declared only `started` and `completed`).
 */
export function evidenceRequired(role: Programme, cohortYear: number): Partial<Record<DeclarationType, EvidenceType[]>> {
  const rules = [...loadMilestones().evidence].sort((a, b) => b.fromCohortYear - a.fromCohortYear);
  const rule = rules.find((r) => r.fromCohortYear <= cohortYear) ?? rules[rules.length - 1];
  return rule[role];
}

export function engagementRule(): EngagementRule {
  return loadMilestones().engagement;
}

export const DFE_COURSE_IDENTIFIER: Record<Programme, string> = { ect: 'ecf-induction', mentor: 'ecf-mentor' };
