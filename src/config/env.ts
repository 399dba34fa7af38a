import { z } from 'zod';
import path from 'node:path';

/** Raised when the environment cannot run the service; start-up prints every problem and stops. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'ConfigError';
  }
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const durationPattern = /^(\d+)(ms|s|m|h)?$/;
const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Reads "90s", "15m", "1h" or a number of milliseconds; "off" and "0" turn a schedule off. */
function parseDuration(value: string): number | null {
  if (value === 'off' || value === '0') return 0;
  const match = durationPattern.exec(value.trim());
  if (!match) return null;
  return Number(match[1]) * durationUnits[match[2] ?? 'ms'];
}

const schema = z.object({
  /** production makes PUBLIC_URL https and APP_SECRET mandatory, and removes the development platform. */
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** The port the HTTP server listens on. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** The URL Canvas reaches the tool at; every LTI URL given to Canvas is built from it. */
  PUBLIC_URL: z.string().optional(),
  /** The MongoDB the tool keeps its data in; unset means an embedded local server under DATA_DIR. */
  MONGODB_URI: z.string().optional(),
  /** Where the embedded database and generated development secrets live. */
  DATA_DIR: z.string().default('./data'),
  /** Signs and encrypts what the tool keeps (LTI keys, Canvas tokens). Changing it makes stored tokens unreadable. */
  APP_SECRET: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** How often the scheduled Canvas sync runs ("1h", "15m", "off"). */
  SYNC_INTERVAL: z.string().default('1h'),
  /** How far ahead a lease holder keeps its course reserved; a crashed instance's courses are taken over within 1⅓ of it. */
  SYNC_LEASE_SLOT: z.string().default('12s'),
  /** Which embedded server to start when MONGODB_URI is unset: auto tries mongod, then FerretDB. */
  EMBEDDED_DB: z.enum(['auto', 'mongod', 'ferretdb']).default('auto'),
  /** A tool session ends after this long without a request (inside its 8-hour absolute limit). */
  SESSION_IDLE_TIMEOUT: z.string().default('60m'),
  /** A participant's own figures older than this are refreshed from Canvas when they open the tool ("off" never). */
  OWN_DATA_MAX_AGE: z.string().default('30m'),
  /** How long the page waits for that refresh before showing the figures it has. */
  OWN_DATA_REFRESH_BUDGET: z.string().default('20s'),
  /** The largest CSV file an import reads ("20mb", "500kb"). */
  IMPORT_MAX_SIZE: z.string().default('20mb'),
  /** Requests per client address per minute to unauthenticated routes (pages without a session, LTI, health). */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
  /** LTI login and launch requests per client address per minute: a whole school behind one address launches at once. */
  RATE_LIMIT_LAUNCHES_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /** Dynamic registration attempts per client address per hour. */
  RATE_LIMIT_REGISTRATIONS_PER_HOUR: z.coerce.number().int().min(1).default(20),
  /** The SMTP server scheduled exports and notifications go through (smtp:// or smtps://, user:pass optional); unset turns email off. */
  SMTP_URL: z.string().optional(),
  /** The sender of every email ("ECF Progress <progress@example.org>"); required with SMTP_URL. */
  MAIL_FROM: z.string().optional(),
});

export interface Config {
  readonly env: 'development' | 'test' | 'production';
  readonly isProduction: boolean;
  readonly port: number;
  readonly publicUrl: string;
  readonly mongodbUri: string | undefined;
  readonly dataDir: string;
  /** Absent outside production until secrets.ts fills it from DATA_DIR. */
  readonly appSecret: string | undefined;
  readonly logLevel: string;
  readonly syncIntervalMs: number;
  readonly syncLeaseSlotMs: number;
  readonly embeddedDb: 'auto' | 'mongod' | 'ferretdb';
  readonly sessionIdleTimeoutMs: number;
  readonly importMaxBytes: number;
  readonly ownDataMaxAgeMs: number;
  readonly ownDataRefreshBudgetMs: number;
  readonly rateLimits: { readonly perMinute: number; readonly launchesPerMinute: number; readonly registrationsPerHour: number };
  /** Email delivery; null when SMTP_URL is unset, and then nothing is sent. */
  readonly smtp: SmtpSettings | null;
}

export interface SmtpSettings {
  /** Holds the password when there is one: never log it (the delivery log redacts it from errors). */
  readonly url: string;
  readonly from: string;
}

/** The absolute lifetime of a tool session; the idle timeout must fit inside it. */
export const SESSION_LIFETIME_MS = 8 * 3600 * 1000;

const sizePattern = /^(\d+)\s*(b|kb|mb)?$/i;
const sizeUnits: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** Reads "20mb", "500kb" or a number of bytes. */
function parseSize(value: string): number | null {
  const match = sizePattern.exec(value.trim());
  if (!match) return null;
  return Number(match[1]) * sizeUnits[(match[2] ?? 'b').toLowerCase()];
}

function checkPublicUrl(raw: string, isProduction: boolean, problems: string[]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`PUBLIC_URL: "${raw}" is not a URL`);
    return raw;
  }
  const local = url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname);
  if (isProduction && url.protocol !== 'https:') problems.push('PUBLIC_URL: must use https in production');
  else if (!isProduction && url.protocol !== 'https:' && !local) {
    problems.push('PUBLIC_URL: must use https (plain http is allowed only for localhost and 127.0.0.1)');
  }
  if (url.search || url.hash) problems.push('PUBLIC_URL: must not have a query or fragment');
  return url.toString().replace(/\/+$/, '');
}

