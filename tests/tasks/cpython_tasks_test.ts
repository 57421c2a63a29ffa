/**
 * CPython 3.13's own test cases about *when* things happen, from
 * `Lib/test/test_asyncio/test_tasks.py` (3.13.0), ported. Each `it` is
 * named after the CPython test it ports. Where CPython drives the loop
 * with `test_utils.run_briefly(loop)`, these tests let the main task
 * `await sleep(0)`: the same single loop iteration. Where CPython mocks
 * time, they run on the virtual clock. Every expectation was checked
 * against CPython 3.13 running the same scenario.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  asCompleted,
  type Awaitable,
  CancelledError,
  createTask,
  currentTask,
  ensureFuture,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  type Future,
  gather,
  getRunningLoop,
  newEventLoop,
  RuntimeError,
  shield,
  sleep,
  type Task,
  TimeoutError,
  wait,
} from "../../mod.ts";
import { runVirtual, VirtualClockLoop } from "../../testing/mod.ts";
import { errorOf } from "../sync/helpers.ts";
import { assertTime } from "./helpers.ts";

/**
 * Runs `main` on a virtual clock of its own and closes the loop without
 * cancelling what is left: a task that can never finish would make
 * `run()` wait for it for ever.
 */
async function onOwnLoop(main: () => Promise<void>): Promise<void> {
  const loop = new VirtualClockLoop();
  try {
    await loop.runUntilComplete(main);
  } finally {
    loop.close();
  }
}

