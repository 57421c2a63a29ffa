import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  LimitOverrunError,
  openConnection,
  startServer,
  StreamReader,
} from "../../streams/mod.ts";
import {
  CancelledError,
  createTask,
  Event,
  run,
  RuntimeError,
  sleep,
} from "../../mod.ts";
import { bytes, text } from "../fixtures/bytes.ts";

const HOST = "127.0.0.1";

/** Every line `reader.lines(options)` yields, until the end. */
async function collect(
  reader: StreamReader,
  options?: Parameters<StreamReader["lines"]>[0],
): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of reader.lines(options)) lines.push(line);
  return lines;
}

/** A reader fed `chunks` one at a time, each once the reader waits. */
function feedSlowly(reader: StreamReader, chunks: Uint8Array[]) {
  return createTask(async () => {
    for (const chunk of chunks) {
      await sleep(0);
      reader.feedData(chunk);
    }
    await sleep(0);
    reader.feedEof();
  });
}

describe("StreamReader.lines() decodes", () => {
  it("a character split across chunks, fed one byte at a time", async () => {
    const lines = await run(async () => {
      const reader = new StreamReader();
      const data = bytes("añb\n€ 😀\n");
      const chunks = [...data].map((byte) => new Uint8Array([byte]));
      const feeding = feedSlowly(reader, chunks);
      const lines = await collect(reader);
      await feeding;
      return lines;
    });
    assert.deepEqual(lines, ["añb", "€ 😀"]);
  });

  it("a last line without \\n, and nothing for an empty stream", async () => {
    const [lines, none] = await run(async () => {
      const reader = new StreamReader();
      reader.feedData(bytes("one\ntwo"));
      reader.feedEof();
      const empty = new StreamReader();
      empty.feedEof();
      return [await collect(reader), await collect(empty)];
    });
    assert.deepEqual(lines, ["one", "two"]);
    assert.deepEqual(none, []);
  });

  it("EOF inside a character: U+FFFD, or a TypeError when fatal", async () => {
    const [lenient, strict] = await run(async () => {
      const cut = bytes("ok\nab€").subarray(0, -1);
      const lenient = new StreamReader();
      lenient.feedData(cut);
      lenient.feedEof();
      const strict = new StreamReader();
      strict.feedData(cut);
      strict.feedEof();
      const seen: string[] = [];
      const error = await (async () => {
        for await (const line of strict.lines({ fatal: true })) seen.push(line);
      })().catch((e) => e);
      return [await collect(lenient), { seen, error }];
    });
    assert.deepEqual(lenient, ["ok", "ab\uFFFD"]);
    assert.deepEqual(strict.seen, ["ok"]);
    assert.ok(strict.error instanceof TypeError);
  });

  it("another ASCII-compatible encoding by its TextDecoder label", async () => {
    const lines = await run(async () => {
      const reader = new StreamReader();
      reader.feedData(new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a, 0x78]));
      reader.feedEof();
      return await collect(reader, { encoding: "latin1" });
    });
    assert.deepEqual(lines, ["café", "x"]);
  });

  it("drops a byte-order mark only at the start of the stream", async () => {
    const lines = await run(async () => {
      const reader = new StreamReader();
      reader.feedData(bytes("\uFEFFa\n\uFEFFb\n"));
      reader.feedEof();
      return await collect(reader);
    });
    assert.deepEqual(lines, ["a", "\uFEFFb"]);
  });
});

describe("StreamReader.lines() line ends", () => {
  const crlf = "get\r\nhost\n\rlone\rcr\r\nlast\r";

  it("drops \\n and \\r\\n; a lone \\r stays in the line", async () => {
    const lines = await run(async () => {
      const reader = new StreamReader();
      reader.feedData(bytes(crlf));
      reader.feedEof();
      return await collect(reader);
    });
    assert.deepEqual(lines, ["get", "host", "\rlone\rcr", "last\r"]);
  });

  it("keepEnds keeps every byte: the lines join back to the stream", async () => {
    const lines = await run(async () => {
      const reader = new StreamReader();
      reader.feedData(bytes(crlf));
      reader.feedEof();
      return await collect(reader, { keepEnds: true });
    });
    assert.deepEqual(lines, ["get\r\n", "host\n", "\rlone\rcr\r\n", "last\r"]);
    assert.equal(lines.join(""), crlf);
  });

  it("the bytes stay as they came: readline() after lines() keeps \\r\\n", async () => {
    const [first, second] = await run(async () => {
      const reader = new StreamReader();
      reader.feedData(bytes("a\r\nb\r\n"));
      reader.feedEof();
      for await (const line of reader.lines()) {
        return [line, await reader.readline()];
      }
      return [];
    });
    assert.equal(first, "a");
    assert.deepEqual(second, bytes("b\r\n"));
  });
});

