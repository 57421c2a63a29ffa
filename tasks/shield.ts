/**
 * `shield`: waits for an awaitable without letting a cancellation reach it.
 *
 * @module
 */
import { type Awaitable, ensureFuture } from "./ensure_future.ts";
import { Future } from "./future.ts";
import { internals } from "./_internals.ts";

/**
 * Returns a `Future` that follows `aw` (a `Future`/`Task`, a promise, or
 * an async function, which becomes a task) but protects it from
 * cancellation: asyncio's `shield`. Cancelling the returned future, or
 * the task awaiting it, cancels only the outer future; the work goes on.
 * Give the work as a function or a task: a promise is work that already
 * runs in the calling task, and cancelling that task reaches its awaits.
 * If the work itself is cancelled, the outer future is cancelled too. If
 * `aw` is already done, it is returned as is.
 *
 * @example The work survives its caller's cancellation
 * ```ts
 * import {
 *   CancelledError,
 *   createTask,
 *   ensureFuture,
 *   run,
 *   shield,
 *   sleep,
 * } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const work = ensureFuture(sleep(0.02, "saved"));
 *   const caller = createTask(() => shield(work));
 *   await sleep(0.01);
 *   caller.cancel();
 *   await assert.rejects(async () => await caller, CancelledError);
 *   assert.equal(await work, "saved");
 * });
 * ```
 */
export function shield<T>(aw: Awaitable<T>): Future<T> {
  const inner = ensureFuture(aw);
  if (inner.done()) return inner;
  const outer = new Future<T>(inner.getLoop());
  const onInnerDone = () => {
    if (outer.cancelled()) {
      // Nobody awaits the inner future now: mark its error as retrieved.
      if (!inner.cancelled()) inner.exception();
      return;
    }
    if (inner.cancelled()) {
      outer.cancel();
      return;
    }
    let value: T;
    try {
      value = inner.result();
    } catch (error) {
      outer.setException(error);
      return;
    }
    outer.setResult(value);
  };
  const onOuterDone = () => {
    if (!inner.done()) inner.removeDoneCallback(onInnerDone);
  };
  internals.onDone(inner, onInnerDone);
  internals.onDone(outer, onOuterDone);
  return outer;
}
