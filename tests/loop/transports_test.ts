import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { Buffer } from "node:buffer";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import {
  BufferedProtocol,
  createTask,
  type EventLoop,
  getRunningLoop,
  Protocol,
  run,
  RuntimeError,
  type Server,
  sleep,
  type Transport,
} from "../../mod.ts";
import type { Future } from "../../tasks/future.ts";
import { bytes, text } from "../fixtures/bytes.ts";
import { reusePortSupported } from "../../internal/socket_host.ts";
import { internals } from "../../loop/_transport_internals.ts";
import type { StreamTransport } from "../../loop/socket_transport.ts";
import { tempDir } from "../fixtures/temp_dir.ts";
import { collectReports } from "../fixtures/reports.ts";

const HOST = "127.0.0.1";

function portOf(server: Server): number {
  return server.sockets[0].getsockname()[1];
}

function tempPath(name: string): string {
  const dir = tempDir("aio-transports-");
  return path.join(dir, name);
}

/** A protocol that records every callback, in order. */
class Recorder extends Protocol {
  readonly events: string[] = [];
  transport: Transport | null = null;
  readonly lost: Future<Error | null>;
  keepOpenOnEof = false;

  constructor(loop: EventLoop = getRunningLoop()) {
    super();
    this.lost = loop.createFuture<Error | null>();
  }

  override connectionMade(transport: Transport) {
    this.transport = transport;
    this.events.push("made");
  }

  override dataReceived(data: Uint8Array) {
    this.events.push(`data ${text(data)}`);
  }

  override eofReceived() {
    this.events.push("eof");
    return this.keepOpenOnEof;
  }

  override connectionLost(error: Error | null) {
    this.events.push(`lost ${error === null ? "null" : error.message}`);
    this.lost.setResult(error);
  }

  override pauseWriting() {
    this.events.push("pause");
  }

  override resumeWriting() {
    this.events.push("resume");
  }
}

/** A recorder that knows when `wanted` bytes have arrived. */
class Receiver extends Recorder {
  received = "";
  readonly complete: Future<void>;

  constructor(readonly wanted: number) {
    super();
    this.complete = getRunningLoop().createFuture<void>();
  }

  override dataReceived(data: Uint8Array) {
    super.dataReceived(data);
    this.received += text(data);
    if (this.received.length >= this.wanted && !this.complete.done()) {
      this.complete.setResult();
    }
  }
}

/** Returns once the loop callbacks queued before this call have run. */
async function queuedCallbacksRun(loop: EventLoop): Promise<void> {
  const marker = loop.createFuture<void>();
  loop.callSoon(() => marker.setResult());
  await marker;
}

/** A server protocol that echoes and closes on EOF. */
class Echo extends Protocol {
  transport: Transport | null = null;
  override connectionMade(transport: Transport) {
    this.transport = transport;
  }
  override dataReceived(data: Uint8Array) {
    this.transport!.write(data);
  }
}

