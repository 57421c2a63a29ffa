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
import { Condition, Lock, Ticket } from "../../sync/mod.ts";
import { errorOf } from "./helpers.ts";
import { waitAllTasksBlocked } from "../../testing/mod.ts";

describe("Condition", () => {
  it("checks its lock argument", () => {
    assert.throws(() => new Condition({} as Lock), TypeError);
    assert.throws(() => new Condition("lock" as unknown as Lock), TypeError);
    const lock = new Lock();
    const condition = new Condition(lock);
    assert.equal(condition.locked(), false);
    new Condition(null);
  });

  it("shares a given lock and hands out its tickets", async () => {
    await run(async () => {
      const lock = new Lock();
      const condition = new Condition(lock);
      const ticket = await condition.acquire();
      assert.ok(ticket instanceof Ticket);
      assert.equal(lock.locked(), true);
      assert.equal(condition.locked(), true);
      ticket[Symbol.dispose]();
      assert.equal(lock.locked(), false);
      await lock.acquire();
      assert.equal(condition.locked(), true);
      condition.release();
      assert.equal(lock.locked(), false);
    });
  });

  it("refuses wait, notify and notifyAll without the lock", async () => {
    await run(async () => {
      const condition = new Condition();
      await assert.rejects(condition.wait(), RuntimeError);
      assert.throws(() => condition.notify(), RuntimeError);
      assert.throws(() => condition.notifyAll(), RuntimeError);
      assert.throws(() => condition.release(), RuntimeError);
    });
  });

  it("checks the arguments of notify and waitFor", async () => {
    await run(async () => {
      const condition = new Condition();
      await condition.acquire();
      assert.throws(
        () => condition.notify("1" as unknown as number),
        TypeError,
      );
      assert.throws(() => condition.notify(NaN), RangeError);
      await assert.rejects(
        condition.waitFor(true as unknown as () => boolean),
        TypeError,
      );
      condition.notify(0);
      condition.notify(-1);
      condition.release();
    });
  });

  it("wait() releases the lock, and resolves to true holding it again", async () => {
    await run(async () => {
      const condition = new Condition();
      const log: string[] = [];
      const waiter = createTask(async () => {
        using _ = await condition.acquire();
        log.push("waiting");
        const result = await condition.wait();
        log.push(`woke holding=${condition.locked()}`);
        return result;
      });
      await waitAllTasksBlocked();
      assert.equal(condition.locked(), false, "wait() released the lock");
      await condition.acquire();
      condition.notify();
      log.push("notified");
      await waitAllTasksBlocked();
      log.push("releasing");
      condition.release();
      assert.equal(await waiter, true);
      assert.deepEqual(log, [
        "waiting",
        "notified",
        "releasing",
        "woke holding=true",
      ]);
      assert.equal(condition.locked(), false);
    });
  });

  it("notify(n) wakes n waiters in FIFO order; notifyAll wakes the rest", async () => {
    await run(async () => {
      const condition = new Condition();
      const order: number[] = [];
      const tasks = [0, 1, 2, 3, 4].map((i) =>
        createTask(async () => {
          using _ = await condition.acquire();
          await condition.wait();
          order.push(i);
        })
      );
      await waitAllTasksBlocked();
      {
        using _ = await condition.acquire();
        condition.notify(2);
      }
      await waitAllTasksBlocked();
      assert.deepEqual(order, [0, 1]);
      {
        using _ = await condition.acquire();
        condition.notify();
      }
      await waitAllTasksBlocked();
      assert.deepEqual(order, [0, 1, 2]);
      {
        using _ = await condition.acquire();
        condition.notifyAll();
      }
      for (const task of tasks) await task;
      assert.deepEqual(order, [0, 1, 2, 3, 4]);
    });
  });

  it("waitFor() resolves to the predicate's value", async () => {
    await run(async () => {
      const condition = new Condition();
      let value: string | null = null;
      const waiter = createTask(async () => {
        using _ = await condition.acquire();
        return await condition.waitFor(() => value);
      });
      await waitAllTasksBlocked();
      for (const next of [null, "ready"]) {
        using _ = await condition.acquire();
        value = next;
        condition.notifyAll();
      }
      assert.equal(await waiter, "ready");
      // A predicate that is already true returns at once.
      await condition.acquire();
      assert.equal(await condition.waitFor(() => 42), 42);
      condition.release();
    });
  });

  it("re-acquires the lock before a cancelled wait() throws", async () => {
    await run(async () => {
      const condition = new Condition();
      const log: string[] = [];
      const waiter = createTask(async () => {
        await condition.acquire();
        try {
          await condition.wait();
        } catch (error) {
          log.push(`caught holding=${condition.locked()}`);
          condition.release();
          throw error;
        }
      });
      await waitAllTasksBlocked();
      await condition.acquire(); // the waiter cannot get it back yet
      waiter.cancel();
      await waitAllTasksBlocked();
      assert.equal(log.length, 0, "wait() returned without the lock");
      log.push("released");
      condition.release();
      assert.ok(await errorOf(waiter) instanceof CancelledError);
      assert.deepEqual(log, ["released", "caught holding=true"]);
      assert.equal(condition.locked(), false);
    });
  });

  it("keeps retrying the re-acquire when cancelled again and again", async () => {
    await run(async () => {
      const condition = new Condition();
      const log: string[] = [];
      const waiter = createTask(async () => {
        await condition.acquire();
        try {
          await condition.wait();
          log.push("returned");
        } catch (error) {
          log.push(
            `caught ${(error as Error).name} holding=${condition.locked()}`,
          );
          throw error;
        } finally {
          condition.release();
        }
      });
      await waitAllTasksBlocked();
      await condition.acquire();
      condition.notify();
      for (let i = 0; i < 3; i++) {
        await waitAllTasksBlocked();
        waiter.cancel(); // lands in the re-acquire each time
      }
      await waitAllTasksBlocked();
      assert.equal(log.length, 0);
      condition.release();
      assert.ok(await errorOf(waiter) instanceof CancelledError);
      assert.deepEqual(log, ["caught CancelledError holding=true"]);
      assert.equal(condition.locked(), false);
    });
  });

  it("passes a notification on when the notified waiter is cancelled before it runs", async () => {
    await run(async () => {
      const condition = new Condition();
      const woke: string[] = [];
      const make = (name: string) =>
        createTask(async () => {
          using _ = await condition.acquire();
          await condition.wait();
          woke.push(name);
        });
      const a = make("a");
      const b = make("b");
      await waitAllTasksBlocked();
      {
        using _ = await condition.acquire();
        condition.notify(1); // wakes a
        a.cancel(); // before a runs
      }
      assert.ok(await errorOf(a) instanceof CancelledError);
      await waitFor(() => b, 1);
      assert.deepEqual(woke, ["b"]);
      assert.equal(condition.locked(), false);
    });
  });

  it("passes a wake-up on from a waiter cancelled while asleep (asyncio 3.13)", async () => {
    await run(async () => {
      const condition = new Condition();
      const woke: string[] = [];
      const make = (name: string) =>
        createTask(async () => {
          using _ = await condition.acquire();
          await condition.wait();
          woke.push(name);
        });
      const a = make("a");
      const b = make("b");
      const c = make("c");
      await waitAllTasksBlocked();
      a.cancel();
      assert.ok(await errorOf(a) instanceof CancelledError);
      // It may have been notified just before: b gets a spurious wake-up.
      assert.deepEqual(woke, ["b"]);
      {
        using _ = await condition.acquire();
        condition.notify(1);
      }
      await b;
      await sleep(0.01);
      assert.deepEqual(woke, ["b", "c"]);
      {
        using _ = await condition.acquire();
        condition.notify(1);
      }
      await c;
      assert.deepEqual(woke, ["b", "c"]);
    });
  });
});
