import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  createSubprocessExec,
  createSubprocessShell,
  PIPE,
  type Process,
  type SubprocessOptions,
} from "../../subprocess/mod.ts";
import { run, waitFor } from "../../mod.ts";
import { text } from "../fixtures/bytes.ts";

/** The child's `[pid, session id, process group id]`, as it sees them. */
async function idsOf(options: SubprocessOptions): Promise<number[]> {
  return await run(async () => {
    const child = await createSubprocessExec(
      "python3",
      "-c",
      "import os; print(os.getpid(), os.getsid(0), os.getpgid(0))",
      { stdout: PIPE, ...options },
    );
    const [out] = await child.communicate();
    const ids = text(out).trim().split(" ").map(Number);
    assert.equal(ids[0], child.pid);
    return ids;
  });
}

/**
 * Starts a shell that starts `sleep` in the background and waits for it;
 * returns the shell and the pid of its `sleep`, which holds its stdout.
 */
async function tree(options: SubprocessOptions): Promise<[Process, number]> {
  const child = await createSubprocessShell("sleep 30 & echo $!; wait", {
    stdout: PIPE,
    ...options,
  });
  const grandchild = Number(text(await child.stdout!.readline()));
  assert.ok(grandchild > 0);
  return [child, grandchild];
}

/** Whether `pid` runs: neither gone nor a zombie waiting to be reaped. */
async function running(pid: number): Promise<boolean> {
  const ps = await createSubprocessExec("ps", "-o", "stat=", "-p", `${pid}`, {
    stdout: PIPE,
  });
  const [out] = await ps.communicate();
  const state = text(out).trim();
  return state !== "" && !state.startsWith("Z");
}

describe("startNewSession and processGroup", () => {
  it("by default the child shares the parent's session and group", async () => {
    const [pid, sid, pgid] = await idsOf({});
    assert.notEqual(sid, pid);
    assert.notEqual(pgid, pid);
  });

  it("startNewSession makes the child a session and group leader", async () => {
    const [pid, sid, pgid] = await idsOf({ startNewSession: true });
    assert.equal(sid, pid);
    assert.equal(pgid, pid);
  });

  it("startNewSession: false changes nothing", async () => {
    const [pid, sid, pgid] = await idsOf({ startNewSession: false });
    assert.notEqual(sid, pid);
    assert.notEqual(pgid, pid);
  });

  it("processGroup: 0 makes the child lead a new group", async () => {
    const [pid, , pgid] = await idsOf({ processGroup: 0 });
    assert.equal(pgid, pid);
  });

  it("a signal to the group reaches the grandchild", async () => {
    const [code, rest] = await run(async () => {
      const [child] = await tree({ processGroup: 0 });
      process.kill(-child.pid, "SIGTERM");
      // Only the grandchild's exit closes the last copy of stdout: EOF.
      const rest = await waitFor(child.stdout!.read(), 20);
      return [await child.wait(), text(rest)];
    });
    assert.equal(code, -15);
    assert.equal(rest, "");
  });

  it("a new session's group is signalled the same way", async () => {
    const code = await run(async () => {
      const [child] = await tree({ startNewSession: true });
      process.kill(-child.pid, "SIGTERM");
      await waitFor(child.stdout!.read(), 20);
      return await child.wait();
    });
    assert.equal(code, -15);
  });

  it("without a group, terminating the child leaves the grandchild", async () => {
    const [code, alive] = await run(async () => {
      const [child, grandchild] = await tree({});
      child.terminate();
      const code = await child.wait();
      const alive = await running(grandchild);
      process.kill(grandchild, "SIGKILL");
      await child.stdout!.read();
      return [code, alive];
    });
    assert.equal(code, -15);
    assert.equal(alive, true);
  });

  it("checks its options at the call", async () => {
    await run(async () => {
      await assert.rejects(
        createSubprocessExec("true", { startNewSession: 1 as never }),
        TypeError,
      );
      await assert.rejects(
        createSubprocessExec("true", { processGroup: "0" as never }),
        TypeError,
      );
      await assert.rejects(
        createSubprocessExec("true", { processGroup: -1 }),
        RangeError,
      );
      await assert.rejects(
        createSubprocessExec("true", { processGroup: 0.5 }),
        RangeError,
      );
    });
  });

  it("joining an existing group is a clear RangeError", async () => {
    const error = await run(() =>
      createSubprocessExec("true", { processGroup: process.pid }).catch((e) =>
        e
      )
    );
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /cannot make a child join an existing group/);
  });
});
