/**
 * A user's `AsyncLocalStorage` context flows into tasks and callbacks as
 * Python's contextvars do: a task runs in a copy of the context current at
 * `createTask`, a `callSoon`/`callLater`/`callAt` callback or a done
 * callback in the context of the code that scheduled it, and what a task
 * sets inside never leaks out. Each expectation was checked against
 * CPython 3.13's asyncio with a `ContextVar`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  createTask,
  currentTask,
  eagerTaskFactory,
  ensureFuture,
  Event,
  type Future,
  gather,
  getRunningLoop,
  Lock,
  newEventLoop,
  Queue,
  run,
  sleep,
  type Task,
  taskGroup,
  waitFor,
} from "../../mod.ts";

/** The user's context, as request-id logging keeps it. */
const als = new AsyncLocalStorage<string>();

/** The user's value in the code running now. */
function seen(): string | undefined {
  return als.getStore();
}

/** A promise that the library does not know: a host timer. */
function hostTimer(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

/** Yields to the loop until `condition()` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(0);
}

/** A task that reports what it sees at its first step and after a sleep. */
async function peek(): Promise<[string | undefined, string | undefined]> {
  const first = seen();
  await sleep(0);
  return [first, seen()];
}

describe("A task runs in the context current at createTask", () => {
  it("sees it at its first step and after every kind of await", async () => {
    const result = await als.run("main", () =>
      run(async () => {
        const loop = getRunningLoop();
        const lock = new Lock();
        const queue = new Queue<string>();
        const event = new Event();
        const future = loop.createFuture<number>();
        let resolveNative = () => {};
        const native = new Promise<void>((resolve) => resolveNative = resolve);
        let stage = "";
        await lock.acquire();
        const other = als.run("other task", () =>
          createTask(async () => {
            await until(() => stage === "task");
            return seen();
          }));
        const steps: [string, string | undefined][] = [];
        const note = (where: string) => steps.push([where, seen()]);
        const task: Task<typeof steps> = als.run("created", () =>
          createTask(async () => {
            note("first step");
            assert.equal(currentTask(), task);
            await sleep(0);
            note("sleep(0)");
            await sleep(0.001);
            note("sleep(0.001)");
            stage = "lock";
            await lock.acquire();
            note("lock released elsewhere");
            lock.release();
            stage = "queue";
            note(`queue got ${await queue.get()}`);
            stage = "event";
            await event.wait();
            note("event set elsewhere");
            stage = "future";
            note(`future resolved with ${await future}`);
            stage = "native";
            await native;
            note("native promise resolved elsewhere");
            await Promise.resolve();
            note("resolved promise");
            await hostTimer(0.001);
            note("host timer");
            await Promise.all([sleep(0), hostTimer(0), Promise.resolve()]);
            note("Promise.all");
            stage = "task";
            note(`awaited a task that saw ${await other}`);
            for (let i = 0; i < 20; i++) {
              await (i % 2 === 0 ? sleep(0) : Promise.resolve());
            }
            note("20 more awaits");
            assert.equal(currentTask(), task);
            return steps;
          }));
        // Each wait of the task ends from code in another context.
        await until(() =>
          stage === "lock"
        );
        als.run("releaser", () => lock.release());
        await until(() => stage === "queue");
        als.run("producer", () => queue.putNowait("item"));
        await until(() => stage === "event");
        als.run("setter", () => event.set());
        await until(() => stage === "future");
        als.run("resolver", () => future.setResult(7));
        await until(() => stage === "native");
        als.run("resolver", () => resolveNative());
        return { steps: await task, main: seen() };
      }));
    assert.deepEqual(result.steps, [
      ["first step", "created"],
      ["sleep(0)", "created"],
      ["sleep(0.001)", "created"],
      ["lock released elsewhere", "created"],
      ["queue got item", "created"],
      ["event set elsewhere", "created"],
      ["future resolved with 7", "created"],
      ["native promise resolved elsewhere", "created"],
      ["resolved promise", "created"],
      ["host timer", "created"],
      ["Promise.all", "created"],
      ["awaited a task that saw other task", "created"],
      ["20 more awaits", "created"],
    ]);
    assert.equal(result.main, "main");
  });

  it("gives two tasks made under different values their own, interleaved", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      // Sleeps: the loop alternates between the two.
      const sleeper = (me: string) => async () => {
        for (let i = 0; i < 3; i++) {
          await sleep(0);
          log.push(`${me} sleeps, sees ${seen()}`);
        }
      };
      await gather(
        als.run("A", () => createTask(sleeper("a"))),
        als.run("B", () => createTask(sleeper("b"))),
      );
      // Ping-pong: each is woken by the other, from the other's context.
      const toA = new Queue<number>();
      const toB = new Queue<number>();
      const player =
        (me: string, inbox: Queue<number>, outbox: Queue<number>) =>
        async () => {
          for (let i = 0; i < 3; i++) {
            const ball = await inbox.get();
            log.push(`${me} got ${ball}, sees ${seen()}`);
            await Promise.resolve();
            outbox.putNowait(ball + 1);
          }
        };
      const a = als.run("A", () => createTask(player("a", toA, toB)));
      const b = als.run("B", () => createTask(player("b", toB, toA)));
      toA.putNowait(0);
      await gather(a, b);
      return log;
    });
    assert.deepEqual(log, [
      "a sleeps, sees A",
      "b sleeps, sees B",
      "a sleeps, sees A",
      "b sleeps, sees B",
      "a sleeps, sees A",
      "b sleeps, sees B",
      "a got 0, sees A",
      "b got 1, sees B",
      "a got 2, sees A",
      "b got 3, sees B",
      "a got 4, sees A",
      "b got 5, sees B",
    ]);
  });

  it("takes a copy: its creator's later changes do not reach it", async () => {
    const result = await run(async () => {
      als.enterWith("before");
      // Not started yet when its creator changes the value.
      const task = createTask(peek);
      als.enterWith("after");
      const scoped = als.run("scoped", () => createTask(peek));
      return { task: await task, scoped: await scoped, creator: seen() };
    });
    assert.deepEqual(result, {
      task: ["before", "before"],
      scoped: ["scoped", "scoped"],
      creator: "after",
    });
  });

  it("never leaks what it sets to its creator, its siblings or callbacks", async () => {
    const result = await als.run("outside", () =>
      run(async () => {
        const loop = getRunningLoop();
        return await als.run("creator", async () => {
          const setter = createTask(async () => {
            als.enterWith("set inside");
            const saw: (string | undefined)[] = [seen()];
            saw.push(
              await als.run("inner run", async () => {
                await sleep(0);
                return seen();
              }),
            );
            saw.push(seen());
            await sleep(0);
            saw.push(seen());
            // A child and a callback inherit what the task set, as
            // create_task and call_soon copy it.
            const child = await createTask(peek);
            const callback = await new Promise((resolve) =>
              loop.callSoon(() => resolve(seen()))
            );
            return { saw, child, callback };
          });
          const sibling = createTask(async () => {
            const saw = [seen()];
            for (let i = 0; i < 3; i++) {
              await sleep(0);
              saw.push(seen());
            }
            return saw;
          });
          const callback = new Promise<string | undefined>((resolve) =>
            loop.callSoon(() => resolve(seen()))
          );
          await sleep(0);
          const creatorAfterFirstSteps = seen();
          const [inside, siblingSaw] = await gather(setter, sibling);
          const later = await createTask(peek);
          return {
            inside,
            sibling: siblingSaw,
            callback: await callback,
            creatorAfterFirstSteps,
            creatorAtEnd: seen(),
            later,
          };
        });
      }));
    assert.deepEqual(result, {
      inside: {
        saw: ["set inside", "inner run", "set inside", "set inside"],
        child: ["set inside", "set inside"],
        callback: "set inside",
      },
      sibling: ["creator", "creator", "creator", "creator"],
      callback: "creator",
      creatorAfterFirstSteps: "creator",
      creatorAtEnd: "creator",
      later: ["creator", "creator"],
    });
  });
  it("runs an eager task's first step in a copy of the creator's", async () => {
    const result = await run(async () => {
      const loop = getRunningLoop();
      loop.setTaskFactory(eagerTaskFactory);
      als.enterWith("creator");
      const callbacks: (string | undefined)[] = [];
      const task = createTask(async () => {
        const first = seen();
        als.enterWith("set in the eager step");
        loop.callSoon(() => callbacks.push(seen()));
        await sleep(0);
        return [first, seen()];
      });
      const creatorAfterEagerStep = seen();
      const scoped = als.run("scoped", () => createTask(() => seen()));
      const scopedDone = scoped.done();
      return {
        task: await task,
        creatorAfterEagerStep,
        scoped: scoped.result(),
        scopedDone,
        callbacks,
        creator: seen(),
      };
    });
    assert.deepEqual(result, {
      task: ["creator", "set in the eager step"],
      creatorAfterEagerStep: "creator",
      scoped: "scoped",
      scopedDone: true,
      callbacks: ["set in the eager step"],
      creator: "creator",
    });
  });
});

