/**
 * CPython 3.13's own `wait_for` test cases, from
 * `Lib/test/test_asyncio/test_waitfor.py` (3.13.0), ported. Each `it` is
 * named after the CPython test it ports. They run on the virtual clock
 * (`runVirtual`), which turns CPython's real-time sleeps into exact loop
 * times, so the few extra checks of `loop.time()` are exact; `SlowTask`
 * reads `loop.time()` where CPython reads `time.monotonic()`. Extra checks
 * beyond CPython's own asserts (the loop time, the outcome of the outer
 * task) were checked against CPython 3.13 running the same scenario.
 * Translations: a coroutine object passed to `wait_for` is an async
 * function here; `cm.exception.__context__` is the `TimeoutError`'s
 * `cause`, as the README says; `subTest` loops are plain loops.
 *
 * Nothing of the file is skipped.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { errorOf } from "../sync/helpers.ts";
import { assertTime } from "./helpers.ts";
import {
  CancelledError,
  createTask,
  getRunningLoop,
  shield,
  sleep,
  TimeoutError,
  wait,
  waitFor,
} from "../../mod.ts";
import { runVirtual } from "../../testing/mod.ts";

/**
 * A very small timeout: it passes the check "timeout > 0", but has almost
 * no effect (CPython's `_EPSILON`).
 */
const EPSILON = 0.0001;

/** CPython's `support.LONG_TIMEOUT`: five minutes. */
const LONG_TIMEOUT = 5 * 60;

/** A task that runs for `TASK_TIMEOUT` seconds, ignoring cancel requests. */
class SlowTask {
  static readonly TASK_TIMEOUT = 0.2;
  exited = false;

  async run(): Promise<void> {
    const loop = getRunningLoop();
    const exitAt = loop.time() + SlowTask.TASK_TIMEOUT;
    while (true) {
      const toSleep = exitAt - loop.time();
      if (toSleep <= 0) break;
      try {
        await sleep(toSleep);
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
      }
    }
    this.exited = true;
  }
}

class FooException extends Error {
  override name = "FooException";
}

