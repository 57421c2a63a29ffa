import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import v8 from "node:v8";
import vm from "node:vm";
import {
  CancelledError,
  createTask,
  currentTask,
  run,
  RuntimeError,
  sleep,
} from "../../mod.ts";
import { QueueFull } from "../../sync/mod.ts";
import { BrokenExecutorError, WorkerPoolExecutor } from "../../executor/mod.ts";
import { extension } from "../fixtures/runtime.ts";

const work = new URL(`./fixtures/work${extension}`, import.meta.url);

/** A job that blocks its worker until the host stores 1 in `gate` (30 s at most). */
const blockUntil = (gate: Int32Array) => {
  Atomics.wait(gate, 0, 0, 30_000);
  return "released";
};

const newGate = () => new Int32Array(new SharedArrayBuffer(4));

function open(gate: Int32Array): void {
  Atomics.store(gate, 0, 1);
  Atomics.notify(gate, 0);
}

/** Runs the garbage collector: V8's on Deno and Node, Bun's own. */
function collectGarbage(): void {
  const bun = (globalThis as { Bun?: { gc(full: boolean): void } }).Bun;
  if (bun !== undefined) return bun.gc(true);
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

/** Waits `seconds` with no event loop. */
const pause = (seconds: number) =>
  new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** Polls `condition` every 10 ms, for at most `seconds`. */
async function eventually(condition: () => boolean, seconds = 20) {
  for (let i = 0; i < seconds * 100 && !condition(); i++) await pause(0.01);
  return condition();
}

describe("pool options are checked", () => {
  it("names an unknown key and the accepted ones, everywhere", async () => {
    assert.throws(
      () => new WorkerPoolExecutor({ initialiser: () => {} } as never),
      (error: Error) =>
        error instanceof TypeError && /"initialiser"/.test(error.message) &&
        /initializer/.test(error.message),
    );
    await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    assert.throws(
      () => pool.map((n: number) => n, [1], { chunkSize: 2 } as never),
      (error: Error) =>
        error instanceof TypeError && /"chunkSize"/.test(error.message),
    );
    await assert.rejects(
      () => pool.shutdown({ wiat: true } as never),
      (error: Error) =>
        error instanceof TypeError && /"wiat"/.test(error.message),
    );
    assert.equal(await pool.submit(() => "still open"), "still open");
  });

  it("refuses values out of type or range at once", () => {
    const bad: [unknown, ErrorConstructor][] = [
      [{ minWorkers: 3, maxWorkers: 2 }, RangeError],
      [{ minWorkers: -1 }, RangeError],
      [{ maxQueue: -1 }, RangeError],
      [{ maxQueue: "10" }, TypeError],
      [{ maxTasksPerChild: 0 }, RangeError],
      [{ idleTimeout: "1" }, TypeError],
      [{ idleTimeout: -1 }, RangeError],
      [{ initializer: 42 }, TypeError],
      [{ initializer: () => {}, initargs: "a" }, TypeError],
      [{ initargs: [1] }, TypeError],
      [{ initializer: (f: unknown) => f, initargs: [() => 1] }, TypeError],
      [{ resourceLimits: { maxOldGenerationSizeMB: 64 } }, TypeError],
      [{ resourceLimits: { maxOldGenerationSizeMb: 0 } }, RangeError],
    ];
    for (const [options, error] of bad) {
      assert.throws(
        () => new WorkerPoolExecutor(options as never),
        error,
        JSON.stringify(options),
      );
    }
  });
});

describe("initializer and initargs", () => {
  it("run once in each worker, before its first job", async () => {
    const runs = new Int32Array(new SharedArrayBuffer(4));
    await using pool = new WorkerPoolExecutor({
      maxWorkers: 2,
      initializer: (counter: Int32Array, label: string) => {
        Atomics.add(counter, 0, 1);
        (globalThis as { label?: string }).label = label;
      },
      initargs: [runs, "ready"],
    });
    const gate = newGate();
    const blocked = pool.submit(blockUntil, gate);
    const labels = await Promise.all(
      Array.from(
        { length: 6 },
        () => pool.submit(() => (globalThis as { label?: string }).label),
      ),
    );
    open(gate);
    await blocked;
    assert.deepEqual(labels, Array(6).fill("ready"));
    assert.equal(Atomics.load(runs, 0), pool.stats().workers);
    assert.equal(Atomics.load(runs, 0), 2);
  });

  it("may be a module function", async () => {
    await using pool = new WorkerPoolExecutor({
      maxWorkers: 1,
      initializer: { module: work, name: "remember" },
      initargs: ["from the module"],
    });
    assert.equal(
      await pool.submit({ module: work, name: "recall" }),
      "from the module",
    );
  });

  it("break the pool when it throws, as in Python", async () => {
    const pool = new WorkerPoolExecutor({
      maxWorkers: 1,
      initializer: () => {
        throw new RangeError("no database");
      },
    });
    const jobs = [pool.submit(() => 1), pool.submit(() => 2)];
    for (const job of jobs) {
      await assert.rejects(async () => await job, (error: Error) => {
        assert.ok(error instanceof BrokenExecutorError);
        assert.ok(error.cause instanceof RangeError);
        assert.match(error.message, /no database/);
        return true;
      });
    }
    assert.throws(() => pool.submit(() => 3), BrokenExecutorError);
    await pool.shutdown();
  });
});

describe("a worker that dies before it starts", () => {
  /** An initializer that never returns: an uncaught error kills its worker. */
  const dieStarting = (counter: Int32Array) => {
    Atomics.add(counter, 0, 1);
    return new Promise(() =>
      setTimeout(() => {
        throw new RangeError("no driver");
      })
    );
  };
  const isStartFailure = (error: Error) =>
    error instanceof BrokenExecutorError &&
    /before it started/.test(error.message) &&
    /no driver/.test(error.message) && error.cause instanceof Error;

  it("breaks the pool: minWorkers are not started again and again", async () => {
    const starts = new Int32Array(new SharedArrayBuffer(4));
    const pool = new WorkerPoolExecutor({
      maxWorkers: 2,
      minWorkers: 2,
      initializer: dieStarting,
      initargs: [starts],
    });
    await eventually(() => pool.stats().workers === 0);
    assert.equal(pool.stats().workers, 0);
    assert.throws(() => pool.submit(() => 1), isStartFailure);
    await pool.shutdown();
  });

  it("fails the jobs it held and those queued with the cause", async () => {
    const pool = new WorkerPoolExecutor({
      maxWorkers: 1,
      minWorkers: 1,
      initializer: dieStarting,
      initargs: [new Int32Array(new SharedArrayBuffer(4))],
    });
    const jobs = [pool.submit(() => 1), pool.submit(() => 2)];
    for (const job of jobs) {
      await assert.rejects(async () => await job, isStartFailure);
    }
    assert.equal(pool.stats().workers, 0);
    await pool.shutdown();
  });
});

describe("maxTasksPerChild", () => {
  it("replaces a worker after that many jobs", async () => {
    const starts = new Int32Array(new SharedArrayBuffer(4));
    await using pool = new WorkerPoolExecutor({
      maxWorkers: 1,
      maxTasksPerChild: 2,
      initializer: (counter: Int32Array) => {
        Atomics.add(counter, 0, 1);
      },
      initargs: [starts],
    });
    const workerIds = await Promise.all(
      Array.from({ length: 5 }, () =>
        pool.submit(() => {
          const self = globalThis as { workerId?: number };
          self.workerId ??= Math.random();
          return self.workerId;
        })),
    );
    const counts = new Map<number, number>();
    for (const id of workerIds) counts.set(id, (counts.get(id) ?? 0) + 1);
    assert.deepEqual([...counts.values()], [2, 2, 1]);
    assert.equal(Atomics.load(starts, 0), 3);
  });
});

describe("maxQueue", () => {
  it("makes submit() throw QueueFull, and waitForRoom() wait", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1, maxQueue: 2 });
      const gate = newGate();
      const running = pool.submit(blockUntil, gate);
      const queued = [pool.submit(() => "a"), pool.submit(() => "b")];
      assert.throws(() => pool.submit(() => "c"), QueueFull);
      assert.equal(pool.stats().queued, 2);
      const room = pool.waitForRoom();
      await sleep(0.05);
      assert.equal(room.done(), false, "no room while the worker is blocked");
      open(gate);
      await room;
      const late = pool.submit(() => "c");
      assert.deepEqual(
        await Promise.all([running, ...queued, late]),
        ["released", "a", "b", "c"],
      );
    });
  });

  it("wakes waitForRoom() callers oldest first, skipping cancelled ones", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1, maxQueue: 1 });
      const [first, second] = [newGate(), newGate()];
      const jobs = [pool.submit(blockUntil, first)];
      jobs.push(pool.submit(blockUntil, second));
      const waiters = [0, 1, 2].map(() => pool.waitForRoom());
      waiters[0].cancel();
      open(first); // room for one job: the oldest caller still waiting
      await waiters[1];
      assert.equal(waiters[2].done(), false, "no room for a second caller");
      open(second);
      await waiters[2];
      assert.deepEqual(await Promise.all(jobs), ["released", "released"]);
    });
  });

  it("forgets at once a waitForRoom() caller that gave up", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1, maxQueue: 1 });
      const gate = newGate();
      const jobs = [pool.submit(blockUntil, gate), pool.submit(() => "a")];
      const gaveUp = Array.from({ length: 100 }, () => {
        const room = pool.waitForRoom();
        room.cancel();
        return new WeakRef(room);
      });
      const last = pool.waitForRoom();
      await sleep(0); // the pool hears of the cancellations
      await pause(0); // a host task ends: weak references may lapse
      collectGarbage();
      const kept = gaveUp.filter((ref) => ref.deref() !== undefined).length;
      assert.ok(kept <= 5, `${kept} of 100 cancelled callers still held`);
      open(gate);
      await last;
      assert.deepEqual(await Promise.all(jobs), ["released", "a"]);
    });
  });

  /**
   * Two callers wait for room under a full queue; the first, woken, is
   * cancelled before it resumes and never submits (`first` is its task's
   * body, `firstEnded` checks how it ended). The next caller must get the
   * room it left, while the queued job still waits.
   */
  async function passesRoomOn(
    first: (pool: WorkerPoolExecutor) => Promise<unknown>,
    firstEnded: (task: PromiseLike<unknown>) => Promise<void>,
  ) {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1, maxQueue: 1 });
      const [running, queued] = [newGate(), newGate()];
      try {
        const jobs = [pool.submit(blockUntil, running)];
        jobs.push(pool.submit(blockUntil, queued));
        const firstTask = createTask(() => first(pool));
        const next = createTask(async () => {
          await pool.waitForRoom();
          return { job: pool.submit(() => "late") };
        });
        await sleep(0);
        open(running);
        await jobs[0]; // the first caller is woken, and not yet resumed
        firstTask.cancel();
        await firstEnded(firstTask);
        for (let i = 0; i < 10 && !next.done(); i++) await sleep(0);
        assert.ok(next.done(), "the next caller got the room it left");
        assert.equal(jobs[1].done(), false, "woken by the room it left");
        open(queued);
        assert.deepEqual(
          await Promise.all([jobs[1], next.result().job]),
          ["released", "late"],
        );
      } finally {
        open(running); // a failed check must not leave a job blocking disposal
        open(queued);
      }
    });
  }

  it("gives the room to the next caller when a woken one's task is cancelled", async () => {
    await passesRoomOn(
      async (pool) => {
        await pool.waitForRoom();
        return pool.submit(() => "never");
      },
      async (task) => {
        await assert.rejects(async () => await task, CancelledError);
      },
    );
  });

  it("gives the room on when a woken caller withdraws its cancellation and ends", async () => {
    await passesRoomOn(
      async (pool) => {
        try {
          await pool.waitForRoom();
        } catch (error) {
          if (!(error instanceof CancelledError)) throw error;
          currentTask()!.uncancel();
          return "gave up";
        }
        return pool.submit(() => "never");
      },
      async (task) => assert.equal(await task, "gave up"),
    );
  });

  it("lets map() submit its calls as room frees up", async () => {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 2, maxQueue: 3 });
    const out: number[] = [];
    let mostQueued = 0;
    const items = Array.from({ length: 40 }, (_, i) => i);
    for await (const v of pool.map((n: number) => n * 2, items)) {
      mostQueued = Math.max(mostQueued, pool.stats().queued);
      out.push(v);
    }
    assert.deepEqual(out, items.map((n) => n * 2));
    assert.ok(mostQueued <= 3, `at most 3 queued, saw ${mostQueued}`);
  });
});

