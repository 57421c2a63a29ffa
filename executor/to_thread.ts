/**
 * `toThread`: one call in the running loop's default executor.
 *
 * @module
 */
import { getRunningLoop } from "../loop/running_loop.ts";
import type { Future } from "../tasks/future.ts";
import type { AnyFunction, ModuleFunction } from "./callable.ts";

/**
 * Runs `fn(...args)` in a worker of the running loop's default executor
 * and returns a future for the result: Python's `asyncio.to_thread`. `fn`
 * is a self-contained function or a `{ module, name }` reference, as for
 * `WorkerPoolExecutor.submit()`. `run()` shuts the default executor down
 * when it returns.
 *
 * @example Moving a computation off the loop
 * ```ts
 * import { toThread } from "@aio/asyncio/executor";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const total = await run(() =>
 *   toThread((n: number) => {
 *     let sum = 0;
 *     for (let i = 1; i <= n; i++) sum += i;
 *     return sum;
 *   }, 1000)
 * );
 * assert.equal(total, 500500);
 * ```
 */
export function toThread<A extends unknown[], R>(
  fn: (...args: A) => R,
  ...args: A
): Future<Awaited<R>>;
/** Runs a module's function, typed (see `moduleFunctions()`). */
export function toThread<F extends AnyFunction>(
  fn: ModuleFunction<F>,
  ...args: Parameters<F>
): Future<Awaited<ReturnType<F>>>;
/** Runs the exported function `name` of `module` with `args`. */
export function toThread<R = unknown>(
  fn: ModuleFunction<never>,
  ...args: unknown[]
): Future<R>;
export function toThread(
  fn: ((...args: unknown[]) => unknown) | ModuleFunction,
  ...args: unknown[]
): Future<unknown> {
  return getRunningLoop().runInExecutor(null, fn, ...args);
}
