import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createTask,
  Event,
  getRunningLoop,
  run,
  RuntimeError,
  sleep,
} from "../../mod.ts";
import { runVirtual, waitAllTasksBlocked } from "../../testing/mod.ts";

describe("waitAllTasksBlocked", () => {
  it("returns once a chain of wake-ups has run to its end", async () => {
    const order = await run(async () => {
      const order: number[] = [];
      const events = Array.from({ length: 6 }, () => new Event());
      const tasks = events.slice(1).map((event, i) =>
        createTask(async () => {
          await events[i].wait();
          for (let turn = 0; turn < i; turn++) await sleep(0);
          order.push(i);
          event.set();
        })
      );
      events[0].set();
      await waitAllTasksBlocked();
      assert.ok(tasks.every((task) => task.done()));
      return order;
    });
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
  });

  it("does not wait for tasks blocked on a timer or an event", async () => {
    await run(async () => {
      const never = new Event();
      const sleeper = createTask(() => sleep(3600));
      const waiter = createTask(() => never.wait());
      const started = getRunningLoop().time();
      await waitAllTasksBlocked();
      assert.ok(!sleeper.done() && !waiter.done());
      assert.ok(getRunningLoop().time() - started < 3600);
      sleeper.cancel();
      waiter.cancel();
    });
  });

  it("holds a virtual clock still: blocked tasks are not woken by it", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const sleeper = createTask(() => sleep(10));
      const before = loop.time();
      await waitAllTasksBlocked();
      assert.equal(loop.time(), before);
      assert.ok(!sleeper.done());
      await sleeper;
      assert.equal(loop.time(), before + 10);
    });
  });

  it("needs a running loop", async () => {
    await assert.rejects(waitAllTasksBlocked(), RuntimeError);
  });
});