describe("minWorkers and idleTimeout", () => {
  it("starts minWorkers at once and lets idle workers above it exit", async () => {
    await using pool = new WorkerPoolExecutor({
      maxWorkers: 3,
      minWorkers: 1,
      idleTimeout: 0.05,
    });
    assert.equal(pool.stats().workers, 1);
    const gate = newGate();
    const jobs = [1, 2, 3].map(() => pool.submit(blockUntil, gate));
    assert.equal(pool.stats().workers, 3);
    open(gate);
    await Promise.all(jobs);
    assert.ok(
      await eventually(() => pool.stats().workers === 1),
      `${pool.stats().workers} workers left`,
    );
    await pause(0.2);
    assert.equal(pool.stats().workers, 1, "minWorkers stay");
    assert.equal(await pool.submit(() => "still served"), "still served");
  });
});

describe("minWorkers with maxTasksPerChild", () => {
  it("starts a fresh worker for one that was replaced", async () => {
    await using pool = new WorkerPoolExecutor({
      maxWorkers: 2,
      minWorkers: 1,
      maxTasksPerChild: 1,
    });
    const first = await pool.submit(() => {
      const self = globalThis as { workerId?: number };
      return self.workerId ??= Math.random();
    });
    assert.equal(pool.stats().workers, 1, "replaced at once");
    const second = await pool.submit(() => {
      const self = globalThis as { workerId?: number };
      return self.workerId ??= Math.random();
    });
    assert.notEqual(first, second);
  });
});

