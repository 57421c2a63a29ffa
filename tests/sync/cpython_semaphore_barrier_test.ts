// CPython 3.13's own timing tests for Semaphore, BoundedSemaphore and
// Barrier (Lib/test/test_asyncio/test_locks.py, SemaphoreTests and
// BarrierTests, as shipped with Python 3.13.0), ported case by case.
//
// Each `await sleep(0)` of the driving task stands where CPython's test has
// one, so wake-up order and the number of loop iterations must match
// asyncio's exactly. Where CPython reads a private field (`_value`,
// `_waiters`, `_count`, the state in `repr()`), the port checks what that
// field implies through the public API. Checks marked "probe" are not in
// CPython's test; each was run against CPython 3.13 with the same scenario.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  gather,
  getRunningLoop,
  run,
  RuntimeError,
  sleep,
  type Task,
  taskGroup,
  wait,
  waitFor,
} from "../../mod.ts";
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Semaphore,
} from "../../sync/mod.ts";
import { errorOf, sleepsUntilDone } from "./helpers.ts";

/** The name of what each outcome of `gather(..., {returnExceptions})` is. */
function outcomeNames(outcomes: unknown[]): unknown[] {
  return outcomes.map((outcome) =>
    outcome instanceof Error ? outcome.constructor.name : outcome
  );
}

