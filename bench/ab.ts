/**
 * Before/after in one process: the library's side of W1, W2, W3, W4, W9 and W10
 * on two or more checkouts of this repository, rounds interleaved, so that
 * a noisy machine slows every checkout alike. Prints min and median wall
 * time per checkout and the main thread's CPU time per round (Linux; the
 * process's elsewhere), which a busy machine disturbs less, with the ratio
 * of each to the first.
 *
 *   git worktree add /tmp/before <commit>
 *   deno run -A bench/ab.ts /tmp/before,. [--scale 4] [--rounds 9] [--only W1,W4]
 *   node_modules/.bin/bun bench/ab.ts /tmp/before,. ...
 *   node npm/bench/ab.js /tmp/before,. ...   (each checkout built: scripts/build_npm.mjs)
 *   ... [--lived-in]
 *
 * With one checkout it runs that one alone, for `bench/ab_processes.sh`,
 * which runs each checkout in a process of its own: two in one process
 * disturb each other (on Bun they hid a W1 difference of 10% that a
 * process each showed).
 *
 * `--lived-in` first uses a timer, an immediate and a TCP server under an
 * `AsyncLocalStorage`, as any program with I/O does. On Node 20 that makes
 * the async-hooks code every promise passes through see more kinds of
 * resource than its inline caches keep fast. A process that never did so
 * (the default) ran W2 of `cfb79f3` in 134 ms, one that had in 195-200 ms.
 * A library that makes two more kinds of resource of its own (as `main`
 * does) then read 1.25x slower than `cfb79f3` in the first kind of process
 * and 0.96-0.98x in the second.
 *
 * @module
 */
import process from "node:process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { existsSync, readFileSync } from "node:fs";
import { AsyncLocalStorage } from "node:async_hooks";
import { createServer } from "node:net";
import { setImmediate, setTimeout } from "node:timers";
import { option, sum } from "./harness.ts";

// deno-lint-ignore no-explicit-any
type Library = any;

const scale = Number(option("scale", "4"));
const rounds = Number(option("rounds", "9"));
const only = option("only", "W1,W2,W3,W4,W9").split(",");
const roots = (process.argv[2] ?? "").split(",").filter(Boolean);
if (roots.length < 1 || roots[0].startsWith("--")) {
  throw new TypeError("Usage: ab.ts CHECKOUT[,CHECKOUT...] [--scale 4]");
}
/** The npm build runs as JavaScript and loads each checkout's build. */
const entry = import.meta.url.endsWith(".js") ? "npm/mod.js" : "mod.ts";
const n = Math.round(100_000 / scale);

/** Each workload as its `@aio/asyncio` system in bench/workloads/ runs it. */
const workloads: Record<string, (m: Library) => Promise<number>> = {
  W1: (m) =>
    m.run(async () => {
      const tasks = [];
      for (let i = 0; i < n; i++) {
        tasks.push(m.createTask(async () => {
          await m.sleep(0);
          return i;
        }));
      }
      return sum(await m.gather(tasks));
    }),
  W2: (m) =>
    m.run(async () => {
      const future = m.getRunningLoop().createFuture();
      future.setResult(1);
      let total = 0;
      for (let i = 0; i < n * 10; i++) total += await future;
      return total;
    }),
  W3: (m) =>
    m.run(async () => {
      const lock = new m.Lock();
      let counter = 0;
      const worker = async () => {
        for (let r = 0; r < 10_000 / scale; r++) {
          await lock.acquire();
          try {
            await m.sleep(0);
            counter++;
          } finally {
            lock.release();
          }
        }
      };
      await m.gather(Array.from({ length: 100 }, () => m.createTask(worker)));
      return counter;
    }),
  W4: (m) =>
    m.run(async () => {
      const semaphore = new m.Semaphore(10);
      const job = async (i: number) => {
        await semaphore.acquire();
        try {
          await m.sleep(0);
          return i;
        } finally {
          semaphore.release();
        }
      };
      const tasks = [];
      for (let i = 0; i < n; i++) tasks.push(m.createTask(() => job(i)));
      return sum(await m.gather(tasks));
    }),
  W10: (m) =>
    m.run(async () => {
      const tasks = [];
      for (let i = 0; i < n; i++) {
        tasks.push(m.createTask(async () => {
          await m.waitFor(() => m.sleep(0), 10);
          return i;
        }));
      }
      return sum(await m.gather(tasks));
    }),
  W9: (m) =>
    m.run(async () => {
      const tasks = [];
      for (let i = 0; i < n; i++) {
        tasks.push(m.createTask(() => m.sleep(3600)));
      }
      await m.sleep(0);
      for (const task of tasks) task.cancel();
      return (await m.gather(tasks, { returnExceptions: true })).length;
    }),
};

const THREAD_STAT = "/proc/thread-self/stat";
const CLOCK_TICK_MS = 10;

/** CPU milliseconds used so far by this thread (Linux), else the process. */
const cpuMs: () => number = existsSync(THREAD_STAT)
  ? () => {
    // utime and stime, the 14th and 15th fields, counted after the name.
    const fields = readFileSync(THREAD_STAT, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
  }
  : () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };

/** Puts the process in the state of one that has done I/O (see above). */
async function liveIn(): Promise<void> {
  const storage = new AsyncLocalStorage<number>();
  await storage.run(1, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        server.close(() => resolve());
      });
    });
  });
  storage.disable();
}

if (process.argv.includes("--lived-in")) await liveIn();
const libraries: Library[] = [];
for (const root of roots) {
  libraries.push(await import(pathToFileURL(resolve(root, entry)).href));
}
const name = (root: string) => root.replace(/\/$/, "").split("/").pop();
console.log(
  `# scale 1/${scale}, ${rounds} rounds after a warm-up: ` +
    "min / median / mean ms, CPU ms per round",
);
for (const id of only) {
  const workload = workloads[id];
  if (workload === undefined) throw new RangeError(`Unknown workload ${id}`);
  const times: number[][] = roots.map(() => []);
  const cpu = roots.map(() => 0);
  for (let round = 0; round <= rounds; round++) {
    // Alternate the order, so that no checkout always runs after another.
    const order = roots.map((_, i) => round % 2 ? i : roots.length - 1 - i);
    for (const i of order) {
      const cpuStart = cpuMs();
      const start = performance.now();
      const result = await workload(libraries[i]);
      const ms = performance.now() - start;
      if (round > 0) cpu[i] += cpuMs() - cpuStart;
      if (typeof result !== "number" || Number.isNaN(result)) {
        throw new Error(`${id} on ${roots[i]} returned ${result}`);
      }
      if (round > 0) times[i].push(ms);
    }
  }
  const stats = times.map((t) => {
    const sorted = t.sort((a, b) => a - b);
    return {
      min: sorted[0],
      median: sorted[sorted.length >> 1],
      mean: sum(sorted) / sorted.length,
    };
  });
  const ratio = (value: number, first: number, what: string) =>
    ` (${(value / first).toFixed(2)}x ${what})`;
  const cells = stats.map((s, i) =>
    `${name(roots[i])} ${s.min.toFixed(1)} / ${s.median.toFixed(1)} / ` +
    s.mean.toFixed(1) +
    (i === 0 ? "" : ratio(s.min, stats[0].min, "min")) +
    `, CPU ${(cpu[i] / rounds).toFixed(1)}` +
    (i === 0 ? "" : ratio(cpu[i], cpu[0], "CPU"))
  );
  console.log(`${id}: ${cells.join(" | ")}`);
}
process.exit(0);
