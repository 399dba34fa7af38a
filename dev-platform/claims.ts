import { randomUUID } from 'node:crypto';
import { AGS_SCOPES, CLAIM, ID_TOKEN_LIFETIME_S, SCOPE, type MessageType } from './constants';
import type { DemoAccount, DemoCourse, DemoUser } from './demo-data';
import type { LineItem } from './gradebook';
import type { Registration } from './registrations';
import { lineItemsUrl } from './urls';

/** An id_token payload. The LTI claims are keyed by their full URIs (see `CLAIM`). */
export interface IdTokenClaims {
  iss: string;
  aud: string;
  azp: string;
  sub: string;
  nonce: string;
  iat: number;
  exp: number;
  [claim: string]: unknown;
}

/** Top-level claims to set; `undefined` removes a claim. */
export type ClaimsPatch = Record<string, unknown>;
export type ClaimsTamper = ClaimsPatch | ((claims: IdTokenClaims) => Record<string, unknown>);

export function applyClaimsTamper(claims: IdTokenClaims, tamper: ClaimsTamper | undefined): Record<string, unknown> {
  if (tamper === undefined) return claims;
  if (typeof tamper === 'function') return tamper(structuredClone(claims));
  const patched: Record<string, unknown> = { ...claims };
  for (const [name, value] of Object.entries(tamper)) {
    if (value === undefined) delete patched[name];
    else patched[name] = value;
  }
  return patched;
}

export interface BuildClaimsInput {
  user: DemoUser;
  nonce: string;
  messageType?: MessageType;
  /** Added last, over the registration's expanded custom fields and the user's own. */
  custom?: Record<string, string>;
  /** The registration the launch is for; the default registration when left out. */
  clientId?: string;
  targetLinkUri?: string;
  /** Canvas placement name; by default `course_navigation`, `link_selection` for deep linking, null for an assignment. */
  placement?: string | null;
  /** Seconds since the epoch; Canvas stamps it at login initiation, not at authorization. */
  iat?: number;
  /** The deep-linking `data` value the tool must echo; random by default. */
  deepLinkingData?: string;
  /** Launch this assignment: its resource link, custom fields and AGS `lineitem`. */
  lineItem?: LineItem;
}

export interface ClaimsContext {
  issuer: string;
  canvasApiBaseUrl: string;
  deepLinkReturnUrl: string;
  account: DemoAccount;
}

interface VariableScope {
  user: DemoUser;
  course: DemoCourse;
  canvasApiBaseUrl: string;
}

/** The Canvas substitution variables this platform can expand (CANVAS.md §1.5). */
const VARIABLES: Readonly<Record<string, (scope: VariableScope) => string>> = {
  'Canvas.user.id': ({ user }) => user.canvasUserId,
  'Canvas.user.loginId': ({ user }) => user.loginId,
  'Canvas.user.sisSourceId': ({ user }) => user.sisId,
  'Person.sourcedId': ({ user }) => user.sisId,
  'Person.email.primary': ({ user }) => user.email,
  'Person.name.full': ({ user }) => user.name,
  'Person.name.given': ({ user }) => user.givenName,
  'Person.name.family': ({ user }) => user.familyName,
  'Canvas.membership.roles': ({ user }) => user.canvasMembershipRoles,
  'com.instructure.User.observees': () => '',
  'Canvas.course.id': ({ course }) => course.canvasCourseId,
  'Canvas.course.name': ({ course }) => course.title,
  'Context.id': ({ course }) => course.contextId,
  'Context.title': ({ course }) => course.title,
  'Canvas.api.baseUrl': ({ canvasApiBaseUrl }) => canvasApiBaseUrl,
  'Canvas.api.domain': ({ canvasApiBaseUrl }) => new URL(canvasApiBaseUrl).host,
};

export const SUPPORTED_VARIABLES: readonly string[] = Object.keys(VARIABLES);

/** Like Canvas, a variable it cannot expand is sent literally (`"$Person.sourcedId"`). */
function expandCustom(fields: Readonly<Record<string, string>>, scope: VariableScope): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).map(([name, value]) => {
      const variable = value.startsWith('$') ? VARIABLES[value.slice(1)] : undefined;
      return [name, variable ? variable(scope) : value];
    }),
  );
}

