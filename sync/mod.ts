/**
 * Synchronisation primitives and queues for tasks, as in asyncio: `Lock`,
 * `Event`, `Condition`, `Semaphore`, `BoundedSemaphore`, `Barrier`, and
 * `Queue`, `PriorityQueue`, `LifoQueue`. Waiters are served in arrival
 * order, every wait can be cancelled (or timed out) without losing a
 * wake-up or an item, and `acquire()` resolves to a disposable `Ticket`
 * for `using`.
 *
 * ```ts
 * import { Lock, Queue } from "@aio/asyncio/sync";
 * import { createTask, run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const total = await run(async () => {
 *   const lock = new Lock();
 *   const queue = new Queue<number>(10);
 *   let total = 0;
 *   const consumer = createTask(async () => {
 *     for await (const item of queue) {
 *       using _ = await lock.acquire();
 *       total += item;
 *     }
 *   });
 *   for (let i = 1; i <= 100; i++) await queue.put(i);
 *   queue.shutdown();
 *   await consumer;
 *   return total;
 * });
 * assert.equal(total, 5050);
 * ```
 *
 * @module
 */
export { Lock } from "./lock.ts";
export { Event } from "./event.ts";
export { Condition } from "./condition.ts";
export { Semaphore } from "./semaphore.ts";
export { BoundedSemaphore } from "./bounded_semaphore.ts";
export { Barrier } from "./barrier.ts";
export { Queue } from "./queue.ts";
export { PriorityQueue } from "./priority_queue.ts";
export { LifoQueue } from "./lifo_queue.ts";
export { Ticket } from "./ticket.ts";
export { BrokenBarrierError, QueueEmpty, QueueShutDown } from "./errors.ts";
export { QueueFull, RuntimeError } from "../internal/errors.ts";
