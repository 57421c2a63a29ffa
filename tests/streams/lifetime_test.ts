import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { createSubprocessExec, PIPE } from "../../subprocess/mod.ts";
import { readFileSync } from "node:fs";
import { getRunningLoop, run, sleep } from "../../mod.ts";
import { extension } from "../fixtures/runtime.ts";

/** The command that runs the fixture program's `scenario` on this runtime. */
function fixtureCommand(scenario: string): [string, ...string[]] {
  const fixture = fileURLToPath(
    new URL(`./fixtures/lifetime${extension}`, import.meta.url),
  );
  const runtimeArgs = process.versions.deno === undefined ? [] : ["run", "-A"];
  return [process.execPath, ...runtimeArgs, fixture, scenario];
}

/** CPU time a process has used, in clock ticks (1/100 s on Linux). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]
    .split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** Runs the fixture program with this runtime; kills it after `guard` s. */
async function runFixture(scenario: string, guard = 20) {
  return await run(async () => {
    const child = await createSubprocessExec(...fixtureCommand(scenario), {
      stdout: PIPE,
    });
    const timer = getRunningLoop().callLater(guard, () => child.kill());
    const [out] = await child.communicate();
    timer.cancel();
    return { code: child.returncode, out: new TextDecoder().decode(out!) };
  });
}

describe("what keeps a program alive", () => {
  it("a forgotten server and connection do not keep it alive after run()", async () => {
    assert.deepEqual(await runFixture("forgotten"), {
      code: 0,
      out: "forgotten\n",
    });
  });

  it("a pending socket read keeps it alive until answered", async () => {
    assert.deepEqual(await runFixture("pending"), {
      code: 0,
      out: "late reply\n",
    });
  });

  it("a child nobody waits for is left running, and the program ends", async () => {
    const { code, out } = await runFixture("child");
    assert.equal(code, 0);
    const pid = Number(out.match(/^child (\d+)$/m)?.[1]);
    assert.ok(pid > 0);
    process.kill(pid, "SIGKILL");
  });

  it("a forgotten protocol connection does not keep it alive after run()", async () => {
    assert.deepEqual(await runFixture("protocolForgotten"), {
      code: 0,
      out: "protocol forgotten\n",
    });
  });

  it("an open protocol connection keeps it alive until its data comes", async () => {
    assert.deepEqual(await runFixture("protocolOpen"), {
      code: 0,
      out: "late data\n",
    });
  });

  it("waitClosed() on a half-open client waits idle, neither ending nor spinning", async () => {
    const [code, out, cpuShare] = await run(async () => {
      const child = await createSubprocessExec(...fixtureCommand("halfOpen"), {
        stdout: PIPE,
      });
      const line = new TextDecoder().decode(await child.stdout!.readline());
      const before = cpuTicks(child.pid);
      const start = performance.now();
      await sleep(1);
      const ticks = cpuTicks(child.pid) - before;
      const seconds = (performance.now() - start) / 1000;
      child.kill();
      await child.wait();
      return [child.returncode, line, ticks / 100 / seconds];
    });
    assert.equal(code, -9); // still waiting when killed
    assert.match(out, /^waiting \d+\n$/);
    assert.ok(cpuShare < 0.5, `it used ${cpuShare} of a core while waiting`);
  });

  it("reading a child's output keeps it alive", async () => {
    assert.deepEqual(await runFixture("output"), { code: 0, out: "out\n" });
  });
});
