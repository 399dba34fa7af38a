import { ACTIVITY_PROGRESS, GRADING_PROGRESS, SCOPE } from './constants';
import { DEMO_USERS, demoStudentOf, type DemoUser } from './demo-data';
import type { JsonReply } from './dynamic-registration';
import type { Gradebook, GradebookEntry, LineItem } from './gradebook';
import type { RegistrationStore } from './registrations';
import type { PlatformSecret } from './signing';

export const SCORE_MEDIA_TYPE = 'application/vnd.ims.lis.v1.score+json';
export const LINE_ITEM_MEDIA_TYPE = 'application/vnd.ims.lis.v2.lineitem+json';
export const LINE_ITEM_CONTAINER_MEDIA_TYPE = 'application/vnd.ims.lis.v2.lineitemcontainer+json';
const READ_LINE_ITEMS = [SCOPE.agsLineItem, SCOPE.agsLineItemReadonly];

/** An AGS reply; `type` is the Content-Type of a success. */
export type AgsReply = JsonReply & { type?: string };

/** Canvas's `render_error`: `{ errors: { type: <status name>, message } }`. */
function canvasError(status: number, type: string, message: string): AgsReply {
  return { status, body: { errors: { type, message } } };
}
// Canvas's generic API 404 (ActiveRecord::RecordNotFound) has another shape.
const NOT_FOUND: AgsReply = { status: 404, body: { errors: [{ message: 'The specified resource does not exist.' }] } };

const REQUIRED = ['activityProgress', 'gradingProgress', 'timestamp'] as const;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

export interface AgsDeps {
  tokenUrl: string;
  registrations: RegistrationStore;
  secret: PlatformSecret;
  gradebook: Gradebook;
}

/**
 * Canvas's AGS endpoints for what the tool uses (scores, reading line items), with Canvas's
 * checks in Canvas's order (CANVAS.md §3.2; canvas-lms `Lti::IMS::ScoresController`).
 */
export class AgsService {
  constructor(private readonly deps: AgsDeps) {}

  /** The course's line items of the token's tool, filtered as Canvas filters them (no paging). */
  async listLineItems(token: string | undefined, courseId: string, query: Record<string, string>): Promise<AgsReply> {
    const caller = await this.authorizeToken(token, READ_LINE_ITEMS, courseId);
    if (!('clientId' in caller)) return caller;
    const items = this.deps.gradebook
      .lineItems()
      .filter((item) => item.courseId === courseId && item.clientId === caller.clientId)
      .filter((item) => (query.resource_link_id ?? item.resourceLinkId) === item.resourceLinkId)
      .filter((item) => (query.resource_id ?? item.resourceId) === item.resourceId)
      .filter((item) => (query.tag ?? item.tag) === item.tag);
    return { status: 200, body: items.map(lineItemJson), type: LINE_ITEM_CONTAINER_MEDIA_TYPE };
  }

  async showLineItem(token: string | undefined, courseId: string, id: string): Promise<AgsReply> {
    const found = await this.authorize(token, READ_LINE_ITEMS, courseId, id);
    return 'lineItem' in found ? { status: 200, body: lineItemJson(found.lineItem), type: LINE_ITEM_MEDIA_TYPE } : found;
  }

  async postScore(token: string | undefined, courseId: string, id: string, body: unknown): Promise<AgsReply> {
    // An injected outage answers before anything is checked, as a failing load balancer would.
    const failure = this.deps.gradebook.takeFailure();
    if (failure !== undefined) return canvasError(failure, 'simulated_failure', `Simulated failure (failScores), status ${failure}`);

    const found = await this.authorize(token, [SCOPE.agsScore], courseId, id);
    if (!('lineItem' in found)) return found;
    const { lineItem } = found;
    const score: Record<string, unknown> = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

    // Canvas looks the user up before it checks the other parameters, so no userId is a 422.
    const user = studentOf(lineItem.courseId, score.userId);
    if (!user) return canvasError(422, 'unprocessable_entity', 'User not found in course or is not a student');
    const missing = REQUIRED.find((name) => score[name] === undefined || score[name] === null || score[name] === '');
    if (missing) return canvasError(400, 'bad_request', `param is missing or the value is empty: ${missing}`);

    const { timestamp, activityProgress, gradingProgress, scoreGiven, scoreMaximum, comment } = score;
    const time = typeof timestamp === 'string' && ISO_8601.test(timestamp) ? Date.parse(timestamp) : NaN;
    if (Number.isNaN(time)) return canvasError(400, 'bad_request', `Provided timestamp of ${String(timestamp)} not a valid timestamp`);
    const previous = this.deps.gradebook.lastScore(lineItem, user.sub);
    if (previous && Date.parse(previous.timestamp) > time) {
      return canvasError(400, 'bad_request', `Provided timestamp of ${timestamp as string} before last updated timestamp of ${previous.timestamp}`);
    }
    if (scoreGiven !== undefined && scoreGiven !== null) {
      if (scoreMaximum === undefined || scoreMaximum === null) return canvasError(422, 'unprocessable_entity', 'ScoreMaximum not supplied when ScoreGiven present.');
      if (typeof scoreMaximum === 'number' && scoreMaximum < 0) return canvasError(422, 'unprocessable_entity', 'ScoreMaximum must be greater than or equal to 0');
    }
    const invalid = [
      typeof activityProgress === 'string' && ACTIVITY_PROGRESS.includes(activityProgress) ? '' : `activityProgress must be one of ${ACTIVITY_PROGRESS.join(', ')}`,
      typeof gradingProgress === 'string' && GRADING_PROGRESS.includes(gradingProgress) ? '' : `gradingProgress must be one of ${GRADING_PROGRESS.join(', ')}`,
      isOptional(scoreGiven, 'number') ? '' : 'scoreGiven must be a number',
      isOptional(scoreMaximum, 'number') ? '' : 'scoreMaximum must be a number',
      isOptional(comment, 'string') ? '' : 'comment must be a string',
    ].find(Boolean);
    if (invalid) return canvasError(400, 'bad_request', invalid);

    const entry: GradebookEntry = {
      lineItem,
      userSub: user.sub,
      scoreGiven: (scoreGiven as number | null | undefined) ?? null,
      scoreMaximum: (scoreMaximum as number | null | undefined) ?? null,
      activityProgress: activityProgress as string,
      gradingProgress: gradingProgress as string,
      timestamp: timestamp as string,
      ...(typeof comment === 'string' ? { comment } : {}),
    };
    const resultId = this.deps.gradebook.record(entry);
    return { status: 200, body: { resultUrl: `${lineItem.url}/results/${resultId}` }, type: SCORE_MEDIA_TYPE };
  }

