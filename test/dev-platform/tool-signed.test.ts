import { randomUUID } from 'node:crypto';
import express from 'express';
import { SignJWT, generateKeyPair, type JWTPayload } from 'jose';
import request from 'supertest';
import { CLAIM, DeepLinkError, SCOPE, createDevPlatform, type DevPlatform } from '../../dev-platform';
import { createToolKey, listen, sharedPlatformKeyPair, type Listening, type ToolKey } from './support';

const ISSUER = 'http://127.0.0.1:3999/dev-platform';

let toolServer: Listening;
let toolKey: ToolKey;
let platform: DevPlatform;
let app: express.Express;

/** A throwaway tool that only publishes its key set, where the platform expects it. */
beforeAll(async () => {
  toolKey = await createToolKey();
  toolServer = await listen(express().get('/lti/keys', (_req, res) => res.json(toolKey.jwks)));
  platform = await createDevPlatform({ issuer: ISSUER, toolUrl: toolServer.url, keyPair: await sharedPlatformKeyPair() });
  app = express().use('/dev-platform', platform.router);
});

afterAll(async () => {
  await toolServer.close();
});

/** What ltijs's createDeepLinkingMessage signs for a facilitator's link selection. */
function deepLinkingResponse(changes: JWTPayload = {}): JWTPayload {
  return {
    iss: platform.clientId,
    aud: ISSUER,
    nonce: randomUUID(),
    [CLAIM.deploymentId]: platform.deploymentId,
    [CLAIM.messageType]: 'LtiDeepLinkingResponse',
    [CLAIM.version]: '1.3.0',
    [CLAIM.deepLinkingData]: 'dl-echoed',
    [CLAIM.contentItems]: [
      {
        type: 'ltiResourceLink',
        title: 'Module 1 progress',
        url: `${toolServer.url}/lti/launch?module=1`,
        custom: { ecf_module: '1' },
      },
    ],
    ...changes,
  };
}

describe('POST /deep-link-return', () => {
  it("shows the placed items of a response signed with the tool's key", async () => {
    const jwt = await toolKey.sign(deepLinkingResponse());
    const response = await request(app).post('/dev-platform/deep-link-return').type('form').send({ JWT: jwt }).expect(200);
    expect(response.text).toContain('Module 1 progress');
    expect(response.text).toContain(`${toolServer.url}/lti/launch?module=1`);
    expect(response.text).toContain('ecf_module');
  });

  it('returns the items to a test through verifyDeepLinkingResponse', async () => {
    const result = await platform.verifyDeepLinkingResponse(
      await toolKey.sign(deepLinkingResponse({ [CLAIM.contentItems]: [{ type: 'html', html: '<p>hi</p>' }], [CLAIM.deepLinkingMessage]: 'Done' })),
    );
    expect(result).toMatchObject({ clientId: platform.clientId, deploymentId: platform.deploymentId, message: 'Done', data: 'dl-echoed' });
    expect(result.items).toEqual([{ type: 'html', custom: {}, accepted: false }]);
  });

  it('refuses a response signed by a key the tool does not publish', async () => {
    const forger = await generateKeyPair('RS256');
    const jwt = await toolKey.sign(deepLinkingResponse(), { key: forger.privateKey });
    const response = await request(app).post('/dev-platform/deep-link-return').type('form').send({ JWT: jwt }).expect(400);
    expect(response.text).toContain('JWT verification failure');
    expect(response.text).not.toContain('Module 1 progress');
  });

  it.each<[string, JWTPayload, string]>([
    ['an aud that is not the issuer', { aud: 'https://canvas.instructure.com' }, "the 'aud' is invalid"],
    ['an unknown client', { iss: '424242' }, 'Client not found'],
    ['another deployment', { [CLAIM.deploymentId]: '99:elsewhere' }, 'deployment_id'],
    ['a launch message type', { [CLAIM.messageType]: 'LtiResourceLinkRequest' }, 'message_type'],
    ['no nonce', { nonce: undefined }, "the 'nonce' is invalid"],
  ])('refuses %s', async (_case, changes, reason) => {
    const jwt = await toolKey.sign(JSON.parse(JSON.stringify(deepLinkingResponse(changes))) as JWTPayload);
    await expect(platform.verifyDeepLinkingResponse(jwt)).rejects.toThrow(reason);
  });

  it('refuses HS256 and a replayed nonce', async () => {
    const hs256 = await new SignJWT(deepLinkingResponse()).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1m').sign(new Uint8Array(32));
    await expect(platform.verifyDeepLinkingResponse(hs256)).rejects.toThrow('JWT has unexpected alg');

    const once = await toolKey.sign(deepLinkingResponse());
    await expect(platform.verifyDeepLinkingResponse(once)).resolves.toBeDefined();
    const replay = platform.verifyDeepLinkingResponse(once);
    await expect(replay).rejects.toBeInstanceOf(DeepLinkError);
    await expect(replay).rejects.toThrow("the 'nonce' has already been used");
  });
});

describe('POST /token', () => {
  const tokenUrl = `${ISSUER}/token`;

  function assertion(changes: JWTPayload = {}): Promise<string> {
    return toolKey.sign(
      JSON.parse(JSON.stringify({ iss: platform.clientId, sub: platform.clientId, aud: tokenUrl, jti: randomUUID(), ...changes })) as JWTPayload,
    );
  }

  function grant(clientAssertion: string, scope: string = SCOPE.nrps) {
    return request(app).post('/dev-platform/token').type('form').send({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
      scope,
    });
  }

  it('grants a one-hour token for the scopes the key holds', async () => {
    // The built-in key holds NRPS, AGS lineitem.readonly and score, not lineitem (no creating columns).
    const response = await grant(await assertion(), `${SCOPE.nrps} ${SCOPE.agsLineItem} ${SCOPE.agsScore}`).expect(200);
    expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: `${SCOPE.nrps} ${SCOPE.agsScore}` });
    expect(typeof response.body.access_token).toBe('string');
  });

  it("refuses an assertion whose aud is not the exact token URL (Canvas's 'aud' error)", async () => {
    for (const aud of [`${tokenUrl}/`, '127.0.0.1:3999']) {
      const response = await grant(await assertion({ aud })).expect(400);
      expect(response.body).toEqual({ error: 'invalid_grant', error_description: "the 'aud' is invalid" });
    }
  });

  it('refuses a replayed jti, an old iat and an unheld scope', async () => {
    const once = await assertion();
    await grant(once).expect(200);
    expect((await grant(once).expect(400)).body.error_description).toBe("the 'jti' has already been used");

    const old = await toolKey.sign({ iss: platform.clientId, sub: platform.clientId, aud: tokenUrl, jti: randomUUID(), iat: Math.floor(Date.now() / 1000) - 600 });
    expect((await grant(old).expect(400)).body.error_description).toBe("the 'iat' is invalid");

    expect((await grant(await assertion(), SCOPE.agsLineItem).expect(400)).body.error).toBe('invalid_scope');
  });

  it('refuses other grant types', async () => {
    const response = await request(app).post('/dev-platform/token').type('form').send({ grant_type: 'password' }).expect(400);
    expect(response.body.error).toBe('unsupported_grant_type');
  });
});