describe("createConnection and createServer", () => {
  it("calls the protocol in order: made, data, eof, lost", async () => {
    const [events, madeBeforeReturn] = await run(async () => {
      const loop = getRunningLoop();
      await using server = await loop.createServer(
        () => new Echo(),
        HOST,
        0,
      );
      const [transport, client] = await loop.createConnection(
        () => new Recorder(),
        HOST,
        portOf(server),
      );
      const madeBeforeReturn = client.events.join();
      transport.write(bytes("one"));
      while (!client.events.some((e) => e.startsWith("data"))) await sleep(0);
      transport.writeEof();
      await client.lost;
      return [client.events, madeBeforeReturn];
    });
    assert.equal(madeBeforeReturn, "made");
    assert.equal(events[0], "made");
    assert.equal(events.slice(1, -2).map((e) => e.slice(5)).join(""), "one");
    assert.deepEqual(events.slice(-2), ["eof", "lost null"]);
  });

  it("a protocol is never called from inside a transport method", async () => {
    const nested = await run(async () => {
      const loop = getRunningLoop();
      let inside = false;
      let nested = 0;
      const lost = loop.createFuture<void>();
      class Watcher extends Protocol {
        override dataReceived() {
          if (inside) nested++;
        }
        override eofReceived() {
          if (inside) nested++;
        }
        override connectionLost() {
          if (inside) nested++;
          lost.setResult();
        }
      }
      await using server = await loop.createServer(
        () => new Echo(),
        HOST,
        0,
      );
      const [transport] = await loop.createConnection(
        () => new Watcher(),
        HOST,
        portOf(server),
      );
      for (let i = 0; i < 20; i++) {
        inside = true;
        transport.write(bytes(`chunk ${i}`));
        inside = false;
        await sleep(0);
      }
      inside = true;
      transport.writeEof();
      transport.close();
      inside = false;
      await lost;
      return nested;
    });
    assert.equal(nested, 0);
  });

  it("eofReceived returning true keeps the connection open for writing", async () => {
    const reply = await run(async () => {
      const loop = getRunningLoop();
      class HalfClose extends Protocol {
        transport: Transport | null = null;
        override connectionMade(transport: Transport) {
          this.transport = transport;
        }
        override eofReceived() {
          // The peer is done: answer after its EOF, then close.
          this.transport!.write(bytes("after eof"));
          this.transport!.close();
          return true;
        }
      }
      await using server = await loop.createServer(
        () => new HalfClose(),
        HOST,
        0,
      );
      const [transport, client] = await loop.createConnection(
        () => new Recorder(),
        HOST,
        portOf(server),
      );
      client.keepOpenOnEof = true;
      transport.writeEof();
      assert.equal(transport.canWriteEof(), true);
      while (!client.events.includes("eof")) await sleep(0.001);
      // Both halves have ended, and the client kept its transport open: as
      // in asyncio 3.13 it stays open, and the peer's address known, until
      // close() (CPython: no connection_lost within 0.5 s, is_closing False).
      await sleep(0.05);
      const open = [transport.isClosing(), client.events.length];
      const peer = transport.getExtraInfo("peername");
      transport.close();
      await client.lost;
      return [client.events, open, peer];
    });
    const [events, open, peer] = reply;
    assert.deepEqual(events, ["made", "data after eof", "eof", "lost null"]);
    assert.deepEqual(open, [false, 3]);
    assert.ok(Array.isArray(peer));
  });

  it("pauseReading() stops dataReceived until resumeReading(), nothing lost", async () => {
    const [whilePaused, received] = await run(async () => {
      const loop = getRunningLoop();
      await using server = await loop.createServer(
        () => new Echo(),
        HOST,
        0,
      );
      const expected = "early," +
        Array.from({ length: 50 }, (_, i) => `${i},`).join("");
      const [transport, client] = await loop.createConnection(
        () => new Receiver(expected.length),
        HOST,
        portOf(server),
      );
      transport.pauseReading();
      assert.equal(transport.isReading(), false);
      for (let i = 0; i < 50; i++) transport.write(bytes(`${i},`));
      // Bytes the host reports while reading is paused are held, not given
      // to the protocol: the loop callbacks they became have run once a
      // callback queued after them has.
      internals.streamEvents(transport as StreamTransport).onData(
        bytes("early,"),
      );
      await queuedCallbacksRun(loop);
      const whilePaused = client.events.length;
      transport.resumeReading();
      await client.complete;
      transport.close();
      await client.lost;
      return [whilePaused, client.received === expected];
    });
    assert.equal(whilePaused, 1); // only "made"
    assert.equal(received, true);
  });

  it("pauseWriting above the high-water mark, resumeWriting at the low one", async () => {
    const [events, sizes, limits] = await run(async () => {
      const loop = getRunningLoop();
      const serverSide = loop.createFuture<Transport>();
      class Slow extends Protocol {
        override connectionMade(transport: Transport) {
          transport.pauseReading();
          serverSide.setResult(transport);
        }
      }
      await using server = await loop.createServer(() => new Slow(), HOST, 0);
      const [transport, client] = await loop.createConnection(
        () => new Recorder(),
        HOST,
        portOf(server),
      );
      transport.setWriteBufferLimits(64 * 1024, 16 * 1024);
      const limits = transport.getWriteBufferLimits();
      const peer = await serverSide;
      const chunk = new Uint8Array(64 * 1024);
      let writes = 0;
      while (!client.events.includes("pause")) {
        transport.write(chunk);
        if (++writes % 16 === 0) await sleep(0);
        assert.ok(writes < 10_000, "the peer's buffers never filled");
      }
      const sizes = [transport.getWriteBufferSize()];
      peer.resumeReading();
      while (!client.events.includes("resume")) await sleep(0.001);
      sizes.push(transport.getWriteBufferSize());
      transport.abort();
      await client.lost;
      return [client.events, sizes, limits];
    });
    assert.deepEqual(limits, [16 * 1024, 64 * 1024]);
    assert.deepEqual(events, ["made", "pause", "resume", "lost null"]);
    assert.ok(sizes[0] > 64 * 1024, `paused at ${sizes[0]}`);
    assert.ok(sizes[1] <= 16 * 1024, `resumed at ${sizes[1]}`);
  });

  it("write() sends a copy: the caller may reuse its buffer, a Node Buffer too", async () => {
    const size = 8 * 1024 * 1024;
    const [received, changed] = await run(async () => {
      const loop = getRunningLoop();
      const serverSide = loop.createFuture<Transport>();
      const done = loop.createFuture<[number, number]>();
      let received = 0;
      let changed = 0;
      class Counter extends Protocol {
        override connectionMade(transport: Transport) {
          transport.pauseReading();
          serverSide.setResult(transport);
        }
        override dataReceived(data: Uint8Array) {
          for (const byte of data) if (byte !== 1) changed++;
          received += data.length;
          if (received === size) done.setResult([received, changed]);
        }
      }
      await using server = await loop.createServer(
        () => new Counter(),
        HOST,
        0,
      );
      const [transport] = await loop.createConnection(
        () => new Protocol(),
        HOST,
        portOf(server),
      );
      const peer = await serverSide;
      // Too much for the socket's buffers: most of it waits in the host.
      const data = Buffer.alloc(size, 1);
      transport.write(data);
      data.fill(2);
      peer.resumeReading();
      const result = await done;
      transport.close();
      return result;
    });
    assert.equal(received, size);
    assert.equal(changed, 0);
  });

  it("a dataReceived that throws closes that connection, is reported, and the server goes on", async () => {
    const [reported, lostWith, second] = await run(async () => {
      const loop = getRunningLoop();
      const reported = collectReports(loop);
      const serverLost = loop.createFuture<Error | null>();
      let first = true;
      class Buggy extends Echo {
        readonly #fail = first;
        override dataReceived(data: Uint8Array) {
          if (this.#fail) throw new Error("protocol bug");
          super.dataReceived(data);
        }
        override connectionLost(error: Error | null) {
          if (this.#fail) serverLost.setResult(error);
        }
      }
      await using server = await loop.createServer(
        () => {
          const protocol = new Buggy();
          first = false;
          return protocol;
        },
        HOST,
        0,
      );
      const [t1, c1] = await loop.createConnection(
        () => new Recorder(),
        HOST,
        portOf(server),
      );
      t1.write(bytes("boom"));
      const lostWith = (await serverLost)?.message;
      await c1.lost;
      const [t2, c2] = await loop.createConnection(
        () => new Recorder(),
        HOST,
        portOf(server),
      );
      t2.write(bytes("fine"));
      while (c2.events.length < 2) await sleep(0.001);
      t2.close();
      await c2.lost;
      return [reported, lostWith, c2.events[1]];
    });
    assert.deepEqual(reported, [
      "Fatal error: protocol.dataReceived() call failed: protocol bug",
    ]);
    assert.equal(lostWith, "protocol bug");
    assert.equal(second, "data fine");
  });

  it("a connectionMade that throws is reported and leaves the connection open, as asyncio's", async () => {
    // CPython 3.13 calls connection_made as a loop callback: its error
    // reaches the exception handler, and the bytes still flow.
    const [reported, echoed] = await run(async () => {
      const loop = getRunningLoop();
      const reported = collectReports(loop);
      class Careless extends Echo {
        override connectionMade(transport: Transport) {
          super.connectionMade(transport);
          throw new Error("made badly");
        }
      }
      await using server = await loop.createServer(
        () => new Careless(),
        HOST,
        0,
      );
      const [transport, client] = await loop.createConnection(
        () => new Recorder(),
        HOST,
        portOf(server),
      );
      transport.write(bytes("still here"));
      while (client.events.length < 2) await sleep(0.001);
      transport.close();
      await client.lost;
      return [reported, client.events[1]];
    });
    assert.deepEqual(reported, [
      "Exception in callback Careless.connectionMade(): made badly",
    ]);
    assert.equal(echoed, "data still here");
  });

  it("a connectionLost that throws is reported under the protocol's name, and the next connection works", async () => {
    const reported = await run(async () => {
      const loop = getRunningLoop();
      const reported = collectReports(loop);
      class Sore extends Recorder {
        override connectionLost(error: Error | null) {
          super.connectionLost(error);
          throw new Error("lost badly");
        }
      }
      await using server = await loop.createServer(() => new Echo(), HOST, 0);
      for (let i = 0; i < 2; i++) {
        const [transport, client] = await loop.createConnection(
          () => new Sore(),
          HOST,
          portOf(server),
        );
        transport.close();
        await client.lost;
      }
      await sleep(0);
      return reported;
    });
    assert.deepEqual(reported, [
      "Exception in callback Sore.connectionLost(): lost badly",
      "Exception in callback Sore.connectionLost(): lost badly",
    ]);
  });

  it("a BufferedProtocol's failing getBuffer or bufferUpdated is a fatal error that names it", async () => {
    // CPython 3.13: "Fatal error: protocol.get_buffer() call failed." and
    // connection_lost(RuntimeError('get_buffer() returned an empty buffer')).
    const outcomes = await run(async () => {
      const loop = getRunningLoop();
      const reported = collectReports(loop);
      const lost: string[] = [];
      class Faulty extends BufferedProtocol {
        constructor(readonly fault: "empty" | "updated") {
          super();
        }
        override getBuffer() {
          return new Uint8Array(this.fault === "empty" ? 0 : 10);
        }
        override bufferUpdated() {
          throw new Error("cannot take it");
        }
        override connectionLost(error: Error | null) {
          lost.push(String(error?.message));
        }
      }
      await using server = await loop.createServer(() => new Echo(), HOST, 0);
      for (const [i, fault] of (["empty", "updated"] as const).entries()) {
        const [transport] = await loop.createConnection(
          () => new Faulty(fault),
          HOST,
          portOf(server),
        );
        transport.write(bytes("ping"));
        while (lost.length === i) await sleep(0.001);
        transport.close();
      }
      await sleep(0);
      return [reported, lost];
    });
    assert.deepEqual(outcomes, [
      [
        "Fatal error: protocol.getBuffer() call failed: getBuffer() returned an empty buffer",
        "Fatal error: protocol.bufferUpdated() call failed: cannot take it",
      ],
      ["getBuffer() returned an empty buffer", "cannot take it"],
    ]);
  });

  it("a BufferedProtocol reads into the buffers it gives", async () => {
    const [total, sample, hints] = await run(async () => {
      const loop = getRunningLoop();
      const size = 200_000;
      const done = loop.createFuture<void>();
      class Collect extends BufferedProtocol {
        readonly buffer = new Uint8Array(1000);
        readonly received: number[] = [];
        hints = 0;
        override getBuffer(sizeHint: number) {
          if (sizeHint > 0) this.hints++;
          return this.buffer;
        }
        override bufferUpdated(n: number) {
          for (let i = 0; i < n; i++) this.received.push(this.buffer[i]);
        }
        override eofReceived() {
          done.setResult();
        }
      }
      class Send extends Protocol {
        override connectionMade(transport: Transport) {
          const data = new Uint8Array(size);
          for (let i = 0; i < size; i++) data[i] = i % 251;
          transport.write(data);
          transport.close();
        }
      }
      await using server = await loop.createServer(() => new Send(), HOST, 0);
      const [transport, protocol] = await loop.createConnection(
        () => new Collect(),
        HOST,
        portOf(server),
      );
      await done;
      transport.close();
      return [
        protocol.received.length,
        protocol.received.slice(size - 3),
        protocol.hints,
      ];
    });
    assert.equal(total, 200_000);
    assert.deepEqual(sample, [
      199_997 % 251,
      199_998 % 251,
      199_999 % 251,
    ]);
    assert.ok(hints >= 200);
  });

  it("write() checks its argument and refuses after writeEof()", async () => {
    const received = await run(async () => {
      const loop = getRunningLoop();
      const done = loop.createFuture<string>();
      class Collect extends Protocol {
        data = "";
        override dataReceived(data: Uint8Array) {
          this.data += text(data);
        }
        override eofReceived() {
          done.setResult(this.data);
        }
      }
      await using server = await loop.createServer(
        () => new Collect(),
        HOST,
        0,
      );
      const [transport, client] = await loop.createConnection(
        () => new Recorder(),
        HOST,
        portOf(server),
      );
      transport.write(bytes("first"));
      transport.writelines([bytes(" second"), bytes(" third")]);
      // @ts-expect-error: text is not bytes
      assert.throws(() => transport.write("text"), TypeError);
      transport.writeEof();
      assert.throws(() => transport.write(bytes("late")), RuntimeError);
      const received = await done;
      transport.close();
      await client.lost;
      return received;
    });
    assert.equal(received, "first second third");
  });

  it("abort() drops what is buffered and calls connectionLost(null)", async () => {
    const [events, closing, buffered] = await run(async () => {
      const loop = getRunningLoop();
      await using server = await loop.createServer(
        () => new Protocol(),
        HOST,
        0,
      );
      const [transport, client] = await loop.createConnection(
        () => new Recorder(),
        HOST,
        portOf(server),
      );
      transport.write(new Uint8Array(4 * 1024 * 1024));
      transport.abort();
      const closing = transport.isClosing();
      // Python's is 0: nothing is left to send (Node counted the drop).
      const buffered = transport.getWriteBufferSize();
      await client.lost;
      transport.abort();
      transport.close();
      return [client.events, closing, buffered];
    });
    assert.equal(closing, true);
    assert.equal(buffered, 0);
    // The 4 MiB went over the high-water mark first, as in asyncio.
    assert.deepEqual(events, ["made", "pause", "lost null"]);
  });

  it("water marks are checked as Python checks them", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      await using server = await loop.createServer(
        () => new Protocol(),
        HOST,
        0,
      );
      const [transport, client] = await loop.createConnection(
        () => new Recorder(),
        HOST,
        portOf(server),
      );
      assert.deepEqual(transport.getWriteBufferLimits(), [16384, 65536]);
      transport.setWriteBufferLimits(null, 100);
      assert.deepEqual(transport.getWriteBufferLimits(), [100, 400]);
      assert.throws(() => transport.setWriteBufferLimits(10, 20), RangeError);
      assert.throws(() => transport.setWriteBufferLimits(-1), RangeError);
      assert.throws(
        () => transport.setWriteBufferLimits("big" as never),
        TypeError,
      );
      assert.deepEqual(transport.getExtraInfo("peername"), [
        HOST,
        portOf(server),
      ]);
      const socket = transport.getExtraInfo("socket") as {
        family: number;
        getpeername(): unknown;
      };
      assert.equal(socket.family, 2);
      assert.equal(transport.getExtraInfo("nothing", "default"), "default");
      assert.equal(transport.getExtraInfo("peercert"), null);
      transport.close();
      await client.lost;
    });
  });

  it("startServing: false queues clients until startServing()", async () => {
    const [before, after] = await run(async () => {
      const loop = getRunningLoop();
      let made = 0;
      const served = loop.createFuture<void>();
      class Count extends Protocol {
        override connectionMade() {
          made++;
          if (!served.done()) served.setResult();
        }
      }
      await using server = await loop.createServer(() => new Count(), HOST, 0, {
        startServing: false,
      });
      assert.equal(server.isServing(), false);
      const [transport, client] = await loop.createConnection(
        () => new Recorder(),
        HOST,
        portOf(server),
      );
      // A round trip through a serving server, begun after that client
      // connected: had the first server served it, its protocol would
      // have been made first.
      await using witness = await loop.createServer(() => new Echo(), HOST, 0);
      const [echoed, echo] = await loop.createConnection(
        () => new Receiver(1),
        HOST,
        portOf(witness),
      );
      echoed.write(bytes("!"));
      await echo.complete;
      echoed.close();
      await echo.lost;
      const before = made;
      await server.startServing();
      assert.equal(server.isServing(), true);
      await served;
      transport.close();
      await client.lost;
      return [before, made];
    });
    assert.deepEqual([before, after], [0, 1]);
  });

  it("startServing() lets the loop run one iteration, as asyncio's does", async () => {
    // CPython 3.13 prints "other ran" before "after start_serving".
    const order = await run(async () => {
      const order: string[] = [];
      const loop = getRunningLoop();
      await using server = await loop.createServer(
        () => new Protocol(),
        "127.0.0.1",
        0,
        { startServing: false },
      );
      createTask(async () => {
        order.push("other ran");
      });
      await server.startServing();
      order.push("after startServing");
      return order;
    });
    assert.deepEqual(order, ["other ran", "after startServing"]);
  });

  it("options are checked", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const factory = () => new Protocol();
      await assert.rejects(
        loop.createConnection(factory, HOST, 1, { nope: 1 } as never),
        /createConnection\(\) has no option "nope"/,
      );
      await assert.rejects(
        loop.createServer(factory, HOST, 0, { nope: 1 } as never),
        /createServer\(\) has no option "nope"/,
      );
      await assert.rejects(
        loop.createConnection(factory, HOST, 1, { family: 4 }),
        RangeError,
      );
      await assert.rejects(
        loop.createConnection(factory, HOST, 1, { localAddr: HOST as never }),
        TypeError,
      );
      await assert.rejects(
        loop.createServer(factory, HOST, 0, { reuseAddress: false }),
        { name: "RangeError", message: /reuseAddress: false is not supported/ },
      );
      await assert.rejects(
        loop.createServer(factory, HOST, 0, { backlog: -1 }),
        RangeError,
      );
      await assert.rejects(
        loop.createConnection("nope" as never, HOST, 1),
        TypeError,
      );
    });
  });

  it("localAddr, family and keepAlive shape the connection", async () => {
    const [local, family] = await run(async () => {
      const loop = getRunningLoop();
      await using server = await loop.createServer(
        () => new Protocol(),
        null,
        0,
        { family: 2, keepAlive: true },
      );
      const [transport, client] = await loop.createConnection(
        () => new Recorder(),
        "localhost",
        portOf(server),
        { family: 2, localAddr: [HOST, 0], keepAlive: true },
      );
      const local = transport.getExtraInfo("sockname") as [string, number];
      const family = (transport.getExtraInfo("socket") as { family: number })
        .family;
      transport.close();
      await client.lost;
      return [local, family];
    });
    assert.equal(local[0], HOST);
    assert.equal(family, 2);
  });

  it("an IPv6 address has four parts, as Python's tuple", async () => {
    // CPython 3.13: ('::1', port, 0, 0) for peername, sockname and the
    // server's socket; ('127.0.0.1', port) over IPv4.
    const [server4, peer, local, listening] = await run(async () => {
      const loop = getRunningLoop();
      await using server = await loop.createServer(() => new Echo(), "::1", 0);
      const listening = server.sockets[0].getsockname() as unknown[];
      const [transport, client] = await loop.createConnection(
        () => new Recorder(),
        "::1",
        listening[1] as number,
      );
      const peer = transport.getExtraInfo("peername");
      const local = transport.getExtraInfo("sockname") as unknown[];
      transport.close();
      await client.lost;
      // An address a socket gave is one to bind to, as in Python.
      const [again, againClient] = await loop.createConnection(
        () => new Recorder(),
        "::1",
        listening[1] as number,
        { localAddr: ["::1", 0, 0, 0] },
      );
      again.close();
      await againClient.lost;
      await using server4 = await loop.createServer(() => new Echo(), HOST, 0);
      return [server4.sockets[0].getsockname(), peer, local, listening];
    });
    assert.deepEqual(listening, ["::1", listening[1], 0, 0]);
    assert.deepEqual(peer, ["::1", listening[1], 0, 0]);
    assert.deepEqual([local[0], local.length], ["::1", 4]);
    assert.equal((server4 as unknown[]).length, 2);
  });

  it("a server's family is kept with a host: an address of another family is an error", async () => {
    // CPython 3.13: create_server(P, "::1", 0, family=AF_INET) raises
    // gaierror "Address family for hostname not supported".
    const [refused, listened] = await run(async () => {
      const loop = getRunningLoop();
      const factory = () => new Protocol();
      const refused = await loop.createServer(factory, "::1", 0, { family: 2 })
        .catch((e) => e);
      await using server = await loop.createServer(factory, "localhost", 0, {
        family: 2,
      });
      const listened = server.sockets.map((socket) =>
        (socket.getsockname() as [string, number])[0]
      );
      return [refused, listened];
    });
    assert.equal(refused.code, "EAI_ADDRFAMILY");
    assert.match(refused.message, /^Cannot listen on ::1:0: /);
    assert.deepEqual(listened, ["127.0.0.1"]);
  });

  it("reusePort lets two servers share a port where the runtime can", async () => {
    const outcome = await run(async () => {
      const loop = getRunningLoop();
      const factory = () => new Protocol();
      const first = await loop.createServer(factory, HOST, 0, {
        reusePort: true,
      }).catch((e) => e);
      if (first instanceof Error) return first;
      const second = await loop.createServer(factory, HOST, portOf(first), {
        reusePort: true,
      });
      const shared = portOf(second) === portOf(first);
      first.close();
      second.close();
      return shared;
    });
    if (reusePortSupported()) assert.equal(outcome, true);
    else {
      assert.ok(outcome instanceof RangeError);
      assert.match(outcome.message, /reusePort is not supported/);
    }
  });
});

