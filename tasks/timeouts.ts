/**
 * `timeout` and `timeoutAt`: a deadline for a block of work in the current
 * task, turning the deadline's own cancellation into `TimeoutError`.
 *
 * @module
 */
import {
  CancelledError,
  RuntimeError,
  TimeoutError,
} from "../internal/errors.ts";
import { checkDelay, checkFunction } from "../internal/validate.ts";
import { pyRepr } from "../internal/py_repr.ts";
import type { Handle } from "../loop/handle.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import { runInCancelScope } from "../internal/context.ts";
import { currentTask } from "./current_task.ts";
import { CancelScope } from "./cancel_scope.ts";
import { cancelWholeTaskFor } from "./promise_future.ts";
import type { Task } from "./task.ts";
import { internals } from "./_internals.ts";
import { internals as loopInternals } from "../loop/_internals.ts";

const ENTERED = "active";
const EXPIRING = "expiring";
const EXPIRED = "expired";
const EXITED = "finished";
type State = typeof ENTERED | typeof EXPIRING | typeof EXPIRED | typeof EXITED;

/** What `timeout` and `timeoutAt` run: the block, given its `Timeout`. */
export type TimeoutBody<T> = (timeout: Timeout) => T | PromiseLike<T>;

function checkWhen(when: unknown, what: string): number | null {
  return when === null || when === undefined ? null : checkDelay(when, what);
}

/**
 * The deadline of one `timeout()` or `timeoutAt()` block, as asyncio's
 * `Timeout`: the block receives it and may read, move or drop the
 * deadline. When the deadline passes, the block's work is cancelled where
 * it waits (only the block's: other work its task runs beside it, as
 * `gather(f(), g())` runs both in one task, goes on); the block's
 * `CancelledError` becomes a `TimeoutError` (with
 * the `CancelledError` as its `cause`) if, and only if, no other cancel
 * request is pending: an outer timeout, or a `task.cancel()` from
 * elsewhere, still arrives as `CancelledError`. Made only by `timeout()`
 * and `timeoutAt()`.
 *
 * @example Moving the deadline
 * ```ts
 * import { getRunningLoop, run, sleep, timeout } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const expired = await run(() =>
 *   timeout(0.01, async (t) => {
 *     t.reschedule(getRunningLoop().time() + 10);
 *     await sleep(0.05);
 *     t.reschedule(null);
 *     assert.equal(t.when(), null);
 *     return t.expired();
 *   })
 * );
 * assert.equal(expired, false);
 * ```
 */
export class Timeout {
  #state: State = ENTERED;
  #when: number | null;
  readonly #task: Task<unknown>;
  /**
   * The block's work: what the deadline cancels, and nothing else; null
   * when the block awaits work started outside it (`waitFor` of a promise
   * or a future), which only a cancel of the task reaches.
   */
  readonly #scope: CancelScope | null;
  /**
   * True once the deadline cancelled the whole task (no scope, or nothing
   * the scope awaits could be cancelled): the request is withdrawn at exit,
   * as asyncio's.
   */
  #cancelsTask = false;
  #handle: Handle | null = null;
  /** The cancel requests the block saw at entry: more at exit are not ours. */
  readonly #cancelling: number;

  private constructor(when: number | null, outsideWork: boolean) {
    const task = currentTask();
    if (task === null) {
      throw new RuntimeError(
        "timeout() must be used inside a task: call it from code started " +
          "by run() or createTask(), not from a plain loop callback",
      );
    }
    this.#task = task;
    this.#when = when;
    this.#scope = outsideWork ? null : CancelScope.enter(task);
    this.#cancelling = task.cancelling();
    this.reschedule(when);
  }

  /** The deadline in loop time (seconds), or `null` when there is none. */
  when(): number | null {
    return this.#when;
  }

  /**
   * Moves the deadline to loop time `when` (seconds; in the past expires
   * at once), or drops it with `null`. A `RuntimeError` once the timeout
   * has expired or its block has finished.
   */
  reschedule(when: number | null): void {
    const deadline = checkWhen(when, "The deadline");
    if (this.#state !== ENTERED) {
      const what = this.#state === EXITED
        ? "has finished"
        : this.#state === EXPIRING
        ? "is expiring"
        : "has expired";
      throw new RuntimeError(`Cannot reschedule a timeout that ${what}`);
    }
    this.#when = deadline;
    this.#handle?.cancel();
    this.#handle = null;
    if (deadline === null) return;
    const loop = this.#task.getLoop();
    const at = deadline <= loop.time() ? null : deadline;
    this.#handle = loopInternals.callAt(loop, at, Timeout.#expire, this);
  }

