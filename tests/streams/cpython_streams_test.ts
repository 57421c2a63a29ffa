/**
 * CPython 3.13's own stream test cases, from
 * `Lib/test/test_asyncio/test_streams.py` (3.13.0), ported. Each `it` is
 * named after the CPython test it ports; the expectations are the ones
 * CPython 3.13.0 produces (its test file passes on this machine, and the
 * scenarios translated differently were replayed on it).
 *
 * Translations:
 * - `stream._buffer` is read with `buffered()`: it feeds a mark byte,
 *   reads everything up to it at once and feeds the bytes back, so the
 *   reader is left as it was (only for readers fed by hand, before EOF);
 *   after EOF, `atEof()` stands for an empty buffer and `read()` reads
 *   the rest at the end of a scenario.
 * - `run_test_server()` (a WSGI server in a thread, so not asyncio) is a
 *   `node:net` / `node:tls` server that answers one HTTP/1.0 request
 *   with "Test message" and closes, as the WSGI server does.
 * - `ValueError` is `RangeError`; a `(b'\r', b'\n')` tuple of separators
 *   is an array; `bytearray` is a `Buffer` and a `subarray` view.
 * - `self.loop.run_until_complete(x)` in a sequence is one task running the
 *   scenario on the virtual clock; `call_soon(cb)` before
 *   `run_until_complete(coro)` is `callSoon(cb)` before `createTask()`, so
 *   `cb` runs first as in CPython; `test_utils.run_briefly` is `sleep(0)`.
 * - `writer._protocol.connection_lost(exc)` is
 *   `writer.transport.getProtocol().connectionLost(exc)`, and
 *   `FlowControlMixin.pause_writing()` / `resume_writing()` in
 *   test_multiple_drain are the same calls on a connection's protocol.
 * - test_read_all_from_pipe_reader reads a child's stdout pipe with
 *   `limit: 1` (`createSubprocessExec`): there is no public
 *   `StreamReaderProtocol` to put on `loop.connectReadPipe()`.
 * - Servers listen on 127.0.0.1 port 0 (`socket.create_server`, `sock=`
 *   and `find_unused_port()` in CPython).
 * - Error messages: CPython's wording is asserted where the library keeps
 *   it (IncompleteReadError, LimitOverrunError); a `ValueError`'s regex
 *   becomes a `RangeError` whose message names the problem, and
 *   test_unhandled_exception's "Unhandled exception in
 *   client_connected_cb" (a Python parameter name) an "Unhandled ..."
 *   message about the client handler, with the handler's error.
 * - test_drain_raises writes forever in CPython; here at most `DRAIN_CAP`
 *   times, a hang guard: a drain() that never gives up the loop starves
 *   it, so no timer could end the test.
 * - ConnectionResetError / BrokenPipeError / ConnectionAbortedError are
 *   errors with `code` "ECONNRESET" / "EPIPE" / "ECONNABORTED".
 * - test___repr__*: `repr(stream)` is `String(stream)` (the reader's
 *   `toString()`, documented as asyncio's repr); the private `_waiter`
 *   and `_transport` that test___repr__waiter / test___repr__transport
 *   plant are reached publicly, by a read waiting on an empty reader and
 *   by a reader from `openConnection()` (both replayed on CPython 3.13).
 *
 * Skipped:
 * - test_streamreader_constructor_without_loop,
 *   test_streamreader_constructor_use_running_loop,
 *   test_streamreader_constructor_use_global_loop,
 *   test_streamreaderprotocol_constructor_without_loop,
 *   test_streamreaderprotocol_constructor_use_running_loop,
 *   test_streamreaderprotocol_constructor_use_global_loop: they check the
 *   private `_loop` a constructor binds (the running loop, or the one
 *   `set_event_loop()` set, or a RuntimeError when neither is there); the
 *   library's `StreamReader` binds no loop (a read that waits uses the
 *   running loop) and `StreamReaderProtocol` is not exported.
 * - test_IncompleteReadError_pickleable / test_LimitOverrunError_pickleable:
 *   pickle has no equivalent.
 * - test_unclosed_resource_warnings, test_loop_is_closed_resource_warnings,
 *   test_unclosed_server_resource_warnings: ResourceWarning on garbage
 *   collection has no equivalent.
 * - The "no_loop" part of test_open_(unix_)connection_no_loop_ssl
 *   (`set_event_loop(None)` between calls): the global loop binding is a
 *   CPython internal; the TLS round trip is ported.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import tls from "node:tls";
import {
  createSslContext,
  IncompleteReadError,
  LimitOverrunError,
  openConnection,
  openUnixConnection,
  type Server,
  startServer,
  startUnixServer,
  StreamReader,
  type StreamWriter,
} from "../../streams/mod.ts";
import { createSubprocessExec, PIPE } from "../../subprocess/mod.ts";
import {
  createTask,
  currentTask,
  type ExceptionContext,
  gather,
  getRunningLoop,
  RuntimeError,
  sleep,
  wait,
} from "../../mod.ts";
import { runVirtual } from "../../testing/mod.ts";
import { bytes, text } from "../fixtures/bytes.ts";
import { errorOf } from "../sync/helpers.ts";
import { testCerts } from "./fixtures/certs.ts";
import { tempDir } from "../fixtures/temp_dir.ts";
import { ZeroDivisionError } from "../fixtures/cpython_utils.ts";

const HOST = "127.0.0.1";
const DATA = "line1\nline2\nline3\n";
const REQUEST = "GET / HTTP/1.0\r\n\r\n";
/** Writes test_drain_raises makes before it gives up (CPython: a few). */
const DRAIN_CAP = 100_000;

