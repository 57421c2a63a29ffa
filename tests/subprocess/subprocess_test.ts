import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import {
  createSubprocessExec,
  createSubprocessShell,
  DEVNULL,
  PIPE,
  type Process,
  STDOUT,
} from "../../subprocess/mod.ts";
import {
  CancelledError,
  createTask,
  getRunningLoop,
  run,
  RuntimeError,
  sleep,
} from "../../mod.ts";
import { bytes, text } from "../fixtures/bytes.ts";
import { clockHeld } from "../../internal/real_world.ts";

/** A child that runs until killed, for the tests that signal it. */
function sleeper(): Promise<Process> {
  return createSubprocessExec("sleep", "30");
}

describe("createSubprocessExec", () => {
  it("passes arguments verbatim, with no shell", async () => {
    const out = await run(async () => {
      const child = await createSubprocessExec(
        "printf",
        "[%s]",
        "a b",
        "$HOME",
        "'quoted'",
        "*",
        "; echo injected",
        { stdout: PIPE },
      );
      const [stdout] = await child.communicate();
      return text(stdout);
    });
    assert.equal(out, "[a b][$HOME]['quoted'][*][; echo injected]");
  });

  it("reports the exit status and the pid", async () => {
    const [code, pid, before] = await run(async () => {
      const child = await createSubprocessExec("sh", "-c", "exit 7");
      const before = child.returncode;
      return [await child.wait(), child.pid, before];
    });
    assert.equal(code, 7);
    assert.equal(before, null);
    assert.ok(typeof pid === "number" && pid > 0);
  });

  it("communicate() carries 10 MiB of output without deadlock", async () => {
    const size = 10 * 1024 * 1024;
    const [out, err, code] = await run(async () => {
      const child = await createSubprocessExec(
        "sh",
        "-c",
        `head -c ${size} /dev/zero; head -c ${size} /dev/zero >&2`,
        { stdout: PIPE, stderr: PIPE, limit: 4096 },
      );
      const [out, err] = await child.communicate();
      return [out!.length, err!.length, child.returncode];
    });
    assert.deepEqual([out, err, code], [size, size, 0]);
  });

  it("communicate(input) feeds stdin while reading stdout", async () => {
    const size = 10 * 1024 * 1024;
    const [length, sample] = await run(async () => {
      const child = await createSubprocessExec("cat", {
        stdin: PIPE,
        stdout: PIPE,
      });
      const input = new Uint8Array(size);
      for (let i = 0; i < size; i++) input[i] = i % 251;
      const [out] = await child.communicate(input);
      return [out!.length, out!.subarray(size - 3)];
    });
    assert.equal(length, size);
    assert.deepEqual(
      sample,
      new Uint8Array([(size - 3) % 251, (size - 2) % 251, (size - 1) % 251]),
    );
  });

  it("a child that exits without reading its input is not an error", async () => {
    const [out, code] = await run(async () => {
      const child = await createSubprocessExec("head", "-c", "5", {
        stdin: PIPE,
        stdout: PIPE,
      });
      const [out] = await child.communicate(new Uint8Array(8 * 1024 * 1024));
      return [out!.length, child.returncode];
    });
    assert.deepEqual([out, code], [5, 0]);
  });

  it("writeEof() on stdin closes it, as asyncio's write pipe", async () => {
    // CPython 3.13: is_closing() is True after write_eof() on a pipe.
    const [closing, out, code] = await run(async () => {
      const child = await createSubprocessExec("cat", {
        stdin: PIPE,
        stdout: PIPE,
      });
      child.stdin!.write(bytes("x"));
      child.stdin!.writeEof();
      const closing = child.stdin!.isClosing();
      // Bytes that would be lost are an error here (asyncio drops them).
      assert.throws(() => child.stdin!.write(bytes("y")), RuntimeError);
      await child.stdin!.waitClosed();
      const out = text(await child.stdout!.read());
      return [closing, out, await child.wait()];
    });
    assert.deepEqual([closing, out, code], [true, "x", 0]);
  });

  it("a drain right after writeEof() succeeds, one a yield later throws, as asyncio relays a pipe's loss", async () => {
    // CPython 3.13: "drain after close ok", then ConnectionResetError.
    const code = await run(async () => {
      const child = await createSubprocessExec("cat", { stdin: PIPE });
      // Nothing buffered: the pipe is lost on the loop, not at a host event.
      child.stdin!.writeEof();
      await child.stdin!.drain();
      await sleep(0);
      await assert.rejects(child.stdin!.drain(), { code: "ECONNRESET" });
      return await child.wait();
    });
    assert.equal(code, 0);
  });

  it("a drain after writing to a child that closed its stdin throws", async () => {
    // CPython 3.13: ConnectionResetError('Connection lost') at each drain.
    const errors = await run(async () => {
      const child = await createSubprocessExec(
        "sh",
        "-c",
        "exec 0<&-; echo closed; sleep 5",
        { stdin: PIPE, stdout: PIPE },
      );
      assert.equal(text(await child.stdout!.readline()), "closed\n");
      const errors: string[] = [];
      for (const size of [1_000_000, 1]) {
        child.stdin!.write(new Uint8Array(size));
        await child.stdin!.drain().catch((e) => errors.push(e.code));
      }
      child.kill();
      await child.wait();
      return errors;
    });
    // The first is EPIPE where the runtime reports the failed write itself.
    assert.equal(errors.length, 2);
    assert.match(errors[0], /^(EPIPE|ECONNRESET)$/);
    assert.equal(errors[1], "ECONNRESET");
  });

  it("stdin and stdout are streams: write, drain, readline, close", async () => {
    const lines = await run(async () => {
      const child = await createSubprocessExec("cat", {
        stdin: PIPE,
        stdout: PIPE,
      });
      const lines: string[] = [];
      for (const line of ["first\n", "second\n"]) {
        child.stdin!.write(bytes(line));
        await child.stdin!.drain();
        lines.push(text(await child.stdout!.readline()));
      }
      child.stdin!.close();
      await child.stdin!.waitClosed();
      lines.push(
        `eof ${
          child.stdout!.atEof() || (await child.stdout!.read()).length === 0
        }`,
      );
      lines.push(`exit ${await child.wait()}`);
      return lines;
    });
    assert.deepEqual(lines, ["first\n", "second\n", "eof true", "exit 0"]);
  });

  it("STDOUT merges stderr into stdout", async () => {
    const [out, err, stderr] = await run(async () => {
      const child = await createSubprocessExec(
        "sh",
        "-c",
        "echo out; echo err >&2",
        { stdout: PIPE, stderr: STDOUT },
      );
      const stderr = child.stderr;
      const [out, err] = await child.communicate();
      return [text(out), err, stderr];
    });
    assert.deepEqual(out.split("\n").sort(), ["", "err", "out"]);
    assert.equal(err, null);
    assert.equal(stderr, null);
  });

  it("DEVNULL discards output and gives an empty stdin", async () => {
    const [out, streams] = await run(async () => {
      const child = await createSubprocessExec(
        "sh",
        "-c",
        "cat; echo visible; echo hidden >&2",
        { stdin: DEVNULL, stdout: PIPE, stderr: DEVNULL },
      );
      const streams = [child.stdin, child.stderr];
      const [out] = await child.communicate();
      return [text(out), streams];
    });
    assert.equal(out, "visible\n");
    assert.deepEqual(streams, [null, null]);
  });

  it("kill(), terminate() and sendSignal() end a child with minus the signal number", async () => {
    const codes = await run(async () => {
      const killed = await sleeper();
      killed.kill();
      const terminated = await sleeper();
      terminated.terminate();
      const interrupted = await sleeper();
      interrupted.sendSignal("SIGINT");
      const codes = [
        await killed.wait(),
        await terminated.wait(),
        await interrupted.wait(),
      ];
      killed.kill(); // an exited child: nothing happens
      return codes;
    });
    assert.deepEqual(codes, [-9, -15, -2]);
  });

  it("a task cancelled in wait() leaves the child running and waitable", async () => {
    const [cancelled, held, code] = await run(async () => {
      const loop = getRunningLoop();
      const child = await sleeper();
      const waiting = createTask(() => child.wait());
      await sleep(0.01);
      const held = clockHeld(loop);
      waiting.cancel();
      const cancelled = await waiting.then(
        () => false,
        (e) => e instanceof CancelledError,
      );
      const running = child.returncode === null;
      child.kill();
      return [cancelled && running, held, await child.wait()];
    });
    assert.deepEqual([cancelled, held, code], [true, true, -9]);
  });

  it("a cancelled communicate() stops its readers", async () => {
    const [outcome, code] = await run(async () => {
      const child = await createSubprocessExec(
        "sh",
        "-c",
        "echo start; exec sleep 30",
        {
          stdout: PIPE,
        },
      );
      const talking = createTask(() => child.communicate());
      await sleep(0.05);
      talking.cancel();
      const outcome = await talking.then(
        () => "done",
        (e) => (e as Error).name,
      );
      child.kill();
      return [outcome, await child.wait()];
    });
    assert.deepEqual([outcome, code], ["CancelledError", -9]);
  });
});

