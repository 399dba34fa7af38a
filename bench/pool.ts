/**
 * A fixed pool of workers over a queue of tasks, as a plain client runs its requests: exactly
 * `size` at a time whenever there is work, no adaptive limit. A task may add tasks (a listing
 * page adds its students); `urgent` ones go to the front of the queue.
 */
export type Schedule<T> = (tasks: T[], urgent?: boolean) => void;

/**
 * Runs every task, including those tasks add, with at most `size` running at once.
 * @throws the first error a task throws, once the tasks already running have ended.
 */
export async function runPool<T>(size: number, initial: T[], work: (task: T, schedule: Schedule<T>) => Promise<void>): Promise<void> {
  const queue = [...initial];
  let running = 0;
  const failures: unknown[] = [];
  let waiting: (() => void)[] = [];
  const wakeAll = () => {
    const woken = waiting;
    waiting = [];
    for (const wake of woken) wake();
  };
  const schedule: Schedule<T> = (tasks, urgent = false) => {
    if (urgent) queue.unshift(...tasks);
    else queue.push(...tasks);
    wakeAll();
  };
  const worker = async () => {
    while (failures.length === 0) {
      const task = queue.shift();
      if (task === undefined) {
        // Nothing queued and nothing running that could queue more: the work is done.
        if (running === 0) return;
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      running += 1;
      try {
        await work(task, schedule);
      } catch (error) {
        failures.push(error);
      } finally {
        running -= 1;
        wakeAll();
      }
    }
  };
  await Promise.all(Array.from({ length: size }, worker));
  if (failures.length > 0) throw failures[0];
}
