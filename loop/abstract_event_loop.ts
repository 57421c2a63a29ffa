/**
 * The shape of an event loop as futures and tasks see it. Kept apart from
 * the loop class so that `tasks/` can name the loop without importing it.
 *
 * @module
 */
import type { Handle, TimerHandle } from "./handle.ts";

/** The context passed to an exception handler, as in CPython. */
export interface ExceptionContext {
  /** What went wrong, in words. */
  message: string;
  /** The error, where there is one. */
  exception?: unknown;
  /** The future whose error nobody retrieved. */
  future?: unknown;
  /** The task involved. */
  task?: unknown;
  /** The callback's handle. */
  handle?: Handle;
  /** Anything else a caller adds. */
  [key: string]: unknown;
}

/**
 * What every event loop offers to futures and tasks: scheduling, time, and
 * error reporting. `EventLoop` implements it; so do alternative loops such
 * as `VirtualClockLoop` (Python's `AbstractEventLoop`).
 */
export interface AbstractEventLoop {
  /** Monotonic time in seconds. */
  time(): number;
  /** Schedules `callback(...args)` for the next iteration (FIFO). */
  callSoon<A extends unknown[]>(
    callback: (...args: A) => unknown,
    ...args: A
  ): Handle;
  /** Schedules `callback(...args)` after `delay` seconds. */
  callLater<A extends unknown[]>(
    delay: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle;
  /** Schedules `callback(...args)` at the loop time `when`. */
  callAt<A extends unknown[]>(
    when: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle;
  /** True while `runForever` or `runUntilComplete` runs. */
  isRunning(): boolean;
  /** True once `close()` was called. */
  isClosed(): boolean;
  /** Reports an error to the loop's exception handler. */
  callExceptionHandler(context: ExceptionContext): void;
  /** True in debug mode. */
  getDebug(): boolean;
}
