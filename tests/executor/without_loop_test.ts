import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  Future,
  getRunningLoop,
  run,
  sleep,
  TimeoutError,
} from "../../mod.ts";
import { WorkerPoolExecutor } from "../../executor/mod.ts";

describe("a pool without a running loop", () => {
  it("runs submit, map and shutdown in plain async code", async () => {
    const pool = new WorkerPoolExecutor({ maxWorkers: 2 });
    const future = pool.submit((n: number) => n * 2, 21);
    assert.ok(future instanceof Future);
    assert.equal(future.done(), false);
    assert.equal(await future, 42);
    assert.equal(future.result(), 42);
    const out: number[] = [];
    for await (const v of pool.map((a: number) => a + 1, [1, 2, 3])) {
      out.push(v);
    }
    assert.deepEqual(out, [2, 3, 4]);
    await pool.shutdown();
    assert.throws(() => pool.submit(() => 1), /after shutdown/);
  });

  it("shuts down on leaving an await using block", async () => {
    let escaped: WorkerPoolExecutor;
    {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      assert.equal(await pool.submit(() => "inside"), "inside");
      escaped = pool;
    }
    assert.throws(() => escaped.submit(() => 1), /after shutdown/);
  });

  it("delivers errors and cancellation as a future does", async () => {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    await assert.rejects(
      async () =>
        await pool.submit(() => {
          throw new RangeError("out of range");
        }),
      RangeError,
    );
    const blocker = pool.submit(() => new Promise((r) => setTimeout(r, 50)));
    const queued = pool.submit(() => "never");
    assert.equal(queued.cancel(), true);
    await assert.rejects(async () => await queued, CancelledError);
    await blocker;
    const done: string[] = [];
    const last = pool.submit(() => "called back");
    last.addDoneCallback((f) => done.push(f.result()));
    await last;
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(done, ["called back"]);
  });

  it("times out a map with no loop", async () => {
    await using pool = new WorkerPoolExecutor({
      maxWorkers: 1,
      gracePeriod: 0,
    });
    await pool.submit(() => "warm");
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms, ms));
    const out: unknown[] = [];
    await assert.rejects(async () => {
      for await (const v of pool.map(wait, [0, 60_000], { timeout: 1 })) {
        out.push(v);
      }
    }, TimeoutError);
    assert.deepEqual(out, [0]);
  });

  it("is an ordinary library await from a task of a loop started later", async () => {
    await using pool = new WorkerPoolExecutor({
      maxWorkers: 1,
      gracePeriod: 0,
    });
    const made = pool.submit(
      () => new Promise((r) => setTimeout(r, 20, "made outside")),
    );
    assert.equal(await run(async () => await made), "made outside");

    const long = pool.submit(() => new Promise(() => {}));
    const outcome = await run(async () => {
      const task = createTask(async () => await long);
      await sleep(0.05);
      task.cancel();
      try {
        await task;
        return "finished";
      } catch (error) {
        return (error as Error).name;
      }
    });
    assert.equal(outcome, "CancelledError");
    assert.equal(long.cancelled(), true, "cancelling the task cancelled it");
  });

  it("cancels the task awaiting a job that shutdown cancels", async () => {
    const pool = new WorkerPoolExecutor({ maxWorkers: 1, gracePeriod: 0 });
    const running = pool.submit(() => new Promise(() => {}));
    const queued = pool.submit(() => "never runs");
    const outcome = await run(async () => {
      const task = createTask(async () => await queued);
      await sleep(0); // the task now awaits the job
      await pool.shutdown({ wait: false, cancelFutures: true });
      try {
        await task;
        return "finished";
      } catch (error) {
        return `${(error as Error).name}, task cancelled: ${task.cancelled()}`;
      }
    });
    assert.equal(outcome, "CancelledError, task cancelled: true");
    assert.equal(queued.cancelled(), true);
    running.cancel(); // gracePeriod 0: its worker goes at once
  });

  it("gives a future of the running loop inside run()", async () => {
    const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    await run(async () => {
      const future = pool.submit(() => 1);
      assert.equal(future.getLoop(), getRunningLoop());
      assert.equal(await future, 1);
    });
    assert.equal(await pool.submit(() => 2), 2);
    await pool.shutdown();
  });
});
