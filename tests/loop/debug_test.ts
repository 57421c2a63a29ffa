import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  createTask,
  type ExceptionContext,
  Future,
  getRunningLoop,
  newEventLoop,
  run,
  sleep,
} from "../../mod.ts";
import { captureConsole } from "../fixtures/console.ts";

/** A creation site in this file, as the stack shows it on every runtime. */
const HERE = /debug_test\.(ts|js):\d+:\d+/;
/** A frame of the library itself, which a creation site leaves out. */
const LIBRARY_FRAME =
  /[\\/](future|task|create_task|event_loop|handle|runner|context)\.(ts|js)/;

/** Blocks the loop for ~30 ms: a slow callback or task step. */
function busy(): void {
  const until = performance.now() + 30;
  while (performance.now() < until) { /* block the loop */ }
}

/**
 * The warnings that name `what`: a loaded machine may also report a step of
 * the test's own code as slow, which says nothing about the case.
 */
function naming(warnings: string[], what: string): string[] {
  return warnings.filter((warning) => warning.includes(what));
}

/** Runs `main` with slowCallbackDuration 0.01 s and the given debug mode. */
function runSlow(
  main: () => Promise<unknown>,
  debug: boolean | null,
): Promise<unknown> {
  return run(async () => {
    getRunningLoop().slowCallbackDuration = 0.01;
    return await main();
  }, { debug });
}

describe("debug mode: slow callbacks and task steps", () => {
  it("names the task whose first step is slow, with its creation site", async () => {
    const warnings = await captureConsole("warn", () =>
      runSlow(async () => {
        await createTask(async () => busy(), { name: "starter" });
      }, true));
    const mine = naming(warnings, "name='starter'");
    assert.equal(mine.length, 1);
    assert.match(
      mine[0],
      /^Executing <Task \w+ name='starter'( result=None)? created at /,
    );
    assert.match(mine[0], HERE);
    assert.match(mine[0], /took 0\.\d{3} seconds$/);
  });

  it("names a task resumed by sleep() whose step is slow", async () => {
    const warnings = await captureConsole("warn", () =>
      runSlow(async () => {
        await createTask(async () => {
          await sleep(0);
          busy();
          await sleep(0.001);
        }, { name: "sleeper" });
      }, true));
    const mine = naming(warnings, "name='sleeper'");
    assert.equal(mine.length, 1);
    assert.match(
      mine[0],
      /^Executing <Task \w+ name='sleeper'( result=None)? created at /,
    );
    assert.match(mine[0], HERE);
  });

  it("names a task resumed by a future's result whose step is slow", async () => {
    const warnings = await captureConsole("warn", () =>
      runSlow(async () => {
        const future = getRunningLoop().createFuture<number>();
        const task = createTask(async () => {
          await future;
          busy();
        }, { name: "waiter" });
        await sleep(0);
        future.setResult(1);
        await task;
      }, true));
    const mine = naming(warnings, "name='waiter'");
    assert.equal(mine.length, 1);
    assert.match(
      mine[0],
      /^Executing <Task \w+ name='waiter'( result=None)? created at /,
    );
  });

  it("names the callback of a slow plain callback", async () => {
    const warnings = await captureConsole("warn", () =>
      runSlow(async () => {
        getRunningLoop().callSoon(busy);
        await sleep(0.001);
      }, true));
    const mine = naming(warnings, "<Handle busy()>");
    assert.equal(mine.length, 1);
    assert.match(mine[0], /^Executing <Handle busy\(\)> took 0\.\d{3}/);
  });

  it("reports nothing when debug mode is off", async () => {
    const warnings = await captureConsole("warn", () =>
      runSlow(async () => {
        getRunningLoop().callSoon(busy);
        await createTask(async () => {
          busy();
          await sleep(0);
          busy();
        });
      }, false));
    assert.deepEqual(warnings, []);
  });

  it("reports nothing under the threshold", async () => {
    const warnings = await captureConsole("warn", () =>
      run(async () => {
        getRunningLoop().slowCallbackDuration = 60;
        await createTask(async () => busy());
      }, { debug: true }));
    assert.deepEqual(warnings, []);
  });

  it("is turned on by AIO_DEBUG=1 unless run() says otherwise", async () => {
    const before = process.env.AIO_DEBUG;
    process.env.AIO_DEBUG = "1";
    let warnings: string[];
    try {
      assert.equal(await run(async () => getRunningLoop().getDebug()), true);
      assert.equal(
        await run(async () => getRunningLoop().getDebug(), { debug: false }),
        false,
      );
      warnings = await captureConsole("warn", () =>
        runSlow(async () => {
          await createTask(async () => busy(), { name: "from-env" });
        }, null));
    } finally {
      if (before === undefined) delete process.env.AIO_DEBUG;
      else process.env.AIO_DEBUG = before;
    }
    const mine = naming(warnings, "name='from-env'");
    assert.equal(mine.length, 1);
    assert.match(mine[0], /name='from-env'( result=None)? created at /);
  });
});

