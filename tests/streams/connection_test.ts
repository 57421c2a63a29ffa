import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  IncompleteReadError,
  LimitOverrunError,
  openConnection,
  type Server,
  startServer,
  type StreamReader,
  type StreamWriter,
} from "../../streams/mod.ts";
import {
  CancelledError,
  createTask,
  gather,
  getRunningLoop,
  run,
  RuntimeError,
  sleep,
} from "../../mod.ts";
import { bytes, text } from "../fixtures/bytes.ts";
import { clockHeld } from "../../internal/real_world.ts";
import { collectReports } from "../fixtures/reports.ts";
import { captureConsole } from "../fixtures/console.ts";

const HOST = "127.0.0.1";

function portOf(server: Server): number {
  return server.sockets[0].getsockname()[1];
}

/** Echoes every line back until the client sends EOF. */
async function echo(reader: StreamReader, writer: StreamWriter) {
  for await (const line of reader) {
    writer.write(line);
    await writer.drain();
  }
  writer.close();
  await writer.waitClosed();
}

async function closeWriter(writer: StreamWriter) {
  writer.close();
  await writer.waitClosed();
}

/** Yields to the loop `turns` times, letting host I/O happen in between. */
async function settle(turns = 20) {
  for (let i = 0; i < turns; i++) await sleep(0.001);
}

describe("openConnection and startServer", () => {
  it("echo: a client and a server exchange lines", async () => {
    const [lines, peer, local, port] = await run(async () => {
      await using server = await startServer(echo, HOST, 0);
      const port = portOf(server);
      const [reader, writer] = await openConnection(HOST, port);
      const lines: string[] = [];
      for (const line of ["one\n", "two\n", "three\n"]) {
        writer.write(bytes(line));
        await writer.drain();
        lines.push(text(await reader.readline()));
      }
      writer.writeEof();
      assert.equal((await reader.read()).length, 0);
      const peer = writer.getExtraInfo("peername");
      const local = writer.getExtraInfo("sockname");
      await closeWriter(writer);
      return [lines, peer, local, port];
    });
    assert.deepEqual(lines, ["one\n", "two\n", "three\n"]);
    assert.deepEqual(peer, [HOST, port]);
    assert.equal((local as [string, number])[0], HOST);
  });

  it("wget: many HTTP/1.0 requests at once against a local server", async () => {
    const results = await run(async () => {
      let served = 0;
      await using server = await startServer(
        async (reader, writer) => {
          const request = await reader.readuntil(bytes("\r\n\r\n"));
          const path = text(request).split(" ")[1];
          served++;
          writer.write(bytes(
            `HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nX-Path: ${path}\r\n\r\nbody of ${path}`,
          ));
          await closeWriter(writer);
        },
        HOST,
        0,
      );
      const port = portOf(server);
      // The seed's wget: request, drain, header lines until the blank line.
      const wget = async (path: string) => {
        const [reader, writer] = await openConnection(HOST, port);
        writer.write(bytes(`GET ${path} HTTP/1.0\r\nHost: ${HOST}\r\n\r\n`));
        await writer.drain();
        const headers: string[] = [];
        for (;;) {
          const line = text(await reader.readline()).trimEnd();
          if (line === "") break;
          headers.push(line);
        }
        const body = text(await reader.read());
        await closeWriter(writer);
        return { headers, body };
      };
      const paths = Array.from({ length: 50 }, (_, i) => `/page/${i}`);
      const pages = await gather(paths.map((path) => () => wget(path)));
      return { pages, served };
    });
    assert.equal(results.served, 50);
    results.pages.forEach((page, i) => {
      assert.deepEqual(page.headers, [
        "HTTP/1.0 200 OK",
        "Content-Type: text/plain",
        `X-Path: /page/${i}`,
      ]);
      assert.equal(page.body, `body of /page/${i}`);
    });
  });

  it("partial reads: read(n) returns what has arrived", async () => {
    const parts = await run(async () => {
      const loop = getRunningLoop();
      const more = loop.createFuture<void>();
      await using server = await startServer(
        async (_reader, writer) => {
          writer.write(bytes("abc"));
          await writer.drain();
          await more;
          writer.write(bytes("defgh"));
          await closeWriter(writer);
        },
        HOST,
        0,
      );
      const [reader, writer] = await openConnection(HOST, portOf(server));
      const first = text(await reader.read(100));
      more.setResult();
      const second = text(await reader.readexactly(2));
      const rest = text(await reader.read(100));
      const end = (await reader.read(100)).length;
      await closeWriter(writer);
      return [first, second, rest, end];
    });
    assert.deepEqual(parts, ["abc", "de", "fgh", 0]);
  });

  it("readexactly throws IncompleteReadError when the peer closes early", async () => {
    const error = await run(async () => {
      await using server = await startServer(
        async (_reader, writer) => {
          writer.write(bytes("abc"));
          await closeWriter(writer);
        },
        HOST,
        0,
      );
      const [reader, writer] = await openConnection(HOST, portOf(server));
      const error = await reader.readexactly(10).catch((e) => e);
      await closeWriter(writer);
      return error;
    });
    assert.ok(error instanceof IncompleteReadError);
    assert.equal(text(error.partial), "abc");
    assert.equal(error.expected, 10);
  });

  it("readuntil throws LimitOverrunError when a peer sends no separator", async () => {
    const [error, line] = await run(async () => {
      await using server = await startServer(
        async (_reader, writer) => {
          writer.write(bytes("x".repeat(1000) + "\nok\n"));
          await closeWriter(writer);
        },
        HOST,
        0,
      );
      const [reader, writer] = await openConnection(HOST, portOf(server), {
        limit: 64,
      });
      const error = await reader.readuntil(bytes("\n")).catch((e) => e);
      await reader.readexactly(1001);
      const line = text(await reader.readline());
      await closeWriter(writer);
      return [error, line];
    });
    assert.ok(error instanceof LimitOverrunError);
    assert.ok(error.consumed > 64);
    assert.equal(line, "ok\n");
  });

  it("1,000 concurrent connections to one server", async () => {
    const count = 1000;
    const answers = await run(async () => {
      await using server = await startServer(echo, HOST, 0, {
        backlog: count,
      });
      const port = portOf(server);
      const client = async (i: number) => {
        const [reader, writer] = await openConnection(HOST, port);
        writer.write(bytes(`client ${i}\n`));
        await writer.drain();
        const line = text(await reader.readline());
        await closeWriter(writer);
        return line;
      };
      return await gather(
        Array.from({ length: count }, (_, i) => () => client(i)),
      );
    });
    assert.equal(answers.length, count);
    answers.forEach((line, i) => assert.equal(line, `client ${i}\n`));
  });
});

