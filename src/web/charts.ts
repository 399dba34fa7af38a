import type { TrendPoint } from '../trends';

/**
 * Server-rendered charts: an SVG string and the same figures as a table, for
 * `views/partials/chart.hbs`. Hand-written (two chart kinds need no library, and nothing runs
 * in the browser). Each SVG is an image to assistive technology (`role="img"`, named by its
 * `<title>` and `<desc>`), carries its numbers as visible text, draws lines as solid or dashed
 * with differently shaped markers (so nothing is told by colour alone), and scales to its
 * container through its viewBox. Every piece of text is escaped here; the partial outputs
 * `svg` as it is.
 */
export interface Chart {
  /** Unique on the page; the SVG's `<title>` and `<desc>` ids derive from it. */
  id: string;
  title: string;
  /** What the chart shows, in words (the SVG's `<desc>`). */
  description: string;
  /** An `<svg>`, or a `<p>` saying why there is nothing to draw. */
  svg: string;
  /** The chart's data; `rows` is empty when there is nothing to draw. */
  table: { caption: string; headers: string[]; rows: string[][] };
}

export interface ModuleCompletion {
  number: number;
  /** Short, e.g. "Module 3": the drawing cuts a longer one, the table shows it whole. */
  label: string;
  /** Mean online completion (%), null when nobody has a figure for the module. */
  mean: number | null;
  /** How many completed the module. */
  completed: number;
  /** How many the mean is over (`counted` of `summariseParticipants` or a trend point). */
  participants: number;
}

const INK = '#2d3b45';
const MUTED = '#5b6670';
const LINE = '#c7cdd1';
const ACCENT = '#0374b5';
const FONT_SIZE = 14;
const TICKS = [0, 25, 50, 75, 100];
const LABEL_CHARS = 14;

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

let serial = 0;
/** A fresh id per chart, so several charts on one page never share one. */
function chartId(kind: string): string {
  serial += 1;
  return `chart-${kind}-${serial}`;
}

/** A mean as the charts show it: whole percent rounded down, as every figure of the tool is. */
export function percentText(value: number | null): string {
  return value === null ? 'no data' : `${Math.floor(clamp(value))}%`;
}

const clamp = (value: number) => Math.min(100, Math.max(0, value));
const n = (value: number) => String(Math.round(value * 100) / 100);
const shorten = (label: string) => (label.length > LABEL_CHARS ? `${label.slice(0, LABEL_CHARS - 1)}…` : label);

const weekShort = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' });
const weekLong = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
const dayOf = (date: string) => new Date(`${date}T00:00:00Z`);

function text(x: number, y: number, content: string, attrs: Record<string, string | number> = {}): string {
  const all = { x: n(x), y: n(y), 'font-size': FONT_SIZE, fill: INK, ...attrs };
  const written = Object.entries(all)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');
  return `<text${written}>${escapeXml(content)}</text>`;
}

function svgOpen(id: string, title: string, description: string, width: number, height: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" id="${id}" class="chart__svg" role="img" aria-labelledby="${id}-title ${id}-desc" ` +
    `viewBox="0 0 ${width} ${n(height)}" width="100%" preserveAspectRatio="xMinYMin meet" focusable="false">` +
    `<title id="${id}-title">${escapeXml(title)}</title><desc id="${id}-desc">${escapeXml(description)}</desc>`
  );
}

