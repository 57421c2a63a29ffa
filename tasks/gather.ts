/**
 * `gather`: runs awaitables concurrently and collects their results in
 * argument order.
 *
 * @module
 */
import { cancelledError } from "../internal/errors.ts";
import { checkOptions, describe, isPromiseLike } from "../internal/validate.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import {
  type Awaitable,
  ensureFuture,
  type TaskCreator,
} from "./ensure_future.ts";
import { Future } from "./future.ts";
import { internals } from "./_internals.ts";

/** The value an awaitable gives: what `await` gives, or what a function's call gives. */
export type ResultOf<A> = A extends () => infer R ? Awaited<R> : Awaited<A>;

/** The results of a list of awaitables, position by position. */
export type ResultsOf<A extends readonly unknown[]> = {
  -readonly [K in keyof A]: ResultOf<A[K]>;
};

/**
 * The outcomes of a list of awaitables with `returnExceptions`: each
 * result, or the error its awaitable failed with (typed `Error`, as
 * Python's typeshed types it as `BaseException`).
 */
export type OutcomesOf<A extends readonly unknown[]> = {
  -readonly [K in keyof A]: ResultOf<A[K]> | Error;
};

/** Options of `gather`. */
export interface GatherOptions {
  /**
   * Put errors (and the `CancelledError` of a cancelled child) in the
   * results instead of failing with the first one. Default `false`.
   */
  returnExceptions?: boolean | null;
}

/** The answer to a done child's `result()`: its value or its error. */
function outcomeOf(child: Future<unknown>): unknown {
  try {
    return child.result();
  } catch (error) {
    return error;
  }
}

/**
 * The outer future of `gather`. Cancelling it cancels the children and
 * does not mark it cancelled at once: it fails with `CancelledError` once
 * the children have finished, as asyncio's `_GatheringFuture` does.
 */
class GatheringFuture extends Future<unknown[]> {
  readonly #children: Future<unknown>[];
  readonly #expected: number;
  readonly #returnExceptions: boolean;
  #finished = 0;
  #cancelRequested = false;
  #cancelMessage: string | undefined = undefined;

