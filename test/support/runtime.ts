import { openRuntime, type Runtime } from '../../src/service';
import { createLogger } from '../../src/log/logger';
import mongoose from 'mongoose';
import { testConfig } from './service';

export interface TestRuntime {
  runtime: Runtime;
  close(): Promise<void>;
}

/** The runtime without HTTP, on a fresh database: for services and CLI-level tests. */
export async function openTestRuntime(overrides: Record<string, string> = {}): Promise<TestRuntime> {
  const config = await testConfig(overrides);
  const runtime = await openRuntime(config, { logger: createLogger('silent') });
  return {
    runtime,
    close: async () => {
      await mongoose.connection.db?.dropDatabase();
      await runtime.close();
    },
  };
}