class ValueError extends Error {
  override name = "ValueError";
}

/** A byte none of the scenarios feeds. */
const MARK = new Uint8Array([0xff]);

/**
 * What `reader` has buffered (CPython's `stream._buffer`), as text; the
 * reader is left as it was. Only for a reader fed by hand: a mark is fed
 * after the buffer, everything is read at once (a read with data buffered
 * does not wait) and all but the mark is fed back.
 */
async function buffered(reader: StreamReader): Promise<string> {
  if (reader.atEof()) return "";
  reader.feedData(MARK);
  const all = await reader.read(Number.MAX_SAFE_INTEGER);
  assert.equal(all[all.length - 1], MARK[0], "the mark was not read");
  const data = all.subarray(0, all.length - 1);
  if (data.length > 0) reader.feedData(data);
  return text(data);
}

/** Records what reaches the running loop's exception handler. */
function recordMessages(): ExceptionContext[] {
  const messages: ExceptionContext[] = [];
  getRunningLoop().setExceptionHandler((_loop, context) => {
    messages.push(context);
  });
  return messages;
}

function portOf(server: Server): number {
  return server.sockets[0].getsockname()[1] as number;
}

const tempDirs: string[] = [];

after(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A path for a Unix socket, in a folder of its own removed at the end. */
function socketPath(name: string): string {
  const dir = tempDir("aio-");
  tempDirs.push(dir);
  return path.join(dir, name);
}

/**
 * CPython's `run_test_server()`: a server outside the loop that answers
 * one HTTP/1.0 request with "Test message", then closes the connection.
 */
interface TestServer {
  /** `[host, port]`, or the socket's path. */
  address: [string, number] | string;
  close(): Promise<void>;
}

async function runTestServer(
  options: { unix?: boolean; ssl?: boolean } = {},
): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const serve = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let request = "";
    socket.on("data", (chunk: Buffer) => {
      request += chunk.toString("latin1");
      if (request.includes("\r\n\r\n")) {
        socket.end(
          "HTTP/1.0 200 OK\r\nContent-type: text/plain\r\n" +
            "Content-Length: 12\r\n\r\nTest message",
        );
      }
    });
  };
  const server = options.ssl
    ? tls.createServer(
      { cert: testCerts().serverCert, key: testCerts().serverKey },
      serve,
    )
    : net.createServer(serve);
  const unixPath = options.unix ? socketPath("test.sock") : null;
  await new Promise<void>((resolve) => {
    if (unixPath !== null) server.listen(unixPath, resolve);
    else server.listen(0, HOST, resolve);
  });
  const address = unixPath ??
    [HOST, (server.address() as net.AddressInfo).port] as [string, number];
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Runs `body` with a test server, closed afterwards. */
async function withTestServer<T>(
  options: { unix?: boolean; ssl?: boolean },
  body: (address: [string, number] | string) => Promise<T>,
): Promise<T> {
  const server = await runTestServer(options);
  try {
    return await body(server.address);
  } finally {
    await server.close();
  }
}

/** `open_connection(*httpd.address)` or `open_unix_connection(path)`. */
function openTo(
  address: [string, number] | string,
  options: Parameters<typeof openConnection>[2] = {},
): Promise<[StreamReader, StreamWriter]> {
  return typeof address === "string"
    ? openUnixConnection(address, options)
    : openConnection(address[0], address[1], options);
}

describe("CPython test_streams.py: StreamTests, connections", () => {
  // _basetest_open_connection
  async function basetestOpenConnection(address: [string, number] | string) {
    await runVirtual(async () => {
      const messages = recordMessages();
      const [reader, writer] = await openTo(address);
      writer.write(bytes(REQUEST));
      assert.equal(text(await reader.readline()), "HTTP/1.0 200 OK\r\n");
      const data = text(await reader.read());
      assert.ok(data.endsWith("\r\n\r\nTest message"), data);
      writer.close();
      assert.deepEqual(messages, []);
    });
  }

  it("test_open_connection", async () => {
    await withTestServer({}, basetestOpenConnection);
  });

  it("test_open_unix_connection", async () => {
    await withTestServer({ unix: true }, basetestOpenConnection);
  });

  // _basetest_open_connection_no_loop_ssl
  async function basetestOpenConnectionSsl(
    address: [string, number] | string,
  ) {
    await runVirtual(async () => {
      const messages = recordMessages();
      const ssl = createSslContext({ verify: false });
      const [reader, writer] = await openTo(
        address,
        typeof address === "string" ? { ssl, serverHostname: "" } : { ssl },
      );
      writer.write(bytes(REQUEST));
      const data = text(await reader.read());
      assert.ok(data.endsWith("\r\n\r\nTest message"), data);
      writer.close();
      assert.deepEqual(messages, []);
    });
  }

  it("test_open_connection_no_loop_ssl", async () => {
    await withTestServer({ ssl: true }, basetestOpenConnectionSsl);
  });

  it("test_open_unix_connection_no_loop_ssl", async () => {
    await withTestServer(
      { unix: true, ssl: true },
      basetestOpenConnectionSsl,
    );
  });

  // _basetest_open_connection_error
  async function basetestOpenConnectionError(
    address: [string, number] | string,
  ) {
    await runVirtual(async () => {
      const messages = recordMessages();
      const [reader, writer] = await openTo(address);
      writer.transport.getProtocol().connectionLost!(new ZeroDivisionError());
      await errorOf(reader.read(), ZeroDivisionError);
      writer.close();
      await sleep(0);
      assert.deepEqual(messages, []);
    });
  }

  it("test_open_connection_error", async () => {
    await withTestServer({}, basetestOpenConnectionError);
  });

  it("test_open_unix_connection_error", async () => {
    await withTestServer({ unix: true }, basetestOpenConnectionError);
  });
});

