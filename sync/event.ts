/**
 * `Event`: asyncio's one-shot flag that tasks wait for.
 *
 * @module
 */
import { park } from "../tasks/future.ts";
import { Waiters } from "./waiters.ts";

/**
 * A flag that tasks can wait for: asyncio's `Event`. `set()` wakes every
 * waiter; `wait()` resolves to `true` at once while the flag is set.
 *
 * @example Starting workers together
 * ```ts
 * import { Event } from "@aio/asyncio/sync";
 * import { createTask, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const started = await run(async () => {
 *   const go = new Event();
 *   let started = 0;
 *   const worker = async () => {
 *     assert.equal(await go.wait(), true);
 *     started++;
 *   };
 *   const tasks = [createTask(worker), createTask(worker)];
 *   await sleep(0.01);
 *   assert.equal(started, 0);
 *   go.set();
 *   for (const task of tasks) await task;
 *   return started;
 * });
 * assert.equal(started, 2);
 * ```
 */
export class Event {
  #value = false;
  readonly #waiters = new Waiters();

  /** True while the flag is set. */
  isSet(): boolean {
    return this.#value;
  }
  /**
   * A short description, as asyncio's `repr` without the address:
   * `<Event [unset, waiters:2]>`.
   */
  toString(): string {
    return this.#waiters.describe(this, this.#value ? "set" : "unset");
  }

  /** What `console.log` shows: the description, as Python's `print`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Sets the flag and wakes every waiting task. */
  set(): void {
    if (this.#value) return;
    this.#value = true;
    this.#waiters.wakeAll();
  }

  /** Clears the flag: later `wait()` calls block until the next `set()`. */
  clear(): void {
    this.#value = false;
  }

  /** Waits until the flag is set; resolves to `true`. */
  async wait(): Promise<true> {
    if (this.#value) return true;
    const waiter = this.#waiters.add(this);
    try {
      await park(waiter);
    } catch (error) {
      this.#waiters.leave(waiter);
      throw error;
    }
    return true;
  }
}
