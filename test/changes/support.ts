import { PassThrough } from 'node:stream';
import request from 'supertest';
import type { DevPlatform } from '../../dev-platform';
import type { GridRow } from '../../src/progress/grid';
import { COHORT, type World } from '../participants/world';
import { csrfFrom } from '../support/forms';

/** The world's school: every roster row of startWorld is at this URN. */
export const URN = '131245';
/** A second school, with one ECT of its own (added by `addOtherSchool`). */
export const OTHER_URN = '654321';
export const FAR_ECT = { name: 'Farah Distant', email: 'farah.distant@example.org' };

export interface SchoolPage {
  base: string;
  csrf: string;
}

/** A school session opened the way a contact opens one: a signed link, followed to its dashboard. */
export async function openSchool(w: World, urn = URN, email: string | null = 'tutor@brookfield.example.org'): Promise<SchoolPage> {
  const { url } = await w.t.runtime.schoolLinks.create({ urn, email });
  const opened = await request(w.t.url).get(new URL(url).pathname + new URL(url).search).expect(303);
  const base = `${String(opened.headers.location).replace(/school$/, '')}`;
  const page = await request(w.t.url).get(`${base}school/changes`).expect(200);
  return { base, csrf: csrfFrom(page.text) };
}

/** An admin (of the world's platform unless another is given) on the review page. */
export async function openAdmin(w: World, on?: DevPlatform): Promise<SchoolPage> {
  const launched = await w.launch('admin', undefined, on);
  const base = w.baseOf(launched);
  return { base, csrf: csrfFrom(launched.body) };
}

let forms = 0;
/** A fresh form id, as the form page makes one. */
export const formId = () => `test-form-${Date.now().toString(36)}-${(forms += 1)}-xxxxxxxx`;

/** Sends a school's form; the response is returned unchecked. */
export function ask(w: World, school: SchoolPage, fields: Record<string, string>) {
  return request(w.t.url)
    .post(`${school.base}school/changes`)
    .type('form')
    .send({ _csrf: school.csrf, formId: formId(), note: '', ...fields });
}

export function decide(w: World, admin: SchoolPage, id: string, action: 'approve' | 'reject', reason = '') {
  return request(w.t.url)
    .post(`${admin.base}admin/changes/${encodeURIComponent(id)}/decision`)
    .type('form')
    .send({ _csrf: admin.csrf, action, reason });
}

/** The request ids a page lists, in its order. */
export function requestIds(html: string): string[] {
  return [...html.matchAll(/data-request="([^"]+)"/g)].map((m) => m[1]);
}

/** The stored requests of a school, straight from the database (never through the code under test). */
export async function storedRequests(w: World, urn = URN): Promise<{ _id: string; kind: string; participantKey: string | null }[]> {
  return w.t.runtime.stores.store.collection<{ _id: string; urn: string; kind: string; participantKey: string | null }>('change_requests').find({ urn }).toArray();
}

export async function rosterEntry(w: World, filter: Record<string, unknown>) {
  return w.t.runtime.stores.store.collection<Record<string, unknown>>('roster').findOne(filter);
}

export async function gridRow(w: World, key: string): Promise<GridRow | undefined> {
  return (await w.t.runtime.stores.readModel.readCurrentGrid(COHORT))?.rows.find((r) => r.key === key);
}

/** A school's CSV export as rows of named cells (a small reader: the test's own, not the code's). */
export async function exportOf(w: World, urn = URN): Promise<Record<string, string>[]> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await w.t.runtime.exports.write({ kind: 'school', urn }, 'csv', out);
  const lines = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter(Boolean).map(parseCsvLine);
  const [header, ...rows] = lines;
  return rows.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
}

function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      cell += '"';
      i += 1;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (c === ',' && !quoted) {
      cells.push(cell);
      cell = '';
    } else {
      cell += c;
    }
  }
  cells.push(cell);
  return cells;
}

/** A second school with one ECT of its own in the world's cohort, known by email only. */
export async function addOtherSchool(w: World): Promise<void> {
  const schools = await w.t.runtime.stores.schools.import(`urn,name,delivery_partner,contact_emails\n${OTHER_URN},Distant Academy,Northern Lights,office@distant.example.org`);
  if (schools.bad.length) throw new Error(JSON.stringify(schools.bad));
  const roster = await w.t.runtime.stores.roster.import(
    ['canvas_user_id,sis_user_id,email,name,role,school_urn,cohort,group,mentor_email,status', `,,${FAR_ECT.email},${FAR_ECT.name},ect,${OTHER_URN},${COHORT},Group B,,active`].join('\n'),
  );
  if (roster.bad.length) throw new Error(JSON.stringify(roster.bad));
  await w.t.runtime.stores.readModel.refreshCohort(COHORT);
}
