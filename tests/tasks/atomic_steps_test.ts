// A task's step is atomic, as in asyncio: between two awaits that suspend,
// no other task and no other ready callback runs. An await that does not
// suspend in asyncio (a done future, a free lock, a set event...) takes a
// microtask hop in JavaScript, but lets nothing else in.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import {
  CancelledError,
  createTask,
  currentTask,
  EventLoop,
  type Future,
  gather,
  getRunningLoop,
  run,
  RuntimeError,
  sleep,
  type Task,
} from "../../mod.ts";
import { Event, Lock, Queue, Semaphore } from "../../sync/mod.ts";
import { errorOf } from "../sync/helpers.ts";

/** A future of the running loop that is done already. */
function doneFuture<T>(value: T): Future<T> {
  const future = getRunningLoop().createFuture<T>();
  future.setResult(value);
  return future;
}

/** Never suspends: its awaits are all of done futures, nested `depth` deep. */
async function nested(depth: number, done: Future<number>): Promise<number> {
  if (depth === 0) return await done;
  const below = await nested(depth - 1, done);
  await done;
  return below + 1;
}

/** Makes one kind of await that does not suspend in asyncio. */
interface Kind {
  name: string;
  /** Called in the running loop; returns the await to repeat. */
  setup(): Promise<() => Promise<unknown>>;
}

const kinds: Kind[] = [
  {
    name: "a done Future",
    setup: async () => {
      const done = doneFuture("value");
      return async () => await done;
    },
  },
  {
    name: "a done Task",
    setup: async () => {
      const task = createTask(async () => "value");
      await task;
      return async () => await task;
    },
  },
  {
    name: "acquire() of a free Lock",
    setup: async () => {
      const lock = new Lock();
      return async () => {
        await lock.acquire();
        lock.release();
      };
    },
  },
  {
    name: "acquire() of a free Semaphore",
    setup: async () => {
      const semaphore = new Semaphore(1);
      return async () => {
        await semaphore.acquire();
        semaphore.release();
      };
    },
  },
  {
    name: "wait() on a set Event",
    setup: async () => {
      const event = new Event();
      event.set();
      return async () => await event.wait();
    },
  },
  {
    name: "put() on a queue with room",
    setup: async () => {
      const queue = new Queue<number>();
      return async () => await queue.put(1);
    },
  },
  {
    name: "get() on a non-empty queue",
    setup: async () => {
      const queue = new Queue<number>();
      for (let i = 0; i < 4_000; i++) queue.putNowait(i);
      return async () => await queue.get();
    },
  },
  {
    name: "join() with nothing unfinished",
    setup: async () => {
      const queue = new Queue<number>();
      await queue.put(1);
      await queue.get();
      queue.taskDone();
      return async () => await queue.join();
    },
  },
  {
    name: "an async helper that never suspends",
    setup: async () => {
      const done = doneFuture(1);
      const helper = async () => {
        await done;
        return await done;
      };
      return async () => await helper();
    },
  },
  {
    name: "nested async helpers that never suspend",
    setup: async () => {
      const done = doneFuture(1);
      return async () => await nested(3, done);
    },
  },
];

