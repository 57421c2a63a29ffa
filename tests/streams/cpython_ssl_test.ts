// Ports of CPython 3.13's Lib/test/test_asyncio/test_sslproto.py and
// Lib/test/test_asyncio/test_ssl.py: TLS on both sides of a connection
// (createConnection / createServer / connectAcceptedSocket with `ssl`,
// `loop.startTls` and `writer.startTls` on both sides), handshake timeouts
// and failures, certificate errors, closing (during the handshake, cleanly,
// abruptly, with a shutdown timeout), writes before and after the
// handshake, large transfers, `connectionLost` after a TLS close, the extra
// info of a TLS transport, and the checks of TLS arguments that CPython
// makes in base_events.py / unix_events.py (their tests are in
// test_base_events.py, test_events.py and test_unix_events.py). What CPython
// asserts and did not test directly (server_hostname='' with verification
// off, ssl_shutdown_timeout) was replayed on CPython 3.13.0.
//
// CPython's peers are blocking sockets in threads; here they are `node:net`
// / `node:tls` servers in the same process, or the library's own other side
// where the peer does STARTTLS. Python's `server_hostname=''` (given only
// because CPython's test contexts do not check host names) is left out:
// the host is an address, and the contexts do not verify. A loop.startTls
// on the client side is given `serverHostname: "localhost"`, which the
// library requires of a context that verifies;
// test_start_tls_client_reg_proto_1 of test_sslproto.py keeps CPython's
// form without it.
//
// Left out:
// - test_fatal_error_no_name_error, test_connection_lost,
//   test_data_received_after_closing (test_sslproto): call SSLProtocol's
//   private methods (`_fatal_error`, its own `connection_lost` and
//   `buffer_updated`) on mocked sockets.
// - test_buf_feed_data: the empty-buffer case, which only the private
//   helper `_feed_data_to_buffered_proto` raises for (over a real SSL
//   transport CPython takes an empty buffer for close_notify); the other
//   sizes are ported over a TLS transport.
// - The weakref / gc checks of test_start_tls_client_reg_proto_1,
//   test_create_connection_memory_leak and test_handshake_timeout, and the
//   whole of test_connect_timeout_warning (ResourceWarning),
//   test_handshake_timeout_handler_leak (weakref only): reference counting
//   has no JavaScript equivalent. Their scenarios are ported.
// - The `client_sock` half of test_create_connection_ssl_1: there is no
//   `sock=` argument (README: no raw file descriptors).
// - test_remote_shutdown_receives_trailing_data, and the
//   `_ssl_protocol.pause_writing()` of test_flush_before_shutdown: they fill
//   the private write backlog of the SSL protocol (the public part of the
//   latter is ported).
// - test_ssl_connect_accepted_socket of test_ssl.py makes two contexts and
//   calls nothing; the SSL variant of test_connect_accepted_socket that it
//   stands for (test_events.py) is ported instead.
// - test_create_server_ssl_over_ssl is ported for its server side: 25
//   plain TLS clients against a server that upgrades with startTls().
// - ProactorStartTLSTests: Windows only; the Selector and Proactor classes
//   run the same BaseStartTLS cases, ported once.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import os from "node:os";
import fs from "node:fs";
import path from "node:path";
import {
  createSslContext,
  openConnection,
  type Server,
  SSLCertVerificationError,
  type SSLContext,
  SSLError,
  type SSLObject,
  startServer,
  type StreamReader,
  type StreamWriter,
} from "../../streams/mod.ts";
import {
  BufferedProtocol,
  CancelledError,
  createTask,
  type Future,
  gather,
  getRunningLoop,
  Protocol,
  run,
  sleep,
  TimeoutError,
  type Transport,
  waitFor,
} from "../../mod.ts";
import { runVirtual } from "../../testing/mod.ts";
import { bytes, text } from "../fixtures/bytes.ts";
import { testCerts } from "./fixtures/certs.ts";
import {
  clientSslContext,
  serverSslContext,
} from "../fixtures/cpython_utils.ts";
import { tempDir } from "../fixtures/temp_dir.ts";

const HOST = "127.0.0.1";
/** A hang guard, as CPython's support.SHORT_TIMEOUT; never reached when all is well. */
const GUARD = 30;
/** PAYLOAD_SIZE of both test classes. */
const PAYLOAD_SIZE = 1024 * 100;
/** test_ssl.py's BUF_MULTIPLIER on Linux. */
const BUF_MULTIPLIER = 1024;

function portOf(server: Server): number {
  return server.sockets[0].getsockname()[1];
}

/** The loop's exception handler calls, as CPython's tests collect them. */
function collectMessages(): unknown[] {
  const messages: unknown[] = [];
  getRunningLoop().setExceptionHandler((_loop, context) =>
    void messages.push(context)
  );
  return messages;
}

/** Reads a `node:net` or `node:tls` socket: CPython's `recv_all` and `recv`. */
class SocketReader {
  #buffer = Buffer.alloc(0);
  #ended = false;
  #wake: (() => void) | null = null;
  constructor(socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake?.();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#wake?.();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#wake?.();
    });
    socket.on("error", () => {});
  }
  async #until(ready: () => boolean): Promise<void> {
    while (!ready()) {
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = null;
    }
  }
  /** Exactly `n` bytes; a `ConnectionAbortedError` at EOF, as recv_all. */
  async recvAll(n: number): Promise<Buffer> {
    await this.#until(() => this.#buffer.length >= n || this.#ended);
    if (this.#buffer.length < n) {
      throw Object.assign(new Error("EOF before recv_all() was satisfied"), {
        name: "ConnectionAbortedError",
      });
    }
    const data = this.#buffer.subarray(0, n);
    this.#buffer = this.#buffer.subarray(n);
    return data;
  }
  /** What arrived, or an empty buffer at EOF, as recv. */
  async recv(): Promise<Buffer> {
    await this.#until(() => this.#buffer.length > 0 || this.#ended);
    const data = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    return data;
  }
}

/** A `node:net` server whose `serve` handles each client (CPython's tcp_server). */
async function tcpServer(
  serve: (socket: net.Socket) => void,
): Promise<{ port: number; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    serve(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** A `node:tls` server with the test certificate (CPython's server-side `starttls`). */
async function tlsServer(
  serve: (socket: tls.TLSSocket) => void,
  options: tls.TlsOptions = {},
): Promise<{ port: number; close(): void }> {
  const certs = testCerts();
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer(
    { cert: certs.serverCert, key: certs.serverKey, ...options },
    (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
      serve(socket);
    },
  );
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

/** A `node:tls` client that does not verify (CPython's client-side `starttls`). */
function tlsClient(port: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: HOST, port, rejectUnauthorized: false },
      () => resolve(socket),
    );
    socket.once("error", reject);
  });
}

/** The peer's end, as a closed `node:net` socket reports it. */
function closedOf(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once("close", () => resolve());
  });
}

/**
 * CPython's STARTTLS peer: it reads exactly `plainBytes` in clear, then
 * speaks TLS as the server. A stream reader would read the ClientHello
 * that follows the clear bytes along with them (CPython's blocking
 * `recv_all` does not), so a splice hands everything after the clear
 * bytes to a `node:tls` server, where `serve` runs.
 */
