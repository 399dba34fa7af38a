import { chromium } from 'playwright-core';
const [base, role, sub, out, width, scrollY] = process.argv.slice(2);
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: Number(width), height: 1000 } });
  await page.goto(`${base}/dev-platform/`);
  await page.uncheck('#in-frame');
  await page.click(`button[value="${role}"]`);
  await page.waitForURL(/\/s\//);
  const session = new URL(page.url()).pathname.replace(/^(\/s\/[^/]+\/).*$/, '$1');
  if (sub) await page.goto(`${base}${session}${sub}`, { waitUntil: 'networkidle' });
  await page.evaluate(`window.scrollTo(0, ${Number(scrollY ?? 0)})`);
  await page.screenshot({ path: out });
  await browser.close();
})();
