/**
 * The FIFO list of futures that every primitive's waiters sleep on.
 *
 * @module
 */
import { RuntimeError } from "../internal/errors.ts";
import type { EventLoop } from "../loop/event_loop.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import type { Future } from "../tasks/future.ts";
import { Deque } from "../internal/deque.ts";

/** Cancelled waiters tolerated in a list before it is compacted. */
const COMPACT_AFTER = 16;

function pending(future: Future<void>): boolean {
  return !future.done();
}

/**
 * Waiting tasks in arrival order, each asleep on a loop future. Waking
 * resolves the oldest pending future (its task resumes on a later loop
 * iteration) and drops it from the list. A cancelled waiter stays in the
 * list until it reaches the front or the list is compacted, so leaving is
 * O(1). Like asyncio's `_LoopBoundMixin`, the list belongs to the loop of
 * its first waiter.
 */
export class Waiters {
  readonly #queue = new Deque<Future<void>>();
  #loop: EventLoop | null = null;
  #discarded = 0;

  /**
   * Appends a waiter for the running task and returns the future to await;
   * a `RuntimeError` outside a running loop or on another loop.
   */
  add(owner: object): Future<void> {
    const loop = getRunningLoop();
    if (loop !== this.#loop) {
      if (this.#loop !== null) {
        throw new RuntimeError(
          `This ${owner.constructor.name} is bound to a different event ` +
            "loop: create it inside the loop that uses it",
        );
      }
      this.#loop = loop;
    }
    const future = loop.createFuture<void>();
    this.#queue.add(future);
    return future;
  }

  /** True if some waiter has not been woken or cancelled yet. */
  hasPending(): boolean {
    const queue = this.#queue;
    let first = queue.peek();
    while (first !== undefined && first.done()) {
      queue.take();
      first = queue.peek();
    }
    return first !== undefined;
  }

  /**
   * `<Name [state, waiters:N]>`, as asyncio's primitives describe
   * themselves (without the address), counting waiters not yet woken.
   */
  describe(owner: object, state: string): string {
    const waiting = this.count();
    const waiters = waiting > 0 ? `, waiters:${waiting}` : "";
    return `<${owner.constructor.name} [${state}${waiters}]>`;
  }

  /** The number of waiters not woken or cancelled yet; for descriptions. */
  count(): number {
    let waiting = 0;
    for (const future of this.#queue.toArray()) if (!future.done()) waiting++;
    return waiting;
  }

  /** Wakes the oldest pending waiter; `false` if there was none. */
  wakeOne(): boolean {
    const queue = this.#queue;
    let future = queue.take();
    while (future !== undefined && future.done()) future = queue.take();
    if (future === undefined) return false;
    future.setResult(undefined);
    return true;
  }

  /** Wakes up to `n` waiters, oldest first. */
  wake(n: number): void {
    for (let woken = 0; woken < n && this.wakeOne(); woken++);
  }

  /** Wakes every pending waiter. */
  wakeAll(): void {
    while (this.wakeOne());
    this.#discarded = 0;
  }

  /**
   * Settles the waiter whose `await` just threw. Returns `true` if it had
   * already been woken: it then owes its wake-up to the next waiter, or
   * that one would sleep forever. A waiter that was still pending (its
   * task was cancelled before it awaited) is cancelled here.
   */
  leave(future: Future<void>): boolean {
    if (!future.done()) future.cancel();
    if (!future.cancelled()) return true;
    this.#discarded++;
    if (
      this.#discarded > COMPACT_AFTER &&
      this.#discarded * 2 > this.#queue.length
    ) {
      this.#queue.retain(pending);
      this.#discarded = 0;
    }
    return false;
  }
}
