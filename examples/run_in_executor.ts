// loop.runInExecutor, as in the asyncio documentation: the default
// executor, then pools of our own. The functions travel to a worker by
// their source, so each one is self-contained.
//
//   result = await loop.run_in_executor(None, func, "Hello", " world!")
//   with concurrent.futures.ThreadPoolExecutor() as pool:
//       result = await loop.run_in_executor(pool, blocking_io)
import { getRunningLoop, run } from "../mod.ts";
import { ProcessPoolExecutor, ThreadPoolExecutor } from "../executor/mod.ts";

function func(a: string, b: string): string {
  return a + b;
}

function blockingIo(): Uint8Array {
  // Reading random bytes (or logging to a file) can block the event loop:
  // run it in a worker.
  return crypto.getRandomValues(new Uint8Array(100));
}

function cpuBound(): bigint {
  // CPU-bound work blocks the event loop: run it in a worker too.
  let sum = 0n;
  for (let i = 0n; i < 10n ** 6n; i++) sum += i * i;
  return sum;
}

async function main(): Promise<void> {
  const loop = getRunningLoop();

  // 0. Arguments after the function, with the default executor:
  console.log(await loop.runInExecutor(null, func, "Hello", " world!"));

  // 1. Run in the default loop's executor:
  const bytes = await loop.runInExecutor(null, blockingIo);
  console.log("default thread pool", bytes.length, "random bytes");

  // 2. Run in a custom thread pool:
  {
    await using pool = new ThreadPoolExecutor();
    const bytes = await loop.runInExecutor(pool, blockingIo);
    console.log("custom thread pool", bytes.length, "random bytes");
  }

  // 3. Run in a custom process pool:
  {
    await using pool = new ProcessPoolExecutor();
    const sum = await loop.runInExecutor(pool, cpuBound);
    console.log("custom process pool", `${sum}`);
  }
}

await run(main);
