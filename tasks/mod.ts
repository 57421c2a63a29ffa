/**
 * Futures, tasks with real cancellation, and the ways to wait on them.
 *
 * ```ts
 * import { createTask, sleep } from "@aio/asyncio/tasks";
 * import { run } from "@aio/asyncio/loop";
 *
 * await run(async () => {
 *   const task = createTask(() => sleep(0.01, "done"));
 *   console.log(await task);
 * });
 * ```
 *
 * @module
 */
export { Future } from "./future.ts";
export { Task } from "./task.ts";
export type { NewTaskOptions, TaskOptions } from "./task.ts";
export { createTask } from "./create_task.ts";
export { ensureFuture } from "./ensure_future.ts";
export type { Awaitable, TaskCreator } from "./ensure_future.ts";
export { allTasks, currentTask } from "./current_task.ts";
export { sleep } from "./sleep.ts";
export {
  CancelledError,
  InvalidStateError,
  TimeoutError,
} from "../internal/errors.ts";
