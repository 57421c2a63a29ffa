/**
 * Each primitive and queue describes itself as asyncio's `repr` (and a
 * queue's `str`) does, without the address: every expected string is
 * CPython 3.13's for the same states, from `print()` of the same program.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { createTask, gather, run, sleep } from "../../mod.ts";
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Event,
  LifoQueue,
  Lock,
  PriorityQueue,
  Queue,
  Semaphore,
} from "../../sync/mod.ts";

function primitives() {
  return {
    lock: new Lock(),
    event: new Event(),
    semaphore: new Semaphore(2),
    bounded: new BoundedSemaphore(1),
    condition: new Condition(),
    barrier: new Barrier(3),
    queue: new Queue<number>(),
    priority: new PriorityQueue<[number, string]>(),
    lifo: new LifoQueue<string>(5),
  };
}

const described = (all: Record<string, object>) =>
  Object.values(all).map((primitive) => String(primitive));

describe("descriptions", () => {
  it("say each primitive's state and waiters, and each queue's items, waiters and unfinished tasks", async () => {
    const [fresh, busy, after] = await run(async () => {
      const all = primitives();
      const fresh = described(all);
      const { lock, event, semaphore, bounded, condition, barrier } = all;
      await lock.acquire();
      event.set();
      await semaphore.acquire();
      await semaphore.acquire();
      await bounded.acquire();
      const waiting = [
        createTask(() => lock.acquire()),
        createTask(() => semaphore.acquire()),
        createTask(() => bounded.acquire()),
        createTask(() => barrier.wait()),
        createTask(() => all.queue.get()),
        createTask(async () => {
          await condition.acquire();
          try {
            await condition.wait();
          } finally {
            condition.release();
          }
        }),
      ];
      all.priority.putNowait([2, "b"]);
      all.priority.putNowait([1, "a"]);
      all.lifo.putNowait("x");
      all.lifo.putNowait("y");
      await sleep(0);
      const busy = described(all);
      event.clear();
      await barrier.abort();
      all.queue.shutdown();
      for (const task of waiting) task.cancel();
      await gather(...waiting, { returnExceptions: true });
      return [fresh, busy, described(all)];
    });
    assert.deepEqual(fresh, [
      "<Lock [unlocked]>",
      "<Event [unset]>",
      "<Semaphore [unlocked, value:2]>",
      "<BoundedSemaphore [unlocked, value:1]>",
      "<Condition [unlocked]>",
      "<Barrier [filling, waiters:0/3]>",
      "<Queue maxsize=0>",
      "<PriorityQueue maxsize=0>",
      "<LifoQueue maxsize=5>",
    ]);
    // Python shows the priority items as tuples: (1, 'a').
    assert.deepEqual(busy, [
      "<Lock [locked, waiters:1]>",
      "<Event [set]>",
      "<Semaphore [locked, waiters:1]>",
      "<BoundedSemaphore [locked, waiters:1]>",
      "<Condition [unlocked, waiters:1]>",
      "<Barrier [filling, waiters:1/3]>",
      "<Queue maxsize=0 _getters[1]>",
      "<PriorityQueue maxsize=0 _queue=[[1, 'a'], [2, 'b']] tasks=2>",
      "<LifoQueue maxsize=5 _queue=['x', 'y'] tasks=2>",
    ]);
    assert.deepEqual(after, [
      "<Lock [locked]>",
      "<Event [unset]>",
      "<Semaphore [locked]>",
      "<BoundedSemaphore [locked]>",
      "<Condition [unlocked]>",
      "<Barrier [broken]>",
      "<Queue maxsize=0 shutdown>",
      "<PriorityQueue maxsize=0 _queue=[[1, 'a'], [2, 'b']] tasks=2>",
      "<LifoQueue maxsize=5 _queue=['x', 'y'] tasks=2>",
    ]);
  });

  it("name a subclass by its own name", () => {
    class Meeting extends Barrier {}
    assert.equal(String(new Meeting(2)), "<Meeting [filling, waiters:0/2]>");
  });

  it("are what console.log prints", () => {
    const queue = new Queue<string>(2);
    queue.putNowait("a");
    assert.equal(inspect(new Lock()), "<Lock [unlocked]>");
    assert.equal(inspect(queue), "<Queue maxsize=2 _queue=['a'] tasks=1>");
  });
});
