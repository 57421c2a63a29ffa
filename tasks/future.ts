/**
 * `Future`: the one mechanism everything in the library waits on.
 *
 * @module
 */
import {
  type CancelledError,
  cancelledError,
  InvalidStateError,
} from "../internal/errors.ts";
import {
  type CallbackContext,
  callbackOwner,
  captureContext,
  type ContextOwner,
  currentOwner,
} from "../internal/context.ts";
import { checkFunction, describe } from "../internal/validate.ts";
import { track, Unretrieved } from "../internal/unretrieved.ts";
import { pyRepr } from "../internal/py_repr.ts";
import {
  createdAtSuffix,
  creationSitesWanted,
  markCancelledAwait,
  recordCreationSite,
  sourceTraceback,
} from "./creation_site.ts";
import { noteStep, stepOwners } from "./step_trace.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import { Handle } from "../loop/handle.ts";
import { internals as loopInternals } from "../loop/_internals.ts";
import { internals } from "./_internals.ts";

const PENDING = 0;
const FINISHED = 1;
const CANCELLED = 2;
const FAILED = 3;
const STATE_NAMES = ["pending", "finished", "cancelled", "finished"] as const;

/** Stored loosely typed so that `Future<T>` stays covariant in `T`. */
type DoneCallback = (future: never) => unknown;
/** A task following a future its body returned is a waiter of its own. */
type Waiter = DoneCallback | ContextCallback | Awaiter | Future<unknown>;

/**
 * A user's done callback: a handle that runs it in the context it was
 * added in and reports its error, as a `callSoon` handle does.
 */
class ContextCallback extends Handle {
  constructor(
    readonly callback: DoneCallback,
    future: Future<unknown>,
    context: CallbackContext,
  ) {
    super(callback, [future], future.getLoop(), context);
  }

  static run(entry: ContextCallback): void {
    entry.run();
  }
}

/** Receives the resolving functions of the awaiter being built. */
let building: Awaiter;
function capture(
  resolve: (value: unknown) => void,
  reject: (reason: unknown) => void,
): void {
  building.resolve = resolve;
  building.reject = reject;
}

/** One `await` (or `then`) of a pending future, delivered on the loop. */
class Awaiter {
  resolve!: (value: unknown) => void;
  reject!: (reason: unknown) => void;

  constructor(
    readonly future: Future<unknown>,
    readonly owner: ContextOwner | undefined,
    readonly onFulfilled: ((value: never) => unknown) | null | undefined,
    readonly onRejected: ((reason: never) => unknown) | null | undefined,
  ) {}

  /** The promise `then()` returns, settled along with the awaiter. */
  promise(): Promise<unknown> {
    building = this;
    return new Promise(capture);
  }

  settle(ok: boolean, value: unknown): void {
    if (stepOwners !== null) noteStep(this.owner);
    const handler = (ok ? this.onFulfilled : this.onRejected) as
      | ((value: unknown) => unknown)
      | null
      | undefined;
    if (typeof handler !== "function") {
      (ok ? this.resolve : this.reject)(value);
      return;
    }
    try {
      this.resolve(handler(value));
    } catch (error) {
      this.reject(error);
    }
  }
}

/**
 * What `await future` gives the current task, as a native promise: the
 * library's own awaits use it, because awaiting a thenable costs the engine
 * an extra job and promise (a lock hand-off took a fifth longer).
 */
export function park<T>(future: Future<T>): Promise<T> {
  return future.then();
}

/** True for `Error` and the classes that extend it. */
function isErrorClass(value: unknown): value is new () => Error {
  return typeof value === "function" &&
    (value === Error || value.prototype instanceof Error);
}

/**
 * A result that will exist later, owned by one event loop: asyncio's
 * `Future`. It is awaitable (`PromiseLike`); awaiting it from a task makes
 * the task cancellable at that point. Done callbacks and awaiters are
 * always woken through the loop's ready queue, in order, as `callSoon`
 * callbacks are: never synchronously.
 *
 * @example Setting a result from a callback
 * ```ts
 * import { getRunningLoop, run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const value = await run(async () => {
 *   const loop = getRunningLoop();
 *   const future = loop.createFuture<string>();
 *   loop.callLater(0.01, () => future.setResult("ready"));
 *   return await future;
 * });
 * assert.equal(value, "ready");
 * ```
 */
