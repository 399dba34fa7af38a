import { ConfigError, loadConfig } from './config/env';
import { loadDotEnv } from './config/dotenv';
import { openRuntime, startService, startupMessage } from './service';

/** `npm start`: validate config, open the database, serve, and shut down cleanly on SIGTERM. */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const runtime = await openRuntime(config);
  const service = await startService(runtime);
  runtime.logger.info(startupMessage(config, service.url, runtime.database), `ECF Progress listening on ${service.url}; Canvas reaches it at ${config.publicUrl}`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    runtime.logger.info({ event: 'service.stopping', signal }, 'shutting down');
    await service.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // A rejected promise nobody awaited (a library's fire-and-forget write) leaves no state
  // broken: log it and keep serving every school. Request handlers never get here: their
  // errors reach the error handler, and ltijs's are routed there too (lti/provider.ts).
  process.on('unhandledRejection', (reason) => {
    runtime.logger.error({ event: 'process.unhandled_rejection', err: reason }, 'a promise was rejected and nothing handled it');
  });
  // A thrown exception may leave anything half done: log it and exit non-zero, so the restart
  // policy (README: Security) starts a clean process.
  process.on('uncaughtException', (error) => {
    runtime.logger.fatal({ event: 'process.uncaught_exception', err: error }, 'uncaught exception; exiting');
    process.exit(1);
  });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) process.stderr.write(`Configuration error: ${problem}\n`);
  } else {
    process.stderr.write(`ECF Progress could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
