// The first program of every asyncio tutorial, with run_until_complete:
//
//   loop = asyncio.new_event_loop()
//   loop.run_until_complete(hello_world())
//   loop.close()
import { newEventLoop, sleep } from "../mod.ts";

async function helloWorld(): Promise<void> {
  await sleep(0.1);
  console.log("Hello World!");
}

const loop = newEventLoop();
await loop.runUntilComplete(helloWorld);
loop.close();
