import { randomBytes } from 'node:crypto';
import { SignJWT, base64url, errors, jwtVerify, type JWTPayload, type KeyLike } from 'jose';
import type { PlatformKey } from './keys';

export interface SignOptions {
  /**
   * `RS256` (Canvas's only algorithm) by default. `none` produces an unsigned token; `HS256`
   * uses the platform's public key PEM as the HMAC secret unless `key` says otherwise, which
   * is the algorithm-confusion attack a tool must refuse.
   */
  alg?: 'RS256' | 'HS256' | 'none';
  /** `null` leaves `kid` out of the header; by default it is the platform's current kid. */
  kid?: string | null;
  /** RS256: another private key (a forger's). HS256: the HMAC secret. */
  key?: KeyLike | Uint8Array;
  /** Extra or replacement header fields, applied last. */
  header?: Record<string, unknown>;
}

function encodeSegment(value: unknown): string {
  return base64url.encode(JSON.stringify(value));
}

export async function signJwt(payload: Record<string, unknown>, platformKey: PlatformKey, options: SignOptions = {}): Promise<string> {
  const alg = options.alg ?? 'RS256';
  const kid = options.kid === undefined ? platformKey.kid : options.kid;
  const header: Record<string, unknown> = { typ: 'JWT', alg, ...(kid === null ? {} : { kid }), ...options.header };
  if (alg === 'none') return `${encodeSegment(header)}.${encodeSegment(payload)}.`;

  const jwt = new SignJWT(payload as JWTPayload).setProtectedHeader(header as { alg: string });
  if (alg === 'HS256') {
    if (options.key !== undefined && !(options.key instanceof Uint8Array)) throw new TypeError('HS256 needs a Uint8Array secret');
    return jwt.sign(options.key ?? new TextEncoder().encode(platformKey.publicPem));
  }
  if (options.key instanceof Uint8Array) throw new TypeError('RS256 needs an RSA private key, not a secret');
  return jwt.sign(options.key ?? platformKey.privateKey);
}

/**
 * Tokens only the platform reads back (`lti_message_hint`, registration and access tokens).
 * Canvas signs these with a server secret; so does this.
 */
export class PlatformSecret {
  private readonly secret = randomBytes(32);

  async sign(payload: Record<string, unknown>, lifetimeS: number): Promise<string> {
    return new SignJWT(payload as JWTPayload)
      .setProtectedHeader({ typ: 'JWT', alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeS)
      .sign(this.secret);
  }

  /** The payload, or null when the token is malformed, forged or expired. */
  async verify(token: string): Promise<JWTPayload | null> {
    const checked = await this.check(token);
    return 'payload' in checked ? checked.payload : null;
  }

  /** Like `verify`, but tells an expired token (signature good) from a bad one, as Canvas's AGS errors do. */
  async check(token: string): Promise<{ payload: JWTPayload } | { error: 'expired' | 'invalid' }> {
    try {
      return { payload: (await jwtVerify(token, this.secret, { algorithms: ['HS256'] })).payload };
    } catch (error) {
      // jose checks the signature before the claims, so JWTExpired means a token we signed.
      return { error: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  }
}
