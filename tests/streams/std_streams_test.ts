/**
 * `openStdin()` / `openStdout()` / `openStderr()`: a child program of the
 * same runtime reads its stdin line by line and writes its stdout with
 * drain(); this test is the other end of both pipes.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createSubprocessExec, PIPE } from "../../subprocess/mod.ts";
import { run, sleep } from "../../mod.ts";
import { extension, runtimeCommand } from "../fixtures/runtime.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function fixture(): URL {
  return new URL(`./fixtures/std_echo${extension}`, import.meta.url);
}

describe("standard streams", () => {
  it("a StreamReader over stdin and a StreamWriter over stdout, line by line", async () => {
    await run(async () => {
      const [command, args] = runtimeCommand(fixture());
      const child = await createSubprocessExec(command, ...args, {
        stdin: PIPE,
        stdout: PIPE,
        stderr: PIPE,
      });
      child.stdin!.write(encoder.encode("hello\n"));
      assert.equal(decoder.decode(await child.stdout!.readline()), "HELLO\n");
      child.stdin!.write(encoder.encode("wörld\nlast line without newline"));
      assert.equal(decoder.decode(await child.stdout!.readline()), "WÖRLD\n");
      child.stdin!.close();
      assert.equal(
        decoder.decode(await child.stdout!.read()),
        "LAST LINE WITHOUT NEWLINE",
      );
      assert.match(
        decoder.decode(await child.stderr!.read()),
        /largest buffer \d+/,
      );
      assert.equal(await child.wait(), 0);
    });
  });

  it("drain() holds a writer to a slow reader: 4 MiB never buffer at once", async () => {
    await run(async () => {
      const [command, args] = runtimeCommand(fixture());
      const child = await createSubprocessExec(command, ...args, {
        stdin: PIPE,
        stdout: PIPE,
        stderr: PIPE,
      });
      child.stdin!.write(encoder.encode("bulk\n"));
      let total = 0;
      for (;;) {
        const chunk = await child.stdout!.read(16 * 1024);
        total += chunk.length;
        if (chunk.at(-1) === 0x0a) break;
        await sleep(0.0005); // a slow reader
      }
      assert.equal(total, 4 * 1024 * 1024 + 1);
      child.stdin!.close();
      const report = decoder.decode(await child.stderr!.read());
      const largest = Number(/largest buffer (\d+)/.exec(report)![1]);
      assert.ok(largest < 512 * 1024, `the writer buffered ${largest} bytes`);
      assert.equal(await child.wait(), 0);
    });
  });
});
