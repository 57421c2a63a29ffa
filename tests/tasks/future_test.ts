import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  type ExceptionContext,
  Future,
  getRunningLoop,
  InvalidStateError,
  newEventLoop,
  run,
  RuntimeError,
  sleep,
} from "../../mod.ts";

describe("Future", () => {
  it("holds a result, once", async () => {
    await run(async () => {
      const future = getRunningLoop().createFuture<number>();
      assert.ok(future instanceof Future);
      assert.equal(future.done(), false);
      assert.throws(() => future.result(), InvalidStateError);
      assert.throws(() => future.exception(), InvalidStateError);
      future.setResult(1);
      assert.equal(future.done(), true);
      assert.equal(future.result(), 1);
      assert.equal(future.exception(), null);
      assert.throws(() => future.setResult(2), InvalidStateError);
      assert.throws(() => future.setException(new Error()), InvalidStateError);
      assert.equal(future.cancel(), false);
      assert.equal(await future, 1);
    });
  });

  it("holds an exception", async () => {
    await run(async () => {
      const future = new Future<number>();
      const error = new RangeError("bad");
      future.setException(error);
      assert.equal(future.exception(), error);
      assert.throws(() => future.result(), RangeError);
      await assert.rejects(Promise.resolve(future), RangeError);
    });
  });

  it("makes an error class given to setException into an error, as asyncio makes a type", async () => {
    await run(async () => {
      const future = new Future<number>();
      future.setException(RangeError);
      const error = future.exception();
      assert.ok(error instanceof RangeError);
      assert.equal((error as Error).message, "");
      const plain = new Future<number>();
      plain.setException(Error);
      assert.equal(plain.exception()?.constructor, Error);
      // Any other value is kept as it is, as JavaScript throws anything.
      const odd = new Future<number>();
      const notAClass = () => {};
      odd.setException(notAClass);
      assert.equal(odd.exception(), notAClass);
    });
  });

  it("cancels with a message", async () => {
    await run(async () => {
      const future = new Future<number>();
      assert.equal(future.cancel("why"), true);
      assert.equal(future.cancelled(), true);
      assert.equal(future.done(), true);
      assert.throws(() => future.result(), {
        name: "CancelledError",
        message: "why",
      });
      assert.throws(() => future.exception(), CancelledError);
      await assert.rejects(async () => await future, CancelledError);
      assert.equal(future.cancel(), false);
    });
  });

  it("calls done callbacks through the loop, in order, never synchronously", async () => {
    await run(async () => {
      const future = new Future<string>();
      const calls: string[] = [];
      future.addDoneCallback((f) => calls.push(`a:${f.result()}`));
      future.addDoneCallback((f) => calls.push(`b:${f.result()}`));
      future.setResult("x");
      assert.equal(calls.length, 0, "not called inside setResult");
      await sleep(0);
      assert.deepEqual(calls, ["a:x", "b:x"]);
      future.addDoneCallback(() => calls.push("late"));
      assert.equal(
        calls.length,
        2,
        "a callback added when done is scheduled too",
      );
      await sleep(0);
      assert.deepEqual(calls, ["a:x", "b:x", "late"]);
    });
  });

  it("removes done callbacks and counts them", async () => {
    await run(async () => {
      const future = new Future();
      const calls: string[] = [];
      const callback = () => calls.push("removed");
      future.addDoneCallback(callback);
      future.addDoneCallback(() => calls.push("kept"));
      future.addDoneCallback(callback);
      assert.equal(future.removeDoneCallback(callback), 2);
      assert.equal(future.removeDoneCallback(callback), 0);
      future.cancel();
      await sleep(0);
      assert.deepEqual(calls, ["kept"]);
      assert.throws(() => future.addDoneCallback(1 as never), TypeError);
    });
  });

  it("wakes its awaiters on the loop's next iteration", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const future = new Future<string>();
      const order: string[] = [];
      const waiter = loop.createTask(async () => {
        order.push(`woken with ${await future}`);
      });
      await sleep(0);
      loop.callSoon(() => {
        future.setResult("v");
        order.push("set");
        loop.callSoon(() => order.push("callback after set"));
      });
      await waiter;
      assert.deepEqual(order, ["set", "woken with v", "callback after set"]);
    });
  });

  it("does not suspend a task that awaits a future done earlier in the same iteration", async () => {
    const order = await run(async () => {
      const loop = getRunningLoop();
      const order: string[] = [];
      const future = loop.createFuture<number>();
      loop.callSoon(() => future.setResult(1));
      const other = loop.createTask(async () => {
        await sleep(0);
        order.push("other");
      });
      // One iteration: the result is set, `other` starts, then this resumes.
      await sleep(0);
      order.push("before");
      assert.equal(await future, 1); // done: no suspension, as in asyncio
      order.push("after");
      await other;
      return order;
    });
    assert.deepEqual(order, ["before", "after", "other"]);
  });

  it("supports then() chaining like a promise", async () => {
    await run(async () => {
      const future = new Future<number>();
      const chained = future.then((v) => v * 2).then((v) => `${v}!`);
      const recovered = future.then(() => {
        throw new Error("inner");
      }).then(undefined, (e: Error) => e.message);
      future.setResult(21);
      assert.equal(await chained, "42!");
      assert.equal(await recovered, "inner");
    });
  });

  it("needs a running loop when none is given", () => {
    assert.throws(() => new Future(), RuntimeError);
    const loop = newEventLoop();
    assert.equal(new Future(loop).getLoop(), loop);
    loop.close();
  });

  it("reports an exception nobody retrieved, and only that", async () => {
    const loop = newEventLoop();
    const contexts: ExceptionContext[] = [];
    loop.setExceptionHandler((_loop, context) => contexts.push(context));
    const ignored = loop.createFuture();
    const retrieved = loop.createFuture();
    const awaited = loop.createFuture();
    ignored.setException(new Error("ignored"));
    retrieved.setException(new Error("retrieved"));
    awaited.setException(new Error("awaited"));
    retrieved.exception();
    await loop.runUntilComplete(async () => {
      await awaited.then(undefined, () => {});
    });
    loop.close();
    assert.equal(contexts.length, 1);
    assert.match(contexts[0].message, /never retrieved/);
    assert.equal((contexts[0].exception as Error).message, "ignored");
    assert.equal(contexts[0].future, ignored);
  });
});
