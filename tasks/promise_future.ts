/**
 * The future `ensureFuture` makes for a promise, and how a cancel of the
 * promise's task waits for it.
 *
 * A promise runs in the task that called its function, so a cancel of
 * that task reaches the promise's own library awaits. When such a cancel
 * also passes through the promise's future (the task awaits it, or a
 * `gather` of it), the future waits for the promise to end and settles as
 * it did, as asyncio's task of a coroutine ends only once the coroutine's
 * cleanup has run:
 * - a cancel of the whole task (`task.cancel()`, `run()`'s end) waits
 *   while the task has other work in flight, which may be the promise's
 *   cleanup, as asyncio waits for every task a `gather` cancelled; once
 *   the task awaits nothing else, the promise waits on foreign work no
 *   cancel reaches, and its future is cancelled then;
 * - a cancel meant for part of the task's work (a `waitFor` deadline, a
 *   failed task group) that falls back to the whole task gives the promise
 *   only the steps that cancel resumes, as asyncio would not have
 *   cancelled the task's other work: the deadline still holds.
 *
 * @module
 */
import { type ContextOwner, currentOwner } from "../internal/context.ts";
import { CancelledError } from "../internal/errors.ts";
import { holdClock } from "../internal/real_world.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import { internals as loopInternals } from "../loop/_internals.ts";
import { Future } from "./future.ts";
import type { Task } from "./task.ts";
import { internals } from "./_internals.ts";

/** The task whose `cancel()` is passing its request on now, or null. */
let passing: Task<unknown> | null = null;
/** True while a cancel meant for part of a task's work falls back to all. */
let partial = false;
/** The outer passes and how many deferrals each had seen: nested cancels. */
const outerPasses: (Task<unknown> | null | number)[] = [];
/** Futures that deferred a cancel during the passes in progress. */
const deferredNow: PromiseFuture<unknown>[] = [];

/**
 * Cancels `task` for a block's deadline or a task group's failure that
 * reached none of the block's own awaits (see the module).
 */
export function cancelWholeTaskFor(task: Task<unknown>): void {
  const outer = partial;
  partial = true;
  try {
    task.cancel();
  } finally {
    partial = outer;
  }
}

/** `task.cancel()` begins passing its request on to what the task awaits. */
export function beginCancelPass(task: Task<unknown>): void {
  outerPasses.push(passing, deferredNow.length);
  passing = task;
}

/**
 * `task.cancel()` has passed its request on: futures of the task's
 * promises that deferred it are watched until they settle.
 */
export function endCancelPass(task: Task<unknown>): void {
  const mark = outerPasses.pop() as number;
  passing = outerPasses.pop() as Task<unknown> | null;
  if (deferredNow.length === mark) return;
  new Deferral(task, deferredNow.splice(mark), !partial).schedule();
}

/** The futures of one task's promises that wait for them after a cancel. */
class Deferral {
  readonly #task: Task<unknown>;
  #futures: PromiseFuture<unknown>[];
  /** False for a partial cancel: the promises get one look, no more. */
  readonly #waitsForWork: boolean;
  /**
   * Futures other than tasks that the cancel reached and that still wait
   * on its consequences (a `gather` of the promises): not other work.
   */
  readonly #reached: Set<Future<unknown>>;
  /** Other work of the task whose end is watched: each once. */
  readonly #watched = new Set<Future<unknown>>();
  #scheduled = false;

