// Ctrl-C as in Python 3.11+: a real SIGINT sent to a real child process
// cancels run()'s main task, so its cleanup runs, and the child exits with
// 130 after `KeyboardInterrupt`; a second SIGINT ends it at once.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker as ThreadWorker } from "node:worker_threads";
import {
  type Finished,
  finished,
  fixture,
  sendSignal,
  spawnScript,
} from "../fixtures/runtime.ts";

/** A child running one scenario of the Ctrl-C fixture. */
interface Child {
  /** Resolves once the child has printed `line`. */
  printed(line: string): Promise<void>;
  /** Sends the child a real SIGINT. */
  interrupt(): void;
  /** How the child ended. */
  done: Promise<Finished>;
}

/** The child exited with 130 after `KeyboardInterrupt`, having printed `printed`. */
function assertEndedAtOnce(end: Finished, printed: string[]): void {
  assert.deepEqual(
    { code: end.code, signal: end.signal },
    { code: 130, signal: null },
    show(end),
  );
  assert.deepEqual(lines(end), printed);
  assert.match(end.stderr, /^KeyboardInterrupt\b/);
}

function start(scenario: string, file = ""): Child {
  const child = spawnScript(fixture("ctrl_c"), [scenario, file]);
  const done = finished(child);
  let stdout = "";
  const waiting: [string, () => void][] = [];
  child.stdout.on("data", (chunk: string) => {
    stdout += chunk;
    for (const [line, resolve] of waiting) {
      if (stdout.split("\n").includes(line)) resolve();
    }
  });
  return {
    printed: (line) =>
      Promise.race([
        new Promise<void>((resolve) => waiting.push([line, resolve])),
        done.then((end) => {
          throw new Error(`Ended before printing "${line}": ${show(end)}`);
        }),
      ]),
    interrupt: () => sendSignal(child, "SIGINT"),
    done,
  };
}

function show(end: Finished): string {
  return JSON.stringify(end, null, 2);
}

function lines(end: Finished): string[] {
  return end.stdout.trimEnd().split("\n");
}

/** A fresh file path in a temporary folder, removed by `cleanup`. */
function tempFile(): { path: string; cleanup: () => void } {
  const folder = mkdtempSync(join(tmpdir(), "aio-ctrl-c-"));
  return {
    path: join(folder, "written"),
    cleanup: () => rmSync(folder, { recursive: true, force: true }),
  };
}

describe("Ctrl-C during run()", () => {
  it("cancels main, runs every cleanup, then exits with 130 after KeyboardInterrupt", async () => {
    const { path, cleanup } = tempFile();
    try {
      const child = start("cleanup", path);
      await child.printed("ready");
      child.interrupt();
      const end = await child.done;
      assert.deepEqual({ code: end.code, signal: end.signal }, {
        code: 130,
        signal: null,
      }, show(end));
      assert.deepEqual(lines(end), [
        "ready",
        "main: resource disposed",
        "main: finally ran",
        "leftover: finally ran",
      ]);
      assert.equal(readFileSync(path, "utf8"), "written by finally");
      assert.match(end.stderr, /^KeyboardInterrupt\b/);
    } finally {
      cleanup();
    }
  });

  it("ends the process at once with 130 on a second SIGINT", async () => {
    const child = start("ignore");
    await child.printed("ready");
    child.interrupt();
    await child.printed("main: ignored the cancel");
    child.interrupt();
    // At once: the `finally` around the await it was in never ran.
    assertEndedAtOnce(await child.done, ["ready", "main: ignored the cancel"]);
  });

  it("ends the process at once with 130 on a second SIGINT during the leftover tasks' cleanup", async () => {
    const child = start("hang");
    await child.printed("ready");
    child.interrupt();
    await child.printed("leftover: cleaning up");
    child.interrupt();
    assertEndedAtOnce(await child.done, ["ready", "leftover: cleaning up"]);
  });

  it("returns main's value when main swallowed the cancel, as asyncio does", async () => {
    const child = start("swallow");
    await child.printed("ready");
    child.interrupt();
    const end = await child.done;
    assert.equal(end.code, 0, show(end));
    assert.deepEqual(lines(end), ["ready", "result: returned anyway"]);
    assert.equal(end.stderr, "");
  });

  it("installs nothing when the user listens for SIGINT", async () => {
    const child = start("user");
    await child.printed("ready");
    child.interrupt();
    const end = await child.done;
    assert.equal(end.code, 0, show(end));
    assert.deepEqual(lines(end), [
      "listeners during run: 1",
      "ready",
      "user: handler ran",
      "main: finished normally",
    ]);
    assert.equal(end.stderr, "");
  });

  it("leaves SIGINT to a loop signal handler added inside run()", async () => {
    const child = start("loop");
    await child.printed("ready");
    child.interrupt();
    const end = await child.done;
    assert.equal(end.code, 0, show(end));
    assert.deepEqual(lines(end), ["ready", "main: loop handler ran"]);
    assert.equal(end.stderr, "");
  });

  it("removes its listener when run() returns: SIGINT then kills as by default", async () => {
    const child = start("after");
    await child.printed("ready");
    child.interrupt();
    const end = await child.done;
    assert.deepEqual({ code: end.code, signal: end.signal }, {
      code: null,
      signal: "SIGINT",
    }, show(end));
    assert.deepEqual(lines(end), [
      "listeners before run: 0",
      "listeners during run: 1",
      "listeners after run: 0",
      "ready",
    ]);
  });
});

describe("Ctrl-C during Runner.run()", () => {
  it("rejects with KeyboardInterrupt after the cleanup; caught, the process exits with 0", async () => {
    const { path, cleanup } = tempFile();
    try {
      const child = start("runner", path);
      await child.printed("ready");
      child.interrupt();
      const end = await child.done;
      assert.equal(end.code, 0, show(end));
      assert.deepEqual(lines(end), [
        "first run: done",
        "listeners during run: 1",
        "ready",
        "main: finally ran",
        "caught KeyboardInterrupt",
        "listeners after run: 0",
      ]);
      assert.equal(readFileSync(path, "utf8"), "written by finally");
      assert.equal(end.stderr, "");
    } finally {
      cleanup();
    }
  });
});

/** Starts the worker fixture in each kind of worker this runtime has. */
const workerKinds: [string, () => Promise<unknown>][] = [
  ["a worker_threads worker", () => {
    const worker = new ThreadWorker(fixture("run_in_worker"));
    return new Promise<unknown>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    }).finally(() => worker.terminate());
  }],
];
// Node 20 has no web Worker; Deno's says it is the main thread.
if (typeof Worker === "function") {
  workerKinds.push(["a web worker", () => {
    const worker = new Worker(fixture("run_in_worker"), { type: "module" });
    return new Promise<unknown>((resolve, reject) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.onerror = (event) => reject(new Error(event.message));
    }).finally(() => worker.terminate());
  }]);
}

describe("run() off the main thread", () => {
  for (const [kind, listenersInWorker] of workerKinds) {
    it(`installs no SIGINT listener in ${kind}`, async () => {
      assert.equal(await listenersInWorker(), 0);
    });
  }
});
