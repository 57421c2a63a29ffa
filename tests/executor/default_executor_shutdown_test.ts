import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getRunningLoop, run, sleep } from "../../mod.ts";
import "../../executor/mod.ts";

describe("loop.shutdownDefaultExecutor(timeout)", () => {
  it("waits for a job that ends, with no warning", async () => {
    const warnings = await capturedWarnings(async () => {
      await run(async () => {
        const loop = getRunningLoop();
        const job = loop.runInExecutor(null, (n: number) => n + 1, 1);
        assert.equal(await job, 2);
        await loop.shutdownDefaultExecutor(30);
      });
    });
    assert.deepEqual(warnings, []);
  });

  it("lets a job that never ends go after the timeout, and warns", async () => {
    const warnings = await capturedWarnings(async () => {
      await run(async () => {
        const loop = getRunningLoop();
        const job = loop.runInExecutor(null, () => {
          for (;;) { /* never yields */ }
        });
        job.then(undefined, () => {}); // Nobody awaits its end.
        await sleep(0.05);
        await loop.shutdownDefaultExecutor(0.05);
      });
    });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /did not end within 0\.05 seconds/);
  });

  it("refuses a timeout that is not a number of seconds", async () => {
    await run(async () => {
      await assert.rejects(
        getRunningLoop().shutdownDefaultExecutor("soon" as unknown as number),
        TypeError,
      );
    });
  });
});

async function capturedWarnings(body: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (text: string) => warnings.push(text);
  try {
    await body();
  } finally {
    console.warn = original;
  }
  return warnings;
}
