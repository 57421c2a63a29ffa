// toThread keeps the loop free, as in the asyncio documentation: a
// blocking call runs in a worker while the loop goes on (here a task
// ticks every 0.1 s), so the whole takes 1 s, not 2.
//
//   await asyncio.gather(asyncio.to_thread(blocking_io), asyncio.sleep(1))
import { createTask, gather, getRunningLoop, run, sleep } from "../mod.ts";
import { toThread } from "../executor/mod.ts";

function blockingIo(seconds: number): string {
  // Like time.sleep(): it blocks its thread, a worker, not the loop.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
  return "blocking_io complete";
}

async function main(): Promise<void> {
  const loop = getRunningLoop();
  const start = loop.time();
  console.log("started main");
  let ticks = 0;
  const ticker = createTask(async () => {
    for (;;) {
      await sleep(0.1);
      ticks++;
    }
  });

  const [message] = await gather(toThread(blockingIo, 1), sleep(1));

  ticker.cancel();
  console.log(message);
  console.log(`the loop ticked meanwhile: ${ticks >= 5}`);
  console.log(`finished main in less than 2 s: ${loop.time() - start < 2}`);
}

await run(main);
