/**
 * `WorkerPoolExecutor`: worker threads as Python's thread and process
 * pools.
 *
 * @module
 */
import { clearInterval, setInterval } from "node:timers";
import { QueueFull, RuntimeError } from "../internal/errors.ts";
import { checkOptions } from "../internal/validate.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import {
  type Executor,
  setDefaultExecutorFactory,
} from "../loop/event_loop.ts";
import { currentOwner } from "../internal/context.ts";
import { Future } from "../tasks/future.ts";
import { Task } from "../tasks/task.ts";
import { BrokenExecutorError } from "./broken_executor_error.ts";
import {
  type AnyFunction,
  type Callable,
  type ModuleFunction,
  prepareCallable,
} from "./callable.ts";
import { type Packed, unpackThrown } from "./error_transport.ts";
import { activeLoop, hostLoop } from "./host_loop.ts";
import { cloneFailure, copyArguments, scanArguments } from "./arguments.ts";
import { IdleWorkers } from "./idle_workers.ts";
import { Job, type JobOwner } from "./job.ts";
import { JobQueue } from "./job_queue.ts";
import { type MapOptions, mapResults, splitMapArguments } from "./map.ts";
import {
  type PoolSettings,
  readPoolOptions,
  type WorkerPoolOptions,
} from "./pool_options.ts";
import { JobTimes, type PoolStats } from "./pool_stats.ts";
import type { ReplyMessage } from "./protocol.ts";
import { REFILL_AT, WorkerSlot } from "./worker_slot.ts";

export type { WorkerPoolOptions };

/**
 * The arguments of `map()` after the function: one iterable per parameter
 * of the function, then, optionally, the options.
 */
export type MapArguments<A extends unknown[]> =
  | { [K in keyof A]: Iterable<A[K]> }
  | [...{ [K in keyof A]: Iterable<A[K]> }, MapOptions];

/**
 * A pool of worker threads that runs functions in parallel with the
 * event loop: Python's `ThreadPoolExecutor` and `ProcessPoolExecutor` in
 * one (both names are exported as aliases). Work is a self-contained
 * function, sent by its source and compiled once per worker, or a
 * `{ module, name }` reference to an exported function of a module, which
 * may import anything. Arguments and results are structured-cloned: the
 * worker gets a copy, taken at `submit()`, and the caller's buffers stay
 * intact, as Python pickles them; a buffer passed as `move(buffer)` travels
 * without a copy instead (see `move()`).
 *
 * `maxWorkers` defaults to the number of CPU cores for both aliases.
 * Python's `min(32, cpus + 4)` for threads exists because Python threads
 * mostly wait on blocking I/O; JavaScript does I/O without threads, so a
 * worker only helps with CPU-bound work, and each one is a whole engine
 * instance (megabytes of memory, milliseconds to start).
 *
 * The pool needs no event loop: `submit()`, `map()`, `shutdown()` and
 * `await using` work in any async code, as `concurrent.futures` does.
 * Inside a task, what `submit()` returns is a future of the running loop:
 * awaiting it is cancellable, and cancelling it cancels the job.
 *
 * Workers start as jobs arrive (or at once, up to `minWorkers`) and never
 * keep the process alive while idle, nor for a job of an event loop that
 * has closed (it is cancelled, as `run()` cancels the tasks left behind).
 * A worker that dies fails only the job it was running, with
 * `BrokenExecutorError`, and is replaced; the jobs waiting behind it go to
 * another worker. One that dies before it starts breaks the pool, as in
 * Python: its replacement would die the same way. `shutdown()` (or
 * `await using`) terminates them all. The options beyond `maxWorkers` are
 * those users of `concurrent.futures` and piscina expect: see
 * `WorkerPoolOptions`.
 *
 * @example Running a function in a worker
 * ```ts
 * import { WorkerPoolExecutor } from "@aio/asyncio/executor";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const results = await run(async () => {
 *   await using pool = new WorkerPoolExecutor({ maxWorkers: 2 });
 *   const square = (n: number) => n * n;
 *   const one = await pool.submit(square, 12);
 *   const many: number[] = [];
 *   for await (const value of pool.map(square, [1, 2, 3])) many.push(value);
 *   return { one, many };
 * });
 * assert.deepEqual(results, { one: 144, many: [1, 4, 9] });
 * ```
 *
 * @example Without an event loop
 * ```ts
 * import { WorkerPoolExecutor } from "@aio/asyncio/executor";
 * import assert from "node:assert/strict";
 *
 * await using pool = new WorkerPoolExecutor({ maxWorkers: 2 });
 * assert.equal(await pool.submit((a: number, b: number) => a * b, 6, 7), 42);
 * ```
 */
