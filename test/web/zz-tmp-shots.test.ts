import { launchChromium } from '../support/browser';
import { startWorld } from '../participants/world';

it('shots', async () => {
  const w = await startWorld(37);
  await w.t.runtime.stores.importRuns.record('roster', 'roster.csv', { rows: 30, bad: Array.from({ length: 25 }, (_, i) => ({ line: i + 2, reasons: ['role: must be ect or mentor', 'school_urn: must be a 6-digit URN'] })), counts: { added: 3, updated: 1, unchanged: 1 }, written: false });
  const admin = await w.launch('admin');
  const base = w.baseOf(admin);
  const browser = await launchChromium();
  for (const width of [320, 1280]) {
    for (const [name, path] of [['home', base], ['people', `${base}admin/people`], ['groups', `${base}admin/groups`]]) {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await page.goto(w.t.url + path);
      await page.screenshot({ path: `/tmp/shot-${name}-${width}.png`, fullPage: true });
      await page.close();
    }
  }
  await browser.close();
  await w.close();
}, 120000);