describe("Unix sockets and accepted sockets", () => {
  it("createUnixServer and createUnixConnection exchange bytes", async () => {
    const socketPath = tempPath("echo.sock");
    const [events, peer, local] = await run(async () => {
      const loop = getRunningLoop();
      await using server = await loop.createUnixServer(
        () => new Echo(),
        socketPath,
      );
      assert.equal(server.sockets[0].getsockname(), socketPath);
      const [transport, client] = await loop.createUnixConnection(
        () => new Recorder(),
        socketPath,
      );
      transport.write(bytes("unix"));
      while (client.events.length < 2) await sleep(0.001);
      const peer = transport.getExtraInfo("peername");
      const local = transport.getExtraInfo("sockname");
      transport.close();
      await client.lost;
      return [client.events, peer, local];
    });
    assert.deepEqual(events, ["made", "data unix", "lost null"]);
    assert.equal(peer, socketPath);
    assert.equal(local, "");
  });

  it("a stale socket is replaced; a regular file at the path is an error", async () => {
    const socketPath = tempPath("stale.sock");
    const filePath = tempPath("file");
    fs.writeFileSync(filePath, "not a socket");
    // A server that died without cleaning up leaves its socket file behind.
    execFileSync("python3", [
      "-c",
      "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])",
      socketPath,
    ]);
    assert.ok(fs.statSync(socketPath).isSocket());
    const [replaced, error] = await run(async () => {
      const loop = getRunningLoop();
      const server = await loop.createUnixServer(
        () => new Protocol(),
        socketPath,
      );
      const replaced = server.sockets[0].getsockname();
      server.close();
      const error = await loop.createUnixServer(() => new Protocol(), filePath)
        .catch((e) => e);
      return [replaced, error];
    });
    assert.equal(replaced, socketPath);
    assert.equal(error.code, "EADDRINUSE");
    assert.match(error.message, /a file that is not a socket is there/);
    assert.equal(fs.readFileSync(filePath, "utf8"), "not a socket");
  });

  it("connectAcceptedSocket wraps a socket accepted by node:net, also one its owner paused", async () => {
    /** Sends `text` through an adopted socket, paused first if `pause`. */
    const echoThroughAdopted = async (text: string, pause: boolean) => {
      const loop = getRunningLoop();
      const accepted = loop.createFuture<net.Socket>();
      const host = net.createServer((socket) => {
        if (pause) socket.pause();
        accepted.setResult(socket);
      });
      await new Promise<void>((resolve) => host.listen(0, HOST, resolve));
      const { port } = host.address() as net.AddressInfo;
      const [transport, client] = await loop.createConnection(
        () => new Recorder(),
        HOST,
        port,
      );
      const [serverTransport] = await loop.connectAcceptedSocket(
        () => new Echo(),
        await accepted,
      );
      transport.write(bytes(text));
      for (let i = 0; i < 10_000 && client.events.length < 2; i++) {
        await sleep(0.001);
      }
      transport.close();
      serverTransport.close();
      host.close();
      return client.events[1];
    };
    const received = await run(async () => {
      const loop = getRunningLoop();
      await assert.rejects(
        loop.connectAcceptedSocket(() => new Protocol(), {}),
        TypeError,
      );
      return [
        await echoThroughAdopted("adopted", false),
        await echoThroughAdopted("paused", true),
      ];
    });
    assert.deepEqual(received, ["data adopted", "data paused"]);
  });
});
