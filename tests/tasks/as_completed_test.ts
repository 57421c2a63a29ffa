import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  asCompleted,
  CancelledError,
  createTask,
  Future,
  getRunningLoop,
  run,
  sleep,
  TimeoutError,
  waitFor,
} from "../../mod.ts";

/** Array.fromAsync, which Node 20 lacks. */
async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe("asCompleted", () => {
  it("for...of yields awaitables that resolve in completion order", async () => {
    const order = await run(async () => {
      const order: string[] = [];
      const aws = [
        sleep(0.2, "c"),
        async () => {
          await sleep(0.01);
          return "a";
        },
        Promise.resolve("now"),
        sleep(0.1, "b"),
      ];
      let count = 0;
      for (const next of asCompleted(aws)) {
        count++;
        order.push(await next);
      }
      assert.equal(count, 4);
      return order;
    });
    assert.deepEqual(order, ["now", "a", "b", "c"]);
  });

  it("for await...of yields the finished futures themselves, in completion order", async () => {
    await run(async () => {
      const slow = sleep(0.2, "slow");
      const failing = createTask(async () => {
        await sleep(0.1);
        throw new RangeError("bad");
      });
      // Ready at the next iteration, before any timer: a loaded machine
      // cannot make the timeout come first.
      const fast = sleep(0, "fast");
      const seen: Future<unknown>[] = [];
      for await (const done of asCompleted([slow, failing, fast])) {
        // TypeScript before 6 types a yielded thenable as its result.
        const future = done as unknown as Future<unknown>;
        assert.ok(future instanceof Future && future.done());
        seen.push(future);
      }
      assert.deepEqual(seen, [fast, failing, slow]);
      assert.ok(failing.exception() instanceof RangeError);
      const [wrapped] = await collect(
        asCompleted([Promise.resolve(1)]),
      );
      assert.ok(wrapped instanceof Future);
      assert.equal(wrapped.result(), 1);
    });
  });

  it("throws an awaitable's error at its place in completion order", async () => {
    await run(async () => {
      const results: string[] = [];
      for (
        const next of asCompleted([
          sleep(0.03, "late"),
          (async () => {
            await sleep(0.01);
            throw new RangeError("early");
          })(),
        ])
      ) {
        try {
          results.push(await next);
        } catch (error) {
          results.push((error as Error).message);
        }
      }
      assert.deepEqual(results, ["early", "late"]);
    });
  });

  it("reports what is not done at the timeout as TimeoutError, cancelling nothing", async () => {
    await run(async () => {
      // Ready at the next iteration, before any timer: a loaded machine
      // cannot make the timeout come first.
      const fast = sleep(0, "fast");
      const slow = sleep(10, "slow");
      const slower = sleep(20, "slower");
      const outcomes: string[] = [];
      for (const next of asCompleted([slow, fast, slower], { timeout: 0.05 })) {
        try {
          outcomes.push(await next);
        } catch (error) {
          assert.ok(error instanceof TimeoutError);
          outcomes.push("timeout");
        }
      }
      assert.deepEqual(outcomes, ["fast", "timeout", "timeout"]);
      assert.equal(slow.cancelled() || slower.cancelled(), false);
      slow.cancel();
      slower.cancel();
      const iterator = asCompleted([sleep(10)], { timeout: 0.01 });
      await assert.rejects(
        async () => {
          for await (const _ of iterator) assert.fail("nothing finished");
        },
        TimeoutError,
      );
    });
  });

  it("counts the same awaitable once, and yields nothing for nothing", async () => {
    await run(async () => {
      const future = sleep(0.01, 1);
      assert.equal([...asCompleted([future, future])].length, 1);
      assert.equal([...asCompleted([])].length, 0);
      assert.deepEqual(await collect(asCompleted([])), []);
      await future;
    });
  });

  it("shares one position between both ways of iterating", async () => {
    await run(async () => {
      const a = sleep(0.01, "a");
      const b = sleep(0.02, "b");
      const both = asCompleted([a, b]);
      for (const next of both) {
        assert.equal(await next, "a");
        break;
      }
      const rest = await collect(both);
      assert.deepEqual(rest, [b]);
    });
  });

  it("is cancelled with the task that awaits it, leaving the awaitables running", async () => {
    await run(async () => {
      const work = sleep(0.03, "work");
      const consumer = createTask(async () => {
        for await (const done of asCompleted([work])) return done;
        return null;
      });
      await sleep(0.01);
      consumer.cancel();
      await assert.rejects(async () => await consumer, CancelledError);
      assert.equal(work.cancelled(), false);
      assert.equal(await work, "work");
    });
  });

  it("passes a wake-up on when the woken consumer is cancelled before it runs", async () => {
    await run(async () => {
      const future = getRunningLoop().createFuture<string>();
      const never = getRunningLoop().createFuture<string>();
      const [forA, forB] = [...asCompleted([future, never])];
      const a = createTask(async () => await forA);
      const b = createTask(async () => await forB);
      await sleep(0); // Both consumers now wait, a first.
      // Runs in the loop iteration that wakes a, before a runs.
      future.addDoneCallback(() => a.cancel());
      future.setResult("first");
      await assert.rejects(async () => await a, CancelledError);
      // Without the pass-on, b would wait for `never` (the guard fails).
      assert.equal(await waitFor(b, 30), "first");
      never.cancel();
    });
  });

  it("refuses bad input at the call", async () => {
    await run(() => {
      const future = new Future<number>();
      assert.throws(
        () => asCompleted(future as unknown as Future<number>[]),
        TypeError,
      );
      assert.throws(
        () => asCompleted(Promise.resolve(1) as unknown as Promise<number>[]),
        TypeError,
      );
      assert.throws(
        () => asCompleted([future], { timeout: NaN }),
        RangeError,
      );
      assert.throws(
        () => asCompleted([future], { timeout: "1" as unknown as number }),
        TypeError,
      );
      future.cancel();
    });
  });
});
