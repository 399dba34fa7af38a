import { decodeJwt } from 'jose';
import { ACCESS_TOKEN_LIFETIME_S } from './constants';
import type { JsonReply } from './dynamic-registration';
import type { RegistrationStore } from './registrations';
import type { PlatformSecret } from './signing';
import { ToolJwtError, type ToolJwtVerifier } from './tool-jwt';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

function oauthError(error: string, description: string): JsonReply {
  return { status: 400, body: { error, error_description: description } };
}

export interface TokenServiceDeps {
  tokenUrl: string;
  registrations: RegistrationStore;
  verifier: ToolJwtVerifier;
  secret: PlatformSecret;
}

/** The client-credentials grant behind LTI Advantage services (CANVAS.md §3.1). */
export class TokenService {
  constructor(private readonly deps: TokenServiceDeps) {}

  async grant(form: Record<string, string | undefined>): Promise<JsonReply> {
    if (form.grant_type !== 'client_credentials') return oauthError('unsupported_grant_type', 'grant_type must be client_credentials');
    if (form.client_assertion_type !== ASSERTION_TYPE) return oauthError('invalid_request', `client_assertion_type must be ${ASSERTION_TYPE}`);
    const assertion = form.client_assertion;
    if (!assertion) return oauthError('invalid_request', 'client_assertion is required');

    let clientId: unknown;
    try {
      clientId = decodeJwt(assertion).sub;
    } catch {
      return oauthError('invalid_request', 'client_assertion is not a JWT');
    }
    const registration = typeof clientId === 'string' ? this.deps.registrations.get(clientId) : undefined;
    if (!registration) return oauthError('invalid_client', 'Client not found');
    try {
      await this.deps.verifier.verify(assertion, {
        jwksUri: registration.jwksUri,
        issuer: registration.clientId,
        subject: registration.clientId,
        audience: this.deps.tokenUrl,
        onceClaim: 'jti',
      });
    } catch (error) {
      if (error instanceof ToolJwtError) return oauthError('invalid_grant', error.message);
      throw error;
    }

    const requested = (form.scope ?? '').split(/\s+/).filter(Boolean);
    const granted = requested.filter((scope) => registration.scopes.includes(scope));
    if (granted.length === 0) return oauthError('invalid_scope', 'None of the requested scopes is enabled for this developer key');
    // As in Canvas: `sub` is the developer key, `aud` the token URL (which tells it from the
    // platform's other secret-signed tokens), `scopes` what the services check.
    const accessToken = await this.deps.secret.sign(
      { sub: registration.clientId, aud: this.deps.tokenUrl, scopes: granted.join(' ') },
      ACCESS_TOKEN_LIFETIME_S,
    );
    return { status: 200, body: { access_token: accessToken, token_type: 'Bearer', expires_in: ACCESS_TOKEN_LIFETIME_S, scope: granted.join(' ') } };
  }
}