export class WorkerPoolExecutor implements Executor {
  readonly #settings: PoolSettings;
  readonly #slots = new Set<WorkerSlot>();
  readonly #idle: IdleWorkers;
  readonly #queue = new JobQueue();
  #shutDown = false;
  /** Shut down without waiting: workers hold the process only for awaited results. */
  #letGo = false;
  #loopWatch: ReturnType<typeof setInterval> | null = null;
  /** Jobs of closed loops, cancelled already. */
  readonly #abandoned = new WeakSet<Job>();
  #broken: BrokenExecutorError | null = null;
  readonly #terminating = new Set<Promise<void>>();
  /** Resolves once shutdown finds every worker gone; made by the first waiter. */
  #allGone: { promise: Promise<void>; resolve: () => void } | null = null;
  /**
   * The `waitForRoom()` callers, oldest first (a `Map` keeps its order),
   * each asleep on a future of its own loop, with the task that called, if
   * any. One that is cancelled leaves at once, so a producer that keeps
   * giving up on waiting leaves nothing behind. Not the list that `sync/`
   * keeps a lock's waiters in: that one binds to one running loop, while
   * the pool's callers may be on several loops or on none.
   */
  readonly #roomWaiters = new Map<Future<void>, Task<unknown> | null>();
  /** The tasks told of room once: each is watched until it ends, once. */
  readonly #wokenCallers = new WeakSet<Task<unknown>>();
  readonly #times = new JobTimes();
  /** What the futures of this pool's jobs tell it. */
  readonly #jobOwner: JobOwner = {
    cancelJob: (job) => this.#cancel(job),
    wantJob: (job) => {
      if (!this.#letGo) return;
      for (const slot of this.#slots) {
        if (slot.jobs.includes(job)) slot.updateRef();
      }
    },
  };

