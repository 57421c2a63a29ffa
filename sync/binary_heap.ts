/**
 * The priority queue's store: a binary min-heap that stays intact when the
 * comparator throws.
 *
 * @module
 */
import type { ItemStore } from "./queue.ts";

/**
 * A min-heap ordered by `compare` (negative: `a` first). Unlike the loop's
 * timer heap, a comparator that throws (a user's, or Python order meeting
 * two values it cannot compare) leaves every item in place: `add` compares
 * before it moves anything, and `take` undoes its moves.
 */
export class BinaryHeap<T> implements ItemStore<T> {
  #items: T[] = [];
  readonly #compare: (a: T, b: T) => number;
  readonly #check: ((item: T) => void) | null;

  /** Creates an empty heap; `check` vets each item before it is added. */
  constructor(
    compare: (a: T, b: T) => number,
    check: ((item: T) => void) | null,
  ) {
    this.#compare = compare;
    this.#check = check;
  }

  get length(): number {
    return this.#items.length;
  }

  add(item: T): void {
    this.#check?.(item);
    const items = this.#items;
    // Find the slot first: a throwing comparison then changes nothing.
    let slot = items.length;
    while (slot > 0) {
      const parent = (slot - 1) >> 1;
      if (this.#compare(item, items[parent]) >= 0) break;
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

  take(): T | undefined {
    const items = this.#items;
    const size = items.length - 1;
    if (size <= 0) return items.pop();
    const top = items[0];
    const last = items[size];
    let hole = 0;
    try {
      for (;;) {
        let child = 2 * hole + 1;
        if (child >= size) break;
        if (
          child + 1 < size && this.#compare(items[child + 1], items[child]) < 0
        ) {
          child++;
        }
        if (this.#compare(items[child], last) >= 0) break;
        items[hole] = items[child];
        hole = child;
      }
    } catch (error) {
      // Each ancestor of the hole holds its child's old item: move back.
      while (hole > 0) {
        const parent = (hole - 1) >> 1;
        items[hole] = items[parent];
        hole = parent;
      }
      items[0] = top;
      throw error;
    }
    items[hole] = last;
    items.pop();
    return top;
  }

  clear(): void {
    this.#items = [];
  }
}
