/**
 * `run()` and `Runner`: a loop for the length of one program.
 *
 * @module
 */
import {
  CancelledError,
  KeyboardInterrupt,
  RuntimeError,
} from "../internal/errors.ts";
import { currentOwner } from "../internal/context.ts";
import {
  exitInterrupted,
  exitOnUncaughtInterrupt,
  listenForInterrupt,
} from "../internal/signals.ts";
import { checkFunction, checkOptions, describe } from "../internal/validate.ts";
import { gather } from "../tasks/gather.ts";
import {
  checkCoroutineFunction,
  type CoroutineFunction,
  type Task,
} from "../tasks/task.ts";
import type { EventLoop } from "./event_loop.ts";
import { newEventLoop, setEventLoop } from "./policy.ts";
import { internals as taskInternals } from "../tasks/_internals.ts";

/** How long closing waits for the default executor's jobs: asyncio's 300 s. */
const EXECUTOR_JOIN_TIMEOUT = 300;

/** Options of `run()` and `Runner`. */
export interface RunOptions {
  /** Debug mode; the default is on when `AIO_DEBUG=1` is set. */
  debug?: boolean | null;
  /** Makes the loop; the policy's `newEventLoop` when omitted. */
  loopFactory?: (() => EventLoop) | null;
}

const RUN_OPTIONS: (keyof RunOptions)[] = ["debug", "loopFactory"];

/**
 * Runs several top-level calls on one loop, then cleans up: asyncio's
 * `Runner`. `close()` cancels the tasks still alive and waits for them,
 * shuts the default executor down and closes the loop.
 *
 * Ctrl-C works as in Python: while `run()` runs in the main thread and
 * nobody else listens for SIGINT, the first SIGINT cancels the main task,
 * and `run()` rejects with `KeyboardInterrupt` once it has finished; a
 * second SIGINT, or one while the runner closes, ends the process at once
 * with exit code 130.
 *
 * @example Two calls on one loop
 * ```ts
 * import { Runner, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * await using runner = new Runner();
 * assert.equal(await runner.run(async () => { await sleep(0); return 1; }), 1);
 * assert.equal(await runner.run(async () => 2), 2);
 * ```
 */
export class Runner {
  #loop: EventLoop | null = null;
  #closed = false;
  /** The SIGINTs received during the current `run()`. */
  #interrupts = 0;
  readonly #debug: boolean | null;
  readonly #loopFactory: (() => EventLoop) | null;

  /** Creates a runner; the loop is made on first use. */
  constructor(options: RunOptions = {}) {
    const { debug, loopFactory } = checkRunOptions(options, "Runner()");
    this.#debug = debug ?? null;
    this.#loopFactory = loopFactory ?? null;
  }

