/**
 * Worker threads as Python's thread and process pools: run CPU-bound work
 * in parallel with the event loop and await it as a `Future`.
 * `WorkerPoolExecutor` (also exported as `ThreadPoolExecutor` and
 * `ProcessPoolExecutor`), `toThread()`, `jobSignal()` for cancellation
 * inside a job, `move()` to send a buffer without copying it, and
 * `BrokenExecutorError`. Arguments and results are copied, as Python
 * pickles them. Importing this module also makes
 * `loop.runInExecutor(null, fn, ...args)` work.
 *
 * ```ts
 * import { WorkerPoolExecutor } from "@aio/asyncio/executor";
 * import { getRunningLoop, run } from "@aio/asyncio";
 *
 * await run(async () => {
 *   const loop = getRunningLoop();
 *   const func = (a: string, b: string) => a + b;
 *   console.log(await loop.runInExecutor(null, func, "Hello", " world!"));
 *
 *   await using pool = new WorkerPoolExecutor({ maxWorkers: 2 });
 *   console.log(await pool.submit((n: number) => n * 2, 21));
 * });
 * ```
 *
 * @module
 */
export {
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  WorkerPoolExecutor,
} from "./worker_pool_executor.ts";
export type {
  MapArguments,
  WorkerPoolOptions,
} from "./worker_pool_executor.ts";
export { moduleFunctions } from "./callable.ts";
export type {
  AnyFunction,
  ModuleFunction,
  ModuleFunctions,
} from "./callable.ts";
export type { Percentiles, PoolStats } from "./pool_stats.ts";
export type { ResourceLimits } from "./pool_options.ts";
export type { MapOptions } from "./map.ts";
export { toThread } from "./to_thread.ts";
export { move } from "./transfer.ts";
export { jobSignal } from "./job_signal.ts";
export type { JobContext } from "./job_signal.ts";
export { BrokenExecutorError } from "./broken_executor_error.ts";
