import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { createSubprocessExec, PIPE } from "../../subprocess/mod.ts";
import { getRunningLoop, run } from "../../mod.ts";

/** Runs the fixture program with this runtime; kills it after `guard` s. */
async function runFixture(scenario: string, guard = 20) {
  const extension = import.meta.url.endsWith(".js") ? ".js" : ".ts";
  const fixture = fileURLToPath(
    new URL(`./fixtures/lifetime${extension}`, import.meta.url),
  );
  const runtimeArgs = process.versions.deno === undefined ? [] : ["run", "-A"];
  return await run(async () => {
    const child = await createSubprocessExec(
      process.execPath,
      ...runtimeArgs,
      fixture,
      scenario,
      { stdout: PIPE },
    );
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

  it("reading a child's output keeps it alive", async () => {
    assert.deepEqual(await runFixture("output"), { code: 0, out: "out\n" });
  });
});