describe("CPython test_tasks.py: BaseTaskTests", () => {
  it("BaseTaskTests.test_task_awaits_on_itself: the await throws RuntimeError", async () => {
    await onOwnLoop(async () => {
      const task: Task<void> = createTask(async () => {
        await task;
      });
      // A guard against a hang: the task must end at once, not wait.
      const [done] = await wait([task], { timeout: 1 });
      assert.ok(done.has(task), "a task awaiting itself must fail, not hang");
      assert.ok(task.exception() instanceof RuntimeError);
    });
  });

  it("BaseTaskTests.test_other_loop_future: awaiting another loop's future throws RuntimeError", async () => {
    const other = newEventLoop();
    try {
      await onOwnLoop(async () => {
        const future = other.createFuture();
        const task = createTask(async () => {
          await future;
        });
        const [done] = await wait([task], { timeout: 1 });
        assert.ok(done.has(task), "awaiting a foreign future must fail");
        assert.ok(task.exception() instanceof RuntimeError);
        assert.equal(future.done(), false);
      });
    } finally {
      other.close();
    }
  });

  it("BaseTaskTests.test_task_basics: awaits that do not suspend let nothing else run", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const inner1 = async () => 42;
      const inner2 = async () => 1000;
      const doneFuture = loop.createFuture<number>();
      doneFuture.setResult(3);
      const doneTask = createTask(async () => 4);
      await sleep(0);
      assert.equal(doneTask.done(), true);
      const task = createTask(async () => {
        const a = await inner1();
        const b = await inner2();
        const c = await doneFuture;
        const d = await doneTask;
        return a + b + c + d;
      });
      assert.equal(task.done(), false);
      // One step: coroutine calls, a done future and a done task do not
      // suspend in asyncio.
      await sleep(0);
      assert.equal(task.done(), true);
      assert.equal(task.result(), 1049);
    });
  });

  it("BaseTaskTests.test_cancelling: every cancel() before the start counts", async () => {
    await runVirtual(async () => {
      const task = createTask(() => sleep(10));
      assert.equal(task.cancelling(), 0);
      assert.equal(task.cancel(), true);
      assert.equal(task.cancelling(), 1);
      assert.equal(task.cancel(), true);
      assert.equal(task.cancelling(), 2);
      await errorOf(task, CancelledError);
      assert.equal(task.cancelled(), true);
    });
  });

  it("BaseTaskTests.test_uncancel_basic: uncancel() withdraws a request; a done task stays cancelled", async () => {
    await runVirtual(async () => {
      const task = createTask(async () => {
        try {
          await sleep(10);
        } catch (error) {
          if (!(error instanceof CancelledError)) throw error;
          currentTask()!.uncancel();
          await sleep(10);
        }
      });
      await sleep(0.01);
      assert.equal(task.cancel(), true);
      assert.equal(task.cancelling(), 1);
      assert.equal(task.cancelled(), false);
      await sleep(0.01);
      assert.equal(task.cancelling(), 0);
      assert.equal(task.done(), false);
      assert.equal(task.cancel(), true);
      assert.equal(task.cancelling(), 1);
      await errorOf(task, CancelledError);
      assert.equal(task.cancelled(), true);
      assert.equal(task.uncancel(), 0);
      assert.equal(task.cancelled(), true);
      assert.equal(task.done(), true);
    });
  });

  it("BaseTaskTests.test_uncancel_structured_blocks: a hand-made timeout with uncancel()", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const makeRequestWithTimeout = async (
        sleepFor: number,
        timeoutAfter: number,
      ) => {
        const task = currentTask()!;
        let timedOut = false;
        let structuredBlockFinished = false;
        const handle = loop.callLater(timeoutAfter, () => {
          timedOut = true;
          task.cancel();
        });
        try {
          let raised: unknown = null;
          try {
            await sleep(sleepFor);
            structuredBlockFinished = true;
          } catch (error) {
            raised = error;
            throw error;
          } finally {
            handle.cancel();
            if (
              timedOut && task.uncancel() === 0 &&
              raised instanceof CancelledError
            ) {
              // deno-lint-ignore no-unsafe-finally
              throw new TimeoutError();
            }
          }
        } catch (error) {
          if (!(error instanceof TimeoutError)) throw error;
          assert.equal(timedOut, true);
        }
        const outerCodeReached = true;
        await sleep(0);
        return [timedOut, structuredBlockFinished, outerCodeReached];
      };
      const t1 = createTask(() => makeRequestWithTimeout(10, 0.1));
      assert.deepEqual(await t1, [true, false, true]);
      assert.equal(t1.cancelling(), 0);
      assertTime(loop.time(), 0.1);
      const t2 = createTask(() => makeRequestWithTimeout(0, 10));
      assert.deepEqual(await t2, [false, true, true]);
      assert.equal(t2.cancelling(), 0);
      assertTime(loop.time(), 0.1);
    });
  });

  it("BaseTaskTests.test_uncancel_resets_must_cancel: a task woken, cancelled and uncancelled runs on", async () => {
    await runVirtual(async () => {
      const future = getRunningLoop().createFuture<void>();
      const task = createTask(async () => {
        await future;
        return 42;
      });
      await sleep(0);
      future.setResult();
      assert.equal(task.cancel(), true);
      assert.equal(task.cancelling(), 1);
      assert.equal(task.uncancel(), 0);
      assert.equal(await task, 42);
    });
  });

  it("BaseTaskTests.test_cancel: a cancel scheduled right after the start ends the sleep", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      const task = createTask(async () => {
        log.push("started");
        await sleep(10);
        return 12;
      });
      loop.callSoon(() => task.cancel());
      await errorOf(task, CancelledError);
      assert.deepEqual(log, ["started"]);
      assert.equal(task.cancelled(), true);
      assert.equal(task.cancel(), false);
      assert.equal(loop.time(), 0);
    });
  });

  it("BaseTaskTests.test_cancel_with_message_then_future_result / _exception / _before_starting_task", async () => {
    await runVirtual(async () => {
      for (const started of [true, false]) {
        for (const getter of ["result", "exception"] as const) {
          for (const [message, expected] of [[undefined, ""], ["my", "my"]]) {
            const task = createTask(() => sleep(10));
            if (started) await sleep(0);
            task.cancel(message);
            const [done] = await wait([task]);
            assert.ok(done.has(task));
            let error: unknown = null;
            try {
              task[getter]();
            } catch (thrown) {
              error = thrown;
            }
            assert.ok(error instanceof CancelledError);
            assert.equal(error.message, expected);
          }
        }
      }
    });
  });

  it("BaseTaskTests.test_cancellation_exception_context: the message of a cancel from a callback", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const future = loop.createFuture<void>();
      const outer = createTask(async () => {
        const inner = createTask(async () => {
          future.setResult();
          await sleep(10);
        });
        await future;
        loop.callSoon(() => inner.cancel("msg"));
        try {
          await inner;
        } catch (error) {
          throw new RangeError("cancelled", { cause: error });
        }
      });
      const error = await outer.then(() => null, (e: Error) => e);
      assert.ok(error instanceof RangeError);
      assert.ok(error.cause instanceof CancelledError);
      assert.equal(error.cause.message, "msg");
    });
  });

  it("BaseTaskTests.test_cancel_yield: a cancel between two sleep(0)s lands at the first", async () => {
    await runVirtual(async () => {
      const log: string[] = [];
      const task = createTask(async () => {
        await sleep(0);
        log.push("first");
        await sleep(0);
        log.push("second");
        return 12;
      });
      await sleep(0); // run_briefly: the task is at its first sleep(0)
      assert.deepEqual(log, []);
      task.cancel();
      await errorOf(task, CancelledError);
      assert.deepEqual(log, []);
      assert.equal(task.cancelled(), true);
      assert.equal(task.cancel(), false);
    });
  });

  it("BaseTaskTests.test_cancel_inner_future / test_cancel_both_task_and_inner_future", async () => {
    await runVirtual(async () => {
      for (const cancelTaskToo of [false, true]) {
        const future = getRunningLoop().createFuture<void>();
        const task = createTask(async () => {
          await future;
          return 12;
        });
        await sleep(0);
        future.cancel();
        if (cancelTaskToo) assert.equal(task.cancel(), true);
        await errorOf(task, CancelledError);
        assert.equal(future.cancelled(), true);
        assert.equal(task.cancelled(), true);
      }
    });
  });

  it("BaseTaskTests.test_cancel_task_catching: one step after fut1, cancel() reaches fut2 at once", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const fut1 = loop.createFuture<void>();
      const fut2 = loop.createFuture<void>();
      const task = createTask(async () => {
        await fut1;
        try {
          await fut2;
        } catch (error) {
          if (error instanceof CancelledError) return 42;
          throw error;
        }
        return 0;
      });
      await sleep(0);
      fut1.setResult();
      await sleep(0); // the task is now blocked on fut2
      task.cancel();
      assert.equal(fut2.cancelled(), true);
      assert.equal(await task, 42);
      assert.equal(task.cancelled(), false);
    });
  });

  it("BaseTaskTests.test_cancel_task_ignoring: a swallowed cancel, then the next future", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const fut1 = loop.createFuture<void>();
      const fut2 = loop.createFuture<void>();
      const fut3 = loop.createFuture<number>();
      const task = createTask(async () => {
        await fut1;
        try {
          await fut2;
        } catch (error) {
          if (!(error instanceof CancelledError)) throw error;
        }
        return await fut3;
      });
      await sleep(0);
      fut1.setResult();
      await sleep(0);
      task.cancel();
      assert.equal(fut2.cancelled(), true);
      await sleep(0); // the task now waits on fut3
      fut3.setResult(42);
      assert.equal(await task, 42);
      assert.equal(fut3.cancelled(), false);
      assert.equal(task.cancelled(), false);
    });
  });

  it("BaseTaskTests.test_cancel_current_task: a task that cancels itself stops at its next await", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const start = loop.time();
      const stoppedAt: number[] = [];
      const task: Task<number> = createTask(async () => {
        task.cancel();
        try {
          await sleep(100);
        } finally {
          stoppedAt.push(loop.time());
        }
        return 12;
      });
      await errorOf(task, CancelledError);
      assert.deepEqual(stoppedAt, [start]);
      assert.equal(task.cancelled(), true);
      assert.equal(task.cancel(), false);
    });
  });

  it("BaseTaskTests.test_cancel_at_end: a task that cancels itself and returns is cancelled", async () => {
    await runVirtual(async () => {
      const task: Task<number> = createTask(async () => {
        task.cancel();
        return 12;
      });
      await errorOf(task, CancelledError);
      assert.equal(task.cancelled(), true);
      assert.equal(task.cancel(), false);
    });
  });

  it("BaseTaskTests.test_cancel_awaited_task: a pending self-cancel reaches the next awaited task", async () => {
    await runVirtual(async () => {
      const future = getRunningLoop().createFuture<void>();
      let nested: Task<void> | null = null;
      const task: Task<void> = createTask(async () => {
        nested = createTask(async () => {
          await future;
        });
        await sleep(0);
        task.cancel();
        await nested;
      });
      await errorOf(task, CancelledError);
      assert.equal(task.cancelled(), true);
      assert.equal(nested!.cancelled(), true);
      assert.equal(future.cancelled(), true);
    });
  });
});

