/**
 * `waitFor`: waits for one awaitable with a timeout, cancelling it when
 * the time is up.
 *
 * @module
 */
import { CancelledError, TimeoutError } from "../internal/errors.ts";
import { runningLoop } from "../internal/context.ts";
import { checkDelay } from "../internal/validate.ts";
import { declaresParameter } from "../internal/parameters.ts";
import {
  type Awaitable,
  ensureFuture,
  type TaskCreator,
} from "./ensure_future.ts";
import { Future, park } from "./future.ts";
import type { CoroutineFunction } from "./task.ts";
import { timeout } from "./timeouts.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import { internals } from "./_internals.ts";

/**
 * Cancels `future` and waits until it is really done, without awaiting it
 * directly, so that this wait stays cancellable on its own.
 */
async function cancelAndWait(future: Future<unknown>): Promise<void> {
  const waiter = new Future<void>(future.getLoop());
  const release = () => {
    if (!waiter.done()) waiter.setResult();
  };
  internals.onDone(future, release);
  try {
    future.cancel();
    await park(waiter);
  } finally {
    future.removeDoneCallback(release);
  }
}

/** `waitFor` with a timeout already over: cancel, wait, then report. */
async function expireNow<T>(future: Future<T>): Promise<T> {
  if (future.done()) return future.result();
  await cancelAndWait(future);
  try {
    return future.result();
  } catch (error) {
    if (error instanceof CancelledError) {
      throw new TimeoutError("The timeout expired before the work finished", {
        cause: error,
      });
    }
    throw error;
  }
}

/** A task of `fn` whose first step runs now, inside the caller's step. */
function startNow<T>(fn: CoroutineFunction<T>): Future<T> {
  const loop = runningLoop() as unknown as TaskCreator;
  return loop.createTask(fn, { eagerStart: true });
}

/**
 * Runs `fn` under the timeout: in the caller's task, as asyncio awaits a
 * coroutine in place (so its result cannot be lost to a cancel that comes
 * after it finished), unless it declares a parameter for an `AbortSignal`
 * of its own, which a task of its own gives it.
 */
function runUnder<T>(
  seconds: number | null,
  fn: CoroutineFunction<T>,
): Promise<T> {
  if (declaresParameter(fn)) return timeout(seconds, () => startNow(fn));
  return timeout(seconds, () => (fn as () => T | PromiseLike<T>)());
}

/**
 * Waits for `aw` (a `Future`/`Task`, a promise, or an async function) at
 * most `timeoutSeconds` seconds and resolves to its result: asyncio's
 * `wait_for`. `null` or omitted waits as long as it takes; zero or less
 * gives the work no time. An async function runs in the caller's task, as
 * asyncio 3.12+ runs a coroutine given to `wait_for` in place: its result
 * reaches the caller in the same step, so a cancel that comes after it
 * finished cannot lose it (a lock it acquired, a queue item it took). One
 * that declares a parameter runs as a task of its own, started at once,
 * and is given that task's `AbortSignal`, which the timeout aborts; zero
 * or less also runs the function as a task, as asyncio does.
 *
 * When the time is up the work is cancelled, and `waitFor` waits until it
 * has really finished (its `finally` blocks have run) before throwing
 * `TimeoutError`, whose `cause` is the `CancelledError` it replaced. If
 * the work catches that cancellation and returns a value anyway, that
 * value is returned (CPython 3.12+). Cancelling the task that awaits
 * `waitFor` cancels the work too; to keep it alive, give `waitFor` a task
 * wrapped in `shield()` (`waitFor(shield(task), t)`): a function runs in
 * the caller's task and is cancelled with it.
 * Like CPython 3.12+, it is built on `timeout()`, so it must be awaited
 * in a task. The timeout of a function cancels only that function's work,
 * not other work the task runs beside it
 * (`gather(waitFor(() => f(), 1), waitFor(() => g(), 5))`); a promise or a
 * future was started outside, and only a cancel of the whole task reaches
 * the promise's awaits, so its timeout cancels the task's work, and waits
 * only for what the promise does at once (a cleanup of a promise that
 * awaits ends after the `TimeoutError`). Pass the
 * `AbortSignal` a function receives to foreign APIs to stop them too.
 *
 * @example Cleanup runs before the TimeoutError arrives
 * ```ts
 * import { run, sleep, TimeoutError, waitFor } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const log = await run(async () => {
 *   const log: string[] = [];
 *   const work = async () => {
 *     try {
 *       await sleep(10);
 *     } finally {
 *       log.push("work cleaned up");
 *     }
 *   };
 *   await assert.rejects(waitFor(work, 0.01), TimeoutError);
 *   log.push("caller saw the timeout");
 *   return log;
 * });
 * assert.deepEqual(log, ["work cleaned up", "caller saw the timeout"]);
 * ```
 */
export function waitFor<T>(
  aw: Awaitable<T>,
  timeoutSeconds?: number | null,
): Promise<T> {
  const seconds = timeoutSeconds ?? null;
  if (seconds !== null) checkDelay(seconds, "waitFor()'s timeout");
  if (seconds !== null && seconds <= 0) return expireNow(ensureFuture(aw));
  if (typeof aw === "function") return runUnder(seconds, aw);
  const future = ensureFuture(aw);
  try {
    // Work started before the call awaits outside the block: only a cancel
    // of the task reaches it, as asyncio's reaches the coroutine awaited.
    const when = seconds === null ? null : getRunningLoop().time() + seconds;
    return internals.runTimeout(when, () => future, true);
  } catch (error) {
    // No task to run in: do not leave the task made for `aw` behind.
    if (future !== aw) future.cancel();
    throw error;
  }
}
