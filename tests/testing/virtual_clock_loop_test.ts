import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import {
  CancelledError,
  createTask,
  type EventLoop,
  getRunningLoop,
  sleep,
} from "../../mod.ts";
import { runVirtual, VirtualClockLoop } from "../../testing/mod.ts";
import { holdClock } from "../../internal/real_world.ts";

const HOUR = 3600;

/** A foreign promise: a real host timer of `ms` milliseconds. */
function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("VirtualClockLoop time", () => {
  it("starts at 0 and stands still while nothing runs", async () => {
    const loop = new VirtualClockLoop();
    assert.equal(loop.time(), 0);
    await realDelay(20);
    assert.equal(loop.time(), 0);
    loop.close();
  });

  it("sleeps hours in exact virtual time and deterministic order", async () => {
    const realStart = Date.now();
    const log = await runVirtual(async () => {
      const loop = getRunningLoop();
      const start = loop.time();
      const log: [string, number][] = [];
      const nap = async (name: string, hours: number) => {
        await sleep(hours * HOUR);
        log.push([name, loop.time() - start]);
      };
      const tasks = [
        createTask(() => nap("c", 3)),
        createTask(() => nap("a", 1)),
        createTask(() => nap("d", 10)),
        createTask(() => nap("b", 2)),
        createTask(() => nap("a2", 1)),
      ];
      for (const task of tasks) await task;
      return log;
    });
    assert.deepEqual(log, [
      ["a", 1 * HOUR],
      ["a2", 1 * HOUR],
      ["b", 2 * HOUR],
      ["c", 3 * HOUR],
      ["d", 10 * HOUR],
    ]);
    // A loose guard only: ten virtual hours must not take real hours.
    assert.ok(Date.now() - realStart < 5000);
  });

  it("gives the same schedule on every run", async () => {
    const scenario = () =>
      runVirtual(async () => {
        const loop = getRunningLoop();
        const log: string[] = [];
        const worker = async (name: string, step: number) => {
          for (let i = 0; i < 5; i++) {
            await sleep(step);
            log.push(`${name}${i}@${loop.time()}`);
            await Promise.resolve();
            log.push(`${name}${i}+`);
          }
        };
        await Promise.all([
          createTask(() => worker("x", 0.7)),
          createTask(() => worker("y", 1.1)),
          createTask(() => worker("z", 60)),
        ]);
        return log;
      });
    const first = await scenario();
    assert.equal(first.length, 30);
    assert.deepEqual(await scenario(), first);
  });

  it("fires callLater and callAt at exact virtual instants", async () => {
    const fired = await runVirtual(async () => {
      const loop = getRunningLoop();
      const start = loop.time();
      const fired: [string, number][] = [];
      const done = loop.createFuture<void>();
      const record = (name: string) => fired.push([name, loop.time() - start]);
      loop.callAt(start + 7200, () => {
        record("at 2h");
        done.setResult();
      });
      loop.callLater(1.5, record, "later 1.5");
      loop.callLater(0.25, record, "later 0.25 first");
      loop.callLater(0.25, record, "later 0.25 second");
      loop.callAt(start + 90, record, "at 90");
      loop.callLater(-5, record, "later negative");
      await done;
      return fired;
    });
    assert.deepEqual(fired, [
      ["later negative", 0],
      ["later 0.25 first", 0.25],
      ["later 0.25 second", 0.25],
      ["later 1.5", 1.5],
      ["at 90", 90],
      ["at 2h", 7200],
    ]);
  });

  it("runs every ready callback and microtask before the next timer", async () => {
    const log = await runVirtual(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      const chain = createTask(async () => {
        await sleep(1);
        for (let i = 0; i < 50; i++) {
          await Promise.resolve();
          await sleep(0);
        }
        log.push(`chain done at ${loop.time()}`);
      });
      loop.callLater(1, () => {
        let n = 0;
        const again = () => {
          if (++n < 20) loop.callSoon(again);
          else log.push(`callbacks done at ${loop.time()}`);
        };
        loop.callSoon(again);
        queueMicrotask(() => log.push(`microtask at ${loop.time()}`));
      });
      const next = sleep(1.000001).then(() => log.push("next timer"));
      await chain;
      await next;
      return log;
    });
    assert.deepEqual(log, [
      "microtask at 1",
      "callbacks done at 1",
      "chain done at 1",
      "next timer",
    ]);
  });

  it("lets the host take one turn before it jumps", async () => {
    const log = await runVirtual(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      const later = sleep(HOUR).then(() => log.push(`slept ${loop.time()}`));
      setImmediate(() => {
        loop.callSoon(() => log.push(`host turn ${loop.time()}`));
      });
      await later;
      return log;
    });
    assert.deepEqual(log, ["host turn 0", `slept ${HOUR}`]);
  });

  it("cancels a virtual sleep without jumping to its deadline", async () => {
    const result = await runVirtual(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      const sleeper = createTask(async () => {
        try {
          await sleep(HOUR);
          log.push("woke");
        } catch (error) {
          log.push(`${(error as Error).name} at ${loop.time()}`);
          throw error;
        }
      });
      loop.callLater(5, () => sleeper.cancel());
      await assert.rejects(async () => await sleeper, CancelledError);
      await sleep(0);
      return { log, end: loop.time() };
    });
    assert.deepEqual(result, { log: ["CancelledError at 5"], end: 5 });
  });

  it("cancels live tasks at the end of runVirtual at the current instant", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      const loop = getRunningLoop();
      createTask(async () => {
        try {
          await sleep(HOUR);
        } finally {
          log.push(`cleaned up at ${loop.time()}`);
        }
      });
      await sleep(2);
    });
    assert.deepEqual(log, ["cleaned up at 2"]);
  });

  it("patches nothing global", async () => {
    const realSetTimeout = globalThis.setTimeout;
    const realDateNow = Date.now;
    const realPerformanceNow = performance.now;
    await runVirtual(async () => {
      const before = Date.now();
      await sleep(10 * HOUR);
      assert.ok(Date.now() - before < 5000);
      assert.equal(globalThis.setTimeout, realSetTimeout);
      assert.equal(Date.now, realDateNow);
      assert.equal(performance.now, realPerformanceNow);
    });
  });
});

