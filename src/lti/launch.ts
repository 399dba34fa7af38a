import type { Request, Response, NextFunction } from 'express';
import { decodeJwt } from 'jose';
import { emailDigest } from '../domain';
import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import { launchNonceKeyId, type PlatformKey, type Programme } from '../domain';
import { AuthorizationError, LaunchError } from '../errors';
import type { Logger } from '../log/logger';
import type { NewSession, SessionStore } from '../sessions/store';
import { IdentityMismatchError, type Identities } from './identities';
import type { PlatformRegistry } from './platforms';
import type { LtiToken } from './provider';
import { programmeFromCustom, toolRoleFor } from './roles';
import { viewFromCustom } from './views';

/** Finds the programme of a linked Canvas course (ECT or mentor course). */
export type ProgrammeResolver = (platform: PlatformKey, canvasCourseId: string) => Promise<Programme | null>;

interface SeenNonce {
  _id: string;
  seenAt: Date;
}

/** Kept well past the token age we accept, so a nonce can never be replayed. */
export const NONCE_RETENTION_MS = 10 * 60 * 1000;

/**
 * The launch nonces seen (`ecf_launch_nonces`), kept ten minutes so a token is used once, and
 * ltijs's own copies of a launch's tokens, which are removed once the tool session is open.
 */
export class LaunchRecords {
  constructor(private readonly store: Store) {}

  private get nonces() {
    return this.store.collection<SeenNonce>('launch_nonces');
  }

  /**
   * Records the id_token's nonce once. ltijs keeps nonces for 10 s only (a TTL index, where
   * TTL exists), less than the 60 s token age Canvas needs, so we keep our own record.
   */
  async useNonceOnce(issuer: string, idToken: unknown): Promise<void> {
    // ltiaas mode would also accept ltijs's own ltik; we only ever open sessions from an id_token.
    if (typeof idToken !== 'string') throw new LaunchError('NO_ID_TOKEN', 'Open the tool from your Canvas course.');
    const nonce = decodeJwt(idToken).nonce;
    // The guard refused a launch without one; this only tells the compiler so.
    if (typeof nonce !== 'string') throw new LaunchError('MISSING_NONCE', 'Open the tool from your Canvas course.');
    try {
      await this.nonces.insertOne({ _id: launchNonceKeyId(issuer, nonce), seenAt: new Date() });
    } catch (error) {
      if (isDuplicateKey(error)) throw new LaunchError('NONCE_ALREADY_RECEIVED', 'This launch was already used. Reopen the tool from Canvas.');
      throw error;
    }
  }

  async purgeSeenNonces(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - NONCE_RETENTION_MS);
    return (await this.nonces.deleteMany({ seenAt: { $lt: cutoff } })).deletedCount;
  }

  /**
   * ltijs stores the launch's id token (with the person's name and email) and context for a day,
   * for its own ltik-based APIs, which this tool does not use: it keeps what the pages need in
   * its session. Deleting them after the launch, accepted or refused, keeps no more personal data than that.
   */
  async forgetLtijsCopies(token: LtiToken): Promise<void> {
    await this.store.raw('idtokens').deleteMany({ iss: token.iss, clientId: token.clientId, deploymentId: token.deploymentId, user: token.user });
    if (token.platformContext.contextId) await this.store.raw('contexttokens').deleteMany({ contextId: token.platformContext.contextId, user: token.user });
  }
}

function customOf(token: LtiToken): Record<string, unknown> {
  return token.platformContext.custom ?? {};
}

/** Canvas sends an unexpandable substitution literally ("$Canvas.user.id"): treat it as absent. */
function expanded(value: unknown): string | null {
  return typeof value === 'string' && value && !value.startsWith('$') ? value : null;
}

