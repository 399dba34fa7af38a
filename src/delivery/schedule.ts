import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ukDate } from '../curriculum';
import type { ExportFormat } from '../exports';

export type DeliveryFormat = ExportFormat;
export const DELIVERY_FORMATS = ['pdf', 'csv', 'xlsx'] as const satisfies readonly ExportFormat[];

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'use a date such as 2027-02-12' })
  .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), { error: 'is not a date in the calendar' });

const Schedule = z.union([
  z.object({ monthly: z.object({ day: z.number().int().min(1).max(31) }).strict() }).strict(),
  z.object({ dates: z.array(isoDate).min(1).max(100) }).strict(),
]);

const Settings = z
  .object({
    enabled: z.boolean().optional(),
    schedule: Schedule.optional(),
    /** The time of day (UK) from which an occurrence's emails go out. */
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'use a time such as 07:00' }).optional(),
    format: z.enum(DELIVERY_FORMATS).optional(),
    as: z.enum(['attachment', 'link']).optional(),
  })
  .strict();

const DeliveriesFile = z
  .object({
    default: Settings.optional(),
    schools: z.record(z.string().regex(/^\d{6}$/, { error: 'a school is named by its 6-digit URN' }), Settings).optional(),
  })
  .strict();

export type DeliverySchedule = z.output<typeof Schedule>;

/** One school's scheduled export, everything resolved. */
export interface DeliverySettings {
  enabled: boolean;
  schedule: DeliverySchedule;
  time: string;
  format: DeliveryFormat;
  as: 'attachment' | 'link';
}

export interface DeliveriesConfig {
  default: DeliverySettings;
  /** Per-school overrides by URN, each laid over the default. */
  schools: Record<string, Partial<DeliverySettings>>;
}

const BUILT_IN: DeliverySettings = { enabled: true, schedule: { monthly: { day: 1 } }, time: '07:00', format: 'pdf', as: 'attachment' };

export const DELIVERIES_FILE = path.join(__dirname, '..', '..', 'config', 'deliveries.json');

/**
 * The scheduled export emails (config/deliveries.json, or DELIVERIES_FILE): read at start-up,
 * so a bad edit stops the tool with the field at fault.
 */
export function loadDeliveries(file = process.env.DELIVERIES_FILE || DELIVERIES_FILE): DeliveriesConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${error instanceof SyntaxError ? `not JSON (${error.message})` : `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`}`);
  }
  return parseDeliveries(raw, file);
}

export function parseDeliveries(raw: unknown, source = 'deliveries'): DeliveriesConfig {
  const parsed = DeliveriesFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${source}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return { default: { ...BUILT_IN, ...parsed.data.default }, schools: parsed.data.schools ?? {} };
}

export function settingsFor(config: DeliveriesConfig, urn: string): DeliverySettings {
  return { ...config.default, ...config.schools[urn] };
}

/**
 * An occurrence missed while no instance ran (a weekend outage) is still sent this many days
 * later; an older one is not: a new install, or a school added to the file, does not get last
 * month's export out of the blue.
 */
export const CATCH_UP_DAYS = 7;

const DAY_MS = 86_400_000;
const UK_TIME = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const pad = (n: number) => String(n).padStart(2, '0');

/** The monthly occurrence in a year and month: `day`, or the month's last day when it has fewer. */
function monthlyDate(year: number, month: number, day: number): string {
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${year}-${pad(month)}-${pad(Math.min(day, last))}`;
}

/** The latest occurrence on or before `today` (UK dates, YYYY-MM-DD); null when there is none. */
export function latestOccurrence(schedule: DeliverySchedule, today: string): string | null {
  if ('dates' in schedule) return [...schedule.dates].sort().filter((d) => d <= today).pop() ?? null;
  const [year, month] = today.split('-').map(Number);
  const thisMonth = monthlyDate(year, month, schedule.monthly.day);
  if (thisMonth <= today) return thisMonth;
  return month === 1 ? monthlyDate(year - 1, 12, schedule.monthly.day) : monthlyDate(year, month - 1, schedule.monthly.day);
}

/**
 * The occurrence that is due at `now`: the latest one whose day (UK) has come and, on its own
 * day, whose time has passed, when it is at most CATCH_UP_DAYS old. Whether it was sent
 * already is the caller's to check (an occurrence stays due for those days).
 */
export function dueOccurrence(settings: Pick<DeliverySettings, 'schedule' | 'time'>, now: Date): string | null {
  const today = ukDate(now);
  const timeNow = UK_TIME.format(now);
  const latest = latestOccurrence(settings.schedule, today);
  const occurrence = latest === today && timeNow < settings.time ? latestOccurrence(settings.schedule, isoDay(dayNumber(today) - 1)) : latest;
  if (!occurrence || dayNumber(today) - dayNumber(occurrence) > CATCH_UP_DAYS) return null;
  return occurrence;
}

function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}
