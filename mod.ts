/**
 * Python's asyncio for TypeScript: an event loop, futures and tasks that
 * can really be cancelled, combinators, synchronisation primitives and
 * queues, and executors on Web Workers. Streams, subprocesses and the
 * virtual-clock test loop live at `./streams`, `./subprocess` and
 * `./testing`.
 *
 * ```ts
 * import { createTask, run, sleep } from "@aio/asyncio";
 *
 * await run(async () => {
 *   const task = createTask(() => sleep(0.01, "hello"));
 *   console.log(await task);
 * });
 * ```
 *
 * @module
 */
export * from "./loop/mod.ts";
export * from "./tasks/mod.ts";
export * from "./sync/mod.ts";
export * from "./executor/mod.ts";