describe("debug mode: creation sites", () => {
  it("shows where futures and tasks were created, in debug mode only", async () => {
    for (const debug of [true, false]) {
      const [future, task] = await run(async () => {
        const future = new Future<void>();
        const task = createTask(async () => {}, { name: "shown" });
        await task;
        return [String(future), String(task)];
      }, { debug });
      if (debug) {
        assert.match(future, /^<Future pending created at .*debug_test/);
        assert.match(
          task,
          /^<Task finished name='shown' result=None created at /,
        );
        assert.match(task, HERE);
      } else {
        assert.equal(future, "<Future pending>");
        assert.equal(task, "<Task finished name='shown' result=None>");
      }
    }
  });

  it("adds the creation site to an unretrieved exception report", async () => {
    for (const debug of [true, false]) {
      const contexts: ExceptionContext[] = [];
      await run(async () => {
        getRunningLoop().setExceptionHandler((_, context) => {
          contexts.push(context);
        });
        createTask(async () => {
          throw new Error("nobody looks");
        }, { name: "failing" });
        await sleep(0);
      }, { debug });
      assert.equal(contexts.length, 1);
      assert.equal(contexts[0].message, "Task exception was never retrieved");
      if (debug) {
        const traceback = String(contexts[0].sourceTraceback);
        assert.match(traceback.split("\n")[0], HERE);
        assert.doesNotMatch(traceback, LIBRARY_FRAME);
      } else {
        assert.equal("sourceTraceback" in contexts[0], false);
      }
    }
  });

  it("prints the creation site with the default exception handler", async () => {
    const errors = await captureConsole("error", () =>
      run(async () => {
        new Future<void>().setException(new Error("dropped"));
      }, { debug: true }));
    assert.equal(errors.length, 1);
    const lines = errors[0].split("\n");
    assert.equal(lines[0], "Future exception was never retrieved");
    assert.match(
      lines[1],
      /^future: <Future finished exception=Error\('dropped'\) created at .*debug_test/,
    );
    assert.equal(lines[2], "Object created at (most recent call first):");
    assert.match(lines[3], HERE);
  });
});

describe("tasks left pending", () => {
  it("are reported when the loop closes, in any mode as in asyncio; with where they were made in debug mode", async () => {
    for (const debug of [true, false]) {
      const loop = newEventLoop();
      loop.setDebug(debug);
      const contexts: ExceptionContext[] = [];
      loop.setExceptionHandler((_, context) => contexts.push(context));
      // Wrapped: returning the task itself would await it.
      const { stuck } = await loop.runUntilComplete(async () => {
        const stuck = createTask(() => new Future<void>(), { name: "stuck" });
        createTask(async () => {}, { name: "finished" });
        await sleep(0);
        return { stuck };
      });
      loop.close();
      assert.equal(contexts.length, 1);
      assert.equal(
        contexts[0].message,
        "Task was destroyed but it is pending!",
      );
      assert.equal(contexts[0].task, stuck);
      if (!debug) {
        assert.equal("sourceTraceback" in contexts[0], false);
        continue;
      }
      const traceback = String(contexts[0].sourceTraceback);
      assert.match(traceback.split("\n")[0], HERE);
      assert.doesNotMatch(traceback, LIBRARY_FRAME);
    }
  });

  it("leaves run() quiet: it cancels and awaits every task first", async () => {
    const contexts: ExceptionContext[] = [];
    await run(async () => {
      getRunningLoop().setExceptionHandler((_, context) => {
        contexts.push(context);
      });
      createTask(() => sleep(3600));
    }, { debug: true });
    assert.deepEqual(contexts, []);
  });
});