describe("createSubprocessShell", () => {
  it("runs a command line through the shell", async () => {
    const [out, code] = await run(async () => {
      const child = await createSubprocessShell(
        "printf '%s\\n' one two | wc -l; exit 3",
        { stdout: PIPE },
      );
      const [out] = await child.communicate();
      return [text(out).trim(), child.returncode];
    });
    assert.deepEqual([out, code], ["2", 3]);
  });

  it("passes cwd and env", async () => {
    const out = await run(async () => {
      const child = await createSubprocessShell('echo "$GREETING $(pwd)"', {
        stdout: PIPE,
        cwd: "/",
        env: { GREETING: "hello", PATH: "/usr/bin:/bin" },
      });
      return text((await child.communicate())[0]);
    });
    assert.equal(out, "hello /\n");
  });
});

describe("subprocess bad input", () => {
  it("a missing program is a clear error", async () => {
    const error = await run(() =>
      createSubprocessExec("no-such-program-for-aio", "x").catch((e) => e)
    );
    assert.equal(error.code, "ENOENT");
    assert.equal(
      error.message,
      'Cannot run "no-such-program-for-aio": program not found (ENOENT)',
    );
  });

  it("a working directory that is a file is a clear error", async () => {
    // Node and Bun throw this one from spawn() itself; Deno says ENOENT.
    const error = await run(() =>
      createSubprocessExec("true", { cwd: fileURLToPath(import.meta.url) })
        .catch((e) => e)
    );
    assert.match(error.code, /^(ENOTDIR|ENOENT)$/);
    assert.match(error.message, /^Cannot run "true": /);
  });

  it("arguments and options are checked", async () => {
    await run(async () => {
      // @ts-expect-error: the program is a string
      await assert.rejects(createSubprocessExec(42), TypeError);
      // @ts-expect-error: arguments are strings
      await assert.rejects(createSubprocessExec("echo", 1, 2), TypeError);
      await assert.rejects(
        createSubprocessExec("echo", { stdout: STDOUT }),
        RangeError,
      );
      await assert.rejects(
        // @ts-expect-error: stdin is PIPE, DEVNULL, a descriptor or null
        createSubprocessExec("echo", { stdin: "pipe" }),
        TypeError,
      );
      await assert.rejects(
        createSubprocessExec("echo", { limit: -1 }),
        RangeError,
      );
      // @ts-expect-error: the command is a string
      await assert.rejects(createSubprocessShell(["ls"]), TypeError);
      // Python: ValueError("embedded null byte"), for each of them.
      for (
        const attempt of [
          () => createSubprocessExec("echo", "a\0b"),
          () => createSubprocessExec("ec\0ho"),
          () => createSubprocessShell("echo a\0b"),
          () => createSubprocessExec("true", { cwd: "/\0" }),
          () => createSubprocessExec("true", { env: { A: "\0" } }),
        ]
      ) {
        await assert.rejects(attempt(), {
          name: "RangeError",
          message: /contains a NUL byte \(embedded null byte\)$/,
        });
      }
      const child = await createSubprocessExec("true");
      await assert.rejects(child.communicate(bytes("x")), RuntimeError);
      assert.throws(() => child.sendSignal("SIGNOPE"), RangeError);
      // @ts-expect-error: a signal is a name or a number
      assert.throws(() => child.sendSignal({}), TypeError);
      assert.equal(await child.wait(), 0);
    });
    await assert.rejects(createSubprocessExec("true"), RuntimeError);
  });
});
