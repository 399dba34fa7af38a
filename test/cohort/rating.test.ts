import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expectedPercent, rate } from '../../src/cohort';
import { loadRiskRules, type RiskRules } from '../../src/curriculum';
import type { GridRow } from '../../src/progress/grid';

const RULES: RiskRules = {
  behindSchedule: { amberPoints: 20, redPoints: 40 },
  noCanvasActivity: { amberDays: 14, redDays: 28 },
  startAuditMissing: { amberDays: 14, redDays: 28 },
  trainingEvents: { missedLast: 'amber', redBelowAttendancePct: 50, minimumEventsForPct: 2 },
};
const NOW = new Date('2026-12-06T12:00:00Z');
const WINDOWS = [{ module: 3, opens: '2026-11-06', closes: '2027-01-05' }];

function row(overrides: { percent?: number | null; lastActivityAt?: string | null; status?: GridRow['status']; synced?: boolean } = {}): GridRow {
  const percent = overrides.percent === undefined ? 60 : overrides.percent;
  return {
    key: 'canvas:1',
    canvasUserId: '1',
    name: 'Sam Patel',
    email: 'sam@example.org',
    role: 'ect',
    schoolUrn: '131245',
    schoolName: 'Brookfield',
    deliveryPartner: 'North',
    cohort: 'C',
    group: 'G',
    rostered: true,
    status: overrides.status ?? 'active',
    mentorEmail: null,
    schedule: null,
    dfeParticipantId: null,
    mentorKey: null,
    progress:
      overrides.synced === false
        ? null
        : {
            courseKey: JSON.stringify(['https://canvas.example', 'client', '7']),
            courseId: '7',
            programme: 'ect',
            modules: [{ number: 3, required: 10, completed: 6, percent, state: 'in-progress' }],
            overall: percent,
            dataAsOf: NOW.toISOString(),
            lastActivityAt: overrides.lastActivityAt === undefined ? '2026-12-05T09:00:00Z' : overrides.lastActivityAt,
          },
  };
}

const submitted = { 3: { start: 'submitted', end: 'not-started' } } as const;
const rating = (r: GridRow, extra: Partial<Parameters<typeof rate>[0]> = {}) => rate({ row: r, audits: submitted, attendance: null, windows: WINDOWS, rules: RULES, now: NOW, ...extra });

describe('the rating and its reasons', () => {
  it('expects nothing before a module opens, half at half-way, everything from its close', () => {
    // 6 November to 5 January is 60 days; 6 December is day 30.
    expect(expectedPercent(WINDOWS[0], '2026-11-01')).toBe(0);
    expect(expectedPercent(WINDOWS[0], '2026-12-06')).toBe(50);
    expect(expectedPercent(WINDOWS[0], '2027-01-05')).toBe(100);
  });

  it('is green with what was checked when nothing is wrong', () => {
    expect(rating(row({ percent: 45 }))).toEqual({ rag: 'green', reasons: [{ level: 'green', text: 'On schedule in every module opened, active in Canvas recently' }] });
  });

  it('is amber 20 points behind and red 40 behind, saying by how much in words', () => {
    expect(rating(row({ percent: 30 }))).toEqual({ rag: 'amber', reasons: [{ level: 'amber', text: 'Module 3 at 30%, the schedule expects 50% of Module 3 by today' }] });
    expect(rating(row({ percent: 10 })).rag).toBe('red');
    expect(rating(row({ synced: false })).reasons[0].text).toBe('Not seen in Canvas yet, the schedule expects 50% of Module 3 by today');
  });

  it('counts the days since the last Canvas activity', () => {
    expect(rating(row({ lastActivityAt: '2026-11-20T10:00:00Z' })).reasons).toEqual([{ level: 'amber', text: 'No Canvas activity for 16 days (last on 20 November 2026)' }]);
    expect(rating(row({ lastActivityAt: '2026-11-01T10:00:00Z' })).rag).toBe('red');
  });

  it('flags a start audit missing 30 days after the module opened as red', () => {
    expect(rating(row(), { audits: {} }).reasons).toEqual([{ level: 'red', text: 'Module 3 start-of-module audit not submitted, 30 days after the module opened' }]);
  });

  it('flags a missed last event, and low attendance as red', () => {
    const last = { eventId: 'e', date: '2026-11-12', present: false, reason: 'illness' };
    expect(rating(row(), { attendance: { attended: 3, expected: 4, last, marks: [] } }).reasons).toEqual([{ level: 'amber', text: 'Missed the last training event on 12 November 2026 (illness)' }]);
    expect(rating(row(), { attendance: { attended: 1, expected: 4, last, marks: [] } }).reasons[0]).toEqual({ level: 'red', text: 'Attended 1 of 4 training events (25%)' });
  });

  it('does not rate someone deferred or withdrawn', () => {
    expect(rating(row({ percent: 0, status: 'withdrawn' }))).toEqual({ rag: null, reasons: [{ level: 'green', text: 'Not rated: withdrawn' }] });
  });
});

describe('the thresholds file', () => {
  const file = (content: unknown) => {
    const at = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'risk-')), 'risk.json');
    fs.writeFileSync(at, JSON.stringify(content));
    return at;
  };

  it('ships a valid file', () => {
    expect(() => loadRiskRules()).not.toThrow();
  });

  it.each([
    [{ ...RULES, behindSchedule: { amberPoints: 50, redPoints: 40 } }, 'behindSchedule: amberPoints must not be above redPoints'],
    [{ ...RULES, noCanvasActivity: { amberDays: 0, redDays: 28 } }, 'noCanvasActivity.amberDays'],
    [{ ...RULES, trainingEvents: { ...RULES.trainingEvents, missedLast: 'purple' } }, 'trainingEvents.missedLast'],
    [{ ...RULES, extra: 1 }, 'extra'],
  ])('refuses a bad file with the field at fault (%#)', (content, message) => {
    expect(() => loadRiskRules(file(content))).toThrow(message);
  });
});
