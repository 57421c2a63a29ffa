/**
 * W3 lock-contention, W4 limited-concurrency, W5 bounded-queue.
 *
 * @module
 */
import { createTask, gather, run, sleep } from "../../mod.ts";
import { Lock, Queue, Semaphore } from "../../sync/mod.ts";
import { Mutex } from "async-mutex";
import pLimit from "p-limit";
import { Sema } from "async-sema";
import PQueue from "p-queue";
import {
  Effect,
  Fiber,
  Queue as EffectQueue,
  Semaphore as EffectSemaphore,
} from "effect";
import { sum, type Workload } from "../harness.ts";
import { cpython } from "../cpython.ts";
import type { Plan } from "./tasks.ts";

/** W3: tasks take a lock, yield once inside, release; many rounds each. */
export function w3(plan: Plan): Workload {
  const tasks = 100;
  const rounds = Math.round(10_000 / plan.scale);
  const checksum = tasks * rounds;
  return {
    id: "W3",
    goal: { against: ["async-mutex Mutex"], ratio: 1 },
    title:
      `lock-contention: ${tasks} tasks x ${rounds} rounds, one yield inside`,
    checksum,
    systems: [
      {
        name: "@aio/asyncio Lock",
        kind: "aio",
        run: () =>
          run(async () => {
            const lock = new Lock();
            let counter = 0;
            const worker = async () => {
              for (let r = 0; r < rounds; r++) {
                await lock.acquire();
                try {
                  await sleep(0);
                  counter++;
                } finally {
                  lock.release();
                }
              }
            };
            await gather(
              Array.from({ length: tasks }, () => createTask(worker)),
            );
            return counter;
          }),
      },
      cpython("W3", plan.rounds + plan.warmup, tasks, rounds),
      {
        name: "async-mutex Mutex",
        kind: "peer",
        run: async () => {
          const mutex = new Mutex();
          let counter = 0;
          const worker = async () => {
            for (let r = 0; r < rounds; r++) {
              await mutex.runExclusive(async () => {
                await null;
                counter++;
              });
            }
          };
          await Promise.all(Array.from({ length: tasks }, worker));
          return counter;
        },
      },
      {
        name: "Effect Semaphore(1)",
        kind: "peer",
        run: () =>
          Effect.runPromise(Effect.gen(function* () {
            const semaphore = yield* EffectSemaphore.make(1);
            let counter = 0;
            const step = semaphore.withPermits(1)(
              Effect.andThen(Effect.yieldNow, Effect.sync(() => counter++)),
            );
            const worker = Effect.gen(function* () {
              for (let r = 0; r < rounds; r++) yield* step;
            });
            yield* Effect.forEach(Array.from({ length: tasks }), () => worker, {
              concurrency: "unbounded",
              discard: true,
            });
            return counter;
          })),
      },
    ],
  };
}

/** W4: N jobs that each yield once, at most 10 at a time. */
export function w4(plan: Plan): Workload {
  const n = Math.round(100_000 / plan.scale);
  const limit = 10;
  const checksum = (n * (n - 1)) / 2;
  const ids = Array.from({ length: n }, (_, i) => i);
  const rawJob = async (i: number) => {
    await null;
    return i;
  };
  return {
    id: "W4",
    goal: { against: ["p-limit", "async-sema"], ratio: 1 },
    title: `limited-concurrency: ${n} jobs, ${limit} at a time`,
    checksum,
    systems: [
      {
        name: "@aio/asyncio Semaphore",
        kind: "aio",
        run: () =>
          run(async () => {
            const semaphore = new Semaphore(limit);
            const job = async (i: number) => {
              await semaphore.acquire();
              try {
                await sleep(0);
                return i;
              } finally {
                semaphore.release();
              }
            };
            return sum(await gather(ids.map((i) => createTask(() => job(i)))));
          }),
      },
      cpython("W4", plan.rounds + plan.warmup, n, limit),
      {
        name: "p-limit",
        kind: "peer",
        run: async () => {
          const limited = pLimit(limit);
          return sum(
            await Promise.all(ids.map((i) => limited(() => rawJob(i)))),
          );
        },
      },
      {
        name: "async-sema",
        kind: "peer",
        run: async () => {
          const sema = new Sema(limit);
          const job = async (i: number) => {
            await sema.acquire();
            try {
              return await rawJob(i);
            } finally {
              sema.release();
            }
          };
          return sum(await Promise.all(ids.map(job)));
        },
      },
      {
        name: "p-queue",
        kind: "peer",
        run: async () => {
          const queue = new PQueue({ concurrency: limit });
          return sum(
            await Promise.all(
              ids.map((i) => queue.add(() => rawJob(i))),
            ) as number[],
          );
        },
      },
      {
        name: "Effect forEach concurrency",
        kind: "peer",
        run: () =>
          Effect.runPromise(
            Effect.forEach(ids, (i) => Effect.as(Effect.yieldNow, i), {
              concurrency: limit,
            }).pipe(Effect.map(sum)),
          ),
      },
    ],
  };
}

/** W5: 4 producers and 4 consumers move N integers through a queue of 100. */
export function w5(plan: Plan): Workload {
  const n = Math.round(1_000_000 / plan.scale);
  const producers = 4;
  const consumers = 4;
  const size = 100;
  const perProducer = n / producers;
  const checksum = (n * (n - 1)) / 2;
  return {
    id: "W5",
    goal: { against: ["CPython 3 asyncio"], ratio: 0.1 },
    title:
      `bounded-queue: ${n} items, ${producers} producers, ${consumers} consumers, size ${size}`,
    checksum,
    systems: [
      {
        name: "@aio/asyncio Queue",
        kind: "aio",
        run: () =>
          run(async () => {
            const queue = new Queue<number | null>(size);
            const produce = async (p: number) => {
              for (let i = 0; i < perProducer; i++) {
                await queue.put(p * perProducer + i);
              }
            };
            const consume = async () => {
              let total = 0;
              for (;;) {
                const item = await queue.get();
                if (item === null) return total;
                total += item;
              }
            };
            const consuming = Array.from({ length: consumers }, () =>
              createTask(consume));
            await gather(Array.from({ length: producers }, (_, p) =>
              createTask(() =>
                produce(p)
              )));
            for (let c = 0; c < consumers; c++) {
              await queue.put(null);
            }
            return sum(await gather(consuming));
          }),
      },
      cpython("W5", plan.rounds + plan.warmup, n, producers, consumers, size),
      {
        name: "Effect Queue.bounded",
        kind: "peer",
        run: () =>
          Effect.runPromise(Effect.gen(function* () {
            const queue = yield* EffectQueue.bounded<number | null>(size);
            const produce = (p: number) =>
              Effect.forEach(
                Array.from({ length: perProducer }, (_, i) =>
                  p * perProducer + i),
                (item) =>
                  EffectQueue.offer(queue, item),
                { discard: true },
              );
            const consume = Effect.gen(function* () {
              let total = 0;
              for (;;) {
                const item = yield* EffectQueue.take(queue);
                if (item === null) return total;
                total += item;
              }
            });
            const consuming = yield* Effect.forkChild(
              Effect.all(Array.from({ length: consumers }, () => consume), {
                concurrency: "unbounded",
              }),
            );
            yield* Effect.all(
              Array.from({ length: producers }, (_, p) => produce(p)),
              {
                concurrency: "unbounded",
              },
            );
            for (let c = 0; c < consumers; c++) {
              yield* EffectQueue.offer(queue, null);
            }
            const totals = yield* Fiber.join(consuming);
            return sum(totals);
          })),
      },
    ],
  };
}