  /** The runner's loop, made on first use. */
  getLoop(): EventLoop {
    if (this.#closed) throw new RuntimeError("The runner is closed");
    if (this.#loop === null) {
      if (this.#loopFactory === null) {
        this.#loop = newEventLoop();
        setEventLoop(this.#loop);
      } else {
        this.#loop = this.#loopFactory();
      }
      if (this.#debug !== null) this.#loop.setDebug(this.#debug);
    }
    return this.#loop;
  }

  /**
   * Runs the async function `main` as a task until it completes and
   * returns its result. A `TypeError` for anything but a function; a
   * `RuntimeError` when called from a running loop. Rejects with
   * `KeyboardInterrupt` when Ctrl-C cancelled `main` (see the class).
   */
  async run<T>(main: CoroutineFunction<T>): Promise<T> {
    checkCoroutineFunction(main, "run()");
    if (currentOwner()?.getLoop().isRunning()) {
      throw new RuntimeError(
        "run() cannot be called from a running event loop: await the " +
          "function instead, or use createTask()",
      );
    }
    const loop = this.getLoop();
    const task = loop.createTask(main);
    this.#interrupts = 0;
    const stopListening = listenForInterrupt(() => this.#onInterrupt(task));
    try {
      return await loop.runUntilComplete(task);
    } catch (error) {
      throw this.#interruptOr(error, task);
    } finally {
      stopListening?.();
    }
  }

  /** asyncio's `Runner._on_sigint`: cancel `main` once, then end at once. */
  #onInterrupt(main: Task<unknown>): void {
    this.#interrupts++;
    if (this.#interrupts === 1 && !main.done()) {
      main.cancel();
      return;
    }
    exitInterrupted("KeyboardInterrupt");
  }

  /**
   * What `run()` throws for `error`: `KeyboardInterrupt` for the cancel
   * that Ctrl-C asked for, unless `main` was also cancelled otherwise.
   */
  #interruptOr(error: unknown, main: Task<unknown>): unknown {
    if (
      error instanceof CancelledError && this.#interrupts > 0 &&
      main.uncancel() === 0
    ) {
      error = new KeyboardInterrupt();
    }
    if (error instanceof KeyboardInterrupt) exitOnUncaughtInterrupt();
    return error;
  }

  /**
   * Cancels every task still alive and waits until they finished (their
   * `finally` blocks ran), shuts the default executor down, closes the loop.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const loop = this.#loop;
    if (loop === null) return;
    // Ctrl-C during the cleanup ends the process, as Python's default
    // SIGINT handler does once `run()` has returned.
    const stopListening = listenForInterrupt(() =>
      exitInterrupted("KeyboardInterrupt")
    );
    try {
      await cancelAllTasks(loop);
      await loop.runUntilComplete(() =>
        loop.shutdownDefaultExecutor(EXECUTOR_JOIN_TIMEOUT)
      );
    } finally {
      stopListening?.();
      if (this.#loopFactory === null) setEventLoop(null);
      loop.close();
    }
  }

  /** Closes the runner: `await using runner = new Runner()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Runs the async function `main` on a new loop and returns its result:
 * asyncio's `run()`. Before it returns, every task still alive is cancelled
 * and awaited, the default executor is shut down and the loop is closed, so
 * nothing keeps the process alive.
 *
 * Ctrl-C (SIGINT) cancels `main`, so every `finally` and `await using` exit
 * runs; `run()` then rejects with `KeyboardInterrupt`, which ends the
 * process with exit code 130 when nobody catches it. A second Ctrl-C ends
 * the process at once. Nothing is installed off the main thread or when a
 * SIGINT listener of someone else's is in place.
 *
 * @example Hello world
 * ```ts
 * import { run, sleep } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const greeting = await run(async () => {
 *   await sleep(0.01);
 *   return "hello world";
 * });
 * assert.equal(greeting, "hello world");
 * ```
 */
export async function run<T>(
  main: CoroutineFunction<T>,
  options: RunOptions = {},
): Promise<T> {
  checkCoroutineFunction(main, "run()");
  checkRunOptions(options, "run()");
  const runner = new Runner(options);
  try {
    return await runner.run(main);
  } finally {
    await runner.close();
  }
}

/** Checks the options of `run()` or `Runner()`: known keys, right types. */
function checkRunOptions(options: unknown, caller: string): RunOptions {
  const checked = checkOptions<RunOptions>(options, caller, RUN_OPTIONS);
  const { debug, loopFactory } = checked;
  if (debug != null && typeof debug !== "boolean") {
    throw new TypeError(
      `The debug option of ${caller} must be a boolean, got ${describe(debug)}`,
    );
  }
  if (loopFactory != null) checkFunction(loopFactory, "loopFactory");
  return checked;
}

/** Cancels the loop's live tasks, waits for them, reports their errors. */
async function cancelAllTasks(loop: EventLoop): Promise<void> {
  const tasks = [...taskInternals.tasksOf(loop)];
  if (tasks.length === 0) return;
  for (const task of tasks) task.cancel();
  await loop.runUntilComplete(gather(tasks, { returnExceptions: true }));
  for (const task of tasks) reportFailure(loop, task);
}

function reportFailure(loop: EventLoop, task: Task<unknown>): void {
  if (!taskInternals.hasFailed(task)) return;
  loop.callExceptionHandler({
    message: "unhandled exception during run() shutdown",
    exception: task.exception(),
    task,
  });
}