/** A horizontal bar per module: its mean online completion, 0–100 %, with the value written at its end. */
export function completionByModuleChart(input: { title: string; modules: ModuleCompletion[] }): Chart {
  const id = chartId('modules');
  const table = {
    caption: input.title,
    headers: ['Module', 'Mean online completion', 'Completed the module', 'Participants'],
    rows: input.modules.map((m) => [m.label, percentText(m.mean), String(m.completed), String(m.participants)]),
  };
  if (input.modules.length === 0) {
    const description = 'No modules to show.';
    return { id, title: input.title, description, svg: `<p class="chart__empty muted">${escapeXml(description)}</p>`, table };
  }
  const description =
    `Horizontal bars, one per module, each as long as the module's mean online completion on a scale of 0 to 100%: ` +
    input.modules.map((m) => `${m.label} ${percentText(m.mean)}`).join('; ') +
    '.';

  const width = 480;
  const plotLeft = 128;
  const plotWidth = 290;
  const top = 8;
  const rowHeight = 32;
  const barHeight = 20;
  const plotBottom = top + rowHeight * input.modules.length;
  const height = plotBottom + 52;
  const parts = [svgOpen(id, input.title, description, width, height)];
  for (const tick of TICKS) {
    const x = plotLeft + (tick / 100) * plotWidth;
    parts.push(`<line x1="${n(x)}" y1="${top}" x2="${n(x)}" y2="${plotBottom}" stroke="${LINE}" stroke-width="1"/>`);
    parts.push(text(x, plotBottom + 20, `${tick}%`, { 'text-anchor': 'middle' }));
  }
  parts.push(text(plotLeft + plotWidth / 2, plotBottom + 44, 'Mean online completion', { 'text-anchor': 'middle' }));
  input.modules.forEach((m, i) => {
    const y = top + i * rowHeight + (rowHeight - barHeight) / 2;
    const middle = y + barHeight / 2 + FONT_SIZE * 0.35;
    parts.push(text(plotLeft - 8, middle, shorten(m.label), { 'text-anchor': 'end' }));
    if (m.mean === null) {
      parts.push(text(plotLeft + 6, middle, 'no data', { fill: MUTED, 'font-style': 'italic' }));
      return;
    }
    const barWidth = (clamp(m.mean) / 100) * plotWidth;
    parts.push(`<rect class="chart__bar" x="${plotLeft}" y="${n(y)}" width="${n(barWidth)}" height="${barHeight}" fill="${ACCENT}" data-value="${n(m.mean)}"/>`);
    parts.push(text(plotLeft + barWidth + 6, middle, percentText(m.mean), { 'font-weight': 700 }));
  });
  parts.push(`<line x1="${plotLeft}" y1="${top}" x2="${plotLeft}" y2="${plotBottom}" stroke="${INK}" stroke-width="1"/>`);
  parts.push('</svg>');
  return { id, title: input.title, description, svg: parts.join(''), table };
}

/** Which points get their value written: all of a short series, else every k-th counted back from the latest. */
function labelled(count: number, most: number): (i: number) => boolean {
  const step = Math.max(1, Math.ceil(count / most));
  return (i) => (count - 1 - i) % step === 0;
}

