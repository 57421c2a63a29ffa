/**
 * A FIFO queue on a ring buffer that doubles when full. The loop keeps its
 * ready callbacks in one, as CPython keeps `_ready` in a deque: a burst of
 * 100,000 callbacks reuses the same storage instead of growing a fresh
 * array every iteration.
 *
 * @module
 */

/** A first-in, first-out queue with O(1) `push` and `shift`. */
export class Deque<T> {
  #items: (T | undefined)[] = new Array(16);
  #mask = 15;
  #head = 0;
  #size = 0;

  /** The number of items. */
  get size(): number {
    return this.#size;
  }

  /** Adds an item at the back. */
  push(item: T): void {
    if (this.#size > this.#mask) this.#grow();
    this.#items[(this.#head + this.#size) & this.#mask] = item;
    this.#size++;
  }

  /** Removes the front item; `undefined` when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const head = this.#head;
    const item = this.#items[head];
    this.#items[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    this.#size--;
    return item;
  }

  /** Removes every item. */
  clear(): void {
    this.#items = new Array(16);
    this.#mask = 15;
    this.#head = 0;
    this.#size = 0;
  }

  #grow(): void {
    const items = this.#items;
    const grown = new Array<T | undefined>(items.length * 2);
    for (let i = 0; i < this.#size; i++) {
      grown[i] = items[(this.#head + i) & this.#mask];
    }
    this.#items = grown;
    this.#mask = grown.length - 1;
    this.#head = 0;
  }
}
