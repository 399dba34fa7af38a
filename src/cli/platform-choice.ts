import type { PlatformRegistry, PlatformSummary } from '../lti/platforms';
import { CliError } from './output';

export interface PlatformFlags {
  issuer?: string;
  clientId?: string;
}

const listing = (platforms: readonly PlatformSummary[]) =>
  platforms.map((p) => `  --issuer ${p.issuer} --client-id ${p.clientId}`).join('\n');

function narrowByIssuer(platforms: PlatformSummary[], flags: PlatformFlags): PlatformSummary[] {
  if (flags.issuer === undefined) {
    if (platforms.length > 1) throw new CliError(`More than one platform is registered: choose one with --issuer (and --client-id):\n${listing(platforms)}`);
    return platforms;
  }
  const issuer = flags.issuer.replace(/\/+$/, '');
  const found = platforms.filter((p) => p.issuer.replace(/\/+$/, '') === issuer);
  if (found.length === 0) throw new CliError(`No platform is registered with issuer ${flags.issuer}. Registered:\n${listing(platforms)}`);
  return found;
}

function narrowByClientId(candidates: PlatformSummary[], flags: PlatformFlags): PlatformSummary {
  if (flags.clientId === undefined) {
    if (candidates.length > 1) throw new CliError(`Issuer ${candidates[0].issuer} has several client ids: choose one with --client-id:\n${listing(candidates)}`);
    return candidates[0];
  }
  const found = candidates.find((p) => p.clientId === flags.clientId);
  if (!found) throw new CliError(`No platform is registered with client id ${flags.clientId}${flags.issuer ? ` for issuer ${flags.issuer}` : ''}. Registered:\n${listing(candidates)}`);
  return found;
}

/**
 * The platform a command is about. With one platform registered the flags may be left
 * out; otherwise the person names it, and the message lists what they can choose from.
 */
export async function choosePlatform(registry: Pick<PlatformRegistry, 'list'>, flags: PlatformFlags): Promise<PlatformSummary> {
  const platforms = await registry.list();
  if (platforms.length === 0) throw new CliError('No platform is registered yet. Register one first with `ecf-progress platform add` or by dynamic registration from Canvas.');
  return narrowByClientId(narrowByIssuer(platforms, flags), flags);
}
