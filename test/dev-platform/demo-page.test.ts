import express from 'express';
import request from 'supertest';
import { createDevPlatform, type DevPlatform } from '../../dev-platform';
import { readAutoSubmitForm } from '../../dev-platform/html';
import { sharedPlatformKeyPair } from './support';

const ISSUER = 'http://127.0.0.1:3999/dev-platform';
const TOOL_URL = 'http://127.0.0.1:3999';

let platform: DevPlatform;
let app: express.Express;

beforeAll(async () => {
  platform = await createDevPlatform({ issuer: ISSUER, toolUrl: TOOL_URL, keyPair: await sharedPlatformKeyPair() });
  app = express().use('/dev-platform', platform.router);
});

describe('the demo page', () => {
  it('offers one launch button per demo user, deep linking, and the iframe choice', async () => {
    const response = await request(app).get('/dev-platform/').expect(200);
    const html = response.text;
    expect(html).toContain('<title>Development LTI platform</title>');
    expect(html).toContain('<html lang="en"');
    expect(html).toContain('name="viewport"');
    for (const label of ['Launch as ECT', 'Launch as mentor', 'Launch as facilitator', 'Launch as admin', 'Place a link (deep linking)']) {
      expect(html).toContain(`>${label}</button>`);
    }
    expect(html).toMatch(/<input type="checkbox" id="in-frame" name="in_frame" value="yes" checked><label for="in-frame">open inside an iframe like Canvas<\/label>/);
    expect(html).toContain(`<form method="post" action="${ISSUER}/launch" target="tool-frame">`);
    expect(html).toMatch(/<iframe class="tool" name="tool-frame" title="[^"]+"/);
    expect(html).toContain('<iframe name="post_message_forwarding"');
    expect(html).not.toMatch(/<script>/);
    expect(response.headers['content-security-policy']).toContain("frame-src 'self' http://127.0.0.1:3999");
  });

  it("posts the chosen user's Canvas login initiation to the tool, inside the frame by default", async () => {
    const response = await request(app)
      .post('/dev-platform/launch')
      .type('form')
      .send({ as: 'mentor', client_id: platform.clientId, in_frame: 'yes' })
      .expect(200);
    const form = readAutoSubmitForm(response.text);
    expect(form?.action).toBe(`${TOOL_URL}/lti/login`);
    expect(form?.fields).toMatchObject({ iss: ISSUER, login_hint: platform.users.mentor.lti11Id, client_id: platform.clientId });
    expect(response.text).not.toContain('target="_top"');
    expect(response.text).toContain(`<script src="${ISSUER}/assets/auto-submit.js"></script>`);
  });

  it('replaces the whole page when the iframe box is unticked, and deep-links as the facilitator', async () => {
    const response = await request(app).post('/dev-platform/launch').type('form').send({ as: 'deep-link', client_id: platform.clientId }).expect(200);
    expect(response.text).toContain('target="_top"');
    expect(readAutoSubmitForm(response.text)?.fields.login_hint).toBe(platform.users.facilitator.lti11Id);
  });

  it('refuses an unknown launch choice', async () => {
    await request(app).post('/dev-platform/launch').type('form').send({ as: 'root', client_id: platform.clientId }).expect(400);
  });

  it('starts dynamic registration with a pasted registration link by sending the frame to it', async () => {
    const page = await request(app).get('/dev-platform/').expect(200);
    expect(page.text).toContain('<input type="url" id="registration-link" name="registration_link" required');
    expect(page.text).toContain('ecf-progress platform registration-link');

    const link = `${TOOL_URL}/lti/register/${'b'.repeat(43)}`;
    const response = await request(app).post('/dev-platform/start-registration').type('form').send({ registration_link: link }).expect(303);
    expect(response.headers.location).toMatch(new RegExp(`^${link}\\?openid_configuration=.+&registration_token=.+`));
  });

  it('asks for the registration link when none, or another site\'s, is given', async () => {
    const none = await request(app).post('/dev-platform/start-registration').expect(400);
    expect(none.text).toContain('ecf-progress platform registration-link');
    await request(app).post('/dev-platform/start-registration').type('form').send({ registration_link: 'https://elsewhere.example.org/lti/register/x' }).expect(400);
  });

  it('serves its scripts and styles from the issuer, and nothing else', async () => {
    const script = await request(app).get('/dev-platform/assets/platform-messages.js').expect(200);
    expect(script.headers['content-type']).toContain('text/javascript');
    expect(script.text).toContain("'lti.put_data'");
    await request(app).get('/dev-platform/assets/platform.css').expect('Content-Type', /text\/css/);
    await request(app).get('/dev-platform/assets/constructor').expect(404);
  });
});
