/**
 * W1 spawn-gather, W2 await-chain, W6 timers, W9 mass-cancel.
 *
 * @module
 */
import {
  CancelledError,
  createTask,
  gather,
  getRunningLoop,
  run,
  sleep,
  waitFor,
} from "../../mod.ts";
import * as effection from "effection";
import { Effect, Fiber } from "effect";
import { sum, type Workload } from "../harness.ts";
import { cpython } from "../cpython.ts";

/** Sizes and round counts shared by every workload. */
export interface Plan {
  /** Timed rounds. */
  rounds: number;
  /** Untimed rounds first. */
  warmup: number;
  /** Divides every default size, for a quick run. */
  scale: number;
}

/** W1: N tasks that each yield once and return their index. */
export function w1(plan: Plan): Workload {
  const n = Math.round(100_000 / plan.scale);
  const checksum = (n * (n - 1)) / 2;
  return {
    id: "W1",
    goal: { against: ["raw Promise.all"], ratio: 2 },
    title: `spawn-gather: ${n} tasks, each sleep(0) once`,
    checksum,
    systems: [
      {
        name: "@aio/asyncio",
        kind: "aio",
        run: () =>
          run(async () => {
            const tasks = new Array(n);
            for (let i = 0; i < n; i++) {
              tasks[i] = createTask(async () => {
                await sleep(0);
                return i;
              });
            }
            return sum(await gather(tasks));
          }),
      },
      {
        name: "raw Promise.all",
        kind: "floor",
        run: async () => {
          const jobs = new Array(n);
          for (let i = 0; i < n; i++) {
            jobs[i] = (async () => {
              await null;
              return i;
            })();
          }
          return sum(await Promise.all(jobs));
        },
      },
      cpython("W1", plan.rounds + plan.warmup, n),
      {
        name: "Effection 4 spawn+all",
        kind: "peer",
        run: () =>
          effection.run(function* () {
            const tasks = [];
            for (let i = 0; i < n; i++) {
              tasks.push(
                yield* effection.spawn(function* () {
                  yield* effection.sleep(0);
                  return i;
                }),
              );
            }
            return sum(yield* effection.all(tasks));
          }),
      },
      {
        name: "Effect forEach+yieldNow",
        kind: "peer",
        run: () =>
          Effect.runPromise(
            Effect.forEach(
              Array.from({ length: n }, (_, i) => i),
              (i) => Effect.as(Effect.yieldNow, i),
              { concurrency: "unbounded" },
            ).pipe(Effect.map(sum)),
          ),
      },
    ],
  };
}

/** W2: one task awaits an already-completed future N times. */
export function w2(plan: Plan): Workload {
  const n = Math.round(1_000_000 / plan.scale);
  return {
    id: "W2",
    goal: { against: ["raw await Promise.resolve()"], ratio: 2 },
    title: `await-chain: ${n} awaits of a done future`,
    checksum: n,
    systems: [
      {
        name: "@aio/asyncio",
        kind: "aio",
        run: () =>
          run(async () => {
            const future = getRunningLoop().createFuture<number>();
            future.setResult(1);
            let total = 0;
            for (let i = 0; i < n; i++) total += await future;
            return total;
          }),
      },
      {
        name: "raw await Promise.resolve()",
        kind: "floor",
        run: async () => {
          const done = Promise.resolve(1);
          let total = 0;
          for (let i = 0; i < n; i++) total += await done;
          return total;
        },
      },
      cpython("W2", plan.rounds + plan.warmup, n),
      {
        name: "Effection 4 until(promise)",
        kind: "peer",
        run: () =>
          effection.run(function* () {
            const done = Promise.resolve(1);
            let total = 0;
            for (let i = 0; i < n; i++) total += yield* effection.until(done);
            return total;
          }),
      },
    ],
  };
}

/**
 * W6: N concurrent sleeps of (i*37) % 101 ms; reports the smallest worst
 * overshoot of any round, as the times report the fastest round.
 */
