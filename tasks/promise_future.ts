/**
 * The future `ensureFuture` makes for a promise, and how a cancel of the
 * promise's task waits for it.
 *
 * A promise runs in the task that called its function, so a cancel of
 * that task reaches the promise's own library awaits. When such a cancel
 * also passes through the promise's future (a `waitFor` deadline, or a
 * `gather` of promises whose task is cancelled), the future waits for the
 * promise to end and settles as it did, as asyncio's task of a coroutine
 * ends only once the coroutine's cleanup has run. A promise that still
 * runs once its task awaits nothing else waits on foreign work that no
 * cancel reaches: its future is cancelled then, so a deadline still holds.
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
/** The outer passes and how many deferrals each had seen: nested cancels. */
const outerPasses: (Task<unknown> | null | number)[] = [];
/** Futures that deferred a cancel during the passes in progress. */
const deferredNow: PromiseFuture<unknown>[] = [];

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
  const deferral = new Deferral(task, deferredNow.splice(mark));
  deferral.schedule();
}

/** The futures of one task's promises that wait for them after a cancel. */
class Deferral {
  readonly #task: Task<unknown>;
  #futures: PromiseFuture<unknown>[];
  /** What the cancel reached that still waits on its own: not other work. */
  readonly #reached: Set<Future<unknown>>;
  /** Other work of the task whose end is watched: each once. */
  readonly #watched = new Set<Future<unknown>>();
  #scheduled = false;

  constructor(task: Task<unknown>, futures: PromiseFuture<unknown>[]) {
    this.#task = task;
    this.#futures = futures;
    this.#reached = new Set(internals.awaiting(task));
  }

  /** Checks again on the loop, once the awaits just answered have run. */
  readonly schedule = (): void => {
    if (this.#scheduled) return;
    this.#scheduled = true;
    loopInternals.callSoon(this.#task.getLoop(), this.#check, undefined);
  };

  /**
   * Cancels the futures whose promises still run once the task awaits
   * nothing but what the cancel reached: their promises wait on foreign
   * work. Until then, checks again whenever other work of the task ends.
   */
  readonly #check = (): void => {
    this.#scheduled = false;
    this.#futures = this.#futures.filter((future) => !future.done());
    if (this.#futures.length === 0) return;
    const others = this.#task.done() ? [] : internals.awaiting(this.#task)
      .filter((future) =>
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
      else if (this.#deferring && outcome instanceof CancelledError) {
        // The promise ended cancelled, as asyncio's task of a coroutine.
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
    if (!this.#deferring) deferredNow.push(this as PromiseFuture<unknown>);
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
