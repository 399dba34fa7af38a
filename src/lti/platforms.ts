import type { ChangeMarks } from '../db/change-marks';
import { isDuplicateKey } from '../db/collections';
import type { Store } from '../db/store';
import { deploymentKeyId } from '../domain';
import { ValidationError } from '../errors';
import { lti, type LtiPlatform } from './provider';

/**
 * Platforms live in ltijs's store; the deployments we accept live in ours, one insert-only
 * document each, because ltijs never checks `deployment_id` by itself.
 */
interface DeploymentDoc {
  _id: string;
  issuer: string;
  clientId: string;
  deploymentId: string;
  addedAt: Date;
  source: 'cli' | 'dynamic-registration';
}

export interface PlatformInput {
  issuer: string;
  clientId: string;
  authUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  name?: string;
  deploymentIds: string[];
}

export interface PlatformSummary {
  issuer: string;
  clientId: string;
  name: string;
  authUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  active: boolean;
  deploymentIds: string[];
}

/** What ltijs's `registerPlatform` takes. */
export interface PlatformForLtijs {
  url: string;
  clientId: string;
  name: string;
  authenticationEndpoint: string;
  accesstokenEndpoint: string;
  authorizationServer: string;
  authConfig: { method: 'JWK_SET'; key: string };
}

/** Registers a platform with ltijs, which generates the platform's key pair when it is new. */
export type RegisterWithLtijs = (platform: PlatformForLtijs) => Promise<unknown>;

const inThisThread: RegisterWithLtijs = (platform) => lti.registerPlatform(platform);

function checkUrl(label: string, value: string, allowHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`${label} "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    throw new ValidationError(`${label} must use https`);
  }
  return value;
}

export interface PlatformRegistryOptions {
  store: Store;
  marks: ChangeMarks;
  allowHttp: boolean;
  refusedIssuerPrefix?: string;
  /**
   * How platforms from dynamic registration are registered with ltijs. The service passes
   * `ltijsInWorker`: ltijs generates a new platform's 4096-bit RSA key synchronously, which
   * would stall every other request. The CLI registers on its own thread.
   */
  registerDynamic?: RegisterWithLtijs;
}

export class PlatformRegistry {
  constructor(private readonly options: PlatformRegistryOptions) {}

  /** The deployments allowed to launch, in `ecf_deployments`; ltijs keeps the platforms. */
  private get deployments() {
    return this.options.store.collection<DeploymentDoc>('deployments');
  }

  /**
   * Outside production platforms may be plain http and live on this machine or its network (the
   * development platform does); in production neither.
   */
  get acceptsLocalPlatforms(): boolean {
    return this.options.allowHttp;
  }

  /** Refuses the development platform's issuer in production. */
  isIssuerRefused(issuer: string): boolean {
    const prefix = this.options.refusedIssuerPrefix;
    return prefix !== undefined && issuer.startsWith(prefix);
  }

  async add(input: PlatformInput, source: DeploymentDoc['source'] = 'cli', registerWithLtijs: RegisterWithLtijs = inThisThread): Promise<PlatformSummary> {
    const { allowHttp } = this.options;
    checkUrl('--issuer', input.issuer, allowHttp);
    if (this.isIssuerRefused(input.issuer)) throw new ValidationError('the development platform cannot be registered in production');
    if (!input.clientId.trim()) throw new ValidationError('--client-id must not be empty');
    await registerWithLtijs({
      url: input.issuer,
      clientId: input.clientId,
      name: input.name ?? new URL(input.issuer).host,
      authenticationEndpoint: checkUrl('--auth-url', input.authUrl, allowHttp),
      accesstokenEndpoint: checkUrl('--token-url', input.tokenUrl, allowHttp),
      // Canvas checks the client assertion's `aud` against the exact token URL (CANVAS.md §3.1).
      authorizationServer: input.tokenUrl,
      authConfig: { method: 'JWK_SET', key: checkUrl('--jwks-url', input.jwksUrl, allowHttp) },
    });
    for (const deploymentId of input.deploymentIds) await this.addDeployment(input.issuer, input.clientId, deploymentId, source);
    await this.options.marks.markChanged('platforms');
    return this.require(input.issuer, input.clientId);
  }

  /** A platform from dynamic registration, registered with ltijs as the service set up. */
  addFromDynamicRegistration(input: PlatformInput): Promise<PlatformSummary> {
    return this.add(input, 'dynamic-registration', this.options.registerDynamic ?? inThisThread);
  }

  async addDeployment(issuer: string, clientId: string, deploymentId: string, source: DeploymentDoc['source'] = 'cli'): Promise<void> {
    if (!deploymentId.trim()) throw new ValidationError('a deployment id must not be empty');
    await this.require(issuer, clientId);
    try {
      await this.deployments.insertOne({
        _id: deploymentKeyId({ issuer, clientId }, deploymentId),
        issuer,
        clientId,
        deploymentId,
        addedAt: new Date(),
        source,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }

  async isDeploymentAllowed(issuer: string, clientId: string, deploymentId: string): Promise<boolean> {
    return (await this.deployments.findOne({ _id: deploymentKeyId({ issuer, clientId }, deploymentId) })) !== null;
  }

  async remove(issuer: string, clientId: string): Promise<void> {
    await this.require(issuer, clientId);
    await lti.deletePlatform(issuer, clientId);
    await this.deployments.deleteMany({ issuer, clientId });
    await this.options.marks.markChanged('platforms');
  }

  async list(): Promise<PlatformSummary[]> {
    const [platforms, allDeployments] = await Promise.all([lti.getAllPlatforms(), this.deployments.find({}).toArray()]);
    const summaries = await Promise.all(platforms.map((p) => summarise(p, allDeployments)));
    return summaries.sort((a, b) => a.issuer.localeCompare(b.issuer) || a.clientId.localeCompare(b.clientId));
  }

  async find(issuer: string, clientId: string): Promise<PlatformSummary | undefined> {
    const platform = await lti.getPlatform(issuer, clientId);
    if (!platform || Array.isArray(platform)) return undefined;
    return summarise(platform, await this.deployments.find({ issuer, clientId }).toArray());
  }

  private async require(issuer: string, clientId: string): Promise<PlatformSummary> {
    const found = await this.find(issuer, clientId);
    if (!found) throw new ValidationError(`no platform is registered with issuer ${issuer} and client id ${clientId}`);
    return found;
  }
}

async function summarise(platform: LtiPlatform, allDeployments: DeploymentDoc[]): Promise<PlatformSummary> {
  const [issuer, clientId, name, authUrl, tokenUrl, authConfig, active] = await Promise.all([
    platform.platformUrl(),
    platform.platformClientId(),
    platform.platformName(),
    platform.platformAuthEndpoint(),
    platform.platformAccessTokenEndpoint(),
    platform.platformAuthConfig(),
    platform.platformActive(),
  ]);
  const deploymentIds = allDeployments
    .filter((d) => d.issuer === issuer && d.clientId === clientId)
    .map((d) => d.deploymentId)
    .sort();
  return { issuer, clientId, name, authUrl, tokenUrl, jwksUrl: authConfig.key, active, deploymentIds };
}
