/**
 * Eager tasks (Python 3.12): `eagerTaskFactory` and `createEagerTaskFactory`.
 *
 * @module
 */
import { checkFunction } from "../internal/validate.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import {
  type CoroutineFunction,
  type NewTaskOptions,
  Task,
  type TaskOptions,
} from "./task.ts";

/** A task factory as `loop.setTaskFactory` takes it. */
export type EagerTaskFactory = <T>(
  loop: AbstractEventLoop,
  fn: CoroutineFunction<T>,
  options: TaskOptions,
) => Task<T>;

/** A constructor of `Task` or of a subclass of it. */
export type TaskConstructor = new <T>(
  fn: CoroutineFunction<T>,
  options?: NewTaskOptions,
) => Task<T>;

/**
 * A task factory whose tasks start eagerly, built on `taskConstructor`:
 * asyncio's `create_eager_task_factory`. `options.eagerStart: false` still
 * schedules a task as usual.
 *
 * @example An eager subclass
 * ```ts
 * import { createEagerTaskFactory, getRunningLoop, run, Task } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * class NamedTask<T> extends Task<T> {}
 * await run(() => {
 *   const loop = getRunningLoop();
 *   loop.setTaskFactory(createEagerTaskFactory(NamedTask));
 *   const task = loop.createTask(() => 42);
 *   assert.ok(task instanceof NamedTask);
 *   assert.equal(task.result(), 42); // ran inside createTask
 * });
 * ```
 */
export function createEagerTaskFactory(
  taskConstructor: TaskConstructor,
): EagerTaskFactory {
  checkFunction(taskConstructor, "The task constructor");
  return (loop, fn, options) =>
    new taskConstructor(fn, {
      ...options,
      loop,
      eagerStart: options.eagerStart ?? true,
    });
}

/**
 * The task factory that starts every task eagerly: asyncio's
 * `eager_task_factory`. After `loop.setTaskFactory(eagerTaskFactory)`, a
 * task's body runs inside `createTask` up to its first `await`, and a
 * body that returns without awaiting leaves the task done at once, never
 * scheduled. The rest of an async body's first step runs before the
 * loop's next callback: JavaScript cannot read a promise's outcome
 * synchronously, so such a task is done only after the creator's next
 * await.
 *
 * @example A cache hit that never waits for the loop
 * ```ts
 * import { createTask, eagerTaskFactory, getRunningLoop, run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   getRunningLoop().setTaskFactory(eagerTaskFactory);
 *   const cache = new Map([["a", 1]]);
 *   const lookup = (key: string) => () => cache.get(key);
 *   const hit = createTask(lookup("a"));
 *   assert.equal(hit.done(), true);
 *   assert.equal(hit.result(), 1);
 *   const order: string[] = [];
 *   const task = createTask(async () => {
 *     order.push("body starts");
 *     await null;
 *     order.push("body ends");
 *   });
 *   order.push("created");
 *   await task;
 *   assert.deepEqual(order, ["body starts", "created", "body ends"]);
 * });
 * ```
 */
export const eagerTaskFactory: EagerTaskFactory = createEagerTaskFactory(Task);
