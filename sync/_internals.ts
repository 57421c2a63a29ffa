/**
 * The package-private entry points of the primitives, kept out of the
 * public API: the classes that own the state fill them in their
 * `static {}` blocks, and no `mod.ts` re-exports this module.
 *
 * @module
 */
import type { ItemStore, Queue } from "./queue.ts";
import type { Semaphore } from "./semaphore.ts";

/** Filled by `Semaphore` and `Queue`. */
export const internals: {
  /** The semaphore's counter; for `BoundedSemaphore`. */
  counterOf(semaphore: Semaphore): number;
  /** Gives a queue another store; for `LifoQueue` and `PriorityQueue`. */
  useStore<T>(queue: Queue<T>, store: ItemStore<T>): void;
} = {} as typeof internals;
