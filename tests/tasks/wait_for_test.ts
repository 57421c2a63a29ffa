import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  allTasks,
  CancelledError,
  createTask,
  currentTask,
  Future,
  gather,
  getRunningLoop,
  Lock,
  run,
  sleep,
  TimeoutError,
  waitFor,
} from "../../mod.ts";

describe("waitFor", () => {
  it("resolves to the result when the work is in time", async () => {
    await run(async () => {
      assert.equal(await waitFor(sleep(0.01, "future"), 1), "future");
      assert.equal(await waitFor(async () => "function", 30), "function");
      assert.equal(await waitFor(Promise.resolve("promise"), 30), "promise");
      assert.equal(await waitFor(sleep(0.01, "no timeout")), "no timeout");
      assert.equal(await waitFor(sleep(0.01, "null"), null), "null");
    });
  });

  it("cancels the work and waits for its cleanup before throwing TimeoutError", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      const work = createTask(async () => {
        try {
          await sleep(10);
        } catch (error) {
          log.push(`work got ${(error as Error).name}`);
          throw error;
        } finally {
          await sleep(0.02);
          log.push("work cleaned up");
        }
      });
      try {
        await waitFor(work, 0.01);
      } catch (error) {
        assert.ok(error instanceof TimeoutError);
        assert.ok(error.cause instanceof CancelledError);
        log.push("caller got TimeoutError");
      }
      assert.equal(work.cancelled(), true);
      assert.equal(currentTask()?.cancelling(), 0);
      return log;
    });
    assert.deepEqual(log, [
      "work got CancelledError",
      "work cleaned up",
      "caller got TimeoutError",
    ]);
  });

  it("cancels a plain future on timeout", async () => {
    await run(async () => {
      const future = getRunningLoop().createFuture<number>();
      await assert.rejects(waitFor(future, 0.01), TimeoutError);
      assert.equal(future.cancelled(), true);
    });
  });

  it("returns the value of work that swallows the cancellation", async () => {
    await run(async () => {
      const value = await waitFor(async () => {
        try {
          await sleep(10);
          return "slept";
        } catch {
          await sleep(0.01);
          return "swallowed";
        }
      }, 0.01);
      assert.equal(value, "swallowed");
      assert.equal(currentTask()?.cancelling(), 0);
      assert.equal(await sleep(0, "still usable"), "still usable");
    });
  });

  it("passes the work's own error through unchanged", async () => {
    await run(async () => {
      await assert.rejects(
        waitFor(async () => {
          await sleep(0.01);
          throw new RangeError("own");
        }, 1),
        RangeError,
      );
    });
  });

  it("gives no time with a zero or negative timeout: the work never starts", async () => {
    await run(async () => {
      let started = false;
      const body = async () => {
        started = true;
        return 1;
      };
      await assert.rejects(waitFor(body, 0), (error: Error) => {
        return error instanceof TimeoutError &&
          error.cause instanceof CancelledError;
      });
      await assert.rejects(waitFor(body, -1), TimeoutError);
      assert.equal(started, false);
      const done = new Future<string>();
      done.setResult("done already");
      assert.equal(await waitFor(done, 0), "done already");
      const swallowing = createTask(async () => {
        try {
          await sleep(10);
          return "slept";
        } catch {
          return "swallowed";
        }
      });
      await sleep(0);
      assert.equal(await waitFor(swallowing, 0), "swallowed");
    });
  });

  it("is cancelled with its caller: the work is cancelled and CancelledError propagates", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      const work = createTask(async () => {
        try {
          await sleep(10);
        } finally {
          log.push("work cleaned up");
        }
      });
      const caller = createTask(async () => {
        try {
          await waitFor(work, 5);
        } catch (error) {
          log.push(`caller got ${(error as Error).name}`);
          throw error;
        }
      });
      await sleep(0.01);
      caller.cancel();
      await assert.rejects(async () => await caller, CancelledError);
      assert.equal(work.cancelled(), true);
      return log;
    });
    assert.deepEqual(log, ["work cleaned up", "caller got CancelledError"]);
  });

  it("converts only its own timeout when nested in another", async () => {
    await run(async () => {
      const inner = createTask(() => sleep(10));
      const outer = createTask(() => waitFor(() => waitFor(inner, 5), 0.01));
      await assert.rejects(async () => await outer, TimeoutError);
      assert.equal(inner.cancelled(), true);
      const innerFirst = await waitFor(async () => {
        try {
          await waitFor(sleep(10), 0.01);
          return "inner did not time out";
        } catch (error) {
          return (error as Error).name;
        }
      }, 5);
      assert.equal(innerFirst, "TimeoutError");
    });
  });

  it("runs an async function in the caller's task, as CPython 3.12+ does", async () => {
    const [same, live] = await run(async () => {
      const caller = currentTask();
      return await waitFor(async () => {
        await sleep(0);
        return [currentTask() === caller, allTasks().size];
      }, 30);
    });
    assert.equal(same, true);
    assert.equal(live, 1);
  });

  it("loses no lock its function acquired in time to a cancel that comes next", async () => {
    // CPython 3.13 prints "user holds lock" and leaves the lock free; as a
    // task of its own the function's result waited one more iteration, and
    // the cancel made the caller drop the lock it held.
    const [log, locked] = await run(async () => {
      const log: string[] = [];
      const lock = new Lock();
      await lock.acquire();
      const user = createTask(async () => {
        try {
          await waitFor(() => lock.acquire(), 1);
        } catch (error) {
          log.push(`user ${(error as Error).name}`);
          throw error;
        }
        try {
          log.push("user holds lock");
          await sleep(0);
        } finally {
          lock.release();
        }
      });
      await sleep(0);
      lock.release();
      await sleep(0);
      user.cancel();
      await gather(user, { returnExceptions: true });
      return [log, lock.locked()];
    });
    assert.deepEqual(log, ["user holds lock"]);
    assert.equal(locked, false);
  });

  it("gives a function that declares a parameter a task and a signal of its own, aborted on timeout", async () => {
    const [aborted, outcome, callerSignal] = await run(async () => {
      let seen: AbortSignal | null = null;
      const outcome = await waitFor(async (signal) => {
        seen = signal;
        await sleep(3600);
      }, 0.01).catch((e) => e);
      return [seen!.aborted, outcome, currentTask()!.signal.aborted];
    });
    assert.equal(aborted, true);
    assert.ok(outcome instanceof TimeoutError);
    assert.equal(callerSignal, false);
  });

  it("refuses bad input at the call", async () => {
    await run(() => {
      const future = new Future<number>();
      assert.throws(() => waitFor(future, "1" as unknown as number), TypeError);
      assert.throws(() => waitFor(future, NaN), RangeError);
      assert.throws(
        () => waitFor(42 as unknown as Future<number>, 1),
        TypeError,
      );
      future.cancel();
    });
  });
});
