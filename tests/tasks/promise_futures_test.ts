/**
 * A promise handed to `waitFor` or `gather` runs in the caller's task,
 * where asyncio would give its coroutine a task of its own. When a cancel
 * of the caller's task reaches the promise's future, the future waits for
 * the promise to end, as asyncio waits for that task's cleanup. Every
 * expected order and value is CPython 3.13's for the same program.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  ensureFuture,
  type ExceptionContext,
  gather,
  Lock,
  newEventLoop,
  run,
  sleep,
  TimeoutError,
  wait,
  waitFor,
} from "../../mod.ts";

/** Catches the cancel and returns a value instead. */
async function stubborn(): Promise<string> {
  try {
    await sleep(1);
    return "finished";
  } catch (error) {
    if (!(error instanceof CancelledError)) throw error;
    return "kept";
  }
}

/** Awaits during its cleanup, and says when it is done. */
async function slowCleanup(log: string[], name = "cleanup"): Promise<void> {
  try {
    await sleep(10);
  } finally {
    await sleep(0.01);
    log.push(`${name} done`);
  }
}

describe("a promise whose task's cancel reaches its future", () => {
  it("waitFor returns the value the promise returned after its deadline's cancel", async () => {
    const value = await run(() => waitFor(stubborn(), 0.01));
    assert.equal(value, "kept");
  });

  it("waitFor throws the error the promise made of its deadline's cancel", async () => {
    const error = await run(() =>
      waitFor(
        (async () => {
          try {
            await sleep(1);
          } catch {
            throw new RangeError("converted");
          }
        })(),
        0.01,
      ).catch((e) => e)
    );
    assert.ok(error instanceof RangeError);
    assert.equal(error.message, "converted");
  });

  it("a deadline gives the promise only the steps its cancel resumes: a cleanup that awaits ends after the TimeoutError", async () => {
    // CPython waits for that cleanup too, as its wait_for cancels only the
    // coroutine's task; here the deadline cancels the caller's whole task,
    // whose other work may never end, so it does not wait on it. A guard:
    // it passes before the deferral too, and fails if a deadline waits.
    const log = await run(async () => {
      const log: string[] = [];
      await waitFor(slowCleanup(log), 0.01).catch((e) => log.push(e.name));
      await sleep(0.02);
      return log;
    });
    assert.deepEqual(log, ["TimeoutError", "cleanup done"]);
  });

  it("a task cancelled inside waitFor ends after the promise's cleanup", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      const task = createTask(async () => {
        try {
          await waitFor(slowCleanup(log), 5);
        } catch (error) {
          if (error instanceof CancelledError) log.push("outer sees cancel");
          throw error;
        }
      });
      await sleep(0.01);
      task.cancel();
      await task.catch(() => {});
      log.push("task done");
      return log;
    });
    assert.deepEqual(log, ["cleanup done", "outer sees cancel", "task done"]);
  });

  it("a gather of promises cancelled with its task waits for their cleanup, and so does run()'s end", async () => {
    const log: string[] = [];
    const supervisor = async () => {
      try {
        await gather(slowCleanup(log, "w1"), slowCleanup(log, "w2"));
      } finally {
        log.push("supervisor finally");
      }
    };
    await run(async () => {
      const task = createTask(supervisor);
      await sleep(0.01);
      task.cancel();
      await gather(task, { returnExceptions: true });
      log.push(`supervisor cancelled: ${task.cancelled()}`);
      // Left running: run() cancels it, and waits for all of its cleanup.
      createTask(supervisor);
      await sleep(0.01);
      log.push("main returns");
    });
    log.push("after run");
    assert.deepEqual(log, [
      "w1 done",
      "w2 done",
      "supervisor finally",
      "supervisor cancelled: true",
      "main returns",
      // CPython printed w2 first here: it cancels run()'s leftover tasks in
      // a set's order, which promises no order.
      "w1 done",
      "w2 done",
      "supervisor finally",
      "after run",
    ]);
  });

  it("a task cancelled in a gather of a promise that awaits a task ends after both cleanups", async () => {
    // CPython 3.13: T cleanup, p cleanup, then the CancelledError.
    const log = await run(async () => {
      const log: string[] = [];
      const p = async () => {
        const inner = createTask(() => slowCleanup(log, "inner"));
        try {
          await inner;
        } finally {
          log.push("p done");
        }
      };
      const task = createTask(() => gather(p()));
      await sleep(0.01);
      task.cancel();
      await task.catch((e) => log.push(`task: ${e.name}`));
      return log;
    });
    assert.deepEqual(log, ["inner done", "p done", "task: CancelledError"]);
  });
});

