// CPU-bound hashing in workers: the SHA-256 of several buffers, first one
// after another on the loop, then on a WorkerPoolExecutor with map(), and
// with toThread() under gather(). The job travels to a worker by its
// source, so it imports node:crypto itself; the buffers are copied there
// and the digests come back in order, the same as the serial ones.
import { createHash } from "node:crypto";
import { gather, run } from "../mod.ts";
import { toThread, WorkerPoolExecutor } from "../executor/mod.ts";

const BUFFERS = 6;
const SIZE = 2 * 1024 * 1024;

/** A buffer of pseudo-random bytes, the same for the same seed. */
function makeBuffer(seed: number): Uint8Array {
  const data = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) {
    data[i] = (Math.imul(i + seed * SIZE, 2654435761) >>> 24) & 0xff;
  }
  return data;
}

/** The job: self-contained, so a worker can run it from its source. */
async function sha256(data: Uint8Array): Promise<string> {
  const { createHash } = await import("node:crypto");
  return createHash("sha256").update(data).digest("hex");
}

await run(async () => {
  const buffers = Array.from({ length: BUFFERS }, (_, i) => makeBuffer(i));
  const serial = buffers.map((data) =>
    createHash("sha256").update(data).digest("hex")
  );
  serial.forEach((digest, i) => {
    console.log(`buffer ${i}: ${SIZE} bytes, sha256 ${digest.slice(0, 16)}`);
  });

  const pooled: string[] = [];
  {
    await using pool = new WorkerPoolExecutor({ maxWorkers: 3 });
    for await (const digest of pool.map(sha256, buffers)) pooled.push(digest);
  }
  console.log(`pool.map matches the serial digests: ${same(pooled, serial)}`);

  const threaded = await gather(
    ...buffers.map((data) => toThread(sha256, data)),
  );
  console.log(`toThread matches the serial digests: ${same(threaded, serial)}`);
});

function same(digests: string[], expected: string[]): boolean {
  return digests.length === expected.length &&
    digests.every((digest, i) => digest === expected[i]);
}
