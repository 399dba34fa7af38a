import crypto from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import {
  ConnectionError,
  Connections,
  normaliseBaseUrl,
  normaliseToken,
} from '../../src/canvas/connections';
import { platformKeyId } from '../../src/domain';
import { openRuntime, type Runtime } from '../../src/service';
import { createLogger } from '../../src/log/logger';
import { LogCapture, testConfig } from '../support/service';
import mongoose from 'mongoose';

const TOKEN = `7~${crypto.randomBytes(24).toString('hex')}`;
const CANVAS = { issuer: 'https://canvas.example.org', clientId: '10000000000001' };
const OTHER = { issuer: 'https://canvas.example.org', clientId: '10000000000002' };

let runtime: Runtime;
const logs = new LogCapture();

beforeAll(async () => {
  runtime = await openRuntime(await testConfig({ LOG_LEVEL: 'debug' }), { logger: createLogger('debug', logs) });
});
afterAll(async () => {
  await mongoose.connection.db?.dropDatabase();
  await runtime.close();
});

const raw = (platform: typeof CANVAS) => runtime.stores.store.collection<Record<string, unknown> & { _id: string }>('canvas_connections').findOne({ _id: platformKeyId(platform) });

describe('a saved Canvas connection', () => {
  beforeAll(async () => {
    await runtime.stores.connections.save(CANVAS, { baseUrl: 'https://school.instructure.com/', token: `  ${TOKEN}\n` });
  });

  it('keeps the token only as a compact JWE (dir, A256GCM)', async () => {
    const doc = await raw(CANVAS);
    expect(doc).not.toBeNull();
    expect(JSON.stringify(doc)).not.toContain(TOKEN);
    expect(JSON.stringify(doc)).not.toContain(TOKEN.slice(2, 20));
    const jwe = doc!.encryptedToken as string;
    expect(jwe.split('.')).toHaveLength(5);
    expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: 'dir', enc: 'A256GCM' });
  });

  it('decrypts back to the trimmed token with the normalised base URL', async () => {
    await expect(runtime.stores.connections.get(CANVAS)).resolves.toEqual({ baseUrl: 'https://school.instructure.com', token: TOKEN });
  });

  it('lists connections without their tokens, showing only the last four characters', async () => {
    const [listed] = await runtime.stores.connections.list();
    expect(listed).toMatchObject({ ...CANVAS, baseUrl: 'https://school.instructure.com', tokenEnding: TOKEN.slice(-4) });
    expect(JSON.stringify(listed)).not.toContain(TOKEN);
    expect(Object.keys(listed).sort()).toEqual(['baseUrl', 'clientId', 'issuer', 'savedAt', 'tokenEnding']);
  });

  it('is replaced, not duplicated, when saved again', async () => {
    await runtime.stores.connections.save(CANVAS, { baseUrl: 'https://school.instructure.com/api/v1', token: 'second-token-abcd' });
    await expect(runtime.stores.connections.get(CANVAS)).resolves.toEqual({ baseUrl: 'https://school.instructure.com', token: 'second-token-abcd' });
    expect(await runtime.stores.connections.list()).toHaveLength(1);
    await runtime.stores.connections.save(CANVAS, { baseUrl: 'https://school.instructure.com', token: TOKEN });
  });

  it('cannot be read with another APP_SECRET', async () => {
    const otherKey = new Connections({ ...runtime.stores, secrets: { tokenEncryptionKey: crypto.randomBytes(32) }, config: runtime.config });
    await expect(otherKey.get(CANVAS)).rejects.toThrow(ConnectionError);
    await expect(otherKey.get(CANVAS)).rejects.toThrow(/cannot be decrypted; APP_SECRET may have changed/);
  });

  it("refuses a ciphertext copied into another platform's document", async () => {
    const doc = await raw(CANVAS);
    await runtime.stores.store.collection<Record<string, unknown> & { _id: string }>('canvas_connections').insertOne({ ...doc!, _id: platformKeyId(OTHER), clientId: OTHER.clientId });
    await expect(runtime.stores.connections.get(OTHER)).rejects.toThrow(/belongs to another connection/);
  });

  it('is null for a platform without one', async () => {
    await expect(runtime.stores.connections.get({ issuer: 'https://elsewhere.example.org', clientId: '1' })).resolves.toBeNull();
  });

  it('never reaches the logs', () => {
    expect(logs.text()).not.toContain(TOKEN);
  });
});

describe('what a connection accepts', () => {
  it.each([
    ['https://school.instructure.com', 'https://school.instructure.com'],
    ['https://school.instructure.com/api/v1/', 'https://school.instructure.com'],
    [' http://127.0.0.1:4100 ', 'http://127.0.0.1:4100'],
  ])('takes %s as %s', (input, expected) => {
    expect(normaliseBaseUrl(input, true)).toBe(expected);
  });

  it.each([
    ['school.instructure.com', true, /is not a URL/],
    ['http://canvas.example.org', false, /must use https/],
    ['https://canvas.example.org/courses/1', true, /Canvas address alone/],
    ['https://canvas.example.org/?x=1', true, /query/],
    ['https://user:pw@canvas.example.org', true, /credentials/],
  ])('refuses %s (http allowed: %s)', (input, allowHttp, message) => {
    expect(() => normaliseBaseUrl(input, allowHttp)).toThrow(message);
  });

  it('trims a token and refuses an empty or multi-part one', () => {
    expect(normaliseToken('\n  abc~123 \r\n')).toBe('abc~123');
    expect(() => normaliseToken(' \n\t')).toThrow(/token is empty/);
    expect(() => normaliseToken('abc 123')).toThrow(/one line of printable characters/);
    expect(() => normaliseToken('abc\n123')).toThrow(/one line of printable characters/);
  });

  it('refuses http for Canvas in production', async () => {
    const production = new Connections({ ...runtime.stores, secrets: runtime.secrets, config: { ...runtime.config, isProduction: true } });
    await expect(production.save(OTHER, { baseUrl: 'http://canvas.example.org', token: TOKEN })).rejects.toThrow(/must use https/);
  });
});
