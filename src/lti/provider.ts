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
