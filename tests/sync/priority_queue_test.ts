import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createTask, run } from "../../mod.ts";
import { LifoQueue, PriorityQueue, Queue, QueueFull } from "../../sync/mod.ts";
import { random } from "./helpers.ts";
import { waitAllTasksBlocked } from "../../testing/mod.ts";

function drain<T>(queue: Queue<T>): T[] {
  const out: T[] = [];
  while (!queue.empty()) out.push(queue.getNowait());
  return out;
}

describe("PriorityQueue", () => {
  it("checks its arguments", () => {
    assert.throws(() => new PriorityQueue("1" as unknown as number), TypeError);
    assert.throws(
      () => new PriorityQueue(0, 5 as unknown as () => number),
      TypeError,
    );
    new PriorityQueue(0, null);
    assert.ok(new PriorityQueue() instanceof Queue);
  });

  it("hands out numbers, bigints and strings smallest first", () => {
    const numbers = new PriorityQueue<number | bigint>();
    for (const n of [5, -1, 3n, 2.5, 0, 10n, -7]) numbers.putNowait(n);
    assert.deepEqual(drain(numbers), [-7, -1, 0, 2.5, 3n, 5, 10n]);
    const strings = new PriorityQueue<string>();
    for (const s of ["pear", "apple", "Zebra", "apricot", ""]) {
      strings.putNowait(s);
    }
    assert.deepEqual(drain(strings), ["", "Zebra", "apple", "apricot", "pear"]);
  });

  it("orders booleans as the integers 0 and 1, as Python's bool", () => {
    // CPython 3.13 gives these orders for the same puts.
    const flags = new PriorityQueue<number | boolean>();
    for (const item of [true, 0, 2, 0.5]) flags.putNowait(item);
    assert.deepEqual(drain(flags), [0, 0.5, true, 2]);
    const jobs = new PriorityQueue<unknown[]>();
    const items = [
      [1, true, "b"],
      [1, false, "a"],
      [0, "z"],
      [2.5, "y"],
      [true, false, "c"],
    ];
    for (const item of items) jobs.putNowait(item);
    assert.deepEqual(drain(jobs), [
      [0, "z"],
      [1, false, "a"],
      [true, false, "c"],
      [1, true, "b"],
      [2.5, "y"],
    ]);
  });

  it("orders arrays element by element, like Python tuples", () => {
    const queue = new PriorityQueue<unknown[]>();
    const items = [
      [2, "b"],
      [1, "z"],
      [1, "a", 0],
      [1, "a"],
      [1],
      [0, [5, 1]],
      [0, [4, 9, 9]],
      [],
    ];
    for (const item of items) queue.putNowait(item);
    assert.deepEqual(drain(queue), [
      [],
      [0, [4, 9, 9]],
      [0, [5, 1]],
      [1],
      [1, "a"],
      [1, "a", 0],
      [1, "z"],
      [2, "b"],
    ]);
  });

  it("accepts any payload after a deciding priority, or the same object", () => {
    const queue = new PriorityQueue<[number, object]>();
    const shared = { name: "shared" };
    queue.putNowait([2, { name: "two" }]);
    queue.putNowait([1, shared]);
    queue.putNowait([1, shared]);
    queue.putNowait([3, { name: "three" }]);
    assert.deepEqual(drain(queue).map(([p]) => p), [1, 1, 2, 3]);
  });

  it("refuses items Python could not order, leaving the queue intact", () => {
    const queue = new PriorityQueue<unknown>();
    assert.throws(() => queue.putNowait({ id: 1 }), TypeError);
    assert.throws(() => queue.putNowait(null), TypeError);
    assert.equal(queue.qsize(), 0);
    queue.putNowait(1);
    assert.throws(() => queue.putNowait("one"), /Cannot order/);
    queue.putNowait(0);
    assert.equal(queue.qsize(), 2);
    assert.deepEqual(drain(queue), [0, 1]);

    // Two payloads that tie on priority and cannot be compared.
    const tied = new PriorityQueue<[number, object]>();
    tied.putNowait([1, { a: 1 }]);
    assert.throws(() => tied.putNowait([1, { b: 2 }]), TypeError);
    tied.putNowait([0, { c: 3 }]);
    assert.equal(tied.qsize(), 2);
    assert.deepEqual(drain(tied).map(([p]) => p), [0, 1]);
    assert.equal(tied.qsize(), 0);
  });

  it("keeps every item when a comparison fails midway", () => {
    const items = [5, 3, 8, 1, 9, 2, 7, 4, 6, 0, 11, 10, 12, 13, 14];
    for (let failAt = 1; failAt <= 8; failAt++) {
      let budget = Infinity;
      const queue = new PriorityQueue<number>(0, (a, b) => {
        if (--budget < 0) throw new Error("comparator failed");
        return a - b;
      });
      for (const n of items) queue.putNowait(n);
      const taken: number[] = [];
      budget = failAt;
      try {
        taken.push(queue.getNowait());
      } catch (error) {
        assert.match((error as Error).message, /comparator failed/);
      }
      budget = failAt;
      try {
        queue.putNowait(-1);
        taken.push(queue.getNowait());
      } catch (error) {
        assert.match((error as Error).message, /comparator failed/);
      }
      budget = Infinity;
      const all = [...taken, ...drain(queue)].filter((n) => n !== -1);
      assert.deepEqual(
        all.sort((a, b) => a - b),
        [...items].sort((a, b) => a - b),
      );
      assert.deepEqual(drain(queue), []);
    }
  });

  it("stays a heap after failed comparisons", () => {
    let budget = Infinity;
    const queue = new PriorityQueue<number>(0, (a, b) => {
      if (--budget < 0) throw new Error("comparator failed");
      return a - b;
    });
    const next = random(7);
    const model: number[] = [];
    for (let step = 0; step < 3000; step++) {
      budget = next() < 0.3 ? Math.floor(next() * 6) : Infinity;
      try {
        if (next() < 0.5 || model.length === 0) {
          const n = Math.floor(next() * 100);
          queue.putNowait(n);
          model.push(n);
        } else {
          const n = queue.getNowait();
          model.sort((a, b) => a - b);
          assert.equal(n, model.shift());
        }
      } catch (error) {
        if (!/comparator failed/.test((error as Error).message)) throw error;
      }
      assert.equal(queue.qsize(), model.length);
    }
  });

  it("orders by a comparator", () => {
    const queue = new PriorityQueue<{ due: number }>(
      0,
      (a, b) => b.due - a.due,
    );
    for (const due of [3, 9, 1]) queue.putNowait({ due });
    assert.deepEqual(drain(queue).map((job) => job.due), [9, 3, 1]);
  });

  it("matches a sort over thousands of random operations", () => {
    const next = random(20240601);
    const queue = new PriorityQueue<[number, number]>();
    const model: [number, number][] = [];
    let counter = 0;
    for (let step = 0; step < 5000; step++) {
      if (next() < 0.55 || model.length === 0) {
        const item: [number, number] = [Math.floor(next() * 50), counter++];
        queue.putNowait(item);
        model.push(item);
      } else {
        model.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        assert.deepEqual(queue.getNowait(), model.shift());
      }
      assert.equal(queue.qsize(), model.length);
    }
  });

  it("waits like a Queue: maxsize, get() and put()", async () => {
    await run(async () => {
      const queue = new PriorityQueue<number>(2);
      queue.putNowait(5);
      queue.putNowait(1);
      assert.throws(() => queue.putNowait(3), QueueFull);
      const putter = createTask(() => queue.put(3));
      await waitAllTasksBlocked();
      assert.equal(await queue.get(), 1);
      await putter;
      assert.deepEqual([await queue.get(), await queue.get()], [3, 5]);
      const getter = createTask(() => queue.get());
      await waitAllTasksBlocked();
      queue.putNowait(4);
      assert.equal(await getter, 4);
    });
  });
});

describe("LifoQueue", () => {
  it("hands out the newest item first and waits like a Queue", async () => {
    await run(async () => {
      const queue = new LifoQueue<string>(2);
      assert.ok(queue instanceof Queue);
      assert.throws(() => new LifoQueue("x" as unknown as number), TypeError);
      queue.putNowait("a");
      queue.putNowait("b");
      const putter = createTask(() => queue.put("c"));
      await waitAllTasksBlocked();
      assert.equal(await queue.get(), "b");
      await putter;
      assert.deepEqual(drain(queue), ["c", "a"]);
      queue.putNowait("x");
      queue.shutdown(true);
      assert.equal(queue.qsize(), 0);
    });
  });
});
