/**
 * `Semaphore`: asyncio's counting semaphore.
 *
 * @module
 */
import { checkInteger } from "../internal/validate.ts";
import { Ticket } from "./ticket.ts";
import { park } from "../tasks/future.ts";
import { Waiters } from "./waiters.ts";
import { internals } from "./_internals.ts";

/**
 * A counter of free slots that tasks take with `acquire()` and give back
 * with `release()`: asyncio's `Semaphore`. When no slot is free, `acquire()`
 * waits; waiters are served in arrival order, and a newcomer never takes a
 * slot that a release handed to a waiter. Cancelling a waiter that was just
 * handed a slot passes the slot to the next waiter.
 *
 * @example At most two jobs at a time
 * ```ts
 * import { Semaphore } from "@aio/asyncio/sync";
 * import { createTask, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const peak = await run(async () => {
 *   const slots = new Semaphore(2);
 *   let running = 0;
 *   let peak = 0;
 *   const job = async () => {
 *     using _ = await slots.acquire();
 *     running++;
 *     peak = Math.max(peak, running);
 *     await sleep(0.01);
 *     running--;
 *   };
 *   const tasks = Array.from({ length: 5 }, () => createTask(job));
 *   for (const task of tasks) await task;
 *   return peak;
 * });
 * assert.equal(peak, 2);
 * ```
 */
export class Semaphore {
  #value: number;
  /** Waiters handed a slot by a release that have not resumed yet. */
  #woken = 0;
  readonly #waiters = new Waiters();

  /**
   * Creates a semaphore with `value` free slots (1 by default). A
   * `RangeError` if `value` is negative or not an integer.
   */
  constructor(value = 1) {
    this.#value = checkInteger(value, "The semaphore's value", 0);
  }

  static {
    internals.counterOf = (semaphore) => semaphore.#value;
  }

  /**
   * True if `acquire()` would wait: no slot is free, or earlier waiters
   * are still queued.
   */
  locked(): boolean {
    return this.#value === 0 || this.#woken > 0 || this.#waiters.hasPending();
  }
  /**
   * A short description, as asyncio's `repr` without the address:
   * `<Semaphore [unlocked, value:2]>`, `<Semaphore [locked, waiters:1]>`.
   */
  toString(): string {
    const state = this.locked() ? "locked" : `unlocked, value:${this.#value}`;
    return this.#waiters.describe(this, state);
  }

  /** What `console.log` shows: the description, as Python's `print`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /**
   * Takes a slot, waiting for one if none is free or other tasks wait
   * already, and resolves to a `Ticket` that gives it back once.
   */
  async acquire(): Promise<Ticket> {
    if (!this.locked()) {
      this.#value--;
      return new Ticket(this);
    }
    const waiter = this.#waiters.add(this);
    try {
      await park(waiter);
    } catch (error) {
      if (this.#waiters.leave(waiter)) {
        // Handed a slot but not taking it: give it back for the next one.
        this.#woken--;
        this.#value++;
      }
      this.#wakeWhileFree();
      throw error;
    }
    this.#woken--;
    this.#wakeWhileFree();
    return new Ticket(this);
  }

  /** Gives a slot back and hands it to the first waiter, if any. */
  release(): void {
    this.#value++;
    this.#wakeNext();
  }

  /** Hands a free slot to the first waiter; `false` if nobody waits. */
  #wakeNext(): boolean {
    if (!this.#waiters.wakeOne()) return false;
    this.#value--;
    this.#woken++;
    return true;
  }

  /** Hands every free slot to waiters, as long as there are any. */
  #wakeWhileFree(): void {
    while (this.#value > 0 && this.#wakeNext());
  }
}
