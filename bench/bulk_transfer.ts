/**
 * Bulk data through the pool: one job whose argument and result are a
 * 1 MiB or 16 MiB buffer, copied (the default) or moved (`move()`), against
 * the fastest raw round trip of the same buffer on this runtime (a worker
 * that echoes it with a transfer list: `node:worker_threads` everywhere,
 * and the web `Worker` where the runtime has one).
 *
 *   deno run -A bench/bulk_transfer.ts [--rounds 20]
 *   bun bench/bulk_transfer.ts
 *   node scripts/build_npm.mjs --tests && node npm/bench/bulk_transfer.js
 *
 * @module
 */
import process from "node:process";
import { Worker as ThreadWorker } from "node:worker_threads";
import { type JobContext, move, WorkerPoolExecutor } from "../executor/mod.ts";

const at = process.argv.indexOf("--rounds");
const rounds = at >= 0 ? Number(process.argv[at + 1]) : 20;
const sizes = [1 << 20, 16 << 20];

const ECHO = "data:text/javascript," + encodeURIComponent(`
import { parentPort } from "node:worker_threads";
parentPort.on("message", (b) => parentPort.postMessage(b, [b.buffer]));
`);
const WEB_ECHO = "data:text/javascript," + encodeURIComponent(`
self.onmessage = (e) => self.postMessage(e.data, [e.data.buffer]);
`);

/** The median of `rounds` timings (ms) of `once`, after one warm-up. */
async function median(once: () => Promise<void>): Promise<number> {
  await once();
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function rawThreads(size: number): Promise<number> {
  const worker = new ThreadWorker(new URL(ECHO));
  let buffer: Uint8Array = new Uint8Array(size);
  const ms = await median(() =>
    new Promise((resolve) => {
      worker.once("message", (back: Uint8Array) => {
        buffer = back;
        resolve();
      });
      worker.postMessage(buffer, [buffer.buffer as ArrayBuffer]);
    })
  );
  await worker.terminate();
  return ms;
}

async function rawWeb(size: number): Promise<number | null> {
  if (typeof globalThis.Worker !== "function") return null;
  const worker = new globalThis.Worker(WEB_ECHO, { type: "module" });
  let buffer: Uint8Array = new Uint8Array(size);
  const ms = await median(() =>
    new Promise((resolve) => {
      worker.onmessage = (event: MessageEvent<Uint8Array>) => {
        buffer = event.data;
        resolve();
      };
      worker.postMessage(buffer, [buffer.buffer as ArrayBuffer]);
    })
  );
  worker.terminate();
  return ms;
}

async function pooled(size: number, moving: boolean): Promise<number> {
  await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
  let buffer: Uint8Array = new Uint8Array(size);
  const echo = moving
    ? function (this: JobContext, b: Uint8Array) {
      return this.move(b);
    }
    : (b: Uint8Array) => b;
  return await median(async () => {
    buffer = await pool.submit(echo, moving ? move(buffer) : buffer);
  });
}

const versions = process.versions as Record<string, string | undefined>;
const runtime = versions.deno
  ? `Deno ${versions.deno}`
  : versions.bun
  ? `Bun ${versions.bun}`
  : `Node ${versions.node}`;
console.log(`bulk transfer on ${runtime}, median of ${rounds} round trips`);
console.log(
  "size    raw-wt   raw-web  pool-copy  pool-move  copy/raw  move/raw",
);
for (const size of sizes) {
  const threads = await rawThreads(size);
  const web = await rawWeb(size);
  const fastest = Math.min(threads, web ?? Infinity);
  const copy = await pooled(size, false);
  const moved = await pooled(size, true);
  const ms = (value: number | null) =>
    value === null ? "     -" : value.toFixed(2).padStart(8);
  console.log(
    `${String(size >> 20).padStart(2)} MiB ${ms(threads)} ${ms(web)} ${
      ms(copy)
    }  ${ms(moved)}  ${(copy / fastest).toFixed(1).padStart(7)}x ${
      (moved / fastest).toFixed(1).padStart(7)
    }x`,
  );
}
