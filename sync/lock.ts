/**
 * `Lock`: asyncio's mutual-exclusion lock.
 *
 * @module
 */
import { RuntimeError } from "../internal/errors.ts";
import { Ticket } from "./ticket.ts";
import { park } from "../tasks/future.ts";
import { Waiters } from "./waiters.ts";

/**
 * A mutual-exclusion lock for tasks: asyncio's `Lock`. It is fair:
 * waiters get the lock in the order they asked for it, and a task that
 * calls `acquire()` right after a `release()` queues behind the waiter
 * being woken instead of taking the lock first. `acquire()` resolves to a
 * disposable `Ticket`, so `using _ = await lock.acquire()` is Python's
 * `async with lock:`. As in asyncio, a lock is not owned by a task: any
 * code may release it.
 *
 * @example Serialising a critical section
 * ```ts
 * import { Lock } from "@aio/asyncio/sync";
 * import { createTask, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const log = await run(async () => {
 *   const lock = new Lock();
 *   const log: string[] = [];
 *   const worker = async (name: string) => {
 *     using _ = await lock.acquire();
 *     log.push(`${name} in`);
 *     await sleep(0.01);
 *     log.push(`${name} out`);
 *   };
 *   const a = createTask(() => worker("a"));
 *   const b = createTask(() => worker("b"));
 *   await a;
 *   await b;
 *   return log;
 * });
 * assert.deepEqual(log, ["a in", "a out", "b in", "b out"]);
 * ```
 */
export class Lock {
  #locked = false;
  /** Waiters woken by `release()` that have not taken the lock yet. */
  #woken = 0;
  readonly #waiters = new Waiters();

  /** True while the lock is held. */
  locked(): boolean {
    return this.#locked;
  }
  /**
   * A short description, as asyncio's `repr` without the address:
   * `<Lock [locked, waiters:1]>`.
   */
  toString(): string {
    return this.#waiters.describe(this, this.#locked ? "locked" : "unlocked");
  }

  /** What `console.log` shows: the description, as Python's `print`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /**
   * Waits until the lock is free and no earlier waiter is ahead, takes it,
   * and resolves to a `Ticket` that releases it once. Cancelling the wait
   * leaves the lock as it was; if the waiter had just been handed the lock,
   * the next waiter gets it instead.
   */
  async acquire(): Promise<Ticket> {
    if (!this.#locked && this.#woken === 0 && !this.#waiters.hasPending()) {
      this.#locked = true;
      return new Ticket(this);
    }
    const waiter = this.#waiters.add(this);
    try {
      await park(waiter);
    } catch (error) {
      if (this.#waiters.leave(waiter)) this.#woken--;
      if (!this.#locked) this.#wakeFirst();
      throw error;
    }
    this.#woken--;
    this.#locked = true;
    return new Ticket(this);
  }

  /**
   * Releases the lock and wakes the first waiter. A `RuntimeError` if the
   * lock is not held.
   */
  release(): void {
    if (!this.#locked) {
      throw new RuntimeError(
        "Lock is not acquired: release() must follow a successful acquire()",
      );
    }
    this.#locked = false;
    this.#wakeFirst();
  }

  #wakeFirst(): void {
    if (this.#woken === 0 && this.#waiters.wakeOne()) this.#woken++;
  }
}
