import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getRunningLoop, run, sleep } from "../../mod.ts";
import { toThread } from "../../executor/mod.ts";
import { captureConsole } from "../fixtures/console.ts";

describe("loop.shutdownDefaultExecutor(timeout)", () => {
  it("waits for a job that ends, with no warning", async () => {
    const warnings = await captureConsole("warn", async () => {
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
    const warnings = await captureConsole("warn", async () => {
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

  it("leaves no default executor behind: a later job is a RuntimeError, as in asyncio", async () => {
    // CPython 3.13: RuntimeError('Executor shutdown has been called'), for
    // run_in_executor(None, ...) and to_thread alike.
    const [direct, threaded] = await run(async () => {
      const loop = getRunningLoop();
      await loop.shutdownDefaultExecutor();
      const outcome = async (job: () => PromiseLike<unknown>) => {
        try {
          await job();
          return "ran";
        } catch (error) {
          return `${(error as Error).name}: ${(error as Error).message}`;
        }
      };
      return [
        await outcome(() => loop.runInExecutor(null, () => 1)),
        await outcome(() => toThread(() => 1)),
      ];
    });
    const refused = "RuntimeError: Executor shutdown has been called";
    assert.deepEqual([direct, threaded], [refused, refused]);
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
