/**
 * A reader keeps a chunk its socket received as it is, and a read that
 * takes such a chunk whole returns it without a copy. These tests prove
 * that the bytes a program got can never change afterwards, and that no
 * one else holds the memory behind them.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import process from "node:process";
import { PassThrough } from "node:stream";
import {
  createSslContext,
  openConnection,
  type Server,
  startServer,
  StreamReader,
  type StreamWriter,
} from "../../streams/mod.ts";
import { getRunningLoop, Protocol, run, sleep } from "../../mod.ts";
import {
  claimHostChunk,
  type HostStream,
  offerHostChunk,
  wrapStream,
} from "../../internal/stream_host.ts";
import { StreamTransport } from "../../loop/socket_transport.ts";
import { internals as transportInternals } from "../../loop/_transport_internals.ts";
import { internals } from "../../streams/_internals.ts";
import { bytes, text } from "../fixtures/bytes.ts";
import { testCerts } from "./fixtures/certs.ts";

const HOST = "127.0.0.1";
const SIZES = [1, 700, 65536, 3, 200_000, 16_384, 5, 100_000];

/**
 * The bytes the peer sends, in writes of SIZES: a hash of the offset, so
 * that no run of them repeats and a shifted or stale byte shows.
 */
function pattern(): Uint8Array {
  const total = SIZES.reduce((a, b) => a + b, 0);
  return Uint8Array.from(
    { length: total },
    (_, i) => Math.imul(i + 1, 0x9e3779b1) >>> 24,
  );
}

/**
 * Feeds `chunk` as a socket's transport and its stream protocol do: taken
 * without a copy if it is on offer.
 */
function feedFromHost(reader: StreamReader, chunk: Uint8Array): void {
  offerHostChunk(chunk);
  internals.feed(reader, chunk, claimHostChunk(chunk));
  offerHostChunk(null);
}

function portOf(server: Server): number {
  return server.sockets[0].getsockname()[1];
}

/** A server that sends `pattern()` in writes of SIZES, reusing its buffer. */
async function sendingServer(ssl?: ReturnType<typeof createSslContext>) {
  const sent = pattern();
  return await startServer(
    async (_reader, writer: StreamWriter) => {
      const scratch = new Uint8Array(Math.max(...SIZES));
      let at = 0;
      for (const size of SIZES) {
        scratch.set(sent.subarray(at, at + size));
        writer.write(scratch.subarray(0, size));
        // The sender's buffer is overwritten: what was sent must not change.
        scratch.fill(0xee);
        at += size;
        await writer.drain();
        await sleep(0);
      }
      writer.close();
    },
    HOST,
    0,
    { ssl },
  );
}

type Read = (reader: StreamReader) => Promise<Uint8Array>;

/** Reads of every kind in turn, until the end of the stream. */
const READS: Read[] = [
  (reader) => reader.read(65536),
  (reader) => reader.read(10),
  (reader) => reader.readexactly(3).catch((error) => error.partial),
  (reader) => reader.read(300_000),
  (reader) =>
    reader.readuntil(new Uint8Array([0])).catch((error) =>
      error.partial ?? reader.read(1)
    ),
  (reader) => reader.read(16_384),
];

async function readAll(
  ssl: [
    ReturnType<typeof createSslContext>,
    ReturnType<typeof createSslContext>,
  ] | [],
  onRead: (data: Uint8Array) => void,
): Promise<void> {
  const [serverSsl, clientSsl] = ssl;
  await using server = await sendingServer(serverSsl);
  const [reader, writer] = await openConnection(HOST, portOf(server), {
    ssl: clientSsl,
  });
  for (let i = 0;; i++) {
    const data = await READS[i % READS.length](reader);
    if (data.length === 0 && reader.atEof()) break;
    onRead(data);
  }
  writer.close();
  await writer.waitClosed();
}

