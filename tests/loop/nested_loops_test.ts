// One loop runs at a time, as in asyncio: running a second loop from inside
// a running one, or awaiting a future of another loop, is a RuntimeError
// at once instead of a hang.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createTask,
  EventLoop,
  getRunningLoop,
  newEventLoop,
  run,
  RuntimeError,
  sleep,
} from "../../mod.ts";
import { errorOf } from "../sync/helpers.ts";

const ANOTHER_LOOP = /Cannot run the event loop while another loop is running/;

/** The two ways to make a loop that is not running. */
const makers: [string, () => EventLoop][] = [
  ["new EventLoop()", () => new EventLoop()],
  ["newEventLoop()", () => newEventLoop()],
];

describe("A second loop run from inside a running loop", () => {
  for (const [name, make] of makers) {
    it(`${name}.runUntilComplete() from a task rejects with RuntimeError`, async () => {
      const other = make();
      let started = false;
      const error = await run(async () => {
        const error = await errorOf(other.runUntilComplete(async () => {
          started = true;
        }));
        assert.equal(other.isRunning(), false);
        assert.equal(other.isClosed(), false);
        return error;
      });
      assert.ok(error instanceof RuntimeError, String(error));
      assert.match(error.message, ANOTHER_LOOP);
      assert.equal(started, false, "the other loop ran nothing");
      // Still usable once the outer loop is done, and closable.
      assert.equal(
        await other.runUntilComplete(() => sleep(0, "later")),
        "later",
      );
      other.close();
      assert.equal(other.isClosed(), true);
    });

    it(`${name}.runForever() from a task rejects with RuntimeError`, async () => {
      const other = make();
      const ran: string[] = [];
      other.callSoon(() => ran.push("other callback"));
      const error = await run(async () => {
        const error = await errorOf(other.runForever());
        assert.equal(other.isRunning(), false);
        await sleep(0);
        return error;
      });
      assert.ok(error instanceof RuntimeError, String(error));
      assert.match(error.message, ANOTHER_LOOP);
      assert.deepEqual(ran, [], "the other loop ran nothing");
      other.callSoon(() => other.stop());
      await other.runForever();
      assert.deepEqual(ran, ["other callback"]);
      other.close();
    });
  }

  it("the second loop can be closed right there, inside the first", async () => {
    await run(async () => {
      const other = newEventLoop();
      assert.ok(await errorOf(other.runForever()) instanceof RuntimeError);
      other.close();
      assert.equal(other.isClosed(), true);
      assert.equal(getRunningLoop().isRunning(), true);
    });
  });

  it("from a loop callback too", async () => {
    const other = newEventLoop();
    try {
      const error = await run(async () => {
        const loop = getRunningLoop();
        const outcome = loop.createFuture<unknown>();
        loop.callSoon(() => {
          errorOf(other.runForever()).then(
            (error) => outcome.setResult(error),
          );
        });
        return await outcome;
      });
      assert.ok(error instanceof RuntimeError, String(error));
      assert.match(error.message, ANOTHER_LOOP);
    } finally {
      other.close();
    }
  });

  it("the same loop run again from its own task says it is already running", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const error = await errorOf(loop.runUntilComplete(() => sleep(0)));
      assert.ok(error instanceof RuntimeError, String(error));
      assert.match(error.message, /already running/);
    });
  });
});

describe("A future of another loop", () => {
  for (const [name, make] of makers) {
    it(`${name}.createFuture() awaited by a task: a RuntimeError at that await`, async () => {
      const other = make();
      try {
        const [caught, after] = await run(async () => {
          const foreign = other.createFuture<string>();
          const task = createTask(async () => {
            let caught: unknown;
            try {
              await foreign;
            } catch (error) {
              caught = error;
            }
            await sleep(0);
            return [caught, "went on"] as const;
          });
          return await task;
        });
        assert.ok(caught instanceof RuntimeError, String(caught));
        assert.match(caught.message, /attached to a different loop/);
        assert.equal(after, "went on");
      } finally {
        other.close();
      }
    });

    it(`${name}.createFuture() already done is awaited as any done future`, async () => {
      // asyncio checks only a future that suspends the task: a done one
      // gives its result wherever it was made.
      const other = make();
      try {
        const value = await run(async () => {
          const foreign = other.createFuture<string>();
          foreign.setResult("made elsewhere");
          return await createTask(async () => await foreign);
        });
        assert.equal(value, "made elsewhere");
      } finally {
        other.close();
      }
    });

    it(`${name}.createFuture() left uncaught fails the task`, async () => {
      const other = make();
      try {
        await run(async () => {
          const foreign = other.createFuture<string>();
          const task = createTask(async () => await foreign);
          assert.ok(await errorOf(task) instanceof RuntimeError);
          assert.ok(task.exception() instanceof RuntimeError);
          assert.equal(
            foreign.done(),
            false,
            "the other loop's future is untouched",
          );
        });
      } finally {
        other.close();
      }
    });
  }
});

describe("Two loops run side by side from outside any loop", () => {
  // Both loops' steps outlast the loop's few polling hops, so both wait to
  // be woken by a step's end at once: each must be woken, not only one.
  it("each waits for its steps to end and finishes", async () => {
    const work = (name: string) => async () => {
      const order: string[] = [];
      for (let i = 0; i < 50; i++) {
        const task = createTask(async () => {
          order.push(`${name}${i} start`);
          await sleep(0);
          for (let hop = 0; hop < 20; hop++) await Promise.resolve();
          order.push(`${name}${i} end`);
          return i;
        });
        await task;
      }
      return order.length;
    };
    const a = newEventLoop();
    const b = newEventLoop();
    try {
      const counts = await Promise.all([
        a.runUntilComplete(work("a")),
        b.runUntilComplete(work("b")),
      ]);
      assert.deepEqual(counts, [100, 100]);
    } finally {
      a.close();
      b.close();
    }
  });
});
