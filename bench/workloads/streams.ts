/**
 * S1 echo round-trips and S2 bulk throughput over loopback, against the
 * runtime's own `node:net` used directly (issue 9's stream benchmark).
 *
 * @module
 */
import net from "node:net";
import { run } from "../../mod.ts";
import { openConnection, startServer } from "../../streams/mod.ts";
import type { Workload } from "../harness.ts";
import type { Plan } from "./tasks.ts";

const HOST = "127.0.0.1";

/** A node:net server on a free port; resolves to [port, close]. */
function netServer(
  onSocket: (socket: net.Socket) => void,
): Promise<[number, () => Promise<void>]> {
  return new Promise((resolve) => {
    const server = net.createServer(onSocket);
    server.listen(0, HOST, () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve([port, () => new Promise((done) => server.close(() => done()))]);
    });
  });
}

/** S1: N sequential 64-byte echo round-trips on one connection. */
export function s1(plan: Plan): Workload {
  const n = Math.round(10_000 / plan.scale);
  const message = new Uint8Array(64).fill(42);
  return {
    id: "S1",
    title: `echo: ${n} sequential 64-byte round-trips over loopback`,
    checksum: n,
    systems: [
      {
        name: "@aio/asyncio streams",
        kind: "aio",
        run: () =>
          run(async () => {
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
            );
            const [, port] = server.sockets[0].getsockname();
            const [reader, writer] = await openConnection(HOST, port);
            let count = 0;
            for (let i = 0; i < n; i++) {
              writer.write(message);
              await writer.drain();
              await reader.readexactly(64);
              count++;
            }
            writer.close();
            await writer.waitClosed();
            server.close();
            await server.waitClosed();
            return count;
          }),
      },
      {
        name: "node:net directly",
        kind: "floor",
        run: async () => {
          const [port, close] = await netServer((socket) =>
            socket.pipe(socket)
          );
          const socket = net.connect(port, HOST);
          await new Promise((resolve) => socket.once("connect", resolve));
          let buffered = 0;
          let wake: (() => void) | null = null;
          socket.on("data", (chunk: Uint8Array) => {
            buffered += chunk.length;
            if (buffered >= 64 && wake) wake();
          });
          let count = 0;
          for (let i = 0; i < n; i++) {
            socket.write(message);
            if (buffered < 64) {
              await new Promise<void>((resolve) => wake = resolve);
            }
            wake = null;
            buffered -= 64;
            count++;
          }
          socket.end();
          socket.destroy();
          await close();
          return count;
        },
      },
    ],
  };
}

/** S2: 64 MiB written in 64 KiB chunks to a server that counts them. */
export function s2(plan: Plan): Workload {
  const total = Math.round(64 / plan.scale) * 1024 * 1024;
  const chunk = new Uint8Array(64 * 1024).fill(7);
  return {
    id: "S2",
    title: `bulk: ${total / 1024 / 1024} MiB one way over loopback (time)`,
    checksum: total,
    systems: [
      {
        name: "@aio/asyncio streams",
        kind: "aio",
        run: () =>
          run(async () => {
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
            );
            const [, port] = server.sockets[0].getsockname();
            const [, writer] = await openConnection(HOST, port);
            for (let sent = 0; sent < total; sent += chunk.length) {
              writer.write(chunk);
              await writer.drain();
            }
            writer.close();
            await writer.waitClosed();
            await done;
            server.close();
            await server.waitClosed();
            return received;
          }),
      },
      {
        name: "node:net directly",
        kind: "floor",
        run: async () => {
          let received = 0;
          let finished: () => void = () => {};
          const done = new Promise<void>((resolve) => finished = resolve);
          const [port, close] = await netServer((socket) => {
            socket.on("data", (data: Uint8Array) => received += data.length);
            socket.on("end", () => {
              socket.end();
              finished();
            });
          });
          const socket = net.connect(port, HOST);
          await new Promise((resolve) => socket.once("connect", resolve));
          for (let sent = 0; sent < total; sent += chunk.length) {
            if (!socket.write(chunk)) {
              await new Promise((resolve) => socket.once("drain", resolve));
            }
          }
          socket.end();
          await done;
          socket.destroy();
          await close();
          return received;
        },
      },
    ],
  };
}
