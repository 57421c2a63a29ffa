/**
 * `wait`: waits for a set of awaitables until a condition holds, and
 * reports which are done.
 *
 * @module
 */
import {
  checkDelay,
  checkOptions,
  describe,
  isPromiseLike,
} from "../internal/validate.ts";
import type { Handle } from "../loop/handle.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import {
  type Awaitable,
  distinctAwaitables,
  ensureFuture,
} from "./ensure_future.ts";
import { Future, park } from "./future.ts";
import type { ResultOf } from "./gather.ts";
import { internals as loopInternals } from "../loop/_internals.ts";
import { internals } from "./_internals.ts";

/** `wait` returns when any awaitable finishes or is cancelled. */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/**
 * `wait` returns when any awaitable fails with an error, or when all are
 * done. A cancellation is not an error here.
 */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/** `wait` returns when every awaitable is done (the default). */
export const ALL_COMPLETED = "ALL_COMPLETED";

/** When `wait` returns: one of the three constants. */
export type ReturnWhen =
  | typeof FIRST_COMPLETED
  | typeof FIRST_EXCEPTION
  | typeof ALL_COMPLETED;

/** Options of `wait`. */
export interface WaitOptions {
  /** Seconds to wait at most; `null` or omitted waits as long as needed. */
  timeout?: number | null;
  /** When to return; `ALL_COMPLETED` by default. */
  returnWhen?: ReturnWhen;
}

/** Throws a `TypeError` unless `value` is a collection, not one awaitable. */
export function checkCollection(value: unknown, api: string): void {
  if (value instanceof Future || isPromiseLike(value)) {
    throw new TypeError(
      `${api} takes a collection of awaitables, not a single one: ` +
        `wrap it in an array, ${api.replace("()", "")}([x])`,
    );
  }
  if (
    typeof value !== "object" || value === null ||
    typeof (value as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `${api} takes an iterable of awaitables, got ${describe(value)}`,
    );
  }
}

function checkReturnWhen(value: unknown): ReturnWhen {
  if (
    value !== FIRST_COMPLETED && value !== FIRST_EXCEPTION &&
    value !== ALL_COMPLETED
  ) {
    throw new RangeError(
      "wait()'s returnWhen must be FIRST_COMPLETED, FIRST_EXCEPTION or " +
        `ALL_COMPLETED, got ${describe(value)}`,
    );
  }
  return value;
}

/** Wraps each awaitable; on bad input cancels the tasks it started. */
function futuresOf<T>(aws: readonly Awaitable<T>[]): Set<Future<T>> {
  const loop = getRunningLoop();
  const futures = new Set<Future<T>>();
  try {
    for (const aw of aws) futures.add(ensureFuture(aw, loop));
  } catch (error) {
    for (const future of futures) {
      if (!aws.includes(future)) future.cancel();
    }
    throw error;
  }
  return futures;
}

/**
 * True if `future` failed; reading its error marks it retrieved, as
 * asyncio's `f.exception() is not None` does for `FIRST_EXCEPTION`.
 */
function retrievesFailure(future: Future<unknown>): boolean {
  if (future.cancelled()) return false;
  future.exception();
  return internals.hasFailed(future);
}

async function waitUntil<T>(
  futures: Set<Future<T>>,
  timeout: number | null,
  returnWhen: ReturnWhen,
): Promise<[done: Set<Future<T>>, pending: Set<Future<T>>]> {
  const loop = getRunningLoop();
  const waiter = loop.createFuture<void>();
  const release = () => {
    if (!waiter.done()) waiter.setResult();
  };
  let timer: Handle | null = null;
  if (timeout !== null) {
    timer = loopInternals.callAt(loop, loop.time() + timeout, release);
  }
  let left = futures.size;
  const onCompletion = (future: Future<T>) => {
    left--;
    if (
      left <= 0 || returnWhen === FIRST_COMPLETED ||
      (returnWhen === FIRST_EXCEPTION && retrievesFailure(future))
    ) {
      timer?.cancel();
      release();
    }
  };
  for (const future of futures) internals.onDone(future, onCompletion);
  try {
    await park(waiter);
  } finally {
    timer?.cancel();
    for (const future of futures) future.removeDoneCallback(onCompletion);
  }
  const done = new Set<Future<T>>();
  const pending = new Set<Future<T>>();
  for (const future of futures) (future.done() ? done : pending).add(future);
  return [done, pending];
}

/**
 * Waits for the awaitables in `aws` until `returnWhen` holds or `timeout`
 * seconds pass, and resolves to `[done, pending]`, two sets of futures:
 * asyncio's `wait`. Promises and async functions are wrapped in tasks
 * (`ensureFuture`), which are what the sets then hold: the same future or
 * promise twice counts once, a function given twice runs twice.
 *
 * Unlike `waitFor`, `wait` never cancels anything and never throws
 * `TimeoutError`: what is unfinished at the timeout is in `pending`.
 * Cancelling the waiting task leaves the awaitables running. A single
 * future instead of a collection is a `TypeError`, an empty collection or
 * an unknown `returnWhen` a `RangeError`, at the call.
 *
 * @example The first to finish
 * ```ts
 * import { FIRST_COMPLETED, run, sleep, wait } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const fast = sleep(0.01, "fast");
 *   const slow = sleep(10, "slow");
 *   const [done, pending] = await wait([fast, slow], {
 *     returnWhen: FIRST_COMPLETED,
 *   });
 *   assert.deepEqual([...done], [fast]);
 *   assert.deepEqual([...pending], [slow]);
 *   slow.cancel();
 * });
 * ```
 *
 * @example A timeout leaves the rest pending
 * ```ts
 * import { run, sleep, wait } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const slow = sleep(10);
 *   const [done, pending] = await wait([slow], { timeout: 0.01 });
 *   assert.equal(done.size, 0);
 *   assert.ok(pending.has(slow) && !slow.cancelled());
 *   slow.cancel();
 * });
 * ```
 */
export function wait<A extends Awaitable<unknown>>(
  aws: Iterable<A>,
  options?: WaitOptions | null,
): Promise<
  [done: Set<Future<ResultOf<A>>>, pending: Set<Future<ResultOf<A>>>]
> {
  checkCollection(aws, "wait()");
  const checked = checkOptions<WaitOptions>(options, "wait()", [
    "timeout",
    "returnWhen",
  ]);
  const timeout = checked.timeout ?? null;
  if (timeout !== null) checkDelay(timeout, "wait()'s timeout");
  const returnWhen = checkReturnWhen(checked.returnWhen ?? ALL_COMPLETED);
  const unique = distinctAwaitables(aws);
  if (unique.length === 0) {
    throw new RangeError(
      "wait() needs at least one awaitable: the collection is empty",
    );
  }
  return waitUntil(
    futuresOf(unique as Awaitable<ResultOf<A>>[]),
    timeout,
    returnWhen,
  );
}
