// The spinner of Fluent Python: a task spins until the slow work is done,
// then main cancels it.
import process from "node:process";
import { CancelledError, createTask, run, sleep } from "../mod.ts";

async function spin(message: string): Promise<void> {
  const interactive = process.stdout.isTTY === true;
  let turns = 0;
  try {
    for (const char of "|/-\\".repeat(1_000_000)) {
      if (interactive) process.stdout.write(`\r${char} ${message}`);
      turns++;
      await sleep(0.1);
    }
  } catch (error) {
    if (!(error instanceof CancelledError)) throw error;
    if (interactive) {
      process.stdout.write(`\r${" ".repeat(message.length + 2)}\r`);
    }
    console.log(
      `spinner cancelled after ${turns > 1 ? "several" : "too few"} turns`,
    );
  }
}

async function slow(): Promise<number> {
  await sleep(1);
  return 42;
}

await run(async () => {
  const spinner = createTask(() => spin("thinking!"));
  console.log("spinner object created");
  const result = await slow();
  spinner.cancel();
  await spinner;
  console.log(`Answer: ${result}`);
});
