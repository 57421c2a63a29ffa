/**
 * `runVirtual`: `run()` on a virtual clock.
 *
 * @module
 */
import { checkOptions } from "../internal/validate.ts";
import { run, type RunOptions } from "../loop/runner.ts";
import {
  checkCoroutineFunction,
  type CoroutineFunction,
} from "../tasks/task.ts";
import { VirtualClockLoop } from "./virtual_clock_loop.ts";

/** Options of `runVirtual`: those of `run()` but the loop factory. */
export type RunVirtualOptions = Omit<RunOptions, "loopFactory">;

/**
 * Runs the async function `main` on a new `VirtualClockLoop` and returns its
 * result: `run(main, { loopFactory: () => new VirtualClockLoop() })`.
 * Timers fire at exact virtual instants, as fast as the code runs.
 *
 * @example A day of timers, in order, at once
 * ```ts
 * import { runVirtual, type RunVirtualOptions } from "@aio/asyncio/testing";
 * import { createTask, getRunningLoop, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const options: RunVirtualOptions = { debug: false };
 * const log = await runVirtual(async () => {
 *   const loop = getRunningLoop();
 *   const log: string[] = [];
 *   const nap = async (name: string, hours: number) => {
 *     await sleep(hours * 3600);
 *     log.push(`${name} at ${loop.time() / 3600}h`);
 *   };
 *   const tasks = [createTask(() => nap("b", 24)), createTask(() => nap("a", 8))];
 *   for (const task of tasks) await task;
 *   return log;
 * }, options);
 * assert.deepEqual(log, ["a at 8h", "b at 24h"]);
 * ```
 */
export function runVirtual<T>(
  main: CoroutineFunction<T>,
  options: RunVirtualOptions = {},
): Promise<T> {
  checkCoroutineFunction(main, "runVirtual()");
  // The loop factory is this function's own: one passed in is refused.
  const { debug } = checkOptions<RunVirtualOptions>(options, "runVirtual()", [
    "debug",
  ]);
  return run(main, {
    debug,
    loopFactory: () => new VirtualClockLoop(),
  });
}
