// Five tasks read a balance, await things that never suspend in asyncio,
// then write it back: each step is atomic, so no deposit is lost.
//
//   async def deposit():
//       await go.wait()
//       seen = balance
//       await audit.put(seen)   # an unbounded queue: no suspension
//       await ready.wait()      # the flag is set: no suspension
//       balance = seen + 1
import { createTask, Event, Queue, run, sleep } from "../mod.ts";

await run(async () => {
  const go = new Event();
  const ready = new Event();
  ready.set();
  const audit = new Queue<number>(); // unbounded: put() never suspends
  let balance = 0;
  const deposit = async () => {
    await go.wait();
    const seen = balance; // read
    await audit.put(seen);
    await ready.wait();
    balance = seen + 1; // write
  };
  const tasks = Array.from({ length: 5 }, () => createTask(deposit));
  await sleep(0);
  go.set();
  for (const task of tasks) await task;
  console.log(balance); // 5, as in asyncio
});
