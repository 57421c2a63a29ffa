/**
 * `connectReadPipe` and `connectWritePipe`: protocols over streams and
 * file descriptors, called through the loop in order; pausing, flow
 * control, closing, and cancellation of the one await.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import { once } from "node:events";
import path from "node:path";
import { PassThrough } from "node:stream";
import {
  CancelledError,
  createTask,
  type ExceptionContext,
  getRunningLoop,
  run,
  RuntimeError,
  sleep,
} from "../../mod.ts";
import { openReadPipe } from "../../internal/pipe_host.ts";
import { collectReports } from "../fixtures/reports.ts";
import { finished, fixture, spawnScript } from "../fixtures/runtime.ts";
import {
  connectReadPipe,
  connectWritePipe,
  type PipeProtocolLike,
  type ReadPipeTransport,
  type WritePipeTransport,
} from "../../loop/pipes.ts";
import { tempDir } from "../fixtures/temp_dir.ts";
import { captureConsole } from "../fixtures/console.ts";

const text = (data: Uint8Array) => new TextDecoder().decode(data);
const bytes = (s: string) => new TextEncoder().encode(s);

/** A protocol that logs every call and says when the pipe is lost. */
function recorder() {
  const loop = getRunningLoop();
  const log: string[] = [];
  const lost = loop.createFuture<Error | null>();
  let wake: (() => void) | null = null;
  const protocol: PipeProtocolLike = {
    connectionMade: () => log.push("made"),
    dataReceived: (data) => {
      log.push(`data ${text(data)}`);
      wake?.();
    },
    eofReceived: () => log.push("eof"),
    connectionLost: (exc) => {
      log.push(`lost ${exc === null ? "null" : exc.message}`);
      lost.setResult(exc);
    },
    pauseWriting: () => log.push("pause"),
    resumeWriting: () => log.push("resume"),
  };
  const nextData = async () => {
    const future = loop.createFuture<void>();
    wake = () => future.done() || future.setResult();
    await future;
  };
  return { log, lost, protocol, nextData };
}

function tempFile(contents: string): string {
  const dir = tempDir("aio-pipes-");
  const file = path.join(dir, "data");
  fs.writeFileSync(file, contents);
  return file;
}