describe("A task's step is atomic", () => {
  for (const kind of kinds) {
    it(`1,000 awaits of ${kind.name} in one step let nothing else run`, async () => {
      const log = await run(async () => {
        const loop = getRunningLoop();
        const step = await kind.setup();
        const log: string[] = [];
        const go = new Event();
        const worker = (name: string) => async () => {
          log.push(`${name} starts`);
          for (let i = 0; i < 1_000; i++) await step();
          log.push(`${name} waits`);
          await go.wait();
          log.push(`${name} wakes`);
          for (let i = 0; i < 1_000; i++) await step();
          log.push(`${name} ends`);
        };
        const a = createTask(worker("a"));
        const b = createTask(worker("b"));
        loop.callSoon(() => log.push("first callback"));
        await sleep(0);
        go.set();
        loop.callSoon(() => log.push("second callback"));
        await gather(a, b);
        return log;
      });
      // CPython 3.13 gives this order.
      assert.deepEqual(log, [
        "a starts",
        "a waits",
        "b starts",
        "b waits",
        "first callback",
        "a wakes",
        "a ends",
        "b wakes",
        "b ends",
        "second callback",
      ]);
    });
  }

  it("a step through deeply nested helpers is whole too", async () => {
    const log = await run(async () => {
      const done = doneFuture(0);
      const log: string[] = [];
      const deep = createTask(async () => {
        log.push("deep starts");
        for (let i = 0; i < 10; i++) {
          log.push(`depth ${await nested(100, done)}`);
        }
        log.push("deep ends");
      });
      const other = createTask(async () => log.push("other runs"));
      getRunningLoop().callSoon(() => log.push("callback"));
      await gather(deep, other);
      return log;
    });
    assert.deepEqual(log, [
      "deep starts",
      ...Array.from({ length: 10 }, () => "depth 100"),
      "deep ends",
      "other runs",
      "callback",
    ]);
  });

  it("a callback scheduled right after the wake-up sees the task done", async () => {
    const [seen, value] = await run(async () => {
      const loop = getRunningLoop();
      const done = doneFuture(0);
      const wakeUp = loop.createFuture<void>();
      const task = createTask(async () => {
        await wakeUp;
        for (let i = 0; i < 10; i++) await done;
        return "value";
      });
      await sleep(0);
      const seen: unknown[] = [];
      wakeUp.setResult();
      loop.callSoon(() => {
        seen.push(task.done(), task.cancelled(), task.cancel());
      });
      return [seen, await task];
    });
    // CPython 3.13: [True, False, False], and the value is kept.
    assert.deepEqual(seen, [true, false, false]);
    assert.equal(value, "value");
  });

  it("a cancel after the body returned finds a gather child done: the value is kept", async () => {
    const [results, cancelled, childCancelled] = await run(async () => {
      const loop = getRunningLoop();
      const done = doneFuture(0);
      const wakeUp = loop.createFuture<void>();
      const child = createTask(async () => {
        await wakeUp;
        for (let i = 0; i < 10; i++) await done;
        return "kept";
      });
      const all = gather(child);
      await sleep(0);
      const cancelled: boolean[] = [];
      wakeUp.setResult();
      loop.callSoon(() => cancelled.push(all.cancel()));
      return [await all, cancelled, child.cancelled()];
    });
    assert.deepEqual(results, ["kept"]);
    assert.deepEqual(cancelled, [false]);
    assert.equal(childCancelled, false);
  });

  it("a cancel request waits for the next real suspension, as in CPython", async () => {
    const log = await run(async () => {
      const done = doneFuture(7);
      const finished = createTask(async () => "task");
      await finished;
      const lock = new Lock();
      const event = new Event();
      event.set();
      const log: unknown[] = [];
      const task = createTask(async () => {
        currentTask()!.cancel();
        log.push(await done);
        log.push(await finished);
        {
          using _ = await lock.acquire();
          log.push("locked");
        }
        await event.wait();
        log.push("event");
        try {
          await sleep(0);
        } catch (error) {
          log.push("cancelled at sleep");
          throw error;
        }
      });
      const error = await errorOf(task);
      log.push(error instanceof CancelledError, task.cancelled());
      return log;
    });
    // CPython 3.13 prints [7, 'task', 'locked', 'event', 'cancelled at sleep', ...].
    assert.deepEqual(log, [
      7,
      "task",
      "locked",
      "event",
      "cancelled at sleep",
      true,
      true,
    ]);
  });

  it("is whole for each of several bodies a task runs, woken in one iteration", async () => {
    // gather(f(), g(), h()) runs all three in the caller's task; asyncio
    // makes a task of each, whose steps never interleave.
    const log = await run(async () => {
      const loop = getRunningLoop();
      const lock = new Lock();
      const log: string[] = [];
      const wakers = ["a", "b", "c"].map(() => loop.createFuture<void>());
      const body = async (name: string, woken: Future<void>) => {
        await woken;
        log.push(`${name} woke`);
        await lock.acquire();
        lock.release();
        log.push(`${name} went on`);
        await sleep(0.01);
      };
      const all = gather(...["a", "b", "c"].map((n, i) => body(n, wakers[i])));
      await sleep(0);
      for (const waker of wakers) waker.setResult();
      await all;
      return log;
    });
    assert.deepEqual(log, [
      "a woke",
      "a went on",
      "b woke",
      "b went on",
      "c woke",
      "c went on",
    ]);
  });

  it("a task's first step is whole: tasks created together start one after another", async () => {
    const log = await run(async () => {
      const done = doneFuture(0);
      const lock = new Lock();
      const log: string[] = [];
      const tasks = ["a", "b", "c"].map((name) =>
        createTask(async () => {
          await lock.acquire();
          log.push(`${name} in`);
          for (let i = 0; i < 100; i++) await done;
          log.push(`${name} out`);
          lock.release();
        })
      );
      getRunningLoop().callSoon(() => log.push("callback"));
      await gather(...tasks);
      return log;
    });
    assert.deepEqual(log, [
      "a in",
      "a out",
      "b in",
      "b out",
      "c in",
      "c out",
      "callback",
    ]);
  });
});

