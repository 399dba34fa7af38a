import { CompactEncrypt, compactDecrypt, type CompactDecryptResult } from 'jose';
import type { Config } from '../config/env';
import type { Secrets } from '../config/secrets';
import type { ChangeMarks } from '../db/change-marks';
import type { Store } from '../db/store';
import { platformKeyId, type PlatformKey } from '../domain';
import { AppError, ValidationError } from '../errors';
import { CanvasApi } from './api';
import { CanvasClient, type CanvasLogger } from './client';
import {
  CanvasAuthError,
  CanvasError,
  CanvasForbiddenError,
  CanvasGraphQLError,
  CanvasNotFoundError,
  CanvasRequestError,
} from './errors';


export interface CanvasConnection {
  baseUrl: string;
  token: string;
}

/** What may be shown of a connection: never the token, only how it ends. */
export interface ConnectionSummary extends PlatformKey {
  baseUrl: string;
  tokenEnding: string;
  savedAt: Date;
}

interface ConnectionDoc extends ConnectionSummary {
  _id: string;
  /** Compact JWE (dir + A256GCM); its protected header names the connection it belongs to. */
  encryptedToken: string;
}


/** The stored token cannot be used as it is; the fix is to connect again. */
export class ConnectionError extends AppError {
  constructor(message: string) {
    super('canvas_connection', 500, message);
  }
}

const TOKEN_SHAPE = /^[\x21-\x7e]{1,4096}$/;
const ENDING_LENGTH = 4;

/** Origin only: the client sends every call to `/api/v1` on it. A pasted `/api/v1` is tolerated. */
export function normaliseBaseUrl(value: string, allowHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ValidationError(`--base-url "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) throw new ValidationError('--base-url must use https');
  if (url.username || url.password || url.search || url.hash) throw new ValidationError('--base-url must not carry credentials, a query or a fragment');
  if (!/^\/(api\/v1\/?)?$/.test(url.pathname)) throw new ValidationError('--base-url must be the Canvas address alone, e.g. https://school.instructure.com');
  return url.origin;
}

/** Whitespace around a pasted token is dropped; anything else odd is refused, never repaired. */
export function normaliseToken(raw: string): string {
  const token = raw.trim();
  if (token === '') throw new ValidationError('the Canvas API token is empty');
  if (!TOKEN_SHAPE.test(token)) throw new ValidationError('the Canvas API token must be one line of printable characters, without spaces');
  return token;
}

async function encryptToken(key: Uint8Array, id: string, token: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(token)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM', conn: id }).encrypt(key);
}

/** The header check stops a ciphertext copied from another platform's document being used here. */
async function decryptToken(key: Uint8Array, doc: ConnectionDoc): Promise<string> {
  let result: CompactDecryptResult;
  try {
    result = await compactDecrypt(doc.encryptedToken, key, { keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
  } catch {
    throw new ConnectionError(`The stored Canvas token for ${doc.issuer} (client id ${doc.clientId}) cannot be decrypted; APP_SECRET may have changed. Run \`ecf-progress canvas connect\` again.`);
  }
  if (result.protectedHeader.conn !== doc._id) throw new ConnectionError(`The stored Canvas token for ${doc.issuer} (client id ${doc.clientId}) belongs to another connection. Run \`ecf-progress canvas connect\` again.`);
  return new TextDecoder().decode(result.plaintext);
}

const summary = ({ issuer, clientId, baseUrl, tokenEnding, savedAt }: ConnectionDoc): ConnectionSummary => ({ issuer, clientId, baseUrl, tokenEnding, savedAt });

/**
 * Stores (or replaces) the platform's Canvas address and API token, the token encrypted.
 * @throws ValidationError for a base URL or token that cannot work.
 */
export interface ConnectionsDeps {
  store: Store;
  marks: ChangeMarks;
  secrets: Pick<Secrets, 'tokenEncryptionKey'>;
  config: Pick<Config, 'isProduction'>;
}

/** Each platform's Canvas connection, its token encrypted, in `ecf_canvas_connections`. */
export class Connections {
  constructor(private readonly deps: ConnectionsDeps) {}

  private get connections() {
    return this.deps.store.collection<ConnectionDoc>('canvas_connections');
  }

  async save(platform: PlatformKey, input: CanvasConnection): Promise<ConnectionSummary> {
    const baseUrl = normaliseBaseUrl(input.baseUrl, !this.deps.config.isProduction);
    const token = normaliseToken(input.token);
    const _id = platformKeyId(platform);
    const doc: ConnectionDoc = {
      _id,
      issuer: platform.issuer,
      clientId: platform.clientId,
      baseUrl,
      encryptedToken: await encryptToken(this.deps.secrets.tokenEncryptionKey, _id, token),
      tokenEnding: token.slice(-ENDING_LENGTH),
      savedAt: new Date(),
    };
    await this.connections.replaceOne({ _id }, doc, { upsert: true });
    // Its base URL may frame the tool (a Canvas on its own domain): tell every instance.
    await this.deps.marks.markChanged('platforms');
    return summary(doc);
  }

