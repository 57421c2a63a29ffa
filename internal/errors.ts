/**
 * The error classes shared by every layer. They are re-exported by the
 * public modules; nothing here is imported by users directly.
 *
 * @module
 */

/**
 * Raised inside a task at the `await` where it was cancelled, and by
 * `result()` of a cancelled future. Like Python's `asyncio.CancelledError`,
 * catching it and carrying on suppresses the cancellation.
 *
 * @example Catching a cancellation
 * ```ts
 * import { CancelledError, createTask, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const seen = await run(async () => {
 *   const task = createTask(() => sleep(10));
 *   await sleep(0);
 *   task.cancel("stop");
 *   try {
 *     await task;
 *     return "not cancelled";
 *   } catch (error) {
 *     return error instanceof CancelledError ? error.message : "other";
 *   }
 * });
 * assert.equal(seen, "stop");
 * ```
 */
export class CancelledError extends Error {
  /** Creates the error; `message` is the one given to `cancel(msg)`. */
  constructor(message?: string) {
    // Cancellation is control flow, made by the loop far from the await it
    // ends: a stack would say nothing and cost more than the rest of a
    // cancel together (measured cancelling 100,000 sleeping tasks).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message ?? "");
    Error.stackTraceLimit = limit;
    this.name = "CancelledError";
  }

  static {
    CancelledError.prototype.name = "CancelledError";
  }
}

/**
 * A `CancelledError` as the library raises it, made without the `Error`
 * constructor: on Deno that constructor costs 1.4–3 µs and 1 KB even with
 * no stack to take (measured), and each cancelled await makes one. It is
 * an instance of `CancelledError` and `Error` with the same message and the
 * one-line stack a stackless error has.
 */
export function cancelledError(message?: string | null): CancelledError {
  const error = Object.create(CancelledError.prototype) as CancelledError;
  error.message = message ?? "";
  error.stack = `CancelledError: ${error.message}`;
  return error;
}

/**
 * Raised by `waitFor`, `timeout` and `asCompleted` when their time is up.
 * Its `cause` is the `CancelledError` it replaced, where there was one.
 *
 * @example Checking for a timeout
 * ```ts
 * import { TimeoutError } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const error = new TimeoutError("too slow");
 * assert.ok(error instanceof Error);
 * assert.equal(error.name, "TimeoutError");
 * ```
 */
export class TimeoutError extends Error {
  /** Creates the error with an optional message and cause. */
  constructor(message?: string, options?: ErrorOptions) {
    super(message ?? "", options);
    this.name = "TimeoutError";
  }
}

/**
 * Raised when an operation is not allowed in a future's current state:
 * `result()` before it is done, or a second `setResult`.
 *
 * @example Reading a result too early
 * ```ts
 * import { Future, InvalidStateError, newEventLoop } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const future = loop.createFuture<number>();
 * assert.throws(() => future.result(), InvalidStateError);
 * assert.ok(future instanceof Future);
 * loop.close();
 * ```
 */
export class InvalidStateError extends Error {
  /** Creates the error with a message that says what was wrong. */
  constructor(message: string) {
    super(message);
    this.name = "InvalidStateError";
  }
}

/**
 * Python's `RuntimeError` as asyncio uses it: no running event loop, a loop
 * that is closed or already running, work submitted after shutdown.
 *
 * @example No loop is running here
 * ```ts
 * import { getRunningLoop, RuntimeError } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => getRunningLoop(), RuntimeError);
 * ```
 */
export class RuntimeError extends Error {
  /** Creates the error with a message that says what was wrong. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RuntimeError";
  }
}

/**
 * Python's `KeyboardInterrupt`: `run()` and `Runner.run()` reject with it
 * after Ctrl-C (SIGINT) cancelled the main task and its cleanup ran. Left
 * uncaught, it ends the process with exit code 130, as in Python.
 *
 * @example Telling Ctrl-C apart from a failure
 * ```ts
 * import { KeyboardInterrupt, run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * let outcome = "finished";
 * try {
 *   await run(async () => {
 *     throw new KeyboardInterrupt(); // what Ctrl-C makes run() reject with
 *   });
 * } catch (error) {
 *   if (!(error instanceof KeyboardInterrupt)) throw error;
 *   outcome = "interrupted";
 * }
 * assert.equal(outcome, "interrupted");
 * ```
 */
export class KeyboardInterrupt extends Error {
  /** Creates the error; Ctrl-C makes one without a message. */
  constructor(message?: string) {
    super(message ?? "");
    this.name = "KeyboardInterrupt";
  }
}

/**
 * Raised by `Queue.putNowait()` when the queue holds `maxsize` items, and
 * by a worker pool's `submit()` when `maxQueue` jobs are waiting.
 *
 * @example Adding to a full queue
 * ```ts
 * import { Queue, QueueFull } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * const queue = new Queue<string>(1);
 * queue.putNowait("a");
 * assert.throws(() => queue.putNowait("b"), QueueFull);
 * ```
 */
export class QueueFull extends Error {
  /** Creates the error. */
  constructor(
    message = "The queue is full: await put() to wait for a free slot",
  ) {
    super(message);
    this.name = "QueueFull";
  }
}

/** `thrown` as an `Error`: JavaScript can throw anything. */
export function toError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}

/** The `code` of a host error (`"ENOENT"`...), or `undefined` for none. */
export function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null | undefined)?.code;
}
