import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { getRunningLoop, sleep, TimeoutError } from "../../mod.ts";
import { timeout, timeoutAt } from "../../tasks/timeouts.ts";
import { runVirtual } from "../../testing/mod.ts";

const HOUR = 3600;

describe("timeouts on a virtual clock", () => {
  it("timeout() expires at the exact virtual instant", async () => {
    const log = await runVirtual(async () => {
      const loop = getRunningLoop();
      const start = loop.time();
      const log: string[] = [];
      try {
        await timeout(2 * HOUR, async () => {
          try {
            await sleep(10 * HOUR);
          } finally {
            log.push(`cleanup at ${loop.time() - start}`);
          }
        });
      } catch (error) {
        log.push(`${(error as Error).name} at ${loop.time() - start}`);
      }
      return log;
    });
    assert.deepEqual(log, [
      `cleanup at ${2 * HOUR}`,
      `${TimeoutError.name} at ${2 * HOUR}`,
    ]);
  });

  it("timeoutAt() expires at its virtual deadline", async () => {
    const at = await runVirtual(async () => {
      const loop = getRunningLoop();
      const deadline = loop.time() + 90;
      await assert.rejects(
        timeoutAt(deadline, () => sleep(HOUR)),
        TimeoutError,
      );
      return loop.time() - deadline;
    });
    assert.equal(at, 0);
  });

  it("a timeout that is not reached leaves the clock where it is", async () => {
    const result = await runVirtual(async () => {
      const loop = getRunningLoop();
      const value = await timeout(2 * HOUR, () => sleep(HOUR, "in time"));
      await sleep(0);
      return { value, now: loop.time() };
    });
    assert.deepEqual(result, { value: "in time", now: HOUR });
  });
});