async function startTlsPeer(
  plainBytes: number,
  serve: (socket: tls.TLSSocket, reader: SocketReader) => Promise<unknown>,
): Promise<{
  port: number;
  plain: () => number;
  served: Promise<unknown>;
  close(): void;
}> {
  let received = 0;
  let done!: (result: unknown) => void;
  const served = new Promise<unknown>((resolve) => done = resolve);
  const inner = await tlsServer((socket) => {
    serve(socket, new SocketReader(socket)).then(done, done);
  });
  const front = await tcpServer((socket) => {
    let buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length < plainBytes) return;
      received = plainBytes;
      socket.off("data", onData);
      socket.pause();
      const upstream = net.connect(inner.port, HOST, () => {
        upstream.write(buffer.subarray(plainBytes));
        socket.pipe(upstream);
        upstream.pipe(socket);
        socket.resume();
      });
      upstream.on("error", () => {});
      upstream.on("close", () => socket.end());
      socket.on("close", () => upstream.destroy());
    };
    socket.on("data", onData);
  });
  return {
    port: front.port,
    plain: () => received,
    served,
    close: () => {
      front.close();
      inner.close();
    },
  };
}

/**
 * CPython's `ServerProtocol` of test_create_server_ssl_over_ssl: a TLS
 * server whose protocol pauses reading in `connectionMade` and makes a
 * second TLS handshake inside the first with `loop.startTls`; `inner`
 * then gets the data, its `start` the new transport.
 */
function sslOverSslProtocol(
  inner: () => Protocol & { start(transport: Transport): void },
): Protocol {
  return new (class extends Protocol {
    override connectionMade(transport: Transport) {
      transport.pauseReading();
      const protocol = inner();
      getRunningLoop()
        .startTls(transport, protocol, serverSslContext(), { serverSide: true })
        .then((tr) => protocol.start(tr), () => transport.abort());
    }
  })();
}

/** A protocol that writes once it has its transport (set by `start`). */
class LateTransportProtocol extends Protocol {
  transport: Transport | null = null;
  #queued: Uint8Array[] = [];
  #closeQueued = false;
  start(transport: Transport) {
    this.transport = transport;
    for (const chunk of this.#queued) transport.write(chunk);
    if (this.#closeQueued) transport.close();
  }
  send(chunk: Uint8Array) {
    if (this.transport === null) this.#queued.push(chunk);
    else this.transport.write(chunk);
  }
  finish() {
    if (this.transport === null) this.#closeQueued = true;
    else this.transport.close();
  }
}

// -- test_sslproto.py ----------------------------------------------------

describe("CPython test_sslproto: SslProtoHandshakeTests", () => {
  it("test_handshake_timeout_zero: sslHandshakeTimeout 0 is a RangeError", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      await assert.rejects(
        loop.createConnection(() => new Protocol(), HOST, 1, {
          ssl: clientSslContext(),
          sslHandshakeTimeout: 0,
        }),
        (error: Error) =>
          error instanceof RangeError && /positive number/.test(error.message),
      );
      await assert.rejects(
        loop.createServer(() => new Protocol(), HOST, 0, {
          ssl: serverSslContext(),
          sslHandshakeTimeout: 0,
        }),
        (error: Error) =>
          error instanceof RangeError && /positive number/.test(error.message),
      );
    });
  });

  it("test_handshake_timeout_negative: sslHandshakeTimeout -10 is a RangeError", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      await assert.rejects(
        loop.createConnection(() => new Protocol(), HOST, 1, {
          ssl: clientSslContext(),
          sslHandshakeTimeout: -10,
        }),
        (error: Error) =>
          error instanceof RangeError && /positive number/.test(error.message),
      );
      await assert.rejects(
        loop.createServer(() => new Protocol(), HOST, 0, {
          ssl: serverSslContext(),
          sslHandshakeTimeout: -10,
        }),
        (error: Error) =>
          error instanceof RangeError && /positive number/.test(error.message),
      );
    });
  });

  it("test_eof_received_waiter: an EOF in the handshake fails it with ECONNRESET", async () => {
    // The peer reads the ClientHello and half-closes without answering.
    const peer = await tcpServer((socket) => {
      socket.once("data", () => socket.end());
    });
    try {
      const error = await run(() =>
        waitFor(
          getRunningLoop().createConnection(
            () => new Protocol(),
            HOST,
            peer.port,
            {
              ssl: clientSslContext(),
            },
          ),
          GUARD,
        ).then(() => null, (e) => e)
      );
      assert.ok(error instanceof Error, String(error));
      assert.equal((error as { code?: string }).code, "ECONNRESET");
    } finally {
      peer.close();
    }
  });

  it("test_close_during_handshake: closing during the handshake closes the socket", async () => {
    // The application cannot reach the transport before the handshake is
    // done: cancelling the connection is how it closes it then.
    let received = 0;
    let peerClosed!: Promise<void>;
    const peer = await tcpServer((socket) => {
      socket.on("data", (chunk: Buffer) => received += chunk.length);
      peerClosed = closedOf(socket);
    });
    try {
      const outcome = await run(async () => {
        const connecting = createTask(() =>
          getRunningLoop().createConnection(
            () => new Protocol(),
            HOST,
            peer.port,
            {
              ssl: clientSslContext(),
            },
          )
        );
        while (received === 0) await sleep(0.005);
        connecting.cancel();
        return await connecting.then(() => "connected", (e) => e);
      });
      assert.ok(outcome instanceof CancelledError, String(outcome));
      await peerClosed;
    } finally {
      peer.close();
    }
  });

  it("test_close_during_ssl_over_ssl: closing TLS over TLS reports nothing", async () => {
    const [messages, echoed] = await run(async () => {
      const messages = collectMessages();
      class Echo extends LateTransportProtocol {
        override dataReceived(data: Uint8Array) {
          this.send(data);
        }
      }
      await using server = await getRunningLoop().createServer(
        () => sslOverSslProtocol(() => new Echo()),
        HOST,
        0,
        { ssl: serverSslContext() },
      );
      const [reader, writer] = await openConnection(HOST, portOf(server), {
        ssl: clientSslContext(),
      });
      try {
        await waitFor(
          writer.startTls(clientSslContext(), { serverHostname: "localhost" }),
          GUARD,
        );
        writer.write(bytes("inner"));
        const echoed = text(await waitFor(reader.readexactly(5), GUARD));
        // Closing the outer connection's application transport.
        writer.close();
        await waitFor(writer.waitClosed(), GUARD);
        await sleep(0.05);
        return [messages, echoed];
      } finally {
        writer.transport.abort();
      }
    });
    assert.equal(echoed, "inner");
    assert.deepEqual(messages, []);
  });

  it("test_get_extra_info_on_closed_connection: socket info goes with the connection", async () => {
    // CPython 3.13: after connection_lost, get_extra_info('socket') of an
    // SSL transport is None, or the default given (checked on 3.13.0).
    const result = await run(async () => {
      const loop = getRunningLoop();
      await using server = await startServer(
        async (reader, writer) => {
          await reader.read();
          writer.close();
        },
        HOST,
        0,
        { ssl: serverSslContext() },
      );
      const lost = loop.createFuture<Error | null>();
      class Client extends Protocol {
        override connectionLost(error: Error | null) {
          lost.setResult(error);
        }
      }
      const [transport] = await loop.createConnection(
        () => new Client(),
        HOST,
        portOf(server),
        { ssl: clientSslContext() },
      );
      const fallback = {};
      const open = [
        transport.getExtraInfo("socket") !== null,
        transport.getExtraInfo("no such info", fallback) === fallback,
      ];
      transport.close();
      const error = await waitFor(lost, GUARD);
      return {
        open,
        error,
        socket: transport.getExtraInfo("socket"),
        socketDefault: transport.getExtraInfo("socket", fallback) === fallback,
      };
    });
    assert.deepEqual(result.open, [true, true]);
    assert.equal(result.error, null);
    assert.equal(result.socket, null);
    assert.equal(result.socketDefault, true);
  });

  it("test_set_new_app_protocol: setProtocol on a TLS transport", async () => {
    const [before, after, received] = await run(async () => {
      const loop = getRunningLoop();
      await using server = await startServer(
        async (reader, writer) => {
          writer.write(await reader.readexactly(4));
          await reader.read();
          writer.close();
        },
        HOST,
        0,
        { ssl: serverSslContext() },
      );
      const first = new Protocol();
      const [transport] = await loop.createConnection(
        () => first,
        HOST,
        portOf(server),
        { ssl: clientSslContext() },
      );
      const before = transport.getProtocol() === first;
      const data = loop.createFuture<string>();
      const second = new (class extends Protocol {
        override dataReceived(chunk: Uint8Array) {
          if (!data.done()) data.setResult(text(chunk));
        }
      })();
      transport.setProtocol(second);
      const after = transport.getProtocol() === second;
      transport.write(bytes("ping"));
      const received = await waitFor(data, GUARD);
      transport.close();
      return [before, after, received];
    });
    assert.equal(before, true);
    assert.equal(after, true);
    assert.equal(received, "ping");
  });

  it("test_write_after_closing: a write after close is dropped, without error", async () => {
    const [error, messages] = await run(async () => {
      const loop = getRunningLoop();
      const messages = collectMessages();
      await using server = await startServer(
        async (reader, writer) => {
          await reader.read();
          writer.close();
        },
        HOST,
        0,
        { ssl: serverSslContext() },
      );
      const lost = loop.createFuture<Error | null>();
      const [transport] = await loop.createConnection(
        () =>
          new (class extends Protocol {
            override connectionLost(error: Error | null) {
              lost.setResult(error);
            }
          })(),
        HOST,
        portOf(server),
        { ssl: clientSslContext() },
      );
      transport.close();
      assert.equal(transport.write(bytes("data")), undefined);
      return [await waitFor(lost, GUARD), messages];
    });
    assert.equal(error, null);
    assert.deepEqual(messages, []);
  });
});

