/**
 * `Condition`: asyncio's condition variable.
 *
 * @module
 */
import { CancelledError, RuntimeError } from "../internal/errors.ts";
import { checkFunction, describe } from "../internal/validate.ts";
import { Lock } from "./lock.ts";
import type { Ticket } from "./ticket.ts";
import { park } from "../tasks/future.ts";
import { Waiters } from "./waiters.ts";

/**
 * A condition variable: asyncio's `Condition`. Tasks holding its lock
 * `wait()` until another task calls `notify()`; `wait()` releases the lock
 * while it sleeps and always takes it back before it returns or throws,
 * even when the task is cancelled (again and again) meanwhile. A waiter
 * cancelled after being notified passes the notification on. As in
 * asyncio, `wait()` may return without a matching notification, so wait
 * in a loop or with `waitFor(predicate)`.
 *
 * @example A consumer waiting for a producer
 * ```ts
 * import { Condition } from "@aio/asyncio/sync";
 * import { createTask, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const taken = await run(async () => {
 *   const condition = new Condition();
 *   const items: string[] = [];
 *   const consumer = createTask(async () => {
 *     using _ = await condition.acquire();
 *     await condition.waitFor(() => items.length > 0);
 *     return items.shift();
 *   });
 *   await sleep(0.01);
 *   {
 *     using _ = await condition.acquire();
 *     items.push("job");
 *     condition.notify();
 *   }
 *   return await consumer;
 * });
 * assert.equal(taken, "job");
 * ```
 */
export class Condition {
  readonly #lock: Lock;
  readonly #waiters = new Waiters();

  /** Creates a condition on `lock`, or on a new `Lock` when omitted. */
  constructor(lock?: Lock | null) {
    if (lock != null && !(lock instanceof Lock)) {
      throw new TypeError(
        `The lock of a Condition must be a Lock, got ${describe(lock)}`,
      );
    }
    this.#lock = lock ?? new Lock();
  }

  /** True while the underlying lock is held. */
  locked(): boolean {
    return this.#lock.locked();
  }
  /**
   * A short description, as asyncio's `repr` without the address:
   * `<Condition [unlocked, waiters:1]>`.
   */
  toString(): string {
    return this.#waiters.describe(
      this,
      this.locked() ? "locked" : "unlocked",
    );
  }

  /** What `console.log` shows: the description, as Python's `print`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Acquires the underlying lock; resolves to its `Ticket`. */
  acquire(): Promise<Ticket> {
    return this.#lock.acquire();
  }

  /** Releases the underlying lock; a `RuntimeError` if it is not held. */
  release(): void {
    this.#lock.release();
  }

  /**
   * Releases the lock, sleeps until notified, takes the lock back and
   * resolves to `true`. A `RuntimeError` if the lock is not held. If the
   * task is cancelled, the lock is still taken back before the
   * `CancelledError` reaches the caller.
   */
  async wait(): Promise<true> {
    if (!this.#lock.locked()) {
      throw new RuntimeError(
        "Cannot wait on a condition whose lock is not acquired: " +
          "acquire() it first",
      );
    }
    const waiter = this.#waiters.add(this);
    this.#lock.release();
    let failed = false;
    let failure: unknown;
    try {
      await park(waiter);
    } catch (error) {
      failed = true;
      failure = error;
      this.#waiters.leave(waiter);
    }
    // Take the lock back whatever happened; a cancel during that is
    // remembered and the acquire retried, so the caller always holds it.
    for (;;) {
      try {
        await this.#lock.acquire();
        break;
      } catch (error) {
        failed = true;
        failure = error;
        if (!(error instanceof CancelledError)) break;
      }
    }
    if (!failed) return true;
    // It may have been notified just before it failed: as in asyncio 3.13,
    // another waiter is woken instead (a spurious wake-up is allowed).
    this.#waiters.wakeOne();
    throw failure;
  }

  /**
   * Waits until `predicate()` is truthy, checking it first and after every
   * wake-up, and resolves to its last value. The lock must be held.
   */
  async waitFor<T>(predicate: () => T): Promise<T> {
    checkFunction(predicate, "The predicate of waitFor()");
    let result = predicate();
    while (!result) {
      await this.wait();
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiting tasks (one by default), oldest first. A
   * `RuntimeError` if the lock is not held. Each woken task returns from
   * `wait()` once it gets the lock back.
   */
  notify(n = 1): void {
    if (typeof n !== "number") {
      throw new TypeError(
        `The number of tasks to notify must be a number, got ${describe(n)}`,
      );
    }
    if (Number.isNaN(n)) {
      throw new RangeError("The number of tasks to notify must not be NaN");
    }
    this.#checkLocked("notify");
    this.#waiters.wake(n);
  }

  /** Wakes every waiting task. A `RuntimeError` if the lock is not held. */
  notifyAll(): void {
    this.#checkLocked("notifyAll");
    this.#waiters.wakeAll();
  }

  #checkLocked(method: string): void {
    if (!this.#lock.locked()) {
      throw new RuntimeError(
        `Cannot ${method}() on a condition whose lock is not acquired: ` +
          "acquire() it first",
      );
    }
  }
}
