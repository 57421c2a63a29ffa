// waitFor gives up after its timeout, cancels the work and waits for it.
import { run, sleep, TimeoutError, waitFor } from "../mod.ts";

async function eternity(): Promise<void> {
  try {
    await sleep(3600);
    console.log("yay!");
  } finally {
    console.log("eternity cleaned up");
  }
}

await run(async () => {
  try {
    await waitFor(eternity, 0.2);
  } catch (error) {
    if (error instanceof TimeoutError) console.log("timeout!");
  }
});
