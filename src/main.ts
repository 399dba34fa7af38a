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
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    for (const problem of error.problems) process.stderr.write(`Configuration error: ${problem}\n`);
  } else {
    process.stderr.write(`ECF Progress could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
