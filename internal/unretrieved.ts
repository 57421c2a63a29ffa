/**
 * Errors that nobody retrieved. CPython reports them when the future is
 * garbage-collected; so do we, and also when its loop closes, so that a
 * failure is never silent and never an unhandled rejection.
 *
 * @module
 */
import type { CallbackContext } from "./context.ts";

/** Where the report goes: the future's loop. */
export interface Reporter {
  /** Receives the report. */
  callExceptionHandler(
    context: { message: string; [key: string]: unknown },
  ): void;
}

/** One error waiting to be retrieved. */
export class Unretrieved {
  #reported = false;
  readonly #future: WeakRef<object>;

  /**
   * Starts tracking `exception` of `future`; `sourceTraceback` is where the
   * future was created, recorded in debug mode; `context`, if given, is
   * where the report runs: a task's error is reported in the task's
   * context, as asyncio calls the exception handler in `get_context()`.
   */
  constructor(
    readonly loop: Reporter,
    future: object,
    readonly exception: unknown,
    readonly message: string,
    readonly sourceTraceback: string | undefined,
    readonly context: CallbackContext | null,
  ) {
    this.#future = new WeakRef(future);
  }

  /** Marks the error as seen: it will never be reported. */
  retrieve(): void {
    if (this.#reported) return;
    this.#reported = true;
    untrack(this);
  }

  /** Sends the report once, with the future if it is still alive. */
  report(): void {
    if (this.#reported) return;
    this.#reported = true;
    untrack(this);
    if (this.context === null) this.#send();
    else this.context.runInAsyncScope(this.#send, this);
  }

  #send(): void {
    const future = this.#future.deref();
    this.loop.callExceptionHandler({
      message: this.message,
      exception: this.exception,
      ...(future === undefined ? {} : { future }),
      ...(this.sourceTraceback === undefined
        ? {}
        : { sourceTraceback: this.sourceTraceback }),
    });
  }
}

const byLoop = new Map<Reporter, Set<Unretrieved>>();
const collected = new FinalizationRegistry<Unretrieved>((entry) =>
  entry.report()
);

/** Tracks an unretrieved error of `future` until it is retrieved. */
export function track(entry: Unretrieved, future: object): void {
  let entries = byLoop.get(entry.loop);
  if (entries === undefined) byLoop.set(entry.loop, entries = new Set());
  entries.add(entry);
  collected.register(future, entry, entry);
}

function untrack(entry: Unretrieved): void {
  collected.unregister(entry);
  const entries = byLoop.get(entry.loop);
  if (entries === undefined) return;
  entries.delete(entry);
  if (entries.size === 0) byLoop.delete(entry.loop);
}

/** Reports every error of `loop` still unretrieved; called at close. */
export function reportUnretrieved(loop: Reporter): void {
  for (const entry of [...byLoop.get(loop) ?? []]) entry.report();
}