describe("StreamReader.lines() keeps readline()'s rules", () => {
  /** The error of the first line and what a read sees after it, both ways. */
  async function afterOverrun(data: string[], limit: number) {
    const outcome = async (
      first: (reader: StreamReader) => Promise<unknown>,
    ) => {
      const reader = new StreamReader(limit);
      const feeding = feedSlowly(reader, data.map(bytes));
      const error = await first(reader).then(() => null, (e: Error) => e);
      const rest = text(await reader.read());
      await feeding;
      return { error, rest };
    };
    return {
      viaLines: await outcome((reader) => reader.lines().next()),
      viaReadline: await outcome((reader) => reader.readline()),
    };
  }

  it("a line over the limit, its \\n already there: RangeError, line dropped", async () => {
    const { viaLines, viaReadline } = await run(() =>
      afterOverrun(["0123456789\nok\n"], 4)
    );
    assert.ok(viaLines.error instanceof RangeError);
    assert.ok(viaLines.error.cause instanceof LimitOverrunError);
    assert.equal(viaLines.error.message, viaReadline.error?.message);
    assert.equal(viaLines.rest, "ok\n");
    assert.equal(viaReadline.rest, "ok\n");
  });

  it("a line over the limit, its \\n not yet there: the buffer dropped", async () => {
    const { viaLines, viaReadline } = await run(() =>
      afterOverrun(["0123", "456789", "ab\nok\n"], 4)
    );
    assert.ok(viaLines.error instanceof RangeError);
    assert.ok(viaLines.error.cause instanceof LimitOverrunError);
    assert.equal(viaLines.error.message, viaReadline.error?.message);
    assert.equal(viaLines.rest, "ab\nok\n");
    assert.equal(viaReadline.rest, "ab\nok\n");
  });

  it("a stream that failed throws its error", async () => {
    const error = await run(async () => {
      const reader = new StreamReader();
      reader.feedData(bytes("a"));
      const failure = new Error("connection lost");
      const reading = createTask(() => collect(reader));
      await sleep(0);
      reader.setException(failure);
      return await reading.then(() => null, (e) => e === failure);
    });
    assert.equal(error, true);
  });

  it("one reading task at a time: a second one is a RuntimeError", async () => {
    const error = await run(async () => {
      const reader = new StreamReader();
      const first = createTask(() => collect(reader));
      await sleep(0);
      const error = await reader.lines().next().catch((e) => e);
      reader.feedEof();
      await first;
      return error;
    });
    assert.ok(error instanceof RuntimeError);
  });
});

