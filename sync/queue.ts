/**
 * `Queue`: asyncio's FIFO queue for producers and consumers.
 *
 * @module
 */
import { checkInteger, describe } from "../internal/validate.ts";
import { Deque } from "../internal/deque.ts";
import { QueueFull } from "../internal/errors.ts";
import { QueueEmpty, QueueShutDown } from "./errors.ts";
import { Event } from "./event.ts";
import { park } from "../tasks/future.ts";
import { Waiters } from "./waiters.ts";
import { internals } from "./_internals.ts";
import { pyRepr } from "../internal/py_repr.ts";

/** What a `put()` that found room returns: it is done already. */
const DONE = Promise.resolve();

/** Where a queue keeps its items; the kind of queue decides the order. */
export interface ItemStore<T> {
  /** The number of items. */
  readonly length: number;
  /** Adds an item; may throw, and then adds nothing. */
  add(item: T): void;
  /** Removes and returns the next item to hand out. */
  take(): T | undefined;
  /** Removes every item. */
  clear(): void;
  /** The items in the store's own order, for a description. */
  toArray(): T[];
}

/**
 * A first-in, first-out queue for tasks: asyncio's `Queue`. `put()` waits
 * while the queue holds `maxsize` items (never, when `maxsize` is 0 or
 * less); `get()` waits while it is empty. Waiters are woken in arrival
 * order, and a waiter cancelled after it was woken passes the wake-up on,
 * so a cancelled `put()` or `get()` never loses an item. `taskDone()` and
 * `join()` count unfinished items exactly; `shutdown()` stops the queue
 * as in Python 3.13. The queue is also an `AsyncIterable` whose loop ends
 * when the queue is shut down and empty (call `taskDone()` yourself if you
 * `join()`).
 *
 * @example A producer and a consumer
 * ```ts
 * import { Queue } from "@aio/asyncio/sync";
 * import { createTask, run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const received = await run(async () => {
 *   const queue = new Queue<number>(2);
 *   const consumer = createTask(async () => {
 *     const received: number[] = [];
 *     for await (const item of queue) {
 *       received.push(item);
 *       queue.taskDone();
 *     }
 *     return received;
 *   });
 *   for (let i = 0; i < 5; i++) await queue.put(i);
 *   await queue.join();
 *   queue.shutdown();
 *   return await consumer;
 * });
 * assert.deepEqual(received, [0, 1, 2, 3, 4]);
 * ```
 */
export class Queue<T> implements AsyncIterable<T> {
  readonly #maxsize: number;
  #items: ItemStore<T> = new Deque<T>();
  readonly #getters = new Waiters();
  readonly #putters = new Waiters();
  #unfinished = 0;
  readonly #finished = new Event();
  #shutDown = false;

  /**
   * Creates a queue that holds at most `maxsize` items; 0 (the default)
   * or less means no limit. A `TypeError` if `maxsize` is not a number.
   */
  constructor(maxsize = 0) {
    this.#maxsize = checkInteger(maxsize, "The queue's maxsize");
    this.#finished.set();
  }

  static {
    internals.useStore = (queue, store) => {
      queue.#items = store;
    };
  }

  /** The most items the queue holds; 0 or less means no limit. */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** The number of items in the queue. */
  qsize(): number {
    return this.#items.length;
  }

  /** True if the queue has no item. */
  empty(): boolean {
    return this.#items.length === 0;
  }

  /** True if the queue holds `maxsize` items (never when unbounded). */
  full(): boolean {
    return this.#maxsize > 0 && this.#items.length >= this.#maxsize;
  }

