/**
 * Prepares a database for the CLI runs of `npm run bench:sync` as an administrator would:
 * the tool's own runtime (`openRuntime` on the CLI's config) saves the Canvas connection and
 * the four course links. In a process of its own because ltijs allows one runtime per process.
 * Gets a CliSetupJob over IPC, answers when done.
 */
import { loadConfig } from '../src/config/env';
import { createLogger } from '../src/log/logger';
import { openRuntime } from '../src/service';
import { PLATFORM, cohortLinks } from './cohort';
import { serveOneJob, type CliSetupJob } from './run-protocol';

async function prepare(job: CliSetupJob): Promise<null> {
  const runtime = await openRuntime(loadConfig(job.env), { logger: createLogger('silent') });
  try {
    await runtime.stores.connections.save(PLATFORM, { baseUrl: job.started.url, token: job.started.token });
    for (const link of cohortLinks(job.started)) await runtime.stores.links.save(link);
  } finally {
    await runtime.close();
  }
  return null;
}

serveOneJob(prepare);
