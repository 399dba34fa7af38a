import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config/env';
import { loadDotEnv } from '../config/dotenv';
import { AppError } from '../errors';
import { createLogger } from '../log/logger';
import type { Runtime } from '../service';
import { CliError, note } from './output';
import { registerCanvasCommands } from './canvas-commands';
import { registerPeopleCommands } from './people-commands';
import { registerEventsCommands } from './events-commands';
import { registerExportCommands } from './export-commands';
import { registerPlatformCommands } from './platform-commands';
import { registerProgrammeCommands } from './programme-commands';
import { registerSyncCommands } from './sync-commands';
import { registerSchoolCommands } from './school-commands';
import { registerDeliveryCommands } from './delivery-commands';
import { registerMilestoneCommands } from './milestone-commands';

/**
 * Opens the same configuration and database as the service for one command, then closes them.
 * With `lti` false ltijs is never loaded, which a command reaching no platform does not need.
 */
function runtimeFor({ lti }: { lti: boolean }) {
  return async function withRuntime<T>(work: (runtime: Runtime) => Promise<T>): Promise<T> {
    loadDotEnv();
    const config = loadConfig();
    const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr);
    // Imported here: help and usage errors need none of the services.
    const { openRuntime } = await import('../service');
    const runtime = await openRuntime(config, { logger, say: note, shareRunningDatabase: true, lti, backgroundRebuilds: false });
    try {
      return await work(runtime);
    } finally {
      await runtime.close();
    }
  };
}

export function buildProgram(): Command {
  const program = new Command('ecf-progress')
    .description('ECF Progress: administration from the command line (uses the same configuration and database as the service)')
    .showHelpAfterError()
    .exitOverride();
  // Platforms live in ltijs's store, and courses and Canvas connections are chosen by platform.
  const withPlatforms = runtimeFor({ lti: true });
  const withoutPlatforms = runtimeFor({ lti: false });
  registerPlatformCommands(program, withPlatforms);
  registerCanvasCommands(program, withPlatforms);
  registerProgrammeCommands(program, withPlatforms);
  registerSyncCommands(program, withoutPlatforms);
  registerPeopleCommands(program, withoutPlatforms);
  registerEventsCommands(program, withoutPlatforms);
  registerSchoolCommands(program, withoutPlatforms);
  registerDeliveryCommands(program, withoutPlatforms);
  registerExportCommands(program, withoutPlatforms);
  registerMilestoneCommands(program, withoutPlatforms);
  return program;
}

function explain(error: unknown): { message: string; code: number } {
  if (error instanceof CommanderError) return { message: '', code: error.exitCode === 0 ? 0 : 2 };
  if (error instanceof ConfigError) return { message: error.problems.map((p) => `Configuration error: ${p}`).join('\n'), code: 1 };
  if (error instanceof CliError) return { message: error.message, code: error.exitCode };
  if (error instanceof AppError) return { message: `Error: ${error.message}`, code: 1 };
  return { message: `Error: ${error instanceof Error ? error.message : String(error)}`, code: 1 };
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    const { message, code } = explain(error);
    if (message) note(message);
    return code;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