describe("stats()", () => {
  it("counts queued, running and completed jobs, with their times", async () => {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    const empty = pool.stats();
    assert.deepEqual(
      [empty.workers, empty.queued, empty.running, empty.completed],
      [0, 0, 0, 0],
    );
    assert.deepEqual(empty.runTime, { p50: 0, p90: 0, p99: 0, max: 0 });
    const gate = newGate();
    const jobs = [
      pool.submit(blockUntil, gate),
      pool.submit(() => 1),
      pool.submit(() => 2),
    ];
    assert.ok(await eventually(() => pool.stats().running === 1));
    assert.equal(pool.stats().queued, 2);
    await pause(0.05);
    open(gate);
    await Promise.all(jobs);
    const stats = pool.stats();
    assert.deepEqual(
      [stats.workers, stats.idle, stats.queued, stats.running, stats.completed],
      [1, 1, 0, 0, 3],
    );
    const { runTime, waitTime } = stats;
    // Node's timers run on a clock read once per turn, so a 50 ms pause can
    // end a millisecond short of 50 ms by performance.now().
    assert.ok(runTime.max >= 0.045, "the blocked job ran about 50 ms");
    assert.ok(runTime.p50 <= runTime.p90 && runTime.p90 <= runTime.max);
    assert.ok(waitTime.max >= 0.045, "the others waited behind it");
  });
});

describe("resourceLimits", () => {
  it("fails the job of a worker past its memory limit and replaces it (Node only)", async () => {
    const limits = { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 };
    if ("deno" in process.versions || "bun" in process.versions) {
      assert.throws(
        () => new WorkerPoolExecutor({ resourceLimits: limits }),
        (error: Error) =>
          error instanceof RuntimeError && /Node/.test(error.message),
      );
      return;
    }
    await using pool = new WorkerPoolExecutor({
      maxWorkers: 1,
      resourceLimits: limits,
    });
    const hog = pool.submit(() => {
      const kept: number[][] = [];
      for (;;) kept.push(new Array(1e6).fill(1));
    });
    await assert.rejects(async () => await hog, (error: Error) => {
      assert.ok(error instanceof BrokenExecutorError);
      assert.match(String((error.cause as Error)?.message), /memory/);
      return true;
    });
    assert.equal(await pool.submit(() => "replaced"), "replaced");
  });
});
