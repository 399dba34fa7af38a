import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, errors, generateKeyPair, jwtVerify, type JSONWebKeySet } from 'jose';
import request from 'supertest';
import express from 'express';
import { createDevPlatform, type DevPlatform } from '../../dev-platform';
import { sharedPlatformKeyPair } from './support';

const ISSUER = 'http://127.0.0.1:3999/dev-platform';
const TOOL_URL = 'http://127.0.0.1:3999';

async function platformWithJwks(): Promise<{ platform: DevPlatform; jwks: JSONWebKeySet }> {
  const platform = await createDevPlatform({ issuer: ISSUER, toolUrl: TOOL_URL, keyPair: await sharedPlatformKeyPair() });
  const app = express().use('/dev-platform', platform.router);
  const response = await request(app).get('/dev-platform/jwks').expect(200);
  return { platform, jwks: response.body as JSONWebKeySet };
}

const claims = { iss: ISSUER, aud: '10000000000001', sub: 'someone' };

describe('the platform key set', () => {
  it('publishes one RS256 signing key with a timestamp kid, as Canvas does', async () => {
    const { platform, jwks } = await platformWithJwks();
    expect(jwks.keys).toHaveLength(1);
    const [key] = jwks.keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: platform.kid });
    expect(key.kid).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(key).not.toHaveProperty('d');
  });

  it('keeps the same key across restarts when given a key file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dev-platform-key-'));
    try {
      const keyFile = join(dir, 'nested', 'platform-key.json');
      const first = await createDevPlatform({ issuer: ISSUER, toolUrl: TOOL_URL, keyFile });
      const second = await createDevPlatform({ issuer: ISSUER, toolUrl: TOOL_URL, keyFile });
      expect(second.kid).toBe(first.kid);
      expect(second.publicJwk.n).toBe(first.publicJwk.n);
      expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(keyFile, 'utf8'))).toMatchObject({ kid: first.kid, privateJwk: { kty: 'RSA' } });

      const token = await second.signIdToken(claims);
      const fromFirstKey = createLocalJWKSet({ keys: [first.publicJwk] });
      await expect(jwtVerify(token, fromFirstKey, { algorithms: ['RS256'] })).resolves.toBeDefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an issuer with a query string, which could never equal the mount URL', async () => {
    await expect(createDevPlatform({ issuer: `${ISSUER}?x=1`, toolUrl: TOOL_URL, keyPair: await sharedPlatformKeyPair() })).rejects.toThrow(
      /issuer/,
    );
  });
});

describe('signIdToken', () => {
  it('signs RS256 with the published key and kid by default', async () => {
    const { platform, jwks } = await platformWithJwks();
    const token = await platform.signIdToken(claims);
    expect(decodeProtectedHeader(token)).toEqual({ typ: 'JWT', alg: 'RS256', kid: platform.kid });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ['RS256'], issuer: ISSUER, audience: claims.aud });
    expect(payload.sub).toBe('someone');
  });

  it("produces an unsigned token with alg 'none' that RS256 verification refuses", async () => {
    const { platform, jwks } = await platformWithJwks();
    const token = await platform.signIdToken(claims, { alg: 'none' });
    expect(token.endsWith('.')).toBe(true);
    expect(decodeProtectedHeader(token).alg).toBe('none');
    await expect(jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ['RS256'] })).rejects.toBeInstanceOf(errors.JOSEError);
  });

  it('signs HS256 with the public key PEM as the secret: the algorithm-confusion attack', async () => {
    const { platform, jwks } = await platformWithJwks();
    const token = await platform.signIdToken(claims, { alg: 'HS256' });
    const secret = new TextEncoder().encode(platform.publicKeyPem);
    await expect(jwtVerify(token, secret, { algorithms: ['HS256'] })).resolves.toBeDefined();
    await expect(jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ['RS256'] })).rejects.toBeInstanceOf(errors.JOSEAlgNotAllowed);
  });

  it("signs with another RSA key under the platform's kid, which verification refuses", async () => {
    const { platform, jwks } = await platformWithJwks();
    const forger = await generateKeyPair('RS256');
    const token = await platform.signIdToken(claims, { key: forger.privateKey });
    expect(decodeProtectedHeader(token).kid).toBe(platform.kid);
    await expect(jwtVerify(token, createLocalJWKSet(jwks), { algorithms: ['RS256'] })).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
  });

  it('leaves the kid out, or names an unknown one, on request', async () => {
    const { platform, jwks } = await platformWithJwks();
    const withoutKid = await platform.signIdToken(claims, { kid: null });
    expect(decodeProtectedHeader(withoutKid)).not.toHaveProperty('kid');

    const unknownKid = await platform.signIdToken(claims, { kid: '1999-01-01T00:00:00Z' });
    await expect(jwtVerify(unknownKid, createLocalJWKSet(jwks), { algorithms: ['RS256'] })).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
  });

  it('applies extra header fields last', async () => {
    const { platform } = await platformWithJwks();
    const token = await platform.signIdToken(claims, { header: { typ: 'at+jwt', x5u: 'https://attacker.example/keys' } });
    expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', x5u: 'https://attacker.example/keys', alg: 'RS256' });
  });
});
