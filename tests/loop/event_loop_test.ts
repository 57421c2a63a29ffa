import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  EventLoop,
  type ExceptionContext,
  Handle,
  newEventLoop,
  RuntimeError,
  sleep,
} from "../../mod.ts";
import { captureConsole } from "../fixtures/console.ts";

/** Runs `loop` until `stop()`; closes it afterwards. */
async function runLoop(loop: EventLoop): Promise<void> {
  try {
    await loop.runForever();
  } finally {
    loop.close();
  }
}

describe("EventLoop scheduling", () => {
  it("runs callSoon callbacks in FIFO order, only while running", async () => {
    const loop = newEventLoop();
    const order: number[] = [];
    for (let i = 0; i < 5; i++) loop.callSoon((n: number) => order.push(n), i);
    await Promise.resolve();
    assert.deepEqual(order, [], "nothing runs before the loop runs");
    loop.callSoon(() => loop.stop());
    await runLoop(loop);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
  });

  it("runs callbacks scheduled during a batch in the next iteration", async () => {
    const loop = newEventLoop();
    const order: string[] = [];
    loop.callSoon(() => {
      order.push("a");
      loop.callSoon(() => order.push("c"));
    });
    loop.callSoon(() => {
      order.push("b");
      loop.stop();
    });
    await loop.runForever();
    assert.deepEqual(order, ["a", "b"], "stop() ends after the batch");
    loop.callSoon(() => loop.stop());
    await runLoop(loop);
    assert.deepEqual(order, ["a", "b", "c"]);
  });

  it("orders timers by deadline, ties in scheduling order", async () => {
    const loop = newEventLoop();
    const order: string[] = [];
    const at = loop.time() + 0.02;
    loop.callAt(at + 0.01, () => {
      order.push("last");
      loop.stop();
    });
    loop.callAt(at, () => order.push("tie 1"));
    loop.callLater(0.001, () => order.push("first"));
    loop.callAt(at, () => order.push("tie 2"));
    loop.callAt(at, () => order.push("tie 3"));
    await runLoop(loop);
    assert.deepEqual(order, ["first", "tie 1", "tie 2", "tie 3", "last"]);
  });

  it("never runs a cancelled handle or timer", async () => {
    const loop = newEventLoop();
    const ran: string[] = [];
    const soon = loop.callSoon(() => ran.push("soon"));
    const later = loop.callLater(0.005, () => ran.push("later"));
    soon.cancel();
    later.cancel();
    assert.ok(soon.cancelled() && later.cancelled());
    loop.callLater(0.02, () => loop.stop());
    await runLoop(loop);
    assert.deepEqual(ran, []);
  });

  it("a timer runs no earlier than its deadline; negative delays act as 0", async () => {
    const loop = newEventLoop();
    const seen: [number, number][] = [];
    const handle = loop.callLater(0.03, () => seen.push([loop.time(), 0]));
    loop.callLater(-5, () => seen.push([loop.time(), -5]));
    loop.callLater(0.05, () => loop.stop());
    await runLoop(loop);
    assert.deepEqual(seen.map(([, tag]) => tag), [-5, 0]);
    assert.ok(seen[1][0] >= handle.when());
  });

  it("a delay past 2^31 ms does not fire early", async () => {
    const loop = newEventLoop();
    let fired = false;
    loop.callLater(3_000_000, () => fired = true);
    loop.callLater(0.02, () => loop.stop());
    await runLoop(loop);
    assert.equal(fired, false);
  });

  it("keeps the clock monotonic in seconds", () => {
    const loop = newEventLoop();
    const a = loop.time();
    const b = loop.time();
    assert.ok(b >= a);
    assert.ok(a < 1e7, "seconds, not milliseconds since the epoch");
    loop.close();
  });

  it("does not starve host timers and I/O while busy", async () => {
    const loop = newEventLoop();
    let turns = 0;
    const spin = () => {
      turns++;
      loop.callSoon(spin);
    };
    loop.callSoon(spin);
    setTimeout(() => loop.stop(), 5);
    await runLoop(loop);
    assert.ok(turns > 1, "the loop kept running while the host timer waited");
  });

  it("is woken by a callSoon from outside while it idles", async () => {
    const loop = newEventLoop();
    const seen: string[] = [];
    setTimeout(() => {
      loop.callSoon(() => {
        seen.push("woken");
        loop.stop();
      });
    }, 5);
    await runLoop(loop);
    assert.deepEqual(seen, ["woken"]);
  });

  it("runs one iteration when stop() came before runForever()", async () => {
    const loop = newEventLoop();
    const seen: string[] = [];
    loop.callSoon(() => seen.push("ran"));
    loop.stop();
    await runLoop(loop);
    assert.deepEqual(seen, ["ran"]);
  });
});

