// CPython 3.13's own tests for asyncio queues (Lib/test/test_asyncio/
// test_queues.py, as shipped with Python 3.13.0), ported case by case:
// Queue, LifoQueue, PriorityQueue, join()/taskDone() and shutdown().
//
// Each `await sleep(0)` of the driving task stands where CPython's test has
// one, so wake-up order and the number of loop iterations must match
// asyncio's exactly. Where CPython reads a private field (`_getters`,
// `_putters`), the port checks what that field implies through the public
// API. Checks marked "probe" are not in CPython's test; each was run
// against CPython 3.13 with the same scenario. A queue has no toString()
// here, so test_str and the test_format cases check what each part of
// CPython's str() / `_format()` implies through the public API
// (`_getters[1]`: a get() waits; `tasks=2`: join() waits for two
// taskDone() calls; `shutdown`: put and get raise QueueShutDown).
// Skipped: test_repr (test_str's scenario plus Python's id() in repr),
// test_generic_alias (GenericAlias is Python-only), test_get_with_putters
// (plants a fake future in `_putters`), test_float_maxsize (maxsize here
// must be an integer).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  Event,
  getRunningLoop,
  run,
  sleep,
  type Task,
  taskGroup,
  TimeoutError,
  waitFor,
} from "../../mod.ts";
import {
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
} from "../../sync/mod.ts";
import { errorOf, sleepsUntilDone } from "./helpers.ts";

describe("CPython 3.13 QueueBasicTests", () => {
  it("QueueBasicTests.test_empty", async () => {
    await run(async () => {
      const q = new Queue<number>();
      assert.equal(q.empty(), true);
      await q.put(1);
      assert.equal(q.empty(), false);
      assert.equal(await q.get(), 1);
      assert.equal(q.empty(), true);
    });
  });

  it("QueueBasicTests.test_full", async () => {
    await run(async () => {
      assert.equal(new Queue<number>().full(), false);
      const q = new Queue<number>(1);
      await q.put(1);
      assert.equal(q.full(), true);
    });
  });

  it("QueueBasicTests.test_order", async () => {
    await run(async () => {
      const q = new Queue<number>();
      for (const i of [1, 3, 2]) await q.put(i);
      const items = [await q.get(), await q.get(), await q.get()];
      assert.deepEqual(items, [1, 3, 2]);
    });
  });

  it("QueueBasicTests.test_maxsize: the putter fills the queue in one iteration, then blocks", async () => {
    await run(async () => {
      const q = new Queue<number>(2);
      assert.equal(q.maxsize, 2);
      const haveBeenPut: number[] = [];
      const putter = async () => {
        for (let i = 0; i < 3; i++) {
          await q.put(i);
          haveBeenPut.push(i);
        }
        return true;
      };
      const t = createTask(putter);
      await sleep(0);
      // probe: two puts with room do not suspend the putter.
      assert.deepEqual(haveBeenPut, [0, 1]);
      await sleep(0);

      // The putter is blocked after putting two items.
      assert.deepEqual(haveBeenPut, [0, 1]);
      assert.equal(await q.get(), 0);
      // probe: get() from a non-empty queue lets nothing else run.
      assert.deepEqual(haveBeenPut, [0, 1]);

      // Let the putter resume and put last item.
      await sleep(0);
      assert.deepEqual(haveBeenPut, [0, 1, 2]);
      assert.ok(t.done()); // probe
      assert.equal(await q.get(), 1);
      assert.equal(await q.get(), 2);

      assert.ok(t.done());
      assert.equal(t.result(), true);
    });
  });

  it("QueueBasicTests.test_str: the waiting getter, the waiting putter and the items str() shows", async () => {
    await run(async () => {
      // getters: CPython checks '_getters[1]' in str(q).
      let q = new Queue<number>();
      let getter!: Task<number>;
      await taskGroup(async (tg) => {
        // Start a task that waits to get.
        getter = tg.createTask(() => q.get());
        // Let it start waiting.
        await sleep(0);
        assert.equal(getter.done(), false);
        assert.equal(q.empty(), true);
        // resume q.get coroutine to finish generator
        q.putNowait(0);
      });
      assert.equal(await getter, 0);
      assert.equal(q.empty(), true); // probe: the getter took the item

      // putters: CPython checks '_putters[1]' in str(q).
      q = new Queue<number>(1);
      let putter!: Task<void>;
      await taskGroup(async (tg) => {
        q.putNowait(1);
        // Start a task that waits to put.
        putter = tg.createTask(() => q.put(2));
        // Let it start waiting.
        await sleep(0);
        assert.equal(putter.done(), false);
        assert.equal(q.full(), true);
        // resume q.put coroutine to finish generator
        assert.equal(q.getNowait(), 1);
      });
      assert.ok(putter.done());
      assert.equal(q.getNowait(), 2); // probe: the putter's item went in

      // CPython checks '_queue=[1]' in str(q).
      q = new Queue<number>();
      q.putNowait(1);
      assert.equal(q.qsize(), 1);
      assert.equal(q.getNowait(), 1);
    });
  });
});