describe("StreamReader.lines() and cancellation", () => {
  it("cancelled while waiting for a line: the next read sees its bytes", async () => {
    const [seen, cancelled, next, rest] = await run(async () => {
      const reader = new StreamReader();
      const seen: string[] = [];
      const reading = createTask(async () => {
        for await (const line of reader.lines()) seen.push(line);
      });
      reader.feedData(bytes("first\nsec"));
      await sleep(0);
      reading.cancel();
      const cancelled = await reading.then(
        () => false,
        (e) => e instanceof CancelledError,
      );
      reader.feedData(bytes("ond\nthird\n"));
      reader.feedEof();
      return [
        seen,
        cancelled,
        text(await reader.readline()),
        await collect(reader),
      ];
    });
    assert.deepEqual(seen, ["first"]);
    assert.equal(cancelled, true);
    assert.equal(next, "second\n");
    assert.deepEqual(rest, ["third"]);
  });

  it("leaving the loop early consumes only the lines taken", async () => {
    const [first, rest] = await run(async () => {
      const reader = new StreamReader();
      reader.feedData(bytes("a\nb\nc"));
      reader.feedEof();
      for await (const line of reader.lines()) {
        return [line, text(await reader.read())];
      }
      return [];
    });
    assert.equal(first, "a");
    assert.equal(rest, "b\nc");
  });

  it("over a socket: cancelled mid-character, the bytes stay for the next read", async () => {
    const [seen, cancelled, rest] = await run(async () => {
      const restAllowed = new Event();
      await using server = await startServer(
        async (_reader, writer) => {
          const line = bytes("zweite Zeile: ä\n");
          writer.write(bytes("erste\n"));
          writer.write(line.subarray(0, -2)); // stops inside "ä"
          await writer.drain();
          await restAllowed.wait();
          writer.write(line.subarray(-2));
          writer.close();
          await writer.waitClosed();
        },
        HOST,
        0,
      );
      const [host, port] = server.sockets[0].getsockname();
      const [reader, writer] = await openConnection(host, port);
      const seen: string[] = [];
      const firstSeen = new Event();
      const reading = createTask(async () => {
        for await (const line of reader.lines()) {
          seen.push(line);
          firstSeen.set();
        }
      });
      await firstSeen.wait();
      // Until the line's first part is in, with the rest held back.
      while (!/ \d+ bytes/.test(String(reader))) await sleep(0.001);
      reading.cancel();
      const cancelled = await reading.then(
        () => false,
        (e) => e instanceof CancelledError,
      );
      restAllowed.set();
      const rest = await collect(reader);
      writer.close();
      await writer.waitClosed();
      return [seen, cancelled, rest];
    });
    assert.deepEqual(seen, ["erste"]);
    assert.equal(cancelled, true);
    assert.deepEqual(rest, ["zweite Zeile: ä"]);
  });
});

describe("StreamReader.lines() checks its options at the call", () => {
  const reader = new StreamReader();

  it("an unknown option or a wrong type is a TypeError", () => {
    assert.throws(
      () => reader.lines({ keepEnd: true } as never),
      (e: Error) => e instanceof TypeError && /keepEnds/.test(e.message),
    );
    assert.throws(() => reader.lines({ keepEnds: "yes" } as never), TypeError);
    assert.throws(() => reader.lines({ fatal: 1 } as never), TypeError);
    assert.throws(() => reader.lines({ encoding: 8 } as never), TypeError);
    assert.throws(() => reader.lines(42 as never), TypeError);
  });

  it("an unknown encoding or UTF-16 is a RangeError", () => {
    assert.throws(
      () => reader.lines({ encoding: "no-such-encoding" }),
      (e: Error) =>
        e instanceof RangeError && /no-such-encoding/.test(e.message),
    );
    for (const encoding of ["utf-16le", "utf-16be", "utf-16"]) {
      assert.throws(
        () => reader.lines({ encoding }),
        (e: Error) => e instanceof RangeError && /TextDecoder/.test(e.message),
      );
    }
  });
});

describe("StreamWriter.writeText()", () => {
  it("sends UTF-8, a lone surrogate as U+FFFD", async () => {
    const received = await run(async () => {
      let received: Uint8Array = new Uint8Array(0);
      await using server = await startServer(
        async (reader, writer) => {
          received = await reader.read();
          writer.close();
        },
        HOST,
        0,
      );
      const [host, port] = server.sockets[0].getsockname();
      const [reader, writer] = await openConnection(host, port);
      writer.writeText("naïve ✓ ");
      writer.writeText("\uD800\n");
      writer.writeEof();
      await reader.read(); // the server closed: it has read everything
      writer.close();
      await writer.waitClosed();
      return received;
    });
    assert.deepEqual(received, bytes("naïve ✓ \uFFFD\n"));
  });

  it("takes a string: bytes are a TypeError that names write()", async () => {
    const error = await run(async () => {
      await using server = await startServer(
        (_r, writer) => {
          writer.close();
        },
        HOST,
        0,
      );
      const [host, port] = server.sockets[0].getsockname();
      const [, writer] = await openConnection(host, port);
      let error: unknown = null;
      try {
        writer.writeText(bytes("x") as never);
      } catch (e) {
        error = e;
      }
      writer.close();
      await writer.waitClosed();
      return error;
    });
    assert.ok(error instanceof TypeError);
    assert.match((error as Error).message, /write\(\)/);
  });
});
