import request from 'supertest';
import { launchTool } from '../../dev-platform/launcher';
import { moduleOf } from '../../src/curriculum';
import { csrfFrom } from '../support/forms';
import { startServiceProcess, waitForOutput } from '../support/processes';
import { freePort } from '../support/service';
import { startWorld, type World } from './world';

let w: World;
beforeAll(async () => {
  w = await startWorld(37);
});
afterAll(() => w.close());

const MODULE = 3;
const ratings = (module: number) => Object.fromEntries(moduleOf('ect', module)!.auditStatements.map((_, i) => [`rating_${i}`, '2']));

async function submit(base: string, csrf: string, module: number, phase: 'start' | 'end') {
  await request(w.t.url).post(`${base}modules/${module}/audit/${phase}`).type('form').send({ _csrf: csrf, version: '1', action: 'submit', ...ratings(module) }).expect(303);
}

describe('an audit placed in Canvas as an assignment', () => {
  it('places audits as assignments only from the assignment placement, each with a gradebook column out of 2', async () => {
    const picker = await launchTool({ toolUrl: w.t.url, platform: w.platform, user: 'facilitator', messageType: 'LtiDeepLinkingRequest', initiation: { placement: 'assignment_selection' }, crossSite: true });
    expect(picker.status).toBe(200);
    expect(picker.body).not.toContain('value="progress"');
    const posted = await request(w.t.url).post(new URL(picker.finalUrl).pathname).type('form').send({ _csrf: csrfFrom(picker.body), item: `audit-${MODULE}` }).expect(200);
    const jwt = /name="JWT" value="([^"]+)"/.exec(posted.text)![1];
    const before = w.platform.lineItems().length;
    const placed = await w.platform.verifyDeepLinkingResponse(jwt);
    expect(placed.items).toHaveLength(1);
    expect(placed.items[0].lineItemId).toBeDefined();
    const made = w.platform.lineItems().filter((item) => item.id === placed.items[0].lineItemId);
    expect(made.map((item) => [item.scoreMaximum, item.label])).toEqual([[2, `Module audit (module ${MODULE})`]]);
    expect(w.platform.lineItems()).toHaveLength(before + 1);
  });

  it('sends a score to the gradebook on each submission; a refused send is retried after a restart and nothing is lost', async () => {
    const item = w.platform.createLineItem({ label: `Module ${MODULE} audit`, scoreMaximum: 2, custom: { ecf_view: 'audit', ecf_module: String(MODULE) } });
    const launched = await launchTool({ toolUrl: w.t.url, platform: w.platform, user: 'ect', initiation: { lineItemId: item.id }, crossSite: true });
    expect(launched.finalUrl).toMatch(new RegExp(`/modules/${MODULE}/audit$`));
    const base = w.baseOf(launched);
    const csrf = csrfFrom(launched.body);
    const mine = () => w.platform.gradebook().filter((g) => g.lineItem.id === item.id && g.userSub === w.platform.users.ect.sub);

    await submit(base, csrf, MODULE, 'start');
    await w.t.runtime.scoreDelivery.deliverDue();
    expect(mine().map((g) => [g.scoreGiven, g.scoreMaximum, g.activityProgress, g.gradingProgress])).toEqual([[1, 2, 'InProgress', 'FullyGraded']]);

    w.platform.failScores(1);
    await submit(base, csrf, MODULE, 'end');
    expect(await w.t.runtime.scoreDelivery.deliverDue()).toEqual({ delivered: 0, failed: 1 });
    expect(mine().map((g) => g.scoreGiven)).toEqual([1]);
    const page = await request(w.t.url).get(`${base}modules/${MODULE}/audit`).expect(200);
    expect(page.text).toContain('score 2 of 2 waiting to be sent');

    // Canvas is back a minute later (the retry's time, brought forward in the store), and the tool
    // restarts: a new process on the same database sends what the old one could not, and only that.
    await w.t.runtime.stores.store.collection('score_outbox').updateMany({ deliveredAt: null }, { $set: { nextAttemptAt: new Date() } });
    const { config } = w.t;
    const port = await freePort();
    const restarted = await startServiceProcess({ ...process.env, NODE_ENV: 'test', PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, MONGODB_URI: config.mongodbUri, DATA_DIR: config.dataDir, APP_SECRET: config.appSecret, LOG_LEVEL: 'info', SYNC_INTERVAL: 'off' });
    try {
      await waitForOutput(restarted, '"event":"scores.delivered"');
    } finally {
      await restarted.stop();
    }
    expect(mine().map((g) => [g.scoreGiven, g.activityProgress])).toEqual([[2, 'Completed']]);
    expect(await w.t.runtime.scoreDelivery.deliverDue(new Date(Date.now() + 24 * 3600_000))).toEqual({ delivered: 0, failed: 0 });
  });

  it('makes no gradebook column and sends no score for an audit not placed as an assignment', async () => {
    const lineItems = w.platform.lineItems().length;
    const scores = w.platform.scores().length;
    const launched = await w.launch('ect');
    await submit(w.baseOf(launched), csrfFrom(launched.body), 5, 'start');
    expect(await w.t.runtime.scoreDelivery.deliverDue(new Date(Date.now() + 3600_000))).toEqual({ delivered: 0, failed: 0 });
    expect(w.platform.lineItems()).toHaveLength(lineItems);
    expect(w.platform.scores()).toHaveLength(scores);
  });

  it('owes a score to an assignment first opened after the audit was submitted', async () => {
    const module = 6;
    const launched = await w.launch('ect');
    await submit(w.baseOf(launched), csrfFrom(launched.body), module, 'start');
    const item = w.platform.createLineItem({ label: `Module ${module} audit`, scoreMaximum: 2, custom: { ecf_view: 'audit', ecf_module: String(module) } });
    await launchTool({ toolUrl: w.t.url, platform: w.platform, user: 'ect', initiation: { lineItemId: item.id }, crossSite: true });
    await w.t.runtime.scoreDelivery.deliverDue();
    expect(w.platform.gradebook().filter((g) => g.lineItem.id === item.id).map((g) => g.scoreGiven)).toEqual([1]);
  });
});
