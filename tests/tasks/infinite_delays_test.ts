/**
 * The loop's time APIs take infinities, as asyncio's do (checked against
 * CPython 3.13): `sleep(Infinity)` waits until cancelled, a deadline of
 * `-Infinity` is already past, a timeout of `Infinity` never expires.
 * `NaN` stays a `RangeError`, as it is for asyncio's `sleep` (tested
 * with each API's bad input).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  asCompleted,
  CancelledError,
  createTask,
  getRunningLoop,
  run,
  sleep,
  timeout,
  timeoutAt,
  TimeoutError,
  wait,
  waitFor,
} from "../../mod.ts";

describe("infinite delays, as asyncio takes them", () => {
  it("sleep(Infinity) waits until it is cancelled; sleep(-Infinity) is sleep(0)", async () => {
    const [pending, outcome, now] = await run(async () => {
      const sleeper = createTask(() => sleep(Infinity));
      await sleep(0.01);
      const pending = !sleeper.done();
      sleeper.cancel();
      const outcome = await sleeper.catch((e) => e);
      return [pending, outcome, await sleep(-Infinity, "now")];
    });
    assert.equal(pending, true);
    assert.ok(outcome instanceof CancelledError);
    assert.equal(now, "now");
  });

  it("callAt(-Infinity) is due at once, before a callLater(0); callLater(Infinity) never", async () => {
    const [order, when] = await run(async () => {
      const loop = getRunningLoop();
      const order: string[] = [];
      loop.callLater(0, () => order.push("later 0"));
      loop.callAt(-Infinity, () => order.push("at -Infinity"));
      loop.callSoon(() => order.push("soon"));
      const never = loop.callLater(Infinity, () => order.push("never"));
      await sleep(0.01);
      never.cancel();
      return [order, never.when()];
    });
    // CPython 3.13: ['soon', 'at -inf', 'later 0'] inf
    assert.deepEqual(order, ["soon", "at -Infinity", "later 0"]);
    assert.equal(when, Infinity);
  });

  it("timeout(Infinity) never expires; timeoutAt(-Infinity) has expired", async () => {
    const [when, expired, late] = await run(async () => {
      const [when, expired] = await timeout(Infinity, async (t) => {
        await sleep(0.01);
        return [t.when(), t.expired()];
      });
      const late = await timeoutAt(-Infinity, () => sleep(1)).catch((e) => e);
      return [when, expired, late];
    });
    assert.equal(when, Infinity);
    assert.equal(expired, false);
    assert.ok(late instanceof TimeoutError);
  });

  it("a timeout moved to Infinity no longer expires", async () => {
    const result = await run(() =>
      timeout(0.01, async (t) => {
        t.reschedule(Infinity);
        await sleep(0.03);
        return t.when();
      })
    );
    assert.equal(result, Infinity);
  });

  it("waitFor, wait and asCompleted take an infinite timeout", async () => {
    const results = await run(async () => {
      const loop = getRunningLoop();
      const waited = await waitFor(() => sleep(0, "waitFor"), Infinity);
      const future = loop.createFuture<string>();
      loop.callSoon(() => future.setResult("wait"));
      const [done, pending] = await wait([future], { timeout: Infinity });
      const first: string[] = [];
      for (
        const next of asCompleted([sleep(0, "asCompleted")], {
          timeout: Infinity,
        })
      ) {
        first.push(await next);
      }
      return [waited, done.size, pending.size, ...first];
    });
    assert.deepEqual(results, ["waitFor", 1, 0, "asCompleted"]);
  });
});