describe("CPython test_waitfor.py: AsyncioWaitForTest", () => {
  it("AsyncioWaitForTest.test_asyncio_wait_for_cancelled", async () => {
    await runVirtual(async () => {
      const t = new SlowTask();
      const waitForTask = createTask(() =>
        waitFor(() => t.run(), SlowTask.TASK_TIMEOUT * 2)
      );
      await sleep(0);
      waitForTask.cancel();
      await wait([waitForTask]);
      assert.equal(t.exited, true);
      // Checked in CPython 3.13: the work swallowed the cancel and
      // returned, so the outer task returned too.
      assertTime(getRunningLoop().time(), SlowTask.TASK_TIMEOUT);
      assert.equal(waitForTask.cancelled(), false);
      assert.equal(waitForTask.result(), undefined);
    });
  });

  it("AsyncioWaitForTest.test_asyncio_wait_for_timeout", async () => {
    await runVirtual(async () => {
      const t = new SlowTask();
      // CPython's test accepts a TimeoutError too, but CPython 3.13 gives
      // none (checked): the work swallows the cancel and returns normally.
      assert.equal(
        await waitFor(() => t.run(), SlowTask.TASK_TIMEOUT / 2),
        undefined,
      );
      assert.equal(t.exited, true);
      assertTime(getRunningLoop().time(), SlowTask.TASK_TIMEOUT);
    });
  });

  it("AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_future_done", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      fut.setResult("done");
      const ret = await waitFor(fut, 0);
      assert.equal(ret, "done");
      assert.equal(fut.done(), true);
    });
  });

  it("AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started", async () => {
    await runVirtual(async () => {
      let fooStarted = false;
      const foo = async () => {
        fooStarted = true;
      };
      await errorOf(waitFor(foo, 0), TimeoutError);
      assert.equal(fooStarted, false);
    });
  });

  it("AsyncioWaitForTest.test_wait_for_timeout_less_then_0_or_0", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      for (const timeout of [0, -1]) {
        let fooRunning: boolean | null = null;
        const started = loop.createFuture<void>();
        const foo = async () => {
          fooRunning = true;
          started.setResult();
          try {
            await sleep(10);
          } finally {
            fooRunning = false;
          }
          return "done";
        };
        const fut = createTask(foo);
        await started;
        await errorOf(waitFor(fut, timeout), TimeoutError);
        assert.equal(fut.done(), true, `timeout ${timeout}`);
        // It should have been cancelled due to the timeout.
        assert.equal(fut.cancelled(), true, `timeout ${timeout}`);
        assert.equal(fooRunning, false, `timeout ${timeout}`);
      }
    });
  });

  it("AsyncioWaitForTest.test_wait_for", async () => {
    await runVirtual(async () => {
      let fooRunning: boolean | null = null;
      const foo = async () => {
        fooRunning = true;
        try {
          await sleep(LONG_TIMEOUT);
        } finally {
          fooRunning = false;
        }
        return "done";
      };
      const fut = createTask(foo);
      await errorOf(waitFor(fut, 0.1), TimeoutError);
      assert.equal(fut.done(), true);
      // It should have been cancelled due to the timeout.
      assert.equal(fut.cancelled(), true);
      assert.equal(fooRunning, false);
      assertTime(getRunningLoop().time(), 0.1);
    });
  });

  it("AsyncioWaitForTest.test_wait_for_blocking", async () => {
    await runVirtual(async () => {
      const coro = async () => "done";
      const res = await waitFor(coro, null);
      assert.equal(res, "done");
    });
  });

  it("AsyncioWaitForTest.test_wait_for_race_condition", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const fut = loop.createFuture<string>();
      const task = waitFor(fut, 0.2);
      loop.callSoon(() => fut.setResult("ok"));
      const res = await task;
      assert.equal(res, "ok");
    });
  });

  it("AsyncioWaitForTest.test_wait_for_cancellation_race_condition", async () => {
    await runVirtual(async () => {
      const inner = async () => {
        await errorOf(sleep(1), CancelledError);
        return 1;
      };
      const result = await waitFor(inner, 0.01);
      assert.equal(result, 1);
    });
  });

  it("AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation", async () => {
    await runVirtual(async () => {
      let taskDone = false;
      const inner = async () => {
        try {
          await sleep(10);
        } catch (error) {
          if (error instanceof CancelledError) await sleep(EPSILON);
          throw error;
        } finally {
          taskDone = true;
        }
      };
      const innerTask = createTask(inner);
      const error = await errorOf(waitFor(innerTask, EPSILON), TimeoutError);
      assert.equal(taskDone, true);
      const chained = error.cause;
      assert.ok(chained instanceof CancelledError, String(chained));
      assert.equal((chained as Error).constructor, CancelledError);
    });
  });

  it("AsyncioWaitForTest.test_wait_for_waits_for_task_cancellation_w_timeout_0", async () => {
    await runVirtual(async () => {
      let taskDone = false;
      const foo = async () => {
        const inner = async () => {
          try {
            await sleep(10);
          } catch (error) {
            if (error instanceof CancelledError) await sleep(EPSILON);
            throw error;
          } finally {
            taskDone = true;
          }
        };
        const innerTask = createTask(inner);
        await sleep(EPSILON);
        await waitFor(innerTask, 0);
      };
      const error = await errorOf(foo(), TimeoutError);
      assert.equal(taskDone, true);
      const chained = error.cause;
      assert.ok(chained instanceof CancelledError, String(chained));
      assert.equal((chained as Error).constructor, CancelledError);
    });
  });

  it("AsyncioWaitForTest.test_wait_for_reraises_exception_during_cancellation", async () => {
    await runVirtual(async () => {
      const foo = async () => {
        const inner = async () => {
          try {
            await sleep(0.2);
          } finally {
            // deno-lint-ignore no-unsafe-finally
            throw new FooException();
          }
        };
        const innerTask = createTask(inner);
        await waitFor(innerTask, EPSILON);
      };
      await errorOf(foo(), FooException);
    });
  });

  async function testCancelWaitFor(timeout: number | null): Promise<void> {
    const loop = getRunningLoop();
    const blockingCoroutine = async () => {
      const fut = loop.createFuture<void>();
      // Block: fut's result is never set.
      await fut;
    };
    const task = createTask(blockingCoroutine);
    const waitTask = createTask(() => waitFor(task, timeout));
    loop.callSoon(() => waitTask.cancel());
    await errorOf(waitTask, CancelledError);
    // Python issue #23219: cancelling the wait must also cancel the task.
    assert.equal(task.cancelled(), true);
  }

  it("AsyncioWaitForTest.test_cancel_blocking_wait_for", async () => {
    await runVirtual(() => testCancelWaitFor(null));
  });

  it("AsyncioWaitForTest.test_cancel_wait_for", async () => {
    await runVirtual(() => testCancelWaitFor(60.0));
  });

  it("AsyncioWaitForTest.test_wait_for_cancel_suppressed", async () => {
    // GH-86296: suppressing CancelledError is discouraged, but if a task
    // suppresses it and returns a value, waitFor returns the value instead
    // of throwing, as timeout() does.
    await runVirtual(async () => {
      const return42 = async (): Promise<number | undefined> => {
        try {
          await sleep(10);
        } catch (error) {
          if (error instanceof CancelledError) return 42;
          throw error;
        }
        return undefined;
      };
      const res = await waitFor(return42, 0.1);
      assert.equal(res, 42);
    });
  });

  it("AsyncioWaitForTest.test_wait_for_issue86296", async () => {
    // GH-86296: the task should get cancelled and not run to completion.
    // inner completes in one cycle of the event loop, so it completes
    // before the task is cancelled.
    await runVirtual(async () => {
      const inner = async () => "done";
      const innerTask = createTask(inner);
      let reachedEnd = false;
      const waitForCoro = async () => {
        await waitFor(innerTask, 100);
        await sleep(1);
        reachedEnd = true;
      };
      const task = createTask(waitForCoro);
      assert.equal(task.done(), false);
      // Run the task.
      await sleep(0);
      task.cancel();
      await errorOf(task, CancelledError);
      assert.equal(innerTask.done(), true);
      assert.equal(await innerTask, "done");
      assert.equal(reachedEnd, false);
    });
  });
});

