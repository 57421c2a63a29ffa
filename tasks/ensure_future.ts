/**
 * `ensureFuture`: turns any awaitable into a library future.
 *
 * @module
 */
import { runningLoop } from "../internal/context.ts";
import { describe, isPromiseLike } from "../internal/validate.ts";
import { Future } from "./future.ts";
import type { Task, TaskOptions } from "./task.ts";

/** Anything the waiting APIs accept: a future, a promise, an async function. */
export type Awaitable<T> =
  | Future<T>
  | PromiseLike<T>
  | (() => T | PromiseLike<T>);

/** What `ensureFuture` needs of a loop: a way to create tasks. */
export interface TaskCreator {
  /** Creates a task running `fn`. */
  createTask<T>(fn: () => T | PromiseLike<T>, options?: TaskOptions): Task<T>;
}

/**
 * Returns `value` if it is a `Future`; wraps an async function or any
 * promise-like in a `Task` on `loop` (the running loop by default).
 *
 * @example Wrapping a promise
 * ```ts
 * import { ensureFuture, Future, run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const future = ensureFuture(Promise.resolve(42));
 *   assert.ok(future instanceof Future);
 *   assert.equal(await future, 42);
 * });
 * ```
 */
export function ensureFuture<T>(
  value: Awaitable<T>,
  loop?: TaskCreator,
): Future<T> {
  if (value instanceof Future) {
    if (loop !== undefined && value.getLoop() !== loop as unknown) {
      throw new RangeError("The future belongs to another event loop");
    }
    return value;
  }
  const creator = loop ?? (runningLoop() as unknown as TaskCreator);
  if (typeof value === "function") return creator.createTask(value);
  if (isPromiseLike(value)) return creator.createTask(() => value);
  throw new TypeError(
    `Expected a future, a promise or an async function, got ${describe(value)}`,
  );
}
