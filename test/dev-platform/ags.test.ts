import { randomUUID } from 'node:crypto';
import express from 'express';
import { decodeJwt, type JWTPayload } from 'jose';
import request from 'supertest';
import { CLAIM, DeepLinkError, SCOPE, type DevPlatform, type LineItem, type LoginInitiationFields } from '../../dev-platform';
import { DEMO_USERS } from '../../dev-platform/demo-data';
import { readAutoSubmitForm } from '../../dev-platform/html';
import { launchTool } from '../../dev-platform/launcher';
import { createToolKey, startPlatform, type Listening, type ToolKey } from './support';

const SCORE_TYPE = 'application/vnd.ims.lis.v1.score+json';

let platform: DevPlatform;
let server: Listening;
let toolUrl: string;
let toolKey: ToolKey;

/**
 * Just enough tool: its key set (for client assertions and deep-linking responses), a login
 * that redirects to the platform as ltijs does, and a launch URL that accepts the post.
 */
function mountTool(app: express.Express, current: () => DevPlatform): void {
  app.get('/lti/keys', (_req, res) => res.json(toolKey.jwks));
  app.post('/lti/login', express.urlencoded({ extended: false }), (req, res) => {
    const login = req.body as LoginInitiationFields;
    res.redirect(`${current().urls.authorize}?${new URLSearchParams(authRequest(login))}`);
  });
  app.post('/lti/launch', (_req, res) => res.send('launched'));
}

function authRequest(login: LoginInitiationFields): Record<string, string> {
  return {
    response_type: 'id_token',
    response_mode: 'form_post',
    scope: 'openid',
    prompt: 'none',
    client_id: login.client_id,
    redirect_uri: login.target_link_uri.split('?')[0],
    login_hint: login.login_hint,
    lti_message_hint: login.lti_message_hint,
    nonce: randomUUID(),
    state: randomUUID(),
  };
}

beforeAll(async () => {
  toolKey = await createToolKey();
  ({ platform, server, toolUrl } = await startPlatform(mountTool));
});

afterAll(async () => {
  await server.close();
});

/** The client-credentials grant the tool makes before calling AGS. */
async function accessToken(scope: string): Promise<string> {
  const assertion = await toolKey.sign({ iss: platform.clientId, sub: platform.clientId, aud: platform.urls.token, jti: randomUUID() });
  const response = await request(server.url)
    .post('/dev-platform/token')
    .type('form')
    .send({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion, scope })
    .expect(200);
  return response.body.access_token as string;
}

let scoreToken: string;
beforeAll(async () => {
  scoreToken = await accessToken(SCOPE.agsScore);
});

function auditItem(label = 'Module 3 audit'): LineItem {
  return platform.createLineItem({ label, scoreMaximum: 1, custom: { ecf_view: 'audit', ecf_module: '3' } });
}

/** An AGS 2.0 score for the ECT, as the tool posts one when an audit is submitted. */
function score(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    userId: platform.users.ect.sub,
    scoreGiven: 1,
    scoreMaximum: 1,
    activityProgress: 'Completed',
    gradingProgress: 'FullyGraded',
    timestamp: new Date().toISOString(),
    ...changes,
  };
}

function postScore(url: string, body: unknown, token: string | null = scoreToken, type = SCORE_TYPE) {
  const path = `${new URL(url).pathname}/scores`;
  const req = request(server.url).post(path).set('Content-Type', type);
  if (token !== null) req.set('Authorization', `Bearer ${token}`);
  return req.send(typeof body === 'string' ? body : JSON.stringify(body));
}

