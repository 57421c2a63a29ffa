// The cancel_me example of the asyncio documentation, line for line.
import { CancelledError, createTask, run, sleep } from "../mod.ts";

async function cancelMe(): Promise<void> {
  console.log("cancel_me(): before sleep");
  try {
    // Wait for 1 hour
    await sleep(3600);
  } catch (error) {
    if (error instanceof CancelledError) {
      console.log("cancel_me(): cancel sleep");
    }
    throw error;
  } finally {
    console.log("cancel_me(): after sleep");
  }
}

async function main(): Promise<void> {
  // Create a "cancel_me" Task
  const task = createTask(cancelMe);
  // Wait for 1 second
  await sleep(1);
  task.cancel();
  try {
    await task;
  } catch (error) {
    if (error instanceof CancelledError) {
      console.log("main(): cancel_me is cancelled now");
    }
  }
}

await run(main);