describe("connectReadPipe", () => {
  it("gives the protocol data, then EOF, then the loss, each from the loop", async () => {
    const log = await run(async () => {
      const { log, lost, protocol } = recorder();
      const pipe = new PassThrough();
      const [transport] = await connectReadPipe(
        getRunningLoop(),
        () => protocol,
        pipe,
      );
      assert.deepEqual(log, ["made"]);
      assert.equal(transport.isReading(), true);
      assert.equal(transport.getExtraInfo("pipe"), pipe);
      pipe.write("one");
      pipe.end("two");
      await lost;
      assert.equal(transport.isClosing(), true);
      return log;
    });
    assert.equal(log[0], "made");
    assert.equal(log.slice(1, -2).map((l) => l.slice(5)).join(""), "onetwo");
    assert.deepEqual(log.slice(-2), ["eof", "lost null"]);
  });

  it("reads a file descriptor", async () => {
    const file = tempFile("from a file\n");
    const got = await run(async () => {
      const { log, lost, protocol } = recorder();
      await connectReadPipe(
        getRunningLoop(),
        () => protocol,
        fs.openSync(file, "r"),
      );
      await lost;
      return log;
    });
    assert.deepEqual(got, ["made", "data from a file\n", "eof", "lost null"]);
  });

  it("pauseReading holds data back until resumeReading", async () => {
    await run(async () => {
      const { log, protocol, nextData } = recorder();
      const pipe = new PassThrough();
      let transport: ReadPipeTransport | null = null;
      [transport] = await connectReadPipe(getRunningLoop(), () => ({
        ...protocol,
        dataReceived: (data: Uint8Array) => {
          protocol.dataReceived!(data);
          transport!.pauseReading(); // after each chunk
        },
      }), pipe);
      pipe.write("a");
      await nextData();
      pipe.write("b");
      await sleep(0.05);
      assert.deepEqual(log, ["made", "data a"]);
      assert.equal(transport.isReading(), false);
      transport.resumeReading();
      await nextData();
      assert.deepEqual(log, ["made", "data a", "data b"]);
      transport.close();
      transport.close();
      await sleep(0);
      assert.deepEqual(log.at(-1), "lost null");
    });
  });

  it("close() drops what was not yet given and ends with connectionLost(null)", async () => {
    const log = await run(async () => {
      const { log, lost, protocol } = recorder();
      const pipe = new PassThrough();
      const [transport] = await connectReadPipe(
        getRunningLoop(),
        () => protocol,
        pipe,
      );
      transport.close();
      pipe.write("late");
      await lost;
      await sleep(0.01);
      return log;
    });
    assert.deepEqual(log, ["made", "lost null"]);
  });

  it("a cancelled connect closes the pipe after connectionMade", async () => {
    await run(async () => {
      const { log, protocol } = recorder();
      const pipe = new PassThrough();
      const task = createTask(() =>
        connectReadPipe(getRunningLoop(), () => protocol, pipe)
      );
      await sleep(0);
      task.cancel();
      await assert.rejects(async () => await task, CancelledError);
      await sleep(0);
      assert.deepEqual(log, ["made", "lost null"]);
      assert.equal(pipe.destroyed, true);
    });
  });

  it("still loses the pipe when eofReceived throws, and reports the error", async () => {
    // asyncio calls eof_received and connection_lost as two callbacks.
    const [log, reported] = await run(async () => {
      const reported = collectReports(getRunningLoop());
      const { log, lost, protocol } = recorder();
      protocol.eofReceived = () => {
        log.push("eof");
        throw new RuntimeError("boom");
      };
      const pipe = new PassThrough();
      await connectReadPipe(getRunningLoop(), () => protocol, pipe);
      pipe.end("abc");
      await lost;
      return [log, reported];
    });
    assert.deepEqual(log, ["made", "data abc", "eof", "lost null"]);
    assert.deepEqual(reported, [
      "Exception in callback Object.eofReceived(): boom",
    ]);
  });

  it("reports a dataReceived that throws under the protocol's name, with the call's handle, and reads on", async () => {
    // asyncio 3.13 reports it in a callback's name and keeps the pipe open.
    const [log, contexts] = await run(async () => {
      const loop = getRunningLoop();
      const contexts: ExceptionContext[] = [];
      loop.setExceptionHandler((_loop, context) => contexts.push(context));
      const { log, lost, protocol, nextData } = recorder();
      class Picky {
        connectionMade = protocol.connectionMade;
        connectionLost = protocol.connectionLost;
        dataReceived(data: Uint8Array) {
          protocol.dataReceived!(data);
          if (text(data) === "ab") throw new RuntimeError("boom");
        }
      }
      const pipe = new PassThrough();
      await connectReadPipe(loop, () => new Picky(), pipe);
      pipe.write("ab");
      await nextData();
      pipe.end("cd");
      await lost;
      return [log, contexts];
    });
    assert.deepEqual(log, ["made", "data ab", "data cd", "lost null"]);
    assert.equal(contexts.length, 1);
    const { message, exception, handle } = contexts[0];
    assert.equal(message, "Exception in callback Picky.dataReceived()");
    assert.equal((exception as Error).message, "boom");
    assert.equal(String(handle), "<Handle Picky.dataReceived()>");
    assert.deepEqual(Object.keys(contexts[0]).sort(), [
      "exception",
      "handle",
      "message",
    ]);
  });

  it("reports a throwing protocol with no prototype under Object's name", async () => {
    const reported = await run(async () => {
      const loop = getRunningLoop();
      const reported = collectReports(loop);
      const { lost, protocol } = recorder();
      const bare = Object.assign(Object.create(null), protocol, {
        dataReceived() {
          throw new RuntimeError("bare");
        },
      });
      const pipe = new PassThrough();
      await connectReadPipe(loop, () => bare, pipe);
      pipe.end("x");
      await lost;
      return reported;
    });
    assert.deepEqual(reported, [
      "Exception in callback Object.dataReceived(): bare",
    ]);
  });

  it("adds no listener to a destroyed stream while held and released", () => {
    // Node's socket without a handle defers each ref()/unref() to `connect`.
    const socket = new net.Socket();
    socket.destroy();
    const pipe = openReadPipe(socket, {
      onData() {},
      onEnd() {},
      onError() {},
    });
    for (let i = 0; i < 20; i++) pipe.hold()();
    assert.equal(socket.listenerCount("connect"), 0);
    pipe.close();
  });

  it("refuses what is not a readable pipe, before making the protocol", async () => {
    await run(async () => {
      let made = 0;
      const factory = () => {
        made++;
        return {};
      };
      const loop = getRunningLoop();
      await assert.rejects(connectReadPipe(loop, factory, "stdin"), TypeError);
      await assert.rejects(connectReadPipe(loop, factory, -1), RangeError);
      await assert.rejects(
        connectReadPipe(loop, "no" as never, new PassThrough()),
        TypeError,
      );
      assert.equal(made, 0);
    });
  });
});

describe("pipes given as file descriptors", () => {
  it("read stdin and write stdout whole, also when Node made them non-blocking", async () => {
    // Node 20 sets stdin and stdout non-blocking once `process` is loaded:
    // its fs streams then failed with EAGAIN and lost 234,464 of 300,000.
    const child = spawnScript(fixture("pipe_fds"), ["300000"]);
    const exited = finished(child, 30_000);
    child.stdout.pause();
    // Input only once the child reads: its first read must find none.
    await once(child.stderr, "data");
    child.stdin.write("abc");
    setTimeout(() => child.stdin.end("de"), 100);
    setTimeout(() => child.stdout.resume(), 300);
    const { code, stdout, stderr } = await exited;
    assert.equal(
      stderr,
      "reading\nread 5 bytes, lost null\nwrite lost null\n",
    );
    assert.equal(code, 0);
    assert.equal(stdout.length, 300_000);
  });
});

