/**
 * The loop's ready queue, FIFO: handles from `callSoon`, and the library's
 * own callbacks, which cost no handle.
 *
 * @module
 */
import { Deque } from "../internal/deque.ts";
import type { Handle } from "./handle.ts";

/** A library callback, called with the argument queued behind it. */
export type ReadyCall = (arg: unknown) => unknown;

/** What `ReadyQueue.take()` gives: a handle, or a call (`isCall`). */
export type ReadyEntry = Handle | ReadyCall;

/** True if `entry` is a call, whose argument `takeArgument()` gives next. */
export function isCall(entry: ReadyEntry): entry is ReadyCall {
  return typeof entry === "function";
}

/**
 * A FIFO of handles and calls in one ring buffer: a call takes two slots,
 * the function then its argument, and a handle is never a function.
 */
export class ReadyQueue {
  readonly #slots = new Deque<unknown>();
  #size = 0;

  /** The number of entries waiting. */
  get size(): number {
    return this.#size;
  }

  /** Queues a handle. */
  addHandle(handle: Handle): void {
    this.#slots.add(handle);
    this.#size++;
  }

  /** Queues `callback(arg)`. */
  addCall<T>(callback: (arg: T) => unknown, arg: T): void {
    this.#slots.add(callback);
    this.#slots.add(arg);
    this.#size++;
  }

  /** Takes the next entry; after a call, `takeArgument()` must follow. */
  take(): ReadyEntry {
    this.#size--;
    return this.#slots.take() as ReadyEntry;
  }

  /** Takes the argument of the call `take()` just gave. */
  takeArgument(): unknown {
    return this.#slots.take();
  }

  /** Drops every entry. */
  clear(): void {
    this.#slots.clear();
    this.#size = 0;
  }
}
