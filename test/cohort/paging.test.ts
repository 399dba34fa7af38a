import request from 'supertest';
import { GRID_PAGE_SIZE } from '../../src/cohort';
import { COHORT, startWorld, type World } from '../participants/world';
import { gridRows, unescapeHtml } from './support';

let w: World;
const EXTRA = 116;

beforeAll(async () => {
  w = await startWorld(41);
  // People on the roster who have not appeared in Canvas yet: the grid lists them too.
  const rows = Array.from({ length: EXTRA }, (_, i) => `,,later.${i}@example.org,Later Person ${String(i).padStart(3, '0')},ect,131245,${COHORT},Group C,,active`);
  const report = await w.t.runtime.stores.roster.import(['canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status', ...rows].join('\n'));
  expect(report.bad).toEqual([]);
  await w.t.runtime.stores.readModel.refreshCohort(COHORT);
}, 180_000);

afterAll(() => w?.close());

describe('a cohort bigger than a page', () => {
  it('pages through everyone once, with previous and next links', async () => {
    const launched = await w.launch('admin');
    const base = w.baseOf(launched);
    const total = 24 + EXTRA;
    const pages = Math.ceil(total / GRID_PAGE_SIZE);
    const seen: string[] = [];
    let html = (await request(w.t.url).get(`${base}cohort`).expect(200)).text;
    for (let page = 1; page <= pages; page += 1) {
      expect(html).toContain(`Page ${page} of ${pages}`);
      const rows = gridRows(html);
      expect(rows.size).toBe(page < pages ? GRID_PAGE_SIZE : total - GRID_PAGE_SIZE * (pages - 1));
      seen.push(...rows.keys());
      const next = /<a href="([^"]+)">Next page<\/a>/.exec(html)?.[1];
      if (page < pages) html = (await request(w.t.url).get(unescapeHtml(next!)).expect(200)).text;
      else expect(next).toBeUndefined();
    }
    expect(new Set(seen).size).toBe(total);
    const later = seen.filter((key) => key.startsWith('person:'));
    expect(later.length).toBe(EXTRA);
    // Roster-only people carry no link: there is no Canvas record to open yet.
    expect(html).toContain('Later Person 115');
    expect(html).not.toMatch(/href="[^"]*people\/person%3A/);
  });

  it('searches across every page and keeps the filter in the paging links', async () => {
    const launched = await w.launch('admin');
    const base = w.baseOf(launched);
    const html = (await request(w.t.url).get(`${base}cohort?q=later%20person&sort=name&dir=desc`).expect(200)).text;
    const rows = gridRows(html);
    expect(rows.size).toBe(GRID_PAGE_SIZE);
    expect(html).toContain(`${EXTRA} of ${24 + EXTRA} match`);
    expect(html.indexOf('Later Person 115')).toBeLessThan(html.indexOf('Later Person 114'));
    const next = unescapeHtml(/<a href="([^"]+)">Next page<\/a>/.exec(html)![1]);
    expect(next).toContain('q=later+person');
    expect(next).toContain('dir=desc');
    expect(next).toContain('page=2');
  });
});
