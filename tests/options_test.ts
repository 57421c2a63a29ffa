/**
 * Every public function or constructor that takes an options object
 * refuses a key it does not know, with a `TypeError` that names the key,
 * so a misspelt or unsupported option is never silently ignored.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  asCompleted,
  createTask,
  eagerTaskFactory,
  EventLoop,
  gather,
  getRunningLoop,
  ProcessPoolExecutor,
  run,
  Runner,
  Task,
  taskGroup,
  ThreadPoolExecutor,
  wait,
  WorkerPoolExecutor,
} from "../mod.ts";
import { openConnection, startServer } from "../streams/mod.ts";
import {
  createSubprocessExec,
  createSubprocessShell,
} from "../subprocess/mod.ts";
import { runVirtual } from "../testing/mod.ts";

const UNKNOWN = { noSuchOption: 1 } as never;
const HOST = "127.0.0.1";

/** The error of `call()`, thrown at once or as a rejection. */
async function errorOf(call: () => unknown): Promise<unknown> {
  let value: unknown;
  try {
    value = await call();
  } catch (error) {
    return error;
  }
  await settle(value);
  return assert.fail("expected a TypeError, got none");
}

/** Stops what a call that wrongly accepted its options started. */
async function settle(value: unknown): Promise<void> {
  if (value instanceof Task) await value;
  if (value instanceof WorkerPoolExecutor) await value.shutdown();
  if (value instanceof Runner) await value.close();
}

/** Asserts the error is a `TypeError` naming `key`. */
function assertNamesKey(error: unknown, key = "noSuchOption"): void {
  assert.ok(error instanceof TypeError, `not a TypeError: ${error}`);
  assert.ok(
    error.message.includes(`"${key}"`),
    `the message does not name "${key}": ${error.message}`,
  );
}

const body = async () => {};

/** The cases whose check is in the function's own folder of this branch. */
const OWN: [name: string, call: () => unknown][] = [
  ["openConnection()", () => openConnection(HOST, 1, UNKNOWN)],
  ["startServer()", () => startServer(() => {}, HOST, 0, UNKNOWN)],
  ["createSubprocessExec()", () => createSubprocessExec("true", UNKNOWN)],
  [
    "createSubprocessExec() with arguments",
    () => createSubprocessExec("echo", "a", UNKNOWN),
  ],
  ["createSubprocessShell()", () => createSubprocessShell("true", UNKNOWN)],
  ["gather(array, options)", () => gather([], UNKNOWN)],
  ["gather(...awaitables, options)", () => gather(UNKNOWN)],
  ["wait()", () => wait([], UNKNOWN)],
];

/** The cases whose check lives in the loop, task and executor files. */
const ELSEWHERE: [name: string, call: () => unknown][] = [
  ["createTask()", () => createTask(body, UNKNOWN)],
  ["loop.createTask()", () => getRunningLoop().createTask(body, UNKNOWN)],
  ["new Task()", () => new Task(body, UNKNOWN)],
  ["asCompleted()", () => asCompleted([], UNKNOWN)],
  ["new WorkerPoolExecutor()", () => new WorkerPoolExecutor(UNKNOWN)],
  ["new ThreadPoolExecutor()", () => new ThreadPoolExecutor(UNKNOWN)],
  ["new ProcessPoolExecutor()", () => new ProcessPoolExecutor(UNKNOWN)],
  ["executor.map()", async () => {
    await using executor = new WorkerPoolExecutor({ maxWorkers: 1 });
    const results = executor.map((x: number) => x, [1], UNKNOWN);
    for await (const _ of results) { /* drain what should not run */ }
  }],
  ["executor.shutdown()", async () => {
    const executor = new WorkerPoolExecutor({ maxWorkers: 1 });
    try {
      await executor.shutdown(UNKNOWN);
    } finally {
      await executor.shutdown();
    }
  }],
  ["TaskGroup.createTask()", () =>
    // Caught inside: an error thrown by the body reaches the caller grouped.
    taskGroup((tg) => errorOf(() => tg.createTask(body, UNKNOWN)))
      .then((error) => {
        throw error;
      })],
  ["loop.createTask() with eagerTaskFactory", () => {
    const loop = getRunningLoop();
    loop.setTaskFactory(eagerTaskFactory);
    try {
      return loop.createTask(body, UNKNOWN);
    } finally {
      loop.setTaskFactory(null);
    }
  }],
];

