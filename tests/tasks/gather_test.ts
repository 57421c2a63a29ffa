import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  Future,
  gather,
  getRunningLoop,
  run,
  sleep,
} from "../../mod.ts";

describe("gather", () => {
  it("resolves to the results in argument order, not completion order", async () => {
    const [results, finished] = await run(async () => {
      const finished: string[] = [];
      const step = async (name: string, seconds: number) => {
        await sleep(seconds);
        finished.push(name);
        return name;
      };
      const future = getRunningLoop().createFuture<number>();
      getRunningLoop().callLater(0.02, () => future.setResult(2));
      const results = await gather(
        () => step("slow", 0.04),
        future,
        Promise.resolve("promise"),
        createTask(() => step("fast", 0.01)),
      );
      return [results, finished] as const;
    });
    assert.deepEqual(results, ["slow", 2, "promise", "fast"]);
    assert.deepEqual(finished, ["fast", "slow"]);
  });

  it("takes promises of async functions running in the caller's task, which interleave as CPython's tasks do", async () => {
    // Two bodies sharing one task await library futures in turn; the loop
    // went on from inside the first one's await before that await had its
    // promise, and reported "this.reject is not a function".
    const [trace, reported] = await run(async () => {
      const trace: string[] = [];
      const reported: unknown[] = [];
      getRunningLoop().setExceptionHandler((_, context) =>
        reported.push(context.exception)
      );
      const work = async (name: string, steps: number) => {
        for (let i = 0; i < steps; i++) {
          trace.push(`${name} step ${i}`);
          await sleep(0);
        }
        trace.push(`${name} done`);
        return name;
      };
      trace.push(`got ${await gather(work("a", 3), work("c", 2))}`);
      return [trace, reported];
    });
    // CPython 3.13, gather(work("a", 3), work("c", 2)):
    assert.deepEqual(trace, [
      "a step 0",
      "c step 0",
      "a step 1",
      "c step 1",
      "a step 2",
      "c done",
      "a done",
      "got a,c",
    ]);
    assert.deepEqual(reported, []);
  });

  it("types the results as a tuple", async () => {
    await run(async () => {
      const [a, b, c] = await gather(
        sleep(0, 1),
        async () => "text",
        Promise.resolve(true),
      );
      const typed: [number, string, boolean] = [a, b, c];
      assert.deepEqual(typed, [1, "text", true]);
      const [d, e] = await gather([sleep(0, 2), async () => "array"]);
      const typedArray: [number, string] = [d, e];
      assert.deepEqual(typedArray, [2, "array"]);
    });
  });

  it("returns a Future, done at once when every child is already done", async () => {
    await run(async () => {
      const a = new Future<number>();
      const b = new Future<number>();
      a.setResult(1);
      b.setResult(2);
      const outer = gather(a, b);
      assert.ok(outer instanceof Future);
      assert.equal(outer.done(), true);
      assert.deepEqual(outer.result(), [1, 2]);
      const empty = gather();
      assert.ok(empty instanceof Future);
      assert.deepEqual(await empty, []);
      assert.deepEqual(await gather([]), []);
    });
  });

  it("takes one array of more awaitables than a spread call allows", async () => {
    const count = 200_000;
    const [length, last] = await run(async () => {
      const loop = getRunningLoop();
      const futures = Array.from({ length: count }, (_, i) => {
        const future = loop.createFuture<number>();
        future.setResult(i);
        return future;
      });
      const results = await gather(futures);
      return [results.length, results[count - 1]];
    });
    assert.equal(length, count);
    assert.equal(last, count - 1);
  });

  it("waits on the same future or promise once and repeats its result; a function given twice runs twice", async () => {
    await run(async () => {
      let runs = 0;
      const work = async () => {
        runs++;
        await sleep(0.01);
        return runs;
      };
      const task = createTask(work);
      assert.deepEqual(await gather(task, task, task), [1, 1, 1]);
      assert.equal(runs, 1);
      const promise = work();
      assert.deepEqual(await gather(promise, promise), [2, 2]);
      assert.equal(runs, 2);
      // A function is a run each time it is given: gather(f(), f()).
      await gather(work, work);
      assert.equal(runs, 4);
      const done = getRunningLoop().createFuture<string>();
      done.setResult("done");
      assert.deepEqual(await gather(done, task, done), ["done", 1, "done"]);
      const failed = createTask(async () => {
        throw new RangeError("once");
      });
      const outcomes = await gather([failed, failed], {
        returnExceptions: true,
      });
      assert.ok(outcomes[0] instanceof RangeError);
      assert.equal(outcomes[0], outcomes[1]);
      await assert.rejects(
        async () => await gather(failed, failed),
        RangeError,
      );
    });
  });

  it("fails with the first error and lets the other children run on", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      const gate = getRunningLoop().createFuture<void>();
      const survivor = createTask(async () => {
        await gate;
        log.push("survivor finished");
        return "kept";
      });
      const outer = gather(
        survivor,
        async () => {
          await sleep(0.01);
          throw new RangeError("first");
        },
        async () => {
          await sleep(0.02);
          throw new TypeError("second");
        },
      );
      await assert.rejects(async () => await outer, RangeError);
      log.push("gather failed");
      assert.equal(survivor.done(), false);
      gate.setResult();
      assert.equal(await survivor, "kept");
      assert.equal(outer.cancel(), false, "a done gather cancels nothing");
      return log;
    });
    assert.deepEqual(log, ["gather failed", "survivor finished"]);
  });

  it("puts errors and cancellations in the results with returnExceptions", async () => {
    await run(async () => {
      const cancelled = createTask(() => sleep(10));
      const error = new RangeError("bad");
      const outer = gather(
        sleep(0.01, "ok"),
        async () => {
          await sleep(0.02);
          throw error;
        },
        cancelled,
        { returnExceptions: true },
      );
      await sleep(0);
      cancelled.cancel("stop");
      const [value, failure, cancellation] = await outer;
      assert.equal(value, "ok");
      assert.equal(failure, error);
      assert.ok(cancellation instanceof CancelledError);
      assert.equal(cancellation.message, "stop");
    });
  });

  it("fails with CancelledError, without being cancelled, when a child is cancelled", async () => {
    await run(async () => {
      const child = createTask(() => sleep(10));
      const sibling = createTask(() => sleep(0.02, "sibling"));
      const outer = gather(child, sibling);
      await sleep(0);
      child.cancel();
      await assert.rejects(async () => await outer, CancelledError);
      assert.equal(outer.cancelled(), false);
      assert.ok(outer.exception() instanceof CancelledError);
      assert.equal(sibling.cancelled(), false);
      assert.equal(await sibling, "sibling");
    });
  });

  it("cancel() cancels every child, then fails with CancelledError", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      const child = (name: string) => async () => {
        try {
          await sleep(10);
        } finally {
          log.push(`${name} cleaned up`);
        }
      };
      const a = createTask(child("a"));
      const b = createTask(child("b"));
      const outer = gather(a, b, { returnExceptions: true });
      await sleep(0);
      assert.equal(outer.cancel("enough"), true);
      assert.equal(outer.done(), false, "done only once the children are");
      await assert.rejects(async () => await outer, {
        name: "CancelledError",
        message: "enough",
      });
      assert.ok(a.cancelled() && b.cancelled());
      return log;
    });
    assert.deepEqual(log, ["a cleaned up", "b cleaned up"]);
  });

  it("is cancelled with the task that awaits it", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      const gate = getRunningLoop().createFuture<void>();
      const children = [sleep(0.01), gate].map((cleanup, i) =>
        createTask(async () => {
          try {
            await sleep(10);
          } finally {
            await cleanup;
            log.push(`child ${i} cleaned up`);
          }
        })
      );
      const waiter = createTask(async () => {
        try {
          await gather(...children);
        } finally {
          log.push("waiter saw the cancellation");
        }
      });
      await sleep(0);
      waiter.cancel();
      await assert.rejects(async () => await waiter, CancelledError);
      // As in asyncio: without returnExceptions, the first child to end
      // cancelled ends the gather; the others are still cleaning up.
      assert.equal(children[1].done(), false);
      gate.setResult();
      await assert.rejects(async () => await children[1], CancelledError);
      assert.ok(children.every((child) => child.cancelled()));
      return log;
    });
    assert.deepEqual(log, [
      "child 0 cleaned up",
      "waiter saw the cancellation",
      "child 1 cleaned up",
    ]);
  });

  it("stays cancelled when children swallow the cancellation", async () => {
    await run(async () => {
      const stubborn = createTask(async () => {
        try {
          await sleep(10);
          return "slept";
        } catch {
          return "swallowed";
        }
      });
      const outer = gather(stubborn);
      await sleep(0);
      outer.cancel();
      await assert.rejects(async () => await outer, CancelledError);
      assert.equal(await stubborn, "swallowed");
    });
  });

  it("refuses bad input at the call and stops what it already started", async () => {
    await run(async () => {
      let started = false;
      assert.throws(
        () =>
          gather(
            async () => {
              started = true;
            },
            42 as unknown as Promise<number>,
          ),
        TypeError,
      );
      assert.throws(
        () => gather(sleep(0), { returnExceptions: "yes" as unknown as true }),
        TypeError,
      );
      assert.throws(
        () =>
          gather([sleep(0)], sleep(0) as unknown as { returnExceptions: true }),
        TypeError,
      );
      await sleep(0);
      await sleep(0);
      assert.equal(started, false);
    });
  });
});
