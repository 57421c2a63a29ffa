import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  createSubprocessExec,
  createSubprocessShell,
  DEVNULL,
  PIPE,
  STDOUT,
} from "../../subprocess/mod.ts";
import { CancelledError, createTask, run, sleep, waitFor } from "../../mod.ts";
import { bytes, text } from "../fixtures/bytes.ts";
import { extension } from "../fixtures/runtime.ts";

/** A shell loop that alternates stdout and stderr, one write per line. */
const ALTERNATING = "i=0; while [ $i -lt 2000 ]; do echo $i; i=$((i+1)); " +
  "echo $i >&2; i=$((i+1)); done";

const numbers = (count: number) =>
  Array.from({ length: count }, (_, i) => String(i));

describe("stderr: STDOUT is one channel shared with stdout", () => {
  it("keeps the order in which the child wrote to the two", async () => {
    const [out, err, code] = await run(async () => {
      const child = await createSubprocessExec("sh", "-c", ALTERNATING, {
        stdout: PIPE,
        stderr: STDOUT,
      });
      const [out, err] = await child.communicate();
      return [text(out), err, child.returncode];
    });
    assert.deepEqual(out.trimEnd().split("\n"), numbers(2000));
    assert.equal(err, null);
    assert.equal(code, 0);
  });

  it("keeps the order line by line, talking to the child", async () => {
    const lines = await run(async () => {
      const child = await createSubprocessShell(
        'while read l; do echo "out $l"; echo "err $l" >&2; done',
        { stdin: PIPE, stdout: PIPE, stderr: STDOUT },
      );
      assert.equal(child.stderr, null);
      const lines: string[] = [];
      for (const word of ["a", "b", "c"]) {
        child.stdin!.write(bytes(`${word}\n`));
        await child.stdin!.drain();
        lines.push(text(await child.stdout!.readline()));
        lines.push(text(await child.stdout!.readline()));
      }
      child.stdin!.close();
      lines.push(`eof ${text(await child.stdout!.read())}`);
      lines.push(`exit ${await child.wait()}`);
      return lines;
    });
    assert.deepEqual(lines, [
      "out a\n",
      "err a\n",
      "out b\n",
      "err b\n",
      "out c\n",
      "err c\n",
      "eof ",
      "exit 0",
    ]);
  });

  it("follows a stdout that is a file descriptor", async () => {
    const directory = mkdtempSync(join(tmpdir(), "aio-test-"));
    const path = join(directory, "out.txt");
    const fd = openSync(path, "w");
    try {
      const code = await run(async () => {
        const child = await createSubprocessExec("sh", "-c", ALTERNATING, {
          stdout: fd,
          stderr: STDOUT,
        });
        return await child.wait();
      });
      assert.equal(code, 0);
      assert.deepEqual(
        readFileSync(path, "utf8").trimEnd().split("\n"),
        numbers(2000),
      );
    } finally {
      closeSync(fd);
      rmSync(directory, { recursive: true });
    }
  });

  it("follows an inherited stdout: the parent's own", async () => {
    const fixture = fileURLToPath(
      new URL(`./fixtures/inherited_stdout${extension}`, import.meta.url),
    );
    const runtimeArgs = process.versions.deno === undefined
      ? []
      : ["run", "-A"];
    const [out, err, code] = await run(async () => {
      const child = await createSubprocessExec(
        process.execPath,
        ...runtimeArgs,
        fixture,
        { stdout: PIPE, stderr: PIPE },
      );
      const [out, err] = await child.communicate();
      return [text(out), text(err), child.returncode];
    });
    assert.equal(out, "out 1\nerr 2\nout 3\n");
    assert.equal(err, "");
    assert.equal(code, 0);
  });

  it("with stdout DEVNULL drops both, and the child never blocks", async () => {
    const code = await run(async () => {
      // 1 MB on stderr: more than any pipe holds, so nothing may be left unread.
      const child = await createSubprocessShell(
        "head -c 1000000 /dev/zero >&2; echo done",
        { stdout: DEVNULL, stderr: STDOUT },
      );
      assert.equal(child.stdout, null);
      assert.equal(child.stderr, null);
      return await waitFor(child.wait(), 30);
    });
    assert.equal(code, 0);
  });

  it("leaves nothing on disk", async () => {
    const previous = process.env.TMPDIR;
    const directory = mkdtempSync(join(tmpdir(), "aio-test-"));
    process.env.TMPDIR = directory;
    try {
      assert.equal(tmpdir(), directory);
      const out = await run(async () => {
        const child = await createSubprocessShell("echo a; echo b >&2", {
          stdout: PIPE,
          stderr: STDOUT,
        });
        const [out] = await child.communicate();
        return text(out);
      });
      assert.equal(out, "a\nb\n");
      assert.deepEqual(readdirSync(directory), []);
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
      rmSync(directory, { recursive: true });
    }
  });

  it("can be cancelled while the channel opens", async () => {
    const outcome = await run(async () => {
      const task = createTask(() =>
        createSubprocessExec("sh", "-c", "echo started", {
          stdout: PIPE,
          stderr: STDOUT,
        })
      );
      await sleep(0);
      task.cancel();
      try {
        await task;
        return "started";
      } catch (error) {
        return error instanceof CancelledError ? "cancelled" : String(error);
      }
    });
    assert.equal(outcome, "cancelled");
  });
});