export function sessionPath(sessionId: string, view: NewSession['view'] | 'deep-link'): string {
  const base = `/s/${sessionId}/`;
  if (view === 'deep-link') return `${base}deep-link`;
  switch (view.kind) {
    case 'home':
      return base;
    case 'progress':
      return `${base}progress`;
    case 'audit':
      return `${base}modules/${view.module}/audit`;
    case 'session-plans':
      return `${base}modules/${view.module}/session-plans`;
  }
}

/** The guard checked the deployment from the unverified token; this is the verified one's. */
async function requireDeployment(registry: Pick<PlatformRegistry, 'isDeploymentAllowed'>, token: LtiToken): Promise<void> {
  if (typeof token.deploymentId !== 'string' || !(await registry.isDeploymentAllowed(token.iss, token.clientId, token.deploymentId))) {
    throw new LaunchError('UNKNOWN_DEPLOYMENT', 'This Canvas deployment of the tool is not registered. Ask your Canvas administrator to register it.');
  }
}

const AGS_CLAIM = 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint';
const PLACEMENT_CLAIM = 'https://www.instructure.com/placement';

/** What ltijs does not hand over: Canvas's placement and the AGS endpoint, from the id_token ltijs has just verified. */
function canvasClaims(idToken: unknown): { placement: string | null; lineItem: string | null } {
  if (typeof idToken !== 'string') return { placement: null, lineItem: null };
  const claims = decodeJwt(idToken);
  const ags = claims[AGS_CLAIM] as { lineitem?: unknown } | undefined;
  const placement = claims[PLACEMENT_CLAIM];
  return { placement: typeof placement === 'string' ? placement : null, lineItem: typeof ags?.lineitem === 'string' ? ags.lineitem : null };
}

/** A launch of a module audit placed as a Canvas assignment: its line item receives the audit's score. */
export interface AuditAssignmentLaunch {
  platform: PlatformKey;
  canvasUserId: string;
  canvasCourseId: string | null;
  programme: Programme;
  userSub: string;
  module: number;
  lineItem: string;
}

export interface LaunchDeps {
  sessions: SessionStore;
  identities: Pick<Identities, 'resolveCanvasUserId'>;
  launches: LaunchRecords;
  registry: Pick<PlatformRegistry, 'isDeploymentAllowed'>;
  resolveProgramme: ProgrammeResolver;
  logger: Logger;
  /** Records where an audit's score goes; the launch fails if it cannot, so no score is lost silently. */
  onAuditAssignment?: (launch: AuditAssignmentLaunch) => Promise<void>;
  /**
   * The school of a person launching with no ECF role (a Canvas observer, a school account),
   * when they are a school contact; such a person gets the role 'school'. Staff and learners
   * keep their own roles: a learner who is also a contact sees their own records.
   */
  schoolContactOf?: SchoolContactResolver;
}

/** Finds the school contact a launch is, by Canvas user id or email (see SchoolContacts.matchLaunch). */
export type SchoolContactResolver = (who: { platform: PlatformKey; canvasUserId: string | null; email: string | null }) => Promise<{ urn: string; email: string | null } | null>;

const NO_VIEW = 'Your Canvas role in this course has no view in this tool.';

