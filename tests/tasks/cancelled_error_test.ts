import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { CancelledError, createTask, run, sleep } from "../../mod.ts";

/** The error a cancelled task's await raised, with `message`. */
function cancelledAwait(message?: string): Promise<unknown> {
  return run(async () => {
    const task = createTask(async (): Promise<unknown> => {
      try {
        await sleep(3600);
        return null;
      } catch (error) {
        return error;
      }
    });
    await sleep(0);
    task.cancel(message);
    return await task;
  });
}

describe("the CancelledError the library raises", () => {
  it("is a CancelledError and an Error with the cancel message", async () => {
    const error = await cancelledAwait("stop") as CancelledError;
    assert.ok(error instanceof CancelledError);
    assert.ok(error instanceof Error);
    assert.equal(error.name, "CancelledError");
    assert.equal(error.message, "stop");
    assert.equal(String(error), "CancelledError: stop");
    assert.equal(error.stack, "CancelledError: stop");
  });

  it("reads as a CancelledError when printed", async () => {
    const error = await cancelledAwait("stop");
    assert.match(inspect(error), /CancelledError: stop/);
  });

  it("has an empty message when cancel() was given none", async () => {
    const error = await cancelledAwait() as CancelledError;
    assert.equal(error.message, "");
    assert.equal(String(error), "CancelledError");
  });

  it("carries the first message when a waiting task is cancelled twice, as in CPython", async () => {
    // CPython 3.13: inner ('first',) / outer ('first',). The first request
    // cancels the awaited future; the second cannot replace its error.
    const [inner, outer] = await run(async () => {
      let inner = "";
      const task = createTask(async () => {
        try {
          await sleep(1);
        } catch (error) {
          inner = (error as Error).message;
          throw error;
        }
      });
      await sleep(0);
      task.cancel("first");
      task.cancel("second");
      const outer = await task.catch((error: Error) => error.message);
      return [inner, outer];
    });
    assert.deepEqual([inner, outer], ["first", "first"]);
  });

  it("carries the last message when a task is cancelled twice before it starts", async () => {
    // CPython 3.13: outer ('second',): no future took the first request.
    const outer = await run(async () => {
      const task = createTask(() => sleep(1));
      task.cancel("first");
      task.cancel("second");
      return await task.catch((error: Error) => error.message);
    });
    assert.equal(outer, "second");
  });

  it("is the class users construct, too", () => {
    const error = new CancelledError("by hand");
    assert.equal(error.name, "CancelledError");
    assert.equal(String(error), "CancelledError: by hand");
  });
});