describe("CPython test_streams.py: StreamTests, StreamReader", () => {
  it("test_feed_empty_data", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(bytes(""));
      assert.equal(await buffered(stream), "");
    });
  });

  it("test_feed_nonempty_data", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(bytes(DATA));
      assert.equal(await buffered(stream), DATA);
    });
  });

  it("test_read_zero", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(bytes(DATA));
      const data = await stream.read(0);
      assert.equal(text(data), "");
      assert.equal(await buffered(stream), DATA);
    });
  });

  it("test_read", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const readTask = createTask(() => stream.read(30));
      getRunningLoop().callSoon(() => stream.feedData(bytes(DATA)));
      const data = await readTask;
      assert.equal(text(data), DATA);
      assert.equal(await buffered(stream), "");
    });
  });

  it("test_read_line_breaks", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(bytes("line1"));
      stream.feedData(bytes("line2"));
      const data = await stream.read(5);
      assert.equal(text(data), "line1");
      assert.equal(await buffered(stream), "line2");
    });
  });

  it("test_read_eof", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const readTask = createTask(() => stream.read(1024));
      getRunningLoop().callSoon(() => stream.feedEof());
      const data = await readTask;
      assert.equal(text(data), "");
      assert.equal(stream.atEof(), true); // the buffer is empty
    });
  });

  it("test_read_until_eof", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const readTask = createTask(() => stream.read(-1));
      getRunningLoop().callSoon(() => {
        stream.feedData(bytes("chunk1\n"));
        stream.feedData(bytes("chunk2"));
        stream.feedEof();
      });
      const data = await readTask;
      assert.equal(text(data), "chunk1\nchunk2");
      assert.equal(stream.atEof(), true);
    });
  });

  it("test_read_exception", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(bytes("line\n"));
      const data = await stream.read(2);
      assert.equal(text(data), "li");
      stream.setException(new ValueError());
      await errorOf(stream.read(2), ValueError);
    });
  });

  it("test_invalid_limit", () => {
    const invalid = (error: unknown) =>
      error instanceof RangeError && /imit/.test(error.message);
    assert.throws(() => new StreamReader(0), invalid);
    assert.throws(() => new StreamReader(-1), invalid);
  });

  it("test_read_limit", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader(3);
      stream.feedData(bytes("chunk"));
      const data = await stream.read(5);
      assert.equal(text(data), "chunk");
      assert.equal(await buffered(stream), "");
    });
  });

  it("test_readline", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(bytes("chunk1 "));
      const readTask = createTask(() => stream.readline());
      getRunningLoop().callSoon(() => {
        stream.feedData(bytes("chunk2 "));
        stream.feedData(bytes("chunk3 "));
        stream.feedData(bytes("\n chunk4"));
      });
      const line = await readTask;
      assert.equal(text(line), "chunk1 chunk2 chunk3 \n");
      assert.equal(await buffered(stream), " chunk4");
    });
  });

  it("test_readline_limit_with_existing_data", async () => {
    await runVirtual(async () => {
      let stream = new StreamReader(3);
      stream.feedData(bytes("li"));
      stream.feedData(bytes("ne1\nline2\n"));
      await errorOf(stream.readline(), RangeError);
      // The buffer should contain the remaining data after the error.
      assert.equal(await buffered(stream), "line2\n");

      stream = new StreamReader(3);
      stream.feedData(bytes("li"));
      stream.feedData(bytes("ne1"));
      stream.feedData(bytes("li"));
      await errorOf(stream.readline(), RangeError);
      // No "\n" and more than the limit of 3: the whole buffer is dropped.
      assert.equal(await buffered(stream), "");
    });
  });

  it("test_at_eof", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      assert.equal(stream.atEof(), false);

      stream.feedData(bytes("some data\n"));
      assert.equal(stream.atEof(), false);

      await stream.readline();
      assert.equal(stream.atEof(), false);

      stream.feedData(bytes("some data\n"));
      stream.feedEof();
      await stream.readline();
      assert.equal(stream.atEof(), true);
    });
  });

  it("test_readline_limit", async () => {
    await runVirtual(async () => {
      const loop = getRunningLoop();
      let stream = new StreamReader(7);
      loop.callSoon(() => {
        stream.feedData(bytes("chunk1"));
        stream.feedData(bytes("chunk2"));
        stream.feedData(bytes("chunk3\n"));
        stream.feedEof();
      });
      await errorOf(createTask(() => stream.readline()), RangeError);
      // The buffer had just one line of data, and after the error it
      // should be empty.
      assert.equal(stream.atEof(), true);

      stream = new StreamReader(7);
      loop.callSoon(() => {
        stream.feedData(bytes("chunk1"));
        stream.feedData(bytes("chunk2\n"));
        stream.feedData(bytes("chunk3\n"));
        stream.feedEof();
      });
      await errorOf(createTask(() => stream.readline()), RangeError);
      assert.equal(text(await stream.read()), "chunk3\n");

      // check strictness of the limit
      stream = new StreamReader(7);
      stream.feedData(bytes("1234567\n"));
      const line = await stream.readline();
      assert.equal(text(line), "1234567\n");
      assert.equal(await buffered(stream), "");

      stream.feedData(bytes("12345678\n"));
      await errorOf(stream.readline(), RangeError);
      assert.equal(await buffered(stream), "");

      stream.feedData(bytes("12345678"));
      await errorOf(stream.readline(), RangeError);
      assert.equal(await buffered(stream), "");
    });
  });

  it("test_readline_nolimit_nowait", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(bytes(DATA.slice(0, 6)));
      stream.feedData(bytes(DATA.slice(6)));
      const line = await stream.readline();
      assert.equal(text(line), "line1\n");
      assert.equal(await buffered(stream), "line2\nline3\n");
    });
  });

  it("test_readline_eof", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(bytes("some data"));
      stream.feedEof();
      const line = await stream.readline();
      assert.equal(text(line), "some data");
    });
  });

  it("test_readline_empty_eof", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedEof();
      const line = await stream.readline();
      assert.equal(text(line), "");
    });
  });

  it("test_readline_read_byte_count", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(bytes(DATA));
      await stream.readline();
      const data = await stream.read(7);
      assert.equal(text(data), "line2\nl");
      assert.equal(await buffered(stream), "ine3\n");
    });
  });

  it("test_readline_exception", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(bytes("line\n"));
      const data = await stream.readline();
      assert.equal(text(data), "line\n");
      stream.setException(new ValueError());
      await errorOf(stream.readline(), ValueError);
      // CPython's `_buffer == b''` cannot be observed once the stream has
      // failed: every read throws its error.
    });
  });

  it("test_readuntil_separator", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const e1 = await errorOf(stream.readuntil(bytes("")), RangeError);
      assert.match(e1.message, /eparator/);
      const e2 = await errorOf(stream.readuntil([bytes("")]), RangeError);
      assert.match(e2.message, /eparator/);
      const e3 = await errorOf(stream.readuntil([]), RangeError);
      assert.match(e3.message, /eparator/);
    });
  });

  it("test_readuntil_multi_chunks", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();

      stream.feedData(bytes("lineAAA"));
      let data = await stream.readuntil(bytes("AAA"));
      assert.equal(text(data), "lineAAA");
      assert.equal(await buffered(stream), "");

      stream.feedData(bytes("lineAAA"));
      data = await stream.readuntil(bytes("AAA"));
      assert.equal(text(data), "lineAAA");
      assert.equal(await buffered(stream), "");

      stream.feedData(bytes("lineAAAxxx"));
      data = await stream.readuntil(bytes("AAA"));
      assert.equal(text(data), "lineAAA");
      assert.equal(await buffered(stream), "xxx");
    });
  });

  it("test_readuntil_multi_chunks_1", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();

      stream.feedData(bytes("QWEaa"));
      stream.feedData(bytes("XYaa"));
      stream.feedData(bytes("a"));
      let data = await stream.readuntil(bytes("aaa"));
      assert.equal(text(data), "QWEaaXYaaa");
      assert.equal(await buffered(stream), "");

      stream.feedData(bytes("QWEaa"));
      stream.feedData(bytes("XYa"));
      stream.feedData(bytes("aa"));
      data = await stream.readuntil(bytes("aaa"));
      assert.equal(text(data), "QWEaaXYaaa");
      assert.equal(await buffered(stream), "");

      stream.feedData(bytes("aaa"));
      data = await stream.readuntil(bytes("aaa"));
      assert.equal(text(data), "aaa");
      assert.equal(await buffered(stream), "");

      stream.feedData(bytes("Xaaa"));
      data = await stream.readuntil(bytes("aaa"));
      assert.equal(text(data), "Xaaa");
      assert.equal(await buffered(stream), "");

      stream.feedData(bytes("XXX"));
      stream.feedData(bytes("a"));
      stream.feedData(bytes("a"));
      stream.feedData(bytes("a"));
      data = await stream.readuntil(bytes("aaa"));
      assert.equal(text(data), "XXXaaa");
      assert.equal(await buffered(stream), "");
    });
  });

  it("test_readuntil_eof", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const data = "some dataAA";
      stream.feedData(bytes(data));
      stream.feedEof();
      const error = await errorOf(
        stream.readuntil(bytes("AAA")),
        IncompleteReadError,
      );
      assert.match(error.message, /undefined expected bytes/);
      assert.equal(text(error.partial), data);
      assert.equal(error.expected, null);
      assert.equal(stream.atEof(), true);
    });
  });

  it("test_readuntil_limit_found_sep", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader(3);
      stream.feedData(bytes("some dataAA"));
      let error = await errorOf(
        stream.readuntil(bytes("AAA")),
        LimitOverrunError,
      );
      assert.match(error.message, /not found/);
      assert.equal(await buffered(stream), "some dataAA");

      stream.feedData(bytes("A"));
      error = await errorOf(stream.readuntil(bytes("AAA")), LimitOverrunError);
      assert.match(error.message, /is found/);
      assert.equal(await buffered(stream), "some dataAAA");
    });
  });

  it("test_readuntil_multi_separator", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();

      // Simple case
      stream.feedData(bytes("line 1\nline 2\r"));
      let data = await stream.readuntil([bytes("\r"), bytes("\n")]);
      assert.equal(text(data), "line 1\n");
      data = await stream.readuntil([bytes("\r"), bytes("\n")]);
      assert.equal(text(data), "line 2\r");
      assert.equal(await buffered(stream), "");

      // First end position matches, even if that's a longer match
      stream.feedData(bytes("ABCDEFG"));
      data = await stream.readuntil([bytes("DEF"), bytes("BCDE")]);
      assert.equal(text(data), "ABCDE");
      assert.equal(await buffered(stream), "FG");
    });
  });

  it("test_readuntil_multi_separator_limit", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader(3);
      stream.feedData(bytes("some dataA"));
      const error = await errorOf(
        stream.readuntil([bytes("A"), bytes("ome dataA")]),
        LimitOverrunError,
      );
      assert.match(error.message, /is found/);
      assert.equal(await buffered(stream), "some dataA");
    });
  });

  it("test_readuntil_multi_separator_negative_offset", async () => {
    // If the buffer is big enough for the smallest separator (but does
    // not contain it) but too small for the largest, the search offset
    // must not become negative.
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const stream = new StreamReader();
      stream.feedData(bytes("data"));
      const readuntilTask = createTask(() =>
        stream.readuntil([bytes("A"), bytes("long sep")])
      );
      loop.callSoon((data) => stream.feedData(data), bytes("Z"));
      loop.callSoon((data) => stream.feedData(data), bytes("Aaaa"));
      const data = await readuntilTask;
      assert.equal(text(data), "dataZA");
      assert.equal(await buffered(stream), "aaa");
    });
  });

  it("test_readuntil_bytearray", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(bytes("some data\r\n"));
      let data = await stream.readuntil(Buffer.from("\r\n"));
      assert.equal(text(data), "some data\r\n");
      assert.equal(await buffered(stream), "");
      // A view into a larger buffer, as well.
      stream.feedData(bytes("some data\r\n"));
      data = await stream.readuntil(bytes("xx\r\nyy").subarray(2, 4));
      assert.equal(text(data), "some data\r\n");
      assert.equal(await buffered(stream), "");
    });
  });

  it("test_readexactly_zero_or_less", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(bytes(DATA));

      const data = await stream.readexactly(0);
      assert.equal(text(data), "");
      assert.equal(await buffered(stream), DATA);

      const error = await errorOf(stream.readexactly(-1), RangeError);
      assert.match(error.message, /-1/);
      assert.equal(await buffered(stream), DATA);
    });
  });

  it("test_readexactly", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const n = 2 * DATA.length;
      const readTask = createTask(() => stream.readexactly(n));
      getRunningLoop().callSoon(() => {
        stream.feedData(bytes(DATA));
        stream.feedData(bytes(DATA));
        stream.feedData(bytes(DATA));
      });
      const data = await readTask;
      assert.equal(text(data), DATA + DATA);
      assert.equal(await buffered(stream), DATA);
    });
  });

  it("test_readexactly_limit", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader(3);
      stream.feedData(bytes("chunk"));
      const data = await stream.readexactly(5);
      assert.equal(text(data), "chunk");
      assert.equal(await buffered(stream), "");
    });
  });

  it("test_readexactly_eof", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      const n = 2 * DATA.length;
      const readTask = createTask(() => stream.readexactly(n));
      getRunningLoop().callSoon(() => {
        stream.feedData(bytes(DATA));
        stream.feedEof();
      });
      const error = await errorOf(readTask, IncompleteReadError);
      assert.equal(text(error.partial), DATA);
      assert.equal(error.expected, n);
      assert.equal(
        error.message,
        "18 bytes read on a total of 36 expected bytes",
      );
      assert.equal(stream.atEof(), true);
    });
  });

  it("test_readexactly_exception", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      stream.feedData(bytes("line\n"));
      const data = await stream.readexactly(2);
      assert.equal(text(data), "li");
      stream.setException(new ValueError());
      await errorOf(stream.readexactly(2), ValueError);
    });
  });

  it("test_exception", () => {
    const stream = new StreamReader();
    assert.equal(stream.exception(), null);
    const exc = new ValueError();
    stream.setException(exc);
    assert.equal(stream.exception(), exc);
  });

  it("test_exception_waiter", async () => {
    await runVirtual(async () => {
      const stream = new StreamReader();
      // deno-lint-ignore require-await
      const setErr = async () => {
        stream.setException(new ValueError());
      };
      const t1 = createTask(() => stream.readline());
      const t2 = createTask(setErr);
      await wait([t1, t2]);
      assert.throws(() => t1.result(), ValueError);
    });
  });

  it("test_exception_cancel", async () => {
    await runVirtual(async () => {
      const messages = recordMessages();
      const stream = new StreamReader();
      const t = createTask(() => stream.readline());
      await sleep(0);
      t.cancel();
      await sleep(0);
      // The following line fails if setException() isn't careful.
      const error = new Error("message");
      stream.setException(error);
      await sleep(0);
      assert.equal(t.cancelled(), true);
      // CPython checks `stream._waiter is None`: no read is left waiting,
      // and the next one fails with the stream's error.
      assert.equal(await errorOf(stream.readline()), error);
      assert.deepEqual(messages, []);
    });
  });
});

