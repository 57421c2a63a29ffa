import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  run,
  sleep,
  TimeoutError,
  waitFor,
} from "../../mod.ts";
import { Queue, QueueEmpty, QueueFull, QueueShutDown } from "../../sync/mod.ts";
import { errorOf } from "./helpers.ts";
import { waitAllTasksBlocked } from "../../testing/mod.ts";

describe("Queue basics", () => {
  it("checks maxsize", () => {
    assert.throws(() => new Queue("big" as unknown as number), TypeError);
    assert.throws(() => new Queue(1.5), RangeError);
    assert.throws(() => new Queue(NaN), RangeError);
    assert.equal(new Queue().maxsize, 0);
    assert.equal(new Queue(-1).full(), false, "maxsize <= 0 is unbounded");
  });

  it("is FIFO with qsize, empty, full and a read-only maxsize", () => {
    const queue = new Queue<number>(3);
    assert.equal(queue.maxsize, 3);
    assert.throws(() => {
      (queue as unknown as { maxsize: number }).maxsize = 5;
    }, TypeError);
    assert.equal(queue.empty(), true);
    for (const i of [1, 2, 3]) queue.putNowait(i);
    assert.equal(queue.qsize(), 3);
    assert.equal(queue.full(), true);
    assert.throws(() => queue.putNowait(4), QueueFull);
    assert.deepEqual(
      [queue.getNowait(), queue.getNowait(), queue.getNowait()],
      [1, 2, 3],
    );
    assert.throws(() => queue.getNowait(), QueueEmpty);
    assert.equal(queue.empty(), true);
  });

  it("keeps order across many items (ring buffer wrap-around)", () => {
    const queue = new Queue<number>();
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < round % 7 + 1; i++) queue.putNowait(next++);
      for (let i = 0; i < round % 5; i++) {
        if (!queue.empty()) out.push(queue.getNowait());
      }
    }
    while (!queue.empty()) out.push(queue.getNowait());
    assert.deepEqual(out, Array.from({ length: next }, (_, i) => i));
  });

  it("get() waits for an item and put() for a slot", async () => {
    await run(async () => {
      const queue = new Queue<string>(1);
      const getter = createTask(() => queue.get());
      await waitAllTasksBlocked();
      assert.equal(getter.done(), false);
      await queue.put("a");
      assert.equal(await getter, "a");
      await queue.put("b");
      const putter = createTask(() => queue.put("c"));
      await waitAllTasksBlocked();
      assert.equal(putter.done(), false);
      assert.equal(await queue.get(), "b");
      await putter;
      assert.equal(queue.getNowait(), "c");
    });
  });

  it("serves getters and putters in FIFO order", async () => {
    await run(async () => {
      const queue = new Queue<number>(1);
      const got: string[] = [];
      const getters = ["g0", "g1", "g2"].map((name) =>
        createTask(async () => got.push(`${name}:${await queue.get()}`))
      );
      await waitAllTasksBlocked();
      for (const i of [0, 1, 2]) await queue.put(i);
      for (const task of getters) await task;
      assert.deepEqual(got, ["g0:0", "g1:1", "g2:2"]);

      queue.putNowait(9);
      const putters = [10, 11, 12].map((i) => createTask(() => queue.put(i)));
      await waitAllTasksBlocked();
      const out: number[] = [];
      for (let i = 0; i < 4; i++) out.push(await queue.get());
      for (const task of putters) await task;
      assert.deepEqual(out, [9, 10, 11, 12]);
    });
  });
});

describe("Queue cancellation", () => {
  it("a getter woken then cancelled passes the item to the next getter", async () => {
    await run(async () => {
      const queue = new Queue<string>();
      const a = createTask(() => queue.get());
      const b = createTask(() => queue.get());
      await waitAllTasksBlocked();
      queue.putNowait("item"); // wakes a
      a.cancel(); // before a runs
      assert.ok(await errorOf(a) instanceof CancelledError);
      assert.equal(await waitFor(() => b, 1), "item");
      assert.equal(queue.qsize(), 0);
    });
  });

  it("a cancelled get() takes no item", async () => {
    await run(async () => {
      const queue = new Queue<number>();
      const getter = createTask(() => queue.get());
      await waitAllTasksBlocked();
      getter.cancel();
      assert.ok(await errorOf(getter) instanceof CancelledError);
      queue.putNowait(1);
      assert.equal(queue.qsize(), 1);
      assert.equal(queue.getNowait(), 1);
    });
  });

  it("a putter woken then cancelled adds nothing and passes the slot on", async () => {
    await run(async () => {
      const queue = new Queue<string>(1);
      queue.putNowait("first");
      const a = createTask(() => queue.put("a"));
      const b = createTask(() => queue.put("b"));
      await waitAllTasksBlocked();
      assert.equal(queue.getNowait(), "first"); // wakes a
      a.cancel(); // before a runs
      assert.ok(await errorOf(a) instanceof CancelledError);
      await waitFor(() => b, 1);
      assert.equal(queue.qsize(), 1);
      assert.equal(queue.getNowait(), "b");
      queue.taskDone();
      queue.taskDone();
      assert.throws(() => queue.taskDone(), RangeError, "a was never counted");
    });
  });

  it("get() with a timeout loses no item and leaves counts exact", async () => {
    await run(async () => {
      const queue = new Queue<number>();
      for (let i = 0; i < 20; i++) {
        const error = await errorOf(waitFor(() => queue.get(), 0.001));
        assert.ok(error instanceof TimeoutError);
      }
      const error = await errorOf(waitFor(() => queue.get(), 0));
      assert.ok(error instanceof TimeoutError);
      queue.putNowait(7);
      assert.equal(await waitFor(() => queue.get(), 30), 7);
      queue.taskDone();
      await queue.join();
    });
  });
});

