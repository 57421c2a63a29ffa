/**
 * CPython 3.13's own `asyncio.run()` and `asyncio.Runner` test cases, from
 * `Lib/test/test_asyncio/test_runners.py` (3.13.0), ported. Each `it` is
 * named after the CPython test it ports. Extra checks beyond CPython's own
 * asserts were checked against CPython 3.13 running the same scenario.
 *
 * Translations:
 * - CPython's `BaseTest` installs a policy whose loops are mocked
 *   `BaseEventLoop`s and checks, after each test, that the loop the policy
 *   was given is closed and that `shutdown_asyncgens()` ran. Here the
 *   policy makes `VirtualClockLoop`s (a plain `EventLoop` where a test
 *   spins on `sleep(0)` and must let real time pass) and the check is the
 *   equivalent closing step this library has: `shutdownDefaultExecutor()`
 *   ran (there is no async-generator tracking to shut down).
 * - A coroutine object is an async function: `run(main)`. What CPython
 *   refuses with `ValueError("a coroutine was expected")` (an int, a plain
 *   function, a future) is anything but a function here, refused with a
 *   `TypeError` as the README and the API map say.
 * - `with Runner() as runner:` is `await using runner = new Runner()`; a
 *   second `with` block, which CPython refuses on entry, is a second
 *   `run()` after the close.
 * - `mock.patch('asyncio.coroutines._is_debug_mode')` is the `AIO_DEBUG`
 *   environment variable.
 * - A `ContextVar` is an `AsyncLocalStorage`, `cvar.set()` is
 *   `enterWith()`, `copy_context().get(cvar)` is `getStore()`.
 * - `_thread.interrupt_main()`, which simulates a SIGINT arriving in the
 *   main thread, is `process.emit("SIGINT")`: it calls the process's SIGINT
 *   listeners in place, as the signal would, without a real signal (a real
 *   one would reach the test runner; tests/loop/ctrl_c_test.ts sends real
 *   ones to child processes). CPython's tests assert that no SIGINT
 *   handler of someone else's is installed (they run in the main thread
 *   with the default handler); here a test runner's own SIGINT listeners
 *   are set aside for the length of such a test, since `run()` steps aside
 *   for any.
 *
 * Not ported:
 * - `RunTests.test_asyncio_run_without_uncancel`: a duck-typed `Task`
 *   class without `uncancel()` returned by a task factory; a task factory
 *   here must return a real `Task`.
 * - `RunnerTests.test_signal_install_not_supported_ok`: patches
 *   `signal.signal` to raise; listening for a signal cannot fail that way
 *   here (the off-main-thread case is in tests/loop/ctrl_c_test.ts).
 * - `RunnerTests.test_no_repr_is_call_on_the_task_result`: about `repr()`
 *   being called in CPython's debug formatting (repr formats).
 * - The `RuntimeWarning: coroutine ... was never awaited` half of
 *   `test_recursive_run`: there are no coroutine objects to leave
 *   unawaited; the port checks that the inner function never ran instead.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import process from "node:process";
import { errorOf } from "../sync/helpers.ts";
import {
  CancelledError,
  createTask,
  currentTask,
  EventLoop,
  type EventLoopPolicy,
  type ExceptionContext,
  getEventLoop,
  getEventLoopPolicy,
  getRunningLoop,
  KeyboardInterrupt,
  run,
  Runner,
  RuntimeError,
  setEventLoopPolicy,
  sleep,
  type Task,
} from "../../mod.ts";
import { VirtualClockLoop } from "../../testing/mod.ts";
import { ZeroDivisionError } from "../fixtures/cpython_utils.ts";

/** The loops whose `shutdownDefaultExecutor()` ran. */
const executorShutDown = new WeakSet<EventLoop>();

/**
 * A new loop for the tests (CPython's `BaseTest.new_loop`): virtual unless
 * asked for a real clock, with `shutdownDefaultExecutor` patched to note
 * that it ran, as CPython patches `shutdown_asyncgens`.
 */
