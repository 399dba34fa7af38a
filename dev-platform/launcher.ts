import { decodeJwt } from 'jose';
import { applyClaimsTamper, type ClaimsTamper, type IdTokenClaims } from './claims';
import type { MessageType } from './constants';
import { CookieJar } from './cookie-jar';
import type { DemoUser, DemoUserKey } from './demo-data';
import { readAutoSubmitForm } from './html';
import type { DevPlatform } from './index';
import type { LoginInitiationOptions } from './launches';
import type { SignOptions } from './signing';

export { CookieJar } from './cookie-jar';

/** Hooks that change one thing in an otherwise honest launch, in flow order. */
export interface LaunchTamper {
  /** Changes the login initiation form before it is posted to the tool. */
  loginFields?: (fields: Record<string, string>) => Record<string, string>;
  /** Changes the tool's auth request (the URL it redirected to) before the platform sees it. */
  authRequest?: (url: URL) => void;
  /** Re-signs the platform's id_token with these claim changes (and `header`/`signWith`). */
  claims?: ClaimsTamper;
  header?: Record<string, unknown>;
  signWith?: SignOptions;
  /** Posts this id_token instead, e.g. one from an earlier launch to test replay. */
  idToken?: string;
  /** Final say over the fields posted to the tool's launch URL, e.g. another `state`. */
  launchFields?: (fields: Record<string, string>) => Record<string, string>;
  /** Runs just before the launch POST, e.g. `(jar) => jar.delete(/^state/)`. */
  cookies?: (jar: CookieJar) => void;
  /** Sends the launch with another HTTP method (PUT, PATCH, DELETE, GET with a body…). */
  launchMethod?: string;
}

export interface LaunchToolOptions {
  /** The tool's PUBLIC_URL; login initiation goes to `${toolUrl}/lti/login`. */
  toolUrl: string;
  platform: DevPlatform;
  user: DemoUser | DemoUserKey;
  messageType?: MessageType;
  initiation?: Omit<LoginInitiationOptions, 'messageType'>;
  /**
   * Behave like a browser showing the tool in Canvas's iframe: every request to the tool is
   * third-party, so only `SameSite=None; Secure` cookies are sent to it.
   */
  crossSite?: boolean;
  tamper?: LaunchTamper;
}

export interface LaunchStep {
  method: string;
  url: string;
  status: number;
  location?: string;
}

export interface LaunchResult {
  /** The last response: the tool's page, or wherever the flow stopped. */
  status: number;
  finalUrl: string;
  body: string;
  /** Cookies a further request to the tool would carry, by name. */
  cookies: Record<string, string>;
  steps: LaunchStep[];
  /** The id_token posted to the tool, when the flow got that far. */
  idToken?: string;
  /** Everything posted to the tool's launch URL. */
  launchFields?: Record<string, string>;
}

const MAX_REDIRECTS = 10;

/**
 * Drives a whole Canvas launch over real HTTP, as a browser would: login initiation POST to
 * the tool, the tool's redirect to the platform's authorization endpoint, the platform's
 * auto-submitted form back to the tool, then the tool's own redirects.
 */
export async function launchTool(options: LaunchToolOptions): Promise<LaunchResult> {
  const { platform, tamper = {} } = options;
  const toolUrl = options.toolUrl.replace(/\/+$/, '');
  const toolOrigin = new URL(toolUrl).origin;
  const jar = new CookieJar();
  const steps: LaunchStep[] = [];

  async function send(method: LaunchStep['method'], url: URL, form?: Record<string, string>) {
    const cookie = jar.header(url, { crossSite: options.crossSite === true && url.origin === toolOrigin });
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form) : undefined,
    });
    jar.store(url, response.headers.getSetCookie());
    const body = await response.text();
    const location = response.headers.get('location');
    steps.push({ method, url: url.href, status: response.status, ...(location ? { location } : {}) });
    return { url, status: response.status, body, location: location ? new URL(location, url) : undefined };
  }

  const finish = (last: { url: URL; status: number; body: string }, extra: Pick<LaunchResult, 'idToken' | 'launchFields'> = {}) => ({
    status: last.status,
    finalUrl: last.url.href,
    body: last.body,
    cookies: jar.toObject(new URL(toolUrl)),
    steps,
    ...extra,
  });

  const initiation = await platform.loginInitiation(options.user, { ...options.initiation, messageType: options.messageType });
  const loginFields = tamper.loginFields ? tamper.loginFields({ ...initiation }) : initiation;
  const login = await send('POST', new URL(`${toolUrl}/lti/login`), loginFields);
  const authorizeUrl = login.location;
  if (!authorizeUrl || `${authorizeUrl.origin}${authorizeUrl.pathname}` !== platform.urls.authorize) return finish(login);

  tamper.authRequest?.(authorizeUrl);
  const authorization = await send('GET', authorizeUrl);
  const form = readAutoSubmitForm(authorization.body);
  if (!form) return finish(authorization);

  let fields = { ...form.fields };
  if (fields.id_token && (tamper.claims || tamper.header || tamper.signWith)) {
    const claims = decodeJwt(fields.id_token) as IdTokenClaims;
    fields.id_token = await platform.signIdToken(applyClaimsTamper(claims, tamper.claims), {
      ...tamper.signWith,
      header: { ...tamper.signWith?.header, ...tamper.header },
    });
  }
  if (tamper.idToken) fields.id_token = tamper.idToken;
  if (tamper.launchFields) fields = tamper.launchFields(fields);
  tamper.cookies?.(jar);

  const posted = { idToken: fields.id_token, launchFields: fields };
  let last = await send(tamper.launchMethod ?? 'POST', new URL(form.action), fields);
  for (let hops = 0; last.location && last.location.origin === toolOrigin; hops += 1) {
    if (hops === MAX_REDIRECTS) throw new Error(`the tool redirected more than ${MAX_REDIRECTS} times`);
    last = await send('GET', last.location);
  }
  return finish(last, posted);
}
