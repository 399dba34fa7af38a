import { openTestRuntime, type TestRuntime } from '../support/runtime';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await openTestRuntime();
});
afterAll(async () => rt.close());

const SLOT = 400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('sync lease', () => {
  it('has exactly one holder among many contenders', async () => {
    const leases = await Promise.all(Array.from({ length: 12 }, () => rt.runtime.stores.leases.acquire('course-a', { slotMs: SLOT })));
    const held = leases.filter((l) => l !== null);
    expect(held).toHaveLength(1);
    await held[0]!.release();
    expect(await rt.runtime.stores.leases.acquire('course-a', { slotMs: SLOT })).not.toBeNull();
  });

  it('is kept while the holder works and taken over after a crashed holder’s slots pass', async () => {
    const holder = await rt.runtime.stores.leases.acquire('course-b', { slotMs: SLOT });
    expect(holder).not.toBeNull();
    await sleep(SLOT * 3);
    expect(await rt.runtime.stores.leases.acquire('course-b', { slotMs: SLOT })).toBeNull();
    holder!.assertHeld();
    // A crash: the holder stops renewing without giving its slots back.
    (holder as unknown as { timer: NodeJS.Timeout }).timer.unref();
    clearInterval((holder as unknown as { timer: NodeJS.Timeout }).timer);
    await sleep(SLOT * 2.5);
    const successor = await rt.runtime.stores.leases.acquire('course-b', { slotMs: SLOT });
    expect(successor).not.toBeNull();
    await successor!.release();
  });
});