describe("Queue join and taskDone", () => {
  it("join() returns at once with nothing unfinished", async () => {
    await run(async () => {
      const queue = new Queue<number>();
      await queue.join();
    });
  });

  it("join() waits until every item put is marked done", async () => {
    await run(async () => {
      const queue = new Queue<number>();
      for (const i of [1, 2, 3]) queue.putNowait(i);
      let joined = false;
      const joiner = createTask(async () => {
        await queue.join();
        joined = true;
      });
      for (let i = 0; i < 3; i++) {
        queue.getNowait();
        await waitAllTasksBlocked();
        assert.equal(joined, false);
        queue.taskDone();
      }
      await joiner;
      assert.equal(joined, true);
      assert.throws(() => queue.taskDone(), RangeError);
    });
  });

  it("taskDone() called too often is a RangeError", () => {
    const queue = new Queue<number>();
    assert.throws(() => queue.taskDone(), /more times than items were put/);
    queue.putNowait(1);
    queue.taskDone(); // an item may be marked done before it is taken
    assert.throws(() => queue.taskDone(), RangeError);
  });
});

describe("Queue shutdown", () => {
  it("checks its flag", () => {
    const queue = new Queue<number>();
    assert.throws(() => queue.shutdown("yes" as unknown as boolean), TypeError);
    queue.shutdown(null);
  });

  it("shutdown(): put fails, get drains the items then fails", async () => {
    await run(async () => {
      const queue = new Queue<number>();
      queue.putNowait(1);
      queue.putNowait(2);
      queue.shutdown();
      assert.throws(() => queue.putNowait(3), QueueShutDown);
      await assert.rejects(queue.put(3), QueueShutDown);
      assert.equal(await queue.get(), 1);
      assert.equal(queue.getNowait(), 2);
      await assert.rejects(queue.get(), QueueShutDown);
      assert.throws(() => queue.getNowait(), QueueShutDown);
      // join() still counts the items taken.
      let joined = false;
      const joiner = createTask(async () => {
        await queue.join();
        joined = true;
      });
      await waitAllTasksBlocked();
      assert.equal(joined, false);
      queue.taskDone();
      queue.taskDone();
      await joiner;
    });
  });

  it("shutdown() wakes blocked getters and putters with QueueShutDown", async () => {
    await run(async () => {
      const empty = new Queue<number>();
      const getters = [
        createTask(() => empty.get()),
        createTask(() => empty.get()),
      ];
      const full = new Queue<number>(1);
      full.putNowait(0);
      const putter = createTask(() => full.put(1));
      await waitAllTasksBlocked();
      empty.shutdown();
      full.shutdown();
      for (const task of getters) {
        assert.ok(await errorOf(task) instanceof QueueShutDown);
      }
      assert.ok(await errorOf(putter) instanceof QueueShutDown);
      assert.equal(full.qsize(), 1);
      assert.equal(await full.get(), 0);
    });
  });

  it("shutdown(true) drops the items, counts them done and fails getters at once", async () => {
    await run(async () => {
      const queue = new Queue<number>(2);
      queue.putNowait(1);
      queue.putNowait(2);
      const putter = createTask(() => queue.put(3));
      const joiner = createTask(() => queue.join());
      await waitAllTasksBlocked();
      queue.shutdown(true);
      assert.equal(queue.qsize(), 0);
      await assert.rejects(queue.get(), QueueShutDown);
      assert.ok(await errorOf(putter) instanceof QueueShutDown);
      await waitFor(() => joiner, 1);
      assert.throws(() => queue.taskDone(), RangeError);
    });
  });

  it("shutdown(true) keeps items already taken but not done unfinished", async () => {
    await run(async () => {
      const queue = new Queue<number>();
      queue.putNowait(1);
      queue.putNowait(2);
      queue.getNowait(); // taken, not done
      queue.shutdown(true);
      let joined = false;
      const joiner = createTask(async () => {
        await queue.join();
        joined = true;
      });
      await waitAllTasksBlocked();
      assert.equal(joined, false);
      queue.taskDone();
      await joiner;
    });
  });
});

describe("Queue iteration", () => {
  it("is an AsyncIterable that ends on shutdown once drained", async () => {
    await run(async () => {
      const queue = new Queue<number>();
      const seen: number[] = [];
      const consumer = createTask(async () => {
        for await (const item of queue) seen.push(item);
        return "ended";
      });
      for (const i of [1, 2]) await queue.put(i);
      await sleep(0.001);
      queue.putNowait(3);
      queue.shutdown();
      assert.equal(await consumer, "ended");
      assert.deepEqual(seen, [1, 2, 3]);
    });
  });

  it("ends at once on shutdown(true)", async () => {
    await run(async () => {
      const queue = new Queue<number>();
      queue.putNowait(1);
      queue.shutdown(true);
      const seen: number[] = [];
      for await (const item of queue) seen.push(item);
      assert.deepEqual(seen, []);
    });
  });

  it("lets the consuming task be cancelled while it waits", async () => {
    await run(async () => {
      const queue = new Queue<number>();
      const consumer = createTask(async () => {
        for await (const _ of queue) { /* nothing arrives */ }
      });
      await waitAllTasksBlocked();
      consumer.cancel();
      assert.ok(await errorOf(consumer) instanceof CancelledError);
      queue.putNowait(1);
      assert.equal(queue.qsize(), 1);
    });
  });
});
