/**
 * The runtime's own sockets used directly, the reference of the S1, S2, T1,
 * T2, P1 and P2 rows: echo round trips and bulk transfer with `node:net`, or
 * `node:tls` when given certificates. `bench/workloads/streams.ts` and
 * `bench/ab_sockets.ts` run these same ones.
 *
 * @module
 */
import net from "node:net";
import tls from "node:tls";
import { testCerts } from "../../tests/streams/fixtures/certs.ts";

const HOST = "127.0.0.1";
/** What each echo round trip sends. */
export const MESSAGE: Uint8Array = new Uint8Array(64).fill(42);
/** What each bulk write sends. */
export const CHUNK: Uint8Array = new Uint8Array(64 * 1024).fill(7);

/** PEM texts for a TLS server on 127.0.0.1 and a client that trusts it. */
export interface Certs {
  ca: string;
  cert: string;
  key: string;
}

export function certs(): Certs {
  const made = testCerts();
  return { ca: made.ca, cert: made.serverCert, key: made.serverKey };
}

/** A node:net (or node:tls) server on a free port; resolves to [port, close]. */
function nodeServer(
  onSocket: (socket: net.Socket) => void,
  secure?: Certs,
): Promise<[number, () => Promise<void>]> {
  return new Promise((resolve) => {
    const server = secure
      ? tls.createServer({ cert: secure.cert, key: secure.key }, onSocket)
      : net.createServer(onSocket);
    server.listen(0, HOST, () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve([port, () => new Promise((done) => server.close(() => done()))]);
    });
  });
}

/** A connected node:net (or verified node:tls) socket. */
function nodeConnect(port: number, secure?: Certs): Promise<net.Socket> {
  return new Promise((resolve) => {
    const socket: net.Socket = secure
      ? tls.connect({ host: HOST, port, ca: secure.ca }, () => resolve(socket))
      : net.connect(port, HOST, () => resolve(socket));
  });
}

/** `n` sequential 64-byte echo round trips; resolves to `n`. */
export async function nodeEcho(n: number, secure?: Certs): Promise<number> {
  const [port, close] = await nodeServer((s) => s.pipe(s), secure);
  const socket = await nodeConnect(port, secure);
  let buffered = 0;
  let wake: (() => void) | null = null;
  socket.on("data", (chunk: Uint8Array) => {
    buffered += chunk.length;
    if (buffered >= 64 && wake) wake();
  });
  let count = 0;
  for (let i = 0; i < n; i++) {
    socket.write(MESSAGE);
    if (buffered < 64) await new Promise<void>((resolve) => wake = resolve);
    wake = null;
    buffered -= 64;
    count++;
  }
  socket.end();
  socket.destroy();
  await close();
  return count;
}

/** `total` bytes one way; resolves to the bytes received. */
export async function nodeBulk(total: number, secure?: Certs): Promise<number> {
  let received = 0;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => finished = resolve);
  const [port, close] = await nodeServer((socket) => {
    socket.on("data", (data: Uint8Array) => received += data.length);
    socket.on("end", () => {
      socket.end();
      finished();
    });
  }, secure);
  const socket = await nodeConnect(port, secure);
  for (let sent = 0; sent < total; sent += CHUNK.length) {
    if (!socket.write(CHUNK)) {
      await new Promise((resolve) => socket.once("drain", resolve));
    }
  }
  socket.end();
  await done;
  socket.destroy();
  await close();
  return received;
}
