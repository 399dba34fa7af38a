import crypto from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { normaliseEmail } from './model';

/** A settings link stays usable this long: long enough that an old email's link still works for a school year. */
export const SETTINGS_LINK_DAYS = 180;
const DAY_S = 24 * 60 * 60;
const AUDIENCE = 'ecf-progress:notification-settings';
const TOKEN_MAX_LENGTH = 2000;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const URN = /^\d{6}$/;
const EMAIL_MAX = 320;

/** Who a settings link is for. */
export interface SettingsHolder {
  urn: string;
  email: string;
}

/** Why a settings link was refused: the page says which, and shows nothing else. */
export class SettingsLinkError extends Error {
  override name = 'SettingsLinkError';
  constructor(readonly reason: 'malformed' | 'invalid' | 'expired') {
    super(`notification settings link ${reason}`);
  }
}

/**
 * The signed link in every notification email to its recipient's settings (no sign-in: the
 * email is the proof of who they are). An HS256 JWT of {urn, email}, valid for 180 days, signed
 * with a key derived for this purpose only. The form on that page carries a CSRF token bound to
 * the link's token, so a cross-site form cannot save choices for anyone.
 */
export class SettingsLinks {
  constructor(
    private readonly key: Uint8Array,
    private readonly publicUrl: string,
  ) {}

  async token(holder: SettingsHolder, now = new Date()): Promise<string> {
    const issued = Math.floor(now.getTime() / 1000);
    return new SignJWT({ urn: holder.urn, email: normaliseEmail(holder.email) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setAudience(AUDIENCE)
      .setIssuedAt(issued)
      .setExpirationTime(issued + SETTINGS_LINK_DAYS * DAY_S)
      .sign(this.key);
  }

  /** The settings page's address for this recipient. */
  async url(holder: SettingsHolder, now = new Date()): Promise<string> {
    return `${this.publicUrl.replace(/\/+$/, '')}/notifications/settings?token=${encodeURIComponent(await this.token(holder, now))}`;
  }

  /** @throws SettingsLinkError when the token is not one of ours, was changed, or has expired. */
  async verify(token: unknown, now = new Date()): Promise<SettingsHolder> {
    if (typeof token !== 'string' || token.length > TOKEN_MAX_LENGTH || !TOKEN_SHAPE.test(token)) throw new SettingsLinkError('malformed');
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: AUDIENCE, currentDate: now, requiredClaims: ['exp'] }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new SettingsLinkError('expired');
      throw new SettingsLinkError('invalid');
    }
    const { urn, email } = claims;
    if (typeof urn !== 'string' || !URN.test(urn) || typeof email !== 'string' || email.length > EMAIL_MAX || !email.includes('@')) throw new SettingsLinkError('invalid');
    return { urn, email };
  }

  /** The CSRF token of the settings form reached by this link token. */
  csrfFor(token: string): string {
    return crypto.createHmac('sha256', this.key).update(`csrf:${token}`).digest('base64url');
  }

  checkCsrf(token: string, sent: unknown): boolean {
    if (typeof sent !== 'string') return false;
    const expected = Buffer.from(this.csrfFor(token));
    const given = Buffer.from(sent);
    return expected.length === given.length && crypto.timingSafeEqual(expected, given);
  }
}