describe("Tasks started by the library take the caller's context", () => {
  it("tg.createTask in taskGroup", async () => {
    const result = await run(async () => {
      const tasks: Task<[string | undefined, string | undefined]>[] = [];
      await als.run("group", () =>
        taskGroup(async (tg) => {
          tasks.push(tg.createTask(peek));
          tasks.push(als.run("child", () => tg.createTask(peek)));
          await sleep(0);
          // The body goes on in the context it was called in.
          tasks.push(tg.createTask(peek));
        }));
      return { tasks: tasks.map((task) => task.result()), main: seen() };
    });
    assert.deepEqual(result, {
      tasks: [["group", "group"], ["child", "child"], ["group", "group"]],
      main: undefined,
    });
  });

  it("loop.createTask, on a running loop and before the loop runs", async () => {
    const running = await run(async () => {
      const loop = getRunningLoop();
      return await als.run("loop.createTask", () => loop.createTask(peek));
    });
    assert.deepEqual(running, ["loop.createTask", "loop.createTask"]);

    // As asyncio's create_task copies the context even with no loop running.
    const loop = newEventLoop();
    try {
      const task = als.run("before running", () => loop.createTask(peek));
      const seenByTask = await als.run(
        "runner",
        () => loop.runUntilComplete(task),
      );
      assert.deepEqual(seenByTask, ["before running", "before running"]);
      assert.deepEqual(
        await als.run("runUntilComplete", () => loop.runUntilComplete(peek)),
        ["runUntilComplete", "runUntilComplete"],
      );
    } finally {
      loop.close();
    }
  });

  it("ensureFuture(asyncFn)", async () => {
    const result = await run(async () =>
      await als.run("ensureFuture", () => ensureFuture(peek))
    );
    assert.deepEqual(result, ["ensureFuture", "ensureFuture"]);
  });

  it("gather(asyncFn, ...): every child", async () => {
    const result = await run(async () => {
      const together = await als.run("gather", () => gather(peek, peek, peek));
      // Tasks handed to gather keep their own.
      const own = await gather(
        als.run("first", () => createTask(peek)),
        als.run("second", () => createTask(peek)),
      );
      return { together, own };
    });
    assert.deepEqual(result, {
      together: [["gather", "gather"], ["gather", "gather"], [
        "gather",
        "gather",
      ]],
      own: [["first", "first"], ["second", "second"]],
    });
  });

  it("waitFor(asyncFn, t), also in the cleanup after a timeout", async () => {
    const result = await run(async () => {
      const inTime = await als.run("waitFor", () => waitFor(peek, 1));
      let cleanup: string | undefined;
      const late = await als.run("timed out", async () => {
        try {
          await waitFor(async () => {
            try {
              await sleep(10);
            } finally {
              cleanup = seen();
            }
          }, 0.001);
        } catch (error) {
          return (error as Error).name;
        }
        return "no timeout";
      });
      return { inTime, late, cleanup };
    });
    assert.deepEqual(result, {
      inTime: ["waitFor", "waitFor"],
      late: "TimeoutError",
      cleanup: "timed out",
    });
  });
});

