/**
 * `taskGroup`: structured concurrency. Tasks started in a group never
 * outlive it, and their failures are never lost.
 *
 * @module
 */
import {
  CancelledError,
  KeyboardInterrupt,
  RuntimeError,
} from "../internal/errors.ts";
import { runInCancelScope } from "../internal/context.ts";
import { checkFunction } from "../internal/validate.ts";
import type { EventLoop } from "../loop/event_loop.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import { CancelScope } from "./cancel_scope.ts";
import { currentTask } from "./current_task.ts";
import { ExceptionGroup } from "./exception_group.ts";
import { type Future, park } from "./future.ts";
import type { CoroutineFunction, Task, TaskOptions } from "./task.ts";
import { internals } from "./_internals.ts";

/** What `taskGroup` runs: the body, given its `TaskGroup`. */
export type TaskGroupBody<T> = (group: TaskGroup) => T | PromiseLike<T>;

/**
 * The group a `taskGroup()` body receives, as asyncio's `TaskGroup`: it
 * starts tasks that the group waits for before `taskGroup()` settles. The
 * first task to fail cancels the others and the body; every failure,
 * including errors that tasks raise while being cancelled, is thrown
 * together as an `ExceptionGroup`. Made only by `taskGroup()`.
 *
 * @example Starting tasks in a group
 * ```ts
 * import { run, sleep, taskGroup } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const results = await run(async () => {
 *   const tasks = await taskGroup((group) => [
 *     group.createTask(() => sleep(0.02, "b")),
 *     group.createTask(() => sleep(0.01, "a"), { name: "first" }),
 *   ]);
 *   return tasks.map((task) => task.result());
 * });
 * assert.deepEqual(results, ["b", "a"]);
 * ```
 */
export class TaskGroup {
  readonly #loop: EventLoop;
  readonly #parent: Task<unknown>;
  /** The body and the wait at exit: what a failing task cancels. */
  readonly #scope: CancelScope;
  readonly #tasks = new Set<Future<unknown>>();
  readonly #errors: unknown[] = [];
  #exiting = false;
  #aborting = false;
  #parentCancelRequested = false;
  /**
   * True when that request went to the whole parent task, as the body
   * awaited nothing its scope could cancel (`CancelScope.cancel()`).
   */
  #cancelledParent = false;
  #onCompleted: Future<boolean> | null = null;
  /** The first `KeyboardInterrupt` of a task or the body: thrown as is. */
  #baseError: KeyboardInterrupt | null = null;

  private constructor() {
    this.#loop = getRunningLoop();
    const parent = currentTask();
    if (parent === null) {
      throw new RuntimeError(
        "taskGroup() must be used inside a task: call it from code started " +
          "by run() or createTask(), not from a plain loop callback",
      );
    }
    this.#parent = parent;
    this.#scope = CancelScope.enter(parent);
  }

  /**
   * Starts `fn` as a task of the group (as `createTask` does). A
   * `RuntimeError` once the group is shutting down after a failure, or has
   * finished.
   */
  createTask<T>(fn: CoroutineFunction<T>, options?: TaskOptions): Task<T> {
    if (this.#exiting && this.#tasks.size === 0) {
      throw new RuntimeError(
        "The task group has finished: start tasks inside its body",
      );
    }
    if (this.#aborting) {
      throw new RuntimeError(
        "The task group is shutting down after a failure or cancellation",
      );
    }
    const task = this.#loop.createTask(fn, options);
    // An eager task may be done already: it counts at once, as in CPython.
    if (task.done()) {
      this.#onTaskDone(task);
    } else {
      this.#tasks.add(task);
      internals.onDone(task, this.#onTaskDone);
    }
    return task;
  }

  /** A short description, as asyncio's `repr`. */
  toString(): string {
    const info = [];
    if (this.#tasks.size > 0) info.push(`tasks=${this.#tasks.size}`);
    if (this.#errors.length > 0) info.push(`errors=${this.#errors.length}`);
    info.push(this.#aborting ? "cancelling" : "entered");
    return `<TaskGroup ${info.join(" ")}>`;
  }

  #abort(): void {
    this.#aborting = true;
    for (const task of this.#tasks) if (!task.done()) task.cancel();
  }

  readonly #onTaskDone = (task: Future<unknown>): void => {
    this.#tasks.delete(task);
    if (this.#tasks.size === 0 && this.#onCompleted?.done() === false) {
      this.#onCompleted.setResult(true);
    }
    if (!internals.hasFailed(task)) return;
    const error = task.exception();
    this.#errors.push(error);
    if (error instanceof KeyboardInterrupt) this.#baseError ??= error;
    if (this.#parent.done()) {
      this.#loop.callExceptionHandler({
        message: `${task} failed but its task group's parent task ` +
          `${this.#parent} has already finished`,
        exception: error,
        task,
      });
      return;
    }
    if (!this.#aborting && !this.#parentCancelRequested) {
      // Stops the body where it waits; uncancelled again at exit.
      this.#abort();
      this.#parentCancelRequested = true;
      this.#cancelledParent = this.#scope.cancel();
    }
  };

  async #run<T>(fn: TaskGroupBody<T>): Promise<T> {
    let result: T | undefined;
    let bodyError: unknown = undefined;
    let failed = false;
    try {
      try {
        result = await fn(this);
      } catch (error) {
        failed = true;
        bodyError = error;
      }
      await this.#exit(failed, bodyError);
    } finally {
      this.#scope.close();
    }
    return result as T;
  }