describe("CPython test_tasks.py: wait and as_completed", () => {
  it("BaseTaskTests.test_wait_first_completed", async () => {
    await runVirtual(async () => {
      const a = createTask(async () => await sleep(10));
      const b = createTask(async () => await sleep(0.1));
      const [done, pending] = await wait([b, a], {
        returnWhen: FIRST_COMPLETED,
      });
      assert.deepEqual([...done], [b]);
      assert.deepEqual([...pending], [a]);
      assert.equal(a.done(), false);
      assert.equal(b.result(), undefined);
      assertTime(getRunningLoop().time(), 0.1);
      a.cancel();
    });
  });

  it("BaseTaskTests.test_wait_really_done: both tasks are done when FIRST_COMPLETED returns", async () => {
    await runVirtual(async () => {
      const a = createTask(async () => {
        await sleep(0);
      });
      const b = createTask(async () => {
        await sleep(0);
        await sleep(0);
      });
      const [done, pending] = await wait([b, a], {
        returnWhen: FIRST_COMPLETED,
      });
      assert.deepEqual(new Set(done), new Set([a, b]));
      assert.equal(pending.size, 0);
    });
  });

  it("BaseTaskTests.test_wait_first_exception / test_wait_first_exception_in_wait", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const a = createTask(async () => await sleep(10));
      const b = createTask(async () => {
        throw new RangeError("err");
      });
      let [done, pending] = await wait([b, a], {
        returnWhen: FIRST_EXCEPTION,
      });
      assert.deepEqual([...done], [b]);
      assert.deepEqual([...pending], [a]);
      assert.equal(loop.time(), 0);
      const c = createTask(async () => {
        await sleep(0.01);
        throw new RangeError("err");
      });
      [done, pending] = await wait([c, a], { returnWhen: FIRST_EXCEPTION });
      assert.deepEqual([...done], [c]);
      assert.deepEqual([...pending], [a]);
      assertTime(loop.time(), 0.01);
      assert.ok(b.exception() instanceof RangeError);
      assert.ok(c.exception() instanceof RangeError);
      a.cancel();
    });
  });

  it("BaseTaskTests.test_wait_with_timeout", async () => {
    await runVirtual(async () => {
      const a = createTask(async () => await sleep(0.1));
      const b = createTask(async () => await sleep(0.15));
      const [done, pending] = await wait([b, a], { timeout: 0.11 });
      assert.deepEqual([...done], [a]);
      assert.deepEqual([...pending], [b]);
      assertTime(getRunningLoop().time(), 0.11);
      b.cancel();
    });
  });

  it("BaseTaskTests.test_wait_concurrent_complete: a task woken with the timeout is done when wait returns", async () => {
    await runVirtual(async () => {
      const a = createTask(async () => await sleep(0.1));
      const b = createTask(async () => await sleep(0.15));
      // As in CPython's test, the tasks' timers come before wait()'s.
      await sleep(0);
      const [done, pending] = await wait([b, a], { timeout: 0.1 });
      assert.deepEqual([...done], [a]);
      assert.deepEqual([...pending], [b]);
      assertTime(getRunningLoop().time(), 0.1);
      b.cancel();
    });
  });

  it("BaseTaskTests.test_as_completed: both iteration styles, in completion order", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const sleeper = (dt: number, x: string) =>
        createTask(async () => {
          await sleep(dt);
          return x;
        });
      for (const style of ["iterator", "async iterator"]) {
        const start = loop.time();
        const aws = [
          sleeper(0.01, "b"),
          sleeper(0.15, "c"),
          sleeper(0.01, "a"),
        ];
        const values: string[] = [];
        if (style === "iterator") {
          for (const next of asCompleted(aws)) values.push(await next);
        } else {
          for await (const done of asCompleted(aws)) {
            values.push(await (done as unknown as Future<string>));
          }
        }
        assert.deepEqual(new Set(values.slice(0, 2)), new Set(["a", "b"]));
        assert.equal(values[2], "c");
        assertTime(loop.time() - start, 0.15);
      }
    });
  });

  it("BaseTaskTests.test_as_completed_with_timeout: both iteration styles", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      for (const style of ["iterator", "async iterator"]) {
        const start = loop.time();
        const a = createTask(() => sleep(0.1, "a"));
        const b = createTask(() => sleep(0.15, "b"));
        const values: [number, unknown][] = [];
        if (style === "iterator") {
          for (const next of asCompleted([a, b], { timeout: 0.12 })) {
            try {
              values.push([1, await next]);
            } catch (error) {
              values.push([2, error]);
            }
          }
        } else {
          try {
            for await (const done of asCompleted([a, b], { timeout: 0.12 })) {
              values.push([1, await (done as unknown as Future<string>)]);
            }
          } catch (error) {
            values.push([2, error]);
          }
        }
        assert.equal(values.length, 2);
        assert.deepEqual(values[0], [1, "a"]);
        assert.equal(values[1][0], 2);
        assert.ok(values[1][1] instanceof TimeoutError);
        assertTime(loop.time() - start, 0.12);
        assert.equal(b.done(), false);
        b.cancel();
      }
    });
  });

  it("BaseTaskTests.test_as_completed_reverse_wait: the first awaited gets the first result", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const a = createTask(() => sleep(0.05, "a"));
      const b = createTask(() => sleep(0.1, "b"));
      const futures = [...asCompleted([b, a])];
      assert.equal(futures.length, 2);
      assert.equal(await futures[1], "a");
      assertTime(loop.time(), 0.05);
      assert.equal(await futures[0], "b");
      assertTime(loop.time(), 0.1);
    });
  });
});