describe("A callback runs in the context of the code that scheduled it", () => {
  it("callSoon, callLater and callAt, called from a task", async () => {
    const calls = await als.run("main", () =>
      run(async () => {
        const loop = getRunningLoop();
        const calls: [string, string | undefined, Task | null][] = [];
        const record = (tag: string) =>
          calls.push([tag, seen(), currentTask()]);
        als.run("soon", () => loop.callSoon(record, "callSoon"));
        als.run("later", () => loop.callLater(0.001, record, "callLater"));
        als.run("at", () => loop.callAt(loop.time() + 0.002, record, "callAt"));
        loop.callSoon(record, "from main");
        await sleep(0.01);
        calls.push(["main after", seen(), null]);
        return calls;
      }));
    // A plain callback is not a task: currentTask() is null in each.
    assert.deepEqual(calls, [
      ["callSoon", "soon", null],
      ["from main", "main", null],
      ["callLater", "later", null],
      ["callAt", "at", null],
      ["main after", "main", null],
    ]);
  });

  it("scheduled before the loop runs, not the context that runs it", async () => {
    const loop = newEventLoop();
    try {
      const calls: [string, string | undefined][] = [];
      const record = (tag: string) => calls.push([tag, seen()]);
      als.run("scheduler", () => {
        loop.callSoon(record, "callSoon");
        loop.callLater(0, record, "callLater");
        loop.callAt(loop.time(), record, "callAt");
      });
      loop.callLater(0.002, () => loop.stop());
      await als.run("runner", () => loop.runForever());
      assert.deepEqual(calls, [
        ["callSoon", "scheduler"],
        ["callLater", "scheduler"],
        ["callAt", "scheduler"],
      ]);
    } finally {
      loop.close();
    }
  });

  it("keeps what a callback sets to that callback", async () => {
    const log = await als.run("main", () =>
      run(async () => {
        const loop = getRunningLoop();
        const log: string[] = [];
        als.run("scheduler", () => {
          loop.callSoon(() => {
            als.enterWith("set by the first");
            log.push(`first: ${seen()}`);
          });
          loop.callSoon(() => log.push(`second: ${seen()}`));
          loop.callLater(0, () => log.push(`timer: ${seen()}`));
        });
        loop.callSoon(() => log.push(`main's: ${seen()}`));
        await sleep(0.005);
        log.push(`main: ${seen()}`);
        return log;
      }));
    assert.deepEqual(log, [
      "first: set by the first",
      "second: scheduler",
      "main's: main",
      "timer: scheduler",
      "main: main",
    ]);
  });

  it("a task created by a callback takes the callback's context", async () => {
    const result = await run(async () => {
      const loop = getRunningLoop();
      let child: Task<[string | undefined, string | undefined]> | null = null;
      als.run("callback", () =>
        loop.callSoon(() => {
          child = createTask(peek);
        }));
      await until(() => child !== null);
      return await child!;
    });
    assert.deepEqual(result, ["callback", "callback"]);
  });

  it("addDoneCallback: the context of the call, pending or already done", async () => {
    const calls = await als.run("main", () =>
      run(async () => {
        const loop = getRunningLoop();
        const calls: Record<string, [string | undefined, Task | null]> = {};
        const record = (tag: string) => (_future: Future<unknown>) => {
          calls[tag] = [seen(), currentTask()];
        };
        const pending = loop.createFuture<number>();
        als.run("adder", () => pending.addDoneCallback(record("pending")));
        // Completed by a task running in yet another context.
        await als.run("completer", () =>
          createTask(async () => {
            await sleep(0);
            pending.setResult(1);
          }));
        const done = loop.createFuture<number>();
        done.setResult(2);
        als.run("late adder", () => done.addDoneCallback(record("done")));
        const task = als.run("task", () => createTask(() => sleep(0, 3)));
        als.run("watcher", () => task.addDoneCallback(record("task")));
        task.addDoneCallback(record("main's"));
        await task;
        await sleep(0.001);
        return calls;
      }));
    assert.deepEqual(calls, {
      pending: ["adder", null],
      done: ["late adder", null],
      task: ["watcher", null],
      "main's": ["main", null],
    });
  });
});

