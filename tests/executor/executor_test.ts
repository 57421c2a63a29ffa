import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  Future,
  getRunningLoop,
  newEventLoop,
  run,
  RuntimeError,
  sleep,
  TimeoutError,
} from "../../mod.ts";
import {
  jobSignal,
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  toThread,
  WorkerPoolExecutor,
} from "../../executor/mod.ts";
import { clockHeld } from "../../internal/real_world.ts";
import { extension } from "../fixtures/runtime.ts";

const work = new URL(`./fixtures/work${extension}`, import.meta.url);

/** Wall-clock milliseconds comparable across threads. */
const spinFor = (ms: number) => {
  const start = performance.timeOrigin + performance.now();
  while (performance.timeOrigin + performance.now() - start < ms) {
    // Busy on purpose: a CPU-bound job.
  }
  return [start, performance.timeOrigin + performance.now()];
};

describe("runInExecutor and toThread", () => {
  it("runs the seed example in the default executor", async () => {
    const greeting = await run(async () => {
      const loop = getRunningLoop();
      const func = (a: string, b: string) => a + b;
      return await loop.runInExecutor(null, func, "Hello", " world!");
    });
    assert.equal(greeting, "Hello world!");
  });

  it("runs toThread() in the default executor, with module tasks too", async () => {
    const [sum, fib] = await run(async () => {
      const sum = await toThread((a: number, b: number) => a + b, 2, 3);
      const fib = await toThread<number>({ module: work, name: "fib" }, 10);
      return [sum, fib];
    });
    assert.deepEqual([sum, fib], [5, 55]);
  });

  it("uses an executor given to runInExecutor or setDefaultExecutor", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const loop = getRunningLoop();
      assert.equal(await loop.runInExecutor(pool, (n: number) => -n, 4), -4);
      loop.setDefaultExecutor(pool);
      assert.equal(await loop.runInExecutor(null, () => "mine"), "mine");
    });
  });

  it("lets a process exit with an idle pool left running", () => {
    const script = fileURLToPath(
      new URL(`./fixtures/idle_pool${extension}`, import.meta.url),
    );
    const args = process.versions.deno !== undefined
      ? ["run", "-A", script]
      : [script];
    const child = spawnSync(process.execPath, args, {
      encoding: "utf8",
      timeout: 30_000,
    });
    assert.equal(child.error, undefined, "the child did not exit by itself");
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), "[2,3]");
  });

  for (
    const [mode, says] of [["shutdown", "shut down"], ["run", "run returned"]]
  ) {
    it(`lets a process exit with a never-yielding job, after ${mode}`, () => {
      const script = fileURLToPath(
        new URL(`./fixtures/busy_pool${extension}`, import.meta.url),
      );
      const args = process.versions.deno !== undefined
        ? ["run", "-A", script, mode]
        : [script, mode];
      const child = spawnSync(process.execPath, args, {
        encoding: "utf8",
        timeout: 30_000,
      });
      assert.equal(child.error, undefined, "the child did not exit by itself");
      assert.equal(child.status, 0, child.stderr);
      assert.equal(child.stdout.trim(), says);
    });
  }

  it("cancels the jobs of a loop that closed: nobody can receive them", async () => {
    const pool = new WorkerPoolExecutor({ maxWorkers: 1, gracePeriod: null });
    const noticed = new Int32Array(new SharedArrayBuffer(4));
    await run(async () => {
      pool.submit((flag: Int32Array) => {
        Atomics.store(flag, 0, 1);
        while (!jobSignal().aborted) {
          // Busy until cancelled.
        }
        Atomics.store(flag, 0, 2);
      }, noticed);
      while (Atomics.load(noticed, 0) === 0) await sleep(0.005);
    });
    for (let i = 0; i < 3000 && Atomics.load(noticed, 0) !== 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(Atomics.load(noticed, 0), 2, "the job saw its cancel");
    assert.equal(await pool.submit(() => "free again"), "free again");
    await pool.shutdown();
  });
});