  /**
   * Creates the pool and starts its `minWorkers`; the other workers start
   * as jobs arrive. An unknown option is a `TypeError`.
   */
  constructor(options: WorkerPoolOptions = {}) {
    this.#settings = readPoolOptions(options);
    // Past idleTimeout, an idle worker exits if above minWorkers.
    this.#idle = new IdleWorkers(this.#settings.idleTimeout, (slot) => {
      if (this.#slots.size <= this.#settings.minWorkers) return;
      this.#idle.forget(slot);
      this.#retire(slot);
    });
    for (let i = 0; i < this.#settings.minWorkers; i++) {
      this.#idle.park(this.#spawn());
    }
  }

  /** The most workers this pool runs at once. */
  get maxWorkers(): number {
    return this.#settings.maxWorkers;
  }

  /**
   * How the pool is doing now: its workers, the jobs queued, running and
   * completed, and how long the latest jobs ran and waited (in seconds).
   *
   * @example Counting jobs
   * ```ts
   * import { WorkerPoolExecutor } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
   * await pool.submit(() => "done");
   * const stats = pool.stats();
   * assert.equal(stats.completed, 1);
   * assert.equal(stats.queued + stats.running, 0);
   * assert.ok(stats.runTime.max >= stats.runTime.p50);
   * ```
   */
  stats(): PoolStats {
    let running = 0;
    for (const slot of this.#slots) if (slot.jobs.length > 0) running++;
    return {
      workers: this.#slots.size,
      idle: this.#idle.length,
      queued: this.#queued(),
      running,
      completed: this.#times.count,
      runTime: this.#times.runTime(),
      waitTime: this.#times.waitTime(),
    };
  }

  /**
   * Resolves once a job can be submitted without `QueueFull` (at once
   * without `maxQueue`): the back-pressure of a producer that submits
   * jobs in a loop. Awaited in a task, it is cancellable; a task cancelled
   * once told of room, before it could submit, passes the room on to the
   * next caller when it ends. A `RuntimeError` after `shutdown()`.
   *
   * @example Submitting no faster than the pool runs the jobs
   * ```ts
   * import { WorkerPoolExecutor } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * await using pool = new WorkerPoolExecutor({ maxWorkers: 1, maxQueue: 2 });
   * const jobs = [];
   * for (let i = 0; i < 10; i++) {
   *   await pool.waitForRoom();
   *   jobs.push(pool.submit((n: number) => n * n, i));
   *   assert.ok(pool.stats().queued <= 2);
   * }
   * assert.equal((await Promise.all(jobs)).at(-1), 81);
   * ```
   */
  waitForRoom(): Future<void> {
    this.#checkOpen("waitForRoom()");
    const waiter = new Future<void>(this.#currentLoop());
    if (this.#hasRoomFor(0)) {
      waiter.setResult(undefined);
      return waiter;
    }
    const owner = currentOwner();
    this.#roomWaiters.set(waiter, owner instanceof Task ? owner : null);
    waiter.addDoneCallback(this.#leaveRoomWaiters);
    return waiter;
  }

  /**
   * Runs `fn(...args)` in a worker and returns a future for the result.
   * Throws at once: a `RuntimeError` after `shutdown()`, a `TypeError` for
   * a function that uses outside variables or an argument that cannot be
   * cloned (nothing is queued then), `QueueFull` when `maxQueue` jobs
   * wait already (see `waitForRoom()`), `BrokenExecutorError` once the
   * initializer failed or a worker died before it started. Cancelling
   * the future drops a queued job, or aborts a running one (see
   * `jobSignal()` and `gracePeriod`).
   */
  submit<A extends unknown[], R>(
    fn: (...args: A) => R,
    ...args: A
  ): Future<Awaited<R>>;
  /** Runs a module's function, typed (see `moduleFunctions()`). */
  submit<F extends AnyFunction>(
    fn: ModuleFunction<F>,
    ...args: Parameters<F>
  ): Future<Awaited<ReturnType<F>>>;
  /** Runs the exported function `name` of `module` with `args`. */
  submit<R = unknown>(fn: ModuleFunction<never>, ...args: unknown[]): Future<R>;
  submit(
    fn: ((...args: unknown[]) => unknown) | ModuleFunction,
    ...args: unknown[]
  ): Future<unknown> {
    this.#checkOpen("submit()");
    const callable = prepareCallable(fn, "submit()");
    if (!this.#hasRoomFor(0)) {
      throw new QueueFull(
        `submit() would queue more than maxQueue (${this.#settings.maxQueue}) ` +
          "jobs: await pool.waitForRoom() first",
      );
    }
    return this.#submit(callable, args, false, this.#currentLoop()).future;
  }

  /**
   * Calls `fn` with one argument from each iterable in turn (stopping at
   * the shortest), all submitted at once, and yields the results in input
   * order. The last argument may be `{ timeout, chunksize }`: `timeout`
   * seconds, counted from this call, after which waiting for the next
   * result throws `TimeoutError`; `chunksize` calls sent to a worker as one
   * job (a failure then fails its whole chunk). Leaving the loop early, or
   * an error, cancels the calls not yet yielded. With `maxQueue`, calls
   * are submitted as room frees up while the results are read.
   */
  map<A extends unknown[], R>(
    fn: (...args: A) => R,
    ...iterables: MapArguments<A>
  ): AsyncGenerator<Awaited<R>, void, undefined>;
  /** Maps a module's function, typed (see `moduleFunctions()`). */
  map<F extends AnyFunction>(
    fn: ModuleFunction<F>,
    ...iterables: MapArguments<Parameters<F>>
  ): AsyncGenerator<Awaited<ReturnType<F>>, void, undefined>;
  /** Maps the exported function `name` of `module` over the iterables. */
  map<R = unknown>(
    fn: ModuleFunction<never>,
    ...iterables: (Iterable<unknown> | MapOptions)[]
  ): AsyncGenerator<R, void, undefined>;
  map(
    fn: ((...args: unknown[]) => unknown) | ModuleFunction,
    ...rest: (Iterable<unknown> | MapOptions)[]
  ): AsyncGenerator<unknown, void, undefined> {
    const { calls, timeout, chunksize } = splitMapArguments(rest);
    this.#checkOpen("map()");
    const callable = prepareCallable(fn, "map()");
    const loop = this.#currentLoop();
    const deadline = timeout === null ? null : loop.time() + timeout;
    const jobArgs: unknown[][] = [];
    for (let i = 0; i < calls.length; i += chunksize) {
      jobArgs.push(chunksize === 1 ? calls[i] : calls.slice(i, i + chunksize));
    }
    const futures: Future<unknown>[] = [];
    const submitWhileRoom = () => {
      while (futures.length < jobArgs.length && this.#hasRoomFor(0)) {
        const args = jobArgs[futures.length];
        futures.push(this.#submit(callable, args, chunksize > 1, loop).future);
      }
    };
    try {
      submitWhileRoom();
    } catch (error) {
      for (const future of futures) future.cancel();
      throw error;
    }
    const feed = {
      futures,
      total: jobArgs.length,
      more: async () => {
        await this.waitForRoom();
        submitWhileRoom();
      },
    };
    return mapResults(feed, { chunked: chunksize > 1, deadline, loop });
  }

  /**
   * Stops taking work. With `cancelFutures`, jobs not yet started are
   * cancelled; the others run to the end, then every worker is terminated.
   * With `wait` (the default) the promise settles once all workers are
   * gone; otherwise at once, and from then on a worker keeps the process
   * alive only for a result someone awaits: a job that never yields, and
   * that nobody waits for, does not hold the process. Harmless twice.
   */
  async shutdown(
    options: { wait?: boolean; cancelFutures?: boolean } = {},
  ): Promise<void> {
    const { wait = true, cancelFutures = false } = checkOptions<
      { wait: boolean; cancelFutures: boolean }
    >(options, "shutdown()", ["wait", "cancelFutures"]);
    this.#shutDown = true;
    this.#wakeRoomWaiters(Infinity);
    if (cancelFutures) {
      const unstarted = this.#queue.drain();
      for (const slot of this.#slots) {
        unstarted.push(...[...slot.jobs].filter((job) => slot.takeBack(job)));
      }
      for (const job of unstarted) {
        if (!job.future.getLoop().isClosed()) job.future.cancel();
      }
    }
    for (const slot of this.#idle.takeAll()) this.#retire(slot);
    if (!wait) {
      this.#letGo = true;
      for (const slot of this.#slots) slot.letGo();
      return;
    }
    if (this.#slots.size > 0 || this.#terminating.size > 0) {
      await this.#whenAllGone();
    }
  }

  /** `await using pool = new WorkerPoolExecutor()`: shuts down, waiting. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown({ wait: true });
  }

  #submit(
    callable: Callable,
    args: unknown[],
    chunk: boolean,
    loop: AbstractEventLoop,
  ): Job {
    // Plain numbers, strings and the like: nothing to scan, copy or fail.
    const scan = scanArguments(args);
    const hasBuffers = scan !== null && scan.buffers.length > 0;
    const slot = this.#slotFor(hasBuffers);
    let transfer: ArrayBuffer[] = [];
    // Copied now unless posted now to an idle worker, which copies it:
    // a job that waits must not see the caller's later changes.
    if (
      scan !== null && (hasBuffers || slot === null || slot.jobs.length > 0)
    ) {
      ({ args, transfer } = copyArguments(args, scan));
    }
    const job = new Job({
      callable,
      args,
      transfer,
      chunk,
      loop,
      pool: this.#jobOwner,
    });
    if (loop !== hostLoop) this.#watchLoops();
    if (slot === null) {
      this.#queue.push(job);
      return job;
    }
    if (scan === null) {
      slot.add(job);
      return job;
    }
    try {
      slot.send(job);
    } catch (error) {
      this.#stealOrIdle(slot);
      job.future.cancel();
      throw cloneFailure(error, args);
    }
    return job;
  }

  /**
   * A worker that can take a job now, started if need be, the one that
   * holds the fewest jobs among the others; else null.
   */
  #slotFor(movesBuffers: boolean): WorkerSlot | null {
    const idle = this.#idle.take();
    if (idle !== undefined) return idle;
    if (this.#slots.size < this.#settings.maxWorkers) return this.#spawn();
    let best: WorkerSlot | null = null;
    for (const slot of this.#slots) {
      if (
        slot.hasRoom(movesBuffers) &&
        (best === null || slot.jobs.length < best.jobs.length)
      ) {
        best = slot;
      }
    }
    return best;
  }

  #spawn(): WorkerSlot {
    const { init, limits, maxTasksPerChild } = this.#settings;
    const slot = new WorkerSlot({
      reply: (done, job, reply, startedAt) =>
        this.#onReply(done, job, reply, startedAt),
      death: (dead, error, code) => this.#onDeath(dead, error, code),
      initFailed: (_failed, thrown) => this.#onInitFailed(thrown),
    }, { init, limits, maxTasks: maxTasksPerChild });
    if (this.#letGo) slot.letGo();
    this.#slots.add(slot);
    return slot;
  }

  #onReply(
    slot: WorkerSlot,
    job: Job,
    reply: ReplyMessage,
    startedAt: number,
  ): void {
    this.#times.record(
      startedAt - job.submittedAt,
      performance.now() - startedAt,
    );
    if ("thrown" in reply) job.future.settle(false, unpackThrown(reply.thrown));
    else job.future.settle(true, reply.value);
    if (slot.exhausted) {
      // It ran its maxTasksPerChild jobs (and holds no more): replaced.
      this.#retire(slot);
      this.#refill();
    } else {
      // Refilled in batches, once half empty.
      if (slot.jobs.length <= REFILL_AT) this.#feed(slot);
      this.#stealOrIdle(slot);
    }
    this.#wakeRoomWaiters();
  }

  #onDeath(slot: WorkerSlot, error: unknown, code: number): void {
    this.#slots.delete(slot);
    this.#idle.forget(slot);
    const why = error === undefined
      ? `exited with code ${code}`
      : `died of an uncaught error (${describeError(error)})`;
    if (!slot.started) {
      // Its program did not load, or the initializer killed it: the next
      // worker would die the same way, so the pool stops, as Python's.
      this.#breakPool(
        new BrokenExecutorError(
          `A worker of the pool ${why} before it started: the pool takes ` +
            "no more work",
          { cause: error },
        ),
        slot,
      );
      this.#checkGone();
      return;
    }
    this.#evacuate(
      slot,
      new BrokenExecutorError(
        `The worker running this job ${why}; the pool replaces it`,
        { cause: error },
      ),
    );
    this.#refill();
    this.#wakeRoomWaiters();
    this.#checkGone();
  }

  /** The initializer threw: the pool is broken, as Python's is. */
  #onInitFailed(thrown: Packed): void {
    const cause = unpackThrown(thrown);
    this.#breakPool(
      new BrokenExecutorError(
        `The pool's initializer failed in a worker (${
          describeError(cause)
        }): the pool takes no more work`,
        { cause },
      ),
    );
  }

  /**
   * No worker can start: every job fails with `error` (the first such
   * error, if there were several), those `dead` held too, and so does
   * every later `submit()`.
   */
  #breakPool(error: BrokenExecutorError, dead: WorkerSlot | null = null): void {
    this.#broken ??= error;
    const broken = this.#broken;
    const held = [...this.#slots];
    const jobs = [...this.#queue.drain(), ...dead?.jobs ?? []];
    for (const slot of held) jobs.push(...slot.jobs);
    this.#idle.takeAll();
    for (const slot of held) this.#retire(slot);
    for (const job of jobs) job.future.settle(false, broken);
    this.#wakeRoomWaiters(Infinity);
  }

  #cancel(job: Job): void {
    for (const slot of this.#slots) {
      if (!slot.jobs.includes(job)) continue;
      if (slot.takeBack(job)) {
        this.#feed(slot);
        // It may hold nothing now: then it idles, or retires on shutdown.
        this.#stealOrIdle(slot);
      } else {
        slot.abort(job, this.#settings.gracePeriod, () => this.#kill(slot));
      }
      return;
    }
    // A queued job: skipped when its turn comes.
    this.#queue.forget(job);
    this.#wakeRoomWaiters();
  }

  /** Terminates a worker whose cancelled job ignored its signal. */
  #kill(slot: WorkerSlot): void {
    this.#slots.delete(slot);
    this.#evacuate(
      slot,
      new BrokenExecutorError(
        "The worker running this job was terminated: a job before it was " +
          "cancelled and did not stop within the grace period",
      ),
    );
    this.#retire(slot);
    this.#refill();
  }

  /**
   * Empties a slot that is going away: jobs it had not started go back to
   * the front of the queue, the one it ran fails with `error` (unless it
   * is already done, as a cancelled job is).
   */
  #evacuate(slot: WorkerSlot, error: BrokenExecutorError): void {
    const held = [...slot.jobs];
    const unstarted = held.filter((job) => slot.takeBack(job));
    for (const job of held) {
      if (!unstarted.includes(job)) job.future.settle(false, error);
    }
    this.#queue.putBack(unstarted);
  }

  /** Gives `slot` queued jobs while it has room. */
  #feed(slot: WorkerSlot): void {
    for (;;) {
      const job = this.#queue.peek();
      if (job === undefined) return;
      if (job.future.getLoop().isClosed()) {
        // Nobody can receive its result any more.
        this.#queue.take();
        continue;
      }
      if (!slot.hasRoom(job.transfer.length > 0)) return;
      this.#queue.take();
      // Queued arguments were cloned once already: they clone again.
      slot.add(job);
    }
  }

  /**
   * Called when `slot` may hold nothing: it takes the later half of the
   * jobs that wait behind a running one in another worker, else idles (or
   * retires on shutdown).
   */
  #stealOrIdle(slot: WorkerSlot): void {
    if (slot.jobs.length > 0 || !this.#slots.has(slot)) return;
    for (const other of this.#slots) {
      const held = other.jobs;
      const later = held.slice(Math.max(1, Math.ceil(held.length / 2)));
      for (const job of later) {
        if (other.takeBack(job)) slot.add(job);
      }
      if (slot.jobs.length > 0) return;
    }
    if (this.#shutDown) this.#retire(slot);
    else this.#idle.park(slot);
  }

  /**
   * Starts workers for queued jobs, up to `maxWorkers`, and keeps
   * `minWorkers` running while the pool is open.
   */
  #refill(): void {
    while (this.#queue.peek() !== undefined) {
      const slot = this.#idle.take() ??
        (this.#slots.size < this.#settings.maxWorkers ? this.#spawn() : null);
      if (slot === null) break;
      this.#feed(slot);
      this.#stealOrIdle(slot);
    }
    while (
      !this.#shutDown && this.#broken === null &&
      this.#slots.size < this.#settings.minWorkers
    ) {
      this.#idle.park(this.#spawn());
    }
  }

  /**
   * While workers hold jobs of event loops, looks now and then for loops
   * that closed (a loop closes without telling its futures): nobody can
   * receive those results, so the jobs are cancelled as `run()` cancels
   * the tasks left behind, and they no longer keep the process alive.
   */
  #watchLoops(): void {
    if (this.#loopWatch !== null) return;
    this.#loopWatch = setInterval(() => {
      let busy = false;
      for (const slot of [...this.#slots]) {
        if (slot.jobs.length === 0) continue;
        busy = true;
        for (const job of [...slot.jobs]) {
          if (this.#abandoned.has(job)) continue;
          if (!job.future.getLoop().isClosed()) continue;
          this.#abandoned.add(job);
          this.#cancel(job);
        }
        slot.updateRef();
      }
      if (!busy) {
        clearInterval(this.#loopWatch!);
        this.#loopWatch = null;
      }
    }, LOOP_WATCH_MS);
    this.#loopWatch.unref();
  }

  /** Jobs not started: in the queue, or waiting in a worker. */
  #queued(): number {
    let waiting = 0;
    for (const slot of this.#slots) {
      waiting += Math.max(0, slot.jobs.length - 1);
    }
    return this.#queue.size + waiting;
  }

  /** Wakes the `waitForRoom()` callers that fit now (`all`: every one). */
  #wakeRoomWaiters(all = 0): void {
    const waiters = this.#roomWaiters;
    let woken = 0;
    for (const [waiter, caller] of waiters) {
      if (woken >= all && !this.#hasRoomFor(woken)) return;
      waiters.delete(waiter);
      if (waiter.done() || waiter.getLoop().isClosed()) continue;
      waiter.setResult(undefined);
      woken++;
      if (caller !== null) this.#watchWokenCaller(caller);
    }
  }

  /**
   * When a woken caller's task ends, however it ended, the room it was
   * told of may still be free (it was cancelled before it could submit,
   * and maybe uncancelled): the next caller gets it, or it would wait on
   * with room to spare. Waking finds nothing to do when there is no room.
   */
  #watchWokenCaller(caller: Task<unknown>): void {
    if (this.#wokenCallers.has(caller)) return;
    this.#wokenCallers.add(caller);
    caller.addDoneCallback(() => this.#wakeRoomWaiters());
  }

  /** A `waitForRoom()` future is done: woken, or cancelled by its caller. */
  readonly #leaveRoomWaiters = (waiter: Future<void>): void => {
    this.#roomWaiters.delete(waiter);
  };

  /**
   * True if one more job, after `pending` others, would start at once (an
   * idle worker, or room to start one) or find room in the queue under
   * `maxQueue`.
   */
  #hasRoomFor(pending: number): boolean {
    const { maxQueue, maxWorkers } = this.#settings;
    if (maxQueue === null) return true;
    const free = this.#idle.length + maxWorkers - this.#slots.size;
    return pending < free + maxQueue - this.#queued();
  }

  #retire(slot: WorkerSlot): void {
    this.#slots.delete(slot);
    const gone = slot.terminate().catch(() => {});
    this.#terminating.add(gone);
    gone.then(() => {
      this.#terminating.delete(gone);
      this.#checkGone();
    });
  }

  #checkGone(): void {
    if (!this.#shutDown) return;
    if (this.#slots.size > 0 || this.#terminating.size > 0) return;
    this.#allGone?.resolve();
  }

  #whenAllGone(): Promise<void> {
    if (this.#allGone === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => resolve = done);
      this.#allGone = { promise, resolve };
    }
    return this.#allGone.promise;
  }

  #currentLoop(): AbstractEventLoop {
    return this.#settings.loop ?? activeLoop() ?? hostLoop;
  }

  #checkOpen(api: string): void {
    if (this.#broken !== null) {
      throw new BrokenExecutorError(this.#broken.message, {
        cause: this.#broken.cause,
      });
    }
    if (this.#shutDown) {
      throw new RuntimeError(
        `Cannot call ${api} after shutdown(): the pool takes no new work`,
      );
    }
  }
}

/** How often a busy pool looks for closed loops. */
const LOOP_WATCH_MS = 200;

/** Python's name for a pool of threads: the same `WorkerPoolExecutor`. */
export const ThreadPoolExecutor = WorkerPoolExecutor;
/** Python's name for a pool of processes: the same `WorkerPoolExecutor`. */
export const ProcessPoolExecutor = WorkerPoolExecutor;

// `loop.runInExecutor(null, …)` and `toThread()` use a pool of this kind.
setDefaultExecutorFactory(() => new WorkerPoolExecutor());

function describeError(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
}
