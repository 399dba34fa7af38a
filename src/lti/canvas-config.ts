/** Instructure-hosted Canvas: one issuer for every institution (CANVAS.md §1.1). */
export const INSTRUCTURE_ISSUERS: ReadonlySet<string> = new Set(['https://canvas.instructure.com', 'https://canvas.beta.instructure.com', 'https://canvas.test.instructure.com']);

export const NRPS_SCOPE = 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly';
export const AGS_LINE_ITEM_READONLY_SCOPE = 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly';
export const AGS_SCORE_SCOPE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
/**
 * The roster, plus AGS to post a score when an ECT submits a module audit that a facilitator
 * placed as an assignment (its launch carries the AGS `lineitem`). No `lineitem` scope: the
 * tool never creates line items, so no placeholder gradebook columns (CANVAS.md §3.2).
 */
export const TOOL_SCOPES: readonly string[] = [NRPS_SCOPE, AGS_LINE_ITEM_READONLY_SCOPE, AGS_SCORE_SCOPE];
export const TOOL_TITLE = 'ECF Progress';
const DESCRIPTION = 'Early Career Framework progress: module progress, module audits and mentor session plans.';

/** Custom fields Canvas expands on every launch; only what the views need. */
export const CUSTOM_FIELDS = {
  canvas_user_id: '$Canvas.user.id',
  canvas_course_id: '$Canvas.course.id',
};

export interface ToolUrls {
  login: string;
  launch: string;
  keys: string;
  register: string;
  canvasJson: string;
}

export function toolUrls(publicUrl: string): ToolUrls {
  return {
    login: `${publicUrl}/lti/login`,
    launch: `${publicUrl}/lti/launch`,
    keys: `${publicUrl}/lti/keys`,
    register: `${publicUrl}/lti/register`,
    canvasJson: `${publicUrl}/lti/canvas.json`,
  };
}

function placements(urls: ToolUrls) {
  return [
    { placement: 'course_navigation', message_type: 'LtiResourceLinkRequest', target_link_uri: urls.launch, text: TOOL_TITLE, visibility: 'members', default: 'enabled' },
    { placement: 'link_selection', message_type: 'LtiDeepLinkingRequest', target_link_uri: urls.launch, text: TOOL_TITLE },
    { placement: 'assignment_selection', message_type: 'LtiDeepLinkingRequest', target_link_uri: urls.launch, text: TOOL_TITLE },
  ];
}

/**
 * The JSON a Canvas admin pastes (by URL) into a new LTI developer key. The AGS scopes only let
 * the tool read and score line items Canvas already has: a gradebook column exists only for an
 * audit placed as an assignment, and the tool never creates placeholder line items.
 */
export function canvasDeveloperKeyJson(publicUrl: string) {
  const urls = toolUrls(publicUrl);
  return {
    title: TOOL_TITLE,
    description: DESCRIPTION,
    oidc_initiation_url: urls.login,
    target_link_uri: urls.launch,
    public_jwk_url: urls.keys,
    redirect_uris: [urls.launch],
    scopes: [...TOOL_SCOPES],
    extensions: [
      {
        platform: 'canvas.instructure.com',
        domain: new URL(publicUrl).host,
        privacy_level: 'public',
        settings: { placements: placements(urls) },
      },
    ],
    custom_fields: CUSTOM_FIELDS,
  };
}

/** The tool half of an LTI Dynamic Registration request, Canvas flavour (CANVAS.md §2.3). */
export function dynamicRegistrationRequest(publicUrl: string) {
  const urls = toolUrls(publicUrl);
  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: urls.login,
    redirect_uris: [urls.launch],
    client_name: TOOL_TITLE,
    jwks_uri: urls.keys,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: TOOL_SCOPES.join(' '),
    'https://purl.imsglobal.org/spec/lti-tool-configuration': {
      domain: new URL(publicUrl).host,
      description: DESCRIPTION,
      target_link_uri: urls.launch,
      custom_parameters: CUSTOM_FIELDS,
      claims: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'],
      messages: placements(urls).map((p) => ({
        type: p.message_type,
        target_link_uri: p.target_link_uri,
        label: p.text,
        placements: [`https://canvas.instructure.com/lti/${p.placement}`],
      })),
      'https://canvas.instructure.com/lti/privacy_level': 'public',
    },
  };
}