describe("a promise on foreign work, which no cancel reaches", () => {
  it("waitFor's deadline holds: TimeoutError while the work runs on", async () => {
    let release!: (value: string) => void;
    const foreign = new Promise<string>((resolve) => (release = resolve));
    const [error, settledFirst] = await run(async () => {
      let settled = false;
      foreign.then(() => (settled = true));
      const error = await waitFor(foreign, 0.01).catch((e) => e);
      return [error, settled];
    });
    release("late");
    assert.ok(error instanceof TimeoutError);
    assert.equal(settledFirst, false);
  });

  it("a deadline holds beside other work that ignores the cancel or needs the caller's lock", async () => {
    // CPython: TimeoutError at the deadline in both; its wait_for cancels
    // only its own coroutine. Here the deadline of a promise cancels all
    // the task's work, the gathers too (README), but waits on none of it.
    // A guard: a deadline that waited on that work hung here (3c7b235).
    const foreign = new Promise<never>(() => {});
    const log = await run(async () => {
      const log: string[] = [];
      let stop = false;
      const poller = async () => {
        while (!stop) {
          try {
            await sleep(0.005);
          } catch {
            // Swallows every error, the cancel included.
          }
        }
      };
      const request = async () => {
        await waitFor(foreign, 0.02).catch((e) => log.push(`poll: ${e.name}`));
        stop = true;
      };
      await gather(request(), poller()).catch((e) => log.push(e.name));
      const lock = new Lock();
      await gather(
        (async () => {
          await lock.acquire();
          try {
            await waitFor(foreign, 0.02);
          } catch (e) {
            log.push(`lock: ${(e as Error).name}`);
          } finally {
            lock.release();
          }
        })(),
        (async () => {
          try {
            await sleep(10);
          } finally {
            await lock.acquire();
            lock.release();
            log.push("sibling flushed");
          }
        })(),
      ).catch((e) => log.push(e.name));
      return log;
    });
    assert.deepEqual(log, [
      "poll: TimeoutError",
      "CancelledError",
      "lock: TimeoutError",
      "CancelledError",
      "sibling flushed",
    ]);
  });

  it("a gather cancelled with its task waits for its library work's cleanup, not for foreign work", async () => {
    let release!: () => void;
    const foreign = new Promise<void>((resolve) => (release = resolve));
    const log = await run(async () => {
      const log: string[] = [];
      const onForeign = async () => {
        await foreign;
        log.push("foreign work done");
      };
      const task = createTask(() => gather(onForeign(), slowCleanup(log)));
      await sleep(0.01);
      task.cancel();
      await task.catch((e) => log.push(`task: ${e.name}`));
      return log;
    });
    release();
    assert.deepEqual(log, ["cleanup done", "task: CancelledError"]);
  });

  it("a promise that ends cancelled leaves its future cancelled, with no error to report", async () => {
    // CPython reports nothing: its tasks of coroutines end cancelled.
    const loop = newEventLoop();
    const contexts: ExceptionContext[] = [];
    loop.setExceptionHandler((_loop, context) => contexts.push(context));
    await loop.runUntilComplete(async () => {
      const log: string[] = [];
      const task = createTask(() => wait([slowCleanup(log), slowCleanup(log)]));
      await sleep(0.01);
      task.cancel();
      await task.catch(() => {});
      await sleep(0.05);
    });
    loop.close();
    assert.deepEqual(contexts, []);
  });

  it("a future of a promise cancelled on its own stops waiting at once", async () => {
    const [cancelled, outcome] = await run(async () => {
      const future = ensureFuture(stubborn());
      await sleep(0);
      const cancelled = future.cancel();
      const outcome = await future.catch((e) => e.name);
      return [cancelled, outcome];
    });
    assert.equal(cancelled, true);
    assert.equal(outcome, "CancelledError");
  });
});