  async get(platform: PlatformKey): Promise<CanvasConnection | null> {
    const doc = await this.connections.findOne({ _id: platformKeyId(platform) });
    if (!doc) return null;
    return { baseUrl: doc.baseUrl, token: await decryptToken(this.deps.secrets.tokenEncryptionKey, doc) };
  }

  async delete(platform: PlatformKey): Promise<boolean> {
    const deleted = (await this.connections.deleteOne({ _id: platformKeyId(platform) })).deletedCount === 1;
    if (deleted) await this.deps.marks.markChanged('platforms');
    return deleted;
  }

  async list(): Promise<ConnectionSummary[]> {
    const docs = await this.connections.find({}).toArray();
    return docs.map(summary).sort((a, b) => a.issuer.localeCompare(b.issuer) || a.clientId.localeCompare(b.clientId));
  }
}

export function canvasUserAgent(config: Pick<Config, 'publicUrl'>): string {
  return `ecf-progress (+${config.publicUrl})`;
}

export function openCanvasApi(
  connection: CanvasConnection,
  options: { userAgent: string; maxRetries?: number; timeoutMs?: number; logger?: CanvasLogger },
): CanvasApi {
  return new CanvasApi(new CanvasClient({ ...connection, ...options }));
}

export type CheckResult = { ok: true; detail: string } | { ok: false; problem: string };

export interface CourseAccess {
  courseId: string;
  checks: { what: string; result: CheckResult }[];
}

export interface AccessReport {
  token: CheckResult;
  courses: CourseAccess[];
  ok: boolean;
}

/** Canvas failures in words an administrator can act on; anything else is a bug and escapes. */
export function explainCanvasFailure(error: unknown): string {
  if (!(error instanceof CanvasError)) throw error;
  if (error instanceof CanvasAuthError) {
    return error.reason === 'invalid_token'
      ? 'Canvas rejected the token: it is expired, revoked or mistyped'
      : "the token's Canvas account lacks the permission";
  }
  if (error instanceof CanvasForbiddenError) return "Canvas refused (403): the token's account may not do this";
  if (error instanceof CanvasNotFoundError) return "Canvas found nothing: the course does not exist or the token's account cannot see it";
  if (error instanceof CanvasGraphQLError) return `Canvas GraphQL answered with an error (${error.messages.slice(0, 1).join('')})`;
  if (error instanceof CanvasRequestError && (error.kind === 'network' || error.kind === 'timeout')) return `Canvas could not be reached (${error.kind})`;
  return error.message;
}

async function probe(run: () => Promise<string | CheckResult>): Promise<CheckResult> {
  try {
    const result = await run();
    return typeof result === 'string' ? { ok: true, detail: result } : result;
  } catch (error) {
    return { ok: false, problem: explainCanvasFailure(error) };
  }
}

async function firstPage<T>(pages: AsyncGenerator<T[], void, undefined>): Promise<T[]> {
  try {
    return (await pages.next()).value ?? [];
  } finally {
    await pages.return();
  }
}

const readable = (n: number, what: string) => (n === 0 ? `readable, no ${what} yet` : 'readable');

/** Canvas answers a token without "View all grades" with a null progression for every student. */
async function checkProgression(api: CanvasApi, courseId: string): Promise<string | CheckResult> {
  const { students } = await api.fetchProgressionPage(courseId, { first: 1 });
  if (students.length > 0 && students[0].progression === null) {
    return { ok: false, problem: 'Canvas withheld course progression: give the token\'s account "View all grades" in this course, or the sync reads every student through REST, one request each' };
  }
  return readable(students.length, 'students');
}

const COURSE_CHECKS: { what: string; run: (api: CanvasApi, courseId: string) => Promise<string | CheckResult> }[] = [
  {
    what: 'course',
    run: async (api, courseId) => {
      const course = await api.getCourse(courseId);
      return `"${course.name}", ${course.total_students ?? 'an unknown number of'} students`;
    },
  },
  { what: 'enrollments', run: async (api, courseId) => readable((await firstPage(api.listStudentEnrollments(courseId))).length, 'students') },
  { what: 'progress (bulk_user_progress)', run: async (api, courseId) => readable((await firstPage(api.listBulkProgress(courseId))).length, 'students') },
  { what: 'GraphQL (course progression)', run: checkProgression },
];

/** One small read per thing the sync needs, in turn, so a failure names the missing permission. */
async function checkCourse(api: CanvasApi, courseId: string): Promise<CourseAccess> {
  const checks: CourseAccess['checks'] = [];
  for (const check of COURSE_CHECKS) checks.push({ what: check.what, result: await probe(() => check.run(api, courseId)) });
  return { courseId, checks };
}

/**
 * Proves the token works: who it acts as, then for each linked course whether it can read
 * what the sync reads. Course checks are skipped when the token itself fails.
 */
export async function checkCanvasAccess(api: CanvasApi, courseIds: readonly string[]): Promise<AccessReport> {
  const token = await probe(async () => {
    const self = await api.getSelf();
    return `acts as "${self.name}" (Canvas user ${self.id})`;
  });
  const courses: CourseAccess[] = [];
  if (token.ok) for (const courseId of courseIds) courses.push(await checkCourse(api, courseId));
  const ok = token.ok && courses.every((c) => c.checks.every((check) => check.result.ok));
  return { token, courses, ok };
}
