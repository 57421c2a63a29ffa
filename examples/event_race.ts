// Consumers wait on an Event that a callLater sets: a race start.
//
//   event = asyncio.Event()
//   loop.call_later(0.1, event.set)
import { gather, getRunningLoop, run } from "../mod.ts";
import { Event } from "../sync/mod.ts";

async function consumer(name: string, event: Event): Promise<string> {
  console.log(`${name} waiting`);
  await event.wait();
  console.log(`${name} triggered`);
  return name;
}

await run(async () => {
  const event = new Event();
  getRunningLoop().callLater(0.1, () => {
    console.log("go!");
    event.set();
  });
  const finished = await gather(
    consumer("runner 1", event),
    consumer("runner 2", event),
  );
  console.log(`finished: ${finished.join(", ")}`);
});