describe("VirtualClockLoop and the real world", () => {
  it("holds the clock while a task awaits a foreign promise", async () => {
    const log = await runVirtual(async () => {
      const loop = getRunningLoop();
      const start = loop.time();
      const log: [string, number][] = [];
      const sleeper = createTask(async () => {
        await sleep(HOUR);
        log.push(["sleeper", loop.time() - start]);
      });
      const foreign = createTask(async () => {
        await realDelay(50);
        log.push(["foreign", loop.time() - start]);
      });
      await sleeper;
      await foreign;
      return log;
    });
    assert.deepEqual(log.map(([name]) => name), ["foreign", "sleeper"]);
    const [[, foreignAt], [, sleeperAt]] = log;
    assert.ok(foreignAt >= 0 && foreignAt < 60, `foreign at ${foreignAt}`);
    assert.equal(sleeperAt, HOUR);
  });

  it("waits for a foreign promise when no timer is pending", async () => {
    const result = await runVirtual(async () => {
      await realDelay(20);
      return "settled";
    });
    assert.equal(result, "settled");
  });

  it("runs the clock at real speed while held, so timers still fire", async () => {
    const log = await runVirtual(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      // A foreign promise that only a library timer settles.
      await new Promise<void>((resolve) => loop.callLater(0.02, resolve));
      log.push(`timer passed: ${loop.time() >= 0.02}`);
      return log;
    });
    assert.deepEqual(log, ["timer passed: true"]);
  });

  it("jumps again once foreign work settles without waking the loop", async () => {
    const realStart = Date.now();
    const log = await runVirtual(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      const signal = loop.createFuture<void>();
      const waiter = createTask(async () => {
        await realDelay(30);
        // Awaiting a pending future schedules nothing on the loop.
        await signal;
        log.push(`signalled at ${loop.time()}`);
      });
      await sleep(10 * HOUR);
      signal.setResult();
      await waiter;
      return log;
    });
    assert.equal(log.length, 1);
    assert.ok(log[0].startsWith("signalled at 36000"), log[0]);
    assert.ok(Date.now() - realStart < 5000);
  });

  it("holds the clock while clockHeld(loop) is true", async () => {
    const log = await runVirtual(async () => {
      const loop = getRunningLoop() as EventLoop;
      const start = loop.time();
      const log: string[] = [];
      const sleeper = createTask(async () => {
        await sleep(10);
        log.push(`slept ${loop.time() - start}`);
      });
      const release = holdClock(loop);
      // Released from the host, without waking the loop.
      setTimeout(() => {
        log.push("released");
        release();
      }, 50);
      await sleeper;
      return log;
    });
    assert.deepEqual(log, ["released", "slept 10"]);
  });

  it("fires timers due during a hold in real time", async () => {
    const log = await runVirtual(async () => {
      const loop = getRunningLoop();
      const log: string[] = [];
      const release = holdClock(loop);
      setTimeout(() => {
        log.push("released");
        release();
        loop.callSoon(() => {});
      }, 300);
      await sleep(0.01);
      log.push("short sleep");
      await sleep(HOUR);
      log.push("long sleep");
      return log;
    });
    assert.deepEqual(log, ["short sleep", "released", "long sleep"]);
  });
});