/** A protocol as CPython's ClientProto: data and EOF resolve futures. */
class ClientProto extends Protocol {
  conMadeCnt = 0;
  constructor(
    readonly onData: Future<Uint8Array>,
    readonly onEof: Future<boolean>,
  ) {
    super();
  }
  override connectionMade() {
    this.conMadeCnt++;
  }
  override dataReceived(data: Uint8Array) {
    if (!this.onData.done()) this.onData.setResult(data);
  }
  override eofReceived() {
    if (!this.onEof.done()) this.onEof.setResult(true);
  }
}

/**
 * How CPython's threaded peers end: `sock.shutdown(SHUT_RDWR); close()`
 * (test_sslproto: no TLS close_notify) or `sock.unwrap(); close()`
 * (test_ssl: a TLS close).
 */
type PeerClose = "abruptly" | "cleanly";

/** test_start_tls_client_reg_proto_1 of either file. */
async function startTlsClientRegProto1(
  how: PeerClose,
  startTlsOptions: { serverHostname?: string },
): Promise<void> {
  const HELLO_MSG = new Uint8Array(PAYLOAD_SIZE).fill(0x31);
  const peer = await startTlsPeer(HELLO_MSG.length, async (sock, reader) => {
    sock.write("O");
    const data = await reader.recvAll(HELLO_MSG.length);
    if (how === "abruptly") sock.destroy();
    else sock.end();
    return data.length;
  });
  try {
    await run(async () => {
      const loop = getRunningLoop();
      const onData = loop.createFuture<Uint8Array>();
      const onEof = loop.createFuture<boolean>();
      const [tr, proto] = await loop.createConnection(
        () => new ClientProto(onData, onEof),
        HOST,
        peer.port,
      );
      try {
        tr.write(HELLO_MSG);
        const newTr = await waitFor(
          loop.startTls(tr, proto, clientSslContext(), startTlsOptions),
          GUARD,
        );
        assert.equal(text(await waitFor(onData, GUARD)), "O");
        newTr.write(HELLO_MSG);
        await waitFor(onEof, GUARD);
        newTr.close();
        assert.equal(proto.conMadeCnt, 1);
      } finally {
        tr.abort();
      }
    });
    assert.equal(peer.plain(), HELLO_MSG.length);
    assert.equal(await peer.served, HELLO_MSG.length);
  } finally {
    peer.close();
  }
}

/** test_create_connection_memory_leak of either file, without the weakref. */
async function createConnectionMemoryLeak(how: PeerClose): Promise<void> {
  const HELLO_MSG = new Uint8Array(PAYLOAD_SIZE).fill(0x31);
  // The peer is TLS from the first byte (start_tls before any read).
  const peer = await startTlsPeer(0, async (sock, reader) => {
    sock.write("O");
    const data = await reader.recvAll(HELLO_MSG.length);
    if (how === "abruptly") sock.destroy();
    else sock.end();
    return data.length;
  });
  try {
    await run(async () => {
      const loop = getRunningLoop();
      const onData = loop.createFuture<Uint8Array>();
      const onEof = loop.createFuture<boolean>();
      const [tr, proto] = await loop.createConnection(
        () => new ClientProto(onData, onEof),
        HOST,
        peer.port,
        { ssl: clientSslContext() },
      );
      try {
        assert.equal(text(await waitFor(onData, GUARD)), "O");
        tr.write(HELLO_MSG);
        await waitFor(onEof, GUARD);
        tr.close();
        assert.equal(proto.conMadeCnt, 1);
      } finally {
        tr.abort();
      }
    });
    assert.equal(await peer.served, HELLO_MSG.length);
  } finally {
    peer.close();
  }
}

/** test_start_tls_client_buf_proto_1 of either file. */
async function startTlsClientBufProto1(how: PeerClose): Promise<void> {
  const HELLO_MSG = new Uint8Array(PAYLOAD_SIZE).fill(0x31);
  const peer = await startTlsPeer(HELLO_MSG.length, async (sock, reader) => {
    const served = [];
    sock.write("O");
    served.push((await reader.recvAll(HELLO_MSG.length)).length);
    sock.write("2");
    served.push((await reader.recvAll(HELLO_MSG.length)).length);
    if (how === "abruptly") sock.destroy();
    else sock.end();
    return served;
  });
  const conMadeCalls = await run(async () => {
    const loop = getRunningLoop();
    let clientConMadeCalls = 0;

    class ClientProtoFirst extends BufferedProtocol {
      buf = new Uint8Array(1);
      constructor(readonly onData: Future<Uint8Array>) {
        super();
      }
      override connectionMade() {
        clientConMadeCalls++;
      }
      override getBuffer() {
        return this.buf;
      }
      override bufferUpdated(nsize: number) {
        assert.equal(nsize, 1);
        this.onData.setResult(this.buf.slice(0, nsize));
      }
      override eofReceived() {}
    }
    class ClientProtoSecond extends Protocol {
      constructor(
        readonly onData: Future<Uint8Array>,
        readonly onEof: Future<boolean>,
      ) {
        super();
      }
      override connectionMade() {
        clientConMadeCalls++;
      }
      override dataReceived(data: Uint8Array) {
        this.onData.setResult(data);
      }
      override eofReceived() {
        this.onEof.setResult(true);
      }
    }

    const onData1 = loop.createFuture<Uint8Array>();
    const onData2 = loop.createFuture<Uint8Array>();
    const onEof = loop.createFuture<boolean>();
    const [tr, proto] = await loop.createConnection(
      () => new ClientProtoFirst(onData1),
      HOST,
      peer.port,
    );
    try {
      tr.write(HELLO_MSG);
      const newTr = await waitFor(
        loop.startTls(tr, proto, clientSslContext(), {
          serverHostname: "localhost",
        }),
        GUARD,
      );
      assert.equal(text(await waitFor(onData1, GUARD)), "O");
      newTr.write(HELLO_MSG);
      newTr.setProtocol(new ClientProtoSecond(onData2, onEof));
      assert.equal(text(await waitFor(onData2, GUARD)), "2");
      newTr.write(HELLO_MSG);
      await waitFor(onEof, GUARD);
      newTr.close();
    } finally {
      tr.abort();
    }
    return clientConMadeCalls;
  }).finally(() => peer.close());
  assert.equal(peer.plain(), HELLO_MSG.length);
  assert.deepEqual(await peer.served, [HELLO_MSG.length, HELLO_MSG.length]);
  // connectionMade is called once, when the connection is made; startTls
  // does not call it again.
  assert.equal(conMadeCalls, 1);
}

