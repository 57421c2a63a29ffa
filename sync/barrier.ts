/**
 * `Barrier`: asyncio's meeting point for a fixed number of tasks.
 *
 * @module
 */
import { checkInteger } from "../internal/validate.ts";
import { Condition } from "./condition.ts";
import { BrokenBarrierError } from "./errors.ts";

const FILLING = 0;
const DRAINING = 1;
const RESETTING = 2;
const BROKEN = 3;
type State =
  | typeof FILLING
  | typeof DRAINING
  | typeof RESETTING
  | typeof BROKEN;
/** Each state as asyncio's `repr` names it. */
const STATE_NAMES = ["filling", "draining", "resetting", "broken"];

/**
 * Lets `parties` tasks wait for each other: asyncio's `Barrier`. Each
 * `wait()` blocks until `parties` tasks are waiting, then all of them go on
 * and each gets a distinct arrival index from `0` to `parties - 1`. The
 * barrier then fills again for the next round. `abort()` breaks it (every
 * waiter, now and later, gets `BrokenBarrierError`); `reset()` fails the
 * current waiters with `BrokenBarrierError` and makes it usable again.
 *
 * @example Three tasks meeting
 * ```ts
 * import { Barrier } from "@aio/asyncio/sync";
 * import { createTask, run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const indices = await run(async () => {
 *   const barrier = new Barrier(3);
 *   const tasks = [0, 1, 2].map(() => createTask(() => barrier.wait()));
 *   const indices: number[] = [];
 *   for (const task of tasks) indices.push(await task);
 *   return indices;
 * });
 * assert.deepEqual(indices.sort(), [0, 1, 2]);
 * ```
 */
export class Barrier {
  readonly #parties: number;
  readonly #condition = new Condition();
  #state: State = FILLING;
  /** Tasks inside `wait()`, past the entry check. */
  #count = 0;

  /**
   * Creates a barrier for `parties` tasks; a `RangeError` unless it is an
   * integer of at least 1.
   */
  constructor(parties: number) {
    this.#parties = checkInteger(parties, "The number of parties", 1);
  }

  /** The number of tasks needed to pass the barrier. */
  get parties(): number {
    return this.#parties;
  }

  /** The number of tasks waiting while the barrier fills. */
  get nWaiting(): number {
    return this.#state === FILLING ? this.#count : 0;
  }

  /** True once `abort()` broke the barrier. */
  get broken(): boolean {
    return this.#state === BROKEN;
  }
  /**
   * A short description, as asyncio's `repr` without the address:
   * `<Barrier [filling, waiters:1/3]>`, `<Barrier [broken]>`.
   */
  toString(): string {
    const state = STATE_NAMES[this.#state];
    const name = this.constructor.name;
    return this.broken
      ? `<${name} [${state}]>`
      : `<${name} [${state}, waiters:${this.nWaiting}/${this.parties}]>`;
  }

  /** What `console.log` shows: the description, as Python's `print`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /**
   * Waits until `parties` tasks wait, then resolves to this task's arrival
   * index. `BrokenBarrierError` if the barrier is broken or is reset or
   * aborted while the task waits.
   */
  async wait(): Promise<number> {
    const condition = this.#condition;
    using _ = await condition.acquire();
    // A previous round still draining, or a reset in progress, must end.
    await condition.waitFor(() =>
      this.#state !== DRAINING && this.#state !== RESETTING
    );
    if (this.#state === BROKEN) {
      throw new BrokenBarrierError("The barrier was aborted");
    }
    const index = this.#count++;
    try {
      if (index + 1 === this.#parties) {
        this.#state = DRAINING;
        condition.notifyAll();
      } else {
        await condition.waitFor(() => this.#state !== FILLING);
        // The state changed while waiting (TypeScript narrowed it above).
        const state = this.#state as State;
        if (state === BROKEN || state === RESETTING) {
          throw new BrokenBarrierError(
            "The barrier was aborted or reset while waiting",
          );
        }
      }
      return index;
    } finally {
      this.#count--;
      this.#exit();
    }
  }

  /**
   * Puts the barrier back to its empty state: tasks waiting now get
   * `BrokenBarrierError`, later ones wait for a full round again.
   */
  async reset(): Promise<void> {
    const condition = this.#condition;
    using _ = await condition.acquire();
    if (this.#count > 0) {
      this.#state = RESETTING;
    } else {
      this.#state = FILLING;
    }
    condition.notifyAll();
  }

  /**
   * Breaks the barrier: every waiting task, and every later `wait()`, gets
   * `BrokenBarrierError`. Useful when a party fails and the others must not
   * wait for it.
   */
  async abort(): Promise<void> {
    const condition = this.#condition;
    using _ = await condition.acquire();
    this.#state = BROKEN;
    condition.notifyAll();
  }

  /** The last task out of a draining or resetting barrier refills it. */
  #exit(): void {
    if (this.#count > 0) return;
    if (this.#state === RESETTING || this.#state === DRAINING) {
      this.#state = FILLING;
    }
    this.#condition.notifyAll();
  }
}
