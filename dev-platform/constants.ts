const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
const LTI_DL = 'https://purl.imsglobal.org/spec/lti-dl/claim/';

/** Claim names as they appear in Canvas's id_token and in a tool's deep-linking response. */
export const CLAIM = {
  messageType: `${LTI}message_type`,
  version: `${LTI}version`,
  deploymentId: `${LTI}deployment_id`,
  targetLinkUri: `${LTI}target_link_uri`,
  resourceLink: `${LTI}resource_link`,
  context: `${LTI}context`,
  roles: `${LTI}roles`,
  custom: `${LTI}custom`,
  lis: `${LTI}lis`,
  launchPresentation: `${LTI}launch_presentation`,
  toolPlatform: `${LTI}tool_platform`,
  lti11LegacyUserId: `${LTI}lti11_legacy_user_id`,
  lti1p1: `${LTI}lti1p1`,
  namesRoleService: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  agsEndpoint: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  deepLinkingSettings: `${LTI_DL}deep_linking_settings`,
  contentItems: `${LTI_DL}content_items`,
  deepLinkingData: `${LTI_DL}data`,
  deepLinkingMessage: `${LTI_DL}msg`,
  deepLinkingErrorMessage: `${LTI_DL}errormsg`,
  deepLinkingLog: `${LTI_DL}log`,
  deepLinkingErrorLog: `${LTI_DL}errorlog`,
  placement: 'https://www.instructure.com/placement',
} as const;

const MEMBERSHIP = 'http://purl.imsglobal.org/vocab/lis/v2/membership#';
const INSTITUTION = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person#';
const SYSTEM = 'http://purl.imsglobal.org/vocab/lis/v2/system/person#';

export const ROLE = {
  learner: `${MEMBERSHIP}Learner`,
  /** What Canvas sends for an observer enrolment: no ECF role; the tool lets in school contacts. */
  observer: `${MEMBERSHIP}Mentor`,
  instructor: `${MEMBERSHIP}Instructor`,
  institutionStudent: `${INSTITUTION}Student`,
  institutionInstructor: `${INSTITUTION}Instructor`,
  institutionAdministrator: `${INSTITUTION}Administrator`,
  systemUser: `${SYSTEM}User`,
} as const;

export const SCOPE = {
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
  agsLineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  agsLineItemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  agsResultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  agsScore: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  canvasPublicJwkUpdate: 'https://canvas.instructure.com/lti/public_jwk/scope/update',
  canvasAccountLookup: 'https://canvas.instructure.com/lti/account_lookup/scope/show',
  canvasAgsProgress: 'https://canvas.instructure.com/lti-ags/progress/scope/show',
} as const;

/** Scopes a developer key may hold; Canvas refuses a registration that asks for any other. */
export const LTI_SCOPES: readonly string[] = Object.values(SCOPE);

/** Canvas's `TokenScopes::LTI_AGS_SCOPES`: a key holding any of them gets the AGS endpoint claim. */
export const AGS_SCOPES: readonly string[] = [SCOPE.agsLineItem, SCOPE.agsLineItemReadonly, SCOPE.agsResultReadonly, SCOPE.agsScore, SCOPE.canvasAgsProgress];

/** The values an AGS 2.0 score may carry (Canvas validates both). */
export const ACTIVITY_PROGRESS: readonly string[] = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'];
export const GRADING_PROGRESS: readonly string[] = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'];

export type MessageType = 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';
export const MESSAGE_TYPES: readonly MessageType[] = ['LtiResourceLinkRequest', 'LtiDeepLinkingRequest'];

export type PrivacyLevel = 'anonymous' | 'name_only' | 'email_only' | 'public';

/** Canvas's name for the Platform Storage frame it offers in `lti_storage_target`. */
export const STORAGE_TARGET = 'post_message_forwarding';

/** Canvas signs `iat` at login initiation and lets the id_token live an hour from then. */
export const ID_TOKEN_LIFETIME_S = 3600;
/** `lti_message_hint` and the cached launch behind it expire after 5 minutes in Canvas. */
export const MESSAGE_HINT_LIFETIME_S = 300;
export const REGISTRATION_TOKEN_LIFETIME_S = 3600;
export const ACCESS_TOKEN_LIFETIME_S = 3600;
/** Canvas's JWT validator: a tool's assertion may be 5 minutes old and 30 seconds early. */
export const TOOL_JWT_MAX_AGE_S = 300;
export const TOOL_JWT_CLOCK_SKEW_S = 30;
