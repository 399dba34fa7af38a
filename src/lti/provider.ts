import { Provider } from 'ltijs';

/**
 * ltijs exports one Provider per process; every LTI module reaches it through here so the
 * rest of the code never depends on ltijs's untyped surface directly.
 */
export interface LtiPlatform {
  platformUrl(): Promise<string>;
  platformClientId(): Promise<string>;
  platformName(): Promise<string>;
  platformAuthEndpoint(): Promise<string>;
  platformAccessTokenEndpoint(): Promise<string>;
  platformAuthConfig(): Promise<{ method: string; key: string }>;
  platformActive(): Promise<boolean>;
  /** A client-credentials access token for these scopes (space-separated), cached by ltijs. */
  platformAccessToken(scopes: string): Promise<{ access_token: string; token_type: string; expires_in: number }>;
}

export interface LtiProvider {
  app: import('express').Express;
  setup(key: string, database: { url: string; connection?: object }, options: object): LtiProvider;
  deploy(options: { serverless: boolean; silent: boolean }): Promise<true>;
  close(options: { silent: boolean }): Promise<true>;
  onConnect(cb: LtiCallback): void;
  onDeepLinking(cb: LtiCallback): void;
  onInvalidToken(cb: RefusalCallback): void;
  onUnregisteredPlatform(cb: RefusalCallback): void;
  onInactivePlatform(cb: RefusalCallback): void;
  onSessionTimeout(cb: RefusalCallback): void;
  registerPlatform(platform: object): Promise<LtiPlatform>;
  getPlatform(url: string, clientId?: string): Promise<LtiPlatform | LtiPlatform[] | false>;
  getAllPlatforms(): Promise<LtiPlatform[]>;
  deletePlatform(url: string, clientId: string): Promise<true>;
  DeepLinking: { createDeepLinkingMessage(idtoken: object, items: object[], options?: object): Promise<string> };
}

/** ltijs passes `next` to some refusal callbacks and not others. */
export type RefusalCallback = (req: import('express').Request, res: import('express').Response, next?: import('express').NextFunction) => unknown;

export type LtiCallback = (
  token: LtiToken,
  req: import('express').Request,
  res: import('express').Response,
  next: import('express').NextFunction,
) => unknown;

/** The validated launch as ltijs hands it over (ltiaas mode: no redirect, no ltijs cookie). */
export interface LtiToken {
  iss: string;
  user: string;
  clientId: string;
  deploymentId: string;
  userInfo?: { given_name?: string; family_name?: string; name?: string; email?: string };
  platformContext: {
    /** ltijs's key for its stored copy of the launch context. */
    contextId?: string;
    context?: { id: string; label?: string; title?: string };
    resource?: { id: string; title?: string };
    messageType: string;
    roles?: string[];
    custom?: Record<string, unknown>;
    targetLinkUri?: string;
    launchPresentation?: { return_url?: string; document_target?: string; locale?: string };
    deepLinkingSettings?: { deep_link_return_url: string; accept_types: string[]; accept_multiple?: boolean | string; data?: string };
  };
}

export const lti = Provider as unknown as LtiProvider;

interface RouterLayer {
  handle: (...args: unknown[]) => unknown;
  route?: { stack: RouterLayer[] };
}

/**
 * ltijs's handlers are async functions, and Express 4 ignores the promise a handler returns:
 * an error thrown inside one (ltijs even throws inside its own catch blocks) becomes an
 * unhandled rejection, which stops Node. Each of its handlers is wrapped so a rejection goes
 * to `next` and our error handler answers with a plain page and a log line with the request id.
 */
export function routeRejectionsToNext(app: import('express').Express): void {
  const router = (app as unknown as { _router?: { stack: RouterLayer[] } })._router;
  if (!router) throw new Error('ltijs has not set up its routes yet');
  const wrapLayers = (layers: RouterLayer[]) => {
    for (const layer of layers) {
      if (layer.route) wrapLayers(layer.route.stack);
      const original = layer.handle;
      // Error handlers (four arguments) are left alone: Express tells them apart by arity.
      if (original.length > 3) continue;
      layer.handle = function handle(req: unknown, res: unknown, next: unknown) {
        const result = original(req, res, next) as Promise<unknown> | undefined;
        if (result && typeof result.catch === 'function') result.catch(next as (error: unknown) => void);
      };
    }
  };
  wrapLayers(router.stack);
}
