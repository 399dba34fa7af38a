/** Every address the platform publishes; the issuer is the URL the router is mounted at. */
export interface PlatformUrls {
  issuer: string;
  jwks: string;
  authorize: string;
  token: string;
  openidConfiguration: string;
  registrations: string;
  deepLinkReturn: string;
  launch: string;
  startRegistration: string;
  storageFrame: string;
  assets: string;
}

export function platformUrls(issuer: string): PlatformUrls {
  return {
    issuer,
    jwks: `${issuer}/jwks`,
    authorize: `${issuer}/authorize`,
    token: `${issuer}/token`,
    openidConfiguration: `${issuer}/.well-known/openid-configuration`,
    registrations: `${issuer}/registrations`,
    deepLinkReturn: `${issuer}/deep-link-return`,
    launch: `${issuer}/launch`,
    startRegistration: `${issuer}/start-registration`,
    storageFrame: `${issuer}/post-message-forwarding`,
    assets: `${issuer}/assets`,
  };
}

/** Canvas's AGS address for a course's line items: `/api/lti/courses/:course_id/line_items`. */
export function lineItemsUrl(issuer: string, courseId: string): string {
  return `${issuer}/api/lti/courses/${courseId}/line_items`;
}
