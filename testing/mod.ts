/**
 * Testing with a virtual clock: an event loop whose time jumps to the next
 * timer whenever nothing else can happen, so code that sleeps for hours is
 * tested in milliseconds, always on the same schedule. Work that waits on
 * the real world (a worker, a socket, a foreign promise) holds the clock
 * until it settles. Nothing global is patched.
 *
 * ```ts
 * import {
 *   runVirtual,
 *   type RunVirtualOptions,
 *   VirtualClockLoop,
 *   VirtualClockPolicy,
 * } from "@aio/asyncio/testing";
 * import { getRunningLoop, run, setEventLoopPolicy, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * // The code under test sleeps for ten hours.
 * async function tenHours(): Promise<number> {
 *   const loop = getRunningLoop();
 *   const start = loop.time();
 *   await sleep(10 * 3600);
 *   return loop.time() - start;
 * }
 *
 * // Run it on a virtual clock...
 * const options: RunVirtualOptions = { debug: true };
 * assert.equal(await runVirtual(tenHours, options), 36000);
 *
 * // ...or on a loop of one's own...
 * const loop = new VirtualClockLoop();
 * assert.equal(await loop.runUntilComplete(tenHours), 36000);
 * loop.close();
 *
 * // ...or make every run() virtual, for code that makes its own loops.
 * setEventLoopPolicy(new VirtualClockPolicy());
 * try {
 *   assert.equal(await run(tenHours), 36000);
 * } finally {
 *   setEventLoopPolicy(null);
 * }
 * ```
 *
 * @module
 */
export { VirtualClockLoop } from "./virtual_clock_loop.ts";
export { VirtualClockPolicy } from "./virtual_clock_policy.ts";
export { runVirtual } from "./run_virtual.ts";
export type { RunVirtualOptions } from "./run_virtual.ts";
export { waitAllTasksBlocked } from "./wait_all_tasks_blocked.ts";
