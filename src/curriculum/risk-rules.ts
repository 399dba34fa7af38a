import path from 'node:path';
import { z } from 'zod';
import { readProgrammeFile } from './model';

const points = z.number().int().min(0).max(100);
const days = z.number().int().min(1).max(3650);

const Thresholds = <T extends z.ZodType<number>>(unit: T, amber: string, red: string) =>
  z
    .object({ [amber]: unit, [red]: unit })
    .strict()
    .refine((t) => (t[amber] as number) <= (t[red] as number), { error: `${amber} must not be above ${red}` });

const RiskRulesFile = z
  .object({
    behindSchedule: Thresholds(points, 'amberPoints', 'redPoints'),
    noCanvasActivity: Thresholds(days, 'amberDays', 'redDays'),
    startAuditMissing: Thresholds(days, 'amberDays', 'redDays'),
    trainingEvents: z
      .object({ missedLast: z.enum(['amber', 'red', 'off']), redBelowAttendancePct: points, minimumEventsForPct: z.number().int().min(1).max(100) })
      .strict(),
  })
  .strict();

export interface RiskRules {
  /** Percentage points below what the module schedule expects by today. */
  behindSchedule: { amberPoints: number; redPoints: number };
  /** Days since the participant's last activity in their Canvas course. */
  noCanvasActivity: { amberDays: number; redDays: number };
  /** Days a module has been open without its start-of-module audit submitted. */
  startAuditMissing: { amberDays: number; redDays: number };
  trainingEvents: { missedLast: 'amber' | 'red' | 'off'; redBelowAttendancePct: number; minimumEventsForPct: number };
}

export const RISK_RULES_FILE = path.join(__dirname, '..', '..', 'config', 'risk.json');

/**
 * The thresholds of the red / amber / green rating (config/risk.json), data a provider tunes.
 * Checked at start-up, so a bad edit stops the tool with the field at fault.
 */
export function loadRiskRules(file = process.env.RISK_RULES_FILE || RISK_RULES_FILE): RiskRules {
  return readProgrammeFile(file, RiskRulesFile) as RiskRules;
}
