import { Readable } from 'node:stream';
import { generateCohort, startCanvasSimulator, type CanvasSimulator } from '../../canvas-sim';
import { readToken } from '../../src/cli/canvas-commands';
import { addPlatform, cli, useCliEnvironment, writeTempFile, type CliEnvironment, type CliRun } from '../support/cli';

const ISSUER = 'https://canvas.example.org';
const CLIENT_ID = '10000000000001';
const cohort = generateCohort({ seed: 'canvas-cli', courses: 3, studentsPerCourse: 4 });
const [readable, forbidden, missing] = cohort.courses.map((c) => c.id);

let env: CliEnvironment;
let sim: CanvasSimulator;
const runs: CliRun[] = [];

async function run(args: string[]): Promise<CliRun> {
  const result = await cli(args);
  runs.push(result);
  return result;
}

const connect = (token: string, baseUrl = sim.url) => run(['canvas', 'connect', '--base-url', baseUrl, '--token-file', writeTempFile('token', token)]);

/** A course linked earlier whose access was since taken away: stored directly, as `link` would refuse it now. */
async function linkWithoutChecking(courseId: string, cohortName: string): Promise<void> {
  await env.db.collection('ecf_course_links').insertOne({
    _id: JSON.stringify([ISSUER, CLIENT_ID, courseId]) as never,
    issuer: ISSUER,
    clientId: CLIENT_ID,
    courseId,
    programme: 'ect',
    cohort: cohortName,
    moduleMap: {},
    classificationOverrides: { items: {}, titles: [] },
    linkedAt: new Date(),
  });
}

beforeAll(async () => {
  env = await useCliEnvironment();
  sim = await startCanvasSimulator({ data: cohort, latencyMs: 0, courseFaults: { [forbidden]: 401, [missing]: 404 } });
  await addPlatform(ISSUER, CLIENT_ID);
});
afterAll(async () => {
  await sim.close();
  await env.close();
});

describe('canvas connect', () => {
  it('saves the token from a file, trimmed, and shows only its last four characters', async () => {
    const result = await connect(`\n  ${sim.token}  \n`);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${sim.url}, token ending "${sim.token.slice(-4)}"`);
    const doc = await env.db.collection('ecf_canvas_connections').findOne({});
    expect(doc).toMatchObject({ issuer: ISSUER, clientId: CLIENT_ID, baseUrl: sim.url, tokenEnding: sim.token.slice(-4) });
    expect(JSON.stringify(doc)).not.toContain(sim.token);
  });

  it('refuses an empty token file and keeps the saved connection', async () => {
    const result = await connect(' \n\n');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the Canvas API token is empty');
    expect(await env.db.collection('ecf_canvas_connections').countDocuments()).toBe(1);
  });

  it('refuses a token file that does not exist', async () => {
    const result = await run(['canvas', 'connect', '--base-url', sim.url, '--token-file', '/nonexistent/token']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Cannot read --token-file /nonexistent/token: ENOENT');
  });

  it('has no way to pass the token as an argument', async () => {
    const result = await run(['canvas', 'connect', '--base-url', sim.url, '--token-file', writeTempFile('token', 'x'), '--token', sim.token]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--token'");
  });

  it('reads the token from standard input with --token-file -', async () => {
    await expect(readToken('-', () => Readable.from([Buffer.from('abc~'), Buffer.from('123\n')]))).resolves.toBe('abc~123\n');
  });

  it('lists the connection without its token', async () => {
    const result = await run(['canvas', 'list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${ISSUER} (client id ${CLIENT_ID}): ${sim.url}, token ending "${sim.token.slice(-4)}"`);
  });
});

describe('canvas check', () => {
  it('passes with a good token when no course is linked yet, and says so', async () => {
    const result = await run(['canvas', 'check']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ok {7}token: acts as "ECF Progress Sync" \(Canvas user \d+\)/);
    expect(result.stdout).toContain('No courses are linked for this platform yet');
  });

  it('checks every linked course: course, enrollments, progress and GraphQL', async () => {
    await linkWithoutChecking(readable, 'September 2024');
    const result = await run(['canvas', 'check', '--issuer', ISSUER, '--client-id', CLIENT_ID]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Course ${readable}`);
    expect(result.stdout).toMatch(/ok {7}course: "Early Career Teacher Development Programme: cohort A", 4 students/);
    expect(result.stdout).toContain('ok       enrollments: readable');
    expect(result.stdout).toContain('ok       progress (bulk_user_progress): readable');
    expect(result.stdout).toContain('ok       GraphQL (course progression): readable');
    expect(result.stdout).toContain('Everything the sync needs works.');
  });

  it('fails when Canvas withholds course progression, and says which permission to give', async () => {
    sim.setProgressionHidden(true);
    const result = await run(['canvas', 'check', '--issuer', ISSUER, '--client-id', CLIENT_ID]);
    sim.setProgressionHidden(false);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('ok       enrollments: readable');
    expect(result.stdout).toContain('PROBLEM  GraphQL (course progression): Canvas withheld course progression: give the token\'s account "View all grades"');
  });

  it('fails, naming each problem, when a linked course cannot be read', async () => {
    await linkWithoutChecking(forbidden, 'January 2025');
    await linkWithoutChecking(missing, 'April 2025');
    const result = await run(['canvas', 'check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("PROBLEM  course: the token's Canvas account lacks the permission");
    expect(result.stdout).toContain("PROBLEM  enrollments: the token's Canvas account lacks the permission");
    expect(result.stdout).toContain('PROBLEM  course: Canvas found nothing');
    expect(result.stdout).toContain('PROBLEM  GraphQL (course progression): Canvas found nothing');
    expect(result.stdout).toContain('Some checks failed');
    await env.db.collection('ecf_course_links').deleteMany({ courseId: { $in: [forbidden, missing] } });
  });

  it('fails with a token Canvas rejects, without trying the courses', async () => {
    await connect('not-the-right-token-wxyz');
    const result = await run(['canvas', 'check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('PROBLEM  token: Canvas rejected the token: it is expired, revoked or mistyped');
    expect(result.stdout).not.toContain(`Course ${readable}`);
  });

  it('fails when Canvas cannot be reached', async () => {
    await connect(sim.token, 'http://127.0.0.1:9');
    const result = await run(['canvas', 'check']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('PROBLEM  token: Canvas could not be reached (network)');
    await connect(sim.token);
  });

  it('fails when no connection is saved for the platform', async () => {
    await env.db.collection('ecf_canvas_connections').deleteMany({});
    const result = await run(['canvas', 'check']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`No Canvas connection is saved for ${ISSUER} (client id ${CLIENT_ID})`);
    await connect(sim.token);
  });

  it('asks which platform once a second one is registered', async () => {
    await addPlatform('https://other.example.org', '20000000000001');
    const result = await run(['canvas', 'check']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('More than one platform is registered: choose one with --issuer');
    expect(result.stderr).toContain(`--issuer ${ISSUER} --client-id ${CLIENT_ID}`);
  });

  it('never printed or logged a token, at debug level', () => {
    const everything = runs.map((r) => r.stdout + r.stderr).join('\n');
    expect(everything.length).toBeGreaterThan(0);
    expect(everything).not.toContain(sim.token);
    expect(everything).not.toContain('not-the-right-token-wxyz');
  });
});
