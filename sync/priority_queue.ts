/**
 * `PriorityQueue`: asyncio's queue that hands out the smallest item first.
 *
 * @module
 */
import { checkFunction } from "../internal/validate.ts";
import { MinHeap } from "../internal/heap.ts";
import { checkOrderable, pythonOrder } from "./python_order.ts";
import { type ItemStore, Queue } from "./queue.ts";
import { internals } from "./_internals.ts";

/**
 * A `Queue` that hands out the smallest item first: asyncio's
 * `PriorityQueue`. Without a comparator, items are ordered as Python orders
 * them: numbers (and bigints, and booleans as 0 and 1) by value, strings
 * by code unit, arrays element by element like tuples, so
 * `[priority, data]` entries work as in Python (put a counter in between, `[priority, n, data]`, when `data`
 * cannot be compared). Other items are a `TypeError` at `put()`. With
 * `compare(a, b)` (negative when `a` comes first, as for `Array.sort`),
 * any items can be queued. Everything else is as in `Queue`.
 *
 * @example Tuples and a comparator
 * ```ts
 * import { PriorityQueue } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * const jobs = new PriorityQueue<[number, string]>();
 * jobs.putNowait([2, "write"]);
 * jobs.putNowait([1, "read"]);
 * jobs.putNowait([1, "open"]);
 * assert.deepEqual(jobs.getNowait(), [1, "open"]);
 *
 * type Job = { deadline: number };
 * const byDeadline = new PriorityQueue<Job>(0, (a, b) => a.deadline - b.deadline);
 * byDeadline.putNowait({ deadline: 9 });
 * byDeadline.putNowait({ deadline: 3 });
 * assert.equal(byDeadline.getNowait().deadline, 3);
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  /**
   * Creates a queue of at most `maxsize` items (0 means no limit), ordered
   * by `compare` or, when it is omitted, as Python orders values.
   */
  constructor(maxsize = 0, compare?: ((a: T, b: T) => number) | null) {
    if (compare != null) checkFunction(compare, "The comparator");
    super(maxsize);
    internals.useStore(
      this,
      compare == null
        ? heapStore<T>(pythonOrder, checkOrderable)
        : heapStore<T>(compare, null),
    );
  }
}

/** The queue's store: a heap in `compare` order; `check` vets each item. */
function heapStore<T>(
  compare: (a: T, b: T) => number,
  check: ((item: T) => void) | null,
): ItemStore<T> {
  const heap = new MinHeap<T>((a, b) => compare(a, b) < 0);
  return {
    get length() {
      return heap.size;
    },
    add(item) {
      check?.(item);
      heap.push(item);
    },
    take: () => heap.pop(),
    clear: () => heap.clear(),
    toArray: () => heap.toArray(),
  };
}