describe("CPython 3.13 QueueGetTests", () => {
  it("QueueGetTests.test_blocking_get", async () => {
    await run(async () => {
      const q = new Queue<number>();
      q.putNowait(1);
      assert.equal(await q.get(), 1);
    });
  });

  it("QueueGetTests.test_blocking_get_wait: a getter wakes on a later put_nowait", async () => {
    await run(async () => {
      const q = new Queue<number>();
      const started = new Event();
      let finished = false;
      const queueGet = async () => {
        started.set();
        const res = await q.get();
        finished = true;
        return res;
      };
      const queueGetTask = createTask(queueGet);
      await started.wait();
      assert.equal(finished, false);
      getRunningLoop().callLater(0.01, () => q.putNowait(1));
      const res = await queueGetTask;
      assert.equal(finished, true);
      assert.equal(res, 1);
    });
  });

  it("QueueGetTests.test_nonblocking_get", () => {
    const q = new Queue<number>();
    q.putNowait(1);
    assert.equal(q.getNowait(), 1);
  });

  it("QueueGetTests.test_nonblocking_get_exception", () => {
    const q = new Queue<number>();
    assert.throws(() => q.getNowait(), QueueEmpty);
  });

  it("QueueGetTests.test_get_cancelled_race: a getter cancelled while waiting does not take the item", async () => {
    await run(async () => {
      const q = new Queue<string>();
      const t1 = createTask(() => q.get());
      const t2 = createTask(() => q.get());

      await sleep(0);
      t1.cancel();
      await sleep(0);
      assert.ok(t1.done());
      assert.ok(t1.cancelled()); // probe
      await q.put("a");
      assert.equal(t2.done(), false); // probe: woken, not yet run
      await sleep(0);
      assert.ok(t2.done()); // probe
      assert.equal(await t2, "a");
    });
  });

  it("QueueGetTests.test_get_with_waiting_putters: each get() lets the next putter in", async () => {
    await run(async () => {
      const q = new Queue<string>(1);
      const putA = createTask(() => q.put("a"));
      const putB = createTask(() => q.put("b"));
      assert.equal(await q.get(), "a");
      // probe: the first get() waited one round; "b" is not in yet.
      assert.deepEqual([putA.done(), putB.done(), q.qsize()], [true, false, 0]);
      assert.equal(await q.get(), "b");
      assert.ok(putB.done()); // probe
    });
  });

  it("QueueGetTests.test_why_are_getters_waiting: producer and consumer through a queue of one", async () => {
    await run(async () => {
      const consumer = async (queue: Queue<number>, numExpected: number) => {
        for (let i = 0; i < numExpected; i++) await queue.get();
      };
      const producer = async (queue: Queue<number>, numItems: number) => {
        for (let i = 0; i < numItems; i++) await queue.put(i);
      };
      const producerNumItems = 5;
      const q = new Queue<number>(1);
      await taskGroup(async (tg) => {
        const tasks = [
          tg.createTask(() => producer(q, producerNumItems)),
          tg.createTask(() => consumer(q, producerNumItems)),
        ];
        assert.equal(await sleepsUntilDone(tasks), 9); // probe
      });
    });
  });

  it("QueueGetTests.test_cancelled_getters_not_being_held_in_self_getters", async () => {
    await run(async () => {
      const queue = new Queue<number>(5);
      assert.ok(
        await errorOf(waitFor(queue.get(), 0.1)) instanceof TimeoutError,
      );
      // CPython: len(queue._getters) == 0. No stale getter swallows the
      // wake-up of the next put: a new getter gets the item at once.
      const getter = createTask(() => queue.get());
      await sleep(0);
      queue.putNowait(7);
      await sleep(0);
      assert.ok(getter.done());
      assert.equal(getter.result(), 7);
    });
  });
});