/** Burns `ms` milliseconds of CPU when `slow` is set: a slow machine. */
function busy(slow: boolean, ms = 5): void {
  if (!slow) return;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

/**
 * Tasks interleaving through a lock, events, a bounded queue, a semaphore
 * and `sleep(0)`, with steps of many awaits that do not suspend; with
 * `slow`, several steps and a callback burn 5 ms each.
 */
async function interleaving(slow: boolean): Promise<string[]> {
  const loop = getRunningLoop();
  const order: string[] = [];
  const lock = new Lock();
  const go = new Event();
  const ready = new Event();
  ready.set();
  const queue = new Queue<string>(1);
  const slots = new Semaphore(2);
  const done = doneFuture(null);

  const settled = async (name: string) => {
    for (let i = 0; i < 100; i++) {
      await done;
      await ready.wait();
    }
    await slots.acquire();
    slots.release();
    busy(slow);
    order.push(`${name} settled`);
  };

  const worker = async (name: string) => {
    order.push(`${name} start`);
    await lock.acquire();
    try {
      order.push(`${name} locked`);
      busy(slow);
      await sleep(0);
      await settled(name);
      order.push(`${name} unlocks`);
    } finally {
      lock.release();
    }
    await go.wait();
    order.push(`${name} goes`);
    for (let i = 0; i < 2; i++) {
      await queue.put(`${name}${i}`);
      order.push(`${name} put ${i}`);
    }
    await slots.acquire();
    try {
      order.push(`${name} slot`);
      await sleep(0);
    } finally {
      slots.release();
    }
    order.push(`${name} ends`);
  };

  const consumer = async () => {
    for (;;) {
      const item = await queue.get();
      order.push(`got ${item}`);
      busy(slow);
      await settled("consumer");
      queue.taskDone();
    }
  };

  const starter = async () => {
    for (let i = 0; i < 3; i++) await sleep(0);
    busy(slow);
    order.push("set");
    go.set();
    loop.callSoon(() => {
      busy(slow);
      order.push("callback");
    });
    await sleep(0);
    order.push("starter ends");
  };

  const eater = createTask(consumer);
  await gather(
    () => worker("a"),
    () => worker("b"),
    () => worker("c"),
    starter,
  );
  await queue.join();
  eater.cancel();
  order.push("joined");
  return order;
}

describe("Order does not depend on wall time", () => {
  it("the same interleaving, plainly and with slow steps, is CPython's", async () => {
    const plain = await run(() => interleaving(false));
    const slowed = await run(() => interleaving(true));
    // CPython 3.13's output for the same program.
    const expected = [
      "a start",
      "a locked",
      "b start",
      "c start",
      "a settled",
      "a unlocks",
      "b locked",
      "b settled",
      "b unlocks",
      "set",
      "c locked",
      "a goes",
      "a put 0",
      "b goes",
      "callback",
      "starter ends",
      "c settled",
      "c unlocks",
      "c goes",
      "got a0",
      "consumer settled",
      "a put 1",
      "a slot",
      "got a1",
      "consumer settled",
      "a ends",
      "b put 0",
      "got b0",
      "consumer settled",
      "c put 0",
      "got c0",
      "consumer settled",
      "b put 1",
      "b slot",
      "got b1",
      "consumer settled",
      "b ends",
      "c put 1",
      "c slot",
      "got c1",
      "consumer settled",
      "c ends",
      "joined",
    ];
    assert.deepEqual(plain, expected);
    assert.deepEqual(slowed, expected);
  });
});

/** A promise the library does not know, settled by `settle` or a watchdog. */
function foreignPromise<T>(
  watchdog: T,
): [promise: Promise<T>, settle: (value: T) => void] {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => resolve = settle);
  const timer = setTimeout(() => resolve(watchdog), 5_000);
  return [promise, (value) => {
    clearTimeout(timer);
    resolve(value);
  }];
}

/** An EventLoop that counts its iterations while a far timer is armed. */
class CountingLoop extends EventLoop {
  clockReads = 0;

  override time(): number {
    this.clockReads++;
    return super.time();
  }
}

