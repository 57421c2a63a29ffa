import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  Lock,
  run,
  sleep,
  TimeoutError,
  waitFor,
} from "../../mod.ts";
import { errorOf } from "../sync/helpers.ts";

/** Waits on a lock that is held: where a timeout finds the work blocked. */
async function blockedOnTheLock(lock: Lock): Promise<void> {
  await lock.acquire();
}

describe("in debug mode a CancelledError shows the await it ended", () => {
  it("a waitFor timeout's cause points at the blocked await", async () => {
    const error = await run(async () => {
      const lock = new Lock();
      await lock.acquire();
      return await errorOf(
        waitFor(() => blockedOnTheLock(lock), 0.01),
        TimeoutError,
      );
    }, { debug: true });
    const cause = error.cause as CancelledError;
    assert.ok(cause instanceof CancelledError);
    assert.match(cause.stack ?? "", /^CancelledError/);
    assert.match(cause.stack ?? "", /debug_await_site_test/);
  });

  it("a cancelled sleep's error points at the sleeper's await", async () => {
    const error = await run(async () => {
      const task = createTask(async function sleeper() {
        await sleep(3600);
      });
      await sleep(0);
      task.cancel("stop");
      return await errorOf(task, CancelledError);
    }, { debug: true });
    assert.match(error.stack ?? "", /^CancelledError: stop\n/);
    assert.match(error.stack ?? "", /debug_await_site_test/);
  });

  it("out of debug mode the error stays a one-line stack", async () => {
    const error = await run(async () => {
      const task = createTask(() => sleep(3600));
      await sleep(0);
      task.cancel("stop");
      return await errorOf(task, CancelledError);
    });
    assert.equal(error.stack, "CancelledError: stop");
  });
});
