/**
 * Screenshots of every page, launched through the development platform as a person would:
 * `npx tsx scripts/screenshots.ts http://localhost:3000 OUT_DIR` against a running `npm run demo`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ROLES = ['ect', 'mentor', 'facilitator', 'admin', 'deep-link'] as const;
const WIDTHS = [320, 1280];

async function launchAs(page: Page, base: string, role: string, inFrame: boolean): Promise<void> {
  await page.goto(`${base}/dev-platform/`, { waitUntil: 'domcontentloaded' });
  if (!inFrame) await page.uncheck('#in-frame');
  const navigation = inFrame ? page.frameLocator('iframe.tool').locator('main').waitFor() : page.waitForURL(/\/s\//);
  await page.click(`button[value="${role}"]`);
  await navigation;
}

async function main(): Promise<void> {
  const [base = 'http://localhost:3000', out = 'screenshots'] = process.argv.slice(2);
  fs.mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
  try {
    for (const width of WIDTHS) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      for (const role of ROLES) {
        await launchAs(page, base, role, false);
        await page.screenshot({ path: path.join(out, `${role}-${width}.png`), fullPage: true });
        if (role === 'ect') {
          await page.click('text=See my progress');
          await page.waitForURL(/progress$/);
          await page.screenshot({ path: path.join(out, `ect-progress-${width}.png`), fullPage: true });
          await page.goBack();
          await page.click('.module:nth-child(3) >> text=Audit');
          await page.screenshot({ path: path.join(out, `ect-audit-${width}.png`), fullPage: true });
          await page.goBack();
          await page.click('.module:nth-child(3) >> text=Session plans');
          await page.screenshot({ path: path.join(out, `ect-session-plans-${width}.png`), fullPage: true });
          await page.click('text=Sign out');
          await page.waitForURL(/sign-out$/);
          await page.screenshot({ path: path.join(out, `signed-out-${width}.png`), fullPage: true });
        }
      }
      await page.goto(`${base}/lti/register`);
      await page.screenshot({ path: path.join(out, `registration-without-link-${width}.png`), fullPage: true });
      await page.close();
    }
    const framed = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await launchAs(framed, base, 'ect', true);
    await framed.waitForLoadState('networkidle');
    await framed.screenshot({ path: path.join(out, 'ect-in-iframe-1280.png'), fullPage: true });
  } finally {
    await browser.close();
  }
  process.stdout.write(`Screenshots written to ${out}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
