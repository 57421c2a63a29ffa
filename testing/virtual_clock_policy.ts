/**
 * `VirtualClockPolicy`: plugs the virtual clock into code that makes its
 * own loops.
 *
 * @module
 */
import type { EventLoop } from "../loop/event_loop.ts";
import { DefaultEventLoopPolicy } from "../loop/policy.ts";
import { VirtualClockLoop } from "./virtual_clock_loop.ts";

/**
 * An event loop policy whose loops are `VirtualClockLoop`s. Once set with
 * `setEventLoopPolicy`, code that calls `run()`, `newEventLoop()` or
 * `getEventLoop()` without knowing gets a virtual clock; `null` restores
 * the default policy.
 *
 * @example Making run() virtual for code under test
 * ```ts
 * import { VirtualClockLoop, VirtualClockPolicy } from "@aio/asyncio/testing";
 * import { getRunningLoop, run, setEventLoopPolicy, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * setEventLoopPolicy(new VirtualClockPolicy());
 * try {
 *   const elapsed = await run(async () => {
 *     const loop = getRunningLoop();
 *     assert.ok(loop instanceof VirtualClockLoop);
 *     const start = loop.time();
 *     await sleep(24 * 3600);
 *     return loop.time() - start;
 *   });
 *   assert.equal(elapsed, 24 * 3600);
 * } finally {
 *   setEventLoopPolicy(null);
 * }
 * ```
 */
export class VirtualClockPolicy extends DefaultEventLoopPolicy {
  /** A new `VirtualClockLoop`. */
  override newEventLoop(): EventLoop {
    return new VirtualClockLoop();
  }
}
