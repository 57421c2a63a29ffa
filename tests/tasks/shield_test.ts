import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  ensureFuture,
  Future,
  getRunningLoop,
  run,
  shield,
  sleep,
  TimeoutError,
  waitFor,
} from "../../mod.ts";

describe("shield", () => {
  it("returns a Future with the work's result", async () => {
    await run(async () => {
      const outer = shield(async () => {
        await sleep(0.01);
        return "value";
      });
      assert.ok(outer instanceof Future);
      assert.equal(await outer, "value");
      assert.equal(await shield(Promise.resolve(1)), 1);
    });
  });

  it("returns a future that is already done as it is", async () => {
    await run(() => {
      const done = new Future<number>();
      done.setResult(1);
      assert.equal(shield(done), done);
    });
  });

  it("keeps the work running when the awaiting task is cancelled", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      const gate = getRunningLoop().createFuture<void>();
      const work = createTask(async () => {
        await gate;
        log.push("work finished");
        return "saved";
      });
      const caller = createTask(async () => {
        try {
          return await shield(work);
        } catch (error) {
          log.push(`caller got ${(error as Error).name}`);
          throw error;
        }
      });
      await sleep(0.01);
      caller.cancel();
      await assert.rejects(async () => await caller, CancelledError);
      assert.equal(work.cancelled(), false);
      gate.setResult();
      assert.equal(await work, "saved");
      return log;
    });
    assert.deepEqual(log, ["caller got CancelledError", "work finished"]);
  });

  it("cancelling the shield itself cancels only the shield", async () => {
    await run(async () => {
      const work = ensureFuture(sleep(0.02, "work"));
      const outer = shield(work);
      assert.equal(outer.cancel(), true);
      assert.equal(outer.cancelled(), true);
      assert.equal(work.cancelled(), false);
      assert.equal(await work, "work");
    });
  });

  it("is cancelled when the work is cancelled, and fails when it fails", async () => {
    await run(async () => {
      const work = createTask(() => sleep(10));
      const outer = shield(work);
      await sleep(0);
      work.cancel();
      await assert.rejects(async () => await outer, CancelledError);
      assert.equal(outer.cancelled(), true);

      const failing = shield(async () => {
        await sleep(0.01);
        throw new RangeError("bad");
      });
      await assert.rejects(async () => await failing, RangeError);
    });
  });

  it("protects the work from a waitFor timeout", async () => {
    await run(async () => {
      const work = createTask(() => sleep(10, "finished anyway"));
      await assert.rejects(waitFor(shield(work), 0.01), TimeoutError);
      assert.equal(work.done(), false);
      const future = getRunningLoop().createFuture<string>();
      await assert.rejects(waitFor(shield(future), 0.01), TimeoutError);
      assert.equal(future.cancelled(), false);
      future.setResult("finished anyway");
      assert.equal(await future, "finished anyway");
      work.cancel();
    });
  });

  it("refuses a non-awaitable at the call", async () => {
    await run(() => {
      assert.throws(() => shield(42 as unknown as Promise<number>), TypeError);
    });
  });
});
