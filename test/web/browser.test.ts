import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { createDevPlatform, type DevPlatform } from '../../dev-platform';
import { startTestService, testConfig, type TestService } from '../support/service';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let t: TestService;
let platform: DevPlatform;
let browser: Browser;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/run does)`);
  const config = await testConfig();
  platform = await createDevPlatform({ issuer: `${config.publicUrl}/dev-platform`, toolUrl: config.publicUrl });
  t = await startTestService({ config, devPlatform: async () => platform.router });
  await t.runtime.registry.add(platform.registrationForTool);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('in a real browser', () => {
  it.each([
    ['ect', 'Early career teacher'],
    ['facilitator', 'Facilitator'],
  ])('launches as %s inside the platform page’s iframe, cookies and all, and navigates on', async (role, label) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${t.url}/dev-platform/`, { waitUntil: 'domcontentloaded' });
    await page.click(`button[value="${role}"]`);
    const frame = page.frameLocator('iframe.tool');
    await frame.locator('.tag', { hasText: label }).waitFor({ timeout: 20_000 });
    await frame.locator('.module >> text=Audit').first().click();
    await frame.locator('h1', { hasText: 'Module 1 audit' }).waitFor();
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
