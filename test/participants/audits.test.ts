import request from 'supertest';
import { moduleOf } from '../../src/curriculum';
import { csrfFrom } from '../support/forms';
import { startWorld, type World } from './world';

let w: World;
beforeAll(async () => {
  w = await startWorld(23);
});
afterAll(() => w.close());

const MODULE = 2;
const statements = () => moduleOf('ect', MODULE)!.auditStatements;
const checkedRatings = (html: string) => statements().map((_, i) => new RegExp(`name="rating_${i}" value="(\\d)" checked`).exec(html)?.[1] ?? null);

async function ectSession() {
  const launched = await w.launch('ect');
  return { base: w.baseOf(launched), csrf: csrfFrom(launched.body) };
}

function form(csrf: string, version: number, action: string, ratings: (number | null)[], reflections: string[] = []) {
  const fields: Record<string, string> = { _csrf: csrf, version: String(version), action };
  ratings.forEach((r, i) => {
    if (r !== null) fields[`rating_${i}`] = String(r);
  });
  reflections.forEach((text, i) => (fields[`reflection_${i}`] = text));
  return fields;
}

describe('a module audit, from draft to end of module', () => {
  it('autosaves a draft, keeps it on reload, and refuses a save without the CSRF token', async () => {
    const { base, csrf } = await ectSession();
    const url = `${base}modules/${MODULE}/audit`;
    const empty = await request(w.t.url).get(url).expect(200);
    expect(empty.text).toContain('Start of module audit');
    expect(checkedRatings(empty.text).every((r) => r === null)).toBe(true);

    const ratings = statements().map((_, i) => (i === 0 ? 2 : null));
    await request(w.t.url).post(`${url}/start/draft`).send({ version: 1, ratings, reflections: ['I need to plan this better'] }).expect(403);
    const saved = await request(w.t.url).post(`${url}/start/draft`).set('x-csrf-token', csrf).send({ version: 1, ratings, reflections: ['I need to plan this better'] }).expect(200);
    expect(Date.parse(saved.body.savedAt)).not.toBeNaN();

    const reloaded = await request(w.t.url).get(url).expect(200);
    expect(checkedRatings(reloaded.text)[0]).toBe('2');
    expect(reloaded.text).toContain('I need to plan this better');
    expect(reloaded.text).toContain('Draft saved');
  });

  it('will not submit with a statement unrated, and gives the form back as typed', async () => {
    const { base, csrf } = await ectSession();
    const url = `${base}modules/${MODULE}/audit`;
    const ratings = statements().map((_, i) => (i === 1 ? null : 3));
    const refused = await request(w.t.url).post(`${url}/start`).type('form').send(form(csrf, 1, 'submit', ratings, ['', 'half-way thought'])).expect(400);
    expect(refused.text).toContain('statement 2 has no rating yet');
    expect(checkedRatings(refused.text)).toEqual(ratings.map((r) => (r === null ? null : String(r))));
    expect(refused.text).toContain('half-way thought');
  });

  it('submits the start, locks it, then takes the end and shows both side by side with the change', async () => {
    const { base, csrf } = await ectSession();
    const url = `${base}modules/${MODULE}/audit`;
    const start = statements().map(() => 2);
    await request(w.t.url).post(`${url}/start`).type('form').send(form(csrf, 1, 'submit', start)).expect(303);
    const locked = await request(w.t.url).post(`${url}/start/draft`).set('x-csrf-token', csrf).send({ version: 1, ratings: start.map(() => 4), reflections: [] });
    expect(locked.status).toBe(409);
    const afterStart = await request(w.t.url).get(url).expect(200);
    expect(afterStart.text).toContain('End of module audit');
    expect(afterStart.text).toMatch(/Start of module:<\/strong> <span class="status status--done">Submitted/);

    const end = statements().map((_, i) => (i === 0 ? 4 : 2));
    await request(w.t.url).post(`${url}/end`).type('form').send(form(csrf, 1, 'submit', end, ['Much better now'])).expect(303);
    const both = await request(w.t.url).get(url).expect(200);
    expect(both.text).toContain('Start and end compared');
    expect(both.text).toContain('up 2');
    expect(both.text).toContain('Much better now');
    expect((both.text.match(/no change/g) ?? []).length).toBe(statements().length - 1);
  });

  it('starts a new version of a submitted phase and keeps the earlier one in the history', async () => {
    const { base, csrf } = await ectSession();
    const url = `${base}modules/${MODULE}/audit`;
    await request(w.t.url).post(`${url}/end`).type('form').send({ _csrf: csrf, action: 'new-version' }).expect(303);
    const page = await request(w.t.url).get(url).expect(200);
    expect(page.text).toContain('End of module audit (version 2)');
    expect(page.text).toContain('Earlier versions');
    expect(page.text).toMatch(/End of module, version 1, submitted/);
    // The new version starts from the answers submitted.
    expect(checkedRatings(page.text)[0]).toBe('4');
  });

  it('shows the audit to the ECT’s mentor, whose comment the ECT then sees', async () => {
    const mentor = await w.launch('mentor');
    const home = mentor.body;
    const recordUrl = /<h3 class="card__title"><a href="([^"]+)"/.exec(home)![1];
    const record = await request(w.t.url).get(recordUrl).expect(200);
    // The end is being redone (version 2, from the test before).
    expect(record.text).toContain('Start submitted, end in draft');
    const auditUrl = `${recordUrl}/modules/${MODULE}/audit`;
    const audit = await request(w.t.url).get(auditUrl).expect(200);
    expect(audit.text).toContain('Start and end compared');
    expect(audit.text).not.toContain('name="rating_0"');
    await request(w.t.url).post(`${auditUrl}/comments`).type('form').send({ _csrf: csrfFrom(home), comment: 'Great progress on statement 1 <b>well done</b>' }).expect(303);

    const { base } = await ectSession();
    const own = await request(w.t.url).get(`${base}modules/${MODULE}/audit`).expect(200);
    expect(own.text).toContain('Great progress on statement 1 &lt;b&gt;well done&lt;/b&gt;');
    expect(own.text).toContain(w.platform.users.mentor.name);
  });
});
