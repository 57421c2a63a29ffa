/**
 * `currentTask` and `allTasks`.
 *
 * @module
 */
import { currentOwner } from "../internal/context.ts";
import type { EventLoop } from "../loop/event_loop.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import { Task } from "./task.ts";
import { internals } from "./_internals.ts";

/**
 * The task whose code is running, also after any number of awaits; `null`
 * in a plain loop callback. Given a `loop`, the task running on that loop,
 * `null` when none is (also where no loop runs), as asyncio's
 * `current_task(loop)`; without one, a `RuntimeError` where no loop runs.
 *
 * @example Naming the current task
 * ```ts
 * import { createTask, currentTask, run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const task = createTask(async () => {
 *     await Promise.resolve();
 *     return currentTask()?.getName();
 *   }, { name: "worker" });
 *   assert.equal(await task, "worker");
 * });
 * ```
 */
export function currentTask(loop?: EventLoop | null): Task<unknown> | null {
  const of = loop ?? getRunningLoop();
  const owner = currentOwner();
  return owner instanceof Task && owner.getLoop() === of ? owner : null;
}

/**
 * The tasks of `loop` (the running loop by default) that are not done.
 *
 * @example Counting live tasks
 * ```ts
 * import { allTasks, createTask, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const sleeper = createTask(() => sleep(1));
 *   assert.equal(allTasks().size, 2); // main and sleeper
 *   sleeper.cancel();
 * });
 * ```
 */
export function allTasks(loop?: EventLoop): Set<Task<unknown>> {
  return internals.tasksOf(loop ?? getRunningLoop());
}
