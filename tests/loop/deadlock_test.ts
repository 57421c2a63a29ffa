// Beyond asyncio: a program whose tasks all wait on something nothing can
// set is reported with its tasks and what each awaits, in a real child
// process. On Node run() rejects with the report instead of the process
// exiting silently. Deno and Bun cannot say for sure that nothing of their
// own is left (Deno lists no workers, Bun no resources at all), and both
// stay alive while run() listens for Ctrl-C, so there the report is a
// notice and the program goes on waiting for a Ctrl-C.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import process from "node:process";
import {
  finished,
  fixture,
  sendSignal,
  spawnScript,
} from "../fixtures/runtime.ts";

const isBun = "bun" in process.versions;
const isDeno = "deno" in process.versions;
/**
 * How long an idle scenario stays idle before its peer acts: Bun reports a
 * deadlock only after 2 s (Node and Deno see open sockets themselves).
 */
const IDLE_MS = isBun ? 2500 : 300;

/** Runs a scenario of the deadlock fixture to its end. */
function runScenario(scenario: string) {
  return finished(spawnScript(fixture("deadlock"), [scenario]));
}

/** On Deno and Bun: waits for the notice on stderr, then ends the child. */
async function notice(scenario: string): Promise<string> {
  const child = spawnScript(fixture("deadlock"), [scenario]);
  const done = finished(child);
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr.on("data", (chunk: Buffer | string) => {
      stderr += chunk;
      if (stderr.includes("goes on waiting")) resolve();
    });
    done.then((end) => reject(new Error(`ended: ${JSON.stringify(end)}`)));
  });
  child.kill("SIGKILL");
  await done;
  return stderr;
}

/** The port a scenario prints once its server listens. */
function portPrinted(child: ReturnType<typeof spawnScript>): Promise<number> {
  return new Promise((resolve) => {
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer | string) => {
      stdout += chunk;
      const found = /port (\d+)/.exec(stdout);
      if (found) resolve(Number(found[1]));
    });
  });
}

function assertReport(stderr: string): void {
  assert.match(stderr, /Deadlock: every task waits/);
  // In debug mode each line also says where the task was created.
  assert.match(stderr, /<Task pending name='consumer'[^\n]*>\n└── <Future/);
  assert.match(stderr, /<Task pending name='Task-1'/);
}

describe("a deadlocked program says why", () => {
  for (
    const scenario of [
      "queue",
      "queue-debug",
      "closed-connection",
      "sleep-forever",
      "sleep-forever-virtual",
    ]
  ) {
    it(`run() rejects with the pending tasks (${scenario})`, async () => {
      if (isBun || isDeno) {
        assertReport(await notice(scenario));
        return;
      }
      const end = await runScenario(scenario);
      assert.equal(end.code, 1, end.stderr);
      assert.match(end.stderr, /RuntimeError/);
      assertReport(end.stderr);
    });
  }

  it("a wait on a host timer the loop does not know is no deadlock", async () => {
    const end = await runScenario("host-timer");
    assert.equal(end.code, 0, end.stderr);
    assert.equal(end.stdout, "done\n");
    assert.doesNotMatch(end.stderr, /Deadlock/);
  });

  it("an idle connection is no deadlock: its peer may still send", async () => {
    const child = spawnScript(fixture("deadlock"), ["idle-connection"]);
    const done = finished(child);
    const port = await portPrinted(child);
    const peer = net.connect(port, "127.0.0.1");
    await new Promise((resolve) => peer.once("connect", resolve));
    // Long enough for the loop to be idle with only the connection open,
    // past the delay before Bun would report it.
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    peer.end("hello");
    const end = await done;
    peer.destroy();
    assert.equal(end.code, 0, end.stderr);
    assert.match(end.stdout, /hello/);
    assert.doesNotMatch(end.stderr, /Deadlock/);
  });

  it("a stream server waiting for its first client is no deadlock", async () => {
    const child = spawnScript(fixture("deadlock"), ["idle-stream-server"]);
    const done = finished(child);
    const port = await portPrinted(child);
    // Long enough for the loop to be idle with only the server listening,
    // past the delay before Bun would report it.
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const peer = net.connect(port, "127.0.0.1");
    await new Promise((resolve) => peer.once("connect", resolve));
    peer.end("hello\n");
    const end = await done;
    peer.destroy();
    assert.equal(end.code, 0, end.stderr);
    assert.match(end.stdout, /hello/);
    assert.doesNotMatch(end.stderr, /Deadlock/);
  });

  it("a signal handler keeps the program waiting for its signal", async () => {
    const child = spawnScript(fixture("deadlock"), ["signal"]);
    const done = finished(child);
    await new Promise<void>((resolve) =>
      child.stdout.on("data", (chunk: Buffer | string) => {
        if (String(chunk).includes("ready")) resolve();
      })
    );
    // A runtime may register the handler a moment after "ready"; SIGWINCH
    // is ignored by default, so it is sent until the child has finished.
    const resend = setInterval(() => sendSignal(child, "SIGWINCH"), 50);
    sendSignal(child, "SIGWINCH");
    const end = await done.finally(() => clearInterval(resend));
    assert.equal(end.code, 0, end.stderr);
    assert.match(end.stdout, /done/);
    assert.doesNotMatch(end.stderr, /Deadlock/);
  });
});
