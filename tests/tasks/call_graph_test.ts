import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createTask,
  currentTask,
  formatCallGraph,
  Future,
  printCallGraph,
  run,
  RuntimeError,
  sleep,
  type Task,
} from "../../mod.ts";
import { captureConsole } from "../fixtures/console.ts";

/** Names the running task "main", so the tree can be compared exactly. */
function nameMain(): Task<unknown> {
  const main = currentTask()!;
  main.setName("main");
  return main;
}

describe("formatCallGraph", () => {
  it("shows every live task as a tree of who awaits whom", async () => {
    await run(async () => {
      nameMain();
      const future = new Future<void>();
      const inner = createTask(() => future, { name: "inner" });
      const outer = createTask(() => inner, { name: "outer" });
      await sleep(0);
      assert.equal(
        formatCallGraph(),
        [
          "<Task pending name='main'> (running)",
          "<Task pending name='outer'>",
          "└── <Task pending name='inner'>",
          "    └── <Future pending>",
        ].join("\n"),
      );
      future.setResult();
      await outer;
    });
  });

  it("shows the tree below one task or future", async () => {
    await run(async () => {
      const future = new Future<void>();
      const inner = createTask(() => future, { name: "inner" });
      const outer = createTask(() => inner, { name: "outer" });
      await sleep(0);
      assert.equal(
        formatCallGraph(inner),
        "<Task pending name='inner'>\n└── <Future pending>",
      );
      assert.equal(formatCallGraph(future), "<Future pending>");
      outer.cancel();
      await outer.then(undefined, () => {});
      assert.equal(formatCallGraph(outer), "<Task cancelled name='outer'>");
    });
  });

  it("shows a task that awaits several futures at once", async () => {
    await run(async () => {
      nameMain();
      const a = new Future<void>();
      const b = createTask(() => sleep(3600), { name: "b" });
      await sleep(0);
      const both = Promise.all([a, b]);
      await sleep(0);
      assert.equal(
        formatCallGraph(),
        [
          "<Task pending name='main'> (running)",
          "├── <Future pending>",
          "└── <Task pending name='b'>",
          "    └── <SleepFuture pending>",
        ].join("\n"),
      );
      a.setResult();
      b.cancel();
      await assert.rejects(both);
    });
  });

  it("shows a task awaited twice once, then refers to it", async () => {
    await run(async () => {
      const shared = createTask(() => sleep(3600), { name: "shared" });
      const first = createTask(() => shared, { name: "first" });
      const second = createTask(() => shared, { name: "second" });
      await sleep(0);
      assert.equal(
        formatCallGraph(),
        [
          `<Task pending name='${currentTask()!.getName()}'> (running)`,
          "<Task pending name='first'>",
          "└── <Task pending name='shared'>",
          "    └── <SleepFuture pending>",
          "<Task pending name='second'>",
          "└── <Task pending name='shared'> (see above)",
        ].join("\n"),
      );
      shared.cancel();
      await Promise.allSettled([first, second]);
    });
  });

  it("shows tasks that await each other in a circle", async () => {
    await run(async () => {
      nameMain();
      const release = new Future<void>();
      const a: Task<unknown> = createTask(async () => {
        await sleep(0);
        await b;
      }, { name: "a" });
      const b: Task<unknown> = createTask(async () => {
        await sleep(0);
        await Promise.race([a, release]);
      }, { name: "b" });
      await sleep(0);
      await sleep(0);
      assert.equal(
        formatCallGraph(),
        [
          "<Task pending name='main'> (running)",
          "<Task pending name='a'>",
          "└── <Task pending name='b'>",
          "    ├── <Task pending name='a'> (see above)",
          "    └── <Future pending>",
        ].join("\n"),
      );
      release.setResult();
      await a;
    });
  });

  it("marks tasks not started yet or awaiting a foreign promise", async () => {
    await run(async () => {
      nameMain();
      let release = () => {};
      const foreign = createTask(async () => {
        await new Promise<void>((resolve) => release = resolve);
      }, { name: "foreign" });
      await sleep(0);
      const fresh = createTask(async () => {}, { name: "fresh" });
      assert.equal(
        formatCallGraph(),
        [
          "<Task pending name='main'> (running)",
          "<Task pending name='foreign'> (awaiting a foreign promise)",
          "<Task pending name='fresh'> (not started yet)",
        ].join("\n"),
      );
      release();
      await foreign;
      await fresh;
    });
  });

  it("shows where each task was created in debug mode", async () => {
    await run(async () => {
      // Not `() => sleep(3600)`: Bun drops a tail-calling frame.
      const sleeper = createTask(async () => {
        await sleep(3600);
      }, { name: "sleeper" });
      await sleep(0);
      const lines = formatCallGraph(sleeper).split("\n");
      assert.equal(lines.length, 2);
      assert.match(
        lines[0],
        /^<Task pending name='sleeper' created at .*call_graph_test\.(ts|js):\d+:\d+>$/,
      );
      assert.match(
        lines[1],
        /^└── <SleepFuture pending created at .*call_graph_test\.(ts|js):\d+:\d+>$/,
      );
      sleeper.cancel();
    }, { debug: true });
  });

  it("rejects what is not a future, and needs a running loop", async () => {
    await run(async () => {
      assert.throws(
        () => formatCallGraph(42 as unknown as Future<unknown>),
        TypeError,
      );
      assert.throws(
        () => formatCallGraph(Promise.resolve() as unknown as Future<unknown>),
        /takes a Future or a Task/,
      );
    });
    assert.throws(() => formatCallGraph(), RuntimeError);
  });
});

describe("printCallGraph", () => {
  it("prints the tree to the console", async () => {
    const printed = await captureConsole("log", () =>
      run(async () => {
        nameMain();
        printCallGraph();
      }));
    assert.deepEqual(printed, ["<Task pending name='main'> (running)"]);
  });
});
