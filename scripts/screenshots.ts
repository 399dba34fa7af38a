/**
 * Screenshots of every page, launched through the development platform as a person would:
 * `npx tsx scripts/screenshots.ts http://localhost:3000 OUT_DIR` against a running `npm run demo`
 * (with `SCHOOL_LINK=<the link the demo prints>` for the pages a school link opens).
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ROLES = ['ect', 'mentor', 'facilitator', 'admin', 'school', 'deep-link'] as const;
const WIDTHS = [320, 1280];

async function launchAs(page: Page, base: string, role: string, inFrame: boolean): Promise<void> {
  await page.goto(`${base}/dev-platform/`, { waitUntil: 'domcontentloaded' });
  if (!inFrame) await page.uncheck('#in-frame');
  const navigation = inFrame ? page.frameLocator('iframe.tool').locator('main').waitFor() : page.waitForURL(/\/s\//);
  await page.click(`button[value="${role}"]`);
  await navigation;
}

/** The pages each person reaches from their launch: paths under their session. */
const PAGES: Record<(typeof ROLES)[number], string[]> = {
  ect: ['', 'progress', 'modules/3/audit', 'modules/2/audit', 'modules/3/session-plans'],
  mentor: ['', 'progress', 'modules/3/audit', 'modules/3/session-plans'],
  facilitator: ['', 'cohort?rag=red&role=ect', 'cohort?role=mentor&sort=overall&dir=desc', 'milestones', 'milestones?state=at-risk'],
  admin: ['', 'admin/people', 'admin/groups', 'cohort', 'admin/changes', 'admin/notices', 'admin/deliveries', 'milestones?milestone=next'],
  school: ['', 'school/changes', 'school/changes/new?kind=mentor-change', 'school/notifications'],
  'deep-link': [''],
};

async function shoot(page: Page, out: string, name: string, width: number): Promise<void> {
  await page.screenshot({ path: path.join(out, `${name}-${width}.png`), fullPage: true });
}

/** Answers every statement of an audit phase with the ratings given, and submits it. */
async function submitAudit(page: Page, ratings: (i: number) => number): Promise<void> {
  const statements = await page.locator('fieldset.statement').count();
  for (let i = 0; i < statements; i += 1) await page.check(`input[name="rating_${i}"][value="${ratings(i)}"]`);
  await page.fill('#reflection_0', 'Routines are much calmer now that I rehearse them with the class.');
  await page.click('button[value="submit"]');
  await page.waitForLoadState('networkidle');
}

/** Gives the pages something to show: the ECT's module 2 audit at both ends, and a meeting their mentor recorded. */
async function fillIn(page: Page, base: string): Promise<void> {
  await launchAs(page, base, 'ect', false);
  const ectSession = new URL(page.url()).pathname.replace(/^(\/s\/[^/]+\/).*$/, '$1');
  await page.goto(`${base}${ectSession}modules/2/audit`);
  if ((await page.locator('fieldset.statement').count()) === 0) return;
  await submitAudit(page, () => 2);
  await submitAudit(page, (i) => (i % 3 === 0 ? 4 : 3));
  await launchAs(page, base, 'mentor', false);
  await page.locator('text=Record a meeting').first().click();
  await page.fill('textarea[name="notes"]', 'Looked at the audit together; agreed to work on routines first.');
  await page.click('button[type="submit"]:has-text("Save")');
  await page.waitForLoadState('networkidle');
}

/** From the facilitator's grid: a participant's record, a group's events, and a register taken and one not yet. */
async function facilitatorPages(page: Page, base: string, session: string, out: string, width: number): Promise<void> {
  await page.goto(`${base}${session}`);
  await page.locator('table.grid th[scope=row] a').first().click();
  await shoot(page, out, 'facilitator-participant-record', width);
  await page.goto(`${base}${session}`);
  await page.locator('.group-links a').first().click();
  await shoot(page, out, 'facilitator-group-events', width);
  const events = page.url();
  await page.locator('a:has-text("View or change the register")').first().click();
  await shoot(page, out, 'facilitator-register-taken', width);
  await page.goto(events);
  await page.locator('a:has-text("Take the register")').first().click();
  await shoot(page, out, 'facilitator-register-new', width);
}

async function main(): Promise<void> {
  const [base = 'http://localhost:3000', out = 'screenshots'] = process.argv.slice(2);
  fs.mkdirSync(out, { recursive: true });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
  try {
    const setup = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await fillIn(setup, base);
    await shoot(setup, out, 'mentor-meeting-recorded', 1280);
    await setup.close();
    for (const width of WIDTHS) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      for (const role of ROLES) {
        await launchAs(page, base, role, false);
        const session = new URL(page.url()).pathname.replace(/^(\/s\/[^/]+\/).*$/, '$1');
        for (const sub of PAGES[role]) {
          if (sub) await page.goto(`${base}${session}${sub}`, { waitUntil: 'networkidle' });
          await shoot(page, out, `${role}${sub ? '-' + sub.replace(/\//g, '-') : ''}`, width);
        }
        if (role === 'mentor') {
          await page.goto(`${base}${session}`);
          const record = page.locator('.card__title a').first();
          if (await record.count()) {
            await record.click();
            await shoot(page, out, 'mentor-ect-record', width);
            await page.goto(`${base}${session}`);
            await page.locator('text=Record a meeting').first().click();
            await shoot(page, out, 'mentor-meeting-new', width);
            await page.goto(`${base}${session}`);
            await page.locator('.card__title a').first().click();
            const meeting = page.locator('a[href*="/meetings/meeting"]').first();
            if (await meeting.count()) {
              await meeting.click();
              await shoot(page, out, 'mentor-meeting-record', width);
            }
          }
        }
        if (role === 'facilitator') await facilitatorPages(page, base, session, out, width);
        if (role === 'ect') {
          await page.goto(`${base}${session}`);
          await page.click('text=Sign out');
          await page.waitForURL(/sign-out$/);
          await shoot(page, out, 'signed-out', width);
        }
      }
      const link = process.env.SCHOOL_LINK;
      if (link) {
        await page.goto(link, { waitUntil: 'networkidle' });
        await shoot(page, out, 'school-by-link', width);
        const trust = process.env.TRUST_LINK;
        if (trust) {
          await page.goto(trust, { waitUntil: 'networkidle' });
          await shoot(page, out, 'trust-by-link', width);
        }
        await page.goto(`${base}/school/open?token=not-a-token`);
        await shoot(page, out, 'school-link-refused', width);
      }
      await page.goto(`${base}/lti/register`);
      await shoot(page, out, 'registration-without-link', width);
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
