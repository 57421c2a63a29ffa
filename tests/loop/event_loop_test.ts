import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { EventLoop, newEventLoop, RuntimeError } from "../../mod.ts";

describe("EventLoop scheduling", () => {
  it("runs callSoon callbacks in FIFO order, only while running", async () => {
    const loop = newEventLoop();
    const order: number[] = [];
    for (let i = 0; i < 5; i++) loop.callSoon(() => order.push(i));
    assert.deepEqual(order, []);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    loop.close();
  });

  it("refuses to run a closed loop", async () => {
    const loop = new EventLoop();
    loop.close();
    await assert.rejects(loop.runForever(), RuntimeError);
  });
});
