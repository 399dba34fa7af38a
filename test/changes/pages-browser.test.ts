import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { startWorld, type World } from '../participants/world';
import { launchChromium } from '../support/browser';
import { ask, decide, openAdmin, openSchool, type SchoolPage } from './support';

const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let w: World;
let browser: Browser;
let school: SchoolPage;
let admin: SchoolPage;

beforeAll(async () => {
  w = await startWorld(47);
  browser = await launchChromium();
  school = await openSchool(w);
  admin = await openAdmin(w);
  await ask(w, school, { kind: 'mentor-change', participant: `canvas:${w.otherEct.id}`, mentor: 'new', mentorName: 'Nia Newmentor', mentorEmail: 'nia.newmentor@example.org', effectiveDate: '2027-01-04', formId: 'browser-mentor-0000001' }).expect(303);
  await ask(w, school, { kind: 'withdrawal', participant: `canvas:${w.otherMentor.id}`, effectiveDate: '2027-01-04', reason: 'Moving away', formId: 'browser-withdrawal-00001' }).expect(303);
  await decide(w, admin, '131245:browser-mentor-0000001', 'approve').expect(303);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await w?.close();
});

async function problems(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const result = await page.evaluate<{ violations: { id: string; nodes: { target: string[] }[] }[] }>(`axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG)} } })`);
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  return [...result.violations.map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), ...(overflow > 0 ? [`scrolls sideways by ${overflow}px`] : [])];
}

describe('the change request pages in a browser', () => {
  it.each([320, 1280])('a school sends a request through the form, fixing what it got wrong, with no accessibility problem at %i px', async (width) => {
    const page = await browser.newPage({ viewport: { width, height: 800 }, bypassCSP: true });
    const found: string[] = [];
    try {
      await page.goto(`${w.t.url}${school.base}school/changes`);
      found.push(...(await problems(page)).map((p) => `list: ${p}`));
      await page.getByRole('link', { name: 'Change someone’s email address' }).click();
      await page.getByLabel('Who').selectOption(`canvas:${w.otherEct.id}`);
      await page.getByLabel('New email address').fill('not an email');
      await page.getByRole('button', { name: 'Send request' }).click();
      await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
      found.push(...(await problems(page)).map((p) => `form with a problem: ${p}`));
      // What was typed is still there; fix the email and send.
      expect(await page.getByLabel('Who').inputValue()).toBe(`canvas:${w.otherEct.id}`);
      await page.getByLabel('New email address').fill(`fixed.${width}@example.org`);
      await page.getByRole('button', { name: 'Send request' }).click();
      await page.getByText('Request sent: Change of email address for Other Ect.').waitFor();
      found.push(...(await problems(page)).map((p) => `sent: ${p}`));
      expect(await page.locator('.change-item').first().innerText()).toContain(`fixed.${width}@example.org`);
    } finally {
      await page.close();
    }
    expect(found).toEqual([]);
  }, 60_000);

  it.each([320, 1280])('an admin rejects without a reason, is told, then rejects with one, with no accessibility problem at %i px', async (width) => {
    const page = await browser.newPage({ viewport: { width, height: 800 }, bypassCSP: true });
    const found: string[] = [];
    const formId = `browser-reject-${width}-0000`;
    await ask(w, school, { kind: 'deferral', participant: `canvas:${w.otherMentor.id}`, effectiveDate: '2027-01-04', reason: 'Illness', formId }).expect(303);
    try {
      await page.goto(`${w.t.url}${admin.base}admin/changes?kind=deferral&state=open`);
      found.push(...(await problems(page)).map((p) => `review: ${p}`));
      const item = page.locator(`[data-request="131245:${formId}"]`);
      await item.getByRole('button', { name: /^Reject/ }).click();
      await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
      found.push(...(await problems(page)).map((p) => `review with a problem: ${p}`));
      await page.locator(`[data-request="131245:${formId}"]`).getByLabel('Reason for the school (required to reject)').fill('Send the signed form, please.');
      await page.locator(`[data-request="131245:${formId}"]`).getByRole('button', { name: /^Reject/ }).click();
      await page.getByText('Request not approved: the school sees your reason.').waitFor();
      found.push(...(await problems(page)).map((p) => `decided: ${p}`));
    } finally {
      await page.close();
    }
    expect(found).toEqual([]);
    const schoolPage = await request(w.t.url).get(`${school.base}school/changes`).expect(200);
    expect(schoolPage.text).toContain('Send the signed form, please.');
  }, 60_000);
});
