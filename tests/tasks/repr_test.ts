/**
 * How futures, tasks and handles describe themselves, in `String()` and in
 * `console.log`: as CPython 3.13's reprs print them (the strings below are
 * its output; a task's `coro=<...>` part has no counterpart here).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { createTask, getRunningLoop, run, timeout } from "../../mod.ts";
import "../../executor/mod.ts";

describe("descriptions, as asyncio's reprs", () => {
  it("a future shows its state and what it holds, as reprlib cuts it", async () => {
    const seen = await run(() => {
      const loop = getRunningLoop();
      const settled = (value: unknown) => {
        const future = loop.createFuture();
        future.setResult(value);
        return String(future);
      };
      const failed = loop.createFuture();
      failed.setException(new RangeError("bad"));
      const cancelled = loop.createFuture();
      cancelled.cancel();
      const described = [
        String(loop.createFuture()),
        settled(42),
        settled("x".repeat(40)),
        settled(Array.from({ length: 10 }, (_, i) => i)),
        String(failed),
        String(cancelled),
        settled(null),
        settled([true, "it's"]),
      ];
      failed.exception();
      return described;
    });
    assert.deepEqual(seen, [
      "<Future pending>",
      "<Future finished result=42>",
      "<Future finished result='xxxxxxxxxxxx...xxxxxxxxxxxxx'>",
      "<Future finished result=[0, 1, 2, 3, 4, 5, ...]>",
      "<Future finished exception=RangeError('bad')>",
      "<Future cancelled>",
      "<Future finished result=None>",
      `<Future finished result=[True, "it's"]>`,
    ]);
  });

  it("a task shows its name, quoted as Python quotes it, and its result", async () => {
    const [described, logged] = await run(async () => {
      const task = createTask(async () => "done", { name: "it's a task" });
      await task;
      return [String(task), inspect(task)];
    });
    assert.equal(described, `<Task finished name="it's a task" result='done'>`);
    assert.equal(logged, described);
  });

  it("a job of runInExecutor reads as the Future asyncio returns", async () => {
    const described = await run(async () => {
      const job = getRunningLoop().runInExecutor(null, () => 1);
      const pending = String(job);
      await job;
      return [pending, String(job)];
    });
    assert.deepEqual(described, [
      "<Future pending>",
      "<Future finished result=1>",
    ]);
  });

  it("a timeout shows its deadline as asyncio rounds it", async () => {
    const seen = await run(() =>
      timeout(null, (t) => {
        const seen = [String(t)];
        t.reschedule(Infinity);
        seen.push(String(t));
        t.reschedule(12.34567);
        seen.push(String(t));
        t.reschedule(null);
        return seen;
      })
    );
    assert.deepEqual(seen, [
      "<Timeout [active] when=None>",
      "<Timeout [active] when=inf>",
      "<Timeout [active] when=12.346>",
    ]);
  });

  it("a handle shows its callback, a timer handle its deadline too", async () => {
    const [soon, cancelled, timer, cancelledTimer, logged] = await run(() => {
      const loop = getRunningLoop();
      const handle = loop.callSoon(function report() {});
      const soon = String(handle);
      handle.cancel();
      const timerHandle = loop.callAt(12.5, function late() {});
      const timer = String(timerHandle);
      const logged = inspect(timerHandle);
      timerHandle.cancel();
      return [soon, String(handle), timer, String(timerHandle), logged];
    });
    assert.equal(soon, "<Handle report()>");
    assert.equal(cancelled, "<Handle cancelled>");
    assert.equal(timer, "<TimerHandle when=12.5 late()>");
    assert.equal(cancelledTimer, "<TimerHandle cancelled when=12.5>");
    assert.equal(logged, timer);
  });
});
