import type { ChangeMarks, ChangeTopic } from '../db/change-marks';
import type { Leases } from '../sync';

/**
 * Runs `build` until it has built from the latest change of `topic`, one builder at a time
 * across instances (an insert-only lease, the one primitive FerretDB keeps atomic). A caller
 * that finds a build running leaves its change mark and returns: the running build goes round
 * again, so no change is lost. Resolves true when this caller did the build.
 */
export async function buildUntilCurrent(deps: { marks: ChangeMarks; leases: Leases }, topic: ChangeTopic, build: () => Promise<void>): Promise<boolean> {
  await deps.marks.markChanged(topic);
  for (;;) {
    const lease = await deps.leases.acquire(topic);
    if (!lease) return false;
    let mark: string | null;
    try {
      do {
        mark = await deps.marks.currentMark(topic);
        await build();
        lease.assertHeld();
      } while ((await deps.marks.currentMark(topic)) !== mark);
    } finally {
      await lease.release();
    }
    // A change marked while we were releasing found the lease still ours: go round once more.
    if ((await deps.marks.currentMark(topic)) === mark) return true;
  }
}