describe("back-pressure and flow control", () => {
  it("a slow reader makes drain() wait; cancelling drain leaves the writer usable", async () => {
    const size = 32 * 1024 * 1024;
    const report = await run(async () => {
      const loop = getRunningLoop();
      const go = loop.createFuture<void>();
      let received = 0;
      await using server = await startServer(
        async (reader, writer) => {
          await go;
          for (;;) {
            const chunk = await reader.read(1 << 20);
            if (chunk.length === 0) break;
            received += chunk.length;
          }
          await closeWriter(writer);
        },
        HOST,
        0,
      );
      const [reader, writer] = await openConnection(HOST, portOf(server));
      writer.write(new Uint8Array(size));
      const first = createTask(() => writer.drain());
      await settle();
      const waiting = !first.done() &&
        writer.transport.getWriteBufferSize() > 0;
      const held = clockHeld(loop);
      first.cancel();
      const cancelled = await first.then(
        () => false,
        (e) => e instanceof CancelledError,
      );
      // The writer is still usable: more bytes, and a new drain.
      writer.write(new Uint8Array(1024));
      const second = createTask(() => writer.drain());
      await settle(5);
      const stillWaiting = !second.done();
      go.setResult();
      await second;
      writer.writeEof();
      assert.equal((await reader.read()).length, 0);
      await closeWriter(writer);
      return { waiting, held, cancelled, stillWaiting, received };
    });
    assert.deepEqual(report, {
      waiting: true,
      held: true,
      cancelled: true,
      stillWaiting: true,
      received: size + 1024,
    });
  });

  it("drain() as asyncio's: no yield when writable, the reader's error, the lost connection's", async () => {
    const report = await run(async () => {
      const loop = getRunningLoop();
      await using server = await startServer(
        async (reader, writer) => {
          await reader.read();
          await closeWriter(writer);
        },
        HOST,
        0,
      );
      const [, writer] = await openConnection(HOST, portOf(server));
      // Writable: drain() does not suspend, so a callback stays queued.
      let ran = false;
      loop.callSoon(() => ran = true);
      writer.write(bytes("x"));
      await writer.drain();
      const yielded = ran;
      // Closed: drain() throws that the connection was lost.
      writer.close();
      await writer.waitClosed();
      const lost = await writer.drain().then(() => null, (e) => e);
      // The reader's error comes before anything else.
      const [reader2, writer2] = await openConnection(HOST, portOf(server));
      reader2.setException(new Error("reader failed"));
      const failed = await writer2.drain().then(() => null, (e) => e);
      await closeWriter(writer2);
      return { yielded, lost: lost?.code, failed: failed?.message };
    });
    assert.deepEqual(report, {
      yielded: false,
      lost: "ECONNRESET",
      failed: "reader failed",
    });
  });

  it("the reader pauses the socket at its limit and resumes as it is read", async () => {
    const size = 8 * 1024 * 1024;
    const [total, flowing] = await run(async () => {
      const loop = getRunningLoop();
      let sent = false;
      await using server = await startServer(
        async (_reader, writer) => {
          writer.write(new Uint8Array(size));
          await writer.drain();
          sent = true;
          await closeWriter(writer);
        },
        HOST,
        0,
      );
      const [reader, writer] = await openConnection(HOST, portOf(server), {
        limit: 1024,
      });
      await reader.readexactly(1);
      // Nobody reads: the reader fills up to its limit and pauses the
      // socket, and the server cannot have sent everything.
      while (!String(reader).includes("paused")) await sleep(0.001);
      const blocked = !sent;
      let total = 1;
      while (!reader.atEof()) total += (await reader.read(4096)).length;
      await closeWriter(writer);
      return [total, blocked && !clockHeld(loop)];
    });
    assert.equal(total, size);
    assert.equal(flowing, true);
  });

  it("a cancelled socket read leaves the stream usable", async () => {
    const line = await run(async () => {
      const loop = getRunningLoop();
      const send = loop.createFuture<void>();
      await using server = await startServer(
        async (_reader, writer) => {
          await send;
          writer.write(bytes("after cancel\n"));
          await closeWriter(writer);
        },
        HOST,
        0,
      );
      const [reader, writer] = await openConnection(HOST, portOf(server));
      const reading = createTask(() => reader.readline());
      await settle(3);
      assert.equal(clockHeld(loop), true);
      reading.cancel();
      await reading.then(undefined, () => {});
      send.setResult();
      const line = text(await reader.readline());
      await closeWriter(writer);
      return line;
    });
    assert.equal(line, "after cancel\n");
  });
});

