import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  run,
  RuntimeError,
  sleep,
} from "../../mod.ts";
import {
  BrokenExecutorError,
  type JobContext,
  jobSignal,
  WorkerPoolExecutor,
} from "../../executor/mod.ts";
import { extension } from "../fixtures/runtime.ts";

const work = new URL(`./fixtures/work${extension}`, import.meta.url);

/** Increments a shared counter: proof, from the host, that a job ran. */
const markRun = (counter: Int32Array) => Atomics.add(counter, 0, 1);

describe("cancelling jobs", () => {
  it("drops a queued job: it never runs", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const counter = new Int32Array(new SharedArrayBuffer(4));
      const blocker = pool.submit(() => new Promise((r) => setTimeout(r, 100)));
      const queued = pool.submit(markRun, counter);
      assert.equal(queued.cancel("not needed"), true);
      await blocker;
      await pool.submit(() => "after");
      assert.equal(Atomics.load(counter, 0), 0);
      await assert.rejects(async () => await queued, CancelledError);
    });
  });

  it("takes back a cancelled job waiting in a worker: it never runs", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const counter = new Int32Array(new SharedArrayBuffer(4));
      await pool.submit(() => "warm");
      const blocker = pool.submit(() => new Promise((r) => setTimeout(r, 100)));
      const waiting = [
        pool.submit(markRun, counter),
        pool.submit(markRun, counter),
      ];
      waiting[0].cancel();
      await blocker;
      await waiting[1];
      assert.equal(Atomics.load(counter, 0), 1);
      assert.equal(waiting[0].cancelled(), true);
    });
  });

  it("aborts the signal of a running async job, which stops by itself", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({
        maxWorkers: 1,
        gracePeriod: null,
      });
      // Slot 1: the job runs; slot 0: it saw its signal abort.
      const counter = new Int32Array(new SharedArrayBuffer(8));
      const job = pool.submit(async (shared: Int32Array) => {
        const signal = jobSignal();
        Atomics.store(shared, 1, 1);
        await new Promise((resolve) =>
          signal.addEventListener("abort", resolve)
        );
        Atomics.store(shared, 0, 1);
      }, counter);
      await untilStarted(counter);
      job.cancel();
      await assert.rejects(async () => await job, CancelledError);
      // The same worker, not a replacement, runs the next job.
      assert.equal(await pool.submit(() => "next"), "next");
      assert.equal(Atomics.load(counter, 0), 1, "the job saw its signal abort");
    });
  });

  it("lets a busy synchronous job see the cancel through jobSignal()", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({
        maxWorkers: 1,
        gracePeriod: null,
      });
      const counter = new Int32Array(new SharedArrayBuffer(8));
      const job = pool.submit((shared: Int32Array) => {
        const signal = jobSignal();
        Atomics.store(shared, 1, 1);
        while (!signal.aborted) {
          // CPU-bound work in small steps.
        }
        Atomics.store(shared, 0, 1);
        signal.throwIfAborted();
      }, counter);
      await untilStarted(counter);
      job.cancel();
      assert.equal(await pool.submit(() => "next"), "next");
      assert.equal(Atomics.load(counter, 0), 1);
    });
  });

  it("sees the cancel in a module task too", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({
        maxWorkers: 1,
        gracePeriod: null,
      });
      // Slot 1: the job waits; slot 0: it saw its signal abort.
      const flags = new Int32Array(new SharedArrayBuffer(8));
      const job = pool.submit({ module: work, name: "waitForCancel" }, flags);
      await untilStarted(flags);
      job.cancel();
      // The same worker, not a replacement, runs the next job.
      assert.equal(await pool.submit(() => "next"), "next");
      assert.equal(Atomics.load(flags, 0), 1, "the job saw its signal abort");
    });
  });

  it("terminates and replaces a worker that ignores the cancel", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({
        maxWorkers: 2,
        gracePeriod: 0.1,
      });
      // Slot 1: the stuck job runs; slot 2: the neighbour runs; slot 0:
      // the test lets the neighbour finish.
      const flags = new Int32Array(new SharedArrayBuffer(12));
      const stuck = pool.submit((shared: Int32Array) => {
        Atomics.store(shared, 1, 1);
        for (;;) {
          // Never looks at its signal.
        }
      }, flags);
      const neighbour = pool.submit((shared: Int32Array) => {
        Atomics.store(shared, 2, 1);
        Atomics.wait(shared, 0, 0);
        return "unharmed";
      }, flags);
      while (Atomics.load(flags, 1) === 0 || Atomics.load(flags, 2) === 0) {
        await sleep(0.005);
      }
      stuck.cancel();
      await assert.rejects(async () => await stuck, CancelledError);
      // Past the grace period, the stuck worker alone is terminated.
      while (pool.stats().workers > 1) await sleep(0.005);
      Atomics.store(flags, 0, 1);
      Atomics.notify(flags, 0);
      assert.equal(await neighbour, "unharmed");
      const after = await Promise.all([
        pool.submit(() => 1),
        pool.submit(() => 2),
      ]);
      assert.deepEqual(after, [1, 2]);
    });
  });

  it("cancels the job when the task awaiting it is cancelled", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({
        maxWorkers: 1,
        gracePeriod: 0,
      });
      const started = new Int32Array(new SharedArrayBuffer(8));
      const job = pool.submit((shared: Int32Array) => {
        Atomics.store(shared, 1, 1);
        return new Promise(() => {});
      }, started);
      const task = createTask(async () => await job);
      await untilStarted(started);
      task.cancel();
      await assert.rejects(async () => await task, CancelledError);
      assert.equal(job.cancelled(), true);
      assert.equal(await pool.submit(() => "replaced"), "replaced");
    });
  });
});

