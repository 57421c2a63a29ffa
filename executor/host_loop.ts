/**
 * The loop of a pool's futures made where no event loop runs: a plain
 * script, an HTTP handler, a test. It is not an event loop anyone runs:
 * callbacks go straight to the host (microtasks and timers), so awaiting
 * such a future needs no `run()`.
 *
 * @module
 */
import { currentOwner } from "../internal/context.ts";
import { armTimer, type HostTimer } from "../internal/host.ts";
import type {
  AbstractEventLoop,
  ExceptionContext,
} from "../loop/abstract_event_loop.ts";
import { Handle, TimerHandle } from "../loop/handle.ts";

/** The loop running the current code, or `null` outside any loop. */
export function activeLoop(): AbstractEventLoop | null {
  const loop = currentOwner()?.getLoop();
  return loop !== undefined && loop.isRunning()
    ? loop as AbstractEventLoop
    : null;
}

/**
 * Schedules on the host. `isRunning()` is false, so it is never taken for
 * the running loop, and it never closes.
 */
class HostLoop implements AbstractEventLoop {
  readonly #timers = new Map<TimerHandle, HostTimer>();
  #sequence = 0;

  time(): number {
    return performance.now() / 1000;
  }

  callSoon<A extends unknown[]>(
    callback: (...args: A) => unknown,
    ...args: A
  ): Handle {
    return this.#schedule(null, callback, ...args);
  }

  #schedule<A extends unknown[]>(
    when: number | null,
    callback: (...args: A) => unknown,
    ...args: A
  ): Handle {
    if (when === null) {
      const handle = new Handle(callback as never, args, this);
      queueMicrotask(() => handle.run());
      return handle;
    }
    const handle = new TimerHandle(
      when,
      this.#sequence++,
      callback as never,
      args,
      this,
    );
    const timer = armTimer((when - this.time()) * 1000, () => {
      this.#timers.delete(handle);
      handle.run();
    });
    this.#timers.set(handle, timer);
    return handle;
  }

  callLater<A extends unknown[]>(
    delay: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle {
    return this.callAt(this.time() + delay, callback, ...args);
  }

  callAt<A extends unknown[]>(
    when: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle {
    return this.#schedule(when, callback, ...args) as TimerHandle;
  }

  /** Clears the host timer of a cancelled handle: nothing left armed. */
  timerHandleCancelled(handle: TimerHandle): void {
    this.#timers.get(handle)?.clear();
    this.#timers.delete(handle);
  }

  isRunning(): boolean {
    return false;
  }

  isClosed(): boolean {
    return false;
  }

  /** No loop to report to: the console, as asyncio's default handler. */
  callExceptionHandler(context: ExceptionContext): void {
    const { message, exception } = context;
    if ("exception" in context) console.error(message, exception);
    else console.error(message);
  }

  getDebug(): boolean {
    return false;
  }
}

/** The one loop of the futures a pool makes outside any running loop. */
export const hostLoop: AbstractEventLoop = new HostLoop();
