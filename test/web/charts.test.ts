import fs from 'node:fs';
import path from 'node:path';
import axe from 'axe-core';
import { create } from 'express-handlebars';
import type { Browser } from 'playwright-core';
import { completionByModuleChart, completionOverTimeChart, type Chart } from '../../src/web/charts';
import type { TrendPoint } from '../../src/trends';
import { launchChromium } from '../support/browser';

/**
 * The charts as markup: each SVG is parsed by a strict little XML reader (well-formed, only
 * the five XML entities), and its drawing, text and table are checked against hand-written
 * figures. Then the partial renders them, and a real browser checks them with axe at 320 px.
 */

interface Element {
  name: string;
  attrs: Record<string, string>;
  children: (Element | string)[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };

function decode(raw: string): string {
  if (/&(?!(amp|lt|gt|quot|#39);)/.test(raw)) throw new Error(`a bare & or unknown entity in ${JSON.stringify(raw)}`);
  if (raw.includes('<')) throw new Error(`a raw < in ${JSON.stringify(raw)}`);
  return raw.replace(/&(amp|lt|gt|quot|#39);/g, (_m, name: string) => ENTITIES[name]);
}

/** Parses one XML element (and everything in it), or throws naming what is wrong. */
function parseXml(source: string): Element {
  let at = 0;
  const element = (): Element => {
    const open = /^<([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/.exec(source.slice(at));
    if (!open) throw new Error(`not a start tag at ${at}: ${source.slice(at, at + 60)}`);
    at += open[0].length;
    const attrs: Record<string, string> = {};
    for (const [, name, value] of open[2].matchAll(/([\w:-]+)="([^"]*)"/g)) {
      if (name in attrs) throw new Error(`attribute ${name} twice on <${open[1]}>`);
      attrs[name] = decode(value);
    }
    const node: Element = { name: open[1], attrs, children: [] };
    if (open[3]) return node;
    for (;;) {
      const next = source.indexOf('<', at);
      if (next < 0) throw new Error(`<${node.name}> is never closed`);
      if (next > at) node.children.push(decode(source.slice(at, next)));
      at = next;
      if (source.startsWith('</', at)) {
        const close = /^<\/([A-Za-z][\w:-]*)>/.exec(source.slice(at));
        if (close?.[1] !== node.name) throw new Error(`<${node.name}> closed by ${source.slice(at, at + 20)}`);
        at += close[0].length;
        return node;
      }
      node.children.push(element());
    }
  };
  const root = element();
  if (at !== source.length) throw new Error(`text after the root element: ${source.slice(at, at + 40)}`);
  return root;
}

function all(node: Element, name?: string): Element[] {
  const found: Element[] = [];
  const walk = (n: Element) => {
    if (!name || n.name === name) found.push(n);
    for (const child of n.children) if (typeof child !== 'string') walk(child);
  };
  walk(node);
  return found;
}

const textOf = (node: Element): string => node.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
const texts = (svg: Element) => all(svg, 'text').map(textOf);

/** What every chart SVG must be: well-formed, an image named by its own title and description, scaling to its container. */
function expectAccessibleSvg(chart: Chart, title: string): Element {
  expect(chart.svg).not.toMatch(/<script/i);
  const svg = parseXml(chart.svg);
  expect(svg.name).toBe('svg');
  expect(svg.attrs.role).toBe('img');
  expect(svg.attrs.width).toBe('100%');
  expect(svg.attrs.viewBox).toMatch(/^0 0 \d+ \d+(\.\d+)?$/);
  expect(svg.attrs.height).toBeUndefined();
  const ids = all(svg)
    .map((n) => n.attrs.id)
    .filter(Boolean);
  expect(new Set(ids).size).toBe(ids.length);
  const [titleId, descId] = svg.attrs['aria-labelledby'].split(' ');
  const titleEl = all(svg, 'title');
  const descEl = all(svg, 'desc');
  expect(titleEl.map((t) => [t.attrs.id, textOf(t)])).toEqual([[titleId, title]]);
  expect(descEl.map((d) => d.attrs.id)).toEqual([descId]);
  expect(textOf(descEl[0]).length).toBeGreaterThan(20);
  // The first child names the image, as assistive technology expects.
  expect((svg.children[0] as Element).name).toBe('title');
  return svg;
}

const HOSTILE = 'Cohort <script>alert(1)</script> & "Group A"';

describe('completion by module (horizontal bars)', () => {
  const modules = [
    { number: 1, label: 'Module 1', mean: 62.5, completed: 3, participants: 10 },
    { number: 2, label: 'Module 2', mean: null, completed: 0, participants: 10 },
    { number: 3, label: 'Label <&"> x', mean: 100, completed: 10, participants: 10 },
    { number: 4, label: 'Module 4', mean: 0, completed: 0, participants: 10 },
    { number: 5, label: 'Module 5', mean: 25, completed: 1, participants: 10 },
  ];
  const chart = completionByModuleChart({ title: HOSTILE, modules });

  it('is a well-formed, named image with every text escaped', () => {
    const svg = expectAccessibleSvg(chart, HOSTILE);
    expect(chart.svg).toContain('Cohort &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Group A&quot;');
    expect(chart.svg).toContain('Label &lt;&amp;&quot;&gt; x');
    expect(texts(svg)).toContain('Label <&"> x');
    expect(textOf(all(svg, 'desc')[0])).toContain('Module 2 no data');
  });

  it('draws one bar per module with a figure, its length proportional to the mean', () => {
    const svg = parseXml(chart.svg);
    const bars = all(svg, 'rect').filter((r) => r.attrs.class === 'chart__bar');
    expect(bars.map((b) => Number(b.attrs['data-value']))).toEqual([62.5, 100, 0, 25]);
    const widths = bars.map((b) => Number(b.attrs.width));
    const full = widths[1];
    expect(full).toBeGreaterThan(200);
    expect(widths.map((w) => w / full)).toEqual([0.625, 1, 0, 0.25].map((r) => expect.closeTo(r, 3)));
    // Bars start together, at the axis.
    expect(new Set(bars.map((b) => b.attrs.x)).size).toBe(1);
    // Each on its own row, in the input's order.
    const ys = bars.map((b) => Number(b.attrs.y));
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
  });

  it('writes each value and the axis in words, and "no data" where there is none', () => {
    const words = texts(parseXml(chart.svg));
    for (const label of ['62%', 'no data', '100%', '0%', '25%', '50%', '75%', 'Mean online completion', 'Module 1', 'Module 5']) expect(words).toContain(label);
  });

  it('gives the same figures as a table, row for row', () => {
    expect(chart.table).toEqual({
      caption: HOSTILE,
      headers: ['Module', 'Mean online completion', 'Completed the module', 'Participants'],
      rows: [
        ['Module 1', '62%', '3', '10'],
        ['Module 2', 'no data', '0', '10'],
        ['Label <&"> x', '100%', '10', '10'],
        ['Module 4', '0%', '0', '10'],
        ['Module 5', '25%', '1', '10'],
      ],
    });
  });

  it('cuts a long label in the drawing and keeps it whole in the table', () => {
    const long = 'Module 9: Enquiry into developing quality pedagogy';
    const c = completionByModuleChart({ title: 'Long', modules: [{ number: 9, label: long, mean: 40, completed: 0, participants: 2 }] });
    const words = texts(parseXml(c.svg));
    expect(words.some((w) => w.endsWith('…') && long.startsWith(w.slice(0, -1)))).toBe(true);
    expect(c.table.rows[0][0]).toBe(long);
  });

  it('gives every chart its own ids', () => {
    const again = completionByModuleChart({ title: HOSTILE, modules });
    expect(again.id).not.toBe(chart.id);
    const idsOf = (c: Chart) => all(parseXml(c.svg)).map((n) => n.attrs.id).filter(Boolean);
    expect(idsOf(again).filter((id) => idsOf(chart).includes(id))).toEqual([]);
  });
});

const week = (weekStart: string, isoWeek: string, overall: number | null, module2: number | null, participants: number): TrendPoint => ({
  week: isoWeek,
  weekStart,
  participants,
  overall,
  modules: [
    { number: 1, mean: 90, completed: 5, counted: participants },
    { number: 2, mean: module2, completed: 0, counted: module2 === null ? 0 : participants },
  ],
});

describe('completion over time (lines)', () => {
  const points = [week('2025-12-01', '2025-W49', 20, 10, 12), week('2025-12-08', '2025-W50', 40, null, 12), week('2025-12-15', '2025-W51', 80, 30, 13)];
  const chart = completionOverTimeChart({ title: 'Group A over time', points, module: { number: 2, label: 'Module 2' } });

  it('is a well-formed, named image', () => {
    expectAccessibleSvg(chart, 'Group A over time');
    expect(chart.description).toContain('from 20% to 80%');
  });

  it('draws the overall line solid through every week, in order, at heights proportional to the means', () => {
    const svg = parseXml(chart.svg);
    const lines = all(svg, 'polyline');
    const overall = lines.filter((l) => l.attrs.class === 'chart__line');
    expect(overall).toHaveLength(1);
    expect(overall[0].attrs['stroke-dasharray']).toBeUndefined();
    const xy = overall[0].attrs.points.split(' ').map((p) => p.split(',').map(Number));
    expect(xy).toHaveLength(3);
    expect(xy[0][0]).toBeLessThan(xy[1][0]);
    expect(xy[1][0]).toBeLessThan(xy[2][0]);
    // Means of 20, 40 and 80: the second point rises a third as far above the first as the third does.
    const [y20, y40, y80] = xy.map(([, y]) => y);
    expect(y80).toBeLessThan(y40);
    expect((y20 - y40) / (y20 - y80)).toBeCloseTo(1 / 3, 5);
  });

  it('draws the module dashed with square markers, broken where a week has no figure', () => {
    const svg = parseXml(chart.svg);
    const moduleLines = all(svg, 'polyline').filter((l) => l.attrs.class === 'chart__line chart__line--module');
    expect(moduleLines.map((l) => l.attrs.points.split(' ').length)).toEqual([1, 1]);
    expect(moduleLines.every((l) => l.attrs['stroke-dasharray'])).toBe(true);
    expect(all(svg, 'rect').filter((r) => r.attrs.class === 'chart__point chart__point--module')).toHaveLength(2);
    expect(all(svg, 'circle').filter((c) => c.attrs.class === 'chart__point')).toHaveLength(3);
  });

  it('labels the weeks, the values and the lines in words', () => {
    const words = texts(parseXml(chart.svg));
    for (const label of ['1 Dec', '8 Dec', '15 Dec', '20%', '40%', '80%', '10%', '30%', 'Overall', 'Module 2', 'Week beginning', '100%']) expect(words).toContain(label);
  });

  it('gives the same figures as a table, row for row', () => {
    expect(chart.table).toEqual({
      caption: 'Group A over time',
      headers: ['Week beginning', 'Mean overall online completion', 'Module 2: mean online completion', 'Participants'],
      rows: [
        ['1 December 2025', '20%', '10%', '12'],
        ['8 December 2025', '40%', 'no data', '12'],
        ['15 December 2025', '80%', '30%', '13'],
      ],
    });
  });

  it('shows one week as a single marker with its value', () => {
    const one = completionOverTimeChart({ title: 'First week', points: [week('2026-01-05', '2026-W02', 33.3, 5, 4)] });
    const svg = expectAccessibleSvg(one, 'First week');
    expect(all(svg, 'circle').filter((c) => c.attrs.class === 'chart__point')).toHaveLength(1);
    expect(all(svg, 'polyline').map((l) => l.attrs.points.split(' ').length)).toEqual([1]);
    expect(texts(svg)).toEqual(expect.arrayContaining(['33%', '5 Jan']));
    expect(one.description).toMatch(/^One week so far, beginning 5 January 2026: mean overall online completion 33%\.$/);
    expect(one.table.rows).toEqual([['5 January 2026', '33%', '4']]);
  });

  it('says in a sentence that there is nothing yet, with no empty drawing', () => {
    const none = completionOverTimeChart({ title: 'Nothing yet', points: [] });
    expect(none.svg).not.toContain('<svg');
    expect(none.svg).toMatch(/^<p[^>]*>No weekly figures yet[^<]+<\/p>$/);
    expect(none.table.rows).toEqual([]);
  });

  it('keeps a long series legible: a few week labels, the latest always among them', () => {
    const many = Array.from({ length: 30 }, (_, i) => {
      const monday = new Date(Date.UTC(2025, 8, 1 + 7 * i)).toISOString().slice(0, 10);
      return week(monday, `W${i}`, i * 3, null, 10);
    });
    const c = completionOverTimeChart({ title: 'Thirty weeks', points: many });
    const words = texts(parseXml(c.svg));
    const weekLabels = words.filter((w) => /^\d{1,2} [A-Z][a-z]{2,3}$/.test(w));
    expect(weekLabels.length).toBeLessThanOrEqual(6);
    expect(weekLabels).toContain('23 Mar');
    expect(c.table.rows).toHaveLength(30);
  });
});

describe('the chart partial in a browser', () => {
  // The Handlebars the app's engine uses.
  const compile = create().handlebars.compile as (source: string) => (context: object) => string;
  const partial = compile(fs.readFileSync(path.join(__dirname, '..', '..', 'views', 'partials', 'chart.hbs'), 'utf8'));
  const bars = completionByModuleChart({
    title: 'Completion by module',
    modules: [
      { number: 1, label: 'Module 1', mean: 62.5, completed: 3, participants: 10 },
      { number: 2, label: '<b>Module 2</b>', mean: null, completed: 0, participants: 10 },
    ],
  });
  const trend = completionOverTimeChart({
    title: 'Completion over time',
    points: [week('2025-12-01', '2025-W49', 20, 10, 12), week('2025-12-08', '2025-W50', 40, 15, 12)],
    module: { number: 2, label: 'Module 2' },
  });
  const empty = completionOverTimeChart({ title: 'Nothing yet', points: [] });
  const html = [bars, trend, empty].map((chart) => partial({ chart })).join('\n');
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders a figure with the SVG as built and the table escaped', () => {
    const first = partial({ chart: bars });
    expect(first.match(/<svg /g)).toHaveLength(1);
    expect(first).toContain(bars.svg);
    expect(first).toContain('<th scope="row" data-label="Module">&lt;b&gt;Module 2&lt;/b&gt;</th>');
    expect(first).toContain('<td data-label="Mean online completion">no data</td>');
    expect(first).toContain('<caption>Completion by module</caption>');
    expect(first).toMatch(/<details class="chart__data" open>/);
    const nothing = partial({ chart: empty });
    expect(nothing).not.toContain('<table');
    expect(nothing).toContain('No weekly figures yet');
  });

  it.each([320, 1280])('passes axe (WCAG 2.2 AA) and never scrolls sideways at %i px', async (width) => {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const css = fs.readFileSync(path.join(__dirname, '..', '..', 'public', 'app.css'), 'utf8');
    await page.setContent(`<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Charts</title><style>${css}</style></head><body><main class="page"><h1>Charts</h1>${html}</main></body></html>`);
    await page.evaluate(axe.source);
    const result = await page.evaluate<{ violations: { id: string; nodes: { target: string[] }[] }[] }>(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })`);
    expect(result.violations.map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBe(0);
    // The drawings take the width they are given, and keep their proportions.
    const boxes = await page.evaluate<{ w: number; h: number }[]>(`[...document.querySelectorAll('svg')].map((s) => { const r = s.getBoundingClientRect(); return { w: r.width, h: r.height }; })`);
    expect(boxes).toHaveLength(2);
    for (const box of boxes) expect(box.w).toBeLessThanOrEqual(width);
    expect(boxes[0].h).toBeGreaterThan(0);
    // The image is announced by its title and description.
    const names = await page.evaluate<string[]>(`[...document.querySelectorAll('svg')].map((s) => s.getAttribute('aria-labelledby').split(' ').map((id) => document.getElementById(id).textContent).join(' | '))`);
    expect(names[0]).toMatch(/^Completion by module \| Horizontal bars/);
    await page.close();
  });
});