/** Runs of consecutive points that have a value, as polyline point lists. */
function runs(points: { x: number; y: number | null }[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  for (const p of points) {
    if (p.y === null) {
      if (current.length) out.push(current.join(' '));
      current = [];
    } else current.push(`${n(p.x)},${n(p.y)}`);
  }
  if (current.length) out.push(current.join(' '));
  return out;
}

/**
 * Mean overall online completion week by week (a solid line with round markers), and,
 * when `module` is given, that module's mean (a dashed line with square markers). One week
 * draws its markers alone; no weeks give a sentence and an empty table.
 */
export function completionOverTimeChart(input: { title: string; points: TrendPoint[]; module?: { number: number; label: string } | null }): Chart {
  const id = chartId('trend');
  const module = input.module ?? null;
  const moduleMean = (p: TrendPoint) => p.modules.find((m) => m.number === module?.number)?.mean ?? null;
  const points = [...input.points].sort((a, b) => a.weekStart.localeCompare(b.weekStart));
  const table = {
    caption: input.title,
    headers: ['Week beginning', 'Mean overall online completion', ...(module ? [`${module.label}: mean online completion`] : []), 'Participants'],
    rows: points.map((p) => [weekLong.format(dayOf(p.weekStart)), percentText(p.overall), ...(module ? [percentText(moduleMean(p))] : []), String(p.participants)]),
  };
  if (points.length === 0) {
    const description = 'No weekly figures yet: the first are kept in the week the figures are first synced from Canvas.';
    return { id, title: input.title, description, svg: `<p class="chart__empty muted">${escapeXml(description)}</p>`, table };
  }
  const first = points[0];
  const last = points[points.length - 1];
  const description =
    points.length === 1
      ? `One week so far, beginning ${weekLong.format(dayOf(first.weekStart))}: mean overall online completion ${percentText(first.overall)}` +
        (module ? `, ${module.label} ${percentText(moduleMean(first))}.` : '.')
      : `Lines over ${points.length} weeks, from the week beginning ${weekLong.format(dayOf(first.weekStart))} to the week beginning ${weekLong.format(dayOf(last.weekStart))}, on a scale of 0 to 100%. ` +
        `Mean overall online completion (solid line, round markers) went from ${percentText(first.overall)} to ${percentText(last.overall)}` +
        (module ? `; ${module.label} (dashed line, square markers) from ${percentText(moduleMean(first))} to ${percentText(moduleMean(last))}.` : '.');

  const width = 480;
  const plotLeft = 52;
  const plotRight = 460;
  const plotTop = 36;
  const plotBottom = 216;
  const height = plotBottom + 56;
  const inset = 18;
  const xOf = (i: number) => (points.length === 1 ? (plotLeft + plotRight) / 2 : plotLeft + inset + (i * (plotRight - plotLeft - 2 * inset)) / (points.length - 1));
  const yOf = (value: number | null) => (value === null ? null : plotBottom - (clamp(value) / 100) * (plotBottom - plotTop));
  const parts = [svgOpen(id, input.title, description, width, height)];

  for (const tick of TICKS) {
    const y = yOf(tick)!;
    parts.push(`<line x1="${plotLeft}" y1="${n(y)}" x2="${plotRight}" y2="${n(y)}" stroke="${LINE}" stroke-width="1"/>`);
    parts.push(text(plotLeft - 6, y + FONT_SIZE * 0.35, `${tick}%`, { 'text-anchor': 'end' }));
  }
  const showWeek = labelled(points.length, 6);
  points.forEach((p, i) => {
    if (showWeek(i)) parts.push(text(xOf(i), plotBottom + 20, weekShort.format(dayOf(p.weekStart)), { 'text-anchor': 'middle' }));
  });
  parts.push(text((plotLeft + plotRight) / 2, plotBottom + 46, 'Week beginning', { 'text-anchor': 'middle' }));

  // Legend: the line styles and marker shapes say which line is which.
  parts.push(`<line x1="${plotLeft}" y1="14" x2="${plotLeft + 28}" y2="14" stroke="${ACCENT}" stroke-width="3"/><circle cx="${plotLeft + 14}" cy="14" r="4" fill="${ACCENT}"/>`);
  parts.push(text(plotLeft + 34, 14 + FONT_SIZE * 0.35, 'Overall'));
  if (module) {
    const x = plotLeft + 110;
    parts.push(`<line x1="${x}" y1="14" x2="${x + 28}" y2="14" stroke="${INK}" stroke-width="2" stroke-dasharray="6 4"/><rect x="${x + 10}" y="10" width="8" height="8" fill="${INK}"/>`);
    parts.push(text(x + 34, 14 + FONT_SIZE * 0.35, shorten(module.label)));
  }

  const overall = points.map((p, i) => ({ x: xOf(i), y: yOf(p.overall) }));
  const moduleLine = points.map((p, i) => ({ x: xOf(i), y: module ? yOf(moduleMean(p)) : null }));
  for (const line of runs(overall)) parts.push(`<polyline class="chart__line" points="${line}" fill="none" stroke="${ACCENT}" stroke-width="3"/>`);
  for (const line of runs(moduleLine)) parts.push(`<polyline class="chart__line chart__line--module" points="${line}" fill="none" stroke="${INK}" stroke-width="2" stroke-dasharray="6 4"/>`);
  for (const { x, y } of moduleLine) if (y !== null) parts.push(`<rect class="chart__point chart__point--module" x="${n(x - 4)}" y="${n(y - 4)}" width="8" height="8" fill="${INK}"/>`);
  for (const { x, y } of overall) if (y !== null) parts.push(`<circle class="chart__point" cx="${n(x)}" cy="${n(y)}" r="4" fill="${ACCENT}"/>`);
  // Values last, over the lines, with a white halo: the higher point's above it, the lower one's below it, so the two never meet.
  const halo = { stroke: '#fff', 'stroke-width': 3, 'paint-order': 'stroke', 'text-anchor': 'middle' };
  const showValue = labelled(points.length, 6);
  points.forEach((p, i) => {
    if (!showValue(i)) return;
    const o = overall[i].y;
    const m = moduleLine[i].y;
    const below = (y: number) => Math.min(y + 20, plotBottom - 4);
    if (o !== null) parts.push(text(xOf(i), m !== null && m < o ? below(o) : o - 9, percentText(p.overall), { ...halo, 'font-weight': 700 }));
    if (m !== null) parts.push(text(xOf(i), o !== null && o <= m ? below(m) : m - 9, percentText(moduleMean(p)), halo));
  });
  parts.push(`<line x1="${plotLeft}" y1="${plotBottom}" x2="${plotRight}" y2="${plotBottom}" stroke="${INK}" stroke-width="1"/>`);
  parts.push('</svg>');
  return { id, title: input.title, description, svg: parts.join(''), table };
}