/** test_start_tls_slow_client_cancel (the same in both files). */
async function startTlsSlowClientCancel(): Promise<void> {
  const HELLO_MSG = new Uint8Array(PAYLOAD_SIZE).fill(0x31);
  let serverWaitsOnHandshake!: () => void;
  const waiting = new Promise<void>((r) => serverWaitsOnHandshake = r);
  let peerClosed!: Promise<void>;
  const peer = await tcpServer((socket) => {
    const reader = new SocketReader(socket);
    peerClosed = closedOf(socket);
    (async () => {
      const data = await reader.recvAll(HELLO_MSG.length);
      assert.equal(data.length, HELLO_MSG.length);
      serverWaitsOnHandshake();
      // Waits for a megabyte that never comes (the handshake stalls).
      await reader.recvAll(1024 * 1024).catch(() => {});
      socket.destroy();
    })();
  });
  try {
    const error = await runVirtual(async () => {
      const loop = getRunningLoop();
      const onData = loop.createFuture<Uint8Array>();
      const onEof = loop.createFuture<boolean>();
      const [tr, proto] = await loop.createConnection(
        () => new ClientProto(onData, onEof),
        HOST,
        peer.port,
      );
      tr.write(HELLO_MSG);
      await waitFor(waiting, GUARD);
      const error = await waitFor(
        loop.startTls(tr, proto, clientSslContext(), {
          serverHostname: "localhost",
        }),
        0.5,
      ).then(() => null, (e) => e);
      assert.equal(proto.conMadeCnt, 1);
      return error;
    });
    assert.ok(error instanceof TimeoutError, String(error));
    // The cancelled handshake closed its socket.
    await peerClosed;
  } finally {
    peer.close();
  }
}

/** test_create_connection_ssl_slow_handshake (both files). */
async function createConnectionSslSlowHandshake(): Promise<void> {
  let received = 0;
  let peerClosed!: Promise<void>;
  const peer = await tcpServer((socket) => {
    socket.on("data", (chunk: Buffer) => received += chunk.length);
    peerClosed = closedOf(socket);
  });
  try {
    const [error, messages] = await runVirtual(async () => {
      const messages = collectMessages();
      const error = await openConnection(HOST, peer.port, {
        ssl: clientSslContext(),
        sslHandshakeTimeout: 1.0,
      }).then(() => null, (e) => e);
      return [error, messages];
    });
    assert.ok(error instanceof Error, String(error));
    assert.equal(error.name, "ConnectionAbortedError");
    assert.equal((error as { code?: string }).code, "ECONNABORTED");
    assert.match(error.message, /handshake.*is taking longer/);
    assert.deepEqual(messages, []);
    assert.ok(received > 0);
    await peerClosed;
  } finally {
    peer.close();
  }
}

/** test_handshake_timeout / test_ssl_handshake_timeout. */
async function handshakeTimeout(sslHandshakeTimeout: number): Promise<void> {
  let serverSideAborted = false;
  let peerClosed!: Promise<void>;
  const peer = await tcpServer((socket) => {
    const reader = new SocketReader(socket);
    peerClosed = closedOf(socket);
    reader.recvAll(1024 * 1024).catch((error: Error) => {
      if (error.name === "ConnectionAbortedError") serverSideAborted = true;
    }).finally(() => socket.destroy());
  });
  try {
    const [error, messages] = await runVirtual(async () => {
      const messages = collectMessages();
      const error = await waitFor(
        getRunningLoop().createConnection(
          () => new Protocol(),
          HOST,
          peer.port,
          {
            ssl: clientSslContext(),
            sslHandshakeTimeout,
          },
        ),
        0.5,
      ).then(() => null, (e) => e);
      return [error, messages];
    });
    assert.ok(error instanceof TimeoutError, String(error));
    await peerClosed;
    assert.equal(serverSideAborted, true);
    // Python issue #23197: cancelling a handshake must not raise an
    // exception or log an error.
    assert.deepEqual(messages, []);
  } finally {
    peer.close();
  }
}

/** test_create_connection_ssl_failed_certificate (both files). */
async function createConnectionSslFailedCertificate(): Promise<void> {
  const error = await run(async () => {
    getRunningLoop().setExceptionHandler(() => {});
    await using server = await startServer(
      (_reader, writer) => writer.close(),
      HOST,
      0,
      { ssl: serverSslContext() },
    );
    // create_default_context(): verified against the system's authorities.
    return await openConnection(HOST, portOf(server), {
      ssl: createSslContext(),
      sslHandshakeTimeout: GUARD,
    }).then(() => null, (e) => e);
  });
  assert.ok(error instanceof SSLCertVerificationError, String(error));
}

/** test_start_tls_server_1 of test_sslproto.py: the client closes abruptly. */
async function startTlsServer1Sslproto(): Promise<void> {
  const HELLO_MSG = new Uint8Array(PAYLOAD_SIZE).fill(0x31);
  const ANSWER = bytes("answer");
  const [answer, data] = await run(async () => {
    const loop = getRunningLoop();
    const onCon = loop.createFuture<Transport>();
    const onConLost = loop.createFuture<void>();
    const onGotHello = loop.createFuture<void>();
    class ServerProto extends Protocol {
      data = new Uint8Array(0);
      transport: Transport | null = null;
      override connectionMade(tr: Transport) {
        this.transport = tr;
        onCon.setResult(tr);
      }
      replaceTransport(tr: Transport) {
        this.transport = tr;
      }
      override dataReceived(chunk: Uint8Array) {
        this.data = new Uint8Array([...this.data, ...chunk]);
        if (this.data.length >= HELLO_MSG.length && !onGotHello.done()) {
          onGotHello.setResult();
        }
      }
      override connectionLost(error: Error | null) {
        this.transport = null;
        if (error === null) onConLost.setResult();
        else onConLost.setException(error);
      }
    }
    const proto = new ServerProto();
    const server = await loop.createServer(() => proto, HOST, 0);
    // The client: reads the hello in clear, then STARTTLS, sends the
    // hello, reads the answer and closes without a TLS close.
    const client = createTask(async () => {
      const [reader, writer] = await openConnection(HOST, portOf(server));
      const data = await reader.readexactly(HELLO_MSG.length);
      assert.equal(data.length, HELLO_MSG.length);
      await writer.startTls(clientSslContext(), {
        serverHostname: "localhost",
      });
      writer.write(HELLO_MSG);
      const answer = await reader.readexactly(ANSWER.length);
      writer.transport.abort();
      return answer;
    });
    const main = async () => {
      const tr = await onCon;
      tr.write(HELLO_MSG);
      assert.equal(proto.data.length, 0);
      const newTr = await loop.startTls(tr, proto, serverSslContext(), {
        serverSide: true,
        sslHandshakeTimeout: GUARD,
      });
      proto.replaceTransport(newTr);
      await onGotHello;
      newTr.write(ANSWER);
      await onConLost;
      const data = proto.data;
      newTr.close();
      return data;
    };
    const data = await waitFor(main, GUARD);
    const answer = await waitFor(client, GUARD);
    server.close();
    await server.waitClosed();
    return [answer, data];
  });
  assert.deepEqual(data, HELLO_MSG);
  assert.equal(text(answer), "answer");
}

