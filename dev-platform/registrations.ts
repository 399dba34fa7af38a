import type { MessageType, PrivacyLevel } from './constants';

export interface ToolMessage {
  type: MessageType;
  targetLinkUri?: string;
  label?: string;
  placements: readonly string[];
  customParameters: Readonly<Record<string, string>>;
}

/** A developer key plus its one deployment: what Canvas knows about an installed tool. */
export interface Registration {
  clientId: string;
  deploymentId: string;
  clientName: string;
  /** Exact launch URLs Canvas will post an id_token to (their query strings are ignored). */
  redirectUris: readonly string[];
  initiateLoginUri: string;
  targetLinkUri: string;
  jwksUri: string;
  scopes: readonly string[];
  privacyLevel: PrivacyLevel;
  /** Tool-level custom fields, `$Variable`s unexpanded. */
  customParameters: Readonly<Record<string, string>>;
  messages: readonly ToolMessage[];
  source: 'default' | 'dynamic-registration';
}

/**
 * Canvas's developer keys start at a global id such as 10000000000001 and its deployment ids
 * are `<tool id>:<context lti id>`; numbering them the same way keeps ids realistic.
 */
export class RegistrationStore {
  private readonly byClientId = new Map<string, Registration>();
  // Tool 1 is the built-in registration.
  private lastToolId = 1;

  constructor(initial: Registration) {
    this.add(initial);
  }

  add(registration: Registration): void {
    this.byClientId.set(registration.clientId, registration);
  }

  get(clientId: string): Registration | undefined {
    return this.byClientId.get(clientId);
  }

  list(): Registration[] {
    return [...this.byClientId.values()];
  }

  /** The next unused client id and tool id, skipping any the caller chose by hand. */
  allocateIds(): { clientId: string; toolId: number } {
    let clientId: string;
    do {
      this.lastToolId += 1;
      clientId = String(10_000_000_000_000 + this.lastToolId);
    } while (this.byClientId.has(clientId));
    return { clientId, toolId: this.lastToolId };
  }
}

/**
 * Canvas accepts a redirect URI whose part before `?` equals a registered one exactly (so a
 * trailing slash fails); the query is ignored unless the registered URI itself has one.
 */
export function isRegisteredRedirectUri(registration: Registration, requested: string): boolean {
  const [requestedBase, requestedQuery = ''] = requested.split('?');
  const requestedParams = new URLSearchParams(requestedQuery);
  return registration.redirectUris.some((uri) => {
    const [base, query] = uri.split('?');
    if (base !== requestedBase) return false;
    // Canvas lets a registered URI demand query parameters; the requested one must carry them.
    return [...new URLSearchParams(query ?? '')].every(([name, value]) => requestedParams.getAll(name).includes(value));
  });
}

/** Canvas's inference when a dynamically registered tool does not state its privacy level. */
export function privacyLevelFromClaims(claims: readonly string[]): PrivacyLevel {
  const hasPicture = claims.includes('picture');
  const hasName = ['name', 'given_name', 'family_name', 'https://purl.imsglobal.org/spec/lti/claim/lis'].some((claim) =>
    claims.includes(claim),
  );
  const hasEmail = claims.includes('email');
  if (hasPicture || (hasName && hasEmail)) return 'public';
  if (hasName) return 'name_only';
  if (hasEmail) return 'email_only';
  return 'anonymous';
}
