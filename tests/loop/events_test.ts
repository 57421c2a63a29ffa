import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DefaultEventLoopPolicy,
  EventLoop,
  getEventLoop,
  getEventLoopPolicy,
  getRunningLoop,
  newEventLoop,
  run,
  RuntimeError,
  setEventLoop,
  setEventLoopPolicy,
} from "../../mod.ts";

describe("finding the loop", () => {
  it("getRunningLoop throws outside a running loop", () => {
    assert.throws(() => getRunningLoop(), RuntimeError);
  });

  it("getEventLoop returns the running loop inside, the current loop outside", async () => {
    // A fresh policy: another test's run() has already set and forgotten a loop.
    setEventLoopPolicy(new DefaultEventLoopPolicy());
    try {
      const outside = getEventLoop();
      assert.equal(getEventLoop(), outside, "made and set on first use");
      outside.close();
      assert.equal(getEventLoop(), outside, "a closed loop stays current");
      await run(async () => {
        assert.equal(getEventLoop(), getRunningLoop());
      });
      // As in asyncio 3.13: run() forgets its loop, and none is made again.
      assert.throws(() => getEventLoop(), /no current event loop/);
      const mine = newEventLoop();
      setEventLoop(mine);
      assert.equal(getEventLoop(), mine);
      setEventLoop(null);
      assert.throws(() => getEventLoop(), RuntimeError);
      mine.close();
      assert.throws(() => setEventLoop({} as never), TypeError);
    } finally {
      setEventLoopPolicy(null);
    }
  });

  it("lets a policy decide which loop newEventLoop() and run() make", async () => {
    class CountingLoop extends EventLoop {}
    class CountingPolicy extends DefaultEventLoopPolicy {
      made = 0;
      override newEventLoop(): EventLoop {
        this.made++;
        return new CountingLoop();
      }
    }
    const policy = new CountingPolicy();
    setEventLoopPolicy(policy);
    try {
      assert.equal(getEventLoopPolicy(), policy);
      const kind = await run(async () =>
        getRunningLoop() instanceof CountingLoop
      );
      assert.equal(kind, true);
      assert.equal(policy.made, 1);
    } finally {
      setEventLoopPolicy(null);
    }
    assert.ok(getEventLoopPolicy() instanceof DefaultEventLoopPolicy);
    assert.throws(() => setEventLoopPolicy({} as never), TypeError);
  });
});
