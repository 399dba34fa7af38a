import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { createDevPlatform, type DevPlatform } from '../../dev-platform';
import { startTestService, testConfig, type TestService } from '../support/service';


let t: TestService;
let platform: DevPlatform;
let browser: Browser;

beforeAll(async () => {
  const config = await testConfig();
  platform = await createDevPlatform({ issuer: `${config.publicUrl}/dev-platform`, toolUrl: config.publicUrl });
  t = await startTestService({ config, devPlatform: async () => platform.router });
  await t.runtime.registry.add(platform.registrationForTool);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('in a real browser', () => {
  it.each([
    // The ECT opens a module audit; the facilitator (of a course not linked yet) signs out.
    ['ect', 'Early career teacher', '.module a[href*="/audit"]', /Module \d+ audit/],
    ['facilitator', 'Facilitator', 'button:has-text("Sign out")', /You have signed out/],
  ])('launches as %s inside the platform page’s iframe, cookies and all, and navigates on', async (role, label, link, heading) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${t.url}/dev-platform/`, { waitUntil: 'domcontentloaded' });
    // Canvas sizes its iframe from the tool's lti.frameResize messages.
    await page.evaluate(`window.resizes = []; window.addEventListener('message', (e) => { if (e.data && e.data.subject === 'lti.frameResize') window.resizes.push(e.data.height); });`);
    await page.click(`button[value="${role}"]`);
    const frame = page.frameLocator('iframe.tool');
    await frame.locator('.tag', { hasText: label }).waitFor({ timeout: 20_000 });
    // Awaited in the page, not with waitForFunction: its polling evaluates strings, which the platform page's CSP forbids.
    await page.evaluate(`new Promise((resolve) => { if (window.resizes.length > 0) return resolve(); window.addEventListener('message', (e) => { if (e.data && e.data.subject === 'lti.frameResize') resolve(); }); })`);
    const heights = await page.evaluate<number[]>('window.resizes');
    const contentHeight = await frame.locator('html').evaluate((html) => Math.ceil(html.getBoundingClientRect().height));
    expect(heights[heights.length - 1]).toBe(contentHeight);
    // The platform sizes its iframe to it, as Canvas does: the tool never scrolls inside the frame.
    await page.evaluate(`new Promise((resolve) => { const grown = () => (document.querySelector('iframe.tool').getBoundingClientRect().height >= ${contentHeight} ? resolve() : requestAnimationFrame(grown)); grown(); })`);
    await frame.locator(link).first().click();
    await frame.locator('h1', { hasText: heading }).waitFor();
    await page.close();
  });

  it('fits a 320 px screen without sideways scrolling', async () => {
    const page = await browser.newPage({ viewport: { width: 320, height: 700 } });
    await page.goto(`${t.url}/dev-platform/`, { waitUntil: 'domcontentloaded' });
    await page.uncheck('#in-frame');
    await page.click('button[value="ect"]');
    await page.waitForURL(/\/s\//);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });
});
