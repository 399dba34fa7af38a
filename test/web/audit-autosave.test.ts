import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import request from 'supertest';
import { startWorld, type World } from '../participants/world';


let w: World;
let browser: Browser;
let context: BrowserContext;
let auditPath: string;

beforeAll(async () => {
  w = await startWorld(43);
  browser = await launchChromium();
  context = await browser.newContext();
  const launched = await w.launch('ect');
  auditPath = `${w.baseOf(launched)}modules/1/audit`;
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await w?.close();
});

/** What the server holds: the rating checked for a statement when the page is loaded afresh. */
async function storedRating(statement: number): Promise<string | null> {
  const page = await request(w.t.url).get(auditPath).expect(200);
  return new RegExp(`name="rating_${statement}" value="(\\d)" checked`).exec(page.text)?.[1] ?? null;
}

const status = (page: Page) => page.locator('.save-status');

describe('an audit draft in the browser', () => {
  it('saves as the ECT answers, without pressing anything', async () => {
    const page = await context.newPage();
    await page.goto(w.t.url + auditPath);
    await page.check('input[name="rating_0"][value="3"]');
    await status(page).filter({ hasText: 'Draft saved at' }).waitFor();
    expect(await storedRating(0)).toBe('3');
    await page.close();
  });

  it('keeps answers given offline and saves them when the connection is back', async () => {
    const page = await context.newPage();
    await page.goto(w.t.url + auditPath);
    await context.setOffline(true);
    await page.check('input[name="rating_1"][value="2"]');
    await status(page).filter({ hasText: 'offline' }).waitFor();
    expect(await storedRating(1)).toBeNull();
    await context.setOffline(false);
    await status(page).filter({ hasText: 'Draft saved at' }).waitFor();
    expect(await storedRating(1)).toBe('2');
    await page.close();
  });

  it('puts back answers that never reached the server when the page is opened again', async () => {
    const page = await context.newPage();
    await page.goto(w.t.url + auditPath);
    await context.setOffline(true);
    await page.check('input[name="rating_2"][value="4"]');
    await status(page).filter({ hasText: 'offline' }).waitFor();
    await page.close();
    await context.setOffline(false);
    expect(await storedRating(2)).toBeNull();
    const reopened = await context.newPage();
    await reopened.goto(w.t.url + auditPath);
    expect(await reopened.isChecked('input[name="rating_2"][value="4"]')).toBe(true);
    await status(reopened).filter({ hasText: 'Draft saved at' }).waitFor();
    expect(await storedRating(2)).toBe('4');
    expect([await storedRating(0), await storedRating(1)]).toEqual(['3', '2']);
    await reopened.close();
  });
});
