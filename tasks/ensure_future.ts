/**
 * `ensureFuture`: turns any awaitable into a library future.
 *
 * @module
 */
import { describe, isPromiseLike } from "../internal/validate.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import { Future } from "./future.ts";
import { PromiseFuture } from "./promise_future.ts";
import type { CoroutineFunction, Task, TaskOptions } from "./task.ts";
import { internals } from "./_internals.ts";
import { internals as loopInternals } from "../loop/_internals.ts";

/** Anything the waiting APIs accept: a future, a promise, an async function. */
export type Awaitable<T> =
  | Future<T>
  | PromiseLike<T>
  | CoroutineFunction<T>;

/** What `ensureFuture` needs of a loop: a way to create tasks. */
export interface TaskCreator {
  /** Creates a task running `fn`. */
  createTask<T>(fn: CoroutineFunction<T>, options?: TaskOptions): Task<T>;
}

/**
 * Returns `value` if it is a `Future`; wraps an async function in a `Task`
 * on `loop` (by default the running loop, else the one set with
 * `setEventLoop()`); anything else is a `TypeError`.
 *
 * A promise becomes a `Future` that settles with it (a thenable that is not
 * a native promise is subscribed to from the loop, where its `then()` may
 * use it). Unlike asyncio, which wraps any awaitable in a Task, the future
 * cannot cancel the promise. The promise's own library awaits belong to the
 * task whose code started it, and a cancel of that task reaches them; when
 * that cancel also reaches the future (the task awaits it, or a `gather` of
 * it), the future waits for the promise to end and settles as it did, as
 * asyncio's task ends once its cleanup has run (a `waitFor` deadline waits
 * only for the steps its cancel resumes). Any other cancel of the
 * future, or one that finds the task awaiting nothing else while the
 * promise runs on foreign work, stops the waiting at once (so
 * `waitFor(fetch(url), 1)` throws after one second) and the outcome is
 * dropped. Pass `task.signal` to APIs like `fetch` to stop them as well.
 * While the promise is pending it holds a virtual clock still.
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
  if (typeof value !== "function" && !isPromiseLike(value)) {
    throw new TypeError(
      `Expected a future, a promise or an async function, got ${
        describe(value)
      }`,
    );
  }
  const creator = loop ??
    (loopInternals.loopForNewFuture() as unknown as TaskCreator);
  if (typeof value === "function") return creator.createTask(value);
  const body = internals.coroutineBody<T>(value);
  if (body !== null) return creator.createTask(body);
  return new PromiseFuture(value, creator as unknown as AbstractEventLoop);
}

/**
 * The awaitables of `aws` that count apart, in order: a future or promise
 * given twice counts once, as asyncio counts one coroutine object once,
 * while a function counts each time, as each call starts a run of its own
 * (`gather(f, f)` is asyncio's `gather(f(), f())`).
 */
export function distinctAwaitables<A>(aws: Iterable<A>): A[] {
  const seen = new Set<A>();
  const distinct: A[] = [];
  for (const aw of aws) {
    if (typeof aw === "function") distinct.push(aw);
    else if (!seen.has(aw)) {
      seen.add(aw);
      distinct.push(aw);
    }
  }
  return distinct;
}
