/**
 * CPython 3.13's `Lib/test/test_asyncio/test_eager_task_factory.py`
 * (3.13.0), ported. Each `it` is named after the CPython test it ports;
 * CPython's Python and C task variants (`PyEagerTaskFactoryLoopTests`,
 * `CEagerTaskFactoryLoopTests`, `EagerPyTaskTests`, ...) collapse into one
 * run per factory. Every expectation was checked against CPython 3.13.0
 * running the same scenario. CPython's `sleep(0.1)` runs on the virtual
 * clock.
 *
 * What JavaScript changes: an eager task calls its body inside
 * `createTask`, and the body runs up to its first `await` there, as in
 * CPython. But a promise cannot be read synchronously, so a task whose
 * body is an async function is not done when `createTask` returns even
 * when that body never suspends; it is done before the loop runs any other
 * callback, so its eager step still takes no loop iteration. Each CPython
 * case about a task that "completes during its eager step" is therefore
 * ported twice: with a plain function body, which is done inside
 * `createTask` as in CPython, and with an async body, asserting what JS
 * guarantees.
 *
 * `test_context_vars` uses a user's `AsyncLocalStorage` as the
 * `ContextVar`, `enterWith()` as `set()`. Not ported: `test_issue105987`
 * (C's `_swap_current_task`) and `test_issue122332` (`Task.get_coro()`,
 * which the port has no counterpart of).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  allTasks,
  type CoroutineFunction,
  createEagerTaskFactory,
  createTask,
  currentTask,
  eagerTaskFactory,
  type EventLoop,
  type Future,
  gather,
  type NewTaskOptions,
  sleep,
  Task,
  type TaskFactory,
  taskGroup,
} from "../../mod.ts";
import { VirtualClockLoop } from "../../testing/mod.ts";

/**
 * CPython's `run_coro`: runs `main` as the main task of a fresh loop that
 * has `factory` as its task factory, and closes the loop.
 */
async function runCoro<T>(
  factory: TaskFactory | null,
  main: (loop: EventLoop) => Promise<T>,
): Promise<T> {
  const loop = new VirtualClockLoop();
  loop.setTaskFactory(factory);
  try {
    return await loop.runUntilComplete(() => main(loop));
  } finally {
    loop.close();
  }
}

/**
 * What the first callback the loop runs after this call sees of `task`:
 * whether it is done.
 */
function doneAtNextCallback(
  loop: EventLoop,
  task: Future<unknown>,
): Future<boolean> {
  const seen = loop.createFuture<boolean>();
  loop.callSoon(() => seen.setResult(task.done()));
  return seen;
}

class SubTask<T> extends Task<T> {}

const FACTORIES: [string, () => TaskFactory, typeof Task][] = [
  ["eagerTaskFactory", () => eagerTaskFactory, Task],
  ["createEagerTaskFactory(Task)", () => createEagerTaskFactory(Task), Task],
  [
    "createEagerTaskFactory(a Task subclass)",
    () => createEagerTaskFactory(SubTask),
    SubTask,
  ],
];

