import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  getRunningLoop,
  newEventLoop,
  run,
  setEventLoopPolicy,
  sleep,
} from "../../mod.ts";
import {
  runVirtual,
  VirtualClockLoop,
  VirtualClockPolicy,
} from "../../testing/mod.ts";

describe("VirtualClockPolicy", () => {
  it("makes run() and newEventLoop() virtual for unaware code", async () => {
    setEventLoopPolicy(new VirtualClockPolicy());
    try {
      const loop = newEventLoop();
      assert.ok(loop instanceof VirtualClockLoop);
      loop.close();
      const realStart = Date.now();
      const elapsed = await run(async () => {
        const loop = getRunningLoop();
        assert.ok(loop instanceof VirtualClockLoop);
        const start = loop.time();
        await sleep(5 * 3600);
        return loop.time() - start;
      });
      assert.equal(elapsed, 5 * 3600);
      assert.ok(Date.now() - realStart < 5000);
    } finally {
      setEventLoopPolicy(null);
    }
    const loop = newEventLoop();
    assert.ok(!(loop instanceof VirtualClockLoop));
    loop.close();
  });
});

describe("runVirtual", () => {
  it("runs main on a VirtualClockLoop and returns its result", async () => {
    const result = await runVirtual(async () => {
      assert.ok(getRunningLoop() instanceof VirtualClockLoop);
      return await sleep(3600, "value");
    });
    assert.equal(result, "value");
  });

  it("passes the debug option on", async () => {
    assert.equal(
      await runVirtual(() => getRunningLoop().getDebug(), {
        debug: true,
      }),
      true,
    );
  });

  it("propagates the error of main", async () => {
    await assert.rejects(
      runVirtual(async () => {
        await sleep(60);
        throw new RangeError("boom");
      }),
      RangeError,
    );
  });

  it("rejects a promise or a non-function at the call", () => {
    const promise = Promise.resolve(1);
    assert.throws(
      () => runVirtual(promise as never),
      (error: Error) =>
        error instanceof TypeError &&
        error.message.includes("runVirtual(() => work())"),
    );
    assert.throws(() => runVirtual(42 as never), TypeError);
  });
});
