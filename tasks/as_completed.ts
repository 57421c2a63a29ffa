/**
 * `asCompleted`: the results of several awaitables in the order they
 * finish.
 *
 * @module
 */
import { Deque } from "../internal/deque.ts";
import { TimeoutError } from "../internal/errors.ts";
import { checkDelay, checkOptions } from "../internal/validate.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import type { Handle } from "../loop/handle.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import {
  type Awaitable,
  distinctAwaitables,
  ensureFuture,
} from "./ensure_future.ts";
import { Future, park } from "./future.ts";
import type { ResultOf } from "./gather.ts";
import { checkCollection } from "./wait.ts";
import { internals as loopInternals } from "../loop/_internals.ts";
import { internals } from "./_internals.ts";

/** Options of `asCompleted`. */
export interface AsCompletedOptions {
  /**
   * Seconds until every awaitable not yet finished is reported as a
   * `TimeoutError`; `null` or omitted waits as long as needed.
   */
  timeout?: number | null;
}

/** Stands for "the time was up" in the queue of finished futures. */
const TIMED_OUT = null;

/**
 * The iterator `for await` gets from `AsCompleted`: each step gives the
 * next future to finish. An interface of its own, not the global
 * `AsyncIterator`: TypeScript 7 types `for await` over an
 * `AsyncIterator<Future<T>>` as the futures' results, and takes this
 * one's element type as declared.
 */
export interface FinishedFutures<T> {
  /** Waits for the next future to finish; `done` once all have been given. */
  next(): Promise<IteratorResult<Future<T>, undefined>>;
}

/**
 * Never a value: besides `undefined`, the declared return value of
 * `AsCompleted`'s `for...of` iterator, a thenable that resolves to itself.
 * TypeScript 5 types a `for await` over a type it has already iterated
 * with `for...of` by awaiting that iterator's values and return value, so
 * this makes it an error (TS1062) instead of typing the futures as their
 * results. TypeScript 6 and later read the async iterator, as run time does.
 */
export interface ForAwaitGuard {
  /** Resolves to itself, which TypeScript rejects when it awaits the type. */
  then(onFulfilled: (value: ForAwaitGuard) => unknown): unknown;
}

/**
 * Runs `take` when first awaited, as a Python coroutine would; given to
 * `ensureFuture` (`gather`, `wait`...), it runs as a task, as asyncio
 * wraps that coroutine.
 */
class NextResult<T> implements PromiseLike<T> {
  readonly #take: () => Promise<T>;
  #promise: Promise<T> | null = null;

  constructor(take: () => Promise<T>) {
    this.#take = take;
  }

  static {
    internals.coroutineBody = <T>(value: unknown) =>
      value instanceof NextResult
        ? () => (value as NextResult<T>).#start()
        : null;
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#start().then(onFulfilled, onRejected);
  }

  #start(): Promise<T> {
    return this.#promise ??= this.#take();
  }
}

/**
 * What `asCompleted` returns: iterate it with `for...of` to get one
 * awaitable per input that resolves to the next result to finish, or with
 * `for await...of` to get the finished futures themselves. Both ways
 * share one position: together they yield as many items as there were
 * distinct awaitables.
 */