  /** Waits for every task, then throws what asyncio's `__aexit__` would. */
  async #exit(failed: boolean, bodyError: unknown): Promise<void> {
    this.#exiting = true;
    if (failed && bodyError instanceof KeyboardInterrupt) {
      this.#baseError ??= bodyError;
    }
    let cancelToPropagate = failed && bodyError instanceof CancelledError
      ? bodyError
      : null;
    if (failed && !this.#aborting) this.#abort();
    while (this.#tasks.size > 0) {
      this.#onCompleted ??= this.#loop.createFuture<boolean>();
      try {
        await park(this.#onCompleted);
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        if (!this.#aborting) {
          // The parent is cancelled from outside while the tasks run.
          cancelToPropagate = error;
          this.#abort();
        }
      }
      this.#onCompleted = null;
    }
    // Ctrl-C ends the program: it is not gathered with the other errors.
    if (this.#baseError !== null) throw this.#baseError;
    // Closed first: the requests counted now are those around the group.
    this.#scope.close();
    if (this.#parentCancelRequested) {
      const left = this.#cancelledParent
        ? this.#parent.uncancel()
        : this.#parent.cancelling();
      // The only cancel request was the group's own: it is spent.
      if (left === 0) cancelToPropagate = null;
    }
    const errors = this.#errors;
    if (cancelToPropagate !== null && errors.length === 0) {
      throw cancelToPropagate;
    }
    if (failed && !(bodyError instanceof CancelledError)) {
      errors.push(bodyError);
    }
    if (errors.length === 0) return;
    if (internals.cancelRequests(this.#parent) > 0) {
      // The group error replaces a CancelledError from outside: re-arm
      // it, so the parent is still cancelled at its next await (a timeout
      // around the group ends with the error, so its own needs none).
      this.#parent.uncancel();
      this.#parent.cancel();
    }
    throw new ExceptionGroup("unhandled errors in a TaskGroup", errors);
  }

  static #runIn<T>(group: TaskGroup, fn: TaskGroupBody<T>): Promise<T> {
    return group.#run(fn);
  }

  static {
    internals.runTaskGroup = (fn) => {
      const group = new TaskGroup();
      return runInCancelScope(group.#scope, TaskGroup.#runIn, group, fn);
    };
  }
}

/**
 * Runs `fn` with a new `TaskGroup` in the current task and resolves to
 * `fn`'s result once every task of the group has finished: asyncio's
 * `async with TaskGroup() as group`.
 *
 * - The first task to fail cancels the other tasks and the body; the
 *   group then waits for all of them and throws an `ExceptionGroup` (an
 *   `AggregateError`) whose `errors` hold every failure: each task's
 *   error, also one raised while being cancelled, then the body's own.
 * - An error thrown by the body cancels the tasks and is reported in the
 *   `ExceptionGroup` too.
 * - Cancelling the task that runs `taskGroup` cancels every task of the
 *   group and, once they have finished, propagates `CancelledError`.
 * - Cancelled tasks are not failures; `createTask` on a finished group is
 *   a `RuntimeError`.
 * - A `KeyboardInterrupt` (Ctrl-C), from a task or the body, is thrown as
 *   it is once every task has finished, without the other errors.
 *
 * @example A failure cancels the siblings
 * ```ts
 * import { ExceptionGroup, run, sleep, taskGroup } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const log = await run(async () => {
 *   const log: string[] = [];
 *   try {
 *     await taskGroup((group) => {
 *       group.createTask(async () => {
 *         try {
 *           await sleep(10);
 *         } finally {
 *           log.push("sibling cancelled");
 *         }
 *       });
 *       group.createTask(async () => {
 *         await sleep(0.01);
 *         throw new RangeError("boom");
 *       });
 *     });
 *   } catch (error) {
 *     assert.ok(error instanceof ExceptionGroup);
 *     log.push(...error.errors.map((e) => e.message));
 *   }
 *   return log;
 * });
 * assert.deepEqual(log, ["sibling cancelled", "boom"]);
 * ```
 */
export function taskGroup<T>(fn: TaskGroupBody<T>): Promise<T> {
  checkFunction(fn, "The body of taskGroup()");
  return internals.runTaskGroup(fn);
}