describe("CPython test_tasks.py: steps and cancellation", () => {
  it("BaseTaskTests.test_task_cancel_sleeping_task", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const doit = createTask(async () => {
        const sleeper = createTask(async () => await sleep(5000));
        loop.callLater(0.1, () => sleeper.cancel());
        try {
          await sleeper;
        } catch (error) {
          if (error instanceof CancelledError) return "cancelled";
          throw error;
        }
        return "slept in";
      });
      assert.equal(await doit, "cancelled");
      assertTime(loop.time(), 0.1);
    });
  });

  it("BaseTaskTests.test_task_cancel_waiter_future: cancel() cancels the awaited future at once", async () => {
    await runVirtual(async () => {
      const future = getRunningLoop().createFuture<void>();
      const task = createTask(async () => {
        await future;
      });
      await sleep(0);
      task.cancel();
      assert.equal(future.cancelled(), true);
      assert.equal(task.done(), false);
      await sleep(0);
      assert.equal(task.cancelled(), true);
    });
  });

  it("BaseTaskTests.test_step_result_future: a woken task is done one iteration after set_result", async () => {
    await runVirtual(async () => {
      const future = getRunningLoop().createFuture<object>();
      let result: object | null = null;
      const task = createTask(async () => {
        result = await future;
      });
      await sleep(0);
      const value = {};
      future.setResult(value);
      assert.equal(task.done(), false);
      await sleep(0);
      assert.equal(result, value);
      assert.equal(task.done(), true);
      assert.equal(task.result(), undefined);
    });
  });

  it("BaseTaskTests.test_current_task: the task inside, null in a plain callback", async () => {
    await runVirtual(async () => {
      const seen: unknown[] = [];
      const task = createTask(async () => {
        seen.push(currentTask());
        await sleep(0);
        seen.push(currentTask());
      });
      await task;
      assert.deepEqual(seen, [task, task]);
      const outside: unknown[] = [];
      getRunningLoop().callSoon(() => outside.push(currentTask()));
      await sleep(0);
      assert.deepEqual(outside, [null]);
    });
  });

  it("BaseTaskTests.test_current_task_with_interleaving_tasks", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const fut1 = loop.createFuture<boolean>();
      const fut2 = loop.createFuture<boolean>();
      const log: [string, boolean][] = [];
      const task1: Task<void> = createTask(async () => {
        log.push(["1", currentTask() === task1]);
        await fut1;
        log.push(["1", currentTask() === task1]);
        fut2.setResult(true);
      });
      const task2: Task<void> = createTask(async () => {
        log.push(["2", currentTask() === task2]);
        fut1.setResult(true);
        await fut2;
        log.push(["2", currentTask() === task2]);
      });
      await wait([task1, task2]);
      assert.deepEqual(log, [["1", true], ["2", true], ["1", true], [
        "2",
        true,
      ]]);
    });
  });

  it("BaseTaskTests.test_yield_future_passes_cancel: cancelling outer cancels inner's waiter", async () => {
    await runVirtual(async () => {
      let proof = 0;
      const waiter = getRunningLoop().createFuture<void>();
      const inner = async () => {
        try {
          await waiter;
        } catch (error) {
          proof += 1;
          throw error;
        }
      };
      const outer = createTask(async () => {
        try {
          await inner();
          proof += 10;
        } catch (error) {
          if (!(error instanceof CancelledError)) throw error;
          proof += 100;
        }
      });
      await sleep(0);
      outer.cancel();
      await outer;
      assert.equal(proof, 101);
      assert.equal(waiter.cancelled(), true);
      assert.equal(outer.cancelled(), false);
    });
  });

  it("BaseTaskTests.test_yield_wait_does_not_shield_cancel: wait() returns early, the task runs on", async () => {
    await runVirtual(async () => {
      let proof = 0;
      const waiter = getRunningLoop().createFuture<void>();
      const outer = createTask(async () => {
        await wait([createTask(async () => {
          await waiter;
          proof += 1;
        })]);
        proof += 100;
      });
      await sleep(0);
      outer.cancel();
      await errorOf(outer, CancelledError);
      assert.equal(proof, 0);
      waiter.setResult();
      await sleep(0);
      assert.equal(proof, 1);
    });
  });

  it("BaseTaskTests.test_shield_exception / test_shield_cancel_inner / test_shield_cancel_outer / test_shield_shortcut", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      let inner = loop.createFuture<number>();
      let outer = shield(inner);
      await sleep(0);
      const error = new RuntimeError("expected");
      inner.setException(error);
      assert.equal(outer.done(), false);
      await sleep(0);
      assert.equal(outer.exception(), error);

      inner = loop.createFuture<number>();
      outer = shield(inner);
      await sleep(0);
      inner.cancel();
      assert.equal(outer.done(), false);
      await sleep(0);
      assert.equal(outer.cancelled(), true);

      inner = loop.createFuture<number>();
      outer = shield(inner);
      await sleep(0);
      outer.cancel();
      await sleep(0);
      assert.equal(outer.cancelled(), true);
      assert.equal(inner.cancelled(), false);
      inner.setResult(1);
      await sleep(0);
      assert.equal(outer.cancelled(), true);

      const done = loop.createFuture<number>();
      done.setResult(42);
      assert.equal(shield(done), done);
    });
  });

  it("BaseTaskTests.test_shield_effect: cancelling the caller does not affect the shielded task", async () => {
    await runVirtual(async () => {
      let proof = 0;
      const waiter = getRunningLoop().createFuture<void>();
      const outer = createTask(async () => {
        await shield(async () => {
          await waiter;
          proof += 1;
        });
        proof += 100;
      });
      await sleep(0);
      outer.cancel();
      await errorOf(outer, CancelledError);
      waiter.setResult();
      await sleep(0);
      assert.equal(proof, 1);
    });
  });

  it("BaseTaskTests.test_shield_gather / test_gather_shield", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      let child1 = loop.createFuture<number>();
      let child2 = loop.createFuture<number>();
      let parent = gather(child1, child2);
      const outer = shield(parent);
      await sleep(0);
      outer.cancel();
      await sleep(0);
      assert.equal(outer.cancelled(), true);
      child1.setResult(1);
      child2.setResult(2);
      await sleep(0);
      assert.deepEqual(parent.result(), [1, 2]);

      child1 = loop.createFuture<number>();
      child2 = loop.createFuture<number>();
      const inner1 = shield(child1);
      const inner2 = shield(child2);
      parent = gather(inner1, inner2);
      await sleep(0);
      parent.cancel();
      assert.equal(inner1.cancelled(), true);
      assert.equal(inner2.cancelled(), true);
      assert.equal(parent.done(), false);
      await sleep(0);
      assert.ok(parent.exception() instanceof CancelledError);
      assert.equal(child1.cancelled(), false);
      assert.equal(child2.cancelled(), false);
      child1.setResult(1);
      child2.setResult(2);
    });
  });
});