export function w6(plan: Plan, overshoots: Map<string, number>): Workload {
  const n = Math.round(100_000 / plan.scale);
  const delay = (i: number) => ((i * 37) % 101) / 1000;
  const record = (name: string, ms: number) =>
    overshoots.set(name, Math.min(overshoots.get(name) ?? Infinity, ms));
  return {
    id: "W6",
    title: `timers: ${n} concurrent sleeps of 0-100 ms (wall time)`,
    checksum: n,
    systems: [
      {
        name: "@aio/asyncio",
        kind: "aio",
        run: () =>
          run(async () => {
            const loop = getRunningLoop();
            const start = loop.time();
            let worst = 0;
            const sleepers = new Array(n);
            for (let i = 0; i < n; i++) {
              sleepers[i] = createTask(async () => {
                await sleep(delay(i));
                worst = Math.max(worst, loop.time() - start - delay(i));
                return 1;
              });
            }
            const total = (await gather(sleepers)).length;
            record("@aio/asyncio", worst * 1000);
            return total;
          }),
      },
      {
        name: "raw setTimeout",
        kind: "floor",
        run: async () => {
          const start = performance.now();
          let worst = 0;
          const timers = new Array(n);
          for (let i = 0; i < n; i++) {
            timers[i] = new Promise<number>((resolve) =>
              setTimeout(() => {
                worst = Math.max(
                  worst,
                  performance.now() - start - delay(i) * 1000,
                );
                resolve(1);
              }, delay(i) * 1000)
            );
          }
          const total = (await Promise.all(timers)).length;
          record("raw setTimeout", worst);
          return total;
        },
      },
      cpython("W6", plan.rounds + plan.warmup, n),
    ],
  };
}

/** W9: N tasks sleeping an hour; cancel all; wait until all are done. */
export function w9(plan: Plan): Workload {
  const n = Math.round(100_000 / plan.scale);
  return {
    id: "W9",
    goal: { against: ["CPython 3 asyncio"], ratio: 0.1 },
    title: `mass-cancel: ${n} tasks sleeping 1 h, cancel all`,
    checksum: n,
    systems: [
      {
        name: "@aio/asyncio",
        kind: "aio",
        run: () =>
          run(async () => {
            const tasks = new Array(n);
            for (let i = 0; i < n; i++) {
              tasks[i] = createTask(() => sleep(3600));
            }
            await sleep(0);
            for (const task of tasks) task.cancel();
            const outcomes = await gather(tasks, { returnExceptions: true });
            return outcomes.filter((o) => o instanceof CancelledError).length;
          }),
      },
      cpython("W9", plan.rounds + plan.warmup, n),
      {
        name: "Effection 4 halt",
        kind: "peer",
        run: () =>
          effection.run(function* () {
            const tasks = [];
            for (let i = 0; i < n; i++) {
              tasks.push(
                yield* effection.spawn(() => effection.sleep(3_600_000)),
              );
            }
            yield* effection.sleep(0);
            for (const task of tasks) yield* task.halt();
            return tasks.length;
          }),
      },
      {
        name: "Effect interruptAll",
        kind: "peer",
        run: () =>
          Effect.runPromise(Effect.gen(function* () {
            const fibers = [];
            for (let i = 0; i < n; i++) {
              fibers.push(yield* Effect.forkChild(Effect.sleep("1 hour")));
            }
            yield* Effect.yieldNow;
            yield* Fiber.interruptAll(fibers);
            return fibers.length;
          })),
      },
    ],
  };
}

/** W10: N tasks each under a waitFor that never fires (timer cancel cost). */
export function w10(plan: Plan): Workload {
  const n = Math.round(100_000 / plan.scale);
  const checksum = (n * (n - 1)) / 2;
  return {
    id: "W10",
    title: `waitFor-never-fires: ${n} tasks, each waitFor(sleep(0), 10)`,
    checksum,
    systems: [
      {
        name: "@aio/asyncio",
        kind: "aio",
        run: () =>
          run(async () => {
            const tasks = new Array(n);
            for (let i = 0; i < n; i++) {
              tasks[i] = createTask(async () => {
                await waitFor(() => sleep(0), 10);
                return i;
              });
            }
            return sum(await gather(tasks));
          }),
      },
      {
        name: "raw Promise.race+setTimeout",
        kind: "floor",
        run: async () => {
          const jobs = new Array(n);
          for (let i = 0; i < n; i++) {
            jobs[i] = (async () => {
              let timer: ReturnType<typeof setTimeout> | undefined;
              await Promise.race([
                (async () => {
                  await null;
                })(),
                new Promise((_, reject) => {
                  timer = setTimeout(
                    () => reject(new Error("timeout")),
                    10_000,
                  );
                }),
              ]);
              clearTimeout(timer);
              return i;
            })();
          }
          return sum(await Promise.all(jobs));
        },
      },
      cpython("W10", plan.rounds + plan.warmup, n),
    ],
  };
}
