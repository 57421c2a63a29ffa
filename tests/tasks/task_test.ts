import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  allTasks,
  CancelledError,
  type CoroutineFunction,
  createTask,
  currentTask,
  ensureFuture,
  type EventLoop,
  Future,
  gather,
  getRunningLoop,
  newEventLoop,
  run,
  RuntimeError,
  sleep,
  Task,
  type TaskOptions,
} from "../../mod.ts";

/** A promise that the library does not know: a host timer. */
function foreign<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

/** A foreign promise the test settles itself, so it never settles early. */
function gate<T>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => open = resolve);
  return { promise, open };
}

describe("Task start", () => {
  it("starts on the loop, not inside createTask", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      const task = createTask(async () => log.push("body"));
      log.push("after createTask");
      await task;
      return log;
    });
    assert.deepEqual(log, ["after createTask", "body"]);
  });

  it("never runs the body when cancelled before its first step", async () => {
    await run(async () => {
      let ran = false;
      const task = createTask(async () => {
        ran = true;
      });
      assert.equal(task.cancel("early"), true);
      await assert.rejects(async () => await task, {
        name: "CancelledError",
        message: "early",
      });
      assert.equal(ran, false);
      assert.equal(task.cancelled(), true);
    });
  });

  it("returns the body's value and rethrows its error", async () => {
    await run(async () => {
      assert.equal(await createTask(async () => 5), 5);
      const failing = createTask(async () => {
        await sleep(0);
        throw new SyntaxError("bad");
      });
      await assert.rejects(async () => await failing, SyntaxError);
      assert.ok(failing.exception() instanceof SyntaxError);
      assert.equal(await createTask(() => "sync function"), "sync function");
    });
  });

  it("follows what a plain function returns, as `await fn()` would", async () => {
    await run(async () => {
      const thrown = createTask((): number => {
        throw new URIError("at once");
      });
      await assert.rejects(async () => await thrown, URIError);
      assert.equal(
        await createTask(() => sleep(0.001, "a future")),
        "a future",
      );
      const nested = {
        then(resolve: (value: unknown) => void) {
          resolve(Promise.resolve("flattened"));
        },
      } as PromiseLike<string>;
      assert.equal(await createTask(() => nested), "flattened");
      const holdsPromise = sleep(0.001, Promise.resolve("from a future"));
      assert.equal(await createTask(() => holdsPromise), "from a future");
      const broken: PromiseLike<string> = {
        then: () => {
          throw new EvalError("broken then");
        },
      };
      await assert.rejects(
        async () => await createTask(() => broken),
        EvalError,
      );
      const chatty = {
        then(resolve: (value: unknown) => void, reject: (e: unknown) => void) {
          resolve("first");
          resolve("second");
          reject(new Error("late"));
          throw new Error("later");
        },
      } as PromiseLike<string>;
      const reported: unknown[] = [];
      getRunningLoop().setExceptionHandler((_, context) =>
        reported.push(context)
      );
      assert.equal(await createTask(() => chatty), "first");
      await sleep(0);
      assert.deepEqual(reported, []);
    });
  });

  it("cancels the future a plain function returned", async () => {
    await run(async () => {
      const slept = sleep(3600);
      const task = createTask(() => slept);
      await sleep(0);
      task.cancel();
      await assert.rejects(async () => await task, CancelledError);
      assert.equal(slept.cancelled(), true);
    });
  });

  it("settles as the future its body returned while its other work still awaits", async () => {
    // Both bodies run in the run() task: it must settle with the gather's
    // result, not with what the last body awaited.
    const later = async (value: string) => await sleep(0.01, value);
    assert.deepEqual(await run(() => gather(later("a"), later("b"))), [
      "a",
      "b",
    ]);
  });

  it("is the current task inside an async body after native awaits", async () => {
    await run(async () => {
      const task = createTask(async () => {
        await Promise.resolve();
        await foreign(1, null);
        // An array: a thenable returned from an async function is awaited.
        return [currentTask()];
      });
      assert.deepEqual(await task, [task]);
    });
  });

  it("names tasks", async () => {
    await run(async () => {
      const named = createTask(async () => {}, { name: "worker" });
      const unnamed = createTask(async () => {});
      assert.equal(named.getName(), "worker");
      assert.match(unnamed.getName(), /^Task-\d+$/);
      named.setName("renamed");
      assert.equal(named.getName(), "renamed");
      assert.match(String(named), /renamed/);
      await named;
      await unnamed;
    });
  });

  it("refuses a promise, a non-function, and outside results", async () => {
    await run(async () => {
      const promise = Promise.resolve(1);
      assert.throws(
        () => createTask(promise as never),
        (e: Error) =>
          e instanceof TypeError && e.message.includes("createTask(() =>"),
      );
      assert.throws(() => createTask(42 as never), TypeError);
      const task = createTask(async () => 1);
      assert.throws(() => task.setResult(2), RuntimeError);
      assert.throws(() => task.setException(new Error()), RuntimeError);
      await task;
    });
    assert.throws(() => createTask(async () => {}), RuntimeError);
  });

  it("uses the loop's task factory", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const made: string[] = [];
      loop.setTaskFactory(
        <T>(
          l: EventLoop,
          fn: CoroutineFunction<T>,
          options: TaskOptions,
        ) => {
          made.push(options.name ?? "anonymous");
          return new Task(fn, { loop: l, name: options.name });
        },
      );
      assert.ok(loop.getTaskFactory() !== null);
      await createTask(async () => {}, { name: "via factory" });
      loop.setTaskFactory(null);
      await createTask(async () => {});
      assert.deepEqual(made, ["via factory"]);
    });
  });
});