describe("CPython test_sslproto: BaseStartTLS", () => {
  it("test_start_tls_client_corrupted_ssl: bytes that are not TLS are an SSLError", async () => {
    // The server answers over TLS, then writes plain bytes on the socket
    // under it, as CPython's writes on its dup()ed socket.
    const certs = testCerts();
    const plain = net.createServer((socket) => {
      const secured = new tls.TLSSocket(socket, {
        isServer: true,
        cert: certs.serverCert,
        key: certs.serverKey,
      });
      secured.on("error", () => {});
      secured.on("secure", () => secured.write("A\n"));
      secured.once("data", () => {
        socket.write("please corrupt the SSL connection");
        socket.end();
      });
    });
    await new Promise<void>((resolve) =>
      plain.listen(0, HOST, () => resolve())
    );
    try {
      const port = (plain.address() as net.AddressInfo).port;
      const outcome = await run(async () => {
        getRunningLoop().setExceptionHandler(() => {});
        const [reader, writer] = await openConnection(HOST, port, {
          ssl: clientSslContext(),
          serverHostname: "",
        });
        assert.equal(text(await reader.readline()), "A\n");
        writer.write(bytes("B"));
        const error = await waitFor(reader.readline(), GUARD).then(
          (line) => `a line: ${JSON.stringify(text(line))}`,
          (error: unknown) => error,
        );
        writer.close();
        await writer.waitClosed().catch(() => {});
        return error;
      });
      assert.ok(outcome instanceof SSLError, String(outcome));
    } finally {
      plain.close();
    }
  });

  it("test_buf_feed_data: a BufferedProtocol gets the data in the buffers it gives", async () => {
    // CPython feeds b'12345' / b'1234' to buffers of 1, 2, 2, 4 and 100
    // bytes; here it comes over a TLS transport.
    const cases: [number, string][] = [
      [1, "12345"],
      [2, "12345"],
      [2, "1234"],
      [4, "1234"],
      [100, "12345"],
    ];
    const results = await run(async () => {
      const loop = getRunningLoop();
      const results: string[] = [];
      for (const [bufsize, payload] of cases) {
        await using server = await startServer(
          async (reader, writer) => {
            writer.write(bytes(payload));
            await reader.read();
            writer.close();
          },
          HOST,
          0,
          { ssl: serverSslContext() },
        );
        const done = loop.createFuture<string>();
        class Proto extends BufferedProtocol {
          buf = new Uint8Array(bufsize);
          data = "";
          override getBuffer() {
            return this.buf;
          }
          override bufferUpdated(nsize: number) {
            this.data += text(this.buf.slice(0, nsize));
            if (this.data.length >= payload.length) done.setResult(this.data);
          }
        }
        const [transport] = await loop.createConnection(
          () => new Proto(),
          HOST,
          portOf(server),
          { ssl: clientSslContext() },
        );
        results.push(await waitFor(done, GUARD));
        transport.close();
      }
      return results;
    });
    assert.deepEqual(results, cases.map(([, payload]) => payload));
  });

  it("test_start_tls_client_reg_proto_1: startTls without serverHostname on a context that does not verify", async () => {
    // CPython's start_tls takes no server_hostname with a context that
    // checks no host name; the peer closes without a TLS close.
    await startTlsClientRegProto1("abruptly", {});
  });

  it("test_create_connection_memory_leak: createConnection with ssl, peer closes abruptly", async () => {
    await createConnectionMemoryLeak("abruptly");
  });

  it("test_start_tls_client_buf_proto_1: a BufferedProtocol through startTls, then setProtocol", async () => {
    await startTlsClientBufProto1("abruptly");
  });

  it("test_start_tls_slow_client_cancel (also test_ssl): waitFor(startTls) times out", async () => {
    await startTlsSlowClientCancel();
  });

  it("test_start_tls_server_1: loop.startTls on the server side", async () => {
    await startTlsServer1Sslproto();
  });

  it("test_start_tls_wrong_args: startTls checks its arguments", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      await assert.rejects(
        loop.startTls(null as never, null as never, null as never),
        TypeError,
      );
      await assert.rejects(
        loop.startTls(null as never, null as never, serverSslContext()),
        TypeError,
      );
    });
  });

  it("test_handshake_timeout (also test_ssl.test_ssl_handshake_timeout): waitFor cancels the handshake quietly", async () => {
    await handshakeTimeout(GUARD);
  });

  it("test_create_connection_ssl_slow_handshake (also test_ssl): the handshake timeout aborts", async () => {
    await createConnectionSslSlowHandshake();
  });

  it("test_create_connection_ssl_failed_certificate (also test_ssl): SSLCertVerificationError", async () => {
    await createConnectionSslFailedCertificate();
  });
});

// -- test_ssl.py -----------------------------------------------------------

/** MyBaseProto of test_ssl.py: its states are asserted. */
class MyBaseProto extends Protocol {
  transport: Transport | null = null;
  state = "INITIAL";
  nbytes = 0;
  connected: Future<void> | null = null;
  done: Future<void> | null = null;
  constructor(withFutures = false) {
    super();
    if (withFutures) {
      this.connected = getRunningLoop().createFuture<void>();
      this.done = getRunningLoop().createFuture<void>();
    }
  }
  override connectionMade(transport: Transport) {
    this.transport = transport;
    assert.equal(this.state, "INITIAL");
    this.state = "CONNECTED";
    this.connected?.setResult();
  }
  override dataReceived(data: Uint8Array) {
    assert.equal(this.state, "CONNECTED");
    this.nbytes += data.length;
  }
  override eofReceived() {
    assert.equal(this.state, "CONNECTED");
    this.state = "EOF";
  }
  override connectionLost(_error: Error | null) {
    assert.ok(["CONNECTED", "EOF"].includes(this.state), this.state);
    this.state = "CLOSED";
    this.done?.setResult();
  }
}

/** test_connect_accepted_socket, plain or with a server context. */
async function connectAcceptedSocket(serverSsl: SSLContext | null) {
  const message = "test data";
  const expectedResponse = "roger";
  let accept!: (socket: net.Socket) => void;
  const accepted = new Promise<net.Socket>((resolve) => accept = resolve);
  const lsock = net.createServer((socket) => accept(socket));
  await new Promise<void>((resolve) => lsock.listen(0, HOST, resolve));
  const { port } = lsock.address() as net.AddressInfo;
  // The client: sends the message, reads the response, closes.
  const client = (async () => {
    const csock = serverSsl === null
      ? await new Promise<net.Socket>((resolve) => {
        const socket = net.connect(port, HOST, () => resolve(socket));
      })
      : await tlsClient(port);
    const reader = new SocketReader(csock);
    csock.write(message);
    const response = (await reader.recv()).toString();
    csock.end();
    return response;
  })();
  try {
    const conn = await accepted;
    const [state, nbytes, isTls] = await run(async () => {
      const loop = getRunningLoop();
      class MyProto extends MyBaseProto {
        override dataReceived(data: Uint8Array) {
          super.dataReceived(data);
          this.transport!.write(bytes(expectedResponse));
        }
      }
      const proto = new MyProto(true);
      const [tr] = await loop.connectAcceptedSocket(
        () => proto,
        conn,
        serverSsl === null
          ? {}
          : { ssl: serverSsl, sslHandshakeTimeout: GUARD },
      );
      await waitFor(proto.done!, GUARD);
      const isTls = tr.getExtraInfo("sslcontext") !== null;
      tr.close();
      await sleep(0.1);
      return [proto.state, proto.nbytes, isTls];
    });
    assert.equal(state, "CLOSED");
    assert.equal(nbytes, message.length);
    assert.equal(await client, expectedResponse);
    assert.equal(isTls, serverSsl !== null);
  } finally {
    lsock.close();
  }
}