describe("dead workers", () => {
  it("fail only their own job with BrokenExecutorError and are replaced", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 2 });
      const crash = pool.submit({ module: work, name: "crashLater" });
      const neighbour = pool.submit(
        () => new Promise((r) => setTimeout(r, 300, "unharmed")),
      );
      await assert.rejects(async () => await crash, (error: unknown) => {
        assert.ok(error instanceof BrokenExecutorError);
        assert.ok(error instanceof RuntimeError);
        assert.match((error.cause as Error).message, /worker blew up/);
        return true;
      });
      assert.equal(await neighbour, "unharmed");
      assert.equal(await pool.submit((n: number) => n + 1, 1), 2);
    });
  });

  it("fail the job of a worker that exits, not the one waiting behind it", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const exit = pool.submit({ module: work, name: "exitWorker" }, 3);
      const queued = pool.submit((n: number) => n * 2, 21);
      await assert.rejects(
        async () => await exit,
        (error: Error) =>
          error instanceof BrokenExecutorError && /code 3/.test(error.message),
      );
      assert.equal(await queued, 42);
    });
  });

  it("fail only the running job: jobs waiting in that worker go to another", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      await pool.submit(() => "warm");
      const crasher = pool.submit(() => {
        setTimeout(() => {
          throw new Error("boom in a timer");
        }, 30);
        return "returned before the crash";
      });
      // Small jobs, sent in batches to wait in the same worker.
      const small = Array.from(
        { length: 40 },
        (_, i) =>
          pool.submit(
            (n: number) => new Promise((r) => setTimeout(r, 2, n)),
            i,
          ),
      );
      const outcomes = await Promise.allSettled([crasher, ...small]);
      const failed = outcomes.filter((o) => o.status === "rejected");
      assert.equal(failed.length, 1, "only the job running at the crash");
      const { reason } = failed[0] as PromiseRejectedResult;
      assert.ok(reason instanceof BrokenExecutorError);
      assert.match((reason.cause as Error).message, /boom in a timer/);
      assert.equal(outcomes[0].status, "fulfilled");
    });
  });

  it("fail no job when the worker dies idle, and are replaced", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
      const counter = new Int32Array(new SharedArrayBuffer(4));
      await pool.submit((shared: Int32Array) => {
        setTimeout(() => {
          Atomics.store(shared, 0, 1);
          throw new Error("boom while idle");
        }, 10);
      }, counter);
      while (Atomics.load(counter, 0) === 0) await sleep(0.01);
      // The pool saw it die: no job goes to the dead worker.
      while (pool.stats().workers > 0) await sleep(0.01);
      assert.equal(await pool.submit(() => "replaced"), "replaced");
    });
  });
});

describe("jobs under bundlers", () => {
  it("reach their signal and move() as this, with no import to rename", async () => {
    await run(async () => {
      await using pool = new WorkerPoolExecutor({
        maxWorkers: 1,
        gracePeriod: null,
      });
      const noticed = new Int32Array(new SharedArrayBuffer(4));
      const job = pool.submit(function (this: JobContext, flag: Int32Array) {
        Atomics.store(flag, 0, 1);
        while (!this.signal.aborted) {
          // Busy until cancelled.
        }
        Atomics.store(flag, 0, 2);
      }, noticed);
      while (Atomics.load(noticed, 0) === 0) await sleep(0.005);
      job.cancel();
      await assert.rejects(async () => await job, CancelledError);
      while (Atomics.load(noticed, 0) !== 2) await sleep(0.005);
      const kept = await pool.submit(function (this: JobContext) {
        const bytes = new Uint8Array(8).fill(1);
        (globalThis as { kept?: Uint8Array }).kept = bytes;
        return this.move(bytes);
      });
      assert.equal(kept.length, 8);
      assert.equal(
        await pool.submit(() =>
          (globalThis as { kept?: Uint8Array }).kept!.length
        ),
        0,
        "moved, not copied",
      );
    });
  });

  it("say how to reach the signal when an import was renamed", async () => {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
    // As a minifier leaves `jobSignal().aborted` once it renamed the import.
    const minified = new Function("te", "return () => te().aborted")(jobSignal);
    assert.throws(
      () => pool.submit(minified),
      (error: Error) =>
        error instanceof TypeError && /'te'/.test(error.message) &&
        /this\.signal/.test(error.message),
    );
  });
});

/** Waits, a loop turn at a time, until a job has set slot 1 of `flags`. */
async function untilStarted(flags: Int32Array): Promise<void> {
  while (Atomics.load(flags, 1) === 0) await sleep(0.005);
}

describe("the queue's count", () => {
  it("stays at zero when shutdown cancels the queued jobs", async () => {
    const pool = new WorkerPoolExecutor({ maxWorkers: 1, gracePeriod: 0 });
    const started = new Int32Array(new SharedArrayBuffer(8));
    const running = pool.submit((shared: Int32Array) => {
      Atomics.store(shared, 1, 1);
      return new Promise(() => {});
    }, started);
    const queued = [1, 2, 3].map((n) => pool.submit((x: number) => x, n));
    await run(() => untilStarted(started));
    await pool.shutdown({ wait: false, cancelFutures: true });
    assert.ok(queued.every((job) => job.cancelled()));
    assert.equal(pool.stats().queued, 0);
    running.cancel(); // gracePeriod 0: its worker goes at once
  });
});
