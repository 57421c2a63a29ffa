import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  currentTask,
  getRunningLoop,
  run,
  RuntimeError,
  sleep,
  Timeout,
  timeout,
  timeoutAt,
  TimeoutError,
  waitFor,
} from "../../mod.ts";

describe("timeout and timeoutAt", () => {
  it("resolve to the body's value when it is in time", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const before = loop.time();
      let seen: Timeout | null = null;
      const value = await timeout(5, async (t) => {
        seen = t;
        assert.ok(t instanceof Timeout);
        assert.ok(t.when()! >= before + 5);
        return await sleep(0.01, "in time");
      });
      assert.equal(value, "in time");
      assert.equal(seen!.expired(), false);
      assert.equal(await timeout(1, () => 42), 42, "a plain function too");
      const deadline = loop.time() + 5;
      assert.equal(
        await timeoutAt(deadline, (t) => {
          assert.equal(t.when(), deadline);
          return sleep(0.01, "at");
        }),
        "at",
      );
    });
  });

  it("cancels the body, runs its cleanup, then throws TimeoutError", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      let seen: Timeout | null = null;
      try {
        await timeout(0.01, async (t) => {
          seen = t;
          try {
            await sleep(10);
          } catch (error) {
            log.push(`body got ${(error as Error).name}`);
            throw error;
          } finally {
            await sleep(0.01);
            log.push("body cleaned up");
          }
        });
      } catch (error) {
        assert.ok(error instanceof TimeoutError);
        assert.ok(error.cause instanceof CancelledError);
        log.push("caller got TimeoutError");
      }
      assert.equal(seen!.expired(), true);
      assert.equal(currentTask()?.cancelling(), 0);
      assert.equal(await sleep(0, "usable"), "usable", "no cancel left over");
      return log;
    });
    assert.deepEqual(log, [
      "body got CancelledError",
      "body cleaned up",
      "caller got TimeoutError",
    ]);
  });

  it("expires at once with a negative delay or a past deadline", async () => {
    await run(async () => {
      await assert.rejects(timeout(-1, () => sleep(10)), TimeoutError);
      const past = getRunningLoop().time() - 1;
      await assert.rejects(timeoutAt(past, () => sleep(10)), TimeoutError);
    });
  });

  it("never expires with null", async () => {
    await run(async () => {
      const value = await timeout(null, async (t) => {
        assert.equal(t.when(), null);
        await sleep(0.02);
        return t.expired();
      });
      assert.equal(value, false);
      assert.equal(await timeoutAt(null, () => sleep(0.01, "ok")), "ok");
    });
  });

  it("returns the body's value when it swallows the cancellation", async () => {
    await run(async () => {
      let seen: Timeout | null = null;
      const value = await timeout(0.01, async (t) => {
        seen = t;
        try {
          await sleep(10);
          return "slept";
        } catch {
          return "swallowed";
        }
      });
      assert.equal(value, "swallowed");
      assert.equal(seen!.expired(), true);
      assert.equal(currentTask()?.cancelling(), 0);
    });
  });

  it("lets other errors pass unchanged, also after expiring", async () => {
    await run(async () => {
      await assert.rejects(
        timeout(0.01, async () => {
          try {
            await sleep(10);
          } finally {
            // deno-lint-ignore no-unsafe-finally
            throw new RangeError("cleanup failed");
          }
        }),
        RangeError,
      );
      await assert.rejects(
        timeout(5, () => {
          throw new TypeError("at once");
        }),
        TypeError,
      );
    });
  });

  it("nested: a shorter outer timeout is the outer's, passing through the inner", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      try {
        await timeout(0.01, async (outer) => {
          try {
            await timeout(5, async (inner) => {
              try {
                await sleep(10);
              } finally {
                log.push(`inner expired: ${inner.expired()}`);
              }
            });
          } catch (error) {
            log.push(`between got ${(error as Error).name}`);
            throw error;
          } finally {
            log.push(`outer expired: ${outer.expired()}`);
          }
        });
      } catch (error) {
        log.push(`caller got ${(error as Error).name}`);
      }
      return log;
    });
    assert.deepEqual(log, [
      "inner expired: false",
      "between got CancelledError",
      "outer expired: true",
      "caller got TimeoutError",
    ]);
  });

  it("nested: a shorter inner timeout is the inner's alone", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      const value = await timeout(5, async (outer) => {
        try {
          await timeout(0.01, () => sleep(10));
        } catch (error) {
          log.push(`inner gave ${(error as Error).name}`);
        }
        await sleep(0.01);
        log.push(`outer expired: ${outer.expired()}`);
        return "outer finished";
      });
      log.push(value);
      return log;
    });
    assert.deepEqual(log, [
      "inner gave TimeoutError",
      "outer expired: false",
      "outer finished",
    ]);
  });

  it("nested: both expiring at once, only the outer converts", async () => {
    await run(async () => {
      const deadline = getRunningLoop().time() + 0.01;
      const log: string[] = [];
      try {
        await timeoutAt(deadline, async () => {
          try {
            await timeoutAt(deadline, () => sleep(10));
          } catch (error) {
            log.push(`inner gave ${(error as Error).name}`);
            throw error;
          }
        });
      } catch (error) {
        log.push(`outer gave ${(error as Error).name}`);
      }
      assert.deepEqual(log, [
        "inner gave CancelledError",
        "outer gave TimeoutError",
      ]);
      assert.equal(currentTask()?.cancelling(), 0);
    });
  });

  it("a cancel from outside stays a CancelledError, even when the deadline passes too", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const inside = createTask(() => timeout(5, () => sleep(10)));
      await sleep(0.01);
      inside.cancel();
      await assert.rejects(async () => await inside, CancelledError);

      const both = createTask(() => timeout(0.01, () => sleep(10)));
      // The outside cancel lands in the same iteration as the deadline.
      loop.callLater(0.01, () => both.cancel());
      await assert.rejects(async () => await both, (error: Error) => {
        return error instanceof CancelledError;
      });
    });
  });

  it("is what waitFor uses: only its own timeout becomes TimeoutError", async () => {
    await run(async () => {
      const result = await timeout(5, () => waitFor(sleep(10), 0.01)).catch(
        (error: Error) => error.name,
      );
      assert.equal(result, "TimeoutError");
    });
  });

  it("reschedule() moves or drops the deadline while active", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      let kept: Timeout | null = null;
      const extended = await timeout(0.01, async (t) => {
        kept = t;
        t.reschedule(loop.time() + 5);
        await sleep(0.03);
        return t.expired();
      });
      assert.equal(extended, false);
      assert.throws(() => kept!.reschedule(null), RuntimeError);

      await assert.rejects(
        timeout(5, async (t) => {
          t.reschedule(loop.time() + 0.01);
          await sleep(10);
        }),
        TimeoutError,
      );

      const dropped = await timeout(0.01, async (t) => {
        t.reschedule(null);
        assert.equal(t.when(), null);
        await sleep(0.03);
        return t.expired();
      });
      assert.equal(dropped, false);

      await assert.rejects(
        timeout(0.01, async (t) => {
          try {
            await sleep(10);
          } finally {
            assert.equal(t.expired(), true);
            assert.throws(() => t.reschedule(loop.time() + 5), RuntimeError);
          }
        }),
        TimeoutError,
      );
    });
  });

  it("refuses bad input at the call", async () => {
    await run(async () => {
      const body = () => sleep(0);
      assert.throws(
        () => timeout("1" as unknown as number, body),
        TypeError,
      );
      assert.throws(() => timeout(NaN, body), RangeError);
      assert.throws(
        () => timeout(1, 42 as unknown as () => void),
        TypeError,
      );
      await timeout(1, (t) => {
        assert.throws(
          () => t.reschedule("soon" as unknown as number),
          TypeError,
        );
      });
    });
  });

  it("must run inside a task", async () => {
    const errors = await run(async () => {
      const loop = getRunningLoop();
      const errors: unknown[] = [];
      const done = loop.createFuture<void>();
      loop.callSoon(() => {
        try {
          timeout(1, () => {});
        } catch (error) {
          errors.push(error);
        }
        try {
          waitFor(async () => {}, 1);
        } catch (error) {
          errors.push(error);
        }
        done.setResult();
      });
      await done;
      return errors;
    });
    assert.equal(errors.length, 2);
    assert.ok(errors.every((error) => error instanceof RuntimeError));
  });
});
