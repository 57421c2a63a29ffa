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
export type { CoroutineFunction, NewTaskOptions, TaskOptions } from "./task.ts";
export { createTask } from "./create_task.ts";
export {
  createEagerTaskFactory,
  eagerTaskFactory,
} from "./eager_task_factory.ts";
export type {
  EagerTaskFactory,
  TaskConstructor,
} from "./eager_task_factory.ts";
export { ensureFuture } from "./ensure_future.ts";
export type { Awaitable, TaskCreator } from "./ensure_future.ts";
export { allTasks, currentTask } from "./current_task.ts";
export { formatCallGraph, printCallGraph } from "./call_graph.ts";
export { sleep } from "./sleep.ts";
export {
  CancelledError,
  InvalidStateError,
  TimeoutError,
} from "../internal/errors.ts";
export { gather } from "./gather.ts";
export type {
  GatherOptions,
  OutcomesOf,
  ResultOf,
  ResultsOf,
} from "./gather.ts";
export {
  ALL_COMPLETED,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  wait,
} from "./wait.ts";
export type { ReturnWhen, WaitOptions } from "./wait.ts";
export { waitFor } from "./wait_for.ts";
export { AsCompleted, asCompleted } from "./as_completed.ts";
export type {
  AsCompletedOptions,
  FinishedFutures,
  ForAwaitGuard,
} from "./as_completed.ts";
export { shield } from "./shield.ts";
export { Timeout, timeout, timeoutAt } from "./timeouts.ts";
export type { TimeoutBody } from "./timeouts.ts";
export { TaskGroup, taskGroup } from "./task_group.ts";
export type { TaskGroupBody } from "./task_group.ts";
export { ExceptionGroup } from "./exception_group.ts";
export { staggeredRace } from "./staggered_race.ts";
export type { RaceAttempt, StaggeredRaceResult } from "./staggered_race.ts";