function newLoop(virtual = true): EventLoop {
  const loop = virtual ? new VirtualClockLoop() : new EventLoop();
  const shutdown = loop.shutdownDefaultExecutor.bind(loop);
  loop.shutdownDefaultExecutor = (timeout?: number | null) => {
    executorShutDown.add(loop);
    return shutdown(timeout);
  };
  return loop;
}

/** CPython's `TestPolicy`. */
class TestPolicy implements EventLoopPolicy {
  loop: EventLoop | null = null;
  /** Every call of `setEventLoop`, as `mock.Mock()` would record it. */
  setEventLoopCalls: (EventLoop | null)[] = [];

  constructor(readonly loopFactory: () => EventLoop) {}

  getEventLoop(): EventLoop {
    // Should never be called by run().
    throw new RuntimeError("TestPolicy.getEventLoop() was called");
  }

  newEventLoop(): EventLoop {
    return this.loopFactory();
  }

  setEventLoop(loop: EventLoop | null): void {
    this.setEventLoopCalls.push(loop);
    // To check in tearDown that the loop was closed.
    if (loop !== null) this.loop = loop;
  }
}

/**
 * CPython's `BaseTest`: runs `body` with a `TestPolicy` installed, then
 * checks that the loop the policy was given is closed and was shut down.
 */
async function baseTest(
  body: (policy: TestPolicy) => Promise<void>,
  { virtual = true } = {},
): Promise<void> {
  setEventLoopPolicy(new TestPolicy(() => newLoop(virtual)));
  try {
    await body(getEventLoopPolicy() as TestPolicy);
    const policy = getEventLoopPolicy() as TestPolicy;
    if (policy.loop !== null) {
      assert.equal(policy.loop.isClosed(), true);
      assert.equal(executorShutDown.has(policy.loop), true);
    }
  } finally {
    setEventLoopPolicy(null);
  }
}

/** Runs `body` with `AIO_DEBUG` set to `value` (unset for `undefined`). */
async function withDebugEnv(
  value: string | undefined,
  body: () => Promise<void>,
): Promise<void> {
  const saved = process.env.AIO_DEBUG;
  const set = (v: string | undefined) => {
    if (v === undefined) delete process.env.AIO_DEBUG;
    else process.env.AIO_DEBUG = v;
  };
  set(value);
  try {
    await body();
  } finally {
    set(saved);
  }
}

/** CPython's `interrupt_self()`: SIGINT as if it arrived now. */
function interruptSelf(): void {
  process.emit("SIGINT" as never);
}

/**
 * Runs `body` with the SIGINT listeners of others (a test runner's) set
 * aside, as CPython's tests run with Python's default SIGINT handler.
 */
async function withDefaultSigint(body: () => Promise<void>): Promise<void> {
  const others = process.listeners("SIGINT");
  for (const listener of others) process.off("SIGINT", listener);
  try {
    await body();
    // run() took its listener away again.
    assert.equal(process.listenerCount("SIGINT"), 0);
  } finally {
    for (const listener of others) process.on("SIGINT", listener);
  }
}

/**
 * A hang guard for the interrupt tests: if the SIGINT never reaches
 * `run()`, cancel `task` after a long while, so that the test fails with
 * `CancelledError` instead of hanging.
 */
function guard(task: Task<unknown>): void {
  getRunningLoop().callLater(30, () => task.cancel("hang guard"));
}