export function buildClaims(context: ClaimsContext, registration: Registration, input: BuildClaimsInput): IdTokenClaims {
  const { user } = input;
  const { course } = user;
  const { issuer, canvasApiBaseUrl } = context;
  const messageType = input.messageType ?? 'LtiResourceLinkRequest';
  const deepLinking = messageType === 'LtiDeepLinkingRequest';
  const message = registration.messages.find((candidate) => candidate.type === messageType);
  const iat = input.iat ?? Math.floor(Date.now() / 1000);
  const level = registration.privacyLevel;
  const showName = level === 'public' || level === 'name_only';
  const showEmail = level === 'public' || level === 'email_only';

  const { lineItem } = input;
  const agsScopes = registration.scopes.filter((scope) => AGS_SCOPES.includes(scope));

  const custom = {
    ...expandCustom({ ...registration.customParameters, ...message?.customParameters, ...lineItem?.custom }, { user, course, canvasApiBaseUrl }),
    ...user.custom,
    ...input.custom,
  };

  return {
    iss: issuer,
    aud: registration.clientId,
    azp: registration.clientId,
    sub: user.sub,
    nonce: input.nonce,
    iat,
    exp: iat + ID_TOKEN_LIFETIME_S,
    [CLAIM.messageType]: messageType,
    [CLAIM.version]: '1.3.0',
    [CLAIM.deploymentId]: registration.deploymentId,
    [CLAIM.targetLinkUri]: input.targetLinkUri ?? message?.targetLinkUri ?? registration.targetLinkUri,
    // A course-navigation launch has no resource link of its own; the course stands in for it.
    // An assignment's is the link placed by deep linking, titled as the assignment.
    ...(deepLinking
      ? {}
      : { [CLAIM.resourceLink]: lineItem ? { id: lineItem.resourceLinkId, title: lineItem.label } : { id: course.contextId, title: message?.label ?? registration.clientName } }),
    [CLAIM.context]: {
      id: course.contextId,
      label: course.label,
      title: course.title,
      type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'],
    },
    [CLAIM.roles]: [...user.roles],
    [CLAIM.custom]: custom,
    ...(showName ? { name: user.name, given_name: user.givenName, family_name: user.familyName } : {}),
    ...(showEmail ? { email: user.email } : {}),
    ...(level === 'public' ? { picture: 'https://canvas.instructure.com/images/messages/avatar-50.png' } : {}),
    ...(showName ? { [CLAIM.lis]: { person_sourcedid: user.sisId, course_offering_sourcedid: '$CourseSection.sourcedId' } } : {}),
    [CLAIM.launchPresentation]: {
      document_target: 'iframe',
      return_url: `${canvasApiBaseUrl}/courses/${course.canvasCourseId}/external_content/success/external_tool_redirect`,
      locale: 'en',
    },
    [CLAIM.toolPlatform]: {
      guid: context.account.ltiGuid,
      name: context.account.name,
      version: 'cloud',
      product_family_code: 'canvas',
    },
    locale: 'en',
    // An assignment launch comes from the assignment page, which has no placement: Canvas sends null.
    [CLAIM.placement]: input.placement === undefined ? (deepLinking ? 'link_selection' : lineItem ? null : 'course_navigation') : input.placement,
    [CLAIM.lti11LegacyUserId]: user.lti11Id,
    [CLAIM.lti1p1]: { user_id: user.lti11Id, ...(deepLinking || lineItem ? {} : { resource_link_id: course.contextId }) },
    // Canvas sends this on every course launch when the key holds an AGS scope; `lineitem` only
    // when the launch is an assignment's (ResourceLinkRequest#add_line_item_url_to_ags_claim!).
    ...(agsScopes.length > 0
      ? {
          [CLAIM.agsEndpoint]: {
            scope: agsScopes,
            lineitems: lineItemsUrl(issuer, course.canvasCourseId),
            ...(lineItem && !deepLinking ? { lineitem: lineItem.url } : {}),
          },
        }
      : {}),
    ...(registration.scopes.includes(SCOPE.nrps)
      ? {
          [CLAIM.namesRoleService]: {
            context_memberships_url: `${canvasApiBaseUrl}/api/lti/courses/${course.canvasCourseId}/names_and_roles`,
            service_versions: ['2.0'],
          },
        }
      : {}),
    ...(deepLinking
      ? {
          [CLAIM.deepLinkingSettings]: {
            deep_link_return_url: context.deepLinkReturnUrl,
            accept_types: ['ltiResourceLink'],
            accept_presentation_document_targets: ['iframe', 'window'],
            accept_media_types: 'application/vnd.ims.lti.v1.ltilink',
            accept_multiple: true,
            auto_create: false,
            data: input.deepLinkingData ?? `dl-${randomUUID()}`,
          },
        }
      : {}),
  };
}