export function createLaunchHandlers(deps: LaunchDeps) {
  async function openToolSession(token: LtiToken, req: Request, deepLinking: boolean): Promise<{ id: string; session: NewSession }> {
    await deps.launches.useNonceOnce(token.iss, (req.body as Record<string, unknown> | undefined)?.id_token);
    await requireDeployment(deps.registry, token);
    const ctx = token.platformContext;
    const ltiRole = toolRoleFor(ctx.roles ?? []);
    // No ECF role: only a school contact gets in, which is known once the Canvas user id is.
    if (!ltiRole && !deps.schoolContactOf) throw new AuthorizationError(NO_VIEW);
    if (deepLinking && ltiRole !== 'facilitator' && ltiRole !== 'admin') throw new AuthorizationError('Only facilitators and administrators can place links to this tool.');
    const custom = customOf(token);
    const canvasCourseId = expanded(custom.canvas_course_id);
    const platform = { issuer: token.iss, clientId: token.clientId };
    const linkedProgramme = canvasCourseId ? await deps.resolveProgramme(platform, canvasCourseId) : null;
    const canvasUserId = await deps.identities.resolveCanvasUserId(platform, token.user, expanded(custom.canvas_user_id)).catch((error: unknown) => {
      if (error instanceof IdentityMismatchError) deps.logger.warn({ event: 'lti.identity_mismatch', issuer: token.iss, clientId: token.clientId, reqId: req.id }, 'launch refused: the Canvas user id does not match the one recorded for this person');
      throw error;
    });
    const launchEmail = typeof token.userInfo?.email === 'string' ? token.userInfo.email : null;
    const contact = ltiRole ? null : ((await deps.schoolContactOf?.({ platform, canvasUserId, email: launchEmail })) ?? null);
    const role = ltiRole ?? (contact ? 'school' : null);
    if (!role) throw new AuthorizationError(NO_VIEW);
    const settings = ctx.deepLinkingSettings;
    const { placement, lineItem } = canvasClaims((req.body as Record<string, unknown> | undefined)?.id_token);
    const session: NewSession = {
      issuer: token.iss,
      clientId: token.clientId,
      deploymentId: token.deploymentId,
      sub: token.user,
      canvasUserId,
      name: token.userInfo?.name || [token.userInfo?.given_name, token.userInfo?.family_name].filter(Boolean).join(' ') || 'there',
      // A facilitator's groups are found by their email; the session keeps only its digest.
      emailDigest: role === 'facilitator' && typeof token.userInfo?.email === 'string' ? emailDigest(token.userInfo.email) : null,
      canvasCourseId,
      contextId: ctx.context?.id ?? null,
      courseTitle: ctx.context?.title || ctx.context?.label || 'this course',
      role,
      programme: role === 'participant' ? (linkedProgramme ?? programmeFromCustom(custom)) : null,
      // A school contact's only page is their school's dashboard, whatever the placed link names.
      view: role === 'school' ? { kind: 'home' } : viewFromCustom(custom),
      returnUrl: ctx.launchPresentation?.return_url ?? null,
      placement,
      lineItem,
      deepLinking:
        deepLinking && settings
          ? {
              returnUrl: settings.deep_link_return_url,
              acceptTypes: settings.accept_types ?? [],
              acceptMultiple: !(settings.accept_multiple === false || settings.accept_multiple === 'false'),
              ...(settings.data ? { data: settings.data } : {}),
            }
          : null,
      ...(contact ? { schoolUrn: contact.urn, schoolLinkId: null, schoolContactEmail: contact.email } : {}),
    };
    if (lineItem && session.view.kind === 'audit' && canvasUserId && session.programme && deps.onAuditAssignment) {
      await deps.onAuditAssignment({ platform, canvasUserId, canvasCourseId, programme: session.programme, userSub: token.user, module: session.view.module, lineItem });
    }
    const created = await deps.sessions.create(session);
    deps.logger.info({ event: 'lti.launch', sessionRole: role, messageType: ctx.messageType, issuer: token.iss, clientId: token.clientId, reqId: req.id }, 'launch accepted');
    return { id: created._id, session };
  }

  async function launch(token: LtiToken, req: Request, deepLinking: boolean): Promise<string> {
    try {
      const { id, session } = await openToolSession(token, req, deepLinking);
      return sessionPath(id, deepLinking ? 'deep-link' : session.view);
    } finally {
      await deps.launches.forgetLtijsCopies(token);
    }
  }

  const handler = (deepLinking: boolean) => async (token: LtiToken, req: Request, res: Response, next: NextFunction) => {
    try {
      res.redirect(303, await launch(token, req, deepLinking));
    } catch (error) {
      next(error);
    }
  };

  return { onConnect: handler(false), onDeepLinking: handler(true) };
}