describe("CPython test_runners.py: RunTests", () => {
  it("RunTests.test_asyncio_run_return", async () => {
    await baseTest(async () => {
      const main = async () => {
        await sleep(0);
        return 42;
      };
      assert.equal(await run(main), 42);
    });
  });

  it("RunTests.test_asyncio_run_raises", async () => {
    await baseTest(async () => {
      const main = async () => {
        await sleep(0);
        throw new RangeError("spam");
      };
      const error = await errorOf(run(main), RangeError);
      assert.match(error.message, /spam/);
    });
  });

  it("RunTests.test_asyncio_run_only_coro", async () => {
    await baseTest(async () => {
      for (const o of [1, Promise.resolve(null)]) {
        await errorOf(run(o as never), TypeError);
      }
    });
  });

  it("RunTests.test_asyncio_run_debug", async () => {
    await baseTest(async () => {
      const main = (expected: boolean) => async () => {
        const loop = getEventLoop();
        assert.equal(loop.getDebug(), expected);
      };
      await withDebugEnv(undefined, async () => {
        await run(main(false), { debug: false });
        await run(main(true), { debug: true });
      });
      await withDebugEnv("1", async () => {
        await run(main(true));
        await run(main(false), { debug: false });
      });
      await withDebugEnv(undefined, async () => {
        await run(main(true), { debug: true });
        await run(main(false));
      });
    });
  });

  it("RunTests.test_asyncio_run_from_running_loop", async () => {
    await baseTest(async () => {
      const main = async (): Promise<void> => {
        await run(main);
      };
      const error = await errorOf(run(main), RuntimeError);
      assert.match(error.message, /cannot be called from a running/);
    });
  });

  it("RunTests.test_asyncio_run_cancels_hanging_tasks", async () => {
    await baseTest(async () => {
      let loTask: Task<void> | null = null;
      const leftover = async () => {
        await sleep(0.1);
      };
      const main = async () => {
        loTask = createTask(leftover);
        return 123;
      };
      assert.equal(await run(main), 123);
      assert.equal(loTask!.done(), true);
    });
  });

  it("RunTests.test_asyncio_run_reports_hanging_tasks_errors", async () => {
    await baseTest(async () => {
      let loTask: Task<void> | null = null;
      const calls: ExceptionContext[] = [];
      const leftover = async () => {
        try {
          await sleep(0.1);
        } catch (error) {
          if (error instanceof CancelledError) throw new ZeroDivisionError();
          throw error;
        }
      };
      const main = async () => {
        const loop = getRunningLoop();
        loop.callExceptionHandler = (context) => {
          calls.push(context);
        };
        loTask = createTask(leftover);
        return 123;
      };
      assert.equal(await run(main), 123);
      assert.equal(loTask!.done(), true);
      // assert_called_with: the last call.
      assert.ok(calls.length > 0);
      const context = calls[calls.length - 1];
      assert.deepEqual(Object.keys(context).sort(), [
        "exception",
        "message",
        "task",
      ]);
      assert.match(context.message, /run\(\).*shutdown/);
      assert.equal(context.task, loTask);
      assert.ok(context.exception instanceof ZeroDivisionError);
    });
  });

  it("RunTests.test_asyncio_run_closes_gens_after_hanging_tasks_errors", async () => {
    await baseTest(async () => {
      let spinner: AsyncGenerator<number> | null = null;
      let lazyboy: Task<void> | null = null;
      const calls: ExceptionContext[] = [];

      class FancyExit extends Error {
        override name = "FancyExit";
      }

      async function* fidget(): AsyncGenerator<number> {
        while (true) {
          yield 1;
          await sleep(1);
        }
      }

      const spin = async () => {
        spinner = fidget();
        try {
          for await (const _theMeaningOfLife of spinner) {
            // nothing
          }
        } catch (error) {
          if (error instanceof CancelledError) throw new ZeroDivisionError();
          throw error;
        }
      };

      const main = async () => {
        const loop = getRunningLoop();
        loop.callExceptionHandler = (context) => {
          calls.push(context);
        };
        lazyboy = createTask(spin);
        throw new FancyExit();
      };

      await errorOf(run(main), FancyExit);
      assert.equal(lazyboy!.done(), true);
      // The generator is finished (CPython: ag_frame is None, not
      // ag_running): asking it for more runs none of its code.
      assert.notEqual(spinner, null);
      assert.deepEqual(await spinner!.next(), { value: undefined, done: true });
      // Checked in CPython 3.13: the ZeroDivisionError was reported once.
      assert.equal(calls.length, 1);
      assert.ok(calls[0].exception instanceof ZeroDivisionError);
    });
  });

  it("RunTests.test_asyncio_run_set_event_loop", async () => {
    // See https://github.com/python/cpython/issues/93896
    await baseTest(async (policy) => {
      const main = async () => {
        await sleep(0);
        return 42;
      };
      await run(main);
      assert.ok(policy.setEventLoopCalls.length > 0);
    });
  });

  it("RunTests.test_asyncio_run_loop_factory", async () => {
    await baseTest(async () => {
      const loop = newLoop();
      const factoryCalls: unknown[][] = [];
      const factory = (...args: unknown[]) => {
        factoryCalls.push(args);
        return loop;
      };
      const main = async () => {
        assert.equal(getRunningLoop(), loop);
      };
      await run(main, { loopFactory: factory });
      // assert_called_once_with()
      assert.deepEqual(factoryCalls, [[]]);
    });
  });

  it("RunTests.test_loop_factory_default_event_loop", async () => {
    await baseTest(async () => {
      const main = async () => {
        // The loop class itself, not the policy's VirtualClockLoop.
        assert.equal(
          Object.getPrototypeOf(getRunningLoop()),
          EventLoop.prototype,
        );
      };
      await run(main, { loopFactory: () => new EventLoop() });
    });
  });
});