  constructor(
    loop: AbstractEventLoop,
    children: Future<unknown>[],
    returnExceptions: boolean,
  ) {
    super(loop);
    this.#children = children;
    this.#returnExceptions = returnExceptions;
    // A child listed twice is counted twice and calls back twice: the
    // same outcome as once, without a set of 100,000 children.
    this.#expected = children.length;
    const done: Future<unknown>[] = [];
    for (const child of children) {
      if (child.done()) done.push(child);
      else internals.onDone(child, this.#onChildDone);
    }
    // Children done already are counted now, so that a gather of finished
    // futures is finished at once, as in asyncio.
    for (const child of done) this.#onChildDone(child);
  }

  /**
   * Cancels every child not yet done; returns whether any was. The outer
   * future then fails with `CancelledError`, even with `returnExceptions`.
   */
  override cancel(msg?: string | null): boolean {
    if (this.done()) return false;
    let cancelled = false;
    for (const child of this.#children) {
      if (child.cancel(msg)) cancelled = true;
    }
    if (cancelled) {
      this.#cancelRequested = true;
      this.#cancelMessage = msg ?? undefined;
    }
    return cancelled;
  }

  readonly #onChildDone = (child: Future<unknown>): void => {
    this.#finished++;
    if (this.done()) {
      // Marks the late error as retrieved: gather has reported its first.
      if (!child.cancelled()) child.exception();
      return;
    }
    if (!this.#returnExceptions) {
      if (child.cancelled()) {
        this.setException(outcomeOf(child));
        return;
      }
      if (internals.hasFailed(child)) {
        this.setException(child.exception());
        return;
      }
    }
    if (this.#finished < this.#expected) return;
    const results = this.#children.map(outcomeOf);
    if (this.#cancelRequested) {
      this.setException(cancelledError(this.#cancelMessage));
    } else {
      this.setResult(results);
    }
  };
}

function isPlainObject(value: unknown): boolean {
  if (typeof value !== "object" || value === null || isPromiseLike(value)) {
    return false;
  }
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function readReturnExceptions(options: unknown): boolean {
  if (options === undefined || options === null) return false;
  if (!isPlainObject(options)) {
    throw new TypeError(
      `The options of gather() must be a plain object, got ${
        describe(options)
      }`,
    );
  }
  const value = checkOptions<GatherOptions>(options, "gather()", [
    "returnExceptions",
  ]).returnExceptions;
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") {
    throw new TypeError(
      `gather()'s returnExceptions must be a boolean, got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Wraps each awaitable, the same promise twice only once (each function
 * is a run of its own: `distinctAwaitables`); on bad input cancels what it
 * already started.
 */
function childrenOf(aws: readonly unknown[]): Future<unknown>[] {
  const children = new Array<Future<unknown>>(aws.length);
  let wrapped: Map<unknown, Future<unknown>> | undefined;
  const started: Future<unknown>[] = [];
  let loop: TaskCreator | undefined;
  try {
    for (let i = 0; i < aws.length; i++) {
      const aw = aws[i];
      let child = typeof aw === "function" ? undefined : wrapped?.get(aw);
      if (child === undefined) {
        child = ensureFuture(aw as Awaitable<unknown>, loop);
        // Every child joins the first one's loop, as asyncio requires.
        loop ??= child.getLoop() as unknown as TaskCreator;
        if (child !== aw) {
          started.push(child);
          if (typeof aw !== "function") (wrapped ??= new Map()).set(aw, child);
        }
      }
      children[i] = child;
    }
  } catch (error) {
    for (const child of started) child.cancel();
    throw error;
  }
  return children;
}

/**
 * Runs awaitables concurrently and resolves to their results in argument
 * order (not in the order they finish): asyncio's `gather`. Each argument
 * may be a `Future`/`Task`, any promise, or a zero-argument async function
 * (started as a task); the same future or promise twice is waited on
 * once, while a function given twice runs twice, as asyncio's
 * `gather(f(), f())` does.
 *
 * Returns a `Future`. Without `returnExceptions`, the first error (or a
 * child's cancellation, as `CancelledError`) fails it at once while the
 * other children keep running, as in Python. With `returnExceptions`,
 * errors take their place in the results. Cancelling the returned future,
 * or the task awaiting it, cancels every child; it then fails with
 * `CancelledError` (without `returnExceptions`, as soon as the first
 * child has ended cancelled; with it, once all have ended). For very many awaitables pass one array,
 * `gather(array, options?)`: spreading more than ~150,000 arguments
 * overflows JavaScript engines.
 *
 * @example Results in argument order
 * ```ts
 * import { gather, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const results = await run(async () => {
 *   const [a, b, c] = await gather(
 *     sleep(0.03, "slow"),
 *     sleep(0.01, 2),
 *     async () => true,
 *   );
 *   return [a, b, c];
 * });
 * assert.deepEqual(results, ["slow", 2, true]);
 * ```
 *
 * @example Collecting errors with returnExceptions
 * ```ts
 * import { gather, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const results = await run(() =>
 *   gather(
 *     sleep(0.01, "ok"),
 *     async () => {
 *       throw new RangeError("bad");
 *     },
 *     { returnExceptions: true },
 *   )
 * );
 * assert.equal(results[0], "ok");
 * assert.ok(results[1] instanceof RangeError);
 * ```
 *
 * @example One array of many awaitables
 * ```ts
 * import { gather, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const sum = await run(async () => {
 *   const values = await gather(
 *     Array.from({ length: 1000 }, (_, i) => sleep(0, i)),
 *   );
 *   return values.reduce((a, b) => a + b, 0);
 * });
 * assert.equal(sum, 499500);
 * ```
 */
export function gather<const A extends readonly Awaitable<unknown>[]>(
  aws: A,
  options?: GatherOptions & { returnExceptions?: false | null },
): Future<ResultsOf<A>>;
/** Runs the array's awaitables, putting errors in the results. */
export function gather<const A extends readonly Awaitable<unknown>[]>(
  aws: A,
  options: GatherOptions & { returnExceptions: true },
): Future<OutcomesOf<A>>;
/** Runs the array's awaitables with options decided at run time. */
export function gather<const A extends readonly Awaitable<unknown>[]>(
  aws: A,
  options: GatherOptions,
): Future<OutcomesOf<A>>;
/** Runs the awaitables given as arguments. */
export function gather<A extends Awaitable<unknown>[]>(
  ...aws: A
): Future<ResultsOf<A>>;
/** Runs the awaitables given as arguments; a trailing options object. */
export function gather<A extends Awaitable<unknown>[]>(
  ...args: [...A, GatherOptions & { returnExceptions?: false | null }]
): Future<ResultsOf<A>>;
/** Runs the awaitables, putting errors in the results. */
export function gather<A extends Awaitable<unknown>[]>(
  ...args: [...A, GatherOptions & { returnExceptions: true }]
): Future<OutcomesOf<A>>;
/** Runs the awaitables with options decided at run time. */
export function gather<A extends Awaitable<unknown>[]>(
  ...args: [...A, GatherOptions]
): Future<OutcomesOf<A>>;
export function gather(...args: unknown[]): Future<unknown[]> {
  let aws: readonly unknown[] = args;
  let options: unknown = undefined;
  if (Array.isArray(args[0]) && args.length <= 2) {
    aws = args[0];
    options = args[1];
  } else if (args.length > 0 && isPlainObject(args[args.length - 1])) {
    aws = args.slice(0, -1);
    options = args[args.length - 1];
  }
  const returnExceptions = readReturnExceptions(options);
  if (aws.length === 0) {
    const outer = new Future<unknown[]>();
    outer.setResult([]);
    return outer;
  }
  const children = childrenOf(aws);
  return new GatheringFuture(
    children[0].getLoop(),
    children,
    returnExceptions,
  );
}
