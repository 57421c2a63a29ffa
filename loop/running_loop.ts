/**
 * Finding the running loop: what every task, primitive and stream asks
 * first. It sits below the loop class, so that those layers need not import
 * the loop itself.
 *
 * @module
 */
import { runningLoop } from "../internal/context.ts";
import type { EventLoop } from "./event_loop.ts";

/**
 * The loop running the current code. A `RuntimeError` outside a running
 * loop.
 *
 * @example Inside run()
 * ```ts
 * import { getRunningLoop, run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   assert.ok(getRunningLoop().isRunning());
 * });
 * ```
 */
export function getRunningLoop(): EventLoop {
  return runningLoop() as EventLoop;
}
