/**
 * The errors of the synchronisation primitives and queues.
 *
 * @module
 */
import { RuntimeError } from "../internal/errors.ts";

/**
 * Raised by `Barrier.wait()` when the barrier is aborted, or reset while
 * the task waits. Like Python's, it is a `RuntimeError`.
 *
 * @example A wait on an aborted barrier
 * ```ts
 * import { Barrier, BrokenBarrierError } from "@aio/asyncio/sync";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const barrier = new Barrier(2);
 *   await barrier.abort();
 *   await assert.rejects(barrier.wait(), BrokenBarrierError);
 * });
 * ```
 */
export class BrokenBarrierError extends RuntimeError {
  /** Creates the error with a message that says what broke the barrier. */
  constructor(message: string) {
    super(message);
    this.name = "BrokenBarrierError";
  }
}

/**
 * Raised by `Queue.getNowait()` when the queue has no item.
 *
 * @example Taking from an empty queue
 * ```ts
 * import { Queue, QueueEmpty } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new Queue<number>().getNowait(), QueueEmpty);
 * ```
 */
export class QueueEmpty extends Error {
  /** Creates the error. */
  constructor(
    message = "The queue is empty: await get() to wait for an item",
  ) {
    super(message);
    this.name = "QueueEmpty";
  }
}

/**
 * Raised by `put()` and `putNowait()` on a queue that was shut down, and by
 * `get()` and `getNowait()` once such a queue is empty.
 *
 * @example Putting into a queue that was shut down
 * ```ts
 * import { Queue, QueueShutDown } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * const queue = new Queue<number>();
 * queue.shutdown();
 * assert.throws(() => queue.putNowait(1), QueueShutDown);
 * ```
 */
export class QueueShutDown extends Error {
  /** Creates the error. */
  constructor(message = "The queue was shut down") {
    super(message);
    this.name = "QueueShutDown";
  }
}