describe("CPython test_streams.py: StreamTests, servers", () => {
  /** MyServer.handle_client */
  async function handleClient(
    clientReader: StreamReader,
    clientWriter: StreamWriter,
  ) {
    const data = await clientReader.readline();
    clientWriter.write(data);
    await clientWriter.drain();
    clientWriter.close();
    await clientWriter.waitClosed();
  }

  /** MyServer.handle_client_callback */
  function handleClientCallback(
    clientReader: StreamReader,
    clientWriter: StreamWriter,
  ) {
    createTask(() => handleClient(clientReader, clientWriter));
  }

  /** MyServer.stop */
  async function stop(server: Server<unknown>) {
    server.close();
    await server.waitClosed();
  }

  async function client(
    open: () => Promise<[StreamReader, StreamWriter]>,
  ): Promise<string> {
    const [reader, writer] = await open();
    // send a line
    writer.write(bytes("hello world!\n"));
    // read it back
    const msgback = await reader.readline();
    writer.close();
    await writer.waitClosed();
    return text(msgback);
  }

  it("test_start_server", async () => {
    await runVirtual(async () => {
      const messages = recordMessages();

      // test the server variant with a coroutine as client handler
      let server = await startServer(handleClient, HOST, 0);
      let port = portOf(server);
      let msg = await createTask(() =>
        client(() => openConnection(HOST, port))
      );
      await stop(server);
      assert.equal(msg, "hello world!\n");

      // test the server variant with a callback as client handler
      server = await startServer(handleClientCallback, HOST, 0);
      port = portOf(server);
      msg = await createTask(() => client(() => openConnection(HOST, port)));
      await stop(server);
      assert.equal(msg, "hello world!\n");

      assert.deepEqual(messages, []);
    });
  });

  it("test_start_unix_server", async () => {
    await runVirtual(async () => {
      const messages = recordMessages();

      // test the server variant with a coroutine as client handler
      let where = socketPath("server.sock");
      let server = await startUnixServer(handleClient, where);
      let msg = await createTask(() => client(() => openUnixConnection(where)));
      await stop(server);
      assert.equal(msg, "hello world!\n");

      // test the server variant with a callback as client handler
      where = socketPath("server.sock");
      server = await startUnixServer(handleClientCallback, where);
      msg = await createTask(() => client(() => openUnixConnection(where)));
      await stop(server);
      assert.equal(msg, "hello world!\n");

      assert.deepEqual(messages, []);
    });
  });

  it("test_start_tls", async () => {
    await runVirtual(async () => {
      const messages = recordMessages();
      const certs = testCerts();
      const serverContext = createSslContext({
        purpose: "clientAuth",
        cert: certs.serverCert,
        key: certs.serverKey,
      });
      const handlerChecks: boolean[] = [];

      const handle = async (
        clientReader: StreamReader,
        clientWriter: StreamWriter,
      ) => {
        const data1 = await clientReader.readline();
        clientWriter.write(data1);
        await clientWriter.drain();
        handlerChecks.push(clientWriter.getExtraInfo("sslcontext") === null);
        await clientWriter.startTls(serverContext);
        handlerChecks.push(clientWriter.getExtraInfo("sslcontext") !== null);
        const data2 = await clientReader.readline();
        clientWriter.write(data2);
        await clientWriter.drain();
        clientWriter.close();
        await clientWriter.waitClosed();
      };

      const server = await startServer(handle, HOST, 0);
      const port = portOf(server);

      const [reader, writer] = await openConnection(HOST, port);
      writer.write(bytes("hello world 1!\n"));
      await writer.drain();
      const msgback1 = await reader.readline();
      assert.equal(writer.getExtraInfo("sslcontext"), null);
      await writer.startTls(createSslContext({ verify: false }));
      assert.notEqual(writer.getExtraInfo("sslcontext"), null);
      writer.write(bytes("hello world 2!\n"));
      await writer.drain();
      const msgback2 = await reader.readline();
      writer.close();
      await writer.waitClosed();

      await stop(server);

      assert.deepEqual(messages, []);
      assert.deepEqual(handlerChecks, [true, true]);
      assert.equal(text(msgback1), "hello world 1!\n");
      assert.equal(text(msgback2), "hello world 2!\n");
    });
  });

  it("test_read_all_from_pipe_reader", async () => {
    // The reader's limit is 1, less than half of what the child writes.
    await runVirtual(async () => {
      const proc = await createSubprocessExec("sh", "-c", "printf data", {
        stdout: PIPE,
        limit: 1,
      });
      await proc.wait();
      const data = await proc.stdout!.read(-1);
      assert.equal(text(data), "data");
    });
  });

  it("test_multiple_drain", async () => {
    // See https://github.com/python/cpython/issues/74116
    await runVirtual(async () => {
      const loop = getRunningLoop();
      const server = await startServer(
        async (reader, writer) => {
          await reader.read();
          writer.close();
          await writer.waitClosed();
        },
        HOST,
        0,
      );
      const [, writer] = await openConnection(HOST, portOf(server));
      let drained = 0;
      const drainer = async (stream: StreamWriter) => {
        await stream.drain();
        drained += 1;
      };
      const protocol = writer.transport.getProtocol();
      protocol.pauseWriting!();
      loop.callLater(0.1, () => protocol.resumeWriting!());
      await gather(Array.from({ length: 10 }, () => drainer(writer)));
      assert.equal(drained, 10);
      assert.equal(loop.time() >= 0.1, true);
      writer.close();
      await writer.waitClosed();
      await stop(server);
    });
  });

  it("test_drain_raises", async () => {
    // See http://bugs.python.org/issue25441: drain() must give up the
    // loop, so that it sees the server close the socket.
    const server = net.createServer((socket) => {
      socket.on("error", () => {});
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      await runVirtual(async () => {
        const messages = recordMessages();
        const client = async (host: string, port: number) => {
          const [, writer] = await openConnection(host, port);
          // CPython loops forever; the cap turns a hang into a failure.
          for (let i = 0; i < DRAIN_CAP; i++) {
            writer.write(bytes("foo\n"));
            await writer.drain();
          }
          throw new Error(
            `${DRAIN_CAP} write() + drain() calls never saw the server ` +
              "close the connection",
          );
        };
        // Should not be stuck in an infinite loop.
        const error = await errorOf(client(HOST, port));
        assert.ok(
          ["ECONNRESET", "ECONNABORTED", "EPIPE"].includes(
            (error as { code?: string }).code ?? "",
          ),
          String(error),
        );
        assert.deepEqual(messages, []);
      });
    } finally {
      server.close();
    }
  });
});

describe("CPython test_streams.py: StreamTests, closing", () => {
  it("test_wait_closed_on_close", async () => {
    await withTestServer({}, async (address) => {
      await runVirtual(async () => {
        const [rd, wr] = await openTo(address);
        wr.write(bytes(REQUEST));
        assert.equal(text(await rd.readline()), "HTTP/1.0 200 OK\r\n");
        const data = text(await rd.read());
        assert.ok(data.endsWith("\r\n\r\nTest message"), data);
        assert.equal(wr.isClosing(), false);
        wr.close();
        assert.equal(wr.isClosing(), true);
        await wr.waitClosed();
      });
    });
  });

  it("test_wait_closed_on_close_with_unread_data", async () => {
    await withTestServer({}, async (address) => {
      await runVirtual(async () => {
        const [rd, wr] = await openTo(address);
        wr.write(bytes(REQUEST));
        assert.equal(text(await rd.readline()), "HTTP/1.0 200 OK\r\n");
        wr.close();
        await wr.waitClosed();
      });
    });
  });

  it("test_async_writer_api", async () => {
    await withTestServer({}, async (address) => {
      await runVirtual(async () => {
        const messages = recordMessages();
        const [rd, wr] = await openTo(address);
        wr.write(bytes(REQUEST));
        assert.equal(text(await rd.readline()), "HTTP/1.0 200 OK\r\n");
        const data = text(await rd.read());
        assert.ok(data.endsWith("\r\n\r\nTest message"), data);
        wr.close();
        await wr.waitClosed();
        assert.deepEqual(messages, []);
      });
    });
  });

  it("test_async_writer_api_exception_after_close", async () => {
    await withTestServer({}, async (address) => {
      await runVirtual(async () => {
        const messages = recordMessages();
        const [rd, wr] = await openTo(address);
        wr.write(bytes(REQUEST));
        assert.equal(text(await rd.readline()), "HTTP/1.0 200 OK\r\n");
        const data = text(await rd.read());
        assert.ok(data.endsWith("\r\n\r\nTest message"), data);
        wr.close();
        // ConnectionResetError
        const error = await errorOf((async () => {
          wr.write(bytes("data"));
          await wr.drain();
        })());
        assert.equal((error as { code?: string }).code, "ECONNRESET");
        assert.deepEqual(messages, []);
      });
    });
  });

  it("test_eof_feed_when_closing_writer", async () => {
    // See http://bugs.python.org/issue35065
    await withTestServer({}, async (address) => {
      await runVirtual(async () => {
        const messages = recordMessages();
        const [rd, wr] = await openTo(address);
        wr.close();
        await wr.waitClosed();
        assert.equal(rd.atEof(), true);
        const data = await rd.read();
        assert.equal(text(data), "");
        assert.deepEqual(messages, []);
      });
    });
  });
});

describe("CPython test_streams.py: StreamTests, client handler errors", () => {
  // _basetest_unhandled_exceptions
  async function basetestUnhandledExceptions(
    handleEcho: (reader: StreamReader, writer: StreamWriter) => unknown,
  ): Promise<ExceptionContext[]> {
    return await runVirtual(async () => {
      const messages = recordMessages();
      let port = 0;

      const client = async () => {
        const [, wr] = await openConnection(HOST, port);
        wr.write(bytes("test msg"));
        await wr.drain();
        wr.close();
        await wr.waitClosed();
      };

      const server = await startServer(handleEcho, HOST, 0);
      port = portOf(server);
      await server.startServing();
      await client();
      server.close();
      await server.waitClosed();
      return messages;
    });
  }

  it("test_unhandled_exception", async () => {
    const exception = new Error("test");
    // deno-lint-ignore require-await
    const messages = await basetestUnhandledExceptions(async () => {
      throw exception;
    });
    // CPython: 'Unhandled exception in client_connected_cb'.
    assert.match(messages[0].message, /^Unhandled (exception|error) in .*/);
    assert.match(messages[0].message, /client/);
    assert.equal(messages[0].exception, exception);
  });

  it("test_unhandled_cancel", async () => {
    // deno-lint-ignore require-await
    const messages = await basetestUnhandledExceptions(async (_, writer) => {
      writer.close();
      currentTask()!.cancel();
    });
    assert.deepEqual(messages, []);
  });
});

describe("CPython test_streams.py: StreamTests, repr", () => {
  // CPython's repr(stream) is the reader's toString(), which the library
  // documents as "asyncio's repr".
  it("test___repr__", () => {
    const stream = new StreamReader();
    assert.equal(String(stream), "<StreamReader>");
  });

  it("test___repr__nondefault_limit", () => {
    const stream = new StreamReader(123);
    assert.equal(String(stream), "<StreamReader limit=123>");
  });

  it("test___repr__eof", () => {
    const stream = new StreamReader();
    stream.feedEof();
    assert.equal(String(stream), "<StreamReader eof>");
  });

  it("test___repr__data", () => {
    const stream = new StreamReader();
    stream.feedData(bytes("data"));
    assert.equal(String(stream), "<StreamReader 4 bytes>");
  });

  it("test___repr__exception", () => {
    const stream = new StreamReader();
    const exc = new RuntimeError("");
    stream.setException(exc);
    // CPython: "<StreamReader exception=RuntimeError()>".
    assert.equal(String(stream), "<StreamReader exception=RuntimeError()>");
  });

  it("test___repr__waiter", async () => {
    // CPython plants a future in the private `_waiter`; a read waiting on
    // an empty reader is the public way to get one there (replayed on
    // CPython 3.13: "<StreamReader waiter=<Future pending
    // cb=[Task.task_wakeup()]>>").
    await runVirtual(async () => {
      const stream = new StreamReader();
      const reader = createTask(() => stream.read(1));
      await sleep(0);
      assert.match(
        String(stream),
        /^<StreamReader waiter=<Future pending.*>>$/,
      );
      // CPython sets the waiter's result and runs the loop until it is
      // done; feeding data is what wakes it publicly. The waiter is gone
      // at once, the byte stays buffered until the read runs.
      stream.feedData(bytes("x"));
      assert.equal(String(stream), "<StreamReader 1 bytes>");
      assert.equal(text(await reader), "x");
      assert.equal(String(stream), "<StreamReader>");
      // A cancelled read leaves no waiter behind (CPython clears it in a
      // finally: "<StreamReader 2 bytes limit=10>" in a differential run).
      const cancelled = createTask(() => stream.read(1));
      await sleep(0);
      cancelled.cancel();
      await cancelled.catch(() => {});
      assert.equal(String(stream), "<StreamReader>");
    });
  });

  it("test___repr__transport", async () => {
    // CPython sets a mock as the private `_transport`; a reader returned by
    // openConnection() has its connection's transport (replayed on CPython
    // 3.13: "<StreamReader transport=<_SelectorSocketTransport fd=7
    // read=polling write=<idle, bufsize=0>>>").
    await runVirtual(async () => {
      const server = await startServer(
        async (_rd, wr) => {
          wr.close();
          await wr.waitClosed();
        },
        HOST,
        0,
      );
      const [rd, wr] = await openConnection(HOST, portOf(server));
      assert.equal(String(rd), `<StreamReader transport=${wr.transport}>`);
      assert.equal(text(await rd.read()), "");
      assert.equal(String(rd), `<StreamReader eof transport=${wr.transport}>`);
      wr.close();
      await wr.waitClosed();
      server.close();
      await server.waitClosed();
    });
  });
});