for (const [label, makeFactory, TaskClass] of FACTORIES) {
  describe(`CPython test_eager_task_factory.py: EagerTaskFactoryLoopTests, ${label}`, () => {
    it("test_eager_task_factory_set: the loop's factory builds the given class", async () => {
      const factory = makeFactory();
      await runCoro(factory, async (loop) => {
        assert.equal(loop.getTaskFactory(), factory);
        const t = loop.createTask(async () => {});
        assert.ok(t instanceof TaskClass);
        await t;
        const viaCreateTask = createTask(async () => {});
        assert.ok(viaCreateTask instanceof TaskClass);
        await viaCreateTask;
      });
    });

    it("test_await_future_during_eager_step (plain function body): done inside createTask", async () => {
      const result = await runCoro(makeFactory(), async (loop) => {
        const fut = loop.createFuture<string>();
        const t = loop.createTask(() => {
          fut.setResult("my message");
        });
        // The eager step completed the task.
        assert.equal(t.done(), true);
        return await fut;
      });
      assert.equal(result, "my message");
    });

    it("test_await_future_during_eager_step (async body): ran inside createTask, done at the next callback", async () => {
      const result = await runCoro(makeFactory(), async (loop) => {
        const fut = loop.createFuture<string>();
        const t = loop.createTask(async () => {
          fut.setResult("my message");
        });
        // The body ran to its end inside createTask...
        assert.equal(fut.done(), true);
        // ...but its promise cannot be read at once.
        assert.equal(t.done(), false);
        assert.equal(await doneAtNextCallback(loop, t), true);
        assert.equal(t.result(), undefined);
        return await fut;
      });
      assert.equal(result, "my message");
    });

    it("test_eager_completion (plain function body): done inside createTask", async () => {
      const result = await runCoro(makeFactory(), async (loop) => {
        const t = loop.createTask(() => "hello");
        assert.equal(t.done(), true);
        assert.equal(t.result(), "hello");
        return await t;
      });
      assert.equal(result, "hello");
    });

    it("test_eager_completion (async body): done before the loop's next callback", async () => {
      const result = await runCoro(makeFactory(), async (loop) => {
        const t = loop.createTask(async () => "hello");
        assert.equal(t.done(), false);
        assert.equal(await doneAtNextCallback(loop, t), true);
        return await t;
      });
      assert.equal(result, "hello");
    });

    it("test_block_after_eager_step: a task that suspends is not done until it resumes", async () => {
      const result = await runCoro(makeFactory(), async (loop) => {
        const t = loop.createTask(async () => {
          await sleep(0.1);
          return "finished after blocking";
        });
        assert.equal(t.done(), false);
        assert.equal(await doneAtNextCallback(loop, t), false);
        const result = await t;
        assert.equal(t.done(), true);
        assert.equal(loop.time(), 0.1);
        return result;
      });
      assert.equal(result, "finished after blocking");
    });

    it("test_cancellation_after_eager_completion (plain function body): cancel() is refused", async () => {
      const result = await runCoro(makeFactory(), async (loop) => {
        const t = loop.createTask(() => "finished without blocking");
        assert.equal(t.cancel(), false);
        assert.equal(t.cancelling(), 0);
        const result = await t;
        // A finished task can't be cancelled.
        assert.equal(t.cancelled(), false);
        return result;
      });
      assert.equal(result, "finished without blocking");
    });

    it("test_cancellation_after_eager_completion (async body): a cancel before its promise is read wins", async () => {
      // JS: the body has returned, but the task cannot know it yet: its
      // eager step is not over. A cancel() then is as one during the task's
      // last step, which CPython honours (an eager task that cancels itself
      // and returns ends cancelled; BaseTaskTests.test_cancel_at_end).
      await runCoro(makeFactory(), async (loop) => {
        const t = loop.createTask(async () => "finished without blocking");
        assert.equal(t.cancel("too late?"), true);
        await assert.rejects(async () => await t, {
          name: "CancelledError",
          message: "too late?",
        });
        assert.equal(t.cancelled(), true);
      });
    });

    it("test_cancellation_after_eager_step_blocks: the cancel reaches the awaiting main task", async () => {
      await assert.rejects(
        runCoro(makeFactory(), async (loop) => {
          const t = loop.createTask(async () => {
            await sleep(0.1);
            return "finished after blocking";
          });
          t.cancel("cancellation message");
          assert.ok(t.cancelling() > 0);
          await t;
        }),
        { name: "CancelledError", message: "cancellation message" },
      );
    });

    it("test_current_task: the task is current in its eager step and after it blocked", async () => {
      await runCoro(makeFactory(), async (loop) => {
        let captured: Task<unknown> | null = null;
        const t = loop.createTask(async () => {
          captured = currentTask();
          // The task before and after blocking is the same.
          await sleep(0.1);
          assert.equal(currentTask(), captured);
        });
        assert.equal(captured, t);
        await t;
      });
    });

    it("test_all_tasks_with_eager_completion (plain function body): listed during its step only", async () => {
      await runCoro(makeFactory(), async (loop) => {
        let captured: Set<Task<unknown>> | null = null;
        const t = loop.createTask(() => {
          captured = allTasks();
        });
        assert.ok(captured!.has(t));
        assert.equal(allTasks().has(t), false);
      });
    });

    it("test_all_tasks_with_eager_completion (async body): listed until it is done", async () => {
      await runCoro(makeFactory(), async (loop) => {
        let captured: Set<Task<unknown>> | null = null;
        const t = loop.createTask(async () => {
          captured = allTasks();
        });
        assert.ok(captured!.has(t));
        // JS: still pending here, so still listed.
        assert.equal(allTasks().has(t), true);
        assert.equal(await doneAtNextCallback(loop, t), true);
        assert.equal(allTasks().has(t), false);
      });
    });

    it("test_all_tasks_with_blocking: a suspended eager task is listed until done", async () => {
      await runCoro(makeFactory(), async (loop) => {
        let captured: Set<Task<unknown>> | null = null;
        const fut1 = loop.createFuture<void>();
        const fut2 = loop.createFuture<void>();
        const t = loop.createTask(async () => {
          captured = allTasks();
          await fut1;
          fut2.setResult();
        });
        assert.ok(captured!.has(t));
        assert.ok(allTasks().has(t));
        fut1.setResult();
        await fut2;
        assert.equal(allTasks().has(t), false);
      });
    });

    it("test_context_vars: the eager step runs in the task's own copy of the context", async () => {
      // The ContextVar: `cv.get()` is `cv.getStore() ?? 0`.
      const cv = new AsyncLocalStorage<number>();
      const get = () => cv.getStore() ?? 0;
      let coroFirstStepRan = false;
      let coroSecondStepRan = false;
      await runCoro(makeFactory(), async (loop) => {
        cv.enterWith(1);
        const t = loop.createTask(async () => {
          assert.equal(get(), 1);
          cv.enterWith(2);
          assert.equal(get(), 2);
          coroFirstStepRan = true;
          await sleep(0.1);
          assert.equal(get(), 2);
          cv.enterWith(3);
          assert.equal(get(), 3);
          coroSecondStepRan = true;
        });
        assert.equal(coroFirstStepRan, true);
        assert.equal(coroSecondStepRan, false);
        assert.equal(get(), 1);
        await t;
        assert.equal(coroSecondStepRan, true);
        assert.equal(get(), 1);
      });
    });
  });
}

