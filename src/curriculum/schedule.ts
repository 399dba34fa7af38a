import path from 'node:path';
import { z } from 'zod';
import { PROGRAMMES, type Programme } from '../domain';
import { moduleNumbers, readProgrammeFile } from './model';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date written YYYY-MM-DD' });

const Window = z
  .object({ module: z.number().int().positive(), opens: isoDate, closes: isoDate })
  .refine((w) => w.opens <= w.closes, { error: 'closes before it opens' });

const CohortSchedule = z.partialRecord(z.enum(PROGRAMMES), z.array(Window));

const Schedule = z.object({ cohorts: z.record(z.string().min(1), CohortSchedule) });

export type ModuleWindow = z.infer<typeof Window>;
export const SCHEDULE_FILE = path.join(__dirname, '..', '..', 'config', 'schedule.json');

type ScheduleFile = z.infer<typeof Schedule>;

/** Every window names a module of its programme, once. */
function checkModules(file: string, schedule: ScheduleFile): void {
  for (const [cohort, programmes] of Object.entries(schedule.cohorts)) {
    for (const [programme, windows] of Object.entries(programmes) as [Programme, ModuleWindow[]][]) {
      const known = moduleNumbers(programme);
      const seen = new Set<number>();
      for (const w of windows) {
        if (!known.includes(w.module)) throw new Error(`${file}: cohorts.${cohort}.${programme}: the ${programme} programme has no module ${w.module}`);
        if (seen.has(w.module)) throw new Error(`${file}: cohorts.${cohort}.${programme}: module ${w.module} is listed twice`);
        seen.add(w.module);
      }
    }
  }
}

/**
 * The module schedule: when each module opens and closes, per cohort and programme, as data a
 * provider edits (config/schedule.json). Checked on start-up against the curriculum, so a
 * module the programme does not have, or two windows for one module, stop the tool with the
 * place at fault. A cohort without a schedule is allowed: its current module is then the first
 * one not complete.
 */
export function loadSchedule(file = process.env.SCHEDULE_FILE || SCHEDULE_FILE): ScheduleFile {
  return readProgrammeFile(file, Schedule, (schedule) => checkModules(file, schedule));
}

/** The cohort's windows for one programme, in opening order; empty when the cohort has no schedule. */
export function moduleWindows(cohort: string, programme: Programme): ModuleWindow[] {
  const windows = loadSchedule().cohorts[cohort]?.[programme] ?? [];
  return [...windows].sort((a, b) => a.opens.localeCompare(b.opens));
}

/** Made once: building an Intl formatter costs far more than using one, and the grid dates every row. */
const UK_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });

const HOUR_MS = 3_600_000;
/** UK days by UTC hour; a guard against unbounded growth, far above the hours any build meets. */
const ukDays = new Map<number, string>();
const MAX_REMEMBERED_HOURS = 100_000;

/**
 * The date in England (Europe/London) of a time in milliseconds, as the schedule writes dates.
 * Remembered by UTC hour: pages and builds date every completion of every participant, and
 * London's offset from UTC has been a whole number of hours since 1847, so every instant of
 * one UTC hour falls on the same UK day.
 */
export function ukDateOf(ms: number): string {
  const hour = Math.floor(ms / HOUR_MS);
  let day = ukDays.get(hour);
  if (day === undefined) {
    if (ukDays.size >= MAX_REMEMBERED_HOURS) ukDays.clear();
    day = UK_DATE.format(new Date(hour * HOUR_MS));
    ukDays.set(hour, day);
  }
  return day;
}

/** Today's date in England (Europe/London), as the schedule writes dates. */
export function ukDate(now: Date): string {
  return ukDateOf(now.getTime());
}

/**
 * The module a participant is on by the schedule: the one open today; between windows, the
 * last one opened; before the first, the first. Null when the cohort has no schedule.
 */
export function scheduledModule(cohort: string, programme: Programme, now: Date): { window: ModuleWindow; open: boolean } | null {
  const windows = moduleWindows(cohort, programme);
  if (windows.length === 0) return null;
  const today = ukDate(now);
  const open = windows.find((w) => w.opens <= today && today <= w.closes);
  if (open) return { window: open, open: true };
  const opened = windows.filter((w) => w.opens <= today);
  return { window: opened[opened.length - 1] ?? windows[0], open: false };
}
