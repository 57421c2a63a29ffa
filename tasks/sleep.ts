/**
 * `sleep`: the simplest library await.
 *
 * @module
 */
import { checkDelay } from "../internal/validate.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import type { Handle } from "../loop/handle.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import { Future } from "./future.ts";
import { internals as loopInternals } from "../loop/_internals.ts";
import { internals } from "./_internals.ts";

/** A future resolved by a timer; cancelling it clears the timer. */
class SleepFuture<T> extends Future<T> {
  readonly #value: T;
  readonly #timer: Handle | null;

  constructor(loop: AbstractEventLoop, seconds: number, value: T) {
    super(loop);
    this.#value = value;
    if (seconds > 0) {
      const when = loop.time() + seconds;
      this.#timer = loopInternals.callAt(loop, when, SleepFuture.#expire, this);
    } else {
      // Nothing to clear on cancel: resolveNow ignores a done future.
      this.#timer = null;
      loopInternals.callSoon(loop, SleepFuture.#yield, this);
    }
  }

  static {
    internals.isBareYield = (future) =>
      future instanceof SleepFuture && future.#timer === null;
  }

  /** As asyncio's timer: the result wakes the sleeper one iteration later. */
  static #expire<T>(future: SleepFuture<T>): void {
    if (!future.done()) future.setResult(future.#value);
  }

  /** As asyncio's bare `yield`: the sleeper's next step is this callback. */
  static #yield<T>(future: SleepFuture<T>): void {
    internals.resolveNow(future, future.#value);
  }

  override cancel(msg?: string | null): boolean {
    if (!super.cancel(msg)) return false;
    this.#timer?.cancel();
    return true;
  }
}

/**
 * Waits `seconds` (a float, as in asyncio) and resolves to `value`.
 * `sleep(0)` yields to the loop for exactly one iteration, and
 * `sleep(Infinity)` waits until it is cancelled. Cancelling the sleep, or
 * the task awaiting it, clears its timer.
 *
 * @example Sleeping with a value
 * ```ts
 * import { run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.equal(await run(() => sleep(0.01, "done")), "done");
 * ```
 */
export function sleep(seconds: number): Future<void>;
/** Waits `seconds` and resolves to `value`. */
export function sleep<T>(seconds: number, value: T): Future<T>;
export function sleep<T>(seconds: number, value?: T): Future<T | undefined> {
  checkDelay(seconds, "The delay");
  return new SleepFuture(getRunningLoop(), seconds, value);
}