describe("CPython 3.13 QueuePutTests", () => {
  it("QueuePutTests.test_blocking_put", async () => {
    await run(async () => {
      const q = new Queue<number>();
      // No maxsize, won't block.
      await q.put(1);
      assert.equal(await q.get(), 1);
    });
  });

  it("QueuePutTests.test_blocking_put_wait: a putter wakes on a later get_nowait", async () => {
    await run(async () => {
      const q = new Queue<number>(1);
      const started = new Event();
      let finished = false;
      const queuePut = async () => {
        started.set();
        await q.put(1);
        await q.put(2);
        finished = true;
      };
      getRunningLoop().callLater(0.01, () => q.getNowait());
      const queuePutTask = createTask(queuePut);
      await started.wait();
      assert.equal(finished, false);
      await queuePutTask;
      assert.equal(finished, true);
      assert.equal(q.qsize(), 1); // probe
    });
  });

  it("QueuePutTests.test_nonblocking_put", () => {
    const q = new Queue<number>();
    q.putNowait(1);
    assert.equal(q.getNowait(), 1);
  });

  it("QueuePutTests.test_get_cancel_drop_one_pending_reader: a woken then cancelled getter drops no item", async () => {
    await run(async () => {
      const q = new Queue<number>();
      let reader = createTask(() => q.get());
      await sleep(0);

      q.putNowait(1);
      q.putNowait(2);
      reader.cancel();

      const error = await errorOf(reader);
      // CPython: the cancel wins over the wake-up.
      assert.ok(error instanceof CancelledError);
      // try again
      reader = createTask(() => q.get());
      await reader;

      // if we get 2, it means 1 got dropped!
      assert.equal(reader.result(), 1);
      assert.equal(q.qsize(), 1); // probe
    });
  });

  it("QueuePutTests.test_get_cancel_drop_many_pending_readers: a cancelled woken getter passes its wake-up on", async () => {
    await run(async () => {
      const q = new Queue<number>();
      let reader2!: Task<number>;
      let reader3!: Task<number>;
      await taskGroup(async (tg) => {
        const reader1 = tg.createTask(() => q.get());
        reader2 = tg.createTask(() => q.get());
        reader3 = tg.createTask(() => q.get());

        await sleep(0);

        q.putNowait(1);
        q.putNowait(2);
        reader1.cancel();

        assert.ok(await errorOf(reader1) instanceof CancelledError);
        // probe: reader2 and reader3 ran before this task resumed.
        assert.deepEqual([reader2.done(), reader3.done()], [true, true]);

        await reader3;
      });
      // It is undefined in which order concurrent readers receive results.
      assert.deepEqual(
        new Set([reader2.result(), reader3.result()]),
        new Set([1, 2]),
      );
      // probe: in CPython 3.13 the order is in fact fixed.
      assert.deepEqual([reader2.result(), reader3.result()], [1, 2]);
    });
  });

  it("QueuePutTests.test_put_cancel_drop: a woken then cancelled putter puts nothing", async () => {
    await run(async () => {
      const q = new Queue<number>(1);
      q.putNowait(1);

      // putting a second item in the queue has to block (qsize=1)
      let writer = createTask(() => q.put(2));
      await sleep(0);

      assert.equal(q.getNowait(), 1);

      writer.cancel();
      const error = await errorOf(writer);
      // CPython: the cancel wins over the wake-up, and nothing was put.
      assert.ok(error instanceof CancelledError);
      assert.equal(q.qsize(), 0); // probe
      // try again
      writer = createTask(() => q.put(2));
      await writer;

      assert.equal(q.getNowait(), 2);
      assert.equal(q.qsize(), 0);
    });
  });

  it("QueuePutTests.test_nonblocking_put_exception", () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    assert.throws(() => q.putNowait(2), QueueFull);
  });

  it("QueuePutTests.test_put_cancelled: a put into a waiting get() finishes before the getter resumes", async () => {
    await run(async () => {
      const q = new Queue<number>();
      const queuePut = async () => {
        await q.put(1);
        return true;
      };
      const t = createTask(queuePut);
      assert.equal(await q.get(), 1);
      assert.ok(t.done());
      assert.equal(t.result(), true);
    });
  });

  it("QueuePutTests.test_put_cancelled_race: a cancelled waiting putter puts nothing, the next one goes on", async () => {
    await run(async () => {
      const q = new Queue<string>(1);
      const putA = createTask(() => q.put("a"));
      const putB = createTask(() => q.put("b"));
      const putC = createTask(() => q.put("X"));

      await sleep(0);
      assert.ok(putA.done());
      assert.equal(putB.done(), false);

      putC.cancel();
      await sleep(0);
      assert.ok(putC.done());
      assert.ok(putC.cancelled()); // probe
      assert.equal(q.getNowait(), "a");
      // probe: putB is woken but has not put yet.
      assert.equal(putB.done(), false);
      assert.equal(q.qsize(), 0);
      await sleep(0);
      assert.ok(putB.done()); // probe
      assert.equal(q.getNowait(), "b");

      await putB;
      assert.equal(q.qsize(), 0); // probe: "X" never went in
    });
  });

  it("QueuePutTests.test_put_with_waiting_getters", async () => {
    await run(async () => {
      const q = new Queue<string>();
      const t = createTask(() => q.get());
      await sleep(0);
      await q.put("a");
      assert.equal(t.done(), false); // probe: put() with room did not suspend
      assert.equal(await t, "a");
    });
  });

  it("QueuePutTests.test_why_are_putters_waiting: get_nowait wakes the putters in order", async () => {
    await run(async () => {
      const queue = new Queue<number>(2);
      const got: number[] = [];
      const putter = async (item: number) => {
        await queue.put(item);
      };
      const getter = async () => {
        await sleep(0);
        const num = queue.qsize();
        for (let i = 0; i < num; i++) got.push(queue.getNowait());
      };
      await taskGroup(async (tg) => {
        const tasks = [
          tg.createTask(getter),
          tg.createTask(() => putter(0)),
          tg.createTask(() => putter(1)),
          tg.createTask(() => putter(2)),
          tg.createTask(() => putter(3)),
        ];
        assert.equal(await sleepsUntilDone(tasks), 3); // probe
      });
      // probe
      assert.deepEqual(got, [0, 1]);
      assert.deepEqual([queue.getNowait(), queue.getNowait()], [2, 3]);
    });
  });

  it("QueuePutTests.test_cancelled_puts_not_being_held_in_self_putters", async () => {
    await run(async () => {
      // Full queue.
      const queue = new Queue<number>(1);
      queue.putNowait(1);

      // Task waiting for space to put an item in the queue.
      const putTask = createTask(() => queue.put(2));
      await sleep(0);
      assert.equal(putTask.done(), false); // CPython: len(_putters) == 1

      putTask.cancel();
      assert.ok(await errorOf(putTask) instanceof CancelledError);
      // CPython: len(queue._putters) == 0. No stale putter swallows the
      // wake-up of the next get: a new putter gets the slot at once.
      const next = createTask(() => queue.put(3));
      await sleep(0);
      assert.equal(queue.getNowait(), 1);
      await sleep(0);
      assert.ok(next.done());
      assert.equal(queue.getNowait(), 3);
    });
  });

  it("QueuePutTests.test_cancelled_put_silence_value_error_exception: cancelling a woken putter is a plain CancelledError", async () => {
    await run(async () => {
      // Full Queue.
      const queue = new Queue<number>(1);
      queue.putNowait(1);

      // Task waiting for space to put a item in the queue.
      const putTask = createTask(() => queue.put(1));
      await sleep(0);

      // getNowait() wakes the putter...
      queue.getNowait();
      // ...which is cancelled before it runs.
      putTask.cancel();

      assert.ok(await errorOf(putTask) instanceof CancelledError);
      assert.equal(queue.qsize(), 0); // probe
    });
  });
});