describe("EventLoop states", () => {
  it("refuses to run a running or closed loop, or to close a running one", async () => {
    const loop = new EventLoop();
    loop.callSoon(() => loop.stop());
    const running = loop.runForever();
    assert.equal(loop.isRunning(), true);
    const second = loop.runForever();
    const untilComplete = loop.runUntilComplete(async () => 1);
    assert.throws(() => loop.close(), RuntimeError);
    await assert.rejects(second, RuntimeError);
    await assert.rejects(untilComplete, /already running/);
    await running;
    assert.equal(loop.isRunning(), false);
    loop.close();
    loop.close();
    assert.equal(loop.isClosed(), true);
    await assert.rejects(loop.runForever(), /closed/);
    assert.throws(() => loop.callSoon(() => {}), RuntimeError);
  });

  it("runUntilComplete takes a future, a promise or an async function", async () => {
    const loop = newEventLoop();
    const future = loop.createFuture<string>();
    loop.callSoon(() => future.setResult("future"));
    assert.equal(await loop.runUntilComplete(future), "future");
    assert.equal(
      await loop.runUntilComplete(Promise.resolve("promise")),
      "promise",
    );
    assert.equal(
      await loop.runUntilComplete(async () => "function"),
      "function",
    );
    await assert.rejects(
      loop.runUntilComplete(async () => {
        throw new TypeError("boom");
      }),
      { name: "TypeError", message: "boom" },
    );
    await assert.rejects(
      loop.runUntilComplete(42 as unknown as () => number),
      TypeError,
    );
    loop.close();
  });

  it("runUntilComplete fails when the loop stops before the future is done", async () => {
    const loop = newEventLoop();
    const future = loop.createFuture();
    loop.callSoon(() => loop.stop());
    await assert.rejects(loop.runUntilComplete(future), /stopped before/);
    loop.close();
  });
});

describe("EventLoop bad input", () => {
  it("checks callbacks and delays at the call", () => {
    const loop = newEventLoop();
    assert.throws(() => loop.callSoon("x" as unknown as () => void), TypeError);
    assert.throws(
      () => loop.callLater("1" as unknown as number, () => {}),
      TypeError,
    );
    assert.throws(() => loop.callLater(NaN, () => {}), RangeError);
    assert.throws(() => loop.callAt(NaN, () => {}), RangeError);
    assert.throws(() => loop.setExceptionHandler(5 as never), TypeError);
    assert.throws(
      () => loop.addSignalHandler("SIGNOPE!", () => {}),
      RangeError,
    );
    assert.throws(() => loop.addSignalHandler("SIGNOPE", () => {}), RangeError);
    assert.throws(() => loop.removeSignalHandler("SIGNOPE"), RangeError);
    assert.throws(
      () => loop.addSignalHandler("SIGKILL", () => {}),
      RuntimeError,
    );
    assert.equal(loop.removeSignalHandler("SIGKILL"), false);
    // Deno refuses SIGSEGV to programs, and Bun needs it to stop workers (a
    // listener made a busy worker unstoppable, and once removed, stopping it
    // crashed the process); Node lets programs catch it.
    if (!("bun" in process.versions) && !("deno" in process.versions)) {
      loop.addSignalHandler("SIGSEGV", () => {});
      assert.equal(loop.removeSignalHandler("SIGSEGV"), true);
    } else {
      const listeners = process.listenerCount("SIGSEGV");
      assert.throws(
        () => loop.addSignalHandler("SIGSEGV", () => {}),
        { name: "RuntimeError", message: /SIGSEGV cannot be caught here/ },
      );
      assert.equal(process.listenerCount("SIGSEGV"), listeners);
      assert.equal(loop.removeSignalHandler("SIGSEGV"), false);
    }
    assert.throws(() => loop.addSignalHandler(2 as never, () => {}), TypeError);
    loop.close();
  });
});

