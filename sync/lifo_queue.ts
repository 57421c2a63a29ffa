/**
 * `LifoQueue`: asyncio's last-in, first-out queue.
 *
 * @module
 */
import { type ItemStore, Queue } from "./queue.ts";
import { internals } from "./_internals.ts";

/** A stack: the item added last is taken first. */
class Stack<T> implements ItemStore<T> {
  #items: T[] = [];

  get length(): number {
    return this.#items.length;
  }

  add(item: T): void {
    this.#items.push(item);
  }

  take(): T | undefined {
    return this.#items.pop();
  }

  clear(): void {
    this.#items = [];
  }

  toArray(): T[] {
    return this.#items.slice();
  }
}

/**
 * A `Queue` that hands out the most recently added item first: asyncio's
 * `LifoQueue`. Everything else (waiting, `maxsize`, `taskDone()`,
 * `join()`, `shutdown()`) is as in `Queue`.
 *
 * @example Last in, first out
 * ```ts
 * import { LifoQueue } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * const stack = new LifoQueue<string>();
 * for (const item of ["a", "b", "c"]) stack.putNowait(item);
 * assert.deepEqual([stack.getNowait(), stack.getNowait()], ["c", "b"]);
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  /** Creates a queue of at most `maxsize` items; 0 means no limit. */
  constructor(maxsize = 0) {
    super(maxsize);
    internals.useStore(this, new Stack<T>());
  }
}
