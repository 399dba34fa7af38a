import { openTestRuntime, type TestRuntime } from '../support/runtime';
import { LeaseLostError } from '../../src/sync/lease';

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

describe('sync lease renewal', () => {
  const BUSY_SLOT = 1200;

  it('keeps its lease through an event loop blocked for most of a slot', async () => {
    const holder = await rt.runtime.stores.leases.acquire('course-c', { slotMs: BUSY_SLOT });
    expect(holder).not.toBeNull();
    const busyUntil = Date.now() + BUSY_SLOT * 0.8;
    while (Date.now() < busyUntil) {
      // Blocks the event loop as a long synchronous computation would: no renewal can run.
    }
    expect(await rt.runtime.stores.leases.acquire('course-c', { slotMs: BUSY_SLOT })).toBeNull();
    holder!.assertHeld();
    await holder!.release();
  });

  it('stops a holder whose reservation ran out unrenewed', async () => {
    const holder = await rt.runtime.stores.leases.acquire('course-d', { slotMs: SLOT });
    clearInterval((holder as unknown as { timer: NodeJS.Timeout }).timer);
    await sleep(SLOT * 1.5);
    expect(() => holder!.assertHeld()).toThrow(LeaseLostError);
    const successor = await rt.runtime.stores.leases.acquire('course-d', { slotMs: SLOT });
    expect(successor).not.toBeNull();
    await successor!.release();
  });

  it('gives back what it took when a holder whose clock runs ahead has the lease', async () => {
    const ahead = await rt.runtime.stores.leases.acquire('course-e', { slotMs: SLOT, now: () => Date.now() + SLOT / 2 });
    expect(ahead).not.toBeNull();
    expect(await rt.runtime.stores.leases.acquire('course-e', { slotMs: SLOT })).toBeNull();
    const othersSteps = await rt.runtime.stores.store.collection('sync_leases').countDocuments({ key: 'course-e', holder: { $ne: ahead!.holder } });
    expect(othersSteps).toBe(0);
    await ahead!.release();
  });
});