describe("EventLoop errors and debugging", () => {
  it("sends a callback's error to the handler and keeps running", async () => {
    const loop = newEventLoop();
    const contexts: ExceptionContext[] = [];
    loop.setExceptionHandler((l, context) => {
      assert.equal(l, loop);
      contexts.push(context);
    });
    const boom = new Error("boom");
    const handle = loop.callSoon(function failing() {
      throw boom;
    });
    let after = false;
    loop.callSoon(() => {
      after = true;
      loop.stop();
    });
    await runLoop(loop);
    assert.equal(after, true);
    assert.equal(contexts.length, 1);
    assert.equal(contexts[0].exception, boom);
    assert.equal(contexts[0].handle, handle);
    assert.match(contexts[0].message, /failing/);
  });

  it("sends a done callback's error to the handler with a handle", async () => {
    const loop = newEventLoop();
    const contexts: ExceptionContext[] = [];
    loop.setExceptionHandler((_, context) => contexts.push(context));
    const boom = new Error("boom");
    const future = loop.createFuture<number>();
    future.addDoneCallback(function failingDone() {
      throw boom;
    });
    const seen: number[] = [];
    future.addDoneCallback((done) => seen.push(done.result()));
    loop.callSoon(() => future.setResult(7));
    await loop.runUntilComplete(async () => {
      await future;
      await sleep(0);
    });
    loop.close();
    assert.deepEqual(seen, [7]);
    assert.equal(contexts.length, 1);
    assert.equal(contexts[0].exception, boom);
    assert.ok(contexts[0].handle instanceof Handle);
    assert.match(contexts[0].message, /failingDone/);
    assert.match(String(contexts[0].handle), /failingDone/);
  });

  it("falls back to the default handler when the handler throws", async () => {
    const loop = newEventLoop();
    const logged = await captureConsole("error", () => {
      loop.setExceptionHandler(() => {
        throw new Error("handler broke");
      });
      loop.callSoon(() => {
        throw new Error("first");
      });
      loop.callSoon(() => loop.stop());
      return runLoop(loop);
    });
    assert.equal(logged.length, 1);
    assert.match(logged[0], /^Unhandled error in exception handler\n/);
    assert.match(logged[0], /handler broke/);
    assert.equal(loop.getExceptionHandler() !== null, true);
  });

  it("warns about slow callbacks in debug mode only", async () => {
    const busy = () => {
      const until = performance.now() + 30;
      while (performance.now() < until) { /* block the loop */ }
    };
    const warnings = await captureConsole("warn", async () => {
      for (const debug of [false, true]) {
        const loop = newEventLoop();
        loop.setDebug(debug);
        assert.equal(loop.getDebug(), debug);
        loop.slowCallbackDuration = 0.01;
        loop.callSoon(busy);
        loop.callSoon(() => loop.stop());
        await runLoop(loop);
      }
    });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /took 0\.\d+ seconds/);
  });

  it("calls signal handlers on the loop", async () => {
    const loop = newEventLoop();
    const seen: string[] = [];
    loop.addSignalHandler("SIGWINCH", (tag: string) => {
      seen.push(tag);
      loop.stop();
    }, "winch");
    // Some runtimes register the listener asynchronously: send until seen.
    // SIGWINCH is ignored by default, so one sent too early kills nothing.
    const send = () => {
      if (seen.length > 0) return;
      process.kill(process.pid, "SIGWINCH");
      loop.callLater(0.01, send);
    };
    loop.callLater(0.01, send);
    await loop.runForever();
    assert.deepEqual(seen, ["winch"]);
    assert.equal(loop.removeSignalHandler("SIGWINCH"), true);
    assert.equal(loop.removeSignalHandler("SIGWINCH"), false);
    loop.close();
  });
});
