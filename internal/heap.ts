/**
 * A binary min-heap over an array, ordered by a `before` function: the
 * loop's timers (CPython's `_scheduled`) and `PriorityQueue`'s items. A
 * `before` that throws (items Python could not compare) leaves the heap as
 * it was.
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

  /** Adds an item; if `before` throws, nothing is added. */
  push(item: T): void {
    const items = this.#items;
    // Find the slot first: a throwing comparison then changes nothing.
    let slot = items.length;
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (!this.#before(item, items[parent])) break;
      slot = parent;
    }
    let hole = items.length;
    items.push(item);
    while (hole > slot) {
      const parent = (hole - 1) >> 1;
      items[hole] = items[parent];
      hole = parent;
    }
    items[slot] = item;
  }

  /** Removes and returns the smallest item; if `before` throws, none. */
  pop(): T | undefined {
    const items = this.#items;
    const size = items.length - 1;
    if (size <= 0) return items.pop();
    const top = items[0];
    const last = items[size];
    let hole = 0;
    try {
      hole = this.#holeFor(last, 0, size);
    } catch (error) {
      this.#items[0] = top;
      throw error;
    }
    items[hole] = last;
    items.pop();
    return top;
  }

  /** Keeps only the items for which `keep` is true, then restores order. */
  retain(keep: (item: T) => boolean): void {
    this.#items = this.#items.filter(keep);
    for (let i = (this.#items.length >> 1) - 1; i >= 0; i--) {
      this.#siftDown(this.#items[i], i);
    }
  }

  /** The items in heap order, smallest first, in a new array. */
  toArray(): T[] {
    return this.#items.slice();
  }

  /** Removes every item. */
  clear(): void {
    this.#items = [];
  }

  /**
   * Moves children up from `start` until `item` fits, among the first
   * `size` items, and returns its slot. If `before` throws, each moved
   * child goes back first.
   */
  #holeFor(item: T, start: number, size: number): number {
    const items = this.#items;
    let hole = start;
    try {
      for (;;) {
        let child = 2 * hole + 1;
        if (child >= size) break;
        if (child + 1 < size && this.#before(items[child + 1], items[child])) {
          child++;
        }
        if (!this.#before(items[child], item)) break;
        items[hole] = items[child];
        hole = child;
      }
    } catch (error) {
      // Each ancestor of the hole holds its child's old item: move back.
      while (hole > start) {
        const parent = (hole - 1) >> 1;
        items[hole] = items[parent];
        hole = parent;
      }
      throw error;
    }
    return hole;
  }

  #siftDown(item: T, start: number): void {
    this.#items[this.#holeFor(item, start, this.#items.length)] = item;
  }
}