describe("connectWritePipe", () => {
  it("writes in order; writeEof ends the pipe once written, then connectionLost(null)", async () => {
    await run(async () => {
      const { log, lost, protocol } = recorder();
      const pipe = new PassThrough();
      const [transport] = await connectWritePipe(
        getRunningLoop(),
        () => protocol,
        pipe,
      );
      assert.equal(transport.canWriteEof(), true);
      const data = bytes("one,");
      transport.write(data);
      data.fill(0x21); // the transport copied it
      transport.writelines([bytes("two,"), bytes("three")]);
      transport.writeEof();
      assert.equal(transport.isClosing(), true);
      transport.write(bytes("dropped"));
      await lost;
      assert.deepEqual(log, ["made", "lost null"]);
      let written = "";
      for (let chunk; (chunk = pipe.read()) !== null;) written += chunk;
      assert.equal(written, "one,two,three");
      assert.equal(pipe.writableEnded, true);
    });
  });

  it("writes a file descriptor", async () => {
    const file = tempFile("");
    await run(async () => {
      const { lost, protocol } = recorder();
      const [transport] = await connectWritePipe(
        getRunningLoop(),
        () => protocol,
        fs.openSync(file, "w"),
      );
      transport.write(bytes("to a file\n"));
      transport.close();
      await lost;
    });
    assert.equal(fs.readFileSync(file, "utf8"), "to a file\n");
  });

  it("pauses writing over the high-water mark and resumes as the reader catches up", async () => {
    await run(async () => {
      const { log, protocol } = recorder();
      const pipe = new PassThrough({ highWaterMark: 16 });
      let transport: WritePipeTransport | null = null;
      [transport] = await connectWritePipe(
        getRunningLoop(),
        () => protocol,
        pipe,
      );
      transport.setWriteBufferLimits(100, 10);
      for (let i = 0; i < 20; i++) transport.write(new Uint8Array(10));
      assert.deepEqual(log, ["made", "pause"]);
      assert.ok(transport.getWriteBufferSize() > 100);
      while (pipe.read() !== null || transport.getWriteBufferSize() > 0) {
        await sleep(0.001);
      }
      assert.deepEqual(log, ["made", "pause", "resume"]);
      transport.abort();
    });
  });

  it("warns of each write dropped after the first five, as asyncio", async () => {
    const warnings = await captureConsole("warn", () =>
      run(async () => {
        const { protocol } = recorder();
        const [transport] = await connectWritePipe(
          getRunningLoop(),
          () => protocol,
          new PassThrough(),
        );
        transport.close();
        for (let i = 0; i < 8; i++) transport.write(bytes("c"));
      }));
    // CPython 3.13 warns at the 6th, 7th and 8th write.
    assert.deepEqual(warnings, [
      "pipe closed by peer or os.write(pipe, data) raised exception.",
      "pipe closed by peer or os.write(pipe, data) raised exception.",
      "pipe closed by peer or os.write(pipe, data) raised exception.",
    ]);
  });

  it("abort() drops what is queued; a failing pipe reaches connectionLost", async () => {
    await run(async () => {
      const aborted = recorder();
      const [transport] = await connectWritePipe(
        getRunningLoop(),
        () => aborted.protocol,
        new PassThrough({ highWaterMark: 1 }),
      );
      transport.write(new Uint8Array(1000));
      transport.abort();
      assert.equal(transport.getWriteBufferSize(), 0);
      assert.equal(await aborted.lost, null);

      const failing = recorder();
      const pipe = new PassThrough();
      await connectWritePipe(getRunningLoop(), () => failing.protocol, pipe);
      pipe.destroy(Object.assign(new Error("broken pipe"), { code: "EPIPE" }));
      const error = await failing.lost;
      assert.equal(error?.message, "broken pipe");
    });
  });
});

describe("either pipe transport", () => {
  const connects = { read: connectReadPipe, write: connectWritePipe };
  for (const [kind, connect] of Object.entries(connects)) {
    it(`${kind}: tells its stream, and calls the protocol set last`, async () => {
      await run(async () => {
        const first = recorder();
        const second = recorder();
        const pipe = new PassThrough();
        const [transport] = await connect(
          getRunningLoop(),
          () => first.protocol,
          pipe,
        );
        assert.equal(transport.getExtraInfo("pipe"), pipe);
        assert.equal(transport.getExtraInfo("peername"), null);
        assert.equal(transport.getExtraInfo("peername", "none"), "none");
        assert.equal(transport.getProtocol(), first.protocol);
        assert.throws(() => transport.setProtocol(42 as never), TypeError);
        transport.setProtocol(second.protocol);
        assert.equal(transport.getProtocol(), second.protocol);
        transport.close();
        assert.equal(await second.lost, null);
        assert.deepEqual(first.log, ["made"]);
        assert.deepEqual(second.log, ["lost null"]);
      });
    });
  }
});
