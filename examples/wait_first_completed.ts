// wait() with FIRST_COMPLETED, then with a timeout that cancels nothing.
import { createTask, FIRST_COMPLETED, run, sleep, wait } from "../mod.ts";

await run(async () => {
  const fast = createTask(() => sleep(0.1, "fast"), { name: "fast" });
  const slow = createTask(() => sleep(0.5, "slow"), { name: "slow" });
  let [done, pending] = await wait([fast, slow], {
    returnWhen: FIRST_COMPLETED,
  });
  console.log(`first completed: ${[...done].map((t) => t.result()).join()}`);
  [done, pending] = await wait(pending, { timeout: 0.1 });
  console.log(`after the timeout: ${done.size} done, ${pending.size} pending`);
  console.log(`slow still running: ${!slow.done()}`);
  [done] = await wait(pending);
  console.log(`finally: ${[...done].map((t) => t.result()).join()}`);
});