export class Future<T = unknown> implements PromiseLike<T> {
  readonly #loop: AbstractEventLoop;
  #state: 0 | 1 | 2 | 3 = PENDING;
  /**
   * By state: the result (finished), the `Unretrieved` record holding the
   * exception (failed), the `CancelledError` (cancelled). One field for
   * all three keeps a future small: tasks make many.
   */
  #outcome: unknown = undefined;
  /** None, one, or several waiters: most futures have exactly one. */
  #callbacks: Waiter | Waiter[] | null = null;
  #settled: Promise<T> | null = null;

  /**
   * Creates a pending future on `loop`, else on the running loop, else on
   * the current loop `setEventLoop()` set (a `RuntimeError` when there is
   * none). `loop.createFuture()` is the usual way.
   */
  constructor(loop?: AbstractEventLoop) {
    if (loop != null && typeof loop.callSoon !== "function") {
      throw new TypeError(
        `new Future() takes an event loop or nothing, got ${describe(loop)}`,
      );
    }
    this.#loop = loop ?? loopInternals.loopForNewFuture();
    if (creationSitesWanted && this.#loop.getDebug()) {
      recordCreationSite(this);
    }
  }

  static {
    internals.describeTask = (task, named) => task.#describe(named);
    internals.resolveNow = <T>(future: Future<T>, value: T) => {
      if (future.#state !== PENDING) return;
      future.#outcome = value;
      future.#state = FINISHED;
      future.#wake(true);
    };
    internals.hasFailed = (future) => future.#state === FAILED;
    internals.failIn = (future, exception, context) =>
      future.#fail(exception, context);
    internals.onDone = (future, callback) => {
      if (future.#state !== PENDING) {
        loopInternals.callSoon(future.#loop, callback, future);
      } else {
        future.#addWaiter(callback as DoneCallback);
      }
    };
  }

  /** The loop the future belongs to. */
  getLoop(): AbstractEventLoop {
    return this.#loop;
  }

  /** True once the future has a result, an exception, or was cancelled. */
  done(): boolean {
    return this.#state !== PENDING;
  }

  /** True if the future was cancelled. */
  cancelled(): boolean {
    return this.#state === CANCELLED;
  }

  /**
   * The result. Throws the future's exception if it failed, a
   * `CancelledError` if it was cancelled, and `InvalidStateError` while
   * it is pending.
   */
  result(): T {
    if (this.#state === CANCELLED) throw this.cancelError();
    if (this.#state === PENDING) {
      throw new InvalidStateError("Result is not set: the future is pending");
    }
    if (this.#state === FAILED) throw this.#retrieve();
    return this.#outcome as T;
  }

  /**
   * The exception the future failed with, or `null` if it has a result.
   * Throws `CancelledError` if cancelled, `InvalidStateError` if pending.
   */
  exception(): unknown {
    if (this.#state === CANCELLED) throw this.cancelError();
    if (this.#state === PENDING) {
      throw new InvalidStateError(
        "Exception is not set: the future is pending",
      );
    }
    return this.#state === FAILED ? this.#retrieve() : null;
  }

  /** Marks the future done with `value`; `InvalidStateError` if done. */
  setResult(value: T): void {
    this.#checkPending("setResult");
    this.#outcome = value;
    this.#state = FINISHED;
    this.#wake(false);
  }

  /**
   * Marks the future failed with `exception`; `InvalidStateError` if done.
   * An error class is made into an error first, as asyncio instantiates an
   * exception type: `setException(RangeError)`.
   */
  setException(exception: unknown): void {
    this.#fail(isErrorClass(exception) ? new exception() : exception, null);
  }

  /** Fails the future; an unretrieved `exception` is reported in `context`. */
  #fail(exception: unknown, context: CallbackContext | null): void {
    this.#checkPending("setException");
    const unretrieved = new Unretrieved(
      this.#loop,
      this,
      exception,
      `${this.constructor.name} exception was never retrieved`,
      creationSitesWanted ? sourceTraceback(this) : undefined,
      context,
    );
    track(unretrieved, this);
    this.#outcome = unretrieved;
    this.#state = FAILED;
    this.#wake(false);
  }

  /**
   * Cancels the future: awaiters get a `CancelledError` carrying `msg`.
   * Returns `false` if it was already done; a failed future's error then
   * counts as retrieved and is never reported.
   */
  cancel(msg?: string | null): boolean {
    if (this.#state !== PENDING) {
      // Cancelling a failed future counts as seeing its error, as in asyncio.
      if (this.#state === FAILED) this.#retrieve();
      return false;
    }
    // A task may have set the very error its body raised.
    this.#outcome ??= cancelledError(msg);
    this.#state = CANCELLED;
    this.#wake(false);
    return true;
  }

  /**
   * Calls `callback(future)` from the loop's ready queue once the future is
   * done (at once, scheduled, if it already is), in the `AsyncLocalStorage`
   * context of this call.
   */
  addDoneCallback(callback: (future: Future<T>) => unknown): void {
    checkFunction(callback, "The done callback");
    const entry = new ContextCallback(
      callback as DoneCallback,
      this as Future<unknown>,
      captureContext(callbackOwner(this.#loop)),
    );
    if (this.#state !== PENDING) {
      loopInternals.callSoon(this.#loop, ContextCallback.run, entry);
    } else {
      this.#addWaiter(entry);
    }
  }

  /** Removes every registration of `callback`; returns how many. */
  removeDoneCallback(callback: (future: Future<T>) => unknown): number {
    const callbacks = this.#callbacks;
    if (callbacks === null) return 0;
    const other = (entry: Waiter) =>
      entry !== callback &&
      !(entry instanceof ContextCallback && entry.callback === callback);
    if (!Array.isArray(callbacks)) {
      if (other(callbacks)) return 0;
      this.#callbacks = null;
      return 1;
    }
    const kept = callbacks.filter(other);
    this.#callbacks = kept;
    return callbacks.length - kept.length;
  }

  /**
   * Registers reactions, as `Promise.prototype.then` does. Awaiting the
   * future from a task goes through here, which is what makes the task
   * cancellable while it waits, and awaiting a done future does not
   * suspend the task. Unlike a promise's, a handler passed here directly
   * (not through `await`) runs in the context of the loop callback that
   * settles a pending future, not of this call: use `addDoneCallback` to
   * keep the caller's `AsyncLocalStorage` context.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    // `any`, as in Promise's own typing, so handlers can name the error type.
    // deno-lint-ignore no-explicit-any
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const owner = currentOwner();
    const pending = this.#state === PENDING;
    if (owner !== undefined && !pending) {
      internals.goesOn(owner);
    } else if (owner !== undefined) {
      const cancelled = internals.willAwait(owner, this as Future<unknown>);
      if (cancelled !== undefined) {
        return Promise.reject(cancelled).then(onFulfilled, onRejected);
      }
    }
    // A done future does not suspend the awaiting task, as in asyncio: the
    // loop runs nothing else until the task's step is over.
    if (!pending) {
      const settled = this.#settledPromise();
      return onFulfilled == null && onRejected == null
        ? settled as Promise<R1 | R2>
        : settled.then(onFulfilled, onRejected);
    }
    const awaiter = new Awaiter(
      this as Future<unknown>,
      owner,
      onFulfilled as Awaiter["onFulfilled"],
      onRejected as Awaiter["onRejected"],
    );
    // Built before the step ends: the loop goes on from there at once, and
    // may settle this very awaiter before `then()` returns.
    const promise = awaiter.promise() as Promise<R1 | R2>;
    // A cancel request the task had pending may have just cancelled this
    // future: the task still suspends, and hears of it on the loop's next
    // iteration, as CPython's task wakes from the future it cancelled.
    if (this.#state === PENDING) this.#addWaiter(awaiter);
    else loopInternals.callSoon(this.#loop, Future.#deliverLater, awaiter);
    if (owner !== undefined) internals.suspended(owner);
    return promise;
  }

  /**
   * Registers a handler for a failure, as `Promise.prototype.catch` does:
   * `then(undefined, onRejected)`. A cancelled future fails with a
   * `CancelledError`.
   */
  catch<R = never>(
    // `any`, as in Promise's own typing, so handlers can name the error type.
    // deno-lint-ignore no-explicit-any
    onRejected?: ((reason: any) => R | PromiseLike<R>) | null,
  ): Promise<T | R> {
    return this.then(undefined, onRejected);
  }

  /**
   * Runs `onFinally` once the future is done, however it ended, as
   * `Promise.prototype.finally` does; the promise it returns settles as the
   * future did, unless `onFinally` throws or rejects.
   */
  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.then().finally(onFinally);
  }

  /**
   * Makes this future a waiter of `future`: `followedDone()` is called from
   * the loop once that is done, with no promise or closure between them.
   */
  protected follow(future: Future<unknown>): void {
    future.#addWaiter(this as Future<unknown>);
  }

  /** Called once the future passed to `follow()` is done. */
  protected followedDone(): void {}

  /** The `CancelledError` of a cancelled future. */
  protected cancelError(): CancelledError {
    return this.#outcome as CancelledError;
  }

  /** Lets a task keep the very `CancelledError` its body raised. */
  protected setCancelError(error: CancelledError): void {
    if (this.#state === PENDING) this.#outcome = error;
  }

  /**
   * A short description, as asyncio's `repr`: the state, then what a done
   * future holds (`<Future finished result=42>`).
   */
  toString(): string {
    return this.#describe("");
  }

  /** What `console.log` shows: the description, as Python's `print`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** The description, with `named` (a task's name) after the state. */
  #describe(named: string): string {
    const outcome = this.#state === FINISHED
      ? ` result=${pyRepr(this.#outcome, true)}`
      : this.#state === FAILED
      ? ` exception=${pyRepr((this.#outcome as Unretrieved).exception)}`
      : "";
    return `<${this.constructor.name} ${
      STATE_NAMES[this.#state]
    }${named}${outcome}${createdAtSuffix(this)}>`;
  }

  #checkPending(operation: string): void {
    if (this.#state !== PENDING) {
      throw new InvalidStateError(
        `${operation}() on a future that is already ${
          STATE_NAMES[this.#state]
        }`,
      );
    }
  }

  #addWaiter(waiter: Waiter): void {
    const callbacks = this.#callbacks;
    if (callbacks === null) this.#callbacks = waiter;
    else if (Array.isArray(callbacks)) callbacks.push(waiter);
    else this.#callbacks = [callbacks, waiter];
  }

  /** The exception of a failed future, marked as seen. */
  #retrieve(): unknown {
    const unretrieved = this.#outcome as Unretrieved;
    unretrieved.retrieve();
    return unretrieved.exception;
  }

  #settledPromise(): Promise<T> {
    if (this.#settled !== null) return this.#settled;
    if (this.#state === CANCELLED) {
      this.#settled = Promise.reject(this.cancelError());
    } else if (this.#state === FAILED) {
      this.#settled = Promise.reject(this.#retrieve());
    } else {
      this.#settled = Promise.resolve(this.#outcome as T);
    }
    this.#settled.catch(() => {});
    return this.#settled;
  }

  /**
   * Schedules every done callback and awaiter, in registration order. With
   * `now`, a lone awaiter is woken at once: the caller is already a loop
   * callback, so the extra loop iteration would only add latency. Several
   * awaiters each get a callback of their own, so that each step runs whole.
   */
  #wake(now: boolean): void {
    const callbacks = this.#callbacks;
    if (callbacks === null) return;
    this.#callbacks = null;
    if (!Array.isArray(callbacks)) {
      this.#schedule(callbacks, now);
      return;
    }
    for (const entry of callbacks) this.#schedule(entry, false);
  }

  #schedule(entry: Waiter, now: boolean): void {
    if (typeof entry === "function") {
      loopInternals.callSoon(this.#loop, entry, this as never);
    } else if (entry instanceof ContextCallback) {
      loopInternals.callSoon(this.#loop, ContextCallback.run, entry);
    } else if (entry instanceof Future) {
      if (now) entry.followedDone();
      else loopInternals.callSoon(this.#loop, Future.#tellFollower, entry);
    } else if (now) {
      this.#deliver(entry);
    } else {
      loopInternals.callSoon(this.#loop, Future.#deliverLater, entry);
    }
  }

  static #tellFollower(follower: Future<unknown>): void {
    follower.followedDone();
  }

  static #deliverLater(awaiter: Awaiter): void {
    awaiter.future.#deliver(awaiter);
  }

  #deliver(awaiter: Awaiter): void {
    const owner = awaiter.owner;
    const request = owner === undefined ? undefined : internals.resume(owner);
    // A cancelled future answers with its own error, which a later request
    // to the task does not replace: the first message wins, as in CPython.
    const cancel = this.#state === CANCELLED ? this.cancelError() : request;
    if (cancel !== undefined) {
      if (creationSitesWanted && awaiter.owner !== undefined) {
        markCancelledAwait(cancel, awaiter.owner, this);
      }
      awaiter.settle(false, cancel);
    } else if (this.#state === FAILED) {
      awaiter.settle(false, this.#retrieve());
    } else {
      awaiter.settle(true, this.#outcome);
    }
  }
}