describe('POST …/line_items/:id/scores', () => {
  it('records a score in the gradebook and answers a result URL', async () => {
    const item = auditItem();
    expect(item.url).toBe(`${platform.issuer}/api/lti/courses/${platform.course.canvasCourseId}/line_items/${item.id}`);
    const first = score({ scoreGiven: 0, activityProgress: 'Submitted', gradingProgress: 'PendingManual', timestamp: '2025-01-01T10:00:00.000Z' });
    const response = await postScore(item.url, first).expect(200);
    expect(response.headers['content-type']).toContain(SCORE_TYPE);
    expect(Object.keys(response.body)).toEqual(['resultUrl']);
    expect(response.body.resultUrl).toMatch(new RegExp(`^${item.url}/results/\\d+$`));

    // A later score replaces the first; plain JSON and the Canvas user id are accepted too.
    const later = score({ userId: platform.users.ect.canvasUserId, comment: 'Audit complete', timestamp: '2025-01-01T10:05:00.000Z' });
    const again = await postScore(item.url, later, scoreToken, 'application/json').expect(200);
    expect(again.body.resultUrl).toBe(response.body.resultUrl);

    const entries = platform.gradebook().filter((entry) => entry.lineItem.id === item.id);
    expect(entries).toEqual([
      {
        lineItem: item,
        userSub: platform.users.ect.sub,
        scoreGiven: 1,
        scoreMaximum: 1,
        activityProgress: 'Completed',
        gradingProgress: 'FullyGraded',
        timestamp: '2025-01-01T10:05:00.000Z',
        comment: 'Audit complete',
      },
    ]);
    expect(platform.scores().filter((entry) => entry.lineItem.id === item.id).map((entry) => entry.gradingProgress)).toEqual(['PendingManual', 'FullyGraded']);
  });

  it('refuses a token without the score scope with 401, as Canvas does', async () => {
    const item = auditItem();
    const response = await postScore(item.url, score(), await accessToken(SCOPE.nrps)).expect(401);
    expect(response.body).toEqual({ errors: { type: 'unauthorized', message: 'Insufficient permissions' } });
    expect(platform.scores().some((entry) => entry.lineItem.id === item.id)).toBe(false);
  });

  it('refuses no token, a garbage token and other tokens the platform signs', async () => {
    const item = auditItem();
    expect((await postScore(item.url, score(), null).expect(401)).body.errors.message).toBe('Missing access token');
    expect((await postScore(item.url, score(), 'not.a.jwt').expect(401)).body.errors.message).toMatch(/invalid/i);
    const [header, payload] = scoreToken.split('.');
    await postScore(item.url, score(), `${header}.${payload}.${'A'.repeat(43)}`).expect(401);
    // An lti_message_hint is signed with the same secret, but it is no access token.
    const { lti_message_hint: hint } = await platform.loginInitiation('ect');
    await postScore(item.url, score(), hint).expect(401);
    expect(platform.scores().some((entry) => entry.lineItem.id === item.id)).toBe(false);
  });

  it('refuses an expired token', async () => {
    const item = auditItem();
    jest.useFakeTimers({ now: Date.now() + 3601_000, doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    try {
      const response = await postScore(item.url, score()).expect(401);
      expect(response.body.errors.message).toBe('Access token expired');
    } finally {
      jest.useRealTimers();
    }
  });

  it('answers 404 for an unknown line item, course, or a line item of another course', async () => {
    const item = auditItem();
    const base = `${platform.issuer}/api/lti/courses`;
    expect((await postScore(`${base}/${platform.course.canvasCourseId}/line_items/99999`, score()).expect(404)).body).toEqual({
      errors: [{ message: 'The specified resource does not exist.' }],
    });
    await postScore(`${base}/${platform.users.mentor.course.canvasCourseId}/line_items/${item.id}`, score()).expect(404);
    expect((await postScore(`${base}/424242/line_items/${item.id}`, score()).expect(404)).body.errors.message).toBe('Context not found');
  });

  it("refuses a line item that belongs to another tool's key", async () => {
    const other = platform.createLineItem({ label: 'Another tool’s quiz', scoreMaximum: 10, clientId: '10000000000099' });
    const response = await postScore(other.url, score()).expect(412);
    expect(response.body.errors.message).toBe('Tool does not have permission to view line_item');
  });

  // Canvas's statuses: 400 for missing or malformed fields, 422 for the user and scoreMaximum checks.
  it.each<[string, Record<string, unknown> | string, number, RegExp]>([
    ['no timestamp', { timestamp: undefined }, 400, /param is missing or the value is empty: timestamp/],
    ['no activityProgress', { activityProgress: '' }, 400, /activityProgress/],
    ['a timestamp that is not ISO 8601', { timestamp: 'yesterday' }, 400, /Provided timestamp of yesterday not a valid timestamp/],
    ['an unknown gradingProgress', { gradingProgress: 'Done' }, 400, /gradingProgress must be one of/],
    ['a scoreGiven that is not a number', { scoreGiven: 'full marks' }, 400, /scoreGiven must be a number/],
    ['malformed JSON', '{"userId":', 400, /not valid JSON/],
    ['no userId', { userId: undefined }, 422, /User not found in course or is not a student/],
    ['a user who is not a student of the course', { userId: DEMO_USERS.facilitator.sub }, 422, /not a student/],
    ['a scoreGiven without scoreMaximum', { scoreMaximum: undefined }, 422, /ScoreMaximum not supplied when ScoreGiven present/],
  ])('refuses %s', async (_case, changes, status, message) => {
    const item = auditItem();
    const response = await postScore(item.url, typeof changes === 'string' ? changes : score(changes)).expect(status);
    expect(response.body.errors.message).toMatch(message);
    expect(platform.scores().some((entry) => entry.lineItem.id === item.id)).toBe(false);
  });

  it('refuses a score older than the last one for that user, as Canvas does', async () => {
    const item = auditItem();
    await postScore(item.url, score({ timestamp: '2025-02-01T12:00:00.000Z' })).expect(200);
    const response = await postScore(item.url, score({ scoreGiven: 0, timestamp: '2025-02-01T11:59:59.999Z' })).expect(400);
    expect(response.body.errors.message).toBe(
      'Provided timestamp of 2025-02-01T11:59:59.999Z before last updated timestamp of 2025-02-01T12:00:00.000Z',
    );
    expect(platform.gradebook().find((entry) => entry.lineItem.id === item.id)?.scoreGiven).toBe(1);
  });

  it('fails exactly the next `count` score POSTs with failScores', async () => {
    const item = auditItem();
    platform.failScores(1);
    const failed = await postScore(item.url, score()).expect(503);
    expect(failed.body.errors.message).toMatch(/failScores/);
    await postScore(item.url, score()).expect(200);

    platform.failScores(2, 500);
    await postScore(item.url, score()).expect(500);
    await postScore(item.url, score()).expect(500);
    await postScore(item.url, score()).expect(200);
    expect(platform.scores().filter((entry) => entry.lineItem.id === item.id)).toHaveLength(2);
  });
});

describe('GET …/line_items/:id', () => {
  it('shows the line item to a token with lineitem.readonly, and not to a score-only token', async () => {
    const item = platform.createLineItem({ label: 'Module 4 audit', scoreMaximum: 2, resourceId: 'audit-4', tag: 'ecf-audit' });
    const path = new URL(item.url).pathname;
    const response = await request(server.url).get(path).set('Authorization', `Bearer ${await accessToken(SCOPE.agsLineItemReadonly)}`).expect(200);
    expect(response.headers['content-type']).toContain('application/vnd.ims.lis.v2.lineitem+json');
    expect(response.body).toEqual({ id: item.url, label: 'Module 4 audit', scoreMaximum: 2, resourceId: 'audit-4', tag: 'ecf-audit', resourceLinkId: item.resourceLinkId });
    await request(server.url).get(path).set('Authorization', `Bearer ${scoreToken}`).expect(401);
  });

  it("lists the course's line items of the token's tool, filtered by resource link, resource id and tag", async () => {
    const item = platform.createLineItem({ label: 'Module 9 audit', scoreMaximum: 1, resourceId: 'audit-9', tag: 'ecf-audit' });
    platform.createLineItem({ label: 'Another tool’s quiz', scoreMaximum: 10, clientId: '10000000000099' });
    const readToken = await accessToken(SCOPE.agsLineItemReadonly);
    const list = (query: Record<string, string>) =>
      request(server.url)
        .get(`/dev-platform/api/lti/courses/${platform.course.canvasCourseId}/line_items`)
        .query(query)
        .set('Authorization', `Bearer ${readToken}`)
        .expect(200);
    const all = await list({});
    expect(all.headers['content-type']).toContain('application/vnd.ims.lis.v2.lineitemcontainer+json');
    expect(all.body.map((entry: { label: string }) => entry.label)).toContain('Module 9 audit');
    expect(all.body.map((entry: { label: string }) => entry.label)).not.toContain('Another tool’s quiz');
    expect((await list({ resource_link_id: item.resourceLinkId })).body).toEqual([expect.objectContaining({ id: item.url })]);
    expect((await list({ resource_id: 'audit-9', tag: 'ecf-audit' })).body).toEqual([expect.objectContaining({ id: item.url })]);
    expect((await list({ tag: 'nothing' })).body).toEqual([]);
  });
});

describe('the AGS endpoint claim', () => {
  async function idTokenClaims(login: LoginInitiationFields): Promise<JWTPayload> {
    const response = await platform.respondToAuth(authRequest(login));
    return decodeJwt(response.fields.id_token);
  }

  it("carries the line item on an assignment launch, with the assignment's link and no placement", async () => {
    const item = auditItem('Module 5 audit');
    const claims = await idTokenClaims(await platform.loginInitiation('ect', { lineItemId: item.id }));
    expect(claims[CLAIM.agsEndpoint]).toEqual({
      scope: [SCOPE.agsLineItemReadonly, SCOPE.agsScore],
      lineitems: `${platform.issuer}/api/lti/courses/${platform.course.canvasCourseId}/line_items`,
      lineitem: item.url,
    });
    expect(claims[CLAIM.resourceLink]).toEqual({ id: item.resourceLinkId, title: 'Module 5 audit' });
    expect(claims[CLAIM.placement]).toBeNull();
    expect(claims[CLAIM.custom]).toMatchObject({ ecf_view: 'audit', ecf_module: '3', canvas_course_id: platform.course.canvasCourseId });
  });

  it('carries it without lineitem on a course navigation launch', async () => {
    const claims = await idTokenClaims(await platform.loginInitiation('ect'));
    expect(claims[CLAIM.agsEndpoint]).toEqual({
      scope: [SCOPE.agsLineItemReadonly, SCOPE.agsScore],
      lineitems: `${platform.issuer}/api/lti/courses/${platform.course.canvasCourseId}/line_items`,
    });
    expect(claims[CLAIM.placement]).toBe('course_navigation');
  });

  it('reaches the tool through launchTool({ initiation: { lineItemId } })', async () => {
    const item = auditItem();
    const result = await launchTool({ toolUrl, platform, user: 'ect', initiation: { lineItemId: item.id } });
    expect(result.body).toBe('launched');
    expect(decodeJwt(result.idToken ?? '')[CLAIM.agsEndpoint]).toMatchObject({ lineitem: item.url });
  });

  it("refuses to launch an assignment outside the user's course", async () => {
    const item = platform.createLineItem({ label: 'Mentor audit', scoreMaximum: 1, course: platform.users.mentor.course });
    await expect(platform.loginInitiation('ect', { lineItemId: item.id })).rejects.toThrow(/not ect's course/);
    await expect(platform.loginInitiation('ect', { lineItemId: '1' })).rejects.toThrow(/no line item/);
  });
});

describe('deep linking with a lineItem', () => {
  function deepLinkingResponse(contentItems: object[]): JWTPayload {
    return {
      iss: platform.clientId,
      aud: platform.issuer,
      nonce: randomUUID(),
      [CLAIM.deploymentId]: platform.deploymentId,
      [CLAIM.messageType]: 'LtiDeepLinkingResponse',
      [CLAIM.version]: '1.3.0',
      [CLAIM.contentItems]: contentItems,
    };
  }

  it('creates a line item for a placed link, which then launches as the assignment', async () => {
    const link = {
      type: 'ltiResourceLink',
      title: 'Module 6 audit',
      url: `${toolUrl}/lti/launch?view=audit`,
      custom: { ecf_module: '6' },
      lineItem: { scoreMaximum: 1, resourceId: 'audit-6', tag: 'ecf-audit' },
    };
    const result = await platform.verifyDeepLinkingResponse(await toolKey.sign(deepLinkingResponse([link, { type: 'ltiResourceLink', title: 'Progress' }])));
    const [audit, progress] = result.items;
    expect(progress.lineItemId).toBeUndefined();
    const item = platform.lineItems().find((candidate) => candidate.id === audit.lineItemId);
    expect(item).toMatchObject({
      clientId: platform.clientId,
      courseId: platform.course.canvasCourseId,
      label: 'Module 6 audit',
      scoreMaximum: 1,
      resourceId: 'audit-6',
      tag: 'ecf-audit',
      custom: { ecf_module: '6' },
      targetLinkUri: link.url,
    });

    const login = await platform.loginInitiation('ect', { lineItemId: audit.lineItemId });
    expect(login.target_link_uri).toBe(link.url);
    const claims = decodeJwt((await platform.respondToAuth(authRequest(login))).fields.id_token);
    expect(claims[CLAIM.targetLinkUri]).toBe(link.url);
    expect(claims[CLAIM.agsEndpoint]).toMatchObject({ lineitem: item?.url });
  });

  it('refuses a lineItem without a scoreMaximum and creates nothing', async () => {
    const before = platform.lineItems().length;
    const jwt = await toolKey.sign(deepLinkingResponse([{ type: 'ltiResourceLink', title: 'Broken', lineItem: { label: 'Broken' } }]));
    await expect(platform.verifyDeepLinkingResponse(jwt)).rejects.toBeInstanceOf(DeepLinkError);
    expect(platform.lineItems()).toHaveLength(before);
  });
});

describe('the demo page', () => {
  it('lists assignments with a launch button and the gradebook of scores received', async () => {
    const item = auditItem('Module 7 audit');
    await postScore(item.url, score({ scoreGiven: 1, timestamp: '2025-03-01T09:30:00.000Z' })).expect(200);
    const page = await request(server.url).get('/dev-platform/').expect(200);
    const row = new RegExp(`<tr><td>Module 7 audit</td>[\\s\\S]*?name="line_item" value="${item.id}"[\\s\\S]*?>Open as an assignment</button>`);
    expect(page.text).toMatch(row);
    expect(page.text).toMatch(/<tr><td>Amira Khan<\/td><td>Module 7 audit<\/td><td>1 \/ 1 .*<time datetime="2025-03-01T09:30:00.000Z">/);

    const launch = await request(server.url).post('/dev-platform/launch').type('form').send({ as: 'assignment', line_item: item.id, client_id: platform.clientId, in_frame: 'yes' }).expect(200);
    const form = readAutoSubmitForm(launch.text);
    expect(form?.fields).toMatchObject({ login_hint: platform.users.ect.lti11Id, client_id: platform.clientId });
    const claims = decodeJwt((await platform.respondToAuth(authRequest(form?.fields as LoginInitiationFields))).fields.id_token);
    expect(claims[CLAIM.agsEndpoint]).toMatchObject({ lineitem: item.url });
  });

  it('offers "Open as an assignment" for placed links with a gradebook column', async () => {
    const jwt = await toolKey.sign({
      iss: platform.clientId,
      aud: platform.issuer,
      nonce: randomUUID(),
      [CLAIM.deploymentId]: platform.deploymentId,
      [CLAIM.messageType]: 'LtiDeepLinkingResponse',
      [CLAIM.version]: '1.3.0',
      [CLAIM.contentItems]: [{ type: 'ltiResourceLink', title: 'Module 8 audit', lineItem: { scoreMaximum: 1 } }],
    });
    const page = await request(server.url).post('/dev-platform/deep-link-return').type('form').send({ JWT: jwt }).expect(200);
    expect(page.text).toContain('Assignment “Module 8 audit”, out of 1');
    expect(page.text).toContain('>Open as an assignment</button>');
  });
});