describe("A foreign await", () => {
  it("does not stall the loop: other tasks run meanwhile", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      const [promise, settle] = foreignPromise("stalled");
      const waiter = createTask(async () => {
        log.push("waiter awaits a foreign promise");
        log.push(`waiter got ${await promise}`);
      });
      const other = createTask(async () => {
        for (let i = 0; i < 3; i++) {
          log.push(`other ${i}`);
          await sleep(0);
        }
        // A host timer, not a loop callback: the loop must be idle by then.
        setTimeout(() => settle("foreign value"), 1);
      });
      await gather(waiter, other);
      return log;
    });
    assert.deepEqual(log, [
      "waiter awaits a foreign promise",
      "other 0",
      "other 1",
      "other 2",
      "waiter got foreign value",
    ]);
  });

  it("does not make the loop spin while it waits", async () => {
    const loop = new CountingLoop();
    try {
      const reads = await loop.runUntilComplete(async () => {
        // A far timer makes every iteration read the clock once.
        const far = loop.callLater(3600, () => {});
        const [promise, settle] = foreignPromise(-1);
        const waiter = createTask(() => promise);
        await sleep(0);
        const before = loop.clockReads;
        setTimeout(() => settle(loop.clockReads - before), 50);
        const reads = await waiter;
        far.cancel();
        return reads;
      });
      // Idle, the loop reads the clock a few times, not once per host turn.
      assert.ok(reads >= 0 && reads < 20, `${reads} clock reads`);
    } finally {
      loop.close();
    }
  });

  it("runs the code after it as a new step, whole", async () => {
    const log = await run(async () => {
      const loop = getRunningLoop();
      const done = doneFuture(0);
      const log: string[] = [];
      let stop = false;
      const ticker = createTask(async () => {
        while (!stop) await sleep(0);
      });
      const [promise, settle] = foreignPromise("stalled");
      const waiter = createTask(async () => {
        log.push(`waiter got ${await promise}`);
        loop.callSoon(() => log.push("callback"));
        for (let i = 0; i < 1_000; i++) await done;
        log.push("step ends");
        stop = true;
      });
      await sleep(0);
      setTimeout(() => settle("foreign value"), 1);
      await gather(waiter, ticker);
      return log;
    });
    assert.deepEqual(log, [
      "waiter got foreign value",
      "step ends",
      "callback",
    ]);
  });

  it("ends the step before the host's next turn, however deep in the step it comes", async () => {
    // The turn that forgets such a step is asked for as the step begins, so
    // a foreign promise settled on a later host turn resumes a new step.
    for (const awaits of [0, 1, 12]) {
      for (const woken of ["busy", "idle"]) {
        const log = await run(async () => {
          const loop = getRunningLoop();
          const done = doneFuture(0);
          const go = loop.createFuture<void>();
          const log: string[] = [];
          const a = createTask(async () => {
            await go;
            for (let i = 0; i < awaits; i++) await done;
            log.push("a");
            await new Promise((resolve) => setImmediate(resolve));
            log.push("a after");
          });
          const b = createTask(async () => {
            await go;
            log.push("b");
          });
          await sleep(0);
          // A loop timer wakes the loop from idle; otherwise it is busy.
          if (woken === "idle") loop.callLater(0.001, () => go.setResult());
          else go.setResult();
          await gather(a, b);
          return log;
        });
        assert.deepEqual(log, ["a", "b", "a after"], `${awaits}, ${woken}`);
      }
    }
  });

  it("Promise.all of library futures works, and a cancel reaches them all", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const future = loop.createFuture<string>();
      loop.callLater(0.005, () => future.setResult("future"));
      const both = createTask(async () =>
        await Promise.all([sleep(0.01, "slept"), future])
      );
      assert.deepEqual(await both, ["slept", "future"]);

      const sleeping = sleep(10, "never");
      const pending = loop.createFuture<string>();
      const stuck = createTask(async () =>
        await Promise.all([sleeping, pending])
      );
      await sleep(0);
      assert.equal(stuck.cancel(), true);
      assert.ok(await errorOf(stuck) instanceof CancelledError);
      assert.equal(sleeping.cancelled(), true);
      assert.equal(pending.cancelled(), true);
    });
  });
});

describe("A task awaiting itself", () => {
  it("gets a RuntimeError at that await, and goes on", async () => {
    const [error, after] = await run(async () => {
      const task = createTask(async () => {
        let error: unknown;
        try {
          await currentTask()!;
        } catch (caught) {
          error = caught;
        }
        await sleep(0);
        return [error, "went on"] as const;
      });
      return await task;
    });
    assert.ok(error instanceof RuntimeError, String(error));
    assert.match(error.message, /cannot await on itself/);
    assert.equal(after, "went on");
  });

  it("fails with RuntimeError when it does not catch it", async () => {
    await run(async () => {
      const task = createTask(async () => {
        await currentTask()!;
      });
      assert.ok(await errorOf(task) instanceof RuntimeError);
      assert.ok(task.exception() instanceof RuntimeError);
    });
  });

  it("fails with RuntimeError when its body returns the task itself", async () => {
    await run(async () => {
      const asyncBody: Task<unknown> = createTask(async () => {
        await sleep(0);
        return asyncBody;
      });
      const plainBody: Task<unknown> = createTask(() => plainBody);
      assert.ok(await errorOf(asyncBody) instanceof RuntimeError);
      assert.ok(await errorOf(plainBody) instanceof RuntimeError);
    });
  });
});
