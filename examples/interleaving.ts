// Two coroutines taking turns at every sleep: cor1 and cor2.
import { createTask, run, sleep } from "../mod.ts";

async function cor1(): Promise<void> {
  console.log("cor1 start");
  for (let i = 0; i < 3; i++) {
    await sleep(0.2);
    console.log(`cor1 ${i}`);
  }
}

async function cor2(): Promise<void> {
  console.log("cor2 start");
  await sleep(0.1);
  for (let i = 0; i < 3; i++) {
    await sleep(0.2);
    console.log(`cor2 ${i}`);
  }
}

await run(async () => {
  const tasks = [createTask(cor1), createTask(cor2)];
  for (const task of tasks) await task;
});