describe("CPython 3.13 SemaphoreTests", () => {
  it("SemaphoreTests.test_initial_value_zero: Semaphore(0) is locked", () => {
    assert.equal(new Semaphore(0).locked(), true);
  });

  it("SemaphoreTests.test_semaphore_value: a negative value is a RangeError (ValueError)", () => {
    assert.throws(() => new Semaphore(-1), RangeError);
  });

  it("SemaphoreTests.test_acquire: two releases wake the two oldest waiters in one iteration", async () => {
    await run(async () => {
      const sem = new Semaphore(3);
      const result: number[] = [];
      assert.ok(await sem.acquire());
      assert.ok(await sem.acquire());
      assert.equal(sem.locked(), false);

      const c = async (i: number) => {
        await sem.acquire();
        result.push(i);
        return true;
      };
      const t1 = createTask(() => c(1));
      const t2 = createTask(() => c(2));
      const t3 = createTask(() => c(3));

      await sleep(0);
      assert.deepEqual(result, [1]);
      assert.equal(sem.locked(), true);
      // CPython: len(sem._waiters) == 2, sem._value == 0.
      assert.equal(t2.done() || t3.done(), false);

      const t4 = createTask(() => c(4));
      sem.release();
      sem.release();
      // CPython: sem._value == 0 (both slots went to t2 and t3).
      assert.equal(sem.locked(), true);

      await sleep(0);
      assert.equal(result.length, 3);
      assert.equal(sem.locked(), true);
      assert.ok(t1.done());
      assert.equal(t1.result(), true);
      // CPython lets any two of t2, t3, t4 win "the race"; 3.13 always
      // gives the slots to the two that waited first (probe).
      assert.deepEqual(result, [1, 2, 3]);
      const raceTasks = [t2, t3, t4];
      assert.equal(raceTasks.filter((t) => t.done() && t.result()).length, 2);
      assert.equal(t4.done(), false);

      // cleanup locked semaphore
      sem.release();
      await gather(...raceTasks);
      assert.deepEqual(result, [1, 2, 3, 4]);
    });
  });

  it("SemaphoreTests.test_acquire_cancel: a waiter cancelled by call_soon leaves nothing behind", async () => {
    await run(async () => {
      const sem = new Semaphore();
      await sem.acquire();
      const acquire = createTask(() => sem.acquire());
      getRunningLoop().callSoon(() => acquire.cancel());
      assert.ok(await errorOf(acquire) instanceof CancelledError);
      // CPython: no waiter left that is not done. So the semaphore is held
      // by this task only, and one release frees it.
      assert.equal(sem.locked(), true);
      sem.release();
      assert.equal(sem.locked(), false);
    });
  });

  it("SemaphoreTests.test_acquire_cancel_before_awoken: a release skips waiters cancelled before it", async () => {
    await run(async () => {
      const sem = new Semaphore(0);
      const t1 = createTask(() => sem.acquire());
      const t2 = createTask(() => sem.acquire());
      const t3 = createTask(() => sem.acquire());
      const t4 = createTask(() => sem.acquire());

      await sleep(0);

      t1.cancel();
      t2.cancel();
      sem.release();

      await sleep(0);
      // probe: t3 got the slot in that first iteration already.
      assert.deepEqual(
        [t1.done(), t2.done(), t3.done(), t4.done()],
        [true, true, true, false],
      );
      await sleep(0);
      assert.equal([t3, t4].filter((t) => t.done()).length, 1);
      assert.ok(t3.done());
      assert.equal(t4.done(), false);

      t3.cancel();
      t4.cancel();
      await sleep(0);
      // probe: cancelling a done task does nothing; t4 is cancelled.
      assert.equal(t3.cancelled(), false);
      assert.equal(t4.cancelled(), true);
      assert.equal(sem.locked(), true);
    });
  });

  it("SemaphoreTests.test_acquire_hang: a release after a cancel wakes the next waiter", async () => {
    await run(async () => {
      const sem = new Semaphore(0);
      const t1 = createTask(() => sem.acquire());
      const t2 = createTask(() => sem.acquire());
      await sleep(0);

      t1.cancel();
      sem.release();
      await sleep(0);
      // probe: t2 has its slot after one iteration.
      assert.ok(t1.cancelled());
      assert.ok(t2.done());
      await sleep(0);
      assert.equal(sem.locked(), true);
      assert.ok(t2.done());
    });
  });

  it("SemaphoreTests.test_acquire_no_hang: cancelling a woken waiter gives its slot back", async () => {
    await run(async () => {
      const sem = new Semaphore(1);
      // deno-lint-ignore prefer-const
      let t2: Task<void>;
      const c1 = async () => {
        {
          using _ = await sem.acquire();
          await sleep(0);
        }
        t2.cancel();
      };
      const c2 = async () => {
        using _ = await sem.acquire();
        assert.fail("c2 must be cancelled before it holds the semaphore");
      };
      const t1 = createTask(c1);
      t2 = createTask(c2);

      const [r1, r2] = await gather(t1, t2, { returnExceptions: true });
      assert.equal(r1, undefined);
      assert.ok(r2 instanceof CancelledError);

      await waitFor(sem.acquire(), 1.0);
    });
  });

  it("SemaphoreTests.test_release_not_acquired: BoundedSemaphore release without acquire is a RangeError (ValueError)", () => {
    const sem = new BoundedSemaphore();
    assert.throws(() => sem.release(), RangeError);
  });

  it("SemaphoreTests.test_release_no_waiters", async () => {
    await run(async () => {
      const sem = new Semaphore();
      await sem.acquire();
      assert.equal(sem.locked(), true);
      sem.release();
      assert.equal(sem.locked(), false);
    });
  });

  it("SemaphoreTests.test_acquire_fifo_order: tasks that release and acquire again queue behind the others", async () => {
    await run(async () => {
      const sem = new Semaphore(1);
      const result: string[] = [];
      const coro = async (tag: string) => {
        await sem.acquire();
        result.push(`${tag}_1`);
        await sleep(0.01);
        sem.release();

        await sem.acquire();
        result.push(`${tag}_2`);
        await sleep(0.01);
        sem.release();
      };
      await taskGroup((tg) => {
        tg.createTask(() => coro("c1"));
        tg.createTask(() => coro("c2"));
        tg.createTask(() => coro("c3"));
      });
      assert.deepEqual(result, [
        "c1_1",
        "c2_1",
        "c3_1",
        "c1_2",
        "c2_2",
        "c3_2",
      ]);
    });
  });

  it("SemaphoreTests.test_acquire_fifo_order_2: a release-then-acquire goes behind the waiters", async () => {
    await run(async () => {
      const sem = new Semaphore(1);
      const result: number[] = [];
      const c1 = async () => {
        await sem.acquire();
        result.push(1);
        return true;
      };
      const c2 = async () => {
        await sem.acquire();
        result.push(2);
        sem.release();
        await sem.acquire();
        result.push(4);
        return true;
      };
      const c3 = async () => {
        await sem.acquire();
        result.push(3);
        return true;
      };
      const tasks = [createTask(c1), createTask(c2), createTask(c3)];

      await sleep(0);
      assert.deepEqual(result, [1]); // probe

      sem.release();
      sem.release();

      // probe: CPython 3.13 finishes all three in two iterations.
      assert.equal(await sleepsUntilDone(tasks), 2);
      await gather(...tasks);
      assert.deepEqual(result, [1, 2, 3, 4]);
    });
  });

  it("SemaphoreTests.test_acquire_fifo_order_3: releases after a cancelled waiter go to the next ones", async () => {
    await run(async () => {
      const sem = new Semaphore(0);
      const result: number[] = [];
      const c = async (i: number) => {
        await sem.acquire();
        result.push(i);
        return true;
      };
      const tasks = [
        createTask(() => c(1)),
        createTask(() => c(2)),
        createTask(() => c(3)),
      ];

      await sleep(0);
      tasks[0].cancel();
      await sleep(0);
      assert.ok(tasks[0].cancelled()); // probe

      sem.release();
      sem.release();

      assert.equal(await sleepsUntilDone(tasks), 1); // probe
      await gather(tasks, { returnExceptions: true });
      assert.deepEqual(result, [2, 3]);
    });
  });

  it("SemaphoreTests.test_acquire_fifo_order_4: a successful acquire() wakes every waiter the free slots allow", async () => {
    // Python 3.11.7 fails this test (its Semaphore predates the 3.12 fix);
    // this follows 3.13.
    await run(async () => {
      const sem = new Semaphore(0);
      const result: number[] = [];
      let t4: Task<boolean> | null = null;

      const c4 = () => {
        result.push(4);
        return true;
      };
      const c1 = async () => {
        // First task immediately waits; it is woken by c2.
        assert.equal(sem.locked(), true); // CPython: sem._value == 0
        await sem.acquire();
        // CPython: sem._value == 0: c1 woke c2 and c3 with the two slots
        // left over (nobody else could; gather would hang).
        assert.equal(sem.locked(), true);
        // A fourth task; it must run after c3, not c2.
        t4 = createTask(c4);
        result.push(1);
        return true;
      };
      const c2 = async () => {
        // Releases three times, for c1, c2 and c3.
        sem.release();
        sem.release();
        sem.release();
        // CPython: sem._value == 2, yet locked: c1 has not woken up yet.
        assert.equal(sem.locked(), true);
        await sem.acquire();
        result.push(2);
        return true;
      };
      const c3 = async () => {
        await sem.acquire();
        assert.equal(sem.locked(), true);
        result.push(3);
        return true;
      };

      const t1 = createTask(c1);
      const t2 = createTask(c2);
      const t3 = createTask(c3);

      await sleep(0);
      // Three tasks are in the queue, the first has not woken up yet.
      // CPython: sem._value == 2, len(sem._waiters) == 3.
      assert.equal(sem.locked(), true);
      assert.deepEqual(result, []);
      assert.equal(t1.done() || t2.done() || t3.done(), false);
      await sleep(0);
      // probe: only c1 ran in that iteration; it created t4.
      assert.deepEqual(result, [1]);
      assert.ok(t4 !== null);
      assert.deepEqual([t1.done(), t2.done(), t3.done()], [true, false, false]);

      await gather(t1, t2, t3, t4);
      assert.deepEqual(result, [1, 2, 3, 4]);
    });
  });
});