describe("Task cancellation", () => {
  it("throws CancelledError at an awaited future, and finally blocks run", async () => {
    await run(async () => {
      const log: string[] = [];
      const future = getRunningLoop().createFuture();
      const task = createTask(async () => {
        try {
          await future;
        } catch (error) {
          log.push(
            `caught ${(error as Error).name} ${(error as Error).message}`,
          );
          throw error;
        } finally {
          log.push("finally");
        }
      });
      await sleep(0);
      task.cancel("stop");
      await assert.rejects(async () => await task, CancelledError);
      assert.deepEqual(log, ["caught CancelledError stop", "finally"]);
      assert.equal(
        future.cancelled(),
        true,
        "the awaited future was cancelled",
      );
    });
  });

  it("cancels a sleep and clears its timer", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const task = createTask(() => sleep(3600));
      await sleep(0);
      const before = loop.time();
      task.cancel();
      await assert.rejects(async () => await task, CancelledError);
      assert.ok(loop.time() - before < 60);
    });
  });

  it("cancels the task it awaits", async () => {
    await run(async () => {
      const inner = createTask(() => sleep(3600));
      const outer = createTask(() => inner);
      await sleep(0);
      await sleep(0);
      outer.cancel();
      await assert.rejects(async () => await outer, CancelledError);
      assert.equal(inner.cancelled(), true);
    });
  });

  it("reaches every library future awaited at once", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const a = loop.createFuture();
      const b = loop.createFuture();
      const task = createTask(() => Promise.all([a, b, sleep(3600)]));
      await sleep(0);
      await sleep(0);
      task.cancel();
      await assert.rejects(async () => await task, CancelledError);
      assert.equal(a.cancelled(), true);
      assert.equal(b.cancelled(), true);
    });
  });

  it("keeps a cancel made during a foreign await for the next library await", async () => {
    await run(async () => {
      const log: string[] = [];
      const foreignWork = gate<string>();
      const task = createTask(async () => {
        const value = await foreignWork.promise;
        log.push(value);
        log.push(`signal aborted: ${currentTask()!.signal.aborted}`);
        await sleep(0);
        log.push("not reached");
      });
      await sleep(0);
      task.cancel("late");
      assert.equal(task.signal.aborted, true);
      foreignWork.open("foreign done");
      await assert.rejects(async () => await task, {
        name: "CancelledError",
        message: "late",
      });
      assert.deepEqual(log, ["foreign done", "signal aborted: true"]);
    });
  });

  it("passes a cancel made just as the task awaits another task on to it", async () => {
    await run(async () => {
      const inner = createTask(() => sleep(3600));
      const outer = createTask(async () => {
        // Lands after `await inner` ran but before JS registers the await.
        queueMicrotask(() => outer.cancel());
        await inner;
      });
      await assert.rejects(async () => await outer, CancelledError);
      assert.equal(
        inner.cancelled(),
        true,
        "the awaited task was cancelled too",
      );
    });
  });

  it("cancels a task whose body returns after a foreign await", async () => {
    await run(async () => {
      const foreignWork = gate<string>();
      const task = createTask(async () => await foreignWork.promise);
      await sleep(0);
      task.cancel();
      foreignWork.open("value");
      await assert.rejects(async () => await task, CancelledError);
    });
  });

  it("lets cleanup await, and needs a second cancel to interrupt it", async () => {
    await run(async () => {
      const log: string[] = [];
      const task = createTask(async () => {
        try {
          await sleep(3600);
        } finally {
          log.push("cleanup start");
          await sleep(0.01);
          log.push("cleanup awaited");
          try {
            await sleep(3600);
          } catch (error) {
            log.push(`second: ${(error as Error).message}`);
            // The second cancel must escape the cleanup: that is the point.
            // deno-lint-ignore no-unsafe-finally
            throw error;
          }
        }
      });
      await sleep(0);
      task.cancel("first");
      await sleep(0.03);
      assert.deepEqual(log, ["cleanup start", "cleanup awaited"]);
      task.cancel("second");
      await assert.rejects(async () => await task, { message: "second" });
      assert.deepEqual(log, [
        "cleanup start",
        "cleanup awaited",
        "second: second",
      ]);
    });
  });

  it("may be suppressed, counts requests and uncancels", async () => {
    await run(async () => {
      const task = createTask(async () => {
        try {
          await sleep(3600);
        } catch (error) {
          assert.ok(error instanceof CancelledError);
          const self = currentTask()!;
          assert.equal(self.cancelling(), 1);
          assert.equal(self.uncancel(), 0);
        }
        await sleep(0);
        return "carried on";
      });
      await sleep(0);
      assert.equal(task.cancelling(), 0);
      task.cancel();
      assert.equal(await task, "carried on");
      assert.equal(task.cancelled(), false);
      assert.equal(task.cancel(), false, "a done task cannot be cancelled");
    });
  });

  it("uncancel withdraws a pending request", async () => {
    await run(async () => {
      const foreignWork = gate<null>();
      const task = createTask(async () => {
        await foreignWork.promise;
        await sleep(0);
        return "not cancelled";
      });
      await sleep(0);
      task.cancel();
      task.uncancel();
      foreignWork.open(null);
      assert.equal(await task, "not cancelled");
    });
  });

  it("throws the cancel at a woken await whose result is not yet delivered", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const future = loop.createFuture<string>();
      const task = createTask(async () => await future);
      await sleep(0);
      loop.callSoon(() => {
        future.setResult("woken");
        task.cancel();
      });
      await assert.rejects(async () => await task, CancelledError);
      assert.equal(future.result(), "woken");
    });
  });
});