export class AsCompleted<T>
  implements Iterable<PromiseLike<T>>, AsyncIterable<Future<T>> {
  readonly #loop: AbstractEventLoop;
  readonly #todo: Set<Future<T>>;
  #left: number;
  readonly #finished = new Deque<Future<T> | typeof TIMED_OUT>();
  readonly #getters = new Deque<Future<void>>();
  #timer: Handle | null = null;

  private constructor(
    loop: AbstractEventLoop,
    todo: Set<Future<T>>,
    timeout: number | null,
  ) {
    this.#loop = loop;
    this.#todo = todo;
    this.#left = todo.size;
    for (const future of todo) internals.onDone(future, this.#onCompletion);
    if (todo.size > 0 && timeout !== null) {
      this.#timer = loopInternals.callAt(
        loop,
        loop.time() + timeout,
        () => this.#onTimeout(),
      );
    }
  }

  static {
    internals.newAsCompleted = (loop, todo, timeout) =>
      new AsCompleted(loop, todo, timeout);
  }

  /** Yields an awaitable for each next result, in completion order. */
  [Symbol.iterator](): Iterator<PromiseLike<T>, undefined | ForAwaitGuard> {
    const next = async () => (await this.#take()).value.result();
    return {
      next: () => {
        if (this.#left === 0) return { value: undefined, done: true };
        this.#left--;
        return { value: new NextResult(next), done: false };
      },
    };
  }

  /**
   * Yields each future once it has finished, in completion order. (Not an
   * async generator: its `yield` would unwrap the futures.)
   */
  [Symbol.asyncIterator](): FinishedFutures<T> {
    return {
      next: async () => {
        if (this.#left === 0) return { value: undefined, done: true };
        this.#left--;
        return await this.#take();
      },
    };
  }

  readonly #onCompletion = (future: Future<T>): void => {
    if (this.#todo.size === 0) return; // The timeout was first.
    this.#todo.delete(future);
    this.#put(future);
    if (this.#todo.size === 0) this.#timer?.cancel();
  };

  #onTimeout(): void {
    for (const future of this.#todo) {
      future.removeDoneCallback(this.#onCompletion);
      this.#put(TIMED_OUT);
    }
    this.#todo.clear();
  }

  #put(item: Future<T> | typeof TIMED_OUT): void {
    this.#finished.add(item);
    this.#wakeNext();
  }

  #wakeNext(): void {
    for (
      let getter = this.#getters.take();
      getter;
      getter = this.#getters.take()
    ) {
      if (!getter.done()) {
        getter.setResult();
        return;
      }
    }
  }

  /**
   * The next finished future, waiting for one as asyncio's `Queue.get`.
   * Boxed: a promise resolved with a future would adopt its result.
   */
  async #take(): Promise<{ value: Future<T>; done: false }> {
    while (this.#finished.length === 0) {
      const getter = new Future<void>(this.#loop);
      this.#getters.add(getter);
      try {
        await park(getter);
      } catch (error) {
        // A cancelled getter stays queued, done: a wake-up skips it.
        getter.cancel();
        // Woken, then cancelled before it ran: pass the wake-up on.
        if (this.#finished.length > 0 && !getter.cancelled()) {
          this.#wakeNext();
        }
        throw error;
      }
    }
    const item = this.#finished.take()!;
    if (item === TIMED_OUT) {
      throw new TimeoutError(
        "asCompleted() timed out before every awaitable finished",
      );
    }
    return { value: item, done: false };
  }
}

/**
 * Iterates over the awaitables in `aws` in the order they finish:
 * asyncio's `as_completed`, in both of its forms. Promises and async
 * functions are wrapped in tasks (`ensureFuture`); the same future or
 * promise twice counts once, a function given twice runs twice.
 *
 * - `for (const next of asCompleted(aws))` yields one awaitable per input;
 *   awaiting the first gives the first result to arrive (or throws its
 *   error), and so on (Python 3.12 and before).
 * - `for await (const done of asCompleted(aws))` yields the futures
 *   themselves as they finish (Python 3.13); the very objects given, for
 *   inputs that were futures. `await done` or `done.result()` gives the
 *   result. (TypeScript 5 rejects such a loop, error TS1062, where the
 *   program has iterated an `AsCompleted` of the same result type with
 *   `for...of` before it: that compiler would type the futures as their
 *   results there. TypeScript 6 and later type both forms right.)
 *
 * With a `timeout` (seconds), every result not in by then is a
 * `TimeoutError`; nothing is cancelled. A single future instead of a
 * collection is a `TypeError` at the call.
 *
 * @example Results in completion order
 * ```ts
 * import { asCompleted, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const order = await run(async () => {
 *   const order: string[] = [];
 *   const aws = [sleep(0.03, "c"), sleep(0.01, "a"), sleep(0.02, "b")];
 *   for (const next of asCompleted(aws)) order.push(await next);
 *   return order;
 * });
 * assert.deepEqual(order, ["a", "b", "c"]);
 * ```
 *
 * @example Finished futures with for await
 * ```ts
 * import { asCompleted, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const slow = sleep(0.02, "slow");
 *   const fast = sleep(0.01, "fast");
 *   const seen = [];
 *   for await (const done of asCompleted([slow, fast])) seen.push(done);
 *   assert.deepEqual(seen, [fast, slow]);
 * });
 * ```
 */
export function asCompleted<A extends Awaitable<unknown>>(
  aws: Iterable<A>,
  options?: AsCompletedOptions | null,
): AsCompleted<ResultOf<A>> {
  checkCollection(aws, "asCompleted()");
  const timeout = checkOptions<AsCompletedOptions>(options, "asCompleted()", [
    "timeout",
  ]).timeout ?? null;
  if (timeout !== null) checkDelay(timeout, "asCompleted()'s timeout");
  const loop = getRunningLoop();
  const unique = distinctAwaitables(aws as Iterable<Awaitable<ResultOf<A>>>);
  const todo = new Set<Future<ResultOf<A>>>();
  try {
    for (const aw of unique) todo.add(ensureFuture(aw, loop));
  } catch (error) {
    for (const future of todo) if (!unique.includes(future)) future.cancel();
    throw error;
  }
  return internals.newAsCompleted(loop, todo, timeout);
}
