import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CancelledError, createTask, run, sleep, waitFor } from "../../mod.ts";
import { BoundedSemaphore, Semaphore, Ticket } from "../../sync/mod.ts";
import { errorOf } from "./helpers.ts";
import { waitAllTasksBlocked } from "../../testing/mod.ts";

describe("Semaphore", () => {
  it("checks its value", () => {
    assert.throws(() => new Semaphore(-1), RangeError);
    assert.throws(() => new Semaphore(1.5), RangeError);
    assert.throws(() => new Semaphore(NaN), RangeError);
    assert.throws(() => new Semaphore("2" as unknown as number), TypeError);
    assert.throws(() => new BoundedSemaphore(-1), RangeError);
    assert.equal(new Semaphore(0).locked(), true);
    assert.equal(new Semaphore().locked(), false);
  });

  it("hands out value slots at once, then makes acquire() wait", async () => {
    await run(async () => {
      const semaphore = new Semaphore(2);
      const first = await semaphore.acquire();
      assert.ok(first instanceof Ticket);
      assert.equal(semaphore.locked(), false);
      await semaphore.acquire();
      assert.equal(semaphore.locked(), true);
      const third = createTask(() => semaphore.acquire());
      await waitAllTasksBlocked();
      assert.equal(third.done(), false);
      first[Symbol.dispose]();
      assert.ok(await third instanceof Ticket);
    });
  });

  it("release() without acquire() raises the counter, as in asyncio", async () => {
    await run(async () => {
      const semaphore = new Semaphore(0);
      semaphore.release();
      semaphore.release();
      await semaphore.acquire();
      await semaphore.acquire();
      assert.equal(semaphore.locked(), true);
    });
  });

  it("serves waiters in FIFO order", async () => {
    const order = await run(async () => {
      const semaphore = new Semaphore(0);
      const order: number[] = [];
      const tasks = [0, 1, 2, 3].map((i) =>
        createTask(async () => {
          await semaphore.acquire();
          order.push(i);
        })
      );
      await waitAllTasksBlocked();
      for (let i = 0; i < 4; i++) semaphore.release();
      for (const task of tasks) await task;
      return order;
    });
    assert.deepEqual(order, [0, 1, 2, 3]);
  });

  it("lets no newcomer barge in after a release", async () => {
    const order = await run(async () => {
      const semaphore = new Semaphore(1);
      const order: string[] = [];
      await semaphore.acquire();
      const waiter = createTask(async () => {
        using _ = await semaphore.acquire();
        order.push("waiter");
      });
      await waitAllTasksBlocked();
      semaphore.release();
      assert.equal(semaphore.locked(), true, "the slot went to the waiter");
      {
        using _ = await semaphore.acquire();
        order.push("newcomer");
      }
      await waiter;
      assert.equal(semaphore.locked(), false);
      return order;
    });
    assert.deepEqual(order, ["waiter", "newcomer"]);
  });

  it("queues a newcomer behind waiters even when a slot is free", async () => {
    await run(async () => {
      const semaphore = new Semaphore(0);
      const waiter = createTask(() => semaphore.acquire());
      await waitAllTasksBlocked();
      semaphore.release();
      semaphore.release(); // one slot for the waiter, one free
      // The waiter has not resumed yet: a newcomer still waits its turn.
      assert.equal(semaphore.locked(), true);
      const newcomer = createTask(() => semaphore.acquire());
      await waiter;
      await newcomer;
      assert.equal(semaphore.locked(), true);
    });
  });

  it("passes a slot on when a woken waiter is cancelled before it runs", async () => {
    await run(async () => {
      const semaphore = new Semaphore(0);
      const a = createTask(() => semaphore.acquire());
      const b = createTask(() => semaphore.acquire());
      await waitAllTasksBlocked();
      semaphore.release(); // hands the slot to a
      a.cancel(); // before a runs
      assert.ok(await errorOf(a) instanceof CancelledError);
      assert.ok(await waitFor(() => b, 1) instanceof Ticket);
      assert.equal(semaphore.locked(), true, "b holds the only slot");
      semaphore.release();
      assert.equal(semaphore.locked(), false);
    });
  });

  it("gives the slot back when the only woken waiter is cancelled", async () => {
    await run(async () => {
      const semaphore = new Semaphore(0);
      const a = createTask(() => semaphore.acquire());
      await waitAllTasksBlocked();
      semaphore.release();
      a.cancel();
      assert.ok(await errorOf(a) instanceof CancelledError);
      assert.equal(semaphore.locked(), false);
      await semaphore.acquire();
      assert.equal(semaphore.locked(), true);
    });
  });

  it("forgets waiters cancelled while asleep", async () => {
    await run(async () => {
      const semaphore = new Semaphore(0);
      const tasks = Array.from(
        { length: 50 },
        () => createTask(() => semaphore.acquire()),
      );
      await waitAllTasksBlocked();
      for (const task of tasks) task.cancel();
      await waitAllTasksBlocked();
      assert.equal(semaphore.locked(), true, "value is still 0");
      semaphore.release();
      assert.equal(semaphore.locked(), false);
    });
  });

  it("limits concurrency (p-limit style) with using", async () => {
    const peak = await run(async () => {
      const semaphore = new Semaphore(3);
      let running = 0;
      let peak = 0;
      const job = async () => {
        using _ = await semaphore.acquire();
        running++;
        peak = Math.max(peak, running);
        await sleep(0);
        running--;
      };
      const tasks = Array.from({ length: 20 }, () => createTask(job));
      for (const task of tasks) await task;
      assert.equal(semaphore.locked(), false);
      return peak;
    });
    assert.equal(peak, 3);
  });
});

describe("BoundedSemaphore", () => {
  it("throws RangeError when released above its initial value", async () => {
    await run(async () => {
      const semaphore = new BoundedSemaphore(2);
      assert.throws(() => semaphore.release(), RangeError);
      const ticket = await semaphore.acquire();
      semaphore.release();
      assert.throws(() => semaphore.release(), /released too many times/);
      // The ticket still releases once, which now over-releases.
      assert.throws(() => ticket.release(), RangeError);
      ticket.release(); // spent: does nothing
    });
  });

  it("counts a slot handed to a woken waiter as acquired", async () => {
    await run(async () => {
      const semaphore = new BoundedSemaphore(1);
      await semaphore.acquire();
      const waiter = createTask(() => semaphore.acquire());
      await waitAllTasksBlocked();
      semaphore.release(); // hands the slot to the waiter
      assert.equal(semaphore.locked(), true);
      await waiter;
      semaphore.release(); // the waiter's
      assert.throws(() => semaphore.release(), RangeError);
      assert.equal(semaphore.locked(), false);
    });
  });
});