  constructor(
    task: Task<unknown>,
    futures: PromiseFuture<unknown>[],
    waitsForWork: boolean,
  ) {
    this.#task = task;
    this.#futures = futures;
    this.#waitsForWork = waitsForWork;
    this.#reached = new Set(
      internals.awaiting(task).filter((future) => !internals.isTask(future)),
    );
  }

  /** Checks again on the loop, once the awaits just answered have run. */
  readonly schedule = (): void => {
    if (this.#scheduled) return;
    this.#scheduled = true;
    loopInternals.callSoon(this.#task.getLoop(), this.#check, undefined);
  };

  /**
   * Cancels the futures whose promises still run once the task has no
   * other work in flight (at once after a partial cancel); until then,
   * checks again whenever a piece of that work ends.
   */
  readonly #check = (): void => {
    this.#scheduled = false;
    this.#futures = this.#futures.filter((future) => !future.done());
    if (this.#futures.length === 0) return;
    const others = !this.#waitsForWork || this.#task.done()
      ? []
      : internals.awaiting(this.#task).filter((future) =>
        !this.#reached.has(future) && !PromiseFuture.isDeferring(future)
      );
    if (others.length === 0) {
      for (const future of this.#futures) PromiseFuture.cancelNow(future);
      return;
    }
    for (const future of others) {
      if (this.#watched.has(future)) continue;
      this.#watched.add(future);
      internals.onDone(future, this.schedule);
    }
  };
}

/**
 * A future that settles with a promise. A cancel passed on by the task
 * that made it waits for the promise (see the module); any other cancel
 * stops the waiting at once, and the promise's outcome is dropped.
 */
export class PromiseFuture<T> extends Future<T> {
  /** The task whose code made this future, or undefined outside tasks. */
  readonly #creator: ContextOwner | undefined;
  /** True from a cancel it defers until it settles. */
  #deferring = false;
  /** The message of the cancel it defers. */
  #deferredMessage: string | null | undefined = undefined;

  static {
    // Reports and reprs call it what it is to its users: a Future.
    Object.defineProperty(this, "name", { value: "Future" });
  }

  constructor(promise: PromiseLike<T>, loop: AbstractEventLoop) {
    super(loop);
    this.#creator = currentOwner();
    const release = holdClock(loop);
    internals.onDone(this as Future<unknown>, release);
    const settle = (ok: boolean, outcome: unknown) => {
      release();
      if (this.done() || loop.isClosed()) return;
      if (ok) this.setResult(outcome as T);
      else if (outcome instanceof CancelledError) {
        // The promise ended cancelled, as asyncio's task of a coroutine:
        // a cancelled future, whose error nobody must retrieve.
        this.setCancelError(outcome);
        super.cancel(outcome.message);
      } else this.setException(outcome);
    };
    const subscribe = () => {
      if (this.done()) return; // cancelled before it was awaited
      try {
        promise.then(
          (value) => settle(true, value),
          (error) => settle(false, error),
        );
      } catch (error) {
        settle(false, error);
      }
    };
    // A thenable's own then() may use the loop, as asyncio awaits an
    // awaitable in a task's first step: it is called from the loop, in the
    // caller's context; a promise's at once.
    if (promise instanceof Promise) subscribe();
    else loop.callSoon(subscribe);
  }

  /**
   * Stops waiting for the promise at once; a cancel that its creator's
   * task passes on waits for the promise instead and returns true.
   */
  override cancel(msg?: string | null): boolean {
    if (this.done() || passing === null || passing !== this.#creator) {
      return super.cancel(msg);
    }
    // A partial cancel bounds a deferral that a whole-task cancel began.
    if (!this.#deferring || partial) {
      deferredNow.push(this as PromiseFuture<unknown>);
    }
    this.#deferring = true;
    this.#deferredMessage = msg;
    return true;
  }

  /** Stops waiting at once, with the deferred cancel's message. */
  #cancelNow(): void {
    this.#deferring = false;
    super.cancel(this.#deferredMessage);
  }

  /** True while `future` waits for its promise after a cancel. */
  static isDeferring(future: Future<unknown>): boolean {
    return future instanceof PromiseFuture && future.#deferring &&
      !future.done();
  }

  /** Cancels `future` at once, with its deferred cancel's message. */
  static cancelNow(future: PromiseFuture<unknown>): void {
    future.#cancelNow();
  }
}
