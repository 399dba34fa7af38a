import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, importJWK, type JWK, type KeyLike } from 'jose';
import { z } from 'zod';

export interface KeyPairInput {
  privateKey: KeyLike;
  publicKey: KeyLike;
  kid?: string;
}

export interface PlatformKey {
  kid: string;
  privateKey: KeyLike;
  publicKey: KeyLike;
  publicJwk: JWK;
  /** The public key as SPKI PEM: what an attacker would use as an HS256 secret. */
  publicPem: string;
}

const KeyFileSchema = z.object({
  kid: z.string().min(1),
  privateJwk: z.looseObject({ kty: z.literal('RSA'), n: z.string(), e: z.string(), d: z.string() }),
});

/** Canvas names its keys by creation time (e.g. `2018-05-18T22:33:20Z`). */
function timestampKid(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

async function describe(privateKey: KeyLike, publicKey: KeyLike, kid: string): Promise<PlatformKey> {
  const { kty, n, e } = await exportJWK(publicKey);
  return {
    kid,
    privateKey,
    publicKey,
    publicJwk: { kty, n, e, kid, alg: 'RS256', use: 'sig' },
    publicPem: await exportSPKI(publicKey),
  };
}

async function fromPrivateJwk(privateJwk: JWK, kid: string): Promise<PlatformKey> {
  const privateKey = (await importJWK(privateJwk, 'RS256')) as KeyLike;
  const publicKey = (await importJWK({ kty: 'RSA', n: privateJwk.n, e: privateJwk.e }, 'RS256')) as KeyLike;
  return describe(privateKey, publicKey, kid);
}

async function readKeyFile(path: string): Promise<PlatformKey | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = KeyFileSchema.parse(JSON.parse(text));
  return fromPrivateJwk(parsed.privateJwk as JWK, parsed.kid);
}

/**
 * The platform's RS256 signing key. With a `keyFile`, the key survives restarts so a tool
 * that cached the JWKS (or a demo database full of launches) keeps working.
 */
export async function loadPlatformKey(options: { keyPair?: KeyPairInput; keyFile?: string }): Promise<PlatformKey> {
  if (options.keyPair) {
    const { privateKey, publicKey, kid } = options.keyPair;
    return describe(privateKey, publicKey, kid ?? timestampKid());
  }
  if (options.keyFile) {
    const existing = await readKeyFile(options.keyFile);
    if (existing) return existing;
  }
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const kid = timestampKid();
  if (options.keyFile) {
    await mkdir(dirname(options.keyFile), { recursive: true });
    const privateJwk = await exportJWK(privateKey);
    await writeFile(options.keyFile, `${JSON.stringify({ kid, privateJwk }, null, 2)}\n`, { mode: 0o600 });
  }
  return describe(privateKey, publicKey, kid);
}