describe("Server lifecycle", () => {
  it("close() stops listening; waitClosed() waits for the clients", async () => {
    const log = await run(async () => {
      const log: string[] = [];
      const server = await startServer(echo, HOST, 0);
      const port = portOf(server);
      const [reader, writer] = await openConnection(HOST, port);
      writer.write(bytes("hi\n"));
      await reader.readline();
      server.close();
      log.push(
        `serving ${server.isServing()}, sockets ${server.sockets.length}`,
      );
      const closed = createTask(async () => {
        await server.waitClosed();
        log.push("server closed");
      });
      await settle(3);
      log.push("client closing");
      writer.writeEof();
      await reader.read();
      await closeWriter(writer);
      await closed;
      const refused = await openConnection(HOST, port).catch((e) => e.code);
      log.push(String(refused));
      return log;
    });
    assert.deepEqual(log, [
      "serving false, sockets 0",
      "client closing",
      "server closed",
      "ECONNREFUSED",
    ]);
  });

  it("serveForever() ends when the server is closed, and refuses a second call", async () => {
    const [second, outcome, again] = await run(async () => {
      const server = await startServer(() => {}, HOST, 0);
      const serving = createTask(() => server.serveForever());
      await sleep(0);
      const second = await server.serveForever().catch((e) => e);
      server.close();
      const outcome = await serving.then(
        () => "done",
        (e) => (e as Error).name,
      );
      const again = await server.serveForever().catch((e) => e);
      return [second, outcome, again];
    });
    assert.ok(second instanceof RuntimeError);
    assert.equal(outcome, "CancelledError");
    assert.ok(again instanceof RuntimeError);
  });

  it("cancelling serveForever() closes the server", async () => {
    const serving = await run(async () => {
      const server = await startServer(() => {}, HOST, 0);
      const task = createTask(() => server.serveForever());
      await sleep(0);
      task.cancel();
      await task.then(undefined, () => {});
      return server.isServing();
    });
    assert.equal(serving, false);
  });

  it("a failing handler is reported and its connection closed", async () => {
    const [reported, eof] = await run(async () => {
      const loop = getRunningLoop();
      const reported = collectReports(loop);
      await using server = await startServer(
        () => {
          throw new Error("handler bug");
        },
        HOST,
        0,
      );
      const [reader, writer] = await openConnection(HOST, portOf(server));
      const eof = (await reader.read()).length === 0;
      await closeWriter(writer);
      return [reported, eof];
    });
    assert.deepEqual(reported, [
      "Unhandled error in a startServer() client handler: handler bug",
    ]);
    assert.equal(eof, true);
  });

  it("abortClients() and closeClients() end the connections", async () => {
    const ends = await run(async () => {
      // Both handlers must have started, however slow the machine.
      const bothServed = getRunningLoop().createFuture<void>();
      let served = 0;
      const server = await startServer(
        async (reader) => {
          if (++served === 2) bothServed.setResult();
          await reader.read();
        },
        HOST,
        0,
      );
      const port = portOf(server);
      const [r1, w1] = await openConnection(HOST, port);
      const [r2, w2] = await openConnection(HOST, port);
      await bothServed;
      server.close();
      server.closeClients();
      const ends = [(await r1.read()).length, (await r2.read()).length];
      await closeWriter(w1);
      await closeWriter(w2);
      server.abortClients();
      await server.waitClosed();
      return ends;
    });
    assert.deepEqual(ends, [0, 0]);
  });
});

