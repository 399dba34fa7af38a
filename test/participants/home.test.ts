import request from 'supertest';
import { moduleNumbers, modulesOf } from '../../src/curriculum';
import { courseKeyId } from '../../src/domain';
import { COHORT, startWorld, type World } from './world';

let w: World;
beforeAll(async () => {
  w = await startWorld();
});
afterAll(() => w.close());

/** The figure in the "where you are" box. */
const currentFigure = (html: string) => /class="figure__value"[^>]*>(\d+)%</.exec(html)?.[1];
const currentModule = (html: string) => /id="current">[^<]*Module (\d+)</.exec(html)?.[1];

describe('an ECT’s first page: where am I, what’s next', () => {
  it('shows the first module not complete (no schedule for this cohort) with the simulator’s own percentage', async () => {
    const launched = await w.launch('ect');
    expect(launched.status).toBe(200);
    const truth = w.truth('ect', w.platform.users.ect.canvasUserId);
    const numbers = moduleNumbers('ect');
    const index = truth.modules.findIndex((p) => p !== null && p < 100);
    expect(index).toBeGreaterThanOrEqual(0);
    expect(currentModule(launched.body)).toBe(String(numbers[index]));
    expect(currentFigure(launched.body)).toBe(String(truth.modules[index]));
    expect(launched.body).toContain(modulesOf('ect')[index].title);
    expect(launched.body).toContain('Data as of');
  });

  it('links the next items straight to Canvas, in the parent window', async () => {
    const launched = await w.launch('ect');
    const links = [...launched.body.matchAll(/<ol class="next">([\s\S]*?)<\/ol>/g)][0]?.[1] ?? '';
    const hrefs = [...links.matchAll(/href="([^"]+)" data-canvas target="_top"/g)].map((m) => m[1]);
    expect(hrefs.length).toBeGreaterThan(0);
    expect(hrefs.length).toBeLessThanOrEqual(3);
    const course = w.platform.users.ect.course.canvasCourseId;
    for (const href of hrefs) expect(href).toMatch(new RegExp(`^${w.sim.url}/courses/${course}/modules/items/\\d+$`));
    // Each is an item the simulator says is still to do for this student.
    const done = w.cohort.courses[0].completions.get(w.platform.users.ect.canvasUserId) ?? new Map();
    for (const href of hrefs) expect(done.has(href.split('/').pop()!)).toBe(false);
  });

  it('writes every time in UK time as people write it', async () => {
    const launched = await w.launch('ect');
    expect(launched.body).not.toMatch(/\d{4}-\d{2}-\d{2}T|UTC/);
    expect(launched.body).toMatch(/Data as of \d{1,2} [A-Z][a-z]+ \d{4} at \d{1,2}:\d{2}(am|pm)/);
  });

  it('shows another ECT’s percentage to nobody but them: the page follows the launch, not a parameter', async () => {
    const launched = await w.launch('ect');
    const again = await request(w.t.url).get(`${w.baseOf(launched)}?user=${w.otherEct.id}&key=canvas:${w.otherEct.id}`);
    expect(currentFigure(again.text)).toBe(currentFigure(launched.body));
  });
});

describe('a mentor’s first page', () => {
  it('lists their ECT (from the roster) with current module, online completion and audit state, and not anyone else’s', async () => {
    const launched = await w.launch('mentor');
    expect(launched.body).toContain('Your early career teachers');
    expect(launched.body).toContain(w.platform.users.ect.name);
    expect(launched.body).not.toContain('Other Ect');
    const truth = w.truth('ect', w.platform.users.ect.canvasUserId);
    const index = truth.modules.findIndex((p) => p !== null && p < 100);
    const card = /<li class="card">([\s\S]*?)<\/li>/.exec(launched.body)![1];
    expect(card).toContain(`Module ${moduleNumbers('ect')[index]}:`);
    expect(card).toContain(`<strong>${truth.modules[index]}%</strong>`);
    expect(card).toContain('Audit: Not started');
    expect(card).toMatch(new RegExp(`href="/s/[^/]+/modules/${moduleNumbers('ect')[index]}/session-plans#session-\\d+">This week’s session plan`));
  });

  it('shows the mentor their own mentor-programme progress as an ECT sees theirs', async () => {
    const launched = await w.launch('mentor');
    const truth = w.truth('mentor', w.platform.users.mentor.canvasUserId);
    const index = truth.modules.findIndex((p) => p !== null && p < 100);
    expect(currentModule(launched.body)).toBe(String(moduleNumbers('mentor')[index]));
    expect(currentFigure(launched.body)).toBe(String(truth.modules[index]));
  });

  it('follows a change of mentor in the roster', async () => {
    await w.importRoster({ swap: true });
    try {
      const launched = await w.launch('mentor');
      expect(launched.body).toContain('Other Ect');
      expect(launched.body).not.toContain(`>${w.platform.users.ect.name}<`);
    } finally {
      await w.importRoster();
    }
  });
});

describe('session plans', () => {
  it('marks this week’s session with jump links, and offers to record it with each of the mentor’s ECTs', async () => {
    const launched = await w.launch('mentor');
    const page = await request(w.t.url).get(`${w.baseOf(launched)}modules/2/session-plans`).expect(200);
    // The plans of the ECT's module 2: what a mentor and their ECT meet about.
    const sessions = modulesOf('ect').find((m) => m.number === 2)!.sessionPlans;
    for (const s of sessions) expect(page.text).toContain(`href="#session-${s.session}"`);
    for (const s of sessions) expect(page.text).toContain(s.title.replace(/'/g, '&#x27;'));
    expect(page.text).toContain('this week');
    expect(page.text).toContain(`Record this session with ${w.platform.users.ect.name}`);
  });
});

describe('figures refreshed when their owner opens the tool', () => {
  it('starts a refresh of stale figures without holding up the page, and the page then shows Canvas’s new figure', async () => {
    const ect = w.platform.users.ect;
    const key = { issuer: w.platform.issuer, clientId: w.platform.clientId };
    const runtime = w.t.runtime;
    const before = await runtime.stores.readModel.readParticipant(COHORT, `canvas:${ect.canvasUserId}`);
    const index = before!.progress!.modules.findIndex((m) => m.state === 'in-progress' || m.state === 'not-started');
    const next = before!.progress!.toDo[index][0];
    // Canvas moves on (the ECT completes their next item), and the tool's copy is two hours old.
    w.sim.completeItems(ect.course.canvasCourseId, ect.canvasUserId, [next]);
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await runtime.stores.store.collection<{ _id: string; syncedAt: Date }>('course_sync').updateOne({ _id: courseKeyId(key, ect.course.canvasCourseId) }, { $set: { syncedAt: twoHoursAgo } });
    await runtime.stores.readModel.refreshCohort(COHORT);

    const launched = await w.launch('ect');
    expect(launched.body).toContain('Fetching your latest progress from Canvas');
    expect(currentFigure(launched.body)).toBe(String(before!.progress!.modules[index].percent));
    await runtime.ownDataRefresh.settled();
    const freshness = await request(w.t.url).get(`${w.baseOf(launched)}freshness`).expect(200);
    expect(Date.parse(freshness.body.dataAsOf)).toBeGreaterThan(twoHoursAgo.getTime());

    const after = await request(w.t.url).get(w.baseOf(launched)).expect(200);
    expect(after.text).not.toContain('Fetching your latest progress');
    const truth = w.truth('ect', ect.canvasUserId);
    expect(currentFigure(after.text)).toBe(String(truth.modules[index]));
    expect(truth.modules[index]).not.toBe(before!.progress!.modules[index].percent);
  });
});
