/**
 * `waitAllTasksBlocked`: let everything settle, without counting loop turns.
 *
 * @module
 */
import { internals as loopInternals } from "../loop/_internals.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import { sleep } from "../tasks/sleep.ts";

/**
 * Returns once every other task of the running loop is blocked (on a
 * future, a timer, a lock, a queue, a socket or a foreign promise) and no
 * callback is ready to run: Trio's `wait_all_tasks_blocked`. Tests use it
 * where they mean "let everything settle", instead of a number of
 * `sleep(0)` calls that ties them to how many iterations a wake-up takes.
 *
 * @example Letting workers settle
 * ```ts
 * import { createTask, Queue, run, sleep } from "@aio/asyncio";
 * import { waitAllTasksBlocked } from "@aio/asyncio/testing";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const queue = new Queue<number>();
 *   const seen: number[] = [];
 *   const worker = createTask(async () => {
 *     for (;;) {
 *       const item = await queue.get();
 *       for (let i = 0; i < 5; i++) await sleep(0); // several turns each
 *       seen.push(item);
 *     }
 *   });
 *   queue.putNowait(1);
 *   queue.putNowait(2);
 *   await waitAllTasksBlocked();
 *   assert.deepEqual(seen, [1, 2]);
 *   worker.cancel();
 * });
 * ```
 */
export async function waitAllTasksBlocked(): Promise<void> {
  const loop = getRunningLoop();
  do {
    await sleep(0);
  } while (loopInternals.hasReadyCallbacks(loop));
}
