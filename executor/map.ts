/**
 * The parts of `map()` that are not the pool's business: reading its
 * arguments, and handing the results back in order within the timeout.
 *
 * @module
 */
import { TimeoutError } from "../internal/errors.ts";
import {
  checkInteger,
  checkOptions,
  checkSeconds,
  describe,
} from "../internal/validate.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import { Future } from "../tasks/future.ts";
import { internals as loopInternals } from "../loop/_internals.ts";
import { internals as taskInternals } from "../tasks/_internals.ts";

/** The options `map()` takes after its iterables. */
export interface MapOptions {
  /**
   * Seconds, counted from the `map()` call, after which waiting for a
   * result throws `TimeoutError`; `null` (the default) waits forever.
   */
  timeout?: number | null;
  /** How many calls travel to a worker as one job; 1 by default. */
  chunksize?: number;
}

/** `map()`'s arguments, read and checked. */
export interface MapCall {
  /** One argument list per call, in input order. */
  calls: unknown[][];
  /** Seconds, or `null` for none. */
  timeout: number | null;
  /** Calls per job. */
  chunksize: number;
}

/**
 * Splits `map()`'s arguments into calls (the iterables zipped, shortest
 * first to run out) and options (a last argument that is not iterable).
 */
export function splitMapArguments(rest: unknown[]): MapCall {
  const last = rest.at(-1);
  const hasOptions = typeof last === "object" && last !== null &&
    !(Symbol.iterator in last);
  const options = hasOptions
    ? checkOptions<MapOptions>(rest.pop(), "map()", ["timeout", "chunksize"])
    : {};
  const timeout = options.timeout == null
    ? null
    : checkSeconds(options.timeout, "The timeout");
  const chunksize = checkInteger(options.chunksize ?? 1, "chunksize", 1);
  return { calls: zip(rest), timeout, chunksize };
}

function zip(iterables: unknown[]): unknown[][] {
  if (iterables.length === 0) return [];
  const iterators = iterables.map((iterable, index) => {
    if (
      (typeof iterable !== "object" && typeof iterable !== "string") ||
      iterable === null || !(Symbol.iterator in Object(iterable))
    ) {
      throw new TypeError(
        `Argument ${index + 2} of map() must be iterable, got ${
          describe(iterable)
        }`,
      );
    }
    return (iterable as Iterable<unknown>)[Symbol.iterator]();
  });
  const calls: unknown[][] = [];
  for (;;) {
    const args: unknown[] = [];
    for (const iterator of iterators) {
      const next = iterator.next();
      if (next.done) return calls;
      args.push(next.value);
    }
    calls.push(args);
  }
}

/**
 * The jobs of one `map()`: those submitted so far, in input order, and a
 * way to submit more once the pool has room.
 */
export interface MapFeed {
  /** The futures of the jobs submitted so far. */
  readonly futures: Future<unknown>[];
  /** How many jobs there are in all. */
  readonly total: number;
  /** Waits until the pool has room, then submits what fits. */
  more(): Promise<void>;
}

/**
 * Yields the results of the jobs in order (each an array of results when
 * `chunked`), throwing `TimeoutError` once loop time passes `deadline`.
 * However it ends, the futures not yet yielded are cancelled.
 */
export async function* mapResults<R>(
  feed: MapFeed,
  options: {
    chunked: boolean;
    deadline: number | null;
    loop: AbstractEventLoop;
  },
): AsyncGenerator<R, void, undefined> {
  const { chunked, deadline, loop } = options;
  const { futures } = feed;
  try {
    for (let i = 0; i < feed.total; i++) {
      while (i >= futures.length) await feed.more();
      const future = futures[i];
      if (deadline !== null) await waitUntil(future, deadline, loop);
      const value = await future;
      if (chunked) yield* value as R[];
      else yield value as R;
    }
  } finally {
    for (const future of futures) future.cancel();
  }
}

/** Waits until `future` is done, or throws `TimeoutError` at `deadline`. */
async function waitUntil(
  future: Future<unknown>,
  deadline: number,
  loop: AbstractEventLoop,
): Promise<void> {
  if (future.done()) return;
  const woken = new Future<void>(loop);
  const wake = () => {
    if (!woken.done()) woken.setResult(undefined);
  };
  taskInternals.onDone(future, wake);
  const timer = loopInternals.callAt(loop, deadline, wake);
  try {
    await woken;
  } finally {
    timer.cancel();
    future.removeDoneCallback(wake);
  }
  if (!future.done()) {
    throw new TimeoutError("map() ran out of time waiting for a result");
  }
}
