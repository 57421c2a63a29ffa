// A task sets a Future's result; main waits for both with wait().
import {
  createTask,
  type Future,
  getRunningLoop,
  run,
  sleep,
  wait,
} from "../mod.ts";

async function slowOperation(future: Future<string>): Promise<void> {
  await sleep(0.1);
  future.setResult("Future is done!");
}

await run(async () => {
  const future = getRunningLoop().createFuture<string>();
  const task = createTask(() => slowOperation(future));
  const [done, pending] = await wait([future, task]);
  console.log(`done: ${done.size}, pending: ${pending.size}`);
  console.log(future.result());
});