describe("an unknown option is a TypeError that names it", () => {
  for (const [name, call] of [...OWN, ...ELSEWHERE]) {
    it(name, async () => {
      const error = await run(() => errorOf(call));
      assertNamesKey(error);
    });
  }

  it("VirtualClockLoop's createTask()", async () => {
    const error = await runVirtual(() =>
      errorOf(() => getRunningLoop().createTask(body, UNKNOWN))
    );
    assertNamesKey(error);
  });

  it("run()", async () => {
    assertNamesKey(await errorOf(() => run(body, UNKNOWN)));
  });

  it("new Runner()", async () => {
    assertNamesKey(await errorOf(() => new Runner(UNKNOWN)));
  });

  it("runVirtual()", async () => {
    assertNamesKey(await errorOf(() => runVirtual(body, UNKNOWN)));
  });

  it("runVirtual() refuses a loop factory: it makes its own loop", async () => {
    const error = await errorOf(() =>
      runVirtual(body, { loopFactory: () => new EventLoop() } as never)
    );
    assertNamesKey(error, "loopFactory");
  });

  it("the message lists the keys that are accepted", async () => {
    const error = await run(() =>
      errorOf(() => createSubprocessShell("true", UNKNOWN))
    ) as TypeError;
    assert.match(error.message, /startNewSession/);
    assert.match(error.message, /processGroup/);
  });
});

describe("options that are not an object are a TypeError", () => {
  const cases: [name: string, call: () => unknown][] = [
    ["openConnection()", () => openConnection(HOST, 1, 5 as never)],
    ["startServer()", () => startServer(() => {}, HOST, 0, "big" as never)],
    ["createSubprocessExec()", () => createSubprocessExec("echo", 5 as never)],
    [
      "createSubprocessShell()",
      () => createSubprocessShell("true", 5 as never),
    ],
    ["gather()", () => gather([], "all" as never)],
    ["wait()", () => wait([], 5 as never)],
  ];
  for (const [name, call] of cases) {
    it(name, async () => {
      const error = await run(() => errorOf(call));
      assert.ok(error instanceof TypeError, `${name}: ${error}`);
    });
  }

  it("runVirtual()", async () => {
    const error = await errorOf(() => runVirtual(body, true as never));
    assert.ok(error instanceof TypeError, String(error));
  });

  it("an array of arguments says to pass them one by one", async () => {
    const error = await run(() =>
      errorOf(() => createSubprocessExec("ls", ["-l"] as never))
    ) as TypeError;
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /one by one/);
  });
});

describe("TLS options are checked, never ignored", () => {
  for (
    const [options, kind, pattern] of [
      [{ ssl: {} }, TypeError, /ssl must be true, false or a context/],
      [{ ssl: "tls" }, TypeError, /ssl must be true, false or a context/],
      [
        { serverHostname: "example.com" },
        RangeError,
        /only meaningful with ssl/,
      ],
      [{ sslHandshakeTimeout: 10 }, RangeError, /only meaningful with ssl/],
      [
        { ssl: null, serverHostname: "example.com" },
        RangeError,
        /only meaningful with ssl/,
      ],
    ] as const
  ) {
    it(`openConnection() refuses ${JSON.stringify(options)}`, async () => {
      const error = await run(() =>
        errorOf(() => openConnection(HOST, 1, options as never))
      ) as Error;
      assert.ok(error instanceof kind, String(error));
      assert.match(error.message, /^openConnection\(\)/);
      assert.match(error.message, pattern);
    });
  }

  it("startServer() with ssl that is not a server context listens nowhere", async () => {
    for (const ssl of [{}, true]) {
      const error = await run(() =>
        errorOf(() => startServer(() => {}, HOST, 0, { ssl } as never))
      ) as TypeError;
      assert.ok(error instanceof TypeError, String(error));
      assert.match(error.message, /^startServer\(\): /);
    }
  });

  it("ssl: false or null is plain TCP, as in Python", async () => {
    const echoed = await run(async () => {
      await using server = await startServer(
        async (reader, writer) => {
          writer.write(await reader.readexactly(2));
          writer.close();
          await writer.waitClosed();
        },
        HOST,
        0,
        { ssl: null },
      );
      const [, port] = server.sockets[0].getsockname();
      const [reader, writer] = await openConnection(HOST, port, {
        ssl: null,
      });
      writer.write(new TextEncoder().encode("ok"));
      const echoed = new TextDecoder().decode(await reader.read());
      writer.close();
      await writer.waitClosed();
      return echoed;
    });
    assert.equal(echoed, "ok");
  });
});
