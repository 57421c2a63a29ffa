import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  run,
  RuntimeError,
  sleep,
  waitFor,
} from "../../mod.ts";
import { Lock, Ticket } from "../../sync/mod.ts";
import { errorOf } from "./helpers.ts";
import { waitAllTasksBlocked } from "../../testing/mod.ts";

describe("Lock", () => {
  it("is taken at once when free and resolves to a truthy ticket", async () => {
    await run(async () => {
      const lock = new Lock();
      assert.equal(lock.locked(), false);
      const ticket = await lock.acquire();
      assert.ok(ticket);
      assert.ok(ticket instanceof Ticket);
      assert.equal(lock.locked(), true);
      lock.release();
      assert.equal(lock.locked(), false);
    });
  });

  it("releases at the end of a using block, also on error", async () => {
    await run(async () => {
      const lock = new Lock();
      {
        using _ = await lock.acquire();
        assert.equal(lock.locked(), true);
      }
      assert.equal(lock.locked(), false);
      await assert.rejects(async () => {
        using _ = await lock.acquire();
        throw new Error("boom");
      }, /boom/);
      assert.equal(lock.locked(), false);
    });
  });

  it("releases once per ticket: disposing again does nothing", async () => {
    await run(async () => {
      const lock = new Lock();
      const first = await lock.acquire();
      first[Symbol.dispose]();
      const second = await lock.acquire();
      first[Symbol.dispose]();
      first.release();
      assert.equal(lock.locked(), true, "a stale ticket released the lock");
      second.release();
      assert.equal(lock.locked(), false);
    });
  });

  it("throws RuntimeError when released while unlocked", async () => {
    const lock = new Lock();
    assert.throws(() => lock.release(), RuntimeError);
    await run(async () => {
      await lock.acquire();
      lock.release();
      assert.throws(() => lock.release(), /not acquired/);
    });
  });

  it("serves waiters in FIFO order", async () => {
    const order = await run(async () => {
      const lock = new Lock();
      const order: number[] = [];
      await lock.acquire();
      const tasks = [0, 1, 2, 3, 4].map((i) =>
        createTask(async () => {
          await lock.acquire();
          order.push(i);
          await sleep(0);
          lock.release();
        })
      );
      await waitAllTasksBlocked();
      lock.release();
      for (const task of tasks) await task;
      return order;
    });
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
  });

  it("lets no newcomer barge in after a release", async () => {
    const order = await run(async () => {
      const lock = new Lock();
      const order: string[] = [];
      await lock.acquire();
      const waiter = createTask(async () => {
        await lock.acquire();
        order.push("waiter");
        lock.release();
      });
      await waitAllTasksBlocked();
      lock.release();
      // The lock is unlocked, as in asyncio, but the woken waiter comes first.
      assert.equal(lock.locked(), false);
      await lock.acquire();
      order.push("newcomer");
      lock.release();
      await waiter;
      return order;
    });
    assert.deepEqual(order, ["waiter", "newcomer"]);
  });

  it("passes the lock on when a woken waiter is cancelled before it runs", async () => {
    const order = await run(async () => {
      const lock = new Lock();
      const order: string[] = [];
      await lock.acquire();
      const a = createTask(async () => {
        await lock.acquire();
        order.push("a");
        lock.release();
      });
      const b = createTask(async () => {
        await lock.acquire();
        order.push("b");
        lock.release();
      });
      await waitAllTasksBlocked();
      lock.release(); // wakes a
      a.cancel(); // before a runs
      assert.ok(await errorOf(a) instanceof CancelledError);
      await waitFor(() => b, 1);
      assert.equal(lock.locked(), false);
      return order;
    });
    assert.deepEqual(order, ["b"]);
  });

  it("forgets a cancelled waiter and keeps the order of the rest", async () => {
    const order = await run(async () => {
      const lock = new Lock();
      const order: string[] = [];
      await lock.acquire();
      const make = (name: string) =>
        createTask(async () => {
          using _ = await lock.acquire();
          order.push(name);
        });
      const a = make("a");
      const b = make("b");
      const c = make("c");
      await waitAllTasksBlocked();
      b.cancel();
      await waitAllTasksBlocked();
      lock.release();
      await a;
      await c;
      assert.ok(await errorOf(b) instanceof CancelledError);
      assert.equal(lock.locked(), false);
      return order;
    });
    assert.deepEqual(order, ["a", "c"]);
  });

  it("is unaffected by a task cancelled before it waits", async () => {
    await run(async () => {
      const lock = new Lock();
      await lock.acquire();
      let reached = false;
      const task = createTask(async () => {
        // A cancel requested while awaiting a foreign promise arrives at
        // the lock's wait.
        await new Promise((resolve) => setTimeout(resolve, 5));
        reached = true;
        await lock.acquire();
      });
      await waitAllTasksBlocked();
      task.cancel();
      assert.ok(await errorOf(task) instanceof CancelledError);
      assert.equal(reached, true);
      lock.release();
      assert.equal(lock.locked(), false);
      await lock.acquire();
      lock.release();
    });
  });

  it("cleans up after many cancelled waiters", async () => {
    await run(async () => {
      const lock = new Lock();
      await lock.acquire();
      const tasks = Array.from(
        { length: 200 },
        () => createTask(() => lock.acquire()),
      );
      await waitAllTasksBlocked();
      for (const task of tasks) task.cancel();
      await waitAllTasksBlocked();
      const last = createTask(async () => {
        using _ = await lock.acquire();
        return "got it";
      });
      await waitAllTasksBlocked();
      lock.release();
      assert.equal(await last, "got it");
      assert.equal(lock.locked(), false);
    });
  });

  it("refuses to wait on a second loop", async () => {
    const lock = new Lock();
    await run(async () => {
      await lock.acquire();
      const task = createTask(() => lock.acquire());
      await waitAllTasksBlocked();
      lock.release();
      await task;
    });
    await run(async () => {
      // Uncontended use needs no loop.
      assert.equal(lock.locked(), true);
      lock.release();
      await lock.acquire();
      const error = await errorOf(createTask(() => lock.acquire()));
      assert.ok(error instanceof RuntimeError);
      assert.match((error as Error).message, /different event loop/);
      lock.release();
    });
  });

  it("needs a running loop only to wait", async () => {
    const lock = new Lock();
    await lock.acquire(); // free: no loop needed
    await assert.rejects(lock.acquire(), RuntimeError);
    lock.release();
  });
});