describe("WorkerPoolExecutor", () => {
  it("is also ThreadPoolExecutor and ProcessPoolExecutor", () => {
    assert.equal(ThreadPoolExecutor, WorkerPoolExecutor);
    assert.equal(ProcessPoolExecutor, WorkerPoolExecutor);
    const pool = new WorkerPoolExecutor();
    assert.ok(Number.isInteger(pool.maxWorkers) && pool.maxWorkers >= 1);
    assert.equal(new ThreadPoolExecutor({ maxWorkers: 3 }).maxWorkers, 3);
  });

  it("checks its options at once", () => {
    const bad: [unknown, ErrorConstructor][] = [
      [{ maxWorkers: "2" }, TypeError],
      [{ maxWorkers: 0 }, RangeError],
      [{ maxWorkers: 1.5 }, RangeError],
      [{ gracePeriod: "1" }, TypeError],
      [{ gracePeriod: -1 }, RangeError],
      [{ gracePeriod: NaN }, RangeError],
      ["fast", TypeError],
    ];
    for (const [options, error] of bad) {
      assert.throws(
        () => new WorkerPoolExecutor(options as never),
        error,
        JSON.stringify(options),
      );
    }
  });

  it("returns library futures on the running loop, or the loop given", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const future = pool.submit((n: number) => n * 2, 21);
      assert.ok(future instanceof Future);
      assert.equal(future.getLoop(), getRunningLoop());
      assert.equal(await future, 42);
    });
    const loop = newEventLoop();
    const pool = new WorkerPoolExecutor({ maxWorkers: 1, loop });
    const future = pool.submit(() => "on my loop");
    assert.equal(future.getLoop(), loop);
    assert.equal(await loop.runUntilComplete(future), "on my loop");
    await pool.shutdown();
    loop.close();
  });

  it("holds the loop's clock while a job is pending", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const loop = getRunningLoop();
      const job = pool.submit(() => "done");
      assert.equal(clockHeld(loop), true);
      await job;
      assert.equal(clockHeld(loop), false);
      const cancelled = pool.submit(() => "never awaited");
      cancelled.cancel();
      assert.equal(clockHeld(loop), false);
    });
  });

  it("runs async functions and awaits their result", async () => {
    const value = await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      return await pool.submit(async (n: number) => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return n + 1;
      }, 1);
    });
    assert.equal(value, 2);
  });

  it("runs module tasks, importing the module in the worker", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      assert.equal(
        await pool.submit<number>({ module: work, name: "fib" }, 20),
        6765,
      );
      const asString = { module: work.href, name: "fib" };
      assert.equal(await pool.submit<number>(asString, 10), 55);
      await assert.rejects(
        async () => await pool.submit({ module: work, name: "notAFunction" }),
        (error: Error) =>
          error.name === "TypeError" && /notAFunction/.test(error.message),
      );
    });
  });

  it("refuses a module path that the worker would resolve elsewhere", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      assert.throws(
        () => pool.submit({ module: "./fixtures/work.ts", name: "fib" }),
        (error: Error) =>
          error instanceof TypeError && /import\.meta\.url/.test(error.message),
      );
      assert.throws(() => pool.submit({ module: work, name: "" }), TypeError);
      assert.throws(() => pool.submit("fib" as never), TypeError);
    });
  });

  it("never leaves a job waiting behind a long one while a worker is free", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 2 });
      await Promise.all([pool.submit(() => 0), pool.submit(() => 0)]);
      const long = pool.submit(spinFor, 1000);
      const short = pool.submit(spinFor, 50);
      // Sent to wait behind one of them, then run by whichever is free.
      const next = pool.submit(() => "next");
      await short;
      assert.equal(await next, "next");
      assert.equal(long.done(), false, "it did not wait for the long job");
      await long;
    });
  });

  it("runs two CPU-bound jobs on two workers at the same time", async () => {
    const { intervals, ticks } = await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 2 });
      // Start both workers before measuring.
      await Promise.all([pool.submit(() => 0), pool.submit(() => 0)]);
      let ticks = 0;
      let busy = true;
      const ticker = (async () => {
        while (busy) {
          await sleep(0.01);
          ticks++;
        }
      })();
      const intervals = await Promise.all([
        pool.submit(spinFor, 400),
        pool.submit(spinFor, 400),
      ]);
      busy = false;
      await ticker;
      return { intervals, ticks };
    });
    const [[start1, end1], [start2, end2]] = intervals;
    assert.ok(start1 < end2 && start2 < end1, "the two jobs overlap in time");
    assert.ok(ticks > 0, "the loop ran its timers meanwhile");
  });
});