describe("CPython test_eager_task_factory.py: eager steps and loop iterations", () => {
  // From `run_coro`'s docstring: "an eager step is taken only if the event
  // loop is already running". CPython 3.13.0 logs
  // ['after create_task', ('body', True)] (`loop.create_task()` before
  // `run_until_complete()`), and its main task sees the loop running.
  it("run_coro: no eager step before the loop runs", async () => {
    const loop = new VirtualClockLoop();
    loop.setTaskFactory(eagerTaskFactory);
    const log: unknown[] = [];
    try {
      const t = loop.createTask(() => {
        log.push(["body", loop.isRunning()]);
        return 1;
      });
      log.push("after createTask");
      assert.equal(t.done(), false);
      assert.equal(await loop.runUntilComplete(t), 1);
      assert.equal(await loop.runUntilComplete(() => loop.isRunning()), true);
    } finally {
      loop.close();
    }
    assert.deepEqual(log, ["after createTask", ["body", true]]);
  });

  // CPython 3.13.0: ['body', ('created', True), ('soon', True),
  // ('after sleep0', True)]: the eager task completes before a callback
  // scheduled before it was created.
  it("a task that never suspends takes no loop iteration (plain function and async bodies)", async () => {
    const bodies: [(log: unknown[]) => unknown, boolean][] = [
      [(log) => {
        log.push("body");
        return "v";
      }, true],
      [async (log) => {
        log.push("body");
        return "v";
      }, false],
    ];
    for (const [body, doneInsideCreateTask] of bodies) {
      const log = await runCoro(eagerTaskFactory, async (loop) => {
        const log: unknown[] = [];
        let t: Task<unknown> | null = null;
        loop.callSoon(() => log.push(["soon", t!.done()]));
        t = loop.createTask(() => body(log));
        log.push(["created", t.done()]);
        await sleep(0);
        log.push(["after sleep(0)", t.done()]);
        assert.equal(t.result(), "v");
        return log;
      });
      assert.deepEqual(log, [
        "body",
        ["created", doneInsideCreateTask],
        ["soon", true],
        ["after sleep(0)", true],
      ]);
    }
  });

  // CPython 3.13.0: ['body1', 'created', 'soon A', 'body2', 'soon B',
  // 'creator'].
  it("a task that suspended in its eager step resumes as an ordinary task", async () => {
    const log = await runCoro(eagerTaskFactory, async (loop) => {
      const log: string[] = [];
      loop.callSoon(() => log.push("soon A"));
      const t = createTask(async () => {
        log.push("body1");
        await sleep(0);
        log.push("body2");
      });
      log.push("created");
      loop.callSoon(() => log.push("soon B"));
      await sleep(0);
      log.push("creator");
      await t;
      return log;
    });
    assert.deepEqual(log, [
      "body1",
      "created",
      "soon A",
      "body2",
      "soon B",
      "creator",
    ]);
  });

  // CPython 3.13.0: an eager task whose coroutine raises at once is done
  // inside create_task with the error as its exception.
  it("a body that throws at once fails the task (plain function and async bodies)", async () => {
    await runCoro(eagerTaskFactory, async (loop) => {
      const plain = loop.createTask((): never => {
        throw new RangeError("at once");
      });
      assert.equal(plain.done(), true);
      assert.ok(plain.exception() instanceof RangeError);

      const asyncBody = loop.createTask(async () => {
        throw new RangeError("at once");
      });
      assert.equal(asyncBody.done(), false);
      assert.equal(await doneAtNextCallback(loop, asyncBody), true);
      assert.ok(asyncBody.exception() instanceof RangeError);
    });
  });

  // CPython 3.13.0 gives the name to the task after the factory built it
  // (loop.create_task calls task.set_name(name)), so there the body's eager
  // step still sees 'Task-N'; the port passes it to the factory.
  it("createTask's name reaches the eager task", async () => {
    await runCoro(eagerTaskFactory, async () => {
      let seen: string | undefined;
      const t = createTask(() => {
        seen = currentTask()!.getName();
      }, { name: "eager-one" });
      assert.equal(t.getName(), "eager-one");
      assert.equal(seen, "eager-one");
      const blocked = createTask(() => sleep(0.01), { name: "blocked" });
      assert.equal(blocked.getName(), "blocked");
      assert.ok(allTasks().has(blocked));
      await blocked;
    });
  });
});

