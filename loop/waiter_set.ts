/**
 * Tasks that wait for one event and are woken together: a stream's
 * `drain()` and `waitClosed()`, a server's `waitClosed()`.
 *
 * @module
 */
import type { Future } from "../tasks/future.ts";
import { type Holdable, holdUntilDone } from "./host_wait.ts";

/**
 * Waiters, each asleep on a loop future of its own, settled all at once
 * by `settleAll`; a cancelled waiter leaves the set.
 */
export class WaiterSet {
  readonly #futures = new Set<Future<void>>();

  /**
   * Waits until the next `settleAll`. Meanwhile `source` (if any) keeps
   * the process alive and, unless `clock` is false, the loop's clock is
   * held.
   */
  async wait(
    loop: { createFuture<T>(): Future<T> },
    source: Holdable | null,
    clock = true,
  ): Promise<void> {
    const waiter = loop.createFuture<void>();
    this.#futures.add(waiter);
    try {
      if (source !== null) holdUntilDone(waiter, source, clock);
      await waiter;
    } finally {
      this.#futures.delete(waiter);
    }
  }

  /** Wakes every waiter: with `error` thrown, or normally for `null`. */
  settleAll(error: Error | null = null): void {
    for (const waiter of this.#futures) {
      if (waiter.done()) continue;
      if (error === null) waiter.setResult();
      else waiter.setException(error);
    }
    this.#futures.clear();
  }
}
