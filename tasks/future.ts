/**
 * `Future`: the one mechanism everything in the library waits on.
 *
 * @module
 */
import { CancelledError, InvalidStateError } from "../internal/errors.ts";
import {
  type ContextOwner,
  currentOwner,
  runningLoop,
} from "../internal/context.ts";
import { checkFunction } from "../internal/validate.ts";
import { currentIteration, markResumed } from "../internal/resumed.ts";
import { track, Unretrieved } from "../internal/unretrieved.ts";
import {
  createdAtSuffix,
  creationSitesWanted,
  recordCreationSite,
  sourceTraceback,
} from "./creation_site.ts";
import { noteStep, stepOwners } from "./step_trace.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";

const PENDING = 0;
const FINISHED = 1;
const CANCELLED = 2;
const STATE_NAMES = ["pending", "finished", "cancelled"] as const;

/** Stored loosely typed so that `Future<T>` stays covariant in `T`. */
type DoneCallback = (future: never) => unknown;

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
  readonly promise: Promise<unknown>;

  constructor(
    readonly owner: ContextOwner | undefined,
    readonly onFulfilled: ((value: never) => unknown) | null | undefined,
    readonly onRejected: ((reason: never) => unknown) | null | undefined,
  ) {
    building = this;
    this.promise = new Promise(capture);
  }

  settle(ok: boolean, value: unknown): void {
    markResumed();
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

/** Settles a future and wakes its awaiters at once; for loop callbacks. */
export let resolveNow: <T>(future: Future<T>, value: T) => void;

/**
 * A result that will exist later, owned by one event loop: asyncio's
 * `Future`. It is awaitable (`PromiseLike`); awaiting it from a task makes
 * the task cancellable at that point. Done callbacks and awaiters are
 * always woken through `loop.callSoon`, never synchronously.
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
  #state: 0 | 1 | 2 = PENDING;
  #result: T | undefined = undefined;
  #failed = false;
  #exception: unknown = undefined;
  #cancelError: CancelledError | undefined = undefined;
  #callbacks: (DoneCallback | Awaiter)[] | null = null;
  #settled: Promise<T> | null = null;
  #unretrieved: Unretrieved | null = null;
  /** The loop iteration in which the future finished. */
  #finishedIn = -1;

  /**
   * Creates a pending future on `loop`, or on the running loop (a
   * `RuntimeError` when none runs). `loop.createFuture()` is the usual way.
   */
  constructor(loop?: AbstractEventLoop) {
    this.#loop = loop ?? (runningLoop() as AbstractEventLoop);
    if (creationSitesWanted && this.#loop.getDebug()) {
      recordCreationSite(this);
    }
  }

  static {
    resolveNow = <T>(future: Future<T>, value: T) => {
      if (future.#state !== PENDING) return;
      future.#result = value;
      future.#state = FINISHED;
      future.#wake(true);
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
    this.#unretrieved?.retrieve();
    if (this.#failed) throw this.#exception;
    return this.#result as T;
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
    this.#unretrieved?.retrieve();
    return this.#failed ? this.#exception : null;
  }

  /** Marks the future done with `value`; `InvalidStateError` if done. */
  setResult(value: T): void {
    this.#checkPending("setResult");
    this.#result = value;
    this.#state = FINISHED;
    this.#wake(false);
  }

  /** Marks the future failed with `exception`; `InvalidStateError` if done. */
  setException(exception: unknown): void {
    this.#checkPending("setException");
    this.#failed = true;
    this.#exception = exception;
    this.#state = FINISHED;
    this.#unretrieved = new Unretrieved(
      this.#loop,
      this,
      exception,
      `${this.constructor.name} exception was never retrieved`,
      creationSitesWanted ? sourceTraceback(this) : undefined,
    );
    track(this.#unretrieved, this);
    this.#wake(false);
  }

  /**
   * Cancels the future: awaiters get a `CancelledError` carrying `msg`.
   * Returns `false` if it was already done.
   */
  cancel(msg?: string | null): boolean {
    if (this.#state !== PENDING) return false;
    this.#cancelError ??= new CancelledError(msg ?? undefined);
    this.#state = CANCELLED;
    this.#wake(false);
    return true;
  }

  /**
   * Calls `callback(future)` through `loop.callSoon` once the future is
   * done (at once, scheduled, if it already is).
   */
  addDoneCallback(callback: (future: Future<T>) => unknown): void {
    checkFunction(callback, "The done callback");
    if (this.#state !== PENDING) {
      this.#loop.callSoon(callback, this);
    } else {
      (this.#callbacks ??= []).push(callback);
    }
  }

  /** Removes every registration of `callback`; returns how many. */
  removeDoneCallback(callback: (future: Future<T>) => unknown): number {
    const callbacks = this.#callbacks;
    if (callbacks === null) return 0;
    const kept = callbacks.filter((entry) => entry !== callback);
    this.#callbacks = kept;
    return callbacks.length - kept.length;
  }

  /**
   * Registers reactions, as `Promise.prototype.then` does. Awaiting the
   * future from a task goes through here, which is what makes the task
   * cancellable while it waits.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    // `any`, as in Promise's own typing, so handlers can name the error type.
    // deno-lint-ignore no-explicit-any
    onRejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const owner = currentOwner();
    const cancelled = owner?.willAwait?.(this);
    if (cancelled !== undefined) {
      return Promise.reject(cancelled).then(onFulfilled, onRejected);
    }
    // JS registers an await one microtask late. A future that finished in
    // this iteration was pending when awaited: wake in order, via the loop.
    if (
      this.#state !== PENDING && this.#finishedIn !== currentIteration()
    ) {
      return this.#settledPromise().then(onFulfilled, onRejected);
    }
    const awaiter = new Awaiter(
      owner,
      onFulfilled as Awaiter["onFulfilled"],
      onRejected as Awaiter["onRejected"],
    );
    if (this.#state === PENDING) {
      (this.#callbacks ??= []).push(awaiter);
    } else {
      this.#loop.callSoon(Future.#deliverLater, this, awaiter);
    }
    return awaiter.promise as Promise<R1 | R2>;
  }

  /** The `CancelledError` of a cancelled future. */
  protected cancelError(): CancelledError {
    return this.#cancelError ??= new CancelledError();
  }

  /** Lets a task keep the very `CancelledError` its body raised. */
  protected setCancelError(error: CancelledError): void {
    this.#cancelError = error;
  }

  /** A short description, as asyncio's `repr`. */
  toString(): string {
    return `<${this.constructor.name} ${STATE_NAMES[this.#state]}${
      createdAtSuffix(this)
    }>`;
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

  #settledPromise(): Promise<T> {
    if (this.#settled !== null) return this.#settled;
    this.#unretrieved?.retrieve();
    if (this.#state === CANCELLED) {
      this.#settled = Promise.reject(this.cancelError());
    } else if (this.#failed) {
      this.#settled = Promise.reject(this.#exception);
    } else {
      this.#settled = Promise.resolve(this.#result as T);
    }
    this.#settled.catch(() => {});
    return this.#settled;
  }

  /**
   * Schedules every done callback and awaiter, in registration order. With
   * `now`, awaiters are woken at once: the caller is already a loop
   * callback, so the extra loop iteration would only add latency.
   */
  #wake(now: boolean): void {
    this.#finishedIn = currentIteration();
    const callbacks = this.#callbacks;
    if (callbacks === null) return;
    this.#callbacks = null;
    const loop = this.#loop;
    for (const entry of callbacks) {
      if (typeof entry === "function") {
        loop.callSoon(entry as (future: Future<T>) => unknown, this);
      } else if (now) {
        this.#deliver(entry);
      } else {
        loop.callSoon(Future.#deliverLater, this, entry);
      }
    }
  }

  static #deliverLater(future: Future<unknown>, awaiter: Awaiter): void {
    future.#deliver(awaiter);
  }

  #deliver(awaiter: Awaiter): void {
    const cancel = awaiter.owner?.takeCancelRequest?.();
    if (cancel !== undefined) {
      awaiter.settle(false, cancel);
    } else if (this.#state === CANCELLED) {
      awaiter.settle(false, this.cancelError());
    } else if (this.#failed) {
      this.#unretrieved?.retrieve();
      awaiter.settle(false, this.#exception);
    } else {
      awaiter.settle(true, this.#result);
    }
  }
}