describe("CPython test_waitfor.py: WaitForShieldTests", () => {
  it("WaitForShieldTests.test_zero_timeout", async () => {
    // shield() makes a new future that wraps the awaitable and shields it
    // from cancellation, so with a timeout of 0 the future shield()
    // returns is cancelled at once and the task it wraps runs on.
    await runVirtual(async () => {
      const coro = async () => {
        await sleep(0.01);
        return "done";
      };
      const task = createTask(coro);
      const shieldedTask = shield(task);
      await errorOf(waitFor(shieldedTask, 0), TimeoutError);
      // The task runs in the background.
      assert.equal(task.done(), false);
      assert.equal(task.cancelled(), false);
      assert.equal(shieldedTask.cancelled(), true);
      // Wait for the task to complete.
      await sleep(0.1);
      assert.equal(task.done(), true);
    });
  });

  it("WaitForShieldTests.test_none_timeout", async () => {
    // With a null timeout the timeout is disabled: it runs to completion.
    await runVirtual(async () => {
      const coro = async () => {
        await sleep(0.1);
        return "done";
      };
      const task = createTask(coro);
      await waitFor(shield(task), null);
      assert.equal(task.done(), true);
      assert.equal(await task, "done");
    });
  });

  it("WaitForShieldTests.test_shielded_timeout", async () => {
    // shield() keeps the task from being cancelled.
    await runVirtual(async () => {
      const coro = async () => {
        await sleep(0.1);
        return "done";
      };
      const task = createTask(coro);
      await errorOf(waitFor(shield(task), 0.01), TimeoutError);
      assert.equal(task.done(), false);
      assert.equal(task.cancelled(), false);
      assert.equal(await task, "done");
    });
  });
});
