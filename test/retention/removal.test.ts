import type { CanvasSimulator } from '../../canvas-sim';
import { addPlatform, cli, useCliEnvironment, writeTempFile, type CliEnvironment } from '../support/cli';
import { startSimulator } from '../sync/helpers';

const KEEP = { issuer: 'https://canvas.keep.example.org', clientId: '10000000000001' };
const GONE = { issuer: 'https://canvas.gone.example.org', clientId: '20000000000002' };
const COHORT = 'September 2025';

let env: CliEnvironment;
let sim: CanvasSimulator;

const progressCollections = async () => (await env.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => n.startsWith('ecf_progress_'));
const pointers = async () => (await env.db.collection('ecf_course_sync').find({}).toArray()).map((d) => ({ issuer: d.issuer as string, courseId: d.courseId as string, students: d.studentCount as number }));

async function connectAndLink(platform: typeof KEEP, courses: { id: string; programme: 'ect' | 'mentor' }[]): Promise<void> {
  expect((await cli(['canvas', 'connect', '--issuer', platform.issuer, '--base-url', sim.url, '--token-file', writeTempFile('token', sim.token)])).code).toBe(0);
  for (const course of courses) {
    const linked = await cli(['programme', 'link', '--issuer', platform.issuer, '--course', course.id, '--programme', course.programme, '--cohort', COHORT]);
    expect(linked.code).toBe(0);
  }
}

function session(id: string, platform: typeof KEEP) {
  const now = new Date();
  return { _id: id, createdAt: now, expiresAt: new Date(now.getTime() + 3600_000), ...platform, deploymentId: '1:abc', sub: 'u', canvasUserId: '1', name: 'N', canvasCourseId: '1', contextId: 'c', courseTitle: 'T', role: 'participant', programme: 'ect', view: { kind: 'home' }, returnUrl: null, deepLinking: null };
}

beforeAll(async () => {
  env = await useCliEnvironment();
  sim = await startSimulator({ students: 6, courses: 3, seed: 5 });
  await addPlatform(KEEP.issuer, KEEP.clientId);
  await addPlatform(GONE.issuer, GONE.clientId);
  const [a, b, c] = sim.data.courses;
  await connectAndLink(KEEP, [{ id: a.id, programme: 'ect' }, { id: b.id, programme: 'mentor' }]);
  await connectAndLink(GONE, [{ id: c.id, programme: 'ect' }]);
  const synced = await cli(['sync']);
  expect(synced.stdout).toContain('3 of 3 courses synced');
  await env.db.collection('ecf_sessions').insertMany([session('k'.repeat(32), KEEP), session('g'.repeat(32), GONE)] as never[]);
});
afterAll(async () => {
  await sim.close();
  await env.close();
});

describe('what goes when its reason goes', () => {
  it('unlinking a course deletes that course’s synced progress and nothing else', async () => {
    const [a, b, c] = sim.data.courses;
    expect(await progressCollections()).toHaveLength(3);
    const unlinked = await cli(['programme', 'unlink', '--issuer', KEEP.issuer, '--course', a.id]);
    expect(unlinked.code).toBe(0);
    expect(unlinked.stdout).toContain(`Unlinked course ${a.id}`);
    expect(unlinked.stdout).toContain('deleted its synced progress (6 student(s))');
    expect((await pointers()).map((p) => p.courseId).sort()).toEqual([b.id, c.id].sort());
    expect(await progressCollections()).toHaveLength(2);
    const kept = await cli(['progress', '--cohort', COHORT, '--format', 'json']);
    expect(kept.code).toBe(0);
    const students = (course: typeof a) => course.enrollments.filter((e) => e.type === 'StudentEnrollment').map((e) => e.userId);
    const rows = JSON.parse(kept.stdout) as { canvas_user_id: string; data_as_of: string | null }[];
    expect(rows.map((r) => r.canvas_user_id).sort()).toEqual([...students(b), ...students(c)].sort());
    expect(rows.every((r) => r.data_as_of)).toBe(true);
  });

  it('removing a platform deletes its connection, links, synced progress and sessions, and leaves the other platform whole', async () => {
    const [, b, c] = sim.data.courses;
    const removed = await cli(['platform', 'remove', '--issuer', GONE.issuer, '--client-id', GONE.clientId]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('Canvas connection: deleted');
    expect(removed.stdout).toContain(`1 course link(s) (${c.id}) with the synced progress of 6 student(s)`);
    expect(removed.stdout).toContain('Sessions ended: 1');

    expect(await pointers()).toEqual([{ issuer: KEEP.issuer, courseId: b.id, students: 6 }]);
    expect(await progressCollections()).toHaveLength(1);
    expect(await env.db.collection('ecf_course_links').find({}).map((l) => l.issuer as string).toArray()).toEqual([KEEP.issuer]);
    expect(await env.db.collection('ecf_canvas_connections').find({}).map((l) => l.issuer as string).toArray()).toEqual([KEEP.issuer]);
    expect(await env.db.collection('ecf_sessions').find({}).map((s) => s.issuer as string).toArray()).toEqual([KEEP.issuer]);
    expect(await env.db.collection('ecf_deployments').find({}).map((d) => d.issuer as string).toArray()).toEqual([KEEP.issuer]);

    const again = await cli(['sync']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('1 of 1 courses synced');
    expect(await progressCollections()).toHaveLength(1);
  });
});
