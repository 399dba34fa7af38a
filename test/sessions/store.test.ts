import { SessionStore, type NewSession } from '../../src/sessions/store';
import { openTestRuntime, type TestRuntime } from '../support/runtime';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await openTestRuntime();
});
afterAll(async () => rt.close());

const MINUTE = 60_000;
const from = (issuer: string): NewSession => ({
  issuer,
  clientId: '1',
  deploymentId: '1:abc',
  sub: 'user-sub',
  canvasUserId: '42',
  name: 'Avery',
  canvasCourseId: '7',
  contextId: 'ctx',
  courseTitle: 'ECF',
  role: 'participant',
  programme: 'ect',
  view: { kind: 'home' },
  returnUrl: null,
  deepLinking: null,
});

describe('sessions of a removed platform', () => {
  it('end at once in the process that removed them, and within a minute in a service that had them cached', async () => {
    const service = new SessionStore(rt.runtime.stores.store);
    const cli = new SessionStore(rt.runtime.stores.store);
    const start = new Date();
    const gone = await service.create(from('https://gone.example.org'), start);
    const kept = await service.create(from('https://kept.example.org'), start);
    expect(await service.find(gone._id, start)).not.toBeNull();

    expect(await cli.deleteForPlatform('https://gone.example.org', '1')).toBe(1);
    expect(await cli.find(gone._id, start)).toBeNull();
    const later = new Date(start.getTime() + MINUTE + 1);
    expect(await service.find(gone._id, later)).toBeNull();
    expect((await service.find(kept._id, later))?.name).toBe('Avery');

    expect(await service.deleteForPlatform('https://kept.example.org', '1')).toBe(1);
    expect(await service.find(kept._id, later)).toBeNull();
  });
});