describe("sleep(0), asyncio's bare yield", () => {
  it("keeps a cancel request for the task's next step, where uncancel() withdraws it", async () => {
    // CPython 3.13: the task goes on ("not cancelled"); with no uncancel
    // it gets the CancelledError at its sleep(0).
    const outcomes = await run(async () => {
      const body = async () => {
        try {
          await sleep(0);
          return "not cancelled";
        } catch (error) {
          if (error instanceof CancelledError) return "cancelled";
          throw error;
        }
      };
      const withdrawn = createTask(body);
      const kept = createTask(body);
      await sleep(0);
      withdrawn.cancel();
      assert.equal(withdrawn.uncancel(), 0);
      kept.cancel();
      return [await withdrawn, await kept];
    });
    assert.deepEqual(outcomes, ["not cancelled", "cancelled"]);
  });
});

describe("a task that cancels itself", () => {
  it("suspends at its next await and hears of it on the next iteration, as in CPython", async () => {
    // CPython 3.13 prints this order: each callback scheduled before the
    // await runs before the CancelledError, at sleep(0) (a bare yield), at
    // a pending future (which the request cancels) and at a timer.
    const trace = await run(async () => {
      const trace: string[] = [];
      await createTask(async () => {
        const loop = getRunningLoop();
        const self = currentTask()!;
        const attempt = async (
          name: string,
          await_: () => PromiseLike<unknown>,
        ) => {
          try {
            await await_();
          } catch (error) {
            if (!(error instanceof CancelledError)) throw error;
            trace.push(`CancelledError at ${name}`);
          }
        };
        self.cancel();
        loop.callSoon(() => trace.push("callback 1"));
        await attempt("sleep(0)", () => sleep(0));
        self.cancel();
        loop.callSoon(() => trace.push("callback 2"));
        const future = loop.createFuture();
        loop.callSoon(() => trace.push("callback 3"));
        await attempt("a future", () => future);
        trace.push(`future cancelled ${future.cancelled()}`);
        self.cancel();
        loop.callSoon(() => trace.push("callback 4"));
        await attempt("sleep(1)", () => sleep(1));
      });
      return trace;
    });
    assert.deepEqual(trace, [
      "callback 1",
      "CancelledError at sleep(0)",
      "callback 2",
      "callback 3",
      "CancelledError at a future",
      "future cancelled true",
      "callback 4",
      "CancelledError at sleep(1)",
    ]);
  });
});

