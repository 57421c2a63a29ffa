/**
 * Handles for scheduled callbacks: what `callSoon`, `callLater` and
 * `callAt` return.
 *
 * @module
 */

import { pyRepr } from "../internal/py_repr.ts";
import type { CallbackContext } from "../internal/context.ts";

/** The call a handle makes, `log()`, or `cancelled`. */
let describeCall: (handle: Handle) => string;

/**
 * What a handle reports to: for a loop of one's own that makes `Handle`s
 * and `TimerHandle`s, usually the loop itself.
 */
export interface HandleOwner {
  /** Reports an error thrown by a callback. */
  callExceptionHandler(context: Record<string, unknown>): void;
  /** Told when a timer is cancelled, so that the loop can drop it. */
  timerHandleCancelled?(handle: TimerHandle): void;
}

/**
 * A callback scheduled on the loop. `cancel()` stops it from running.
 *
 * @example Cancelling a scheduled callback
 * ```ts
 * import { newEventLoop } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const calls: string[] = [];
 * const handle = loop.callSoon(() => calls.push("never"));
 * handle.cancel();
 * loop.callSoon(() => loop.stop());
 * await loop.runForever();
 * assert.deepEqual(calls, []);
 * assert.ok(handle.cancelled());
 * loop.close();
 * ```
 */
export class Handle {
  #callback: ((...args: never[]) => unknown) | null;
  #args: readonly unknown[];
  /** The scheduler's context, or null for the library's own callbacks. */
  #context: CallbackContext | null;
  #cancelled = false;
  /** The loop that owns the handle. */
  protected readonly owner: HandleOwner;

  /** Made by the loop; users get handles from `callSoon` and friends. */
  constructor(
    callback: (...args: never[]) => unknown,
    args: readonly unknown[],
    owner: HandleOwner,
    context: CallbackContext | null = null,
  ) {
    this.#callback = callback;
    this.#args = args;
    this.owner = owner;
    this.#context = context;
  }

  /** Stops the callback from running; harmless once it ran. */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#callback = null;
    this.#args = [];
    this.#context = null;
  }

  /** True once `cancel()` was called. */
  cancelled(): boolean {
    return this.#cancelled;
  }

  /**
   * A short description of the call, as asyncio's `repr`:
   * `<Handle log()>`, `<Handle cancelled>`.
   */
  toString(): string {
    return `<${this.constructor.name} ${describeCall(this)}>`;
  }

  /** What `console.log` shows: the description, as Python's `print`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  static {
    describeCall = (handle) => {
      const callback = handle.#callback;
      // Without its arguments, as asyncio shows a call outside debug mode.
      return callback === null
        ? "cancelled"
        : `${callback.name || "anonymous"}()`;
    };
  }

  /** Runs the callback, sending any error to the loop's handler. */
  run(): void {
    if (this.#callback === null) return;
    const context = this.#context;
    if (context === null) this.#runHere();
    else context.runInAsyncScope(this.#runHere, this);
  }

  /**
   * Runs the callback in the current context, which is also where its
   * error is reported: asyncio calls the loop's exception handler in the
   * handle's context.
   */
  #runHere(): void {
    const callback = this.#callback as ((...args: unknown[]) => unknown);
    try {
      callback(...this.#args);
    } catch (exception) {
      this.owner.callExceptionHandler({
        message: `Exception in callback ${describeCall(this)}`,
        exception,
        handle: this,
      });
    }
  }
}

/**
 * A callback scheduled for a time: `when()` is its deadline in the loop's
 * `time()` seconds.
 *
 * @example Reading a timer's deadline
 * ```ts
 * import { newEventLoop } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const loop = newEventLoop();
 * const handle = loop.callAt(loop.time() + 60, () => {});
 * assert.ok(handle.when() > loop.time());
 * handle.cancel();
 * loop.close();
 * ```
 */
export class TimerHandle extends Handle {
  readonly #when: number;
  /** Scheduling order, so that timers with equal deadlines run FIFO. */
  readonly sequence: number;

  /** Made by the loop's `callLater` and `callAt`. */
  constructor(
    when: number,
    sequence: number,
    callback: (...args: never[]) => unknown,
    args: readonly unknown[],
    owner: HandleOwner,
    context: CallbackContext | null = null,
  ) {
    super(callback, args, owner, context);
    this.#when = when;
    this.sequence = sequence;
  }

  /** The deadline, in the loop's `time()` seconds. */
  when(): number {
    return this.#when;
  }

  /**
   * A short description, as asyncio's `repr`:
   * `<TimerHandle when=12.5 log()>`, `<TimerHandle cancelled when=12.5>`.
   */
  override toString(): string {
    const call = describeCall(this);
    const when = `when=${pyRepr(this.#when)}`;
    return call === "cancelled"
      ? `<TimerHandle cancelled ${when}>`
      : `<TimerHandle ${when} ${call}>`;
  }

  /** Stops the timer and lets the loop drop it from its heap. */
  override cancel(): void {
    if (this.cancelled()) return;
    super.cancel();
    this.owner.timerHandleCancelled?.(this);
  }
}
