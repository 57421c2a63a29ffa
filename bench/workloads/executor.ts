/**
 * W7 pool-roundtrip and W8 pool-cpu.
 *
 * @module
 */
import { Worker } from "node:worker_threads";
import { gather, Runner } from "../../mod.ts";
import { WorkerPoolExecutor } from "../../executor/mod.ts";
import { sum, type System, type Workload } from "../harness.ts";
import { cpython } from "../cpython.ts";
import type { Plan } from "./tasks.ts";

const workers = new URL("../workers/", import.meta.url);

/** The floor: two worker_threads, jobs posted round-robin, ids matched. */
class RawPool {
  #workers: Worker[];
  #pending = new Map<number, (value: number) => void>();
  #next = 0;

  constructor(size: number, job: string) {
    const code = `import { parentPort } from "node:worker_threads";
const job = ${job};
parentPort.on("message", ([id, args]) => parentPort.postMessage([id, job(...args)]));`;
    const url = new URL("data:text/javascript," + encodeURIComponent(code));
    this.#workers = Array.from({ length: size }, () => {
      const worker = new Worker(url);
      worker.on("message", ([id, value]: [number, number]) => {
        this.#pending.get(id)!(value);
        this.#pending.delete(id);
      });
      return worker;
    });
  }

  run(...args: number[]): Promise<number> {
    const id = this.#next++;
    const worker = this.#workers[id % this.#workers.length];
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      worker.postMessage([id, args]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}

/** Closes everything the pools of a workload opened, once it is measured. */
export const closers: (() => Promise<unknown>)[] = [];

function aioSystem(
  name: string,
  jobs: (pool: WorkerPoolExecutor) => Promise<number>,
): System {
  let runner: Runner | null = null;
  let pool: WorkerPoolExecutor | null = null;
  return {
    name,
    kind: "aio",
    run: () => {
      if (runner === null) {
        const own = runner = new Runner();
        closers.push(async () => {
          await own.run(() => pool?.shutdown());
          await own.close();
        });
      }
      return runner.run(() =>
        jobs(pool ??= new WorkerPoolExecutor({ maxWorkers: 2 }))
      );
    },
  };
}

function rawSystem(
  name: string,
  job: string,
  jobs: (pool: RawPool) => Promise<number>,
): System {
  let pool: RawPool | null = null;
  return {
    name,
    kind: "floor",
    run: () => {
      if (pool === null) {
        const own = pool = new RawPool(2, job);
        closers.push(() => own.close());
      }
      return jobs(pool);
    },
  };
}

/** Peers that may not load on every runtime are reported, not fatal. */
async function peerSystems(
  jobs: Record<string, (pools: Record<string, unknown>) => Promise<number>>,
  make: Record<string, () => Promise<unknown>>,
): Promise<System[]> {
  const pools: Record<string, unknown> = {};
  return Object.keys(jobs).map((name) => ({
    name,
    kind: "peer" as const,
    run: async () => {
      if (!(name in pools)) {
        pools[name] = await make[name]();
        closers.push(() => close(pools[name]));
      }
      return await jobs[name](pools);
    },
  }));
}

async function close(pool: unknown): Promise<void> {
  const p = pool as {
    destroy?: () => unknown;
    terminate?: () => unknown;
    close?: () => unknown;
  };
  await (p.destroy?.() ?? p.terminate?.() ?? p.close?.());
}

const piscina = async (file: string) => {
  const { Piscina } = await import("piscina");
  return new Piscina({
    filename: new URL(file, workers).href,
    minThreads: 2,
    maxThreads: 2,
  });
};
const tinypool = async (file: string) => {
  const { Tinypool } = await import("tinypool");
  return new Tinypool({
    filename: new URL(file, workers).href,
    minThreads: 2,
    maxThreads: 2,
  });
};
const workerpool = async () => {
  const wp = await import("workerpool");
  return (wp.default ?? wp).pool(
    new URL("workerpool_jobs.cjs", workers).pathname,
    {
      maxWorkers: 2,
      workerType: "thread",
    },
  );
};

type Exec = { run(task: unknown): Promise<number> };
type WorkerPool = { exec(method: string, args: unknown[]): Promise<number> };

/** W7: N tiny jobs through a pool of 2 workers, all awaited. */
export async function w7(plan: Plan): Promise<Workload> {
  const n = Math.round(10_000 / plan.scale);
  const checksum = (n * (n - 1)) / 2 + n;
  const ids = Array.from({ length: n }, (_, i) => i);
  return {
    id: "W7",
    goal: { against: ["raw postMessage x2"], ratio: 1.5 },
    title: `pool-roundtrip: ${n} jobs adding two numbers, 2 workers`,
    checksum,
    systems: [
      aioSystem("@aio/asyncio WorkerPool", async (pool) => {
        const add = (a: number, b: number) => a + b;
        return sum(await gather(ids.map((i) => pool.submit(add, i, 1))));
      }),
      rawSystem(
        "raw postMessage x2",
        "(a, b) => a + b",
        async (pool) => sum(await Promise.all(ids.map((i) => pool.run(i, 1)))),
      ),
      cpython("W7", plan.rounds + plan.warmup, n, "thread"),
      ...await peerSystems({
        "piscina": async (p) =>
          sum(
            await Promise.all(
              ids.map((i) => (p.piscina as Exec).run({ a: i, b: 1 })),
            ),
          ),
        "tinypool": async (p) =>
          sum(
            await Promise.all(
              ids.map((i) => (p.tinypool as Exec).run({ a: i, b: 1 })),
            ),
          ),
        "workerpool": async (p) =>
          sum(
            await Promise.all(
              ids.map((i) => (p.workerpool as WorkerPool).exec("add", [i, 1])),
            ),
          ),
      }, {
        piscina: () => piscina("add.mjs"),
        tinypool: () => tinypool("add.mjs"),
        workerpool,
      }),
    ],
  };
}

/**
 * W8: 16 fib(n) on 2 workers against serially on the main thread. The
 * workload names fib(27), a few milliseconds in V8, where worker overhead
 * dominates; fib(32) shows the scaling of real work.
 */
export async function w8(_plan: Plan, n = 27): Promise<Workload> {
  const jobs = 16;
  const fib = (k: number): number => k < 2 ? k : fib(k - 1) + fib(k - 2);
  const checksum = jobs * fib(n);
  const list = Array.from({ length: jobs }, () => n);
  return {
    id: n === 27 ? "W8" : `W8 fib(${n})`,
    goal: { against: ["raw workers x2"], ratio: 0.9, by: "speedup" },
    title: `pool-cpu: ${jobs} x fib(${n}), 2 workers vs the main thread alone`,
    checksum,
    systems: [
      aioSystem("@aio/asyncio WorkerPool", async (pool) => {
        const fibJob = (k: number): number =>
          k < 2 ? k : fibJob(k - 1) + fibJob(k - 2);
        return sum(await gather(list.map((k) => pool.submit(fibJob, k))));
      }),
      {
        name: "serial, main thread",
        kind: "floor",
        run: () => sum(list.map(fib)),
      },
      rawSystem(
        "raw workers x2",
        "(k) => { const fib = (k) => k < 2 ? k : fib(k - 1) + fib(k - 2); return fib(k); }",
        async (pool) => sum(await Promise.all(list.map((k) => pool.run(k)))),
      ),
      ...await peerSystems({
        "piscina": async (p) =>
          sum(
            await Promise.all(
              list.map((k) => (p.piscina as Exec).run({ n: k })),
            ),
          ),
        "tinypool": async (p) =>
          sum(
            await Promise.all(
              list.map((k) => (p.tinypool as Exec).run({ n: k })),
            ),
          ),
        "workerpool": async (p) =>
          sum(
            await Promise.all(
              list.map((k) => (p.workerpool as WorkerPool).exec("fib", [k])),
            ),
          ),
      }, {
        piscina: () => piscina("fib.mjs"),
        tinypool: () => tinypool("fib.mjs"),
        workerpool,
      }),
    ],
  };
}
