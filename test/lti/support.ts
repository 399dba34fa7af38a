import http from 'node:http';
import express from 'express';
import mongoose from 'mongoose';
import { createDevPlatform, type DevPlatform } from '../../dev-platform';
import { freePort, startTestService, type TestService } from '../support/service';

/** An LTI platform on its own loopback port: independent of the tool, as Canvas is. */
export async function startIndependentPlatform(toolUrl: string): Promise<{ platform: DevPlatform; close(): Promise<void> }> {
  const port = await freePort();
  const platform = await createDevPlatform({ issuer: `http://127.0.0.1:${port}`, toolUrl });
  const app = express();
  app.use(platform.router);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { platform, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** What a launch may leave behind: our sessions, and ltijs's stored tokens and nonces. */
export async function storedCounts(): Promise<Record<string, number>> {
  const db = mongoose.connection.db!;
  const names = ['ecf_sessions', 'ecf_launch_nonces', 'idtokens', 'contexttokens'];
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = await db.collection(name).countDocuments({});
  return counts;
}

/** The tool on a fresh database with one independent platform registered: what most launch tests start from. */
export async function startServiceWithPlatform(options: Parameters<typeof startTestService>[0] = {}): Promise<{ t: TestService; platform: DevPlatform; close(): Promise<void> }> {
  const t = await startTestService(options);
  const independent = await startIndependentPlatform(t.url);
  await t.runtime.registry.add(independent.platform.registrationForTool);
  return {
    t,
    platform: independent.platform,
    close: async () => {
      await independent.close();
      await t.close();
    },
  };
}