describe("CPython 3.13 LifoQueueTests and PriorityQueueTests", () => {
  it("LifoQueueTests.test_order", async () => {
    await run(async () => {
      const q = new LifoQueue<number>();
      for (const i of [1, 3, 2]) await q.put(i);
      const items = [await q.get(), await q.get(), await q.get()];
      assert.deepEqual(items, [2, 3, 1]);
    });
  });

  it("PriorityQueueTests.test_order", async () => {
    await run(async () => {
      const q = new PriorityQueue<number>();
      for (const i of [1, 3, 2]) await q.put(i);
      const items = [await q.get(), await q.get(), await q.get()];
      assert.deepEqual(items, [1, 2, 3]);
    });
  });
});

type QueueClass = new <T>(maxsize?: number) => Queue<T>;

const queueClasses: [string, QueueClass][] = [
  ["Queue", Queue],
  ["LifoQueue", LifoQueue],
  ["PriorityQueue", PriorityQueue as QueueClass],
];

for (const [name, QClass] of queueClasses) {
  describe(`CPython 3.13 ${name}JoinTests`, () => {
    it(`${name}JoinTests.test_task_done_underflow: a RangeError (ValueError)`, () => {
      const q = new QClass<number>();
      assert.throws(() => q.taskDone(), RangeError);
    });

    it(`${name}JoinTests.test_task_done: join() returns once two workers marked 100 items done`, async () => {
      await run(async () => {
        const q = new QClass<number>();
        for (let i = 0; i < 100; i++) q.putNowait(i);

        let accumulator = 0;
        // Two workers get items from the queue and call taskDone after
        // each. Join the queue and assert all items have been processed.
        let running = true;
        const worker = async () => {
          while (running) {
            const item = await q.get();
            accumulator += item;
            q.taskDone();
          }
        };

        await taskGroup(async (tg) => {
          const tasks = [tg.createTask(worker), tg.createTask(worker)];

          await q.join();
          assert.equal(accumulator, (99 * 100) / 2);

          // close running generators
          running = false;
          for (let i = 0; i < tasks.length; i++) q.putNowait(0);
        });
      });
    });

    it(`${name}JoinTests.test_join_empty_queue: join() returns before anything else runs`, async () => {
      await run(async () => {
        const q = new QClass<number>();
        let ran = false;
        const other = createTask(() => {
          ran = true;
        });

        // Test that a queue join()s successfully, and before anything
        // else (done twice for insurance).
        await q.join();
        await q.join();
        assert.equal(ran, false); // probe: "before anything else"
        await other;
      });
    });

    it(`${name}JoinTests.test_format: "tasks=2" in _format(), what it implies`, async () => {
      await run(async () => {
        const q = new QClass<number>();
        // CPython: q._format() == 'maxsize=0'.
        assert.equal(q.maxsize, 0);
        await q.join(); // no "tasks=": nothing unfinished

        // CPython sets the private `_unfinished_tasks = 2`; two items put
        // and taken, not yet marked done, are the public way there
        // ('maxsize=0 tasks=2' on CPython 3.13 too).
        q.putNowait(1);
        q.putNowait(2);
        q.getNowait();
        q.getNowait();
        assert.equal(q.empty(), true);
        const joiner = createTask(() => q.join());
        await sleep(0);
        assert.equal(joiner.done(), false); // tasks=2
        q.taskDone();
        await sleep(0);
        assert.equal(joiner.done(), false); // tasks=1
        q.taskDone();
        await sleep(0);
        assert.equal(joiner.done(), true); // no "tasks=" again
        assert.throws(() => q.taskDone(), RangeError);
      });
    });
  });

  describe(`CPython 3.13 ${name}ShutdownTests`, () => {
    it(`${name}ShutdownTests.test_shutdown_empty: shutdown() wakes a waiting getter with QueueShutDown`, async () => {
      await run(async () => {
        // Setup empty queue, and join() and get() tasks
        const q = new QClass<string>();
        const getTask = createTask(() => q.get());
        await sleep(0); // want get task pending before shut-down

        // Perform shut-down
        q.shutdown(false); // unfinished tasks: 0 -> 0

        assert.equal(q.qsize(), 0);

        // Ensure join() task successfully finishes
        await q.join();
        assert.equal(getTask.done(), false); // probe: join() did not suspend

        // Ensure get() task is finished, and raised ShutDown
        await sleep(0);
        assert.ok(getTask.done());
        assert.ok(await errorOf(getTask) instanceof QueueShutDown);

        // Ensure put() and get() raise ShutDown
        assert.ok(await errorOf(q.put("data")) instanceof QueueShutDown);
        assert.throws(() => q.putNowait("data"), QueueShutDown);

        assert.ok(await errorOf(q.get()) instanceof QueueShutDown);
        assert.throws(() => q.getNowait(), QueueShutDown);
      });
    });

    it(`${name}ShutdownTests.test_shutdown_nonempty: a waiting putter fails, items stay gettable, join() waits`, async () => {
      await run(async () => {
        // Setup full queue with 1 item, and join() and put() tasks
        const q = new QClass<string>(1);

        q.putNowait("data");
        const joinTask = createTask(() => q.join());
        const putTask = createTask(() => q.put("data2"));

        // Ensure put() task is not finished
        await sleep(0);
        assert.equal(putTask.done(), false);

        // Perform shut-down
        q.shutdown(false); // unfinished tasks: 1 -> 1

        assert.equal(q.qsize(), 1);

        // Ensure put() task is finished, and raised ShutDown
        await sleep(0);
        assert.ok(putTask.done());
        assert.ok(await errorOf(putTask) instanceof QueueShutDown);

        // Ensure get() succeeds on enqueued item
        assert.equal(await q.get(), "data");

        // Ensure join() task is not finished
        await sleep(0);
        assert.equal(joinTask.done(), false);

        // Ensure put() and get() raise ShutDown
        assert.ok(await errorOf(q.put("data")) instanceof QueueShutDown);
        assert.throws(() => q.putNowait("data"), QueueShutDown);

        assert.ok(await errorOf(q.get()) instanceof QueueShutDown);
        assert.throws(() => q.getNowait(), QueueShutDown);

        // Ensure there is 1 unfinished task, and join() task succeeds
        q.taskDone();
        assert.equal(joinTask.done(), false); // probe: woken, not yet run

        await sleep(0);
        assert.ok(joinTask.done());
        await joinTask;

        // Didn't appear to mark all tasks done
        assert.throws(() => q.taskDone(), RangeError);
      });
    });

    it(`${name}ShutdownTests.test_shutdown_immediate: drops the items, counts them done, wakes join()`, async () => {
      await run(async () => {
        // Setup queue with 1 item, and a join() task
        const q = new QClass<string>();
        q.putNowait("data");
        const joinTask = createTask(() => q.join());

        // Perform shut-down
        q.shutdown(true); // unfinished tasks: 1 -> 0

        assert.equal(q.qsize(), 0);

        // Ensure join() task has successfully finished
        await sleep(0);
        assert.ok(joinTask.done());
        await joinTask;

        // Ensure put() and get() raise ShutDown
        assert.ok(await errorOf(q.put("data")) instanceof QueueShutDown);
        assert.throws(() => q.putNowait("data"), QueueShutDown);

        assert.ok(await errorOf(q.get()) instanceof QueueShutDown);
        assert.throws(() => q.getNowait(), QueueShutDown);

        // Ensure there are no unfinished tasks
        assert.throws(() => q.taskDone(), RangeError);
      });
    });

    it(`${name}ShutdownTests.test_shutdown_immediate_with_unfinished: join() waits for the item taken before`, async () => {
      await run(async () => {
        // Setup queue with 2 items (1 retrieved), and a join() task
        const q = new QClass<string>();
        q.putNowait("data");
        q.putNowait("data");
        const joinTask = createTask(() => q.join());
        assert.equal(await q.get(), "data");

        // Perform shut-down
        q.shutdown(true); // unfinished tasks: 2 -> 1

        assert.equal(q.qsize(), 0);

        // Ensure join() task is not finished
        await sleep(0);
        assert.equal(joinTask.done(), false);

        // Ensure put() and get() raise ShutDown
        assert.ok(await errorOf(q.put("data")) instanceof QueueShutDown);
        assert.throws(() => q.putNowait("data"), QueueShutDown);

        assert.ok(await errorOf(q.get()) instanceof QueueShutDown);
        assert.throws(() => q.getNowait(), QueueShutDown);

        // Ensure there is 1 unfinished task
        q.taskDone();
        assert.throws(() => q.taskDone(), RangeError);

        // Ensure join() task has successfully finished
        await sleep(0);
        assert.ok(joinTask.done());
        await joinTask;
      });
    });

    it(`${name}ShutdownTests.test_format: "shutdown" in _format(), what it implies`, async () => {
      await run(async () => {
        const q = new QClass<number>();
        q.shutdown();
        // CPython: q._format() == 'maxsize=0 shutdown'.
        assert.equal(q.maxsize, 0);
        assert.throws(() => q.putNowait(1), QueueShutDown);
        assert.ok(await errorOf(q.put(1)) instanceof QueueShutDown);
        assert.throws(() => q.getNowait(), QueueShutDown);
        assert.ok(await errorOf(q.get()) instanceof QueueShutDown);
        // No "tasks=": nothing unfinished, join() returns at once.
        await q.join();
      });
    });
  });
}

describe("CPython 3.13 Queue.shutdown, blocked callers (probe)", () => {
  it("shutdown() fails every waiting getter, then every waiting putter, in one iteration", async () => {
    await run(async () => {
      const q = new Queue<number>(1);
      const getters = [createTask(() => q.get()), createTask(() => q.get())];
      await sleep(0);
      q.shutdown();
      await sleep(0);
      assert.ok(getters.every((g) => g.done()));
      assert.ok(getters.every((g) => g.exception() instanceof QueueShutDown));

      const q2 = new Queue<number>(1);
      q2.putNowait(0);
      const putters = [
        createTask(() => q2.put(1)),
        createTask(() => q2.put(2)),
      ];
      await sleep(0);
      q2.shutdown();
      await sleep(0);
      assert.ok(putters.every((p) => p.done()));
      assert.ok(putters.every((p) => p.exception() instanceof QueueShutDown));
      assert.equal(q2.qsize(), 1);
    });
  });
});