describe("CPython test_runners.py: RunnerTests", () => {
  it("RunnerTests.test_non_debug", async () => {
    await baseTest(async () => {
      await using runner = new Runner({ debug: false });
      assert.equal(runner.getLoop().getDebug(), false);
    });
  });

  it("RunnerTests.test_debug", async () => {
    await baseTest(async () => {
      await using runner = new Runner({ debug: true });
      assert.equal(runner.getLoop().getDebug(), true);
    });
  });

  it("RunnerTests.test_custom_factory", async () => {
    await baseTest(async () => {
      const loop = new VirtualClockLoop();
      await using runner = new Runner({ loopFactory: () => loop });
      assert.equal(runner.getLoop(), loop);
    });
  });

  it("RunnerTests.test_run", async () => {
    await baseTest(async () => {
      const f = async () => {
        await sleep(0);
        return "done";
      };
      let loop: EventLoop;
      // A block, as CPython's `with`: the runner closes at its end.
      const runner = new Runner();
      {
        await using r = runner;
        assert.equal(await r.run(f), "done");
        loop = r.getLoop();
      }
      const error = await errorOf(
        (async () => runner.getLoop())(),
        RuntimeError,
      );
      assert.match(error.message, /Runner is closed/i);
      assert.equal(loop.isClosed(), true);
    });
  });

  it("RunnerTests.test_run_non_coro", async () => {
    await baseTest(async () => {
      await using runner = new Runner();
      await errorOf(runner.run(123 as never), TypeError);
    });
  });

  it("RunnerTests.test_run_future", async () => {
    await baseTest(async () => {
      await using runner = new Runner();
      const fut = runner.getLoop().createFuture<void>();
      await errorOf(runner.run(fut as never), TypeError);
    });
  });

  it("RunnerTests.test_explicit_close", async () => {
    await baseTest(async () => {
      const runner = new Runner();
      const loop = runner.getLoop();
      await runner.close();
      const error = await errorOf(
        (async () => runner.getLoop())(),
        RuntimeError,
      );
      assert.match(error.message, /Runner is closed/i);
      assert.equal(loop.isClosed(), true);
    });
  });

  it("RunnerTests.test_double_close", async () => {
    await baseTest(async () => {
      const runner = new Runner();
      const loop = runner.getLoop();
      await runner.close();
      assert.equal(loop.isClosed(), true);
      // The second call is a no-op.
      await runner.close();
      assert.equal(loop.isClosed(), true);
    });
  });

  it("RunnerTests.test_second_with_block_raises", async () => {
    await baseTest(async () => {
      const ret: number[] = [];
      const f = async (arg: number) => {
        ret.push(arg);
      };
      const runner = new Runner();
      {
        await using r = runner;
        await r.run(() => f(1));
      }
      const error = await errorOf(
        (async () => {
          await using r = runner;
          await r.run(() => f(2));
        })(),
        RuntimeError,
      );
      assert.match(error.message, /Runner is closed/i);
      assert.deepEqual(ret, [1]);
    });
  });

  it("RunnerTests.test_run_keeps_context", async () => {
    await baseTest(async () => {
      const cvar = new AsyncLocalStorage<number>();
      const get = () => cvar.getStore() ?? -1;
      const f = async (val: number) => {
        const old = get();
        await sleep(0);
        cvar.enterWith(val);
        return old;
      };
      const getContext = async () => get();
      await using runner = new Runner();
      // CPython gives -1, 1, 2: its runner keeps one context for all its
      // runs. An AsyncLocalStorage value set inside a run cannot be carried
      // out of it (README, "Differences from Python"): each run starts in
      // its caller's context, and what it sets stays inside.
      assert.equal(await runner.run(() => f(1)), -1);
      assert.equal(await runner.run(() => f(2)), -1);
      assert.equal(await runner.run(getContext), -1);
      assert.equal(await cvar.run(7, () => runner.run(getContext)), 7);
    });
  });

  it("RunnerTests.test_recursive_run", async () => {
    await baseTest(async () => {
      let gRan = false;
      const g = async () => {
        gRan = true;
      };
      const runner = new Runner();
      const f = async () => {
        await runner.run(g);
      };
      await using _ = runner;
      const error = await errorOf(runner.run(f), RuntimeError);
      assert.match(
        error.message,
        /run\(\) cannot be called from a running event loop/,
      );
      assert.equal(gRan, false);
    });
  });

  it("RunnerTests.test_interrupt_call_soon", async () => {
    // The only case when the task is not suspended waiting for a future
    // or another task. It spins on sleep(0), so the loop's clock is real.
    await baseTest(async () => {
      await withDefaultSigint(async () => {
        const coro = async () => {
          guard(currentTask()!);
          await errorOf(
            (async () => {
              while (true) await sleep(0);
            })(),
            CancelledError,
          );
          throw new CancelledError();
        };
        await using runner = new Runner();
        runner.getLoop().callLater(0.1, interruptSelf);
        await errorOf(runner.run(coro), KeyboardInterrupt);
      });
    }, { virtual: false });
  });

  it("RunnerTests.test_interrupt_wait", async () => {
    // Interrupting while waiting for a future cancels both the future and
    // the main task.
    await baseTest(async () => {
      await withDefaultSigint(async () => {
        const coro = async (fut: PromiseLike<void>) => {
          guard(currentTask()!);
          await errorOf(fut, CancelledError);
          throw new CancelledError();
        };
        await using runner = new Runner();
        const fut = runner.getLoop().createFuture<void>();
        runner.getLoop().callLater(0.1, interruptSelf);
        await errorOf(runner.run(() => coro(fut)), KeyboardInterrupt);
        assert.equal(fut.cancelled(), true);
      });
    });
  });

  it("RunnerTests.test_interrupt_cancelled_task", async () => {
    // Interrupting a main task that is already cancelled does not throw
    // KeyboardInterrupt.
    await baseTest(async () => {
      await withDefaultSigint(async () => {
        const subtask = async (task: Task<unknown>) => {
          await sleep(0);
          task.cancel();
          interruptSelf();
        };
        const coro = async () => {
          const main = currentTask()!;
          createTask(() => subtask(main));
          await sleep(10);
        };
        await using runner = new Runner();
        const error = await errorOf(runner.run(coro), CancelledError);
        assert.equal(error instanceof KeyboardInterrupt, false);
      });
    });
  });

  it("RunnerTests.test_set_event_loop_called_once", async () => {
    // See https://github.com/python/cpython/issues/95736
    await baseTest(async (policy) => {
      const coro = async () => {};
      const runner = new Runner();
      await runner.run(coro);
      await runner.run(coro);
      assert.equal(policy.setEventLoopCalls.length, 1);
      await runner.close();
    });
  });
});