function concat(parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

function tlsContexts(): [
  ReturnType<typeof createSslContext>,
  ReturnType<typeof createSslContext>,
] {
  const certs = testCerts();
  return [
    createSslContext({
      purpose: "clientAuth",
      cert: certs.serverCert,
      key: certs.serverKey,
    }),
    createSslContext({ ca: certs.ca }),
  ];
}

for (const secure of [false, true]) {
  const over = secure ? "over TLS" : "over TCP";
  describe(`what a reader returns ${over}`, () => {
    it("never changes afterwards, while later chunks arrive", async () => {
      const kept: Uint8Array[] = [];
      await run(() =>
        readAll(secure ? tlsContexts() : [], (data) => kept.push(data))
      );
      assert.deepEqual(concat(kept), pattern());
    });

    it("is an array over memory of its own: giving it away leaves the reader whole", async () => {
      const copies: Uint8Array[] = [];
      await run(() =>
        readAll(secure ? tlsContexts() : [], (data) => {
          assert.equal(data.byteOffset, 0);
          assert.equal(data.buffer.byteLength, data.length);
          copies.push(data.slice());
          // Transferring detaches the memory: anything sharing it would
          // be emptied, the bytes still buffered in the reader included.
          structuredClone(data, { transfer: [data.buffer as ArrayBuffer] });
          assert.equal(data.length, 0);
        })
      );
      assert.deepEqual(concat(copies), pattern());
    });

    it("can be changed by the program without changing the next reads", async () => {
      const copies: Uint8Array[] = [];
      await run(() =>
        readAll(secure ? tlsContexts() : [], (data) => {
          copies.push(data.slice());
          data.fill(0xaa);
        })
      );
      assert.deepEqual(concat(copies), pattern());
    });
  });
}

describe("feedData() and a protocol's chunks", () => {
  it("feedData() keeps a copy: changing the array fed changes nothing", async () => {
    const read = await run(async () => {
      const reader = new StreamReader();
      const data = bytes("hello");
      reader.feedData(data);
      data.fill(0);
      reader.feedEof();
      return text(await reader.read());
    });
    assert.equal(read, "hello");
  });

  it("feedData() of a Node Buffer (a view into a shared pool) keeps a copy", async () => {
    const [read, own] = await run(async () => {
      const reader = new StreamReader();
      const data = Buffer.from("pooled bytes");
      reader.feedData(data);
      data.fill(0);
      reader.feedEof();
      const read = await reader.read();
      return [text(read), read.buffer.byteLength === read.length];
    });
    assert.equal(read, "pooled bytes");
    assert.equal(own, true);
  });

  it("a protocol's own reader copies the chunk the transport gave it", async () => {
    const read = await run(async () => {
      const loop = getRunningLoop();
      const reader = new StreamReader();
      class Feeder extends Protocol {
        override dataReceived(data: Uint8Array) {
          reader.feedData(data);
          data.fill(0); // the protocol got this chunk: it may change it
        }
        override eofReceived() {
          reader.feedEof();
        }
      }
      await using server = await startServer(
        async (_reader, writer) => {
          writer.write(bytes("from the peer"));
          await writer.drain();
          writer.close();
        },
        HOST,
        0,
      );
      const [transport] = await loop.createConnection(
        () => new Feeder(),
        HOST,
        portOf(server),
      );
      const read = await reader.read();
      transport.close();
      return text(read);
    });
    assert.equal(read, "from the peer");
  });
});

describe("host chunks", () => {
  /** A wrapped stream over a PassThrough: its chunks as the reader sees them. */
  function hostChunks(
    writes: Uint8Array[],
    ownChunks = true,
  ): Promise<Uint8Array[]> {
    return new Promise((resolve) => {
      const stream = new PassThrough();
      const chunks: Uint8Array[] = [];
      const host = wrapStream(stream, {
        onData: (chunk) => chunks.push(chunk),
        onEnd: () => resolve(chunks),
        onClose: () => {},
      }, { ownChunks });
      for (const write of writes) stream.write(write);
      stream.end();
      host.resume();
    });
  }

  it("a chunk over a whole buffer is handed over once; a part of one never", async () => {
    // Long enough to be viewed, not copied, on every runtime.
    const whole = new Uint8Array(4096).fill(1);
    const part = new Uint8Array(8192).subarray(2048, 6144);
    const [first, second] = await hostChunks([whole, part]);
    offerHostChunk(first);
    assert.equal(claimHostChunk(second), false);
    assert.equal(claimHostChunk(first), true);
    assert.equal(claimHostChunk(first), false);
    offerHostChunk(second);
    assert.equal(claimHostChunk(second), false);
    assert.equal(second.buffer, part.buffer);
    // An offer ends with the next one, or with none.
    offerHostChunk(first);
    offerHostChunk(null);
    assert.equal(claimHostChunk(first), false);
    assert.equal(claimHostChunk(new Uint8Array(3)), false);
  });

  it("a short part of a buffer is handed over only as a copy of its own (Bun)", async () => {
    const backing = new Uint8Array(8);
    const part = backing.subarray(2, 5);
    part.set([7, 8, 9]);
    const [chunk] = await hostChunks([part]);
    offerHostChunk(chunk);
    const claimed = claimHostChunk(chunk);
    offerHostChunk(null);
    // On Bun a short chunk is copied: reading its buffer costs more there.
    assert.equal(claimed, "bun" in process.versions);
    assert.equal(chunk.buffer === backing.buffer, !claimed);
    backing.fill(0);
    assert.deepEqual([...chunk], claimed ? [7, 8, 9] : [0, 0, 0]);
  });

  it("a stream not marked as owning its chunks passes on the caller's array", async () => {
    const whole = new Uint8Array([1, 2, 3]);
    const [chunk] = await hostChunks([whole], false);
    assert.deepEqual(chunk, whole);
    const events = { onData() {}, onEnd() {}, onClose() {} };
    assert.equal(wrapStream(new PassThrough(), events).ownsChunks, false);
    assert.equal(
      wrapStream(new PassThrough(), events, { ownChunks: true }).ownsChunks,
      true,
    );
  });

  it("a transport offers a chunk only from a host that owns its chunks, and only while its protocol has it", async () => {
    const claims = (ownsChunks: boolean, paused = false) =>
      run(() => {
        const loop = getRunningLoop();
        const seen: boolean[] = [];
        const transport = new StreamTransport(loop, {
          // A claim is asked for twice for the first chunk, never for the second.
          dataReceived: (data) => {
            if (data.length > 8) {
              seen.push(claimHostChunk(data), claimHostChunk(data));
            }
          },
        });
        const host = {
          ownsChunks,
          write: () => true,
          end() {},
          close() {},
          abort() {},
          pause() {},
          resume() {},
          writeBufferSize: () => 0,
          isClosed: () => false,
          hold: () => () => {},
        } satisfies HostStream;
        transport.attach(host);
        if (paused) transport.pauseReading();
        const done = loop.createFuture<boolean[]>();
        loop.callSoon(() => {
          const chunks = [new Uint8Array(4096), new Uint8Array(8)];
          const events = transportInternals.streamEvents(transport);
          for (const chunk of chunks) events.onData(chunk);
          // Once the protocol has had them, neither is on offer.
          const check = () => {
            seen.push(...chunks.map(claimHostChunk));
            transport.abort();
            done.setResult(seen);
          };
          // Chunks kept while reading was paused are offered as delivered.
          if (paused) {
            loop.callSoon(() => {
              transport.resumeReading();
              loop.callSoon(check);
            });
          } else loop.callSoon(check);
        });
        return done;
      });
    assert.deepEqual(await claims(true), [true, false, false, false]);
    assert.deepEqual(await claims(true, true), [true, false, false, false]);
    assert.deepEqual(await claims(false), [false, false, false, false]);
  });

  it("reads across handed-over chunks, mixed with fed copies, keep every byte in order", async () => {
    const chunks = await hostChunks(
      ["ab\ncd", "ef", "gh\nijk", "lmnop", "q"].map((part) => bytes(part)),
    );
    const results = await run(async () => {
      const reader = new StreamReader();
      const feedHost = (i: number) => feedFromHost(reader, chunks[i]);
      feedHost(0);
      feedHost(1);
      const lines = [text(await reader.readline())]; // "ab\n"
      feedHost(2);
      lines.push(text(await reader.readline())); // "cdefgh\n"
      lines.push(text(await reader.readexactly(2))); // "ij"
      feedHost(3);
      reader.feedData(bytes("rs"));
      feedHost(4);
      lines.push(text(await reader.read(4))); // "klmn"
      lines.push(text(await reader.read(100))); // fed in that order
      reader.feedEof();
      lines.push(text(await reader.read()));
      return lines;
    });
    assert.deepEqual(results, ["ab\n", "cdefgh\n", "ij", "klmn", "oprsq", ""]);
  });

  it("reads split and span handed-over chunks, then a fed copy joins them in order", async () => {
    const chunks = await hostChunks(
      ["abc", "defg", "hij", "k\nl"].map((part) => bytes(part)),
    );
    const results = await run(async () => {
      const reader = new StreamReader();
      for (const chunk of chunks.slice(0, 3)) {
        feedFromHost(reader, chunk);
      }
      const reads = [text(await reader.read(2))]; // part of the first
      reads.push(text(await reader.read(3))); // the rest of it, and more
      reads.push(text(await reader.readexactly(4))); // across two
      reader.feedData(bytes("X"));
      feedFromHost(reader, chunks[3]);
      reads.push(text(await reader.readline()));
      reader.feedEof();
      reads.push(text(await reader.read()));
      return reads;
    });
    assert.deepEqual(results, ["ab", "cde", "fghi", "jXk\n", "l"]);
  });

  it("a read that takes a handed-over chunk whole gets that chunk, and the reader keeps nothing of it", async () => {
    const [chunk, next] = await hostChunks([bytes("whole"), bytes("next")]);
    const [same, rest] = await run(async () => {
      const reader = new StreamReader();
      feedFromHost(reader, chunk);
      const read = await reader.read(100);
      read.fill(0);
      feedFromHost(reader, next);
      reader.feedEof();
      return [read === chunk, text(await reader.read())];
    });
    assert.equal(same, true);
    assert.equal(rest, "next");
  });
});