describe("currentTask and allTasks", () => {
  it("knows the current task after any number of awaits", async () => {
    await run(async () => {
      const names = await createTask(async () => {
        const seen = [currentTask()?.getName()];
        await foreign(1, 0);
        seen.push(currentTask()?.getName());
        await sleep(0);
        await Promise.resolve();
        seen.push(currentTask()?.getName());
        return seen;
      }, { name: "t" });
      assert.deepEqual(names, ["t", "t", "t"]);
      let inCallback: unknown = "unset";
      const done = getRunningLoop().createFuture();
      getRunningLoop().callSoon(() => {
        inCallback = currentTask();
        done.setResult(null);
      });
      await done;
      assert.equal(inCallback, null);
    });
    assert.throws(() => currentTask(), RuntimeError);
  });

  it("takes a loop, as asyncio's current_task(loop): its running task, or null", async () => {
    const other = newEventLoop();
    try {
      const [own, ofOther] = await run(async () => {
        const loop = getRunningLoop();
        return [currentTask(loop) === currentTask(), currentTask(other)];
      });
      assert.deepEqual([own, ofOther], [true, null]);
      // CPython 3.13: current_task(loop) outside a running loop is None.
      assert.equal(currentTask(other), null);
    } finally {
      other.close();
    }
  });

  it("lists the live tasks of the running loop", async () => {
    await run(async () => {
      const main = currentTask()!;
      const sleeper = createTask(() => sleep(3600));
      assert.deepEqual(allTasks(), new Set([main, sleeper]));
      sleeper.cancel();
      await sleeper.then(undefined, () => {});
      assert.deepEqual(allTasks(), new Set([main]));
    });
  });
});

describe("closed loops", () => {
  it("forgets the tasks of a closed loop", () => {
    const loop = newEventLoop();
    loop.createTask(() => sleep(3600));
    assert.equal(allTasks(loop).size, 1);
    loop.close();
    assert.equal(allTasks(loop).size, 0);
  });
});

describe("ensureFuture", () => {
  it("passes futures through and wraps functions in tasks", async () => {
    await run(async () => {
      const future = getRunningLoop().createFuture<number>();
      assert.equal(ensureFuture(future), future);
      const fromFunction = ensureFuture(async () => "f");
      assert.ok(fromFunction instanceof Task);
      assert.equal(await fromFunction, "f");
      assert.throws(() => ensureFuture(3 as never), TypeError);
      const other = newEventLoop();
      assert.throws(
        () => ensureFuture(other.createFuture(), getRunningLoop()),
        RangeError,
      );
      other.close();
      future.cancel();
    });
  });

  it("settles a future with a promise, and stops waiting at once when cancelled", async () => {
    await run(async () => {
      const resolved = ensureFuture(Promise.resolve("p"));
      assert.ok(resolved instanceof Future);
      assert.equal(await resolved, "p");
      const rejected = ensureFuture(Promise.reject(new URIError("r")));
      await assert.rejects(async () => await rejected, URIError);
      const slow = ensureFuture(new Promise<string>(() => {}));
      const waiter = createTask(() => slow);
      await sleep(0);
      waiter.cancel();
      await assert.rejects(async () => await waiter, CancelledError);
      assert.equal(slow.cancelled(), true, "no need to wait for the promise");
    });
  });

  it("calls a thenable's then() from the loop: a throw fails the future, a cancel skips it", async () => {
    await run(async () => {
      let called = 0;
      const throwing: PromiseLike<string> = {
        then() {
          called++;
          throw new URIError("bad await");
        },
      };
      const failed = ensureFuture(throwing);
      assert.equal(called, 0);
      await assert.rejects(async () => await failed, URIError);
      assert.equal(called, 1);
      const skipped = ensureFuture(throwing);
      skipped.cancel();
      await sleep(0);
      assert.equal(called, 1, "a cancelled future's thenable is not awaited");
    });
  });
});

describe("sleep", () => {
  it("resolves to its value after the delay", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const start = loop.time();
      assert.equal(await sleep(0.02, "v"), "v");
      assert.ok(loop.time() - start >= 0.02);
      assert.ok(sleep(0) instanceof Future);
    });
  });

  it("sleep(0) yields exactly one loop iteration", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const order: string[] = [];
      loop.callSoon(() => {
        order.push("callback 1");
        loop.callSoon(() => order.push("callback 2"));
      });
      await sleep(0);
      order.push("after sleep(0)");
      await sleep(0);
      assert.deepEqual(order, ["callback 1", "after sleep(0)", "callback 2"]);
    });
  });

  it("treats a negative delay as 0 and checks its argument", async () => {
    await run(async () => {
      assert.equal(await sleep(-1, "now"), "now");
      assert.throws(() => sleep("1" as never), TypeError);
      assert.throws(() => sleep(NaN), RangeError);
    });
    assert.throws(() => sleep(0), RuntimeError);
  });
});
