import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DemoUser } from '../../dev-platform/demo-data';
import { COHORT, type World } from '../participants/world';

const DAY_MS = 24 * 3600 * 1000;

/** Today in England as YYYY-MM-DD, moved by `days`: the schedule's own terms. */
export function ukDay(days = 0): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  return new Date(Date.parse(`${today}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Programme files under which ratings vary and follow from the simulator's figures and the
 * audits alone: ECT module 1 half-way through its window today (the schedule expects 50%),
 * module 2 closed yesterday (100%), and Canvas inactivity thresholds no test run reaches.
 */
export const RATING_FILES = {
  schedule: {
    cohorts: {
      [COHORT]: {
        ect: [
          { module: 1, opens: ukDay(-30), closes: ukDay(30) },
          { module: 2, opens: ukDay(-40), closes: ukDay(-1) },
        ],
      },
    },
  },
  risk: {
    behindSchedule: { amberPoints: 20, redPoints: 40 },
    noCanvasActivity: { amberDays: 3600, redDays: 3650 },
    startAuditMissing: { amberDays: 30, redDays: 60 },
    trainingEvents: { missedLast: 'amber', redBelowAttendancePct: 50, minimumEventsForPct: 2 },
  },
};

/** Points SCHEDULE_FILE and RISK_RULES_FILE at files written for one test file; returns how to undo it. */
export function useProgrammeFiles(files: { schedule: unknown; risk: unknown }): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecf-cohort-'));
  const schedule = path.join(dir, 'schedule.json');
  const risk = path.join(dir, 'risk.json');
  fs.writeFileSync(schedule, JSON.stringify(files.schedule));
  fs.writeFileSync(risk, JSON.stringify(files.risk));
  process.env.SCHEDULE_FILE = schedule;
  process.env.RISK_RULES_FILE = risk;
  return () => {
    delete process.env.SCHEDULE_FILE;
    delete process.env.RISK_RULES_FILE;
    fs.rmSync(dir, { recursive: true, force: true });
  };
}

/** Every simulator student of the world's ECT or mentor course, as a user the platform can launch. */
export function studentsOf(world: World, role: 'ect' | 'mentor'): DemoUser[] {
  const template = world.platform.users[role];
  const course = world.cohort.courses.find((c) => c.id === template.course.canvasCourseId)!;
  return course.enrollments
    .filter((e) => e.type === 'StudentEnrollment')
    .map((e) => {
      const user = world.cohort.users.get(e.userId)!;
      if (e.userId === template.canvasUserId) return template;
      const email = user.email ?? `${e.userId}@example.org`;
      return { ...template, sub: `sim-${e.userId}`, lti11Id: `sim11-${e.userId}`, canvasUserId: e.userId, loginId: email, sisId: '', name: user.name, email };
    });
}

/** What a page shows for each module (`data-module-figure`): "42%", or the words shown instead. */
export function moduleFigures(html: string): Map<number, string> {
  const figures = new Map<number, string>();
  for (const match of html.matchAll(/data-module-figure="(\d+)">([\s\S]*?)<\/(?:td|p|span)>/g)) {
    const text = match[2].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
    const percent = /^(\d+)%/.exec(text);
    figures.set(Number(match[1]), percent ? `${percent[1]}%` : text);
  }
  return figures;
}

/** The grid's rows by participant key, each row's HTML. */
export function gridRows(html: string): Map<string, string> {
  return new Map([...html.matchAll(/<tr data-key="([^"]+)">([\s\S]*?)<\/tr>/g)].map((m) => [m[1].replace(/&#x3A;|&#58;/g, ':'), m[2]]));
}

/** An attribute value as the browser reads it (Handlebars escapes `=`, `&` and quotes). */
export function unescapeHtml(text: string): string {
  return text.replace(/&#x3D;/g, '=').replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
