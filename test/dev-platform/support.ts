import type { AddressInfo } from 'node:net';
import express from 'express';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload, type KeyLike } from 'jose';
import { createDevPlatform, type DevPlatform, type KeyPairInput } from '../../dev-platform';

export interface Listening {
  url: string;
  close(): Promise<void>;
}

export async function listen(app: express.Express): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.closeAllConnections();
            server.close((error) => (error ? fail(error) : done()));
          }),
      });
    });
    server.on('error', reject);
  });
}

let platformKeyPair: Promise<KeyPairInput> | undefined;

/** One RSA key per test file: generating one per platform would only slow the suite down. */
export function sharedPlatformKeyPair(): Promise<KeyPairInput> {
  platformKeyPair ??= generateKeyPair('RS256', { extractable: true }).then((pair) => ({ ...pair, kid: '2024-09-01T00:00:00Z' }));
  return platformKeyPair;
}

/** A tool's signing key, as ltijs keeps one per platform and publishes it at `/lti/keys`. */
export interface ToolKey {
  kid: string;
  privateKey: KeyLike;
  jwks: { keys: object[] };
  sign(payload: JWTPayload, options?: { kid?: string; key?: KeyLike }): Promise<string>;
}

export async function createToolKey(kid = 'tool-key-1'): Promise<ToolKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return {
    kid,
    privateKey,
    jwks: { keys: [jwk] },
    sign: (payload, options = {}) => {
      const jwt = new SignJWT(payload).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: options.kid ?? kid }).setExpirationTime('1m');
      if (payload.iat === undefined) jwt.setIssuedAt();
      return jwt.sign(options.key ?? privateKey);
    },
  };
}

/**
 * One loopback server that hosts the platform under `/dev-platform`, as demo mode mounts it
 * inside the tool, plus whatever tool routes the test adds with `mountTool`.
 */
export async function startPlatform(
  mountTool: (app: express.Express, platform: () => DevPlatform) => void,
): Promise<{ platform: DevPlatform; server: Listening; toolUrl: string }> {
  const app = express();
  // The issuer is the server's URL, known only once it listens; routes look the platform up late.
  const ready: { platform?: DevPlatform } = {};
  const current = () => {
    if (!ready.platform) throw new Error('platform not ready');
    return ready.platform;
  };
  app.use('/dev-platform', (req, res, next) => current().router(req, res, next));
  mountTool(app, current);
  const server = await listen(app);
  ready.platform = await createDevPlatform({
    issuer: `${server.url}/dev-platform`,
    toolUrl: server.url,
    keyPair: await sharedPlatformKeyPair(),
  });
  return { platform: ready.platform, server, toolUrl: server.url };
}
