/**
 * The disposable ticket that `acquire()` resolves to.
 *
 * @module
 */

/**
 * Proof of one successful `acquire()`: truthy, like Python's `True`, and
 * disposable, so `using _ = await lock.acquire()` releases at the end of
 * the block, as `async with lock:` does. A ticket releases at most once:
 * disposing of it again does nothing. Use either the ticket or the
 * primitive's own `release()`, not both.
 *
 * @example Releasing at the end of a block
 * ```ts
 * import { Lock } from "@aio/asyncio/sync";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const lock = new Lock();
 *   {
 *     using _ = await lock.acquire();
 *     assert.ok(lock.locked());
 *   }
 *   assert.ok(!lock.locked());
 * });
 * ```
 */
export class Ticket implements Disposable {
  #owner: { release(): void } | null;

  /** Made by `acquire()`; `owner.release()` is what the ticket calls. */
  constructor(owner: { release(): void }) {
    this.#owner = owner;
  }

  /** Releases what `acquire()` took, the first time only. */
  release(): void {
    const owner = this.#owner;
    if (owner === null) return;
    this.#owner = null;
    owner.release();
  }

  /** Same as `release()`: called at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.release();
  }
}