describe("CPython test_ssl: TestSSL", () => {
  for (const upgrade of [false, true]) {
    const how = upgrade ? "loop.startTls on the server side" : "a TLS server";
    it(`test_start_tls_server_1 (test_ssl): ${how}; the client writes and closes at once`, async () => {
      // The client's bytes and its close come right after the handshake,
      // before the server's transport is made: every byte, then the end
      // (Deno 2.9 loses that end if the socket was paused meanwhile).
      const PAYLOAD = 102400;
      const outcome = await run(async () => {
        const loop = getRunningLoop();
        const lost = loop.createFuture<string>();
        let got = 0;
        let eof = false;
        class Server extends Protocol {
          override connectionMade(transport: Transport) {
            if (!upgrade) return;
            transport.pauseReading();
            loop.startTls(transport, this, serverSslContext(), {
              serverSide: true,
            }).catch((error) => lost.setResult(`startTls: ${error}`));
          }
          override dataReceived(data: Uint8Array) {
            got += data.length;
          }
          override eofReceived() {
            eof = true;
            return false;
          }
          override connectionLost(error: Error | null) {
            lost.setResult(`lost(${error}) got=${got} eof=${eof}`);
          }
        }
        await using server = await loop.createServer(
          () => new Server(),
          HOST,
          0,
          upgrade ? {} : { ssl: serverSslContext() },
        );
        const client = tls.connect({
          host: HOST,
          port: portOf(server),
          rejectUnauthorized: false,
        });
        client.on("error", () => {});
        client.on("secureConnect", () => {
          client.write(new Uint8Array(PAYLOAD));
          client.end();
        });
        try {
          return await waitFor(lost, GUARD).catch(() => `no end, got=${got}`);
        } finally {
          client.destroy();
          // A connection whose end was lost would hold waitClosed().
          server.abortClients();
        }
      });
      assert.equal(outcome, `lost(null) got=${PAYLOAD} eof=true`);
    });
  }

  it("test_create_server_ssl_over_ssl, its server: bytes that come before startTls() belong to the handshake", async () => {
    // CPython's server protocol pauses reading in connection_made and
    // upgrades in a task: a client's ClientHello that was already on its
    // way to the protocol must reach the handshake, for every client.
    const TOTAL = 25;
    const echoed = await run(async () => {
      const loop = getRunningLoop();
      class Upgrading extends Protocol {
        #secure: Transport | null = null;
        readonly #early: Uint8Array[] = [];
        override connectionMade(transport: Transport) {
          transport.pauseReading();
          createTask(async () => {
            this.#secure = await loop.startTls(
              transport,
              this,
              serverSslContext(),
              { serverSide: true },
            );
            for (const chunk of this.#early) this.#secure.write(chunk);
          });
        }
        override dataReceived(data: Uint8Array) {
          if (this.#secure === null) this.#early.push(data);
          else this.#secure.write(data);
        }
      }
      await using server = await loop.createServer(
        () => new Upgrading(),
        HOST,
        0,
      );
      const port = portOf(server);
      const client = (i: number) =>
        new Promise<string>((resolve, reject) => {
          const socket = tls.connect({
            host: HOST,
            port,
            rejectUnauthorized: false,
          });
          let got = "";
          socket.on("secureConnect", () => socket.write(`hello ${i}`));
          socket.on("data", (chunk: Buffer) => {
            got += chunk.toString();
            if (got.length >= `hello ${i}`.length) {
              socket.end();
              resolve(got);
            }
          });
          socket.on("error", reject);
        });
      return await waitFor(
        gather(...Array.from({ length: TOTAL }, (_, i) => client(i))),
        GUARD,
      );
    });
    assert.deepEqual(
      echoed,
      Array.from({ length: TOTAL }, (_, i) => `hello ${i}`),
    );
  });

  it("test_create_server_ssl_1: 25 TLS clients of startServer", async () => {
    const TOTAL_CNT = 25;
    const A_DATA = new Uint8Array(1024 * BUF_MULTIPLIER).fill(0x41);
    const B_DATA = new Uint8Array(1024 * BUF_MULTIPLIER).fill(0x42);
    const cnt = await run(async () => {
      let CNT = 0;
      const handleClient = async (
        reader: StreamReader,
        writer: StreamWriter,
      ) => {
        const a = await reader.readexactly(A_DATA.length);
        assert.deepEqual(a, A_DATA);
        writer.write(bytes("OK"));
        const b = await reader.readexactly(B_DATA.length);
        assert.deepEqual(b, B_DATA);
        writer.writelines([bytes("SP"), bytes("A"), bytes("M")]);
        await writer.drain();
        writer.close();
        CNT++;
      };
      const srv = await startServer(handleClient, HOST, 0, {
        family: 2,
        ssl: serverSslContext(),
        sslHandshakeTimeout: GUARD,
      });
      try {
        assert.ok(srv.sockets.length > 0);
        const port = portOf(srv);
        const testClient = async () => {
          const sock = await tlsClient(port);
          const reader = new SocketReader(sock);
          sock.write(A_DATA);
          assert.equal((await reader.recvAll(2)).toString(), "OK");
          sock.write(B_DATA);
          assert.equal((await reader.recvAll(4)).toString(), "SPAM");
          sock.end();
        };
        const tasks = Array.from({ length: TOTAL_CNT }, testClient);
        await waitFor(gather(...tasks), GUARD * 2);
      } finally {
        getRunningLoop().callSoon(() => srv.close());
        await srv.waitClosed();
      }
      return CNT;
    });
    assert.equal(cnt, TOTAL_CNT);
  });

  it("test_create_connection_ssl_1: 25 openConnection clients of a TLS server", async () => {
    const TOTAL_CNT = 25;
    const A_DATA = new Uint8Array(1024 * BUF_MULTIPLIER).fill(0x41);
    const B_DATA = new Uint8Array(1024 * BUF_MULTIPLIER).fill(0x42);
    const peer = await tlsServer((sock) => {
      const reader = new SocketReader(sock);
      (async () => {
        assert.deepEqual(
          new Uint8Array(await reader.recvAll(A_DATA.length)),
          A_DATA,
        );
        sock.write("OK");
        assert.deepEqual(
          new Uint8Array(await reader.recvAll(B_DATA.length)),
          B_DATA,
        );
        sock.write("SPAM");
        sock.end();
      })().catch(() => sock.destroy());
    });
    try {
      const cnt = await run(async () => {
        let CNT = 0;
        const client = async () => {
          const [reader, writer] = await openConnection(HOST, peer.port, {
            ssl: clientSslContext(),
            sslHandshakeTimeout: GUARD,
          });
          writer.write(A_DATA);
          assert.equal(text(await reader.readexactly(2)), "OK");
          writer.write(B_DATA);
          assert.equal(text(await reader.readexactly(4)), "SPAM");
          CNT++;
          writer.close();
          await writer.waitClosed().catch(() => {});
        };
        await waitFor(
          gather(...Array.from({ length: TOTAL_CNT }, client)),
          GUARD * 2,
        );
        return CNT;
      });
      assert.equal(cnt, TOTAL_CNT);
    } finally {
      peer.close();
    }
  });

  it("test_ssl_handshake_connection_lost: a peer that leaves in the handshake: ECONNRESET, no protocol calls", async () => {
    const peer = await tcpServer((socket) => {
      socket.once("data", () => socket.destroy());
    });
    try {
      const [error, made, lost] = await run(async () => {
        getRunningLoop().setExceptionHandler(() => {});
        let made = false;
        let lost = false;
        class Client extends Protocol {
          override connectionMade() {
            made = true;
          }
          override connectionLost() {
            lost = true;
          }
        }
        const error = await waitFor(
          getRunningLoop().createConnection(
            () => new Client(),
            HOST,
            peer.port,
            {
              ssl: clientSslContext(),
            },
          ),
          GUARD,
        ).then(() => null, (e) => e);
        await sleep(0.05);
        return [error, made, lost];
      });
      assert.ok(error instanceof Error, String(error));
      assert.equal((error as { code?: string }).code, "ECONNRESET");
      assert.equal(lost, false, "unexpected call to connectionLost()");
      assert.equal(made, false, "unexpected call to connectionMade()");
    } finally {
      peer.close();
    }
  });

  it("test_connect_accepted_socket: a plain accepted socket", async () => {
    await connectAcceptedSocket(null);
  });

  it("test_ssl_connect_accepted_socket (test_events form): TLS on an accepted socket", async () => {
    await connectAcceptedSocket(serverSslContext());
  });

  it("test_start_tls_client_reg_proto_1: startTls from a client's Protocol; the peer closes cleanly", async () => {
    await startTlsClientRegProto1("cleanly", { serverHostname: "localhost" });
  });

  it("test_create_connection_memory_leak: createConnection with ssl, peer closes cleanly", async () => {
    await createConnectionMemoryLeak("cleanly");
  });

  it("test_start_tls_client_buf_proto_1: a BufferedProtocol through startTls; the peer closes cleanly", async () => {
    await startTlsClientBufProto1("cleanly");
  });

  it("test_shutdown_cleanly: read() gives b'' after the peer's TLS close", async () => {
    const TOTAL_CNT = 25;
    const A_DATA = new Uint8Array(1024 * BUF_MULTIPLIER).fill(0x41);
    const peer = await tlsServer((sock) => {
      const reader = new SocketReader(sock);
      (async () => {
        assert.deepEqual(
          new Uint8Array(await reader.recvAll(A_DATA.length)),
          A_DATA,
        );
        sock.write("OK");
        sock.end(); // unwrap(), then close
      })().catch(() => sock.destroy());
    });
    try {
      const cnt = await run(async () => {
        let CNT = 0;
        const client = async () => {
          const [reader, writer] = await openConnection(HOST, peer.port, {
            ssl: clientSslContext(),
            sslHandshakeTimeout: GUARD,
          });
          writer.write(A_DATA);
          assert.equal(text(await reader.readexactly(2)), "OK");
          assert.equal((await reader.read()).length, 0);
          CNT++;
          writer.close();
          await writer.waitClosed().catch(() => {});
        };
        await waitFor(
          gather(...Array.from({ length: TOTAL_CNT }, client)),
          GUARD * 2,
        );
        return CNT;
      });
      assert.equal(cnt, TOTAL_CNT);
    } finally {
      peer.close();
    }
  });

  it("test_flush_before_shutdown: every byte written before close reaches the peer", async () => {
    const CHUNK = 1024 * 128;
    const SIZE = 32;
    let serverDone!: (result: number | Error) => void;
    const served = new Promise<number | Error>((r) => serverDone = r);
    const peer = await tlsServer((sock) => {
      const reader = new SocketReader(sock);
      (async () => {
        assert.equal((await reader.recvAll(4)).toString(), "ping");
        sock.write("pong");
        await new Promise((r) => setTimeout(r, 500)); // fill the TCP buffer
        const data = await reader.recvAll(CHUNK * SIZE);
        sock.destroy();
        return data.length;
      })().then(serverDone, serverDone);
    });
    try {
      const readAfterClose = await run(async () => {
        const [reader, writer] = await openConnection(HOST, peer.port, {
          ssl: clientSslContext(),
        });
        writer.write(bytes("ping"));
        assert.equal(text(await reader.readexactly(4)), "pong");
        for (let i = 0; i < SIZE; i++) {
          writer.write(new Uint8Array(CHUNK).fill(0x78));
        }
        writer.close();
        await waitFor(writer.waitClosed(), GUARD).catch(() => {});
        const data = await waitFor(reader.read(), GUARD).then(
          (data) => data.length,
          (error: Error & { code?: string }) => error.code ?? error.name,
        );
        return data;
      });
      assert.ok(
        readAfterClose === 0 || readAfterClose === "ECONNRESET",
        String(readAfterClose),
      );
      assert.equal(await served, CHUNK * SIZE);
    } finally {
      peer.close();
    }
  });

  it("test_shutdown_timeout_handler_leak: connectionLost follows a close", async () => {
    let peerRecv!: Promise<Buffer>;
    const peer = await tlsServer((sock) => {
      const reader = new SocketReader(sock);
      peerRecv = reader.recv().finally(() => sock.end());
    });
    try {
      const lost = await run(async () => {
        const loop = getRunningLoop();
        const fut = loop.createFuture<Error | null>();
        class Client extends Protocol {
          override connectionLost(error: Error | null) {
            fut.setResult(error);
          }
        }
        const [tr] = await loop.createConnection(
          () => new Client(),
          HOST,
          peer.port,
          { ssl: clientSslContext() },
        );
        tr.close();
        return await waitFor(fut, GUARD);
      });
      assert.equal(lost, null);
      assert.equal((await peerRecv).length, 0);
    } finally {
      peer.close();
    }
  });

  it("test_shutdown_timeout_handler_not_set: bytes and EOF that came while paused are delivered on resume", async () => {
    let eofSet!: () => void;
    const eof = new Promise<void>((r) => eofSet = r);
    let serverDone!: (result: unknown) => void;
    const served = new Promise<unknown>((r) => serverDone = r);
    const peer = await tlsServer((sock) => {
      const reader = new SocketReader(sock);
      (async () => {
        sock.write("hello");
        assert.equal((await reader.recv()).toString(), "world");
        sock.write("extra bytes");
        sock.end(); // sending EOF here
        eofSet();
        return (await reader.recv()).length;
      })().then(serverDone, serverDone);
    });
    try {
      const [outcome, extra] = await run(async () => {
        const loop = getRunningLoop();
        const fut = loop.createFuture<Error | null>();
        let extra: string | null = null;
        class Client extends Protocol {
          transport: Transport | null = null;
          override connectionMade(transport: Transport) {
            this.transport = transport;
          }
          override dataReceived(data: Uint8Array) {
            if (text(data) === "hello") {
              this.transport!.write(bytes("world"));
              // Incoming data now stays unread.
              this.transport!.pauseReading();
            } else extra = text(data);
          }
          override connectionLost(error: Error | null) {
            if (error === null) fut.setResult(null);
            else fut.setException(error);
          }
        }
        const [tr] = await loop.createConnection(
          () => new Client(),
          HOST,
          peer.port,
          { ssl: clientSslContext() },
        );
        await waitFor(eof, GUARD);
        await sleep(0.2);
        tr.resumeReading();
        const outcome = await waitFor(fut, GUARD).then(
          () => "lost",
          (error: Error) => error.name,
        );
        if (outcome !== "lost") tr.abort();
        else tr.close();
        return [outcome, extra];
      });
      assert.equal(extra, "extra bytes");
      assert.equal(outcome, "lost");
      assert.equal(await served, 0);
    } finally {
      peer.close();
    }
  });
});

// -- arguments: test_base_events.py, test_events.py, test_unix_events.py --

describe("CPython TLS argument checks (test_base_events, test_events, test_unix_events)", () => {
  it("ssl_shutdown_timeout is checked as ssl_handshake_timeout is (base_events.py, sslproto.py)", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      const refused = (pattern: RegExp) => (error: Error) =>
        error instanceof RangeError && pattern.test(error.message);
      await assert.rejects(
        loop.createConnection(() => new Protocol(), HOST, 1, {
          sslShutdownTimeout: 1,
        }),
        refused(/sslShutdownTimeout is only meaningful with ssl/),
      );
      await assert.rejects(
        loop.createServer(() => new Protocol(), HOST, 0, {
          sslShutdownTimeout: 1,
        }),
        refused(/only meaningful with ssl/),
      );
      for (const bad of [0, -10]) {
        await assert.rejects(
          loop.createConnection(() => new Protocol(), HOST, 1, {
            ssl: clientSslContext(),
            sslShutdownTimeout: bad,
          }),
          refused(/sslShutdownTimeout must be a positive number/),
        );
        await assert.rejects(
          loop.createServer(() => new Protocol(), HOST, 0, {
            ssl: serverSslContext(),
            sslShutdownTimeout: bad,
          }),
          refused(/positive number/),
        );
      }
    });
  });

  it("ssl_shutdown_timeout: a close the peer never answers ends with TimeoutError after it", async () => {
    // CPython 3.13: connection_lost(TimeoutError('SSL shutdown timed out'))
    // once ssl_shutdown_timeout has passed. The peer is a relay to a TLS
    // server that stops passing bytes (and never ends) once connected.
    const certs = testCerts();
    const sockets: net.Socket[] = [];
    const secure = tls.createServer(
      { cert: certs.serverCert, key: certs.serverKey },
      (socket) => {
        socket.on("error", () => {});
        sockets.push(socket);
      },
    );
    await new Promise<void>((resolve) =>
      secure.listen(0, HOST, () => resolve())
    );
    let silent = false;
    const relay = net.createServer({ allowHalfOpen: true }, (near) => {
      const far = net.connect((secure.address() as net.AddressInfo).port, HOST);
      sockets.push(near, far);
      for (const [from, to] of [[near, far], [far, near]]) {
        from.on("error", () => {});
        from.on("data", (chunk: Buffer) => silent || to.write(chunk));
      }
    });
    await new Promise<void>((resolve) =>
      relay.listen(0, HOST, () => resolve())
    );
    try {
      const [error, seconds] = await run(async () => {
        const loop = getRunningLoop();
        const lost = loop.createFuture<Error | null>();
        class Client extends Protocol {
          override connectionLost(error: Error | null) {
            lost.setResult(error);
          }
        }
        const [transport] = await loop.createConnection(
          () => new Client(),
          HOST,
          (relay.address() as net.AddressInfo).port,
          {
            ssl: clientSslContext(),
            serverHostname: "",
            sslShutdownTimeout: 0.3,
          },
        );
        silent = true;
        const start = performance.now();
        transport.close();
        const error = await waitFor(lost, GUARD);
        return [error, (performance.now() - start) / 1000] as const;
      });
      assert.ok(error instanceof TimeoutError, String(error));
      assert.match(error.message, /SSL shutdown timed out/);
      assert.ok(seconds >= 0.25, `lost after ${seconds} s`);
    } finally {
      for (const socket of sockets) socket.destroy();
      relay.close();
      secure.close();
    }
  });

  it("test_create_connection_no_ssl_server_hostname_errors: serverHostname without ssl", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      for (const serverHostname of ["", "python.org"]) {
        await assert.rejects(
          loop.createConnection(() => new Protocol(), "python.org", 80, {
            serverHostname,
          }),
          RangeError,
        );
      }
    });
  });

  it("test_create_connection_ssl_server_hostname_errors: ssl without a host name", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      await assert.rejects(
        loop.createConnection(() => new Protocol(), "", 80, { ssl: true }),
        RangeError,
      );
      // host None: the loopback addresses, with no name to check the
      // server's certificate against (CPython's ValueError).
      await assert.rejects(
        loop.createConnection(() => new Protocol(), null, 80, { ssl: true }),
        RangeError,
      );
    });
  });

  it("test_create_connection_server_hostname_default: the host, an explicit name, or '' (no name)", async () => {
    // The name the server sees (SNI) is the host by default, the
    // explicit serverHostname otherwise; '' sends none and checks none
    // (CPython 3.13 connects with server_hostname='', checked on 3.13.0).
    const seen = await run(async () => {
      const loop = getRunningLoop();
      const seen: (string | null)[] = [];
      await using server = await startServer(
        (_reader, writer) => {
          seen.push(
            (writer.getExtraInfo("sslObject") as SSLObject).serverHostname,
          );
          writer.close();
        },
        "localhost",
        0,
        { ssl: serverSslContext() },
      );
      const port = portOf(server);
      for (const serverHostname of [undefined, "perl.com", ""]) {
        const [transport] = await loop.createConnection(
          () => new Protocol(),
          "localhost",
          port,
          { ssl: clientSslContext(), serverHostname },
        );
        transport.close();
        while (
          seen.length < 1 + [undefined, "perl.com", ""].indexOf(serverHostname)
        ) {
          await sleep(0.01);
        }
      }
      return seen;
    });
    assert.deepEqual(seen, ["localhost", "perl.com", null]);
  });

  it("test_create_connection_ssl_timeout_for_plain_socket (and create_server, connect_accepted_socket, unix): sslHandshakeTimeout needs ssl", async () => {
    const dir = tempDir("aio-cpython-ssl-");
    await run(async () => {
      const loop = getRunningLoop();
      const meaningful = (error: Error) =>
        error instanceof RangeError &&
        /sslHandshakeTimeout is only meaningful with ssl/.test(error.message);
      await assert.rejects(
        loop.createConnection(() => new Protocol(), "example.com", 80, {
          sslHandshakeTimeout: 1,
        }),
        meaningful,
      );
      await assert.rejects(
        loop.createServer(() => new Protocol(), "example.com", 80, {
          sslHandshakeTimeout: 1,
        }),
        meaningful,
      );
      await assert.rejects(
        loop.createUnixServer(() => new Protocol(), path.join(dir, "spam"), {
          sslHandshakeTimeout: 1,
        }),
        meaningful,
      );
      await assert.rejects(
        loop.createUnixConnection(
          () => new Protocol(),
          path.join(dir, "spam"),
          {
            sslHandshakeTimeout: 1,
          },
        ),
        meaningful,
      );
      const socket = new net.Socket();
      await assert.rejects(
        loop.connectAcceptedSocket(() => new Protocol(), socket, {
          sslHandshakeTimeout: GUARD,
        }),
        meaningful,
      );
      socket.destroy();
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("test_create_unix_connection_nossl_serverhost / _ssl_noserverhost", async () => {
    await run(async () => {
      const loop = getRunningLoop();
      await assert.rejects(
        loop.createUnixConnection(() => new Protocol(), os.devNull, {
          serverHostname: "spam",
        }),
        (error: Error) =>
          error instanceof RangeError &&
          /serverHostname is only meaningful/.test(error.message),
      );
      await assert.rejects(
        loop.createUnixConnection(() => new Protocol(), os.devNull, {
          ssl: true,
        }),
        (error: Error) =>
          error instanceof RangeError && /serverHostname/.test(error.message),
      );
    });
  });
});