describe("CPython test_tasks.py: gather", () => {
  it("BaseTaskTests.test_cancel_gather_1: a gather whose children have all returned refuses cancel()", async () => {
    await runVirtual(async () => {
      const future = getRunningLoop().createFuture<number>();
      const gathered = gather(async () => await future);
      assert.equal(ensureFuture(gathered), gathered);
      await sleep(0);
      let cancelResult: boolean | null = null;
      // Runs right after the child task's wake-up, in the same iteration:
      // by then the child has returned.
      future.addDoneCallback(() => {
        cancelResult = gathered.cancel();
      });
      future.setResult(42);
      assert.deepEqual(await gathered, [42]);
      assert.equal(cancelResult, false);
      assert.equal(gathered.cancelled(), false);
    });
  });

  it("BaseTaskTests.test_cancel_gather_2: the cancel message reaches the gather's caller", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      for (const [message, expected] of [[undefined, ""], ["my", "my"]]) {
        const start = loop.time();
        const qwe = createTask(async () => {
          let time = 0;
          for (;;) {
            time += 0.05;
            await gather(sleep(0.05), { returnExceptions: true });
            if (time > 1) return;
          }
        });
        await sleep(0.2);
        qwe.cancel(message);
        const error = await errorOf(qwe, CancelledError);
        assert.equal(error.message, expected);
        assertTime(loop.time() - start, 0.2);
      }
    });
  });

  /**
   * GatherTestsBase runs each test twice: on futures (FutureGatherTests)
   * and on coroutines awaiting them (CoroutineGatherTests), whose tasks
   * take one more iteration to pass a result on.
   */
  const variants: [
    string,
    (...futures: Future<number>[]) => Awaitable<number>[],
    number,
  ][] = [
    ["futures", (...futures) => futures, 0],
    ["coroutines", (...futures) => futures.map((f) => async () => await f), 1],
  ];

  it("GatherTestsBase.test_success / test_result_exception_success: iteration by iteration", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      for (const returnExceptions of [false, true]) {
        for (const [name, wrap, extra] of variants) {
          const [a, b, c] = [1, 2, 3].map(() => loop.createFuture<number>());
          const outer = gather(wrap(a, b, c), { returnExceptions });
          const calls: unknown[] = [];
          outer.addDoneCallback((f) => calls.push(f));
          b.setResult(1);
          a.setResult(2);
          for (let i = 0; i < 5; i++) await sleep(0);
          assert.equal(outer.done(), false, name);
          c.setResult(3);
          for (let i = 0; i < extra; i++) await sleep(0);
          assert.equal(outer.done(), false, name);
          await sleep(0);
          assert.equal(outer.done(), true, name);
          assert.deepEqual(calls, [], name);
          await sleep(0);
          assert.deepEqual(calls, [outer], name);
          assert.deepEqual(outer.result(), [2, 1, 3]);
        }
      }
    });
  });

  it("GatherTestsBase.test_one_exception: the first error, then nothing", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      for (const [name, wrap, extra] of variants) {
        const [a, b, c, d, e] = [1, 2, 3, 4, 5].map(() =>
          loop.createFuture<number>()
        );
        const outer = gather(wrap(a, b, c, d, e));
        const calls: unknown[] = [];
        outer.addDoneCallback((f) => calls.push(f));
        const error = new RangeError("division by zero");
        a.setResult(1);
        b.setException(error);
        for (let i = 0; i < extra; i++) await sleep(0);
        assert.equal(outer.done(), false, name);
        await sleep(0);
        assert.equal(outer.done(), true, name);
        assert.equal(outer.exception(), error, name);
        await sleep(0);
        assert.deepEqual(calls, [outer], name);
        c.setResult(3);
        d.cancel();
        e.setException(new RuntimeError("rte"));
        e.exception();
        for (let i = 0; i < 3; i++) await sleep(0);
        assert.deepEqual(calls, [outer], name);
        assert.equal(outer.exception(), error, name);
      }
    });
  });

  it("GatherTestsBase.test_return_exceptions: errors in place, done with the last", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      for (const [name, wrap, extra] of variants) {
        const [a, b, c, d] = [1, 2, 3, 4].map(() =>
          loop.createFuture<number>()
        );
        const outer = gather(wrap(a, b, c, d), { returnExceptions: true });
        const calls: unknown[] = [];
        outer.addDoneCallback((f) => calls.push(f));
        const error1 = new RangeError();
        const error2 = new RuntimeError("rte");
        b.setResult(1);
        c.setException(error1);
        a.setResult(3);
        for (let i = 0; i < 5; i++) await sleep(0);
        assert.equal(outer.done(), false, name);
        d.setException(error2);
        for (let i = 0; i < extra; i++) await sleep(0);
        assert.equal(outer.done(), false, name);
        await sleep(0);
        assert.equal(outer.done(), true, name);
        await sleep(0);
        assert.deepEqual(calls, [outer], name);
        assert.deepEqual(outer.result(), [3, 1, error1, error2]);
      }
    });
  });

  it("FutureGatherTests.test_one_cancellation / test_result_exception_one_cancellation", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      let [a, b, c, d, e, f] = [1, 2, 3, 4, 5, 6].map(() =>
        loop.createFuture<number>()
      );
      const outer = gather(a, b, c, d, e);
      a.setResult(1);
      b.cancel();
      await sleep(0);
      assert.equal(outer.done(), true);
      assert.equal(outer.cancelled(), false);
      assert.ok(outer.exception() instanceof CancelledError);
      c.setResult(3);
      d.cancel();
      e.setException(new RuntimeError("rte"));
      e.exception();

      [a, b, c, d, e, f] = [1, 2, 3, 4, 5, 6].map(() =>
        loop.createFuture<number>()
      );
      const all = gather(a, b, c, d, e, f, { returnExceptions: true });
      const zde = new RangeError();
      const rte = new RuntimeError("rte");
      a.setResult(1);
      b.setException(zde);
      c.cancel();
      for (let i = 0; i < 3; i++) await sleep(0);
      assert.equal(all.done(), false);
      d.setResult(3);
      e.cancel();
      f.setException(rte);
      const results = await all;
      assert.ok(results[2] instanceof CancelledError);
      assert.ok(results[4] instanceof CancelledError);
      assert.deepEqual(
        [results[0], results[1], results[3], results[5]],
        [1, zde, 3, rte],
      );
      assert.equal(all.cancelled(), false);
    });
  });

  it("CoroutineGatherTests.test_cancellation_broadcast: cancelling the caller cancels all children", async () => {
    await runVirtual(async () => {
      let proof = 0;
      const waiter = getRunningLoop().createFuture<void>();
      const inner = async () => {
        await waiter;
        proof += 1;
      };
      const child1 = createTask(inner);
      const child2 = createTask(inner);
      let gatherer: Future<unknown> | null = null;
      const outer = createTask(async () => {
        gatherer = gather(child1, child2);
        await gatherer;
        proof += 100;
      });
      await sleep(0);
      assert.equal(outer.cancel(), true);
      await errorOf(outer, CancelledError);
      assert.equal(gatherer!.cancel(), false);
      // A gather cancelled through its children fails with CancelledError.
      assert.equal(gatherer!.cancelled(), false);
      assert.ok(gatherer!.exception() instanceof CancelledError);
      assert.equal(waiter.cancelled(), true);
      assert.equal(child1.cancelled(), true);
      assert.equal(child2.cancelled(), true);
      await sleep(0);
      assert.equal(proof, 0);
    });
  });

  it("CoroutineGatherTests.test_exception_marking: the error reaches the caller in three iterations", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const inner = (future: Future<void>) => async () => {
        await future;
        throw new RuntimeError("should not be ignored");
      };
      const a = loop.createFuture<void>();
      const b = loop.createFuture<void>();
      const outer = createTask(async () => {
        await gather(inner(a), inner(b));
      });
      await sleep(0);
      a.setResult();
      await sleep(0); // inner(a) fails
      await sleep(0); // the gather fails
      assert.equal(outer.done(), false);
      await sleep(0); // its caller fails
      assert.equal(outer.done(), true);
      assert.ok(outer.exception() instanceof RuntimeError);
      b.setResult();
      await sleep(0);
    });
  });
});

describe("CPython test_tasks.py: SleepTests", () => {
  it("SleepTests.test_sleep_zero: sleep(0) lets a callback scheduled before it run", async () => {
    await runVirtual(async () => {
      let result = 0;
      const inc = (n: number) => {
        result += n;
      };
      getRunningLoop().callSoon(inc, 1);
      assert.equal(result, 0);
      const num = await sleep(0, 10);
      assert.equal(result, 1);
      inc(num);
      assert.equal(result, 11);
    });
  });
});
