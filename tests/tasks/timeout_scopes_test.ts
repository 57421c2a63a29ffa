// Several async bodies can run in one task here (`gather(f(), g())` calls
// both in the caller's task, where asyncio makes a task of each coroutine):
// a deadline must cancel only its own block's work. Each expected value is
// what CPython 3.13 gives for the same program, one task per coroutine.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  currentTask,
  gather,
  getRunningLoop,
  Lock,
  Queue,
  sleep,
  taskGroup,
  timeout,
  waitFor,
} from "../../mod.ts";
import { runVirtual } from "../../testing/mod.ts";

/** Sleeps `seconds`, logs its cleanup with the loop time, returns `name`. */
function worker(log: string[]) {
  return async (name: string, seconds: number): Promise<string> => {
    try {
      await sleep(seconds);
      return name;
    } finally {
      log.push(`${name} ends at ${getRunningLoop().time().toFixed(1)}`);
    }
  };
}

/** Results as names: an error by its class, a value as it is. */
function named(results: unknown[]): unknown[] {
  return results.map((r) => r instanceof Error ? r.name : r);
}

describe("timeout() blocks and task groups in one task", () => {
  it("a deadline inside gather cancels its own function, not the one beside", async () => {
    const log: string[] = [];
    const work = worker(log);
    const results = await runVirtual(async () => {
      const results = await gather(
        waitFor(() => work("a", 10), 0.2),
        waitFor(() => work("b", 0.5), 5),
        { returnExceptions: true },
      );
      assert.equal(currentTask()!.cancelling(), 0);
      return results;
    });
    assert.deepEqual(named(results), ["TimeoutError", "b"]);
    assert.deepEqual(log, ["a ends at 0.2", "b ends at 0.5"]);
  });

  it("a deadline beside a plain promise leaves that promise running", async () => {
    const log: string[] = [];
    const work = worker(log);
    const results = await runVirtual(() =>
      gather(waitFor(() => work("a", 10), 0.2), work("b", 0.5), {
        returnExceptions: true,
      })
    );
    assert.deepEqual(named(results), ["TimeoutError", "b"]);
    assert.deepEqual(log, ["a ends at 0.2", "b ends at 0.5"]);
  });

  it("deadlines that pass together each cancel their own work", async () => {
    const log: string[] = [];
    const work = worker(log);
    const results = await runVirtual(() =>
      gather(
        ...[2, 0.1, 3].map((seconds, i) =>
          waitFor(() => work(`w${i}`, seconds), 1)
        ),
        { returnExceptions: true },
      )
    );
    assert.deepEqual(named(results), ["TimeoutError", "w1", "TimeoutError"]);
    assert.deepEqual(log, [
      "w1 ends at 0.1",
      "w0 ends at 1.0",
      "w2 ends at 1.0",
    ]);
  });

  it("a block awaiting work started outside it cancels the task's work", async () => {
    // Only the task reaches a promise's awaits, as asyncio's cancel of the
    // task reaches the coroutine it awaits.
    const log: string[] = [];
    const work = worker(log);
    const outcomes = await runVirtual(async () => {
      const outcomes: string[] = [];
      await waitFor(work("a", 10), 0.2).catch((e) => outcomes.push(e.name));
      const job = work("b", 10);
      await timeout(0.2, () => job).catch((e) => outcomes.push(e.name));
      outcomes.push(`cancelling ${currentTask()!.cancelling()}`);
      return outcomes;
    });
    assert.deepEqual(outcomes, [
      "TimeoutError",
      "TimeoutError",
      "cancelling 0",
    ]);
    assert.deepEqual(log, ["a ends at 0.2", "b ends at 0.4"]);
  });

  it("a timeout around a gather of promises cancels all of them", async () => {
    const log: string[] = [];
    const work = worker(log);
    const outcome = await runVirtual(async () => {
      try {
        return await timeout(0.2, () => gather(work("a", 10), work("b", 20)));
      } catch (error) {
        return [(error as Error).name, currentTask()!.cancelling()];
      }
    });
    assert.deepEqual(outcome, ["TimeoutError", 0]);
    assert.deepEqual(log, ["a ends at 0.2", "b ends at 0.2"]);
  });

  it("cancelling the task still reaches every block", async () => {
    const log: string[] = [];
    const work = worker(log);
    await runVirtual(async () => {
      const task = createTask(() =>
        gather(
          waitFor(() => work("a", 10), 50),
          waitFor(() => work("b", 10), 50),
        )
      );
      await sleep(0.2);
      task.cancel();
      await assert.rejects(async () => await task, CancelledError);
    });
    assert.deepEqual(log, ["a ends at 0.2", "b ends at 0.2"]);
  });

  it("cancelling() counts an expired block only inside it", async () => {
    const seen: [string, number][] = [];
    await runVirtual(() =>
      gather(
        timeout(0.2, async () => {
          try {
            await sleep(10);
          } catch (error) {
            seen.push(["inside", currentTask()!.cancelling()]);
            await sleep(0.4);
            throw error;
          }
        }).catch((error) =>
          seen.push([error.name, currentTask()!.cancelling()])
        ),
        (async () => {
          await sleep(0.4);
          seen.push(["beside", currentTask()!.cancelling()]);
        })(),
      )
    );
    assert.deepEqual(seen, [
      ["inside", 1],
      ["beside", 0],
      ["TimeoutError", 0],
    ]);
  });

  it("uncancel() inside an expired block withdraws the block's request", async () => {
    // CPython 3.13: inside 1, uncancel -> 0, after 0, still 0, after 0.
    const seen = await runVirtual(async () => {
      const task = currentTask()!;
      const seen: number[] = [];
      await timeout(0.05, async () => {
        try {
          await sleep(1);
        } catch (error) {
          if (!(error instanceof CancelledError)) throw error;
          seen.push(task.cancelling(), task.uncancel(), task.cancelling());
        }
        await sleep(0.01);
        seen.push(task.cancelling());
      });
      seen.push(task.cancelling());
      return seen;
    });
    assert.deepEqual(seen, [1, 0, 0, 0, 0]);
  });

  it("cancelling() read from another task counts the task's expired blocks", async () => {
    const seen = await runVirtual(async () => {
      const task = createTask(() =>
        timeout(0.05, async () => {
          try {
            await sleep(1);
          } finally {
            await sleep(0.1);
          }
        }).catch(() => {})
      );
      await sleep(0.1);
      const during = task.cancelling();
      await task;
      return [during, task.cancelling()];
    });
    assert.deepEqual(seen, [1, 0]);
  });

  it("a deadline that passes while its block awaits a foreign promise ends it at its next await", async () => {
    const log: string[] = [];
    const outcome = await runVirtual(() =>
      timeout(0.01, async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        log.push("after the foreign wait");
        await sleep(1);
        return "never";
      }).catch((error) => error.name)
    );
    assert.equal(outcome, "TimeoutError");
    assert.deepEqual(log, ["after the foreign wait"]);
  });

  it("a task group whose task fails cancels its own body, not the work beside it", async () => {
    const log: string[] = [];
    const work = worker(log);
    const results = await runVirtual(() =>
      gather(
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            await sleep(0.2);
            throw new RangeError("child failed");
          });
          await work("body", 10);
        }),
        work("beside", 0.5),
        { returnExceptions: true },
      )
    );
    assert.deepEqual(named(results), ["ExceptionGroup", "beside"]);
    assert.deepEqual(log, ["body ends at 0.2", "beside ends at 0.5"]);
  });

  it("a lock or queue wait under waitFor is cancelled and leaves no waiter", async () => {
    await runVirtual(async () => {
      const queue = new Queue<number>();
      const lock = new Lock();
      await lock.acquire();
      getRunningLoop().callLater(0.3, () => queue.putNowait(7));
      const results = await gather(
        waitFor(() => queue.get(), 0.2),
        waitFor(() => lock.acquire(), 0.2),
        waitFor(() => queue.get(), 5),
        { returnExceptions: true },
      );
      assert.deepEqual(named(results), ["TimeoutError", "TimeoutError", 7]);
      // A waiter left by the timed-out acquire would take the lock now.
      lock.release();
      await waitFor(lock.acquire(), 1);
      assert.equal(lock.locked(), true);
    });
  });
});