describe("bad input and failures", () => {
  it("a refused connection is a clear error", async () => {
    const error = await run(async () => {
      const server = await startServer(() => {}, HOST, 0);
      const port = portOf(server);
      server.close();
      await server.waitClosed();
      return await openConnection(HOST, port).catch((e) => e);
    });
    assert.equal(error.code, "ECONNREFUSED");
    assert.match(
      error.message,
      /^Cannot connect to 127\.0\.0\.1:\d+: connection refused/,
    );
  });

  it("a null host is the loopback addresses, as Python's None", async () => {
    const [echoed, peer, refused, unnamed] = await run(async () => {
      await using server = await startServer(echo, HOST, 0);
      const [reader, writer] = await openConnection(null, portOf(server));
      writer.write(bytes("hi\n"));
      const echoed = text(await reader.readline());
      const peer = writer.getExtraInfo("peername");
      writer.close();
      await writer.waitClosed();
      const port = portOf(server);
      server.close();
      await server.waitClosed();
      const refused = await openConnection(null, port).catch((e) => e);
      // Python: "You must set server_hostname when using ssl without a host".
      const unnamed = await openConnection(null, port, { ssl: true })
        .catch((e) => e);
      return [echoed, peer, refused, unnamed];
    });
    assert.equal(echoed, "hi\n");
    assert.equal(peer![0], "127.0.0.1");
    // Both loopback addresses were tried, as Python's "Multiple exceptions".
    assert.match(
      refused.message,
      /^Multiple exceptions: Cannot connect to ::1:\d+: .*, Cannot connect to 127\.0\.0\.1:\d+: /,
    );
    assert.ok(unnamed instanceof RangeError);
    assert.match(unnamed.message, /give serverHostname/);
  });

  it("an unknown host is a clear error", async () => {
    const error = await run(() =>
      openConnection("no-such-host.invalid", 80).catch((e) => e)
    );
    assert.match(error.code, /^(ENOTFOUND|EAI_AGAIN)$/);
    assert.match(
      error.message,
      /^Cannot connect to no-such-host\.invalid:80: /,
    );
  });

  it("a port in use is a clear error", async () => {
    const error = await run(async () => {
      await using server = await startServer(() => {}, HOST, 0);
      return await startServer(() => {}, HOST, portOf(server)).catch((e) => e);
    });
    assert.equal(error.code, "EADDRINUSE");
    assert.match(error.message, /address already in use/);
  });

  it("arguments are checked", async () => {
    await run(async () => {
      // @ts-expect-error: the host is a string
      await assert.rejects(openConnection(127, 80), TypeError);
      await assert.rejects(openConnection(HOST, 70000), RangeError);
      // @ts-expect-error: the port is a number
      await assert.rejects(openConnection(HOST, "80"), TypeError);
      await assert.rejects(openConnection(HOST, 80, { limit: 0 }), RangeError);
      // @ts-expect-error: the handler is a function
      await assert.rejects(startServer("nope", HOST, 0), TypeError);
      await assert.rejects(startServer(() => {}, HOST, -1), RangeError);
    });
    await assert.rejects(openConnection(HOST, 80), RuntimeError);
  });

  it("writes are checked: bytes only, dropped after close()", async () => {
    await run(async () => {
      await using server = await startServer(echo, HOST, 0);
      const [, writer] = await openConnection(HOST, portOf(server));
      // @ts-expect-error: a string is not bytes
      assert.throws(() => writer.write("text"), TypeError);
      writer.close();
      assert.equal(writer.isClosing(), true);
      // As asyncio's transports: no error, nothing sent.
      writer.write(bytes("late"));
      writer.writeEof();
      await writer.waitClosed();
      writer.write(bytes("later"));
      await assert.rejects(writer.drain(), { code: "ECONNRESET" });
    });
  });

  it("warns at each write dropped from the fifth on, as asyncio's transports", async () => {
    // CPython 3.13 logs "socket.send() raised exception." three times here.
    const warnings = await captureConsole("warn", () =>
      run(async () => {
        await using server = await startServer(echo, HOST, 0);
        const [, writer] = await openConnection(HOST, portOf(server));
        writer.close();
        await writer.waitClosed();
        for (let i = 0; i < 7; i++) writer.write(bytes("lost"));
      }));
    assert.deepEqual(
      warnings,
      Array(3).fill("socket.send() raised exception."),
    );
  });

  it("refuses a write after writeEof()", async () => {
    await run(async () => {
      await using server = await startServer(echo, HOST, 0);
      const [reader, writer] = await openConnection(HOST, portOf(server));
      writer.write(bytes("last"));
      writer.writeEof();
      assert.throws(() => writer.write(bytes("more")), RuntimeError);
      assert.equal(text(await reader.read()), "last");
      writer.close();
      await writer.waitClosed();
    });
  });

  it("cancelling openConnection leaves nothing behind", async () => {
    const [outcome, clients] = await run(async () => {
      let clients = 0;
      // Ends once the cancelled client's socket is closed.
      await using server = await startServer(
        async (reader, writer) => {
          clients++;
          await reader.read();
          writer.close();
        },
        HOST,
        0,
      );
      const connecting = createTask(() => openConnection(HOST, portOf(server)));
      await sleep(0);
      connecting.cancel();
      const outcome = await connecting.then(
        () => "connected",
        (e) => (e as Error).name,
      );
      await settle(3);
      return [outcome, clients];
    });
    assert.equal(outcome, "CancelledError");
    assert.ok(clients <= 1);
  });
});
