/**
 * `staggeredRace`: start attempts one after another, a delay apart, and
 * keep the first that succeeds (the heart of happy eyeballs).
 *
 * @module
 */
import { TimeoutError } from "../internal/errors.ts";
import { checkSeconds, describe } from "../internal/validate.ts";
import type { EventLoop } from "../loop/event_loop.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import { currentTask } from "./current_task.ts";
import { ExceptionGroup } from "./exception_group.ts";
import { type Future, park } from "./future.ts";
import { checkCoroutineFunction, type Task } from "./task.ts";
import { waitFor } from "./wait_for.ts";
import { internals } from "./_internals.ts";

/** One attempt of `staggeredRace`: called with its task's `AbortSignal`. */
export type RaceAttempt<T> = (signal: AbortSignal) => T | PromiseLike<T>;

/**
 * What `staggeredRace` resolves to, as Python's tuple: the winner's
 * result, its index (`null` for both when no attempt won), and one entry
 * per attempt started, in order: what it threw, or `null` for the winner.
 */
export type StaggeredRaceResult<T> = [
  winnerResult: T | null,
  winnerIndex: number | null,
  exceptions: unknown[],
];

/**
 * Runs `coroFns` with staggered starts and returns the first to succeed:
 * asyncio's `staggered_race`. The first attempt starts at once; each next
 * one starts when the one before it fails or after `delay` seconds,
 * whichever comes first (`null` or omitted: only when it fails, so the
 * attempts run one by one). The first attempt to return wins and every
 * other attempt still running is cancelled; `staggeredRace` resolves once
 * all have finished.
 *
 * Each attempt runs in a task of its own and is called with that task's
 * `AbortSignal`, so `(signal) => fetch(url, { signal })` stops when it
 * loses. An attempt should return only on success and throw otherwise.
 * Cancelling the caller cancels every attempt, waits until they have
 * finished, then throws the `CancelledError` (CPython 3.13's later fix:
 * no attempt outlives the race). An array of attempts is checked at the
 * call; any other iterable is read one attempt at a time, as Python does,
 * so a value in it that is not a function fails only that attempt. An
 * attempt that returns after another has won (it swallowed its
 * cancellation) is ignored: the first winner stays.
 *
 * @example The fast second attempt wins; the slow first one is cancelled
 * ```ts
 * import { CancelledError, run, sleep, staggeredRace } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [winner, index, errors] = await run(() =>
 *   staggeredRace([
 *     () => sleep(10, "slow"),
 *     () => sleep(0.01, "fast"),
 *   ], 0.01)
 * );
 * assert.equal(winner, "fast");
 * assert.equal(index, 1);
 * assert.ok(errors[0] instanceof CancelledError);
 * assert.equal(errors[1], null);
 * ```
 */
export function staggeredRace<F extends RaceAttempt<unknown>>(
  coroFns: Iterable<F>,
  delay?: number | null,
): Promise<StaggeredRaceResult<Awaited<ReturnType<F>>>> {
  checkAttempts(coroFns);
  if (delay !== undefined && delay !== null) {
    checkSeconds(delay, "staggeredRace()'s delay");
  }
  const race = new Race<Awaited<ReturnType<F>>>(
    getRunningLoop(),
    coroFns as Iterable<RaceAttempt<Awaited<ReturnType<F>>>>,
    delay ?? null,
  );
  return race.run();
}

function checkAttempts(coroFns: unknown): void {
  if (
    typeof coroFns !== "object" || coroFns === null ||
    typeof (coroFns as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `staggeredRace() takes an iterable of async functions, got ${
        describe(coroFns)
      }`,
    );
  }
  if (Array.isArray(coroFns)) {
    for (const fn of coroFns) checkCoroutineFunction(fn, "staggeredRace()");
  }
}

/** The state of one `staggeredRace` call. */
class Race<T> {
  readonly #loop: EventLoop;
  readonly #attempts: Iterator<RaceAttempt<T>>;
  readonly #delay: number | null;
  #started = 0;
  #winnerResult: T | null = null;
  #winnerIndex: number | null = null;
  readonly #exceptions: unknown[] = [];
  /** Errors of the race's own tasks, outside any attempt: a bug to show. */
  readonly #unhandled: unknown[] = [];
  readonly #running = new Set<Task<void>>();
  #allDone: Future<void> | null = null;

  constructor(
    loop: EventLoop,
    coroFns: Iterable<RaceAttempt<T>>,
    delay: number | null,
  ) {
    this.#loop = loop;
    this.#attempts = coroFns[Symbol.iterator]();
    this.#delay = delay;
  }

  async run(): Promise<StaggeredRaceResult<T>> {
    this.#startNext(null);
    let cancelled: unknown = null;
    let wasCancelled = false;
    while (this.#running.size > 0) {
      this.#allDone = this.#loop.createFuture<void>();
      try {
        await park(this.#allDone);
      } catch (error) {
        // Cancelled: every attempt is cancelled too and awaited first.
        wasCancelled = true;
        cancelled = error;
        const message = (error as Error)?.message || undefined;
        for (const task of this.#running) task.cancel(message);
      }
      this.#allDone = null;
    }
    if (this.#unhandled.length > 0) {
      throw new ExceptionGroup("staggered race failed", this.#unhandled);
    }
    if (wasCancelled) throw cancelled;
    return [this.#winnerResult, this.#winnerIndex, this.#exceptions];
  }

  /**
   * Starts the task that waits for its turn and then runs the next
   * attempt. It may not begin before it is counted as running: under an
   * eager task factory its body starts inside `createTask`.
   */
  #startNext(previousFailed: Future<void> | null): void {
    const mayStart = this.#loop.createFuture<void>();
    const task = this.#loop.createTask(() =>
      this.#runOne(mayStart, previousFailed)
    );
    this.#running.add(task);
    internals.onDone(task, this.#taskDone);
    mayStart.setResult();
  }

  readonly #taskDone = (task: Future<void>): void => {
    this.#running.delete(task as Task<void>);
    const allDone = this.#allDone;
    if (allDone !== null && !allDone.done() && this.#running.size === 0) {
      allDone.setResult();
    }
    if (!task.cancelled() && internals.hasFailed(task)) {
      this.#unhandled.push(task.exception());
    }
  };

  async #runOne(
    mayStart: Future<void>,
    previousFailed: Future<void> | null,
  ): Promise<void> {
    await park(mayStart);
    if (previousFailed !== null) await this.#waitTurn(previousFailed);
    const next = this.#attempts.next();
    if (next.done) return;
    const index = this.#started++;
    const thisFailed = this.#loop.createFuture<void>();
    this.#startNext(thisFailed);
    this.#exceptions.push(null);
    const task = currentTask()!;
    let result: T;
    try {
      checkCoroutineFunction(next.value, "staggeredRace()");
      result = await next.value(task.signal);
    } catch (error) {
      this.#exceptions[index] = error;
      // The next attempt may start now (unless its wait already ended).
      if (!thisFailed.done()) thisFailed.setResult();
      return;
    }
    if (this.#winnerIndex !== null) return; // it lost, but would not throw
    this.#winnerIndex = index;
    this.#winnerResult = result;
    for (const other of this.#running) if (other !== task) other.cancel();
  }

  /** Waits until the attempt before failed, or `delay` seconds passed. */
  async #waitTurn(previousFailed: Future<void>): Promise<void> {
    try {
      await waitFor(previousFailed, this.#delay);
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
    }
  }
}