describe("CPython 3.13 BarrierTests", () => {
  const N = 5;

  function makeTasks<T>(n: number, coro: () => Promise<T>): Task<T>[] {
    return Array.from({ length: n }, () => createTask(coro));
  }

  /**
   * CPython's gather_tasks. Before gathering, counts the sleeps until every
   * task is done: `sleeps` is what CPython 3.13 takes for the same
   * scenario (probe).
   */
  async function gatherTasks<T>(
    n: number,
    coro: () => Promise<T>,
    sleeps: number,
  ): Promise<[T[], Task<T>[]]> {
    const tasks = makeTasks(n, coro);
    const taken = await sleepsUntilDone(tasks);
    if (taken !== sleeps) {
      // Do not leave stuck tasks behind: they would keep run() from ending.
      for (const task of tasks) task.cancel();
      await gather(tasks, { returnExceptions: true });
    }
    assert.equal(taken, sleeps, "loop iterations");
    const res = await gather(tasks);
    return [res, tasks];
  }

  /**
   * What `"resetting" not in repr(barrier)` means, checked by behaviour
   * (probe): a new waiter gets in at once and counts in `nWaiting`, which
   * it would not while the barrier resets or drains.
   */
  async function assertFilling(barrier: Barrier): Promise<void> {
    const before = barrier.nWaiting;
    const probe = createTask(() => barrier.wait());
    await sleep(0);
    assert.equal(barrier.nWaiting, before + 1, "a new waiter gets in");
    probe.cancel();
    assert.ok(await errorOf(probe) instanceof CancelledError);
    assert.equal(barrier.nWaiting, before);
  }

  it("BarrierTests.test_repr: filling, draining, resetting and broken, iteration by iteration", async () => {
    await run(async () => {
      const barrier = new Barrier(N);
      assert.equal(barrier.nWaiting, 0);
      const waiters: Task<number>[] = [];
      const wait = () => barrier.wait();

      const incr = 2;
      for (let i = 0; i < incr; i++) waiters.push(createTask(wait));
      await sleep(0);
      // "[filling, waiters:2/5]"
      assert.equal(barrier.nWaiting, incr);
      assert.equal(barrier.broken, false);

      // create missing waiters
      for (let i = barrier.parties - barrier.nWaiting; i > 0; i--) {
        waiters.push(createTask(wait));
      }
      await sleep(0);
      // "draining": four tasks still inside, yet nWaiting is 0.
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
      assert.deepEqual(
        waiters.map((t) => t.done()),
        [false, false, false, false, true],
      );

      // add a part of waiters
      for (let i = 0; i < incr; i++) waiters.push(createTask(wait));
      await sleep(0);
      // probe: the round drained and the two new ones wait: "filling 2/5".
      assert.equal(barrier.nWaiting, incr);
      assert.deepEqual(
        waiters.map((t) => t.done()),
        [true, true, true, true, true, false, false],
      );
      // and reset
      await barrier.reset();
      // "resetting"
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);

      // add a part of waiters again
      for (let i = 0; i < incr; i++) waiters.push(createTask(wait));
      await sleep(0);
      // probe: the reset ended and the two new ones wait.
      assert.equal(barrier.nWaiting, incr);
      // and abort
      await barrier.abort();
      assert.equal(barrier.broken, true);
      assert.equal(barrier.nWaiting, 0);

      const outcomes = await gather(waiters, { returnExceptions: true });
      // probe
      assert.deepEqual(outcomeNames(outcomes), [
        0,
        1,
        2,
        3,
        4,
        "BrokenBarrierError",
        "BrokenBarrierError",
        "BrokenBarrierError",
        "BrokenBarrierError",
      ]);
    });
  });

  it("BarrierTests.test_barrier_parties: parties < 1 is a RangeError (ValueError)", () => {
    assert.throws(() => new Barrier(0), RangeError);
    assert.throws(() => new Barrier(-4), RangeError);
    assert.ok(new Barrier(N) instanceof Barrier);
  });

  it("BarrierTests.test_context_manager: three tasks pass with indices 0..2", async () => {
    await run(async () => {
      const n = 3;
      const barrier = new Barrier(n);
      const results: number[] = [];
      const coro = async () => {
        const i = await barrier.wait();
        results.push(i);
      };
      await gatherTasks(n, coro, 2);
      // probe: the last to arrive runs on first, the others in order.
      assert.deepEqual(results, [2, 0, 1]);
      assert.deepEqual([...results].sort(), [0, 1, 2]);
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  it("BarrierTests.test_filling_one_task", async () => {
    await run(async () => {
      const barrier = new Barrier(1);
      const f = async () => {
        await barrier.wait();
        return true;
      };
      assert.equal(await f(), true);
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  it("BarrierTests.test_filling_one_task_twice: a one-party barrier passes within one iteration", async () => {
    await run(async () => {
      const barrier = new Barrier(1);
      const t1 = createTask(() => barrier.wait());
      await sleep(0);
      assert.equal(barrier.nWaiting, 0);

      const t2 = createTask(() => barrier.wait());
      await sleep(0);

      assert.equal(t1.result(), t2.result());
      assert.equal(t1.result(), 0);
      assert.equal(t1.done(), t2.done());
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  it("BarrierTests.test_filling_task_by_task: nWaiting counts each arrival after one iteration", async () => {
    await run(async () => {
      const barrier = new Barrier(3);

      const t1 = createTask(() => barrier.wait());
      await sleep(0);
      assert.equal(barrier.nWaiting, 1);

      const t2 = createTask(() => barrier.wait());
      await sleep(0);
      assert.equal(barrier.nWaiting, 2);

      const t3 = createTask(() => barrier.wait());
      await sleep(0);
      // probe: t3 filled it and left; t1 and t2 are woken, not yet run.
      assert.deepEqual([t1.done(), t2.done(), t3.done()], [false, false, true]);
      assert.equal(barrier.nWaiting, 0);
      await sleep(0);
      // probe: one more iteration drains both.
      assert.deepEqual([t1.result(), t2.result(), t3.result()], [0, 1, 2]);

      await wait([t1, t2, t3]);
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  it("BarrierTests.test_filling_tasks_wait_twice", async () => {
    await run(async () => {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      const coro = async () => {
        await barrier.wait();
        results.push(true);
        await barrier.wait();
        results.push(false);
      };
      await gatherTasks(N, coro, 4);
      assert.equal(results.length, N * 2);
      // probe: the whole first round passes before anyone passes again.
      assert.deepEqual(results, [
        ...Array(N).fill(true),
        ...Array(N).fill(false),
      ]);
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  it("BarrierTests.test_filling_tasks_check_return_value", async () => {
    await run(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const coro = async () => {
        await barrier.wait();
        results1.push(true);
        const i = await barrier.wait();
        results2.push(true);
        return i;
      };
      const [res] = await gatherTasks(N, coro, 4);
      assert.deepEqual(results1, Array(N).fill(true));
      assert.deepEqual(results2, Array(N).fill(true));
      // probe: the second round's arrival order, task by task.
      assert.deepEqual(res, [2, 3, 4, 0, 1]);
      assert.deepEqual([...res].sort(), [0, 1, 2, 3, 4]);
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  it("BarrierTests.test_draining_state: the barrier drains until the last task is out", async () => {
    await run(async () => {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      let left = 0;
      const coro = async () => {
        await barrier.wait();
        left++;
        // CPython: "draining" in repr(barrier). N - left tasks are still
        // inside; while filling, nWaiting would count them.
        results.push(N - left > 0 && barrier.nWaiting === 0);
      };
      await gatherTasks(N, coro, 2);
      assert.equal(results.length, N);
      assert.equal(results[N - 1], false);
      assert.ok(results.slice(0, N - 1).every((r) => r));
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  it("BarrierTests.test_blocking_tasks_while_draining", async () => {
    await run(async () => {
      const rewait = 2;
      const barrier = new Barrier(N);
      const barrierNowaiting = new Barrier(N - rewait);
      let rewaitN = rewait;
      const coro = async () => {
        // first time waiting
        await barrier.wait();
        // after waiting once for all tasks
        if (rewaitN > 0) {
          rewaitN--;
          // wait again only for rewait tasks
          await barrier.wait();
        } else {
          // wait for end of draining state
          await barrierNowaiting.wait();
          // wait for other waiting tasks
          await barrier.wait();
        }
      };
      // a success means that barrierNowaiting was waited for exactly
      // N - rewait = 3 times
      await gatherTasks(N, coro, 4);
    });
  });

  it("BarrierTests.test_filling_tasks_cancel_one: a cancelled waiter leaves nWaiting at once", async () => {
    await run(async () => {
      const n = 3;
      const barrier = new Barrier(n);
      const results: boolean[] = [];
      const coro = async () => {
        await barrier.wait();
        results.push(true);
      };

      const t1 = createTask(coro);
      await sleep(0);
      assert.equal(barrier.nWaiting, 1);

      const t2 = createTask(coro);
      await sleep(0);
      assert.equal(barrier.nWaiting, 2);

      t1.cancel();
      await sleep(0);
      assert.equal(barrier.nWaiting, 1);
      assert.ok(await errorOf(t1) instanceof CancelledError);
      assert.ok(t1.cancelled());

      const t3 = createTask(coro);
      await sleep(0);
      assert.equal(barrier.nWaiting, 2);

      const t4 = createTask(coro);
      assert.equal(await sleepsUntilDone([t2, t3, t4]), 2); // probe
      await gather(t2, t3, t4);

      assert.deepEqual(results, Array(n).fill(true));
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  it("BarrierTests.test_reset_barrier: reset() of an idle barrier finishes in one iteration", async () => {
    await run(async () => {
      const barrier = new Barrier(1);
      const reset = createTask(() => barrier.reset());
      await sleep(0);
      assert.ok(reset.done()); // probe
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, false);
    });
  });

  it("BarrierTests.test_reset_barrier_while_tasks_waiting: waiters get BrokenBarrierError", async () => {
    await run(async () => {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      const coro = async () => {
        try {
          await barrier.wait();
        } catch (error) {
          if (!(error instanceof BrokenBarrierError)) throw error;
          results.push(true);
        }
      };
      const coroReset = async () => {
        await barrier.reset();
      };

      // N-1 tasks waiting on barrier with N parties
      const tasks = makeTasks(N - 1, coro);
      await sleep(0);
      assert.equal(barrier.nWaiting, N - 1); // probe

      // reset the barrier
      const reset = createTask(coroReset);
      assert.equal(await sleepsUntilDone(tasks), 2); // probe
      assert.ok(reset.done()); // probe
      await gather(tasks);

      assert.deepEqual(results, Array(N - 1).fill(true));
      assert.equal(barrier.nWaiting, 0);
      await assertFilling(barrier); // "resetting" not in repr
      assert.equal(barrier.broken, false);
    });
  });

  it("BarrierTests.test_reset_barrier_when_tasks_half_draining", async () => {
    await run(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const restOfTasks = Math.floor(N / 2);
      // Every task is inside until it leaves wait(): CPython's
      // barrier._count is N minus the tasks that left.
      let left = 0;
      const resetters: number[] = [];
      const coro = async () => {
        let i: number;
        try {
          i = await barrier.wait();
        } catch (error) {
          if (!(error instanceof BrokenBarrierError)) throw error;
          left++;
          // catch here waiting tasks
          results1.push(true);
          return;
        }
        left++;
        // here drained task outside the barrier
        if (restOfTasks === N - left) {
          // tasks outside the barrier
          resetters.push(i);
          await barrier.reset();
        }
      };
      await gatherTasks(N, coro, 2);

      assert.deepEqual(resetters, [1]); // probe: the third task out resets
      assert.deepEqual(results1, Array(restOfTasks).fill(true));
      assert.equal(barrier.nWaiting, 0);
      await assertFilling(barrier);
      assert.equal(barrier.broken, false);
    });
  });

  it("BarrierTests.test_reset_barrier_when_tasks_half_draining_half_blocking", async () => {
    await run(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blockingTasks = Math.floor(N / 2);
      let count = 0;
      const coro = async () => {
        try {
          await barrier.wait();
        } catch (error) {
          if (!(error instanceof BrokenBarrierError)) throw error;
          // here catch still waiting tasks
          results1.push(true);
          // so now waiting again to reach nb_parties
          await barrier.wait();
          return;
        }
        count++;
        if (count > blockingTasks) {
          // reset now: raise BrokenBarrierError for waiting tasks
          await barrier.reset();
          // so now waiting again to reach nb_parties
          await barrier.wait();
        } else {
          try {
            await barrier.wait();
          } catch (error) {
            if (!(error instanceof BrokenBarrierError)) throw error;
            // here no catch - blocked tasks go to wait
            results2.push(true);
          }
        }
      };
      await gatherTasks(N, coro, 4);

      assert.deepEqual(results1, Array(blockingTasks).fill(true));
      assert.deepEqual(results2, []);
      assert.equal(barrier.nWaiting, 0);
      await assertFilling(barrier);
      assert.equal(barrier.broken, false);
    });
  });

  it("BarrierTests.test_reset_barrier_while_tasks_draining", async () => {
    await run(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const results3: boolean[] = [];
      let count = 0;
      const coro = async () => {
        await barrier.wait();
        count++;
        if (count === N) {
          // last task exited from barrier
          await barrier.reset();
          // wait here to reach the `parties`
          await barrier.wait();
        } else {
          try {
            // second waiting
            await barrier.wait();
            // N-1 tasks here
            results1.push(true);
          } catch {
            // never goes here
            results2.push(true);
          }
        }
        // Now, pass the barrier again
        // last wait, must be completed
        await barrier.wait();
        results3.push(true);
      };
      await gatherTasks(N, coro, 6);

      assert.equal(barrier.broken, false);
      assert.deepEqual(results1, Array(N - 1).fill(true));
      assert.deepEqual(results2, []);
      assert.deepEqual(results3, Array(N).fill(true));
      assert.equal(barrier.nWaiting, 0);
    });
  });

  it("BarrierTests.test_abort_barrier: abort() of an idle barrier finishes in one iteration", async () => {
    await run(async () => {
      const barrier = new Barrier(1);
      const abort = createTask(() => barrier.abort());
      await sleep(0);
      assert.ok(abort.done()); // probe
      assert.equal(barrier.nWaiting, 0);
      assert.equal(barrier.broken, true);
    });
  });

  it("BarrierTests.test_abort_barrier_when_tasks_half_draining_half_blocking", async () => {
    await run(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blockingTasks = Math.floor(N / 2);
      let count = 0;
      const coro = async () => {
        try {
          await barrier.wait();
        } catch (error) {
          if (!(error instanceof BrokenBarrierError)) throw error;
          // here catch tasks waiting to drain
          results1.push(true);
          return;
        }
        count++;
        if (count > blockingTasks) {
          // abort now: raise BrokenBarrierError for all tasks
          await barrier.abort();
        } else {
          try {
            await barrier.wait();
          } catch (error) {
            if (!(error instanceof BrokenBarrierError)) throw error;
            // here catch blocked tasks (already drained)
            results2.push(true);
          }
        }
      };
      await gatherTasks(N, coro, 3);

      assert.equal(barrier.broken, true);
      assert.deepEqual(results1, Array(blockingTasks).fill(true));
      assert.deepEqual(results2, Array(N - blockingTasks - 1).fill(true));
      assert.equal(barrier.nWaiting, 0);
    });
  });

  it("BarrierTests.test_abort_barrier_when_exception", async () => {
    await run(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const coro = async () => {
        try {
          const i = await barrier.wait();
          if (i === Math.floor(N / 2)) throw new RuntimeError("party failed");
          await barrier.wait();
          results1.push(true);
        } catch (error) {
          // BrokenBarrierError is a RuntimeError: test it first.
          if (error instanceof BrokenBarrierError) {
            results2.push(true);
          } else if (error instanceof RuntimeError) {
            await barrier.abort();
          } else {
            throw error;
          }
        }
      };
      await gatherTasks(N, coro, 3);

      assert.equal(barrier.broken, true);
      assert.deepEqual(results1, []);
      assert.deepEqual(results2, Array(N - 1).fill(true));
      assert.equal(barrier.nWaiting, 0);
    });
  });

  it("BarrierTests.test_abort_barrier_when_exception_then_resetting", async () => {
    await run(async () => {
      const barrier1 = new Barrier(N);
      const barrier2 = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const results3: boolean[] = [];
      const coro = async () => {
        try {
          const i = await barrier1.wait();
          if (i === Math.floor(N / 2)) throw new RuntimeError("party failed");
          await barrier1.wait();
          results1.push(true);
        } catch (error) {
          if (error instanceof BrokenBarrierError) {
            results2.push(true);
          } else if (error instanceof RuntimeError) {
            await barrier1.abort();
          } else {
            throw error;
          }
        }
        // Synchronize and reset the barrier. Must synchronize first so that
        // everyone has left it when we reset, and after so that no one
        // enters it before the reset.
        const i = await barrier2.wait();
        if (i === Math.floor(N / 2)) await barrier1.reset();
        await barrier2.wait();
        await barrier1.wait();
        results3.push(true);
      };
      await gatherTasks(N, coro, 7);

      assert.equal(barrier1.broken, false);
      assert.deepEqual(results1, []);
      assert.deepEqual(results2, Array(N - 1).fill(true));
      assert.deepEqual(results3, Array(N).fill(true));
      assert.equal(barrier1.nWaiting, 0);
    });
  });

  // Last in the file, out of CPython's order: its tasks wait on the barrier
  // again in `finally`, so if it fails, run() cannot cancel them and never
  // ends (in CPython too), which would stop the tests after it.
  it("BarrierTests.test_reset_barrier_while_tasks_waiting_and_waiting_again", async () => {
    await run(async () => {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const coro1 = async () => {
        try {
          await barrier.wait();
        } catch (error) {
          if (!(error instanceof BrokenBarrierError)) throw error;
          results1.push(true);
        } finally {
          await barrier.wait();
          results2.push(true);
        }
      };
      const coro2 = async () => {
        await barrier.wait();
        results2.push(true);
      };

      const tasks = makeTasks(N - 1, coro1);

      // reset barrier, N-1 waiting tasks raise an BrokenBarrierError
      const reset = createTask(() => barrier.reset());
      await sleep(0);
      // probe: "resetting", the reset done, the waiters not yet woken.
      assert.ok(reset.done());
      assert.equal(barrier.nWaiting, 0);
      assert.ok(tasks.every((t) => !t.done()));

      // complete waiting tasks in the `finally`
      const last = createTask(coro2);
      assert.equal(await sleepsUntilDone([...tasks, last]), 3); // probe
      await gather(tasks);

      assert.equal(barrier.broken, false);
      assert.deepEqual(results1, Array(N - 1).fill(true));
      assert.deepEqual(results2, Array(N).fill(true));
      assert.equal(barrier.nWaiting, 0);
    });
  });
});