// -- BaseTaskCountingTests ----------------------------------------------

/**
 * CPython's `AsyncTaskCounter`: sets a factory on `loop` whose tasks count
 * themselves unless they are started eagerly.
 */
function countTasks(loop: EventLoop, eager: boolean): () => number {
  let taskCount = 0;
  class CountingTask<T> extends Task<T> {
    constructor(
      fn: CoroutineFunction<T>,
      options?: NewTaskOptions,
    ) {
      super(fn, options);
      if (!options?.eagerStart) taskCount++;
    }
  }
  const factory: TaskFactory = eager
    ? createEagerTaskFactory(CountingTask)
    : (loop, fn, options) => new CountingTask(fn, { ...options, loop });
  loop.setTaskFactory(factory);
  return () => taskCount;
}

async function awaitableChain(depth: number): Promise<number> {
  if (depth === 0) return 0;
  return 1 + await awaitableChain(depth - 1);
}

async function recursiveTaskgroups(
  width: number,
  depth: number,
): Promise<void> {
  if (depth === 0) return;
  await taskGroup((tg) => {
    for (let i = 0; i < width; i++) {
      tg.createTask(() => recursiveTaskgroups(width, depth - 1));
    }
  });
}

async function recursiveGather(width: number, depth: number): Promise<void> {
  if (depth === 0) return;
  await gather(
    Array.from(
      { length: width },
      () => () => recursiveGather(width, depth - 1),
    ),
  );
}

/** Runs `main` on a fresh loop with a counting factory; the task count. */
async function countedRun<T>(
  eager: boolean,
  main: () => Promise<T>,
): Promise<[T, number]> {
  const loop = new VirtualClockLoop();
  const count = countTasks(loop, eager);
  try {
    const result = await loop.runUntilComplete(main);
    return [result, count()];
  } finally {
    loop.close();
  }
}

for (
  const [eager, suite, expectedTaskCount] of [
    [false, "NonEagerTests", 781], // 1 + 5 + 5^2 + 5^3 + 5^4
    [true, "EagerTests", 0],
  ] as const
) {
  describe(`CPython test_eager_task_factory.py: ${suite} (BaseTaskCountingTests)`, () => {
    it(`${suite}.test_awaitables_chain`, async () => {
      const [observedDepth, count] = await countedRun(
        eager,
        () => awaitableChain(100),
      );
      assert.equal(observedDepth, 100);
      assert.equal(count, eager ? 0 : 1);
    });

    it(`${suite}.test_recursive_taskgroups`, async () => {
      const [, count] = await countedRun(
        eager,
        () => recursiveTaskgroups(5, 4),
      );
      assert.equal(count, expectedTaskCount);
    });

    it(`${suite}.test_recursive_gather`, async () => {
      const [, count] = await countedRun(eager, () => recursiveGather(5, 4));
      assert.equal(count, expectedTaskCount);
    });
  });
}

describe("CPython 3.13 TaskGroup.create_task with an eager task", () => {
  // taskgroups.py: "Immediately call the done callback if the task is
  // already done". CPython 3.13.0 logs [('after', 1), ('group', ['boom'],
  // True)]: the group aborts inside create_task.
  it("a child that fails in its eager step aborts the group at once", async () => {
    const log: unknown[] = [];
    await runCoro(eagerTaskFactory, async () => {
      let sibling: Task<unknown> | null = null;
      try {
        await taskGroup(async (tg) => {
          sibling = tg.createTask(() => sleep(10));
          tg.createTask(() => {
            throw new RangeError("boom");
          });
          log.push(["after", sibling.cancelling()]);
          await sleep(0);
        });
      } catch (error) {
        const errors = (error as AggregateError).errors;
        log.push([
          "group",
          errors.map((e: Error) => e.message),
          sibling!.cancelled(),
        ]);
      }
    });
    assert.deepEqual(log, [["after", 1], ["group", ["boom"], true]]);
  });
});