describe("WorkerPoolExecutor.map", () => {
  it("yields results in input order, zipping to the shortest iterable", async () => {
    const results = await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 2 });
      const out: number[] = [];
      const slowFirst = (a: number, b: number) => {
        const until = Date.now() + (a === 1 ? 100 : 0);
        while (Date.now() < until) { /* the first result comes last */ }
        return a * b;
      };
      for await (const v of pool.map(slowFirst, [1, 2, 3, 4], [10, 20, 30])) {
        out.push(v);
      }
      return out;
    });
    assert.deepEqual(results, [10, 40, 90]);
  });

  it("sends chunks of calls as one job each", async () => {
    const results = await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 2 });
      const out: number[] = [];
      const items = Array.from({ length: 10 }, (_, i) => i);
      for await (
        const v of pool.map((n: number) => n * n, items, { chunksize: 3 })
      ) {
        out.push(v);
      }
      for await (
        const v of pool.map<number>({ module: work, name: "fib" }, [5, 6])
      ) {
        out.push(v);
      }
      return out;
    });
    assert.deepEqual(results, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 5, 8]);
  });

  it("fails a whole chunk with the error of one call", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const out: number[] = [];
      const failOnThree = (n: number) => {
        if (n === 3) throw new RangeError("three");
        return n;
      };
      await assert.rejects(async () => {
        for await (
          const v of pool.map(failOnThree, [0, 1, 2, 3], { chunksize: 2 })
        ) {
          out.push(v);
        }
      }, RangeError);
      assert.deepEqual(out, [0, 1]);
    });
  });

  it("throws TimeoutError after the timeout and cancels the rest", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({
        maxWorkers: 1,
        gracePeriod: 0,
      });
      await pool.submit(() => "warm");
      const wait = (ms: number) => new Promise((r) => setTimeout(r, ms, ms));
      const results = pool.map(wait, [0, 5000, 0], { timeout: 0.3 });
      const out: unknown[] = [];
      await assert.rejects(async () => {
        for await (const v of results) out.push(v);
      }, TimeoutError);
      assert.deepEqual(out, [0]);
      assert.equal(await pool.submit(() => "still working"), "still working");
    });
  });

  it("cancels the calls not yet yielded when the loop is left early", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const counter = new Int32Array(new SharedArrayBuffer(4));
      const count = (shared: Int32Array, ms: number) => {
        Atomics.add(shared, 0, 1);
        return new Promise((r) => setTimeout(r, ms));
      };
      for await (
        const _ of pool.map(count, [counter, counter, counter], [50, 50, 50])
      ) {
        break;
      }
      await pool.shutdown();
      assert.ok(Atomics.load(counter, 0) < 3, "not every call ran");
    });
  });

  it("checks its arguments at the call", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const id = (n: number) => n;
      assert.throws(() => pool.map(id, 5 as never), TypeError);
      assert.throws(() => pool.map(id, [1], { chunksize: 0 }), {
        name: "RangeError",
        message: "chunksize must be at least 1, got 0",
      });
      assert.throws(() => pool.map(id, [1], { chunksize: 1.5 }), {
        name: "RangeError",
        message: "chunksize must be an integer, got 1.5",
      });
      assert.throws(() => pool.map(id, [1], { chunksize: "2" as never }), {
        name: "TypeError",
        message: 'chunksize must be an integer, got the string "2"',
      });
      assert.throws(
        () => pool.map(id, [1], { timeout: "1" as never }),
        TypeError,
      );
    });
  });
});

describe("WorkerPoolExecutor.shutdown", () => {
  it("makes submit and map throw RuntimeError at once", async () => {
    await run(async () => {
      const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      await pool.submit(() => 1);
      await pool.shutdown();
      assert.throws(() => pool.submit(() => 1), RuntimeError);
      assert.throws(() => pool.map((n: number) => n, [1]), RuntimeError);
      await pool.shutdown();
    });
  });

  it("finishes queued jobs unless cancelFutures is set", async () => {
    await run(async () => {
      const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const jobs = [50, 10, 10].map((ms) =>
        pool.submit((t: number) => new Promise((r) => setTimeout(r, t, t)), ms)
      );
      await pool.shutdown({ wait: true });
      assert.deepEqual(jobs.map((job) => job.result()), [50, 10, 10]);
    });
  });

  it("cancels queued jobs with cancelFutures; the running one finishes", async () => {
    await run(async () => {
      const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const running = pool.submit(
        () => new Promise((r) => setTimeout(r, 100, "finished")),
      );
      const queued = [pool.submit(() => "a"), pool.submit(() => "b")];
      await pool.shutdown({ cancelFutures: true });
      assert.equal(running.result(), "finished");
      assert.ok(queued.every((job) => job.cancelled()));
    });
  });

  it("returns at once with wait: false and still stops the workers", async () => {
    await run(async () => {
      const pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const job = pool.submit(() =>
        new Promise((r) => setTimeout(r, 100, "late"))
      );
      let returned = false;
      const shutdown = pool.shutdown({ wait: false }).then(() =>
        returned = true
      );
      await sleep(0);
      await shutdown;
      assert.equal(returned, true);
      assert.equal(job.done(), false);
      assert.equal(await job, "late");
    });
  });

  it("shuts down on leaving an await using block", async () => {
    await run(async () => {
      let escaped: WorkerPoolExecutor;
      {
        await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
        await pool.submit(() => 1);
        escaped = pool;
      }
      assert.throws(() => escaped.submit(() => 1), RuntimeError);
    });
  });
});
