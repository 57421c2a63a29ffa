/**
 * A job: one call waiting for, or running in, a worker, and the future its
 * caller awaits.
 *
 * @module
 */
import { holdClock } from "../internal/real_world.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import { Future } from "../tasks/future.ts";
import { internals as taskInternals } from "../tasks/_internals.ts";
import type { Callable } from "./callable.ts";
import { activeLoop, hostLoop } from "./host_loop.ts";
import { wrapFuture } from "../tasks/wrap_future.ts";

/**
 * The future of a job. Cancelling it tells the pool, which drops the job
 * if it is still queued or aborts it in its worker. While it is pending
 * it holds the loop's clock: a virtual clock must not jump past real work.
 * Made where no loop runs, it lives on the host, and a task that awaits it
 * awaits a future of its own loop wrapped around it (`wrapFuture`): an
 * ordinary, cancellable library await.
 */
export class JobFuture<T = unknown> extends Future<T> {
  // It stands for the Future asyncio's run_in_executor returns, and reads
  // as one in descriptions and reports ("Future exception was never ...").
  static {
    Object.defineProperty(this, "name", { value: "Future" });
  }

  readonly #release: () => void;
  readonly #job: Job;
  readonly #pool: JobOwner;
  #wanted = false;
  /** The futures of other loops wrapped around this one, by loop. */
  #wrappers: Map<AbstractEventLoop, Future<T>> | null = null;

  /** A pending future on `loop` for `job` of `pool`. */
  constructor(loop: AbstractEventLoop, job: Job, pool: JobOwner) {
    super(loop);
    this.#release = holdClock(loop);
    this.#job = job;
    this.#pool = pool;
  }

  /** True once someone awaits the result or asked to be called back. */
  get wanted(): boolean {
    return this.#wanted;
  }

  /** Cancels the job: dropped if queued, aborted if running. */
  override cancel(msg?: string | null): boolean {
    if (!super.cancel(msg)) return false;
    this.#release();
    this.#pool.cancelJob(this.#job);
    return true;
  }

  /** As `Future.addDoneCallback`; the result is wanted from now on. */
  override addDoneCallback(callback: (future: Future<T>) => unknown): void {
    super.addDoneCallback(callback);
    this.#want();
  }

  #want(): void {
    if (this.#wanted) return;
    this.#wanted = true;
    if (!this.done()) this.#pool.wantJob(this.#job);
  }

  /** As `Future.then`; inside a task, through a future of its loop. */
  override then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    // deno-lint-ignore no-explicit-any
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    this.#want();
    const loop = this.getLoop() === hostLoop ? activeLoop() : null;
    if (loop === null) return super.then(onFulfilled, onRejected);
    return this.#wrapperOn(loop).then(onFulfilled, onRejected);
  }

  /** The future of `loop` wrapped around this one, made once per loop. */
  #wrapperOn(loop: AbstractEventLoop): Future<T> {
    let wrapper = this.#wrappers?.get(loop);
    if (wrapper !== undefined) return wrapper;
    wrapper = wrapFuture<T>(this, loop);
    (this.#wrappers ??= new Map()).set(loop, wrapper);
    // The job is real-world work of `loop` too: its clock waits for it, and
    // a wait on it is no deadlock.
    taskInternals.onDone(wrapper, holdClock(loop));
    return wrapper;
  }

  /**
   * Settles the future from outside the loop: with the job's result or
   * error, unless it is already done or its loop is closed (nobody can
   * await it then).
   */
  settle(ok: boolean, value: unknown): void {
    this.#release();
    if (this.done() || this.getLoop().isClosed()) return;
    if (ok) this.setResult(value as T);
    else this.setException(value);
  }
}

/** What a job's future tells its pool. */
export interface JobOwner {
  /** The future of `job` was cancelled. */
  cancelJob(job: Job): void;
  /** Someone waits for the result of `job` now. */
  wantJob(job: Job): void;
}

/** One call of a function in a worker. */
export class Job {
  /** The function to call. */
  readonly callable: Callable;
  /** The arguments (for a chunk, one argument list per call). */
  readonly args: unknown[];
  /** The buffers in `args`, moved to the worker with them. */
  readonly transfer: ArrayBuffer[];
  /** True for a `map` chunk: many calls, one array of results. */
  readonly chunk: boolean;
  /** The caller's future. */
  readonly future: JobFuture;
  /** Unique among the live jobs of the process, never 0; fits an Int32. */
  readonly id: number;
  /** When it was submitted, as `performance.now()`. */
  readonly submittedAt: number = performance.now();

  /** A job whose future lives on `loop`. */
  constructor(
    init: {
      callable: Callable;
      args: unknown[];
      transfer: ArrayBuffer[];
      chunk: boolean;
      loop: AbstractEventLoop;
      pool: JobOwner;
    },
  ) {
    this.callable = init.callable;
    this.args = init.args;
    this.transfer = init.transfer;
    this.chunk = init.chunk;
    this.id = nextJobId();
    this.future = new JobFuture(init.loop, this, init.pool);
  }
}

let lastJobId = 0;

function nextJobId(): number {
  lastJobId = lastJobId === 0x7fffffff ? 1 : lastJobId + 1;
  return lastJobId;
}
