/**
 * `BoundedSemaphore`: a semaphore that refuses to be released too often.
 *
 * @module
 */
import { Semaphore } from "./semaphore.ts";
import { internals } from "./_internals.ts";

/**
 * A `Semaphore` whose `release()` throws a `RangeError` (Python's
 * `ValueError`) instead of raising the counter above its initial value, so
 * a release without a matching acquire is caught at once.
 *
 * @example Releasing once too often
 * ```ts
 * import { BoundedSemaphore } from "@aio/asyncio/sync";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const slots = new BoundedSemaphore(1);
 *   await slots.acquire();
 *   slots.release();
 *   assert.throws(() => slots.release(), RangeError);
 * });
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  readonly #bound: number;

  /** Creates a semaphore with `value` slots (1 by default), its bound. */
  constructor(value = 1) {
    super(value);
    this.#bound = value;
  }

  /**
   * Gives a slot back; a `RangeError` if that would exceed the initial
   * value.
   */
  override release(): void {
    if (internals.counterOf(this) >= this.#bound) {
      throw new RangeError(
        "BoundedSemaphore released too many times: each release() must " +
          "match one acquire()",
      );
    }
    super.release();
  }
}
