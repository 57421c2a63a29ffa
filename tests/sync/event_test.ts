import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CancelledError, createTask, run, waitFor } from "../../mod.ts";
import { Event } from "../../sync/mod.ts";
import { errorOf } from "./helpers.ts";
import { waitAllTasksBlocked } from "../../testing/mod.ts";

describe("Event", () => {
  it("starts clear; set, clear and isSet work as in asyncio", () => {
    const event = new Event();
    assert.equal(event.isSet(), false);
    event.set();
    assert.equal(event.isSet(), true);
    event.set();
    assert.equal(event.isSet(), true);
    event.clear();
    assert.equal(event.isSet(), false);
  });

  it("wait() resolves to true at once while set", async () => {
    await run(async () => {
      const event = new Event();
      event.set();
      assert.equal(await event.wait(), true);
    });
  });

  it("set() wakes every waiter, in order", async () => {
    const order = await run(async () => {
      const event = new Event();
      const order: number[] = [];
      const tasks = [0, 1, 2].map((i) =>
        createTask(async () => {
          assert.equal(await event.wait(), true);
          order.push(i);
        })
      );
      await waitAllTasksBlocked();
      assert.deepEqual(order, []);
      event.set();
      for (const task of tasks) await task;
      return order;
    });
    assert.deepEqual(order, [0, 1, 2]);
  });

  it("wakes waiters even if cleared again before they run", async () => {
    await run(async () => {
      const event = new Event();
      const waiter = createTask(() => event.wait());
      await waitAllTasksBlocked();
      event.set();
      event.clear();
      assert.equal(await waitFor(() => waiter, 1), true);
      assert.equal(event.isSet(), false);
    });
  });

  it("lets a waiter be cancelled without disturbing the others", async () => {
    await run(async () => {
      const event = new Event();
      const a = createTask(() => event.wait());
      const b = createTask(() => event.wait());
      await waitAllTasksBlocked();
      a.cancel();
      assert.ok(await errorOf(a) instanceof CancelledError);
      event.set();
      assert.equal(await b, true);
    });
  });

  it("copes with many cancelled waits (a polling loop with timeouts)", async () => {
    await run(async () => {
      const event = new Event();
      for (let i = 0; i < 100; i++) {
        const error = await errorOf(waitFor(() => event.wait(), 0));
        assert.equal((error as Error).name, "TimeoutError");
      }
      const waiter = createTask(() => event.wait());
      await waitAllTasksBlocked();
      event.set();
      assert.equal(await waiter, true);
    });
  });
});