  /** Token, developer key, scope, course, line item, owner: each failure as Canvas reports it. */
  private async authorize(token: string | undefined, anyOf: readonly string[], courseId: string, id: string): Promise<AgsReply | { lineItem: LineItem }> {
    const caller = await this.authorizeToken(token, anyOf, courseId);
    if (!('clientId' in caller)) return caller;
    const lineItem = this.deps.gradebook.lineItem(id);
    if (!lineItem || lineItem.courseId !== courseId) return NOT_FOUND;
    // Canvas's status for this is 412 (its render_error default).
    if (lineItem.clientId !== caller.clientId) return canvasError(412, 'precondition_failed', 'Tool does not have permission to view line_item');
    return { lineItem };
  }

  private async authorizeToken(token: string | undefined, anyOf: readonly string[], courseId: string): Promise<AgsReply | { clientId: string }> {
    if (!token) return canvasError(401, 'unauthorized', 'Missing access token');
    const checked = await this.deps.secret.check(token);
    if ('error' in checked) {
      return canvasError(401, 'unauthorized', checked.error === 'expired' ? 'Access token expired' : 'Access token invalid - signature likely incorrect');
    }
    const { payload } = checked;
    // Other tokens this platform signs (hints, registration tokens) carry no such `aud`.
    if (payload.aud !== this.deps.tokenUrl) return canvasError(401, 'unauthorized', "Invalid access token field/s: the 'aud' is invalid");
    const registration = typeof payload.sub === 'string' ? this.deps.registrations.get(payload.sub) : undefined;
    if (!registration) return canvasError(401, 'unauthorized', 'Unknown or inactive Developer Key');
    const scopes = typeof payload.scopes === 'string' ? payload.scopes.split(' ') : [];
    // Canvas answers a missing scope with 401, not 403.
    if (!anyOf.some((scope) => scopes.includes(scope))) return canvasError(401, 'unauthorized', 'Insufficient permissions');
    if (!Object.values(DEMO_USERS).some((user) => user.course.canvasCourseId === courseId)) return canvasError(404, 'not_found', 'Context not found');
    return { clientId: registration.clientId };
  }
}

/** A line item in AGS JSON: its URL is its id. */
function lineItemJson(lineItem: LineItem) {
  return {
    id: lineItem.url,
    scoreMaximum: lineItem.scoreMaximum,
    label: lineItem.label,
    resourceLinkId: lineItem.resourceLinkId,
    ...(lineItem.resourceId === undefined ? {} : { resourceId: lineItem.resourceId }),
    ...(lineItem.tag === undefined ? {} : { tag: lineItem.tag }),
  };
}

function isOptional(value: unknown, type: 'number' | 'string'): boolean {
  return value === undefined || value === null || (type === 'number' ? typeof value === 'number' && Number.isFinite(value) : typeof value === type);
}

/** AGS `userId` is the LTI `sub` or the Canvas user id; the user must be a student of the course. */
function studentOf(courseId: string, userId: unknown): DemoUser | undefined {
  if (typeof userId !== 'string' && typeof userId !== 'number') return undefined;
  const student = demoStudentOf(courseId);
  return student && [student.sub, student.canvasUserId].includes(String(userId)) ? student : undefined;
}