  /** True once the deadline has passed and the block was cancelled. */
  expired(): boolean {
    return this.#state === EXPIRING || this.#state === EXPIRED;
  }

  /**
   * A short description, as asyncio's `repr`: `<Timeout [active]
   * when=12.346>`, `when=None` or `when=inf`.
   */
  toString(): string {
    const deadline = this.#when;
    // Rounded to the millisecond, as asyncio rounds it; None and inf as is.
    const shown = Number.isFinite(deadline)
      ? Math.round(deadline! * 1000) / 1000
      : deadline;
    const when = this.#state === ENTERED ? ` when=${pyRepr(shown)}` : "";
    return `<Timeout [${this.#state}]${when}>`;
  }

  static #expire(timeout: Timeout): void {
    timeout.#handle = null;
    timeout.#state = EXPIRING;
    const scope = timeout.#scope;
    if (scope !== null) timeout.#cancelsTask = scope.cancel();
    else {
      timeout.#cancelsTask = true;
      cancelWholeTaskFor(timeout.#task);
    }
  }

  /** Leaves the block; true if the cancellation that ended it was ours. */
  #exit(): boolean {
    this.#handle?.cancel();
    this.#handle = null;
    // Closed first: the requests counted now are those around the block.
    this.#scope?.close();
    if (this.#state === EXPIRING) {
      this.#state = EXPIRED;
      const left = this.#cancelsTask
        ? this.#task.uncancel()
        : this.#task.cancelling();
      return left <= this.#cancelling;
    }
    if (this.#state === ENTERED) this.#state = EXITED;
    return false;
  }

  async #run<T>(fn: TimeoutBody<T>): Promise<T> {
    let result: T;
    try {
      result = await fn(this);
    } catch (error) {
      if (this.#exit() && error instanceof CancelledError) {
        throw new TimeoutError("The timeout expired before the work finished", {
          cause: error,
        });
      }
      throw error;
    }
    this.#exit();
    return result;
  }

  static #runIn<T>(timeout: Timeout, fn: TimeoutBody<T>): Promise<T> {
    return timeout.#run(fn);
  }

  static {
    internals.runTimeout = (when, fn, outsideWork = false) => {
      const timeout = new Timeout(when, outsideWork);
      const scope = timeout.#scope;
      return scope === null
        ? timeout.#run(fn)
        : runInCancelScope(scope, Timeout.#runIn, timeout, fn);
    };
  }
}

/**
 * Runs `fn` in the current task with a deadline `delay` seconds from now
 * (`null`: none; negative: already passed) and resolves to its result:
 * asyncio's `async with timeout(delay)`. `fn` receives the `Timeout`, to
 * read or move the deadline. When the deadline passes, `fn`'s work is
 * cancelled at the `await` it is blocked on; once `fn` has finished
 * (its `finally` blocks have run), `timeout` throws `TimeoutError`. If
 * `fn` catches the cancellation and returns, its value is returned.
 * Nested timeouts each convert only their own cancellation.
 *
 * @example A slow call times out
 * ```ts
 * import { run, sleep, timeout, TimeoutError } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const log = await run(async () => {
 *   const log: string[] = [];
 *   try {
 *     await timeout(0.01, async () => {
 *       try {
 *         await sleep(10);
 *       } finally {
 *         log.push("cleaned up");
 *       }
 *     });
 *   } catch (error) {
 *     if (error instanceof TimeoutError) log.push("timed out");
 *   }
 *   return log;
 * });
 * assert.deepEqual(log, ["cleaned up", "timed out"]);
 * ```
 */
export function timeout<T>(
  delay: number | null,
  fn: TimeoutBody<T>,
): Promise<T> {
  const seconds = checkWhen(delay, "The delay");
  checkFunction(fn, "The body of timeout()");
  const when = seconds === null ? null : getRunningLoop().time() + seconds;
  return internals.runTimeout(when, fn);
}

/**
 * Like `timeout`, with the deadline as loop time `when` (seconds on the
 * `loop.time()` clock), or `null` for none: asyncio's `timeout_at`.
 *
 * @example A deadline in loop time
 * ```ts
 * import { getRunningLoop, run, sleep, timeoutAt } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const value = await run(() => {
 *   const deadline = getRunningLoop().time() + 5;
 *   return timeoutAt(deadline, async (t) => {
 *     assert.equal(t.when(), deadline);
 *     return await sleep(0.01, "in time");
 *   });
 * });
 * assert.equal(value, "in time");
 * ```
 */
export function timeoutAt<T>(
  when: number | null,
  fn: TimeoutBody<T>,
): Promise<T> {
  const deadline = checkWhen(when, "The deadline");
  checkFunction(fn, "The body of timeoutAt()");
  return internals.runTimeout(deadline, fn);
}
