import type { Command } from 'commander';
import type { PlatformKey } from '../domain';
import { ValidationError } from '../errors';
import { parseLinkLifetime, type CreatedLink } from '../lti/registration-links';
import type { PlatformSummary } from '../lti/platforms';
import type { PlatformRemoval } from '../retention';
import type { Runtime } from '../service';
import { CliError, out } from './output';

type WithRuntime = <T>(work: (runtime: Runtime) => Promise<T>) => Promise<T>;

const collect = (value: string, previous: string[]) => [...previous, value];

function describe(p: PlatformSummary): string {
  const deployments = p.deploymentIds.length ? p.deploymentIds.join(', ') : 'none (launches will be refused until one is added)';
  return [
    `${p.name}${p.active ? '' : ' (inactive)'}`,
    `  issuer:       ${p.issuer}`,
    `  client id:    ${p.clientId}`,
    `  auth URL:     ${p.authUrl}`,
    `  token URL:    ${p.tokenUrl}`,
    `  JWKS URL:     ${p.jwksUrl}`,
    `  deployments:  ${deployments}`,
  ].join('\n');
}

function describeRemoval(platform: PlatformKey, removed: PlatformRemoval): string {
  const courses = removed.courses.length ? `${removed.courses.length} course link(s) (${removed.courses.join(', ')}) with the synced progress of ${removed.students} student(s)` : 'no course links';
  return [
    `Removed platform ${platform.issuer} (client id ${platform.clientId}) and its deployments.`,
    `  Canvas connection: ${removed.canvasConnection ? 'deleted' : 'none'}`,
    `  Deleted: ${courses}`,
    `  Sessions ended: ${removed.sessions}`,
    `  Recorded Canvas user ids deleted: ${removed.identities}`,
    `  Audits, comments, meeting records and reflections deleted: ${removed.records}`,
    'Schools and roster rows stay: they belong to cohorts, not to a platform.',
  ].join('\n');
}

function describeLink(link: CreatedLink, expires: string): string {
  return [
    `Registration link, valid once for ${expires} (until ${link.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC):`,
    '',
    `  ${link.url}`,
    '',
    'Paste it into Canvas: Admin → Developer Keys → + Developer Key → + LTI Registration.',
    'This is the only time it is shown; the tool keeps only a fingerprint of it.',
  ].join('\n');
}

/** A bad --expires is a usage error, found before the database is opened. */
function linkLifetime(expires: string): number {
  try {
    return parseLinkLifetime(expires);
  } catch (error) {
    throw error instanceof ValidationError ? new CliError(error.message, 2) : error;
  }
}

export function registerPlatformCommands(program: Command, withRuntime: WithRuntime): void {
  const platform = program.command('platform').description('register the Canvas instances (LTI platforms) that may launch the tool');

  platform
    .command('add')
    .description('register a platform, or update the URLs of one already registered')
    .requiredOption('--issuer <url>', 'the platform issuer (Canvas: https://canvas.instructure.com)')
    .requiredOption('--client-id <id>', 'the developer key client id')
    .requiredOption('--auth-url <url>', 'OIDC authorisation URL')
    .requiredOption('--token-url <url>', 'OAuth2 token URL')
    .requiredOption('--jwks-url <url>', 'the platform JWKS URL')
    .option('--name <name>', 'a name to show in listings')
    .option('--deployment-id <id>', 'a deployment id to accept (repeatable)', collect, [] as string[])
    .action((opts: { issuer: string; clientId: string; authUrl: string; tokenUrl: string; jwksUrl: string; name?: string; deploymentId: string[] }) =>
      withRuntime(async ({ registry }) => {
        const existed = await registry.find(opts.issuer, opts.clientId);
        const saved = await registry.add({ ...opts, deploymentIds: opts.deploymentId });
        out(`${existed ? 'Updated' : 'Registered'} platform:\n${describe(saved)}`);
      }),
    );

  platform
    .command('list')
    .description('list registered platforms and their deployments')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withRuntime(async ({ registry }) => {
        const platforms = await registry.list();
        if (opts.json) return out(JSON.stringify(platforms, null, 2));
        out(platforms.length ? platforms.map(describe).join('\n\n') : 'No platforms are registered yet. Add one with `ecf-progress platform add` or by dynamic registration from Canvas.');
      }),
    );

  platform
    .command('remove')
    .description('remove a platform with everything it brought in: deployments, Canvas connection, course links, synced progress and open sessions')
    .requiredOption('--issuer <url>', 'the platform issuer')
    .requiredOption('--client-id <id>', 'the developer key client id')
    .action((opts: { issuer: string; clientId: string }) =>
      withRuntime(async (runtime) => {
        const removed = await runtime.retention.removePlatformAndData(opts);
        out(describeRemoval(opts, removed));
      }),
    );

  platform
    .command('registration-link')
    .description('create a one-time link an admin pastes into Canvas for dynamic registration (shown once)')
    .option('--expires <duration>', 'how long the link works, from 1m to 7d (30m, 24h, 7d)', '24h')
    .action((opts: { expires: string }) => {
      const lifetimeMs = linkLifetime(opts.expires);
      return withRuntime(async ({ config, stores }) => {
        out(describeLink(await stores.registrationLinks.create(config.publicUrl, lifetimeMs), opts.expires));
      });
    });

  platform
    .command('deployment')
    .description('manage the deployment ids a platform may launch from')
    .command('add')
    .description('accept launches from one more deployment of a registered platform')
    .requiredOption('--issuer <url>', 'the platform issuer')
    .requiredOption('--client-id <id>', 'the developer key client id')
    .requiredOption('--deployment-id <id>', 'the deployment id Canvas shows for the installed tool')
    .action((opts: { issuer: string; clientId: string; deploymentId: string }) =>
      withRuntime(async ({ registry }) => {
        await registry.addDeployment(opts.issuer, opts.clientId, opts.deploymentId);
        out(`Deployment ${opts.deploymentId} added to ${opts.issuer} (client id ${opts.clientId}).`);
      }),
    );
}
