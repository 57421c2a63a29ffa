import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CancelledError,
  createTask,
  getRunningLoop,
  run,
  sleep,
  taskGroup,
  TimeoutError,
  waitFor,
} from "../../mod.ts";
import { errorOf } from "../sync/helpers.ts";

/** A foreign promise that settles only when `signal` aborts, as fetch does. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener("abort", () => reject(signal.reason));
  });
}

describe("Future.catch() and Future.finally()", () => {
  it("catch() handles a failed task and retrieves its error", async () => {
    const reports: unknown[] = [];
    const handled = await run(async () => {
      getRunningLoop().setExceptionHandler((_, context) =>
        reports.push(context)
      );
      const task = createTask(() => {
        throw new RangeError("bad");
      });
      return await task.catch((error: RangeError) => error.message);
    });
    assert.equal(handled, "bad");
    assert.deepEqual(reports, []);
  });

  it("catch() passes a result through untouched", async () => {
    const value = await run(() => createTask(() => sleep(0, 7)).catch(() => 0));
    assert.equal(value, 7);
  });

  it("catch() sees a cancelled future's CancelledError", async () => {
    const seen = await run(async () => {
      const future = getRunningLoop().createFuture<number>();
      future.cancel("stop");
      return await future.catch((error: unknown) => error);
    });
    assert.ok(seen instanceof CancelledError);
    assert.equal(seen.message, "stop");
  });

  it("finally() runs once either way and keeps the outcome", async () => {
    const log: string[] = [];
    await run(async () => {
      const ok = createTask(() => sleep(0, "ok"));
      assert.equal(await ok.finally(() => log.push("ok")), "ok");
      const failed = createTask(() => {
        throw new TypeError("no");
      });
      const error = await errorOf(
        failed.finally(() => log.push("failed")),
        TypeError,
      );
      assert.equal(error.message, "no");
    });
    assert.deepEqual(log, ["ok", "failed"]);
  });

  it("finally() fails with what its callback throws", async () => {
    const error = await run(() =>
      errorOf(
        createTask(() => sleep(0, 1)).finally(() => {
          throw new RangeError("cleanup failed");
        }),
        RangeError,
      )
    );
    assert.equal(error.message, "cleanup failed");
  });
});

describe("the cancellation signal handed to a body", () => {
  it("a body that declares a parameter gets the task's signal", async () => {
    await run(async () => {
      const task = createTask((signal) => sleep(0, signal));
      assert.equal(await task, task.signal);
    });
  });

  it("each body is judged by its own parameters, bound ones too", async () => {
    const seen = await run(async () => {
      const bodies: ((...args: never[]) => PromiseLike<number>)[] = [
        (...args: unknown[]) => sleep(0, args.length),
        function (signal: AbortSignal) {
          return sleep(0, signal instanceof AbortSignal ? 1 : 0);
        },
        (...args: unknown[]) => sleep(0, args.length),
        ((_x: unknown, ...args: unknown[]) => sleep(0, args.length)).bind(
          null,
          "bound",
        ),
        ((_x: unknown, signal?: AbortSignal) =>
          sleep(0, signal === undefined ? 0 : 1)).bind(null, "bound"),
      ];
      const seen = [];
      // The same function literal, twice, is judged the same each time.
      for (const body of [...bodies, ...bodies]) {
        seen.push(
          await createTask(
            body as (signal: AbortSignal) => PromiseLike<number>,
          ),
        );
      }
      return seen;
    });
    // A rest parameter is not counted (its length is 0); a bound body
    // counts the parameters left after the bound ones.
    assert.deepEqual(seen, [0, 1, 0, 0, 1, 0, 1, 0, 0, 1]);
  });

  it("a cancel aborts a real fetch, and the task ends cancelled", async () => {
    let requests = 0;
    const server = createServer(() => requests++); // never answers
    await new Promise<void>((resolve) =>
      server.listen(0, "127.0.0.1", resolve)
    );
    const { port } = server.address() as AddressInfo;
    try {
      await run(async () => {
        const task = createTask((signal) =>
          fetch(`http://127.0.0.1:${port}/`, { signal })
        );
        while (requests === 0) await sleep(0.005);
        task.cancel("enough");
        const error = await errorOf(task, CancelledError);
        assert.equal(error.message, "enough");
        assert.ok(task.cancelled());
      });
    } finally {
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("tg.createTask hands it on; a failing sibling aborts it", async () => {
    const reasons: unknown[] = [];
    await errorOf(
      run(() =>
        taskGroup(async (tg) => {
          tg.createTask(async (signal) => {
            try {
              await untilAborted(signal);
            } catch (reason) {
              reasons.push(reason);
              throw reason;
            }
          });
          await sleep(0);
          tg.createTask(() => {
            throw new RangeError("sibling");
          });
        })
      ),
    );
    assert.equal(reasons.length, 1);
    assert.ok(reasons[0] instanceof CancelledError);
  });

  it("waitFor hands it on and aborts it when time is up", async () => {
    const aborted = await run(async () => {
      let seen: AbortSignal | null = null;
      await errorOf(
        waitFor((signal) => {
          seen = signal;
          return untilAborted(signal);
        }, 0.01),
        TimeoutError,
      );
      return (seen as AbortSignal | null)?.aborted;
    });
    assert.equal(aborted, true);
  });
});
