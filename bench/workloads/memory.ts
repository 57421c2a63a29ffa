/**
 * Memory: N concurrent sleeping tasks, bytes per task against the same
 * number of pending raw async functions.
 *
 * @module
 */
import process from "node:process";
import { createTask, getRunningLoop, run, sleep } from "../../mod.ts";

function collect(): void {
  const g = globalThis as {
    gc?: () => void;
    Bun?: { gc(full: boolean): void };
  };
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
}

function heap(): number {
  collect();
  return process.memoryUsage().heapUsed;
}

/** Measures bytes per sleeping task and per pending raw async function. */
export async function memoryPerTask(n: number): Promise<string> {
  let release = () => {};
  const gate = new Promise<void>((resolve) => release = resolve);
  const rawBefore = heap();
  const pending = Array.from({ length: n }, async () => {
    await gate;
  });
  const rawBytes = (heap() - rawBefore) / n;
  release();
  await Promise.all(pending);
  pending.length = 0;

  const aioBytes = await sleepingTasks(n, () => sleep(3600));
  const asyncBytes = await sleepingTasks(n, async () => {
    await sleep(3600);
  });
  const gcNote = typeof (globalThis as { gc?: unknown }).gc === "function" ||
      "Bun" in globalThis
    ? ""
    : " (no forced GC: run with --expose-gc for steadier figures)";
  return `MEM ${n} concurrent sleeping tasks fit\n` +
    `  @aio/asyncio task + sleep:   ${aioBytes.toFixed(0)} bytes each\n` +
    `  ... async body awaiting it:  ${asyncBytes.toFixed(0)} bytes each\n` +
    `  raw pending async function:  ${rawBytes.toFixed(0)} bytes each\n` +
    `  ratio: ${(aioBytes / rawBytes).toFixed(2)}x, async body ${
      (asyncBytes / rawBytes).toFixed(2)
    }x${gcNote}`;
}

/** Bytes per task of `n` tasks running `body`, which sleeps until cancelled. */
function sleepingTasks(n: number, body: () => unknown): Promise<number> {
  return run(async () => {
    const before = heap();
    const tasks = Array.from({ length: n }, () => createTask(body));
    await sleep(0);
    const bytes = (heap() - before) / n;
    for (const task of tasks) task.cancel();
    await sleep(0);
    if (getRunningLoop().isRunning() && tasks.some((t) => !t.done())) {
      await sleep(0);
    }
    return bytes;
  });
}
