import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  run,
  RuntimeError,
  type Task,
} from "../../mod.ts";
import { Barrier, BrokenBarrierError } from "../../sync/mod.ts";
import { errorOf } from "./helpers.ts";
import { waitAllTasksBlocked } from "../../testing/mod.ts";

describe("Barrier", () => {
  it("checks its parties", () => {
    assert.throws(() => new Barrier(0), RangeError);
    assert.throws(() => new Barrier(-2), RangeError);
    assert.throws(() => new Barrier(1.5), RangeError);
    assert.throws(() => new Barrier("3" as unknown as number), TypeError);
    assert.throws(
      () => new (Barrier as unknown as new () => Barrier)(),
      TypeError,
    );
  });

  it("has read-only parties, nWaiting and broken", () => {
    const barrier = new Barrier(3) as unknown as Record<string, unknown>;
    assert.equal(barrier.parties, 3);
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
    assert.throws(() => {
      barrier.parties = 4;
    }, TypeError);
    assert.throws(() => {
      barrier.nWaiting = 1;
    }, TypeError);
    assert.throws(() => {
      barrier.broken = true;
    }, TypeError);
  });

  it("releases parties together with distinct indices, round after round", async () => {
    await run(async () => {
      const barrier = new Barrier(3);
      for (let round = 0; round < 3; round++) {
        const tasks: Task<number>[] = [];
        for (let i = 0; i < 3; i++) {
          tasks.push(createTask(() => barrier.wait()));
          await waitAllTasksBlocked();
          if (i < 2) {
            assert.equal(barrier.nWaiting, i + 1);
            assert.ok(tasks.every((task) => !task.done()));
          }
        }
        const indices: number[] = [];
        for (const task of tasks) indices.push(await task);
        assert.deepEqual(indices, [0, 1, 2], "indices follow arrival order");
        assert.equal(barrier.nWaiting, 0);
      }
    });
  });

  it("with one party, never waits", async () => {
    await run(async () => {
      const barrier = new Barrier(1);
      assert.equal(await barrier.wait(), 0);
      assert.equal(await barrier.wait(), 0);
    });
  });

  it("holds back the next round's tasks until the last one drained", async () => {
    await run(async () => {
      const barrier = new Barrier(2);
      const results: number[] = [];
      const tasks = [0, 1, 2, 3].map(() =>
        createTask(async () => results.push(await barrier.wait()))
      );
      for (const task of tasks) await task;
      assert.deepEqual(results.sort(), [0, 0, 1, 1]);
    });
  });

  it("abort() breaks it for current and later waiters", async () => {
    await run(async () => {
      const barrier = new Barrier(3);
      const a = createTask(() => barrier.wait());
      const b = createTask(() => barrier.wait());
      await waitAllTasksBlocked();
      assert.equal(barrier.nWaiting, 2);
      const aborted = barrier.abort();
      assert.ok(aborted instanceof Promise);
      await aborted;
      assert.equal(barrier.broken, true);
      assert.equal(barrier.nWaiting, 0);
      assert.ok(await errorOf(a) instanceof BrokenBarrierError);
      assert.ok(await errorOf(b) instanceof BrokenBarrierError);
      const error = await errorOf(barrier.wait());
      assert.ok(error instanceof BrokenBarrierError);
      assert.ok(error instanceof RuntimeError, "as in Python, a RuntimeError");
    });
  });

  it("reset() fails current waiters and makes it usable again", async () => {
    await run(async () => {
      const barrier = new Barrier(2);
      const a = createTask(() => barrier.wait());
      await waitAllTasksBlocked();
      const reset = barrier.reset();
      assert.ok(reset instanceof Promise);
      await reset;
      assert.ok(await errorOf(a) instanceof BrokenBarrierError);
      assert.equal(barrier.broken, false);
      const tasks = [
        createTask(() => barrier.wait()),
        createTask(() => barrier.wait()),
      ];
      const indices = [await tasks[0], await tasks[1]];
      assert.deepEqual(indices, [0, 1]);
    });
  });

  it("reset() repairs an aborted barrier", async () => {
    await run(async () => {
      const barrier = new Barrier(2);
      await barrier.abort();
      assert.equal(barrier.broken, true);
      await barrier.reset();
      assert.equal(barrier.broken, false);
      const tasks = [
        createTask(() => barrier.wait()),
        createTask(() => barrier.wait()),
      ];
      assert.deepEqual([await tasks[0], await tasks[1]], [0, 1]);
    });
  });

  it("forgets a cancelled waiter without breaking", async () => {
    await run(async () => {
      const barrier = new Barrier(2);
      const a = createTask(() => barrier.wait());
      await waitAllTasksBlocked();
      assert.equal(barrier.nWaiting, 1);
      a.cancel();
      assert.ok(await errorOf(a) instanceof CancelledError);
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
      const tasks = [
        createTask(() => barrier.wait()),
        createTask(() => barrier.wait()),
      ];
      assert.deepEqual([await tasks[0], await tasks[1]], [0, 1]);
    });
  });
});
