import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  type EventLoop,
  type ExceptionContext,
  getEventLoop,
  getRunningLoop,
  newEventLoop,
  run,
  Runner,
  RuntimeError,
  sleep,
} from "../../mod.ts";
import { fixture, runScript } from "../fixtures/runtime.ts";

describe("run()", () => {
  it("runs main as a task and returns its result", async () => {
    const value = await run(async () => {
      assert.ok(getRunningLoop().isRunning());
      await sleep(0.001);
      return "result";
    });
    assert.equal(value, "result");
  });

  it("rethrows main's error", async () => {
    await assert.rejects(
      run(async () => {
        throw new EvalError("main failed");
      }),
      EvalError,
    );
  });

  it("refuses anything but a function", async () => {
    await assert.rejects(
      run(Promise.resolve(1) as never),
      (e: Error) => e instanceof TypeError && e.message.includes("run(() =>"),
    );
    await assert.rejects(run("main" as never), TypeError);
  });

  it("cancels leftover tasks and waits for their cleanup before returning", async () => {
    const log: string[] = [];
    await run(async () => {
      createTask(async () => {
        try {
          await sleep(3600);
        } catch (error) {
          log.push(`cancelled: ${error instanceof CancelledError}`);
          throw error;
        } finally {
          await sleep(0.01);
          log.push("cleanup finished");
        }
      });
      await sleep(0);
      log.push("main returns");
    });
    assert.deepEqual(log, [
      "main returns",
      "cancelled: true",
      "cleanup finished",
    ]);
  });

  it("reports a leftover task's error during shutdown", async () => {
    const contexts: ExceptionContext[] = [];
    let loop: EventLoop | undefined;
    await run(async () => {
      loop = getRunningLoop();
      loop.setExceptionHandler((_l, context) => contexts.push(context));
      createTask(async () => {
        try {
          await sleep(3600);
        } catch {
          throw new Error("failed while cancelled");
        }
      });
      await sleep(0);
    });
    assert.equal(loop?.isClosed(), true);
    assert.equal(contexts.length, 1);
    assert.match(contexts[0].message, /shutdown/);
    assert.equal(
      (contexts[0].exception as Error).message,
      "failed while cancelled",
    );
  });

  it("reports a task error nobody retrieved instead of crashing", async () => {
    const contexts: ExceptionContext[] = [];
    await run(async () => {
      getRunningLoop().setExceptionHandler((_l, context) =>
        contexts.push(context)
      );
      createTask(async () => {
        throw new Error("fire and forget");
      });
      await sleep(0.01);
    });
    assert.equal(contexts.length, 1);
    assert.match(contexts[0].message, /never retrieved/);
  });

  it("cannot be called from a running loop", async () => {
    await run(async () => {
      await assert.rejects(run(async () => 1), RuntimeError);
    });
  });

  it("turns on debug mode when asked", async () => {
    assert.equal(
      await run(async () => getRunningLoop().getDebug(), { debug: true }),
      true,
    );
    assert.equal(
      await run(async () => getRunningLoop().getDebug(), { debug: false }),
      false,
    );
  });

  it("uses a loop factory", async () => {
    let made: EventLoop | undefined;
    const seen = await run(async () => getRunningLoop(), {
      loopFactory: () => made = newEventLoop(),
    });
    assert.equal(seen, made);
    assert.equal(made?.isClosed(), true);
  });

  it("leaves nothing that keeps the process alive", async () => {
    const output = await runScript(fixture("exits_after_run"), [], 30_000);
    assert.equal(output.trim(), "main done");
  });
});

describe("Runner", () => {
  it("runs several calls on one loop, then closes it", async () => {
    const runner = new Runner();
    const first = await runner.run(async () => getRunningLoop());
    const second = await runner.run(async () => getRunningLoop());
    assert.equal(first, second);
    assert.equal(runner.getLoop(), first);
    assert.equal(
      getEventLoop(),
      first,
      "the runner's loop is the current loop",
    );
    await runner.close();
    assert.equal(first.isClosed(), true);
    assert.throws(() => runner.getLoop(), RuntimeError);
    await runner.close();
  });

  it("closes with await using", async () => {
    let loop: EventLoop | undefined;
    {
      await using runner = new Runner();
      loop = runner.getLoop();
      assert.equal(await runner.run(() => sleep(0, 3)), 3);
    }
    assert.equal(loop.isClosed(), true);
  });

  it("refuses anything but a function", async () => {
    const runner = new Runner();
    await assert.rejects(runner.run(Promise.resolve(2) as never), TypeError);
    await runner.close();
    assert.throws(() => new Runner({ loopFactory: 3 as never }), TypeError);
  });
});