/** A bare address or "Name <address>", one line: it goes into a header as it is. */
const MAIL_FROM_PATTERN = /^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/;

/** The URL itself is never echoed: it may carry the password. */
function checkSmtp(url: string | undefined, from: string | undefined, problems: string[]): SmtpSettings | null {
  if (url === undefined) return null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    problems.push('SMTP_URL: is not a URL (use smtp://user:pass@host:587 or smtps://host:465)');
  }
  if (parsed && !['smtp:', 'smtps:'].includes(parsed.protocol)) problems.push('SMTP_URL: must start with smtp:// or smtps://');
  else if (parsed && !parsed.hostname) problems.push('SMTP_URL: names no host');
  if (from === undefined) problems.push('MAIL_FROM: required when SMTP_URL is set (for example "ECF Progress <progress@example.org>")');
  else if (!MAIL_FROM_PATTERN.test(from.trim())) problems.push('MAIL_FROM: must be an address or "Name <address>"');
  return from === undefined ? null : Object.freeze({ url, from: from.trim() });
}

/**
 * Reads and validates the environment once. Every problem is collected so an operator
 * fixes them all in one go; secrets are never echoed back.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(blanksRemoved);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const values = parsed.data;
  const isProduction = values.NODE_ENV === 'production';
  const problems: string[] = [];

  if (isProduction && !values.PUBLIC_URL) problems.push('PUBLIC_URL: required in production');
  const publicUrl = checkPublicUrl(values.PUBLIC_URL ?? `http://localhost:${values.PORT}`, isProduction, problems);

  if (isProduction && !values.APP_SECRET) problems.push('APP_SECRET: required in production (use `openssl rand -hex 32`)');
  if (values.APP_SECRET !== undefined && values.APP_SECRET.length < 32) {
    problems.push('APP_SECRET: must be at least 32 characters (use `openssl rand -hex 32`)');
  }
  if (values.MONGODB_URI !== undefined && !/^mongodb(\+srv)?:\/\//.test(values.MONGODB_URI)) {
    problems.push('MONGODB_URI: must start with mongodb:// or mongodb+srv://');
  }
  const syncIntervalMs = parseDuration(values.SYNC_INTERVAL);
  if (syncIntervalMs === null) problems.push('SYNC_INTERVAL: use a duration such as 15m, 1h or off');
  else if (syncIntervalMs > 0 && syncIntervalMs < 60_000) problems.push('SYNC_INTERVAL: must be at least 1m, or off');

  const syncLeaseSlotMs = parseDuration(values.SYNC_LEASE_SLOT);
  // At most 10m: the lease purge keeps an hour of lease documents, and must never reach a live reservation.
  if (!syncLeaseSlotMs || syncLeaseSlotMs < 1000 || syncLeaseSlotMs > 600_000) problems.push('SYNC_LEASE_SLOT: use a duration between 1s and 10m, such as 12s');

  const sessionIdleTimeoutMs = parseDuration(values.SESSION_IDLE_TIMEOUT);
  if (!sessionIdleTimeoutMs || sessionIdleTimeoutMs < 60_000 || sessionIdleTimeoutMs > SESSION_LIFETIME_MS) {
    problems.push('SESSION_IDLE_TIMEOUT: use a duration between 1m and 8h, such as 60m');
  }
  const importMaxBytes = parseSize(values.IMPORT_MAX_SIZE);
  if (!importMaxBytes) problems.push('IMPORT_MAX_SIZE: use a size such as 20mb or 500kb');

  const ownDataMaxAgeMs = parseDuration(values.OWN_DATA_MAX_AGE);
  if (ownDataMaxAgeMs === null || (ownDataMaxAgeMs > 0 && ownDataMaxAgeMs < 60_000)) problems.push('OWN_DATA_MAX_AGE: use a duration of at least 1m, such as 30m, or off');
  const ownDataRefreshBudgetMs = parseDuration(values.OWN_DATA_REFRESH_BUDGET);
  if (!ownDataRefreshBudgetMs || ownDataRefreshBudgetMs > 120_000) problems.push('OWN_DATA_REFRESH_BUDGET: use a duration between 1s and 2m, such as 20s');

  const smtp = checkSmtp(values.SMTP_URL, values.MAIL_FROM, problems);

  if (problems.length > 0) throw new ConfigError(problems);

  return Object.freeze({
    env: values.NODE_ENV,
    isProduction,
    port: values.PORT,
    publicUrl,
    mongodbUri: values.MONGODB_URI,
    dataDir: path.resolve(values.DATA_DIR),
    appSecret: values.APP_SECRET,
    logLevel: values.LOG_LEVEL,
    syncIntervalMs: syncIntervalMs ?? 0,
    syncLeaseSlotMs: syncLeaseSlotMs ?? 12_000,
    embeddedDb: values.EMBEDDED_DB,
    sessionIdleTimeoutMs: sessionIdleTimeoutMs ?? 3_600_000,
    importMaxBytes: importMaxBytes ?? 20 * 1024 * 1024,
    ownDataMaxAgeMs: ownDataMaxAgeMs ?? 0,
    ownDataRefreshBudgetMs: ownDataRefreshBudgetMs ?? 20_000,
    rateLimits: Object.freeze({
      perMinute: values.RATE_LIMIT_PER_MINUTE,
      launchesPerMinute: values.RATE_LIMIT_LAUNCHES_PER_MINUTE,
      registrationsPerHour: values.RATE_LIMIT_REGISTRATIONS_PER_HOUR,
    }),
    smtp,
  });
}
