/**
 * `createTask`: starts an async function as a task on the running loop.
 *
 * @module
 */
import { getRunningLoop } from "../loop/running_loop.ts";
import type { CoroutineFunction, Task, TaskOptions } from "./task.ts";

/**
 * Wraps the async function `fn` in a `Task` on the running loop. The task
 * starts on the loop's next iteration, not inside this call (unless
 * `eagerStart` asks for it), in the `AsyncLocalStorage` context of this
 * call, as asyncio copies the contextvars. Each step of the task, from one
 * await that suspends to the next, runs whole. Passing a promise instead of
 * a function is a `TypeError`: write `createTask(() => work())`.
 *
 * @example Two tasks interleaving
 * ```ts
 * import { createTask, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const order = await run(async () => {
 *   const order: string[] = [];
 *   const worker = async (name: string) => {
 *     order.push(`${name} start`);
 *     await sleep(0);
 *     order.push(`${name} end`);
 *   };
 *   const a = createTask(() => worker("a"), { name: "a" });
 *   const b = createTask(() => worker("b"));
 *   order.push("created");
 *   await a;
 *   await b;
 *   return order;
 * });
 * assert.deepEqual(order, ["created", "a start", "b start", "a end", "b end"]);
 * ```
 */
export function createTask<T>(
  fn: CoroutineFunction<T>,
  options?: TaskOptions,
): Task<T> {
  return getRunningLoop().createTask(fn, options);
}
