/**
 * The library's side of the S1, S2, T1, T2, P1 and P2 rows, for any
 * checkout of it: the goals rows pass this checkout's modules, the
 * before/after script `bench/ab_sockets.ts` each checkout's in turn.
 *
 * @module
 */
import type * as Main from "../../mod.ts";
import type * as Streams from "../../streams/mod.ts";
import { type Certs, CHUNK, MESSAGE } from "./node_sockets.ts";

const HOST = "127.0.0.1";

/** One checkout of the library: its main entry and its `./streams` entry. */
export interface Library {
  m: typeof Main;
  s: typeof Streams;
}

/** Server and client contexts, or none for plain TCP. */
export type Contexts =
  | [server: Streams.SSLContext, client: Streams.SSLContext]
  | [];

/** The contexts of a TLS server on 127.0.0.1 and of a client that trusts it. */
export function contexts({ s }: Library, secure: Certs): Contexts {
  return [
    s.createSslContext({
      purpose: "clientAuth",
      cert: secure.cert,
      key: secure.key,
    }),
    s.createSslContext({ ca: secure.ca }),
  ];
}

/** S1 (T1 with contexts): `n` 64-byte echo round trips with streams. */
export function streamsEcho(
  { m, s }: Library,
  n: number,
  [serverSsl, clientSsl]: Contexts = [],
): Promise<number> {
  return m.run(async () => {
    const server = await s.startServer(
      async (reader, writer) => {
        for (;;) {
          const data = await reader.read(65536);
          if (data.length === 0) break;
          writer.write(data);
          await writer.drain();
        }
        writer.close();
      },
      HOST,
      0,
      { ssl: serverSsl },
    );
    const [, port] = server.sockets[0].getsockname() as [string, number];
    const [reader, writer] = await s.openConnection(HOST, port, {
      ssl: clientSsl,
    });
    let count = 0;
    for (let i = 0; i < n; i++) {
      writer.write(MESSAGE);
      await writer.drain();
      await reader.readexactly(64);
      count++;
    }
    writer.close();
    await writer.waitClosed();
    server.close();
    await server.waitClosed();
    return count;
  });
}

/** S2 (T2 with contexts): `total` bytes one way with streams. */
export function streamsBulk(
  { m, s }: Library,
  total: number,
  [serverSsl, clientSsl]: Contexts = [],
): Promise<number> {
  return m.run(async () => {
    let received = 0;
    let finished: () => void = () => {};
    const done = new Promise<void>((resolve) => finished = resolve);
    const server = await s.startServer(
      async (reader, writer) => {
        for (;;) {
          const data = await reader.read(65536);
          if (data.length === 0) break;
          received += data.length;
        }
        writer.close();
        finished();
      },
      HOST,
      0,
      { ssl: serverSsl },
    );
    const [, port] = server.sockets[0].getsockname() as [string, number];
    const [, writer] = await s.openConnection(HOST, port, { ssl: clientSsl });
    for (let sent = 0; sent < total; sent += CHUNK.length) {
      writer.write(CHUNK);
      await writer.drain();
    }
    writer.close();
    await writer.waitClosed();
    await done;
    server.close();
    await server.waitClosed();
    return received;
  });
}

/** P1: `n` 64-byte echo round trips with a protocol on each side. */
export function protocolEcho({ m }: Library, n: number): Promise<number> {
  class Echo extends m.Protocol {
    #transport: Main.Transport | null = null;
    override connectionMade(transport: Main.Transport) {
      this.#transport = transport;
    }
    override dataReceived(data: Uint8Array) {
      this.#transport!.write(data);
    }
  }
  /** Counts echoed bytes and wakes the sender once a message is back. */
  class EchoClient extends m.Protocol {
    buffered = 0;
    waiter: Main.Future<void> | null = null;
    override dataReceived(data: Uint8Array) {
      this.buffered += data.length;
      if (this.buffered >= 64 && this.waiter) {
        this.waiter.setResult();
        this.waiter = null;
      }
    }
  }
  return m.run(async () => {
    const loop = m.getRunningLoop();
    const server = await loop.createServer(() => new Echo(), HOST, 0);
    const [, port] = server.sockets[0].getsockname() as [string, number];
    const [transport, client] = await loop.createConnection(
      () => new EchoClient(),
      HOST,
      port,
    );
    let count = 0;
    for (let i = 0; i < n; i++) {
      transport.write(MESSAGE);
      if (client.buffered < 64) {
        client.waiter = loop.createFuture();
        await client.waiter;
      }
      client.buffered -= 64;
      count++;
    }
    transport.close();
    server.close();
    await server.waitClosed();
    return count;
  });
}

/** P2: `total` bytes one way, the sender paused by `pauseWriting()`. */
export function protocolBulk({ m }: Library, total: number): Promise<number> {
  /** Counts what arrives; `done` at the end of the stream. */
  class Sink extends m.Protocol {
    received = 0;
    readonly done = m.getRunningLoop().createFuture<void>();
    override dataReceived(data: Uint8Array) {
      this.received += data.length;
    }
    override eofReceived() {
      this.done.setResult();
    }
  }
  /** A sender that waits while its transport's write buffer is full. */
  class Sender extends m.Protocol {
    paused: Main.Future<void> | null = null;
    override pauseWriting() {
      this.paused = m.getRunningLoop().createFuture();
    }
    override resumeWriting() {
      this.paused!.setResult();
      this.paused = null;
    }
  }
  return m.run(async () => {
    const loop = m.getRunningLoop();
    let sink: Sink | null = null;
    const server = await loop.createServer(() => sink = new Sink(), HOST, 0);
    const [, port] = server.sockets[0].getsockname() as [string, number];
    const [transport, sender] = await loop.createConnection(
      () => new Sender(),
      HOST,
      port,
    );
    for (let sent = 0; sent < total; sent += CHUNK.length) {
      transport.write(CHUNK);
      if (sender.paused) await sender.paused;
    }
    transport.close();
    await sink!.done;
    server.close();
    await server.waitClosed();
    return sink!.received;
  });
}
