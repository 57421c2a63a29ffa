/**
 * Bytes over loopback against the runtime's own sockets used directly:
 * S1 echo round trips and S2 bulk throughput with streams over TCP, T1 and
 * T2 the same over TLS (against `node:tls`), P1 and P2 the same with
 * protocols and transports (against `node:net`).
 *
 * @module
 */
import {
  type Future,
  getRunningLoop,
  Protocol,
  run,
  type Transport,
} from "../../mod.ts";
import {
  createSslContext,
  openConnection,
  type SSLContext,
  startServer,
} from "../../streams/mod.ts";
import type { Workload } from "../harness.ts";
import {
  type Certs,
  certs,
  CHUNK,
  MESSAGE,
  nodeBulk,
  nodeEcho,
} from "./node_sockets.ts";
import type { Plan } from "./tasks.ts";

const HOST = "127.0.0.1";

/** The streams goal and the protocols goal (issue 18). */
const STREAMS_RATIO = 1.3;
const PROTOCOLS_RATIO = 1.1;

// --- the library's streams --------------------------------------------------

/** Server and client contexts, or none for plain TCP. */
type Contexts = [server: SSLContext, client: SSLContext] | [];

function contexts(secure: Certs): Contexts {
  return [
    createSslContext({
      purpose: "clientAuth",
      cert: secure.cert,
      key: secure.key,
    }),
    createSslContext({ ca: secure.ca }),
  ];
}

function streamsEcho(n: number, [serverSsl, clientSsl]: Contexts) {
  return run(async () => {
    const server = await startServer(
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
    const [, port] = server.sockets[0].getsockname();
    const [reader, writer] = await openConnection(HOST, port, {
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

function streamsBulk(total: number, [serverSsl, clientSsl]: Contexts) {
  return run(async () => {
    let received = 0;
    let finished: () => void = () => {};
    const done = new Promise<void>((resolve) => finished = resolve);
    const server = await startServer(
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
    const [, port] = server.sockets[0].getsockname();
    const [, writer] = await openConnection(HOST, port, { ssl: clientSsl });
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

// --- the library's protocols ------------------------------------------------

class Echo extends Protocol {
  #transport: Transport | null = null;
  override connectionMade(transport: Transport) {
    this.#transport = transport;
  }
  override dataReceived(data: Uint8Array) {
    this.#transport!.write(data);
  }
}

/** Counts echoed bytes and wakes the sender once a whole message is back. */
class EchoClient extends Protocol {
  buffered = 0;
  waiter: Future<void> | null = null;
  override dataReceived(data: Uint8Array) {
    this.buffered += data.length;
    if (this.buffered >= 64 && this.waiter) {
      this.waiter.setResult();
      this.waiter = null;
    }
  }
}

/** Counts what arrives; resolves `done` at the end of the stream. */
class Sink extends Protocol {
  received = 0;
  readonly done = getRunningLoop().createFuture<void>();
  override dataReceived(data: Uint8Array) {
    this.received += data.length;
  }
  override eofReceived() {
    this.done.setResult();
  }
}

/** A sender that waits while its transport's write buffer is full. */
class Sender extends Protocol {
  paused: Future<void> | null = null;
  override pauseWriting() {
    this.paused = getRunningLoop().createFuture();
  }
  override resumeWriting() {
    this.paused!.setResult();
    this.paused = null;
  }
}

function protocolEcho(n: number) {
  return run(async () => {
    const loop = getRunningLoop();
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

function protocolBulk(total: number) {
  return run(async () => {
    const loop = getRunningLoop();
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

// --- the workloads ----------------------------------------------------------

function echoes(plan: Plan): number {
  return Math.round(10_000 / plan.scale);
}

function bulkBytes(plan: Plan): number {
  return Math.round(64 / plan.scale) * 1024 * 1024;
}

/** S1: sequential 64-byte echo round trips on one TCP connection. */
export function s1(plan: Plan): Workload {
  const n = echoes(plan);
  return {
    id: "S1",
    title: `echo: ${n} sequential 64-byte round trips over loopback`,
    checksum: n,
    interleave: true,
    goal: { against: ["node:net directly"], ratio: STREAMS_RATIO },
    systems: [
      {
        name: "@aio/asyncio streams",
        kind: "aio",
        run: () => streamsEcho(n, []),
      },
      { name: "node:net directly", kind: "floor", run: () => nodeEcho(n) },
    ],
  };
}

/** S2: 64 MiB written in 64 KiB chunks to a server that counts them. */
export function s2(plan: Plan): Workload {
  const total = bulkBytes(plan);
  return {
    id: "S2",
    title: `bulk: ${total >> 20} MiB one way over loopback`,
    checksum: total,
    interleave: true,
    goal: { against: ["node:net directly"], ratio: STREAMS_RATIO },
    systems: [
      {
        name: "@aio/asyncio streams",
        kind: "aio",
        run: () => streamsBulk(total, []),
      },
      { name: "node:net directly", kind: "floor", run: () => nodeBulk(total) },
    ],
  };
}

/** T1: S1 over TLS, against node:tls. */
export function t1(plan: Plan): Workload {
  const n = echoes(plan);
  const secure = certs();
  const ssl = contexts(secure);
  return {
    id: "T1",
    title: `TLS echo: ${n} sequential 64-byte round trips over loopback`,
    checksum: n,
    interleave: true,
    goal: { against: ["node:tls directly"], ratio: STREAMS_RATIO },
    systems: [
      {
        name: "@aio/asyncio streams, ssl",
        kind: "aio",
        run: () => streamsEcho(n, ssl),
      },
      {
        name: "node:tls directly",
        kind: "floor",
        run: () => nodeEcho(n, secure),
      },
    ],
  };
}

/** T2: S2 over TLS, against node:tls. */
export function t2(plan: Plan): Workload {
  const total = bulkBytes(plan);
  const secure = certs();
  const ssl = contexts(secure);
  return {
    id: "T2",
    title: `TLS bulk: ${total >> 20} MiB one way over loopback`,
    checksum: total,
    interleave: true,
    goal: { against: ["node:tls directly"], ratio: STREAMS_RATIO },
    systems: [
      {
        name: "@aio/asyncio streams, ssl",
        kind: "aio",
        run: () => streamsBulk(total, ssl),
      },
      {
        name: "node:tls directly",
        kind: "floor",
        run: () => nodeBulk(total, secure),
      },
    ],
  };
}

/** P1: S1 with a Protocol on each side, against node:net. */
export function p1(plan: Plan): Workload {
  const n = echoes(plan);
  return {
    id: "P1",
    title: `protocol echo: ${n} sequential 64-byte round trips over loopback`,
    checksum: n,
    interleave: true,
    goal: { against: ["node:net directly"], ratio: PROTOCOLS_RATIO },
    systems: [
      {
        name: "@aio/asyncio protocols",
        kind: "aio",
        run: () => protocolEcho(n),
      },
      { name: "node:net directly", kind: "floor", run: () => nodeEcho(n) },
    ],
  };
}

/** P2: S2 with a Protocol on each side, against node:net. */
export function p2(plan: Plan): Workload {
  const total = bulkBytes(plan);
  return {
    id: "P2",
    title: `protocol bulk: ${total >> 20} MiB one way over loopback`,
    checksum: total,
    interleave: true,
    goal: { against: ["node:net directly"], ratio: PROTOCOLS_RATIO },
    systems: [
      {
        name: "@aio/asyncio protocols",
        kind: "aio",
        run: () => protocolBulk(total),
      },
      { name: "node:net directly", kind: "floor", run: () => nodeBulk(total) },
    ],
  };
}
