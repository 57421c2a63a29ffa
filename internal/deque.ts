/**
 * A ring-buffer FIFO: the loop's ready callbacks, the queues' items and
 * every waiter list live in one, as CPython keeps them in deques.
 * `Array.prototype.shift` is O(n) on large arrays in some engines; this is
 * O(1) at both ends, and a burst of callbacks reuses the same storage.
 *
 * @module
 */

/** Capacity of the first buffer; always a power of two, so `&` wraps. */
const FIRST_CAPACITY = 4;

/** A first-in, first-out buffer with O(1) `add`, `take` and `peek`. */
export class Deque<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  #length = 0;

  /** The number of items. */
  get length(): number {
    return this.#length;
  }

  /** Appends `item` at the back. */
  add(item: T): void {
    if (this.#length === this.#items.length) {
      this.#resize(Math.max(FIRST_CAPACITY, this.#length * 2));
    }
    const items = this.#items;
    items[(this.#head + this.#length) & (items.length - 1)] = item;
    this.#length++;
  }

  /** Removes and returns the front item; `undefined` when empty. */
  take(): T | undefined {
    if (this.#length === 0) return undefined;
    const items = this.#items;
    const item = items[this.#head];
    items[this.#head] = undefined;
    this.#head = (this.#head + 1) & (items.length - 1);
    this.#length--;
    return item;
  }

  /** The front item, left in place; `undefined` when empty. */
  peek(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  /** Keeps only the items for which `keep` is true, in order. */
  retain(keep: (item: T) => boolean): void {
    const kept: T[] = [];
    for (let i = 0; i < this.#length; i++) {
      const item = this.#items[(this.#head + i) & (this.#items.length - 1)];
      if (keep(item as T)) kept.push(item as T);
    }
    this.clear();
    for (const item of kept) this.add(item);
  }

  /** The items, front first, in a new array. */
  toArray(): T[] {
    const items = this.#items;
    const array = new Array<T>(this.#length);
    for (let i = 0; i < this.#length; i++) {
      array[i] = items[(this.#head + i) & (items.length - 1)] as T;
    }
    return array;
  }

  /** Removes every item. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#length = 0;
  }

  #resize(capacity: number): void {
    const items = this.#items;
    const resized = new Array<T | undefined>(capacity);
    for (let i = 0; i < this.#length; i++) {
      resized[i] = items[(this.#head + i) & (items.length - 1)];
    }
    this.#items = resized;
    this.#head = 0;
  }
}
