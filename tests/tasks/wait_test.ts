import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ALL_COMPLETED,
  asCompleted,
  CancelledError,
  createTask,
  type ExceptionContext,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  Future,
  gather,
  newEventLoop,
  run,
  sleep,
  wait,
} from "../../mod.ts";
import type { ReturnWhen } from "../../mod.ts";

describe("wait", () => {
  it("waits for all by default and returns [done, pending]", async () => {
    await run(async () => {
      const a = sleep(0.02, "a");
      const b = sleep(0.01, "b");
      const [done, pending] = await wait([a, b]);
      assert.ok(done instanceof Set && pending instanceof Set);
      assert.deepEqual(new Set(done), new Set([a, b]));
      assert.equal(pending.size, 0);
      const [again] = await wait(new Set([a]), { returnWhen: ALL_COMPLETED });
      assert.ok(again.has(a));
    });
  });

  it("counts a future given twice once, and a function given twice as two runs", async () => {
    // asyncio.wait({fut, fut}) waits on one future; wait([f, f]) here is
    // asyncio's wait with two tasks of f(), as asCompleted([f, f]) is.
    const [done, pending, runs, completed] = await run(async () => {
      let runs = 0;
      const work = async () => ++runs;
      const future = createTask(work);
      const [done, pending] = await wait([future, future, work, work]);
      const completed: number[] = [];
      for (const next of asCompleted([work, work])) completed.push(await next);
      return [done.size, pending.size, runs, completed.length];
    });
    assert.deepEqual([done, pending, runs, completed], [3, 0, 5, 2]);
  });

  it("returns at the first completion with FIRST_COMPLETED, cancelling nothing", async () => {
    await run(async () => {
      const fast = sleep(0.01, "fast");
      const slow = sleep(10, "slow");
      const [done, pending] = await wait([slow, fast], {
        returnWhen: FIRST_COMPLETED,
      });
      assert.deepEqual([...done], [fast]);
      assert.deepEqual([...pending], [slow]);
      assert.equal(slow.cancelled(), false);
      slow.cancel();
    });
  });

  it("returns at the first error with FIRST_EXCEPTION; a cancellation is no error", async () => {
    await run(async () => {
      const cancelled = createTask(() => sleep(10));
      const failing = createTask(async () => {
        await sleep(0.02);
        throw new RangeError("bad");
      });
      const slow = sleep(10);
      await sleep(0);
      cancelled.cancel();
      const [done, pending] = await wait([cancelled, failing, slow], {
        returnWhen: FIRST_EXCEPTION,
      });
      assert.deepEqual(new Set(done), new Set([cancelled, failing]));
      assert.deepEqual([...pending], [slow]);
      assert.ok(failing.exception() instanceof RangeError);
      slow.cancel();
    });
  });

  it("FIRST_EXCEPTION retrieves the errors it looks at, as asyncio's f.exception()", async () => {
    // CPython 3.13 reports nothing for this program.
    const loop = newEventLoop();
    const contexts: ExceptionContext[] = [];
    loop.setExceptionHandler((_loop, context) => contexts.push(context));
    const sizes = await loop.runUntilComplete(async () => {
      const failing = createTask(async () => {
        await sleep(0.01);
        throw new RangeError("b");
      });
      // Never ends on its own: no machine is slow enough to finish it first.
      const slow = createTask(() => sleep(3600));
      const [done, pending] = await wait([failing, slow], {
        returnWhen: FIRST_EXCEPTION,
      });
      slow.cancel();
      await gather(slow, { returnExceptions: true });
      return [done.size, pending.size];
    });
    loop.close();
    assert.deepEqual(sizes, [1, 1]);
    assert.deepEqual(contexts, []);
  });

  it("waits for all with FIRST_EXCEPTION when nothing fails", async () => {
    await run(async () => {
      const a = sleep(0.01);
      const b = sleep(0.02);
      const [done, pending] = await wait([a, b], {
        returnWhen: FIRST_EXCEPTION,
      });
      assert.equal(done.size, 2);
      assert.equal(pending.size, 0);
    });
  });

  it("leaves the unfinished in pending at the timeout, without TimeoutError or cancelling", async () => {
    await run(async () => {
      const fast = sleep(0.01);
      const slow = sleep(10, "slow");
      const [done, pending] = await wait([fast, slow], { timeout: 0.05 });
      assert.deepEqual([...done], [fast]);
      assert.deepEqual([...pending], [slow]);
      assert.equal(slow.cancelled(), false);
      slow.cancel();
      const [, stillPending] = await wait([sleep(10)], { timeout: -1 });
      assert.equal(stillPending.size, 1);
      for (const future of stillPending) future.cancel();
    });
  });

  it("wraps promises in futures and async functions in tasks, once each", async () => {
    await run(async () => {
      const promise = Promise.resolve(1);
      const [done] = await wait([promise, promise, async () => 2]);
      assert.equal(done.size, 2);
      const results = [...done].map((future) => {
        assert.ok(future instanceof Future);
        return future.result();
      });
      assert.deepEqual(results.sort(), [1, 2]);
    });
  });

  it("is cancelled with the task that awaits it, leaving the awaitables running", async () => {
    await run(async () => {
      const work = sleep(0.03, "work");
      const waiter = createTask(() => wait([work]));
      await sleep(0.01);
      waiter.cancel();
      await assert.rejects(async () => await waiter, CancelledError);
      assert.equal(work.cancelled(), false);
      assert.equal(await work, "work");
    });
  });

  it("refuses bad input at the call", async () => {
    await run(() => {
      const future = new Future<number>();
      assert.throws(
        () => wait(future as unknown as Future<number>[]),
        (error: Error) =>
          error instanceof TypeError && /single one/.test(error.message),
      );
      assert.throws(
        () => wait(Promise.resolve(1) as unknown as Promise<number>[]),
        TypeError,
      );
      assert.throws(() => wait(42 as unknown as Future<number>[]), TypeError);
      assert.throws(() => wait([]), RangeError);
      assert.throws(
        () => wait([future], { returnWhen: "SOMETIMES" as ReturnWhen }),
        RangeError,
      );
      assert.throws(
        () => wait([future], { timeout: "1" as unknown as number }),
        TypeError,
      );
      assert.throws(() => wait([future], { timeout: NaN }), RangeError);
      assert.throws(
        () => wait([future, 42 as unknown as Future<number>]),
        TypeError,
      );
      future.cancel();
    });
  });
});
