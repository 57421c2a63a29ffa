import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  Future,
  getRunningLoop,
  run,
  sleep,
} from "../../mod.ts";
import { hostLoop } from "../../executor/host_loop.ts";
import { wrapFuture } from "../../tasks/wrap_future.ts";

describe("wrapFuture", () => {
  it("returns a future of the loop itself unchanged", async () => {
    await run(() => {
      const future = getRunningLoop().createFuture<number>();
      assert.equal(wrapFuture(future, getRunningLoop()), future);
      future.cancel();
    });
  });

  it("settles the wrapper with the source's result or error", async () => {
    const results = await run(async () => {
      const loop = getRunningLoop();
      const ok = new Future<string>(hostLoop);
      const failing = new Future<string>(hostLoop);
      const wrappers = [wrapFuture(ok, loop), wrapFuture(failing, loop)];
      assert.ok(wrappers.every((w) => w.getLoop() === loop && !w.done()));
      ok.setResult("fine");
      failing.setException(new RangeError("bad"));
      return await Promise.allSettled(wrappers);
    });
    assert.deepEqual(results[0], { status: "fulfilled", value: "fine" });
    assert.ok(
      results[1].status === "rejected" &&
        results[1].reason instanceof RangeError,
    );
  });

  it("cancels the wrapper when the source is cancelled", async () => {
    await run(async () => {
      const source = new Future<string>(hostLoop);
      const wrapper = wrapFuture(source, getRunningLoop());
      source.cancel();
      await assert.rejects(async () => await wrapper, CancelledError);
      assert.equal(wrapper.cancelled(), true);
    });
  });

  it("cancels the source when the wrapper is cancelled", async () => {
    await run(async () => {
      const source = new Future<string>(hostLoop);
      const wrapper = wrapFuture(source, getRunningLoop());
      wrapper.cancel();
      await sleep(0); // the wrapper's done callbacks run
      assert.equal(source.cancelled(), true);
    });
  });

  it("leaves a wrapper that is done already as it is", async () => {
    const reported: unknown[] = [];
    const consoleError = console.error;
    // The host loop reports a callback's error there.
    console.error = (...args: unknown[]) => reported.push(args);
    try {
      await run(async () => {
        const source = new Future<string>(hostLoop);
        const wrapper = wrapFuture(source, getRunningLoop());
        wrapper.setResult("first");
        source.setResult("second");
        await sleep(0); // the source's done callbacks run
        assert.equal(await wrapper, "first");
      });
    } finally {
      console.error = consoleError;
    }
    assert.deepEqual(reported, []);
  });
});
