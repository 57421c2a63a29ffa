/**
 * A binary min-heap over an array, ordered by a `before` function. The loop
 * keeps its timers in one, as CPython keeps `_scheduled`.
 *
 * @module
 */

/** A min-heap whose order is given by `before(a, b)`. */
export class MinHeap<T> {
  #items: T[] = [];
  readonly #before: (a: T, b: T) => boolean;

  /** Creates an empty heap ordered by `before`. */
  constructor(before: (a: T, b: T) => boolean) {
    this.#before = before;
  }

  /** The number of items. */
  get size(): number {
    return this.#items.length;
  }

  /** The smallest item, or `undefined` when empty. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Adds an item. */
  push(item: T): void {
    const items = this.#items;
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(item, items[parent])) break;
      items[i] = items[parent];
      i = parent;
    }
    items[i] = item;
  }

  /** Removes and returns the smallest item. */
  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) this.#siftDown(last, 0);
    return top;
  }

  /** Keeps only the items for which `keep` is true, then restores order. */
  retain(keep: (item: T) => boolean): void {
    this.#items = this.#items.filter(keep);
    for (let i = (this.#items.length >> 1) - 1; i >= 0; i--) {
      this.#siftDown(this.#items[i], i);
    }
  }

  /** Removes every item. */
  clear(): void {
    this.#items = [];
  }

  #siftDown(item: T, start: number): void {
    const items = this.#items;
    const n = items.length;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.#before(items[child + 1], items[child])) {
        child++;
      }
      if (!this.#before(items[child], item)) break;
      items[i] = items[child];
      i = child;
    }
    items[i] = item;
  }
}
