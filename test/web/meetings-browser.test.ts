import axe from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { launchAs, meetingsPath, PEOPLE, startMeetingsWorld, type Launched, type MeetingsWorld } from './meetings-support';


let world: MeetingsWorld;
let browser: Browser;
let mentor: Launched;
let ect: Launched;
let meetingId: string;

beforeAll(async () => {
  world = await startMeetingsWorld();
  mentor = await launchAs(world, PEOPLE.mentor);
  ect = await launchAs(world, PEOPLE.ect);
  const saved = await world.t.runtime.stores.meetings.record({
    ectOwnerId: world.ownerOf(PEOPLE.ect),
    ectKey: 'canvas:2001',
    ectName: PEOPLE.ect.name,
    mentorOwnerId: world.ownerOf(PEOPLE.mentor),
    mentorName: PEOPLE.mentor.name,
    cohort: 'Meetings cohort',
    module: 1,
    session: 1,
    date: '2025-10-06',
    focus: 'Starting from the audit: expectations and belonging, with a focus long enough to wrap on a phone screen',
    notes: 'A long line of notes without many breaks, to see that it wraps rather than pushing the page sideways on a narrow screen.\nA second paragraph.',
    actions: [
      { step: 'Choose one class and note each time expectations are lowered for a pupil', owner: 'ect', due: '2025-10-13' },
      { step: 'Observe a lesson together', owner: 'both', due: null },
    ],
  });
  meetingId = saved._id;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await world?.close();
});

/** axe-core's WCAG 2.2 A/AA violations on the page, as "rule: target" lines. */
async function violations(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const tags = JSON.stringify(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']);
  const result = await page.evaluate<axe.AxeResults>(`axe.run(document, { runOnly: { type: 'tag', values: ${tags} } })`);
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}

async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 320, height: 700 } });
  const response = await page.goto(`${world.t.url}${path}`, { waitUntil: 'load' });
  expect(response?.status()).toBe(200);
  return page;
}

async function expectFitsAndPasses(page: Page): Promise<void> {
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  expect(overflow).toBeLessThanOrEqual(0);
  expect(await violations(page)).toEqual([]);
}

describe('the meetings pages at 320 px, checked by axe-core', () => {
  it.each([
    ['the mentor’s list', () => meetingsPath(mentor, PEOPLE.ect)],
    ['the ECT’s list', () => meetingsPath(ect, PEOPLE.ect)],
    ['the new-meeting form', () => `${meetingsPath(mentor, PEOPLE.ect)}/new?module=1&session=2`],
    ['the record, as its ECT sees it', () => `${meetingsPath(ect, PEOPLE.ect)}/${meetingId}`],
  ])('%s', async (_name, path) => {
    const page = await open(path());
    await expectFitsAndPasses(page);
    await page.close();
  });

  it('the record with the mentor’s edit form open', async () => {
    const page = await open(`${meetingsPath(mentor, PEOPLE.ect)}/${meetingId}`);
    await page.click('#edit > summary');
    await expectFitsAndPasses(page);
    await page.close();
  });

  it('the form sent from the keyboard with mistakes: it comes back with its messages, and still passes', async () => {
    const page = await open(`${meetingsPath(mentor, PEOPLE.ect)}/new?module=1&session=2`);
    await page.fill('#focus', '');
    await page.fill('#notes', 'Typed before the mistake');
    await page.focus('#notes');
    // From the notes, Tab on to the submit button through every control, then press Enter.
    for (let i = 0; i < 40; i += 1) {
      await page.keyboard.press('Tab');
      if (await page.evaluate<boolean>("document.activeElement?.getAttribute('type') === 'submit'")) break;
    }
    const [response] = await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(response?.status()).toBe(400);
    expect(await page.locator('.error-summary a').allTextContents()).toEqual(['Focus: enter what the meeting focused on']);
    expect(await page.inputValue('#notes')).toBe('Typed before the mistake');
    await page.click('.error-summary a');
    expect(await page.evaluate<string>('document.activeElement?.id')).toBe('focus');
    await expectFitsAndPasses(page);
    await page.close();
  });
});
