/**
 * The abort signal of the job a worker runs: how a cancelled job learns
 * that it was cancelled.
 *
 * @module
 */
import { RuntimeError } from "../internal/errors.ts";

/**
 * Names the global (`Symbol.for(key)`) where a worker keeps the running
 * job's signal: global, so that a task module that imports this package
 * by another URL than the pool still finds it.
 */
export const JOB_SIGNAL_KEY = "@aio/asyncio/executor.jobSignal";

/**
 * The `AbortSignal` of the job this worker is running. It is aborted when
 * the job's future is cancelled; after the pool's grace period the worker
 * is terminated anyway. A synchronous job sees the cancel too: reading
 * `signal.aborted` (or calling `signal.throwIfAborted()`) checks a flag in
 * shared memory, so a busy loop can poll it. A function sent by its source
 * may use `jobSignal` without importing it; a module task imports it from
 * `@aio/asyncio/executor`. Outside a job it is a `RuntimeError`.
 *
 * A bundler or minifier renames imports, so that a function sent by its
 * source would name `jobSignal` by a name the worker does not know: such a
 * job, declared with `function`, reads the same signal as `this.signal`
 * (see `JobContext`), which no tool renames. Module jobs load as they are,
 * and survive any tool. Coverage tools that rewrite code (istanbul, nyc)
 * add counters from outside the function, which a worker lacks: leave job
 * functions out of instrumentation, or use module jobs; the runtimes' own
 * coverage (`deno test --coverage`, `bun test --coverage`, c8) rewrites
 * nothing.
 *
 * @example Outside a worker there is no job
 * ```ts
 * import { jobSignal } from "@aio/asyncio/executor";
 * import { RuntimeError } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => jobSignal(), RuntimeError);
 * ```
 *
 * @example A job that stops when cancelled
 * ```ts
 * import { jobSignal, WorkerPoolExecutor } from "@aio/asyncio/executor";
 * import { CancelledError, run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
 *   const job = pool.submit(() => {
 *     while (!jobSignal().aborted) {
 *       // Work in small steps, checking the signal between them.
 *     }
 *     return "stopped";
 *   });
 *   await sleep(0.2);
 *   job.cancel();
 *   await assert.rejects(async () => await job, CancelledError);
 * });
 * ```
 */
export function jobSignal(): AbortSignal {
  const source =
    (globalThis as Record<symbol, (() => AbortSignal) | undefined>)[
      Symbol.for(JOB_SIGNAL_KEY)
    ];
  if (source === undefined) {
    throw new RuntimeError(
      "jobSignal() works only inside a job that a WorkerPoolExecutor runs " +
        "in a worker",
    );
  }
  return source();
}

/**
 * What a job's `this` holds, for a job declared with `function` (arrow
 * functions have no `this`): its signal and `move`, reached without an
 * import that a bundler could rename.
 *
 * @example A job that needs no import, whatever the bundler
 * ```ts
 * import { type JobContext, WorkerPoolExecutor } from "@aio/asyncio/executor";
 * import assert from "node:assert/strict";
 *
 * await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
 * const aborted = await pool.submit(function (this: JobContext) {
 *   return this.signal.aborted;
 * });
 * assert.equal(aborted, false);
 * ```
 */
export interface JobContext {
  /** The job's signal, as `jobSignal()` returns it. */
  readonly signal: AbortSignal;
  /** `move()`, for a result sent back without a copy. */
  move<T extends ArrayBuffer | ArrayBufferView>(value: T): T;
}

/** The worker side of job signals: what `trackJobSignals` returns. */
export interface JobSignalTracker {
  /** Job `id` starts running. */
  start(id: number): void;
  /** The host cancelled job `id` (it may have finished meanwhile). */
  abort(id: number): void;
  /** The running job is over. */
  end(): void;
  /** The running job's signal, made on first use. */
  signal(): AbortSignal;
}

/**
 * Serves `jobSignal()` in a worker, one job at a time. `flag` is shared
 * with the host, which writes there the id of a job it cancels, so that
 * reading `signal.aborted` sees a cancel even while the job keeps the
 * worker too busy to receive messages.
 *
 * Self-contained (it uses only globals): workers run it from its source.
 */
export function trackJobSignals(
  flag: Int32Array,
  key: string,
): JobSignalTracker {
  const baseAborted = Object.getOwnPropertyDescriptor(
    AbortSignal.prototype,
    "aborted",
  )!.get!;
  let running = 0;
  let controller: AbortController | null = null;
  let aborted = false;
  const makeSignal = (id: number): AbortController => {
    const made = new AbortController();
    const signal = made.signal;
    let seen = false;
    const poll = () => {
      // Guarded: Deno's abort() reads `aborted` itself.
      if (!seen && Atomics.load(flag, 0) === id) {
        seen = true;
        made.abort();
      }
    };
    Object.defineProperty(signal, "aborted", {
      get: () => (poll(), baseAborted.call(signal)),
    });
    signal.throwIfAborted = () => {
      poll();
      AbortSignal.prototype.throwIfAborted.call(signal);
    };
    return made;
  };
  const tracker: JobSignalTracker = {
    start(id) {
      running = id;
      controller = null;
      aborted = false;
    },
    abort(id) {
      if (id !== running) return;
      aborted = true;
      controller?.abort();
    },
    end() {
      running = 0;
      controller = null;
    },
    signal() {
      if (running === 0) {
        const error = new Error("jobSignal() was called after its job ended");
        error.name = "RuntimeError";
        throw error;
      }
      if (controller === null) {
        controller = makeSignal(running);
        if (aborted) controller.abort();
      }
      return controller.signal;
    },
  };
  (globalThis as Record<symbol, unknown>)[Symbol.for(key)] = tracker.signal;
  return tracker;
}