describe("Request ids and traces", () => {
  it("keeps each concurrent request's log lines on its own request id", async () => {
    interface Request {
      requestId: string;
    }
    const requests = new AsyncLocalStorage<Request>();
    const lines: string[] = [];
    /** A logger that stamps each line with the current request id. */
    const log = (message: string) =>
      lines.push(`[${requests.getStore()?.requestId ?? "-"}] ${message}`);
    interface Job {
      path: string;
      reply: Future<string>;
    }

    await run(async () => {
      const loop = getRunningLoop();
      const incoming = new Queue<string>();
      const jobs = new Queue<Job>();
      const dbLock = new Lock();
      const handlers: Task<string>[] = [];
      const delays: Record<string, number> = { "/a": 0.003, "/b": 0.001 };

      const handle = async (path: string) => {
        log(`${path} start`);
        await sleep(delays[path] ?? 0.002);
        log(`${path} slept`);
        {
          using _ = await dbLock.acquire();
          log(`${path} holds the lock`);
          await sleep(0);
          log(`${path} releases the lock`);
        }
        const reply = loop.createFuture<string>();
        await jobs.put({ path, reply });
        log(`${path} queued a query`);
        log(`${path} got ${await reply}`);
        await Promise.resolve();
        log(`${path} after a promise`);
        await hostTimer(0.001);
        log(`${path} after a host timer`);
        await gather(
          async () => {
            await sleep(0);
            log(`${path} subquery 1`);
          },
          async () => {
            await dbLock.acquire();
            log(`${path} subquery 2`);
            dbLock.release();
          },
        );
        log(`${path} end`);
        return path;
      };

      // A worker started outside any request: its lines carry no id, as
      // in Python, where it runs in the context it was created in.
      const worker = createTask(async () => {
        for await (const job of jobs) {
          log(`worker runs ${job.path}`);
          await sleep(0.001);
          job.reply.setResult(`rows of ${job.path}`);
        }
      });
      const server = createTask(async () => {
        let count = 0;
        for await (const path of incoming) {
          const requestId = `req-${++count}`;
          requests.run({ requestId }, () => {
            const handler = createTask(() => handle(path));
            handler.addDoneCallback(() => log(`${path} access log`));
            handlers.push(handler);
          });
        }
      });
      for (const path of ["/a", "/b", "/c"]) incoming.putNowait(path);
      await until(() => handlers.length === 3);
      assert.deepEqual(await gather(...handlers), ["/a", "/b", "/c"]);
      await sleep(0);
      incoming.shutdown();
      jobs.shutdown();
      await gather(server, worker);
    });

    const idOf: Record<string, string> = {
      "/a": "req-1",
      "/b": "req-2",
      "/c": "req-3",
    };
    const wrong = lines.filter((line) => {
      const [, id, path] = line.match(/^\[(.*?)\] (?:worker runs )?(\S+)/)!;
      return id !== (line.includes("worker runs") ? "-" : idOf[path]);
    });
    assert.deepEqual(wrong, []);
    // Handled concurrently: every request started before any got a reply.
    assert.deepEqual(lines.slice(0, 3), [
      "[req-1] /a start",
      "[req-2] /b start",
      "[req-3] /c start",
    ]);
    for (const path of ["/a", "/b", "/c"]) {
      assert.equal(
        lines.filter((line) => line.startsWith(`[${idOf[path]}] ${path} `))
          .length,
        12,
        path,
      );
      assert.ok(lines.includes(`[-] worker runs ${path}`));
    }
  });

  it("follows an OpenTelemetry-style active span into nested tasks", async () => {
    interface Span {
      name: string;
      parent: Span | undefined;
    }
    const spans = new AsyncLocalStorage<Span>();
    /** As OpenTelemetry's `context.with`: `AsyncLocalStorage.run`. */
    const withSpan = <R>(name: string, fn: () => R): R =>
      spans.run({ name, parent: spans.getStore() }, fn);
    const pathOf = (span: Span | undefined): string =>
      span === undefined ? "" : `${pathOf(span.parent)}/${span.name}`;
    const traces: string[] = [];
    const trace = (event: string) =>
      traces.push(`${pathOf(spans.getStore())}: ${event}`);

    await run(async () => {
      await withSpan("request", async () => {
        trace("begin");
        const db = withSpan("db", () =>
          createTask(async () => {
            trace("query");
            await sleep(0);
            const rows = await withSpan("fetch", () =>
              createTask(async () => {
                await sleep(0);
                trace("fetch");
                return 2;
              }));
            trace(`${rows} rows`);
          }));
        const cache = withSpan("cache", () =>
          createTask(async () => {
            await sleep(0);
            trace("lookup");
          }));
        trace("waiting");
        await gather(db, cache);
        trace("end");
      });
      trace("after the request");
    });
    assert.deepEqual(traces.sort(), [
      "/request/cache: lookup",
      "/request/db/fetch: fetch",
      "/request/db: 2 rows",
      "/request/db: query",
      "/request: begin",
      "/request: end",
      "/request: waiting",
      ": after the request",
    ]);
  });
});

describe("run() takes the context around it", () => {
  it("for main, its tasks and its callbacks", async () => {
    const result = await als.run("around run", () =>
      run(async () => {
        const loop = getRunningLoop();
        const main = [seen()];
        await sleep(0);
        main.push(seen());
        const task = await createTask(peek);
        const callback = await new Promise((resolve) =>
          loop.callSoon(() => resolve(seen()))
        );
        return { main, task, callback };
      }));
    assert.deepEqual(result, {
      main: ["around run", "around run"],
      task: ["around run", "around run"],
      callback: "around run",
    });
    assert.equal(
      await als.run("second run", () => run(async () => seen())),
      "second run",
    );
  });

  it("and what main sets does not leak out of it", async () => {
    const result = await als.run("outside", async () => {
      const inside = await run(async () => {
        als.enterWith("set by main");
        await sleep(0);
        return seen();
      });
      return { inside, after: seen() };
    });
    assert.deepEqual(result, { inside: "set by main", after: "outside" });
  });
});