  /**
   * A short description, as asyncio's `str()` of a queue:
   * `<Queue maxsize=0 _queue=[1, 2] _getters[1] tasks=2>`.
   */
  toString(): string {
    let text = `<${this.constructor.name} maxsize=${this.#maxsize}`;
    if (this.#items.length > 0) {
      text += ` _queue=${pyRepr(this.#items.toArray())}`;
    }
    const getters = this.#getters.count();
    if (getters > 0) text += ` _getters[${getters}]`;
    const putters = this.#putters.count();
    if (putters > 0) text += ` _putters[${putters}]`;
    if (this.#unfinished > 0) text += ` tasks=${this.#unfinished}`;
    return this.#shutDown ? `${text} shutdown>` : `${text}>`;
  }

  /** What `console.log` shows: the description, as Python's `print`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /**
   * Adds `item`, waiting for a free slot while the queue is full.
   * `QueueShutDown` if the queue is or gets shut down. If cancelled, the
   * item was not added.
   */
  put(item: T): Promise<void> {
    // No async frame when there is room: most puts of a busy queue.
    if (this.full()) return this.#putWhenFree(item);
    try {
      this.putNowait(item);
    } catch (error) {
      return Promise.reject(error);
    }
    return DONE;
  }

  async #putWhenFree(item: T): Promise<void> {
    while (this.full()) {
      if (this.#shutDown) throw new QueueShutDown();
      const putter = this.#putters.add(this);
      try {
        await park(putter);
      } catch (error) {
        // Woken for a slot it will not use: the next putter gets it.
        if (this.#putters.leave(putter) && !this.full()) {
          this.#putters.wakeOne();
        }
        throw error;
      }
    }
    this.putNowait(item);
  }

  /**
   * Adds `item` at once: `QueueFull` if the queue is full, `QueueShutDown`
   * if it was shut down.
   */
  putNowait(item: T): void {
    if (this.#shutDown) throw new QueueShutDown();
    if (this.full()) throw new QueueFull();
    this.#items.add(item);
    this.#unfinished++;
    this.#finished.clear();
    this.#getters.wakeOne();
  }

  /**
   * Removes and returns the next item, waiting while the queue is empty.
   * `QueueShutDown` once a shut-down queue is empty. If cancelled, no item
   * was taken.
   */
  get(): Promise<T> {
    // No async frame when an item is there: most gets of a busy queue.
    if (this.empty()) return this.#getWhenThere();
    return Promise.resolve(this.getNowait());
  }

  async #getWhenThere(): Promise<T> {
    while (this.empty()) {
      if (this.#shutDown) throw new QueueShutDown();
      const getter = this.#getters.add(this);
      try {
        await park(getter);
      } catch (error) {
        // Woken for an item it will not take: the next getter gets it.
        if (this.#getters.leave(getter) && !this.empty()) {
          this.#getters.wakeOne();
        }
        throw error;
      }
    }
    return this.getNowait();
  }

  /**
   * Removes and returns the next item at once: `QueueEmpty` if there is
   * none, `QueueShutDown` if the queue is also shut down.
   */
  getNowait(): T {
    if (this.empty()) {
      throw this.#shutDown ? new QueueShutDown() : new QueueEmpty();
    }
    const item = this.#items.take() as T;
    this.#putters.wakeOne();
    return item;
  }

  /**
   * Marks one item taken with `get()` as processed. When every item put
   * has been processed, `join()` returns. A `RangeError` (Python's
   * `ValueError`) if called more times than items were put.
   */
  taskDone(): void {
    if (this.#unfinished <= 0) {
      throw new RangeError(
        "taskDone() called more times than items were put in the queue",
      );
    }
    this.#unfinished--;
    if (this.#unfinished === 0) this.#finished.set();
  }

  /**
   * Waits until every item put in the queue has been marked processed
   * with `taskDone()`.
   */
  async join(): Promise<void> {
    if (this.#unfinished > 0) await this.#finished.wait();
  }

  /**
   * Shuts the queue down: `put()` and `putNowait()` throw `QueueShutDown`
   * from now on, and `get()` does once the queue is empty; blocked callers
   * are woken to find out. With `immediate`, the items left are dropped
   * and counted as done (which may release `join()`), so `get()` throws at
   * once.
   */
  shutdown(immediate: boolean | null = false): void {
    if (immediate != null && typeof immediate !== "boolean") {
      throw new TypeError(
        `The immediate flag of shutdown() must be a boolean, got ${
          describe(immediate)
        }`,
      );
    }
    this.#shutDown = true;
    if (immediate) {
      this.#unfinished = Math.max(0, this.#unfinished - this.#items.length);
      this.#items.clear();
      if (this.#unfinished === 0) this.#finished.set();
    }
    this.#getters.wakeAll();
    this.#putters.wakeAll();
  }

  /**
   * Yields items as `get()` returns them, until the queue is shut down and
   * empty.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Awaited<T>, void, undefined> {
    for (;;) {
      let item: T;
      try {
        item = await this.get();
      } catch (error) {
        if (error instanceof QueueShutDown) return;
        throw error;
      }
      yield item;
    }
  }
}
