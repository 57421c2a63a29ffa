/**
 * `staggeredRace`: CPython 3.13's `Lib/test/test_asyncio/test_staggered.py`
 * ported case by case (including `test_multiple_winners` and
 * `test_cancelled` from 3.13's later releases, and the two staggered-race
 * cases of `test_eager_task_factory.py`), then cancellation at every await
 * of the race and its attempts. Delays run on the virtual clock, so start
 * times are exact.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  eagerTaskFactory,
  Event,
  ExceptionGroup,
  getRunningLoop,
  sleep,
  staggeredRace,
  timeout,
  TimeoutError,
} from "../../mod.ts";
import { runVirtual } from "../../testing/mod.ts";
import { assertTime } from "./helpers.ts";

class ValueError extends Error {
  override name = "ValueError";
}

describe("staggeredRace (CPython's test_staggered)", () => {
  it("test_empty", async () => {
    const [winner, index, excs] = await runVirtual(() =>
      staggeredRace([], null)
    );
    assert.equal(winner, null);
    assert.equal(index, null);
    assert.deepEqual(excs, []);
  });

  it("test_one_successful", async () => {
    const coro = async (i: number) => `Res: ${i}`;
    const [winner, index, excs] = await runVirtual(() =>
      staggeredRace([() => coro(0), () => coro(1)], null)
    );
    assert.equal(winner, "Res: 0");
    assert.equal(index, 0);
    assert.deepEqual(excs, [null]);
  });

  it("test_first_error_second_successful", async () => {
    const coro = async (i: number) => {
      if (i === 0) throw new ValueError(String(i));
      return `Res: ${i}`;
    };
    const [winner, index, excs] = await runVirtual(() =>
      staggeredRace([() => coro(0), () => coro(1)], null)
    );
    assert.equal(winner, "Res: 1");
    assert.equal(index, 1);
    assert.equal(excs.length, 2);
    assert.ok(excs[0] instanceof ValueError);
    assert.equal(excs[1], null);
  });

  it("test_first_timeout_second_successful", async () => {
    const coro = async (i: number) => {
      if (i === 0) await sleep(10); // much longer than the delay
      return `Res: ${i}`;
    };
    const [winner, index, excs] = await runVirtual(() =>
      staggeredRace([() => coro(0), () => coro(1)], 0.1)
    );
    assert.equal(winner, "Res: 1");
    assert.equal(index, 1);
    assert.equal(excs.length, 2);
    assert.ok(excs[0] instanceof CancelledError);
    assert.equal(excs[1], null);
  });

  it("test_none_successful", async () => {
    const coro = async (i: number) => {
      throw new ValueError(String(i));
    };
    const [winner, index, excs] = await runVirtual(() =>
      staggeredRace([() => coro(0), () => coro(1)], null)
    );
    assert.equal(winner, null);
    assert.equal(index, null);
    assert.equal(excs.length, 2);
    assert.ok(excs[0] instanceof ValueError);
    assert.ok(excs[1] instanceof ValueError);
  });

  it("test_multiple_winners: the first woken wins, the other is cancelled", async () => {
    const [winner, index, excs] = await runVirtual(async () => {
      const event = new Event();
      const coro = async (i: number) => {
        await event.wait();
        return i;
      };
      const doSet = async () => {
        event.set();
        await new Event().wait();
      };
      return await staggeredRace([() => coro(0), () => coro(1), doSet], 0.1);
    });
    assert.equal(winner, 0);
    assert.equal(index, 0);
    assert.equal(excs.length, 3);
    assert.equal(excs[0], null);
    assert.ok(excs[1] instanceof CancelledError);
    assert.ok(excs[2] instanceof CancelledError);
  });

  it("test_cancelled: an outer cancellation reaches the attempt and then the caller", async () => {
    const log: string[] = [];
    await runVirtual(async () => {
      await assert.rejects(
        timeout(null, (outer) =>
          timeout(null, async (inner) => {
            const coroFn = async () => {
              inner.reschedule(-1);
              await sleep(0);
              try {
                await sleep(0);
              } catch (error) {
                if (!(error instanceof CancelledError)) throw error;
                log.push("cancelled 1");
              }
              outer.reschedule(-1);
              await sleep(0);
              try {
                await sleep(0);
              } catch (error) {
                if (!(error instanceof CancelledError)) throw error;
                log.push("cancelled 2");
              }
            };
            try {
              await staggeredRace([coroFn], null);
            } catch (error) {
              if (error instanceof CancelledError) log.push("cancelled 3");
              throw error;
            }
          })),
        TimeoutError,
      );
    });
    assert.deepEqual(log, ["cancelled 1", "cancelled 2", "cancelled 3"]);
  });
});

describe("staggeredRace with eager tasks (CPython's test_eager_task_factory)", () => {
  it("test_staggered_race_with_eager_tasks", async () => {
    const [winner, index, excs] = await runVirtual(async () => {
      getRunningLoop().setTaskFactory(eagerTaskFactory);
      const fail = async () => {
        await sleep(0);
        throw new ValueError("no good");
      };
      return await staggeredRace([
        () => sleep(2, "sleep2"),
        () => sleep(1, "sleep1"),
        fail,
      ], 0.25);
    });
    assert.equal(winner, "sleep1");
    assert.equal(index, 1);
    assert.equal(excs[1], null);
    assert.ok(excs[0] instanceof CancelledError);
    assert.ok(excs[2] instanceof ValueError);
  });

  it("test_staggered_race_with_eager_tasks_no_delay", async () => {
    const [winner, index, excs] = await runVirtual(async () => {
      getRunningLoop().setTaskFactory(eagerTaskFactory);
      const fail = async () => {
        throw new ValueError("no good");
      };
      return await staggeredRace([
        fail,
        () => sleep(1, "sleep1"),
        () => sleep(0, "sleep0"),
      ], null);
    });
    assert.equal(winner, "sleep1");
    assert.equal(index, 1);
    assert.equal(excs[1], null);
    assert.ok(excs[0] instanceof ValueError);
    assert.equal(excs.length, 2);
  });
});

describe("staggeredRace: timing and order", () => {
  it("starts each attempt a delay after the one before, or when it fails", async () => {
    const starts = await runVirtual(async () => {
      const loop = getRunningLoop();
      const starts: [number, number][] = [];
      const attempt = (i: number, fails: boolean) => async () => {
        starts.push([i, loop.time()]);
        await sleep(fails ? 0.05 : 10);
        throw new ValueError(String(i));
      };
      const t0 = loop.time();
      await staggeredRace([
        attempt(0, false), // delay runs out: the next starts at 1
        attempt(1, true), // fails at 1.05: the next starts then
        attempt(2, false),
        attempt(3, false),
      ], 1);
      return starts.map(([i, t]) => [i, t - t0]);
    });
    assert.deepEqual(starts.map(([i]) => i), [0, 1, 2, 3]);
    assertTime(starts[0][1], 0);
    assertTime(starts[1][1], 1);
    assertTime(starts[2][1], 1.05);
    assertTime(starts[3][1], 2.05);
  });

  it("with no delay runs the attempts one by one", async () => {
    const log = await runVirtual(async () => {
      const log: string[] = [];
      const attempt = (i: number) => async () => {
        log.push(`start ${i}`);
        await sleep(1);
        log.push(`fail ${i}`);
        throw new ValueError(String(i));
      };
      const [, index, excs] = await staggeredRace(
        [attempt(0), attempt(1), attempt(2)],
      );
      assert.equal(index, null);
      assert.equal(excs.length, 3);
      return log;
    });
    assert.deepEqual(log, [
      "start 0",
      "fail 0",
      "start 1",
      "fail 1",
      "start 2",
      "fail 2",
    ]);
  });

  it("reads a lazy iterable one attempt at a time and stops reading once one wins", async () => {
    let drawn = 0;
    function* attempts() {
      for (let i = 0; i < 5; i++) {
        drawn++;
        yield () => sleep(i === 0 ? 0.5 : 10, i);
      }
    }
    const [winner, index, excs] = await runVirtual(() =>
      staggeredRace(attempts(), 1)
    );
    assert.equal(winner, 0);
    assert.equal(index, 0);
    assert.deepEqual(excs, [null]);
    assert.equal(drawn, 1);
  });

  it("passes each attempt its task's signal, aborted when it loses", async () => {
    const signals: AbortSignal[] = [];
    await runVirtual(() =>
      staggeredRace([
        (signal) => {
          signals.push(signal);
          return sleep(10, "slow");
        },
        (signal) => {
          signals.push(signal);
          return sleep(0.1, "fast");
        },
      ], 0.1)
    );
    assert.equal(signals.length, 2);
    assert.equal(signals[0].aborted, true);
    assert.equal(signals[1].aborted, false);
  });

  it("resolves only after every loser's cleanup has run", async () => {
    const log = await runVirtual(async () => {
      const log: string[] = [];
      const loser = async () => {
        try {
          await sleep(10);
        } finally {
          await sleep(1);
          log.push("loser cleaned up");
        }
      };
      const [winner] = await staggeredRace([loser, () => sleep(0, "w")], 0.5);
      log.push(`race returned ${winner}`);
      return log;
    });
    assert.deepEqual(log, ["loser cleaned up", "race returned w"]);
  });

  it("keeps the first winner when a loser swallows its cancellation and returns", async () => {
    const [winner, index, excs] = await runVirtual(() =>
      staggeredRace([
        async () => {
          try {
            await sleep(10);
          } catch {
            // A badly behaved attempt: it returns although cancelled.
          }
          return "late";
        },
        () => sleep(0, "first"),
      ], 0.5)
    );
    assert.equal(winner, "first");
    assert.equal(index, 1);
    assert.deepEqual(excs, [null, null]);
  });

  it("records a value of a lazy iterable that is not a function as that attempt's TypeError", async () => {
    function* attempts(): Generator<() => PromiseLike<string>> {
      yield "not a function" as never;
      yield () => sleep(0, "second");
    }
    const [winner, index, excs] = await runVirtual(() =>
      staggeredRace(attempts(), null)
    );
    assert.equal(winner, "second");
    assert.equal(index, 1);
    assert.ok(excs[0] instanceof TypeError);
  });

  it("an iterable that throws is a bug: an ExceptionGroup after the attempts ended", async () => {
    const boom = new Error("iterator broke");
    function* attempts(): Generator<() => Promise<never>> {
      yield async () => {
        await sleep(0.1);
        throw new ValueError("first");
      };
      throw boom;
    }
    await runVirtual(async () => {
      const error = await staggeredRace(attempts(), null).then(
        () => assert.fail("the race should fail"),
        (e) => e,
      );
      assert.ok(error instanceof ExceptionGroup);
      assert.deepEqual(error.errors, [boom]);
    });
  });
});

describe("staggeredRace: cancellation at every await", () => {
  it("cancelled while the first attempt runs: the attempt is cancelled and awaited", async () => {
    const log = await runVirtual(async () => {
      const log: string[] = [];
      const race = createTask(() =>
        staggeredRace([async () => {
          try {
            await sleep(10);
          } finally {
            await sleep(1);
            log.push("attempt cleaned up");
          }
        }], 5)
      );
      await sleep(0.5);
      race.cancel("stop");
      const error = await race.then(() => null, (e) => e);
      assert.ok(error instanceof CancelledError);
      assert.equal(error.message, "stop");
      log.push("race cancelled");
      return log;
    });
    assert.deepEqual(log, ["attempt cleaned up", "race cancelled"]);
  });

  it("cancelled while the next attempt waits for its turn: it never starts", async () => {
    const started: number[] = [];
    await runVirtual(async () => {
      const race = createTask(() =>
        staggeredRace(
          [0, 1].map((i) => () => {
            started.push(i);
            return sleep(10);
          }),
          5,
        )
      );
      await sleep(1);
      race.cancel();
      await assert.rejects(async () => await race, CancelledError);
      await sleep(10); // the second attempt's turn would have come
    });
    assert.deepEqual(started, [0]);
  });

  it("cancelled before its first step: no attempt starts", async () => {
    let started = 0;
    await runVirtual(async () => {
      const race = createTask(() =>
        staggeredRace([async () => {
          started++;
        }], null)
      );
      race.cancel();
      await assert.rejects(async () => await race, CancelledError);
    });
    assert.equal(started, 0);
  });

  it("cancelled while losers clean up after the winner: cancels the cleanup and waits for it", async () => {
    const log = await runVirtual(async () => {
      const log: string[] = [];
      const race = createTask(() =>
        staggeredRace([async () => {
          try {
            await sleep(10);
          } finally {
            try {
              await sleep(1);
            } catch (error) {
              await sleep(0.1);
              log.push(`loser cleanup got ${(error as Error).name}`);
            }
          }
        }, () => sleep(0, "winner")], 0.5)
      );
      await sleep(0.75); // the winner returned; the loser cleans up until 1.5
      race.cancel();
      await assert.rejects(async () => await race, CancelledError);
      log.push("race cancelled");
      return log;
    });
    assert.deepEqual(log, [
      "loser cleanup got CancelledError",
      "race cancelled",
    ]);
  });

  it("a second cancel during the attempts' cleanup cancels the cleanup too", async () => {
    const log = await runVirtual(async () => {
      const log: string[] = [];
      const race = createTask(() =>
        staggeredRace([async () => {
          try {
            await sleep(10);
          } finally {
            try {
              await sleep(1);
              log.push("cleanup finished");
            } catch (error) {
              log.push(`cleanup got ${(error as Error).name}`);
            }
          }
        }], null)
      );
      await sleep(0.5);
      race.cancel();
      await sleep(0.5);
      race.cancel();
      await assert.rejects(async () => await race, CancelledError);
      return log;
    });
    assert.deepEqual(log, ["cleanup got CancelledError"]);
  });

  it("an attempt cancelled from outside counts as failed and the next starts at once", async () => {
    const result = await runVirtual(async () => {
      const loop = getRunningLoop();
      const t0 = loop.time();
      let first: ReturnType<typeof createTask> | null = null;
      const race = staggeredRace([
        () => {
          first = createTask(() => sleep(10));
          return first;
        },
        async () => loop.time() - t0,
      ], 5);
      await sleep(1);
      first!.cancel();
      return await race;
    });
    assert.equal(result[1], 1);
    assertTime(result[0] as number, 1);
    assert.ok(result[2][0] instanceof CancelledError);
  });
});

describe("staggeredRace: bad input fails at the call", () => {
  it("refuses what is not an iterable of functions, and a bad delay", async () => {
    await runVirtual(async () => {
      assert.throws(
        () => staggeredRace(42 as never, null),
        /iterable of async functions/,
      );
      assert.throws(
        () => staggeredRace([sleep(1)] as never, null),
        /not a promise that is already running/,
      );
      assert.throws(() => staggeredRace(["x"] as never), TypeError);
      assert.throws(() => staggeredRace([], "1" as never), TypeError);
      assert.throws(() => staggeredRace([], NaN), RangeError);
    });
  });
});
