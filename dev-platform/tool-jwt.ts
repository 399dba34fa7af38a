import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { TOOL_JWT_CLOCK_SKEW_S, TOOL_JWT_MAX_AGE_S } from './constants';

export class ToolJwtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolJwtError';
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired) return `the '${error.claim}' is invalid`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'JWT has unexpected alg';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'JWT verification failure';
  if (error instanceof errors.JWKSNoMatchingKey) return "no key in the tool's JWKS matches the JWT's kid";
  if (error instanceof errors.JOSEError) return `JWT is invalid: ${error.message}`;
  // Anything else comes from fetching the tool's JWKS (connection refused, bad JSON).
  return `the tool's JWKS could not be read: ${error instanceof Error ? error.message : String(error)}`;
}

export interface ToolJwtExpectations {
  jwksUri: string;
  issuer: string;
  audience: string;
  subject?: string;
  /** The claim that makes the JWT single-use: `jti`, or `nonce` for deep-linking responses. */
  onceClaim: 'jti' | 'nonce';
}

/**
 * Verifies JWTs that tools sign (client assertions, deep-linking responses) the way Canvas's
 * JWT validator does: RS256 against the tool's published JWKS, exact `aud`, `iat` at most
 * 5 minutes old and 30 seconds early, and each `jti` accepted once.
 */
export class ToolJwtVerifier {
  private readonly keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  private readonly used = new Map<string, number>();

  async verify(token: string, expected: ToolJwtExpectations): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keySet(expected.jwksUri), {
        algorithms: ['RS256'],
        issuer: expected.issuer,
        audience: expected.audience,
        subject: expected.subject,
        requiredClaims: ['iat', 'exp', expected.onceClaim],
        maxTokenAge: TOOL_JWT_MAX_AGE_S,
        clockTolerance: TOOL_JWT_CLOCK_SKEW_S,
      }));
    } catch (error) {
      throw new ToolJwtError(describe(error));
    }
    this.useOnce(`${expected.issuer}:${String(payload[expected.onceClaim])}`, expected.onceClaim);
    return payload;
  }

  private keySet(jwksUri: string) {
    let keySet = this.keySets.get(jwksUri);
    if (!keySet) {
      // A short cooldown lets a tool that has just rotated its key be fetched again quickly.
      keySet = createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: 1000, timeoutDuration: 5000 });
      this.keySets.set(jwksUri, keySet);
    }
    return keySet;
  }

  private useOnce(id: string, claim: string): void {
    const nowMs = Date.now();
    for (const [seen, expiresAtMs] of this.used) {
      if (expiresAtMs <= nowMs) this.used.delete(seen);
    }
    if (this.used.has(id)) throw new ToolJwtError(`the '${claim}' has already been used`);
    this.used.set(id, nowMs + (TOOL_JWT_MAX_AGE_S + TOOL_JWT_CLOCK_SKEW_S) * 1000);
  }
}
