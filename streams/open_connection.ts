/**
 * `openConnection()`: a TCP client as a reader and a writer.
 *
 * @module
 */
import { connect, type HostSocket } from "../internal/socket_host.ts";
import { getRunningLoop } from "../loop/events.ts";
import { checkHost, checkPort, checkStreamOptions } from "./checks.ts";
import { waitOnHost } from "./host_wait.ts";
import {
  DEFAULT_LIMIT,
  setReaderTransport,
  StreamReader,
} from "./stream_reader.ts";
import { makeStreamWriter, type StreamWriter } from "./stream_writer.ts";
import { StreamTransport } from "./transport.ts";

/** Options of `openConnection()`. */
export interface OpenConnectionOptions {
  /** The reader's buffer limit in bytes; 64 KiB by default. */
  limit?: number;
  /**
   * `false` or `null`: plain TCP. TLS is not supported yet, so any other
   * value is a `TypeError` (never a connection in clear).
   */
  ssl?: false | null;
}

/**
 * Connects to `host:port` over TCP and returns a reader and a writer:
 * asyncio's `open_connection`. A refused connection or an unknown host
 * throws an `Error` whose message says which, with the system's `code`
 * (`"ECONNREFUSED"`, `"ENOTFOUND"`, …). Cancelling the call closes the
 * half-open socket.
 *
 * @example An HTTP/1.0 request
 * ```ts
 * import { openConnection, startServer } from "@aio/asyncio/streams";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const status = await run(async () => {
 *   await using server = await startServer(async (reader, writer) => {
 *     await reader.readuntil(new TextEncoder().encode("\r\n\r\n"));
 *     writer.write(new TextEncoder().encode("HTTP/1.0 200 OK\r\n\r\nhi"));
 *     writer.close();
 *   }, "127.0.0.1", 0);
 *   const [, port] = server.sockets[0].getsockname();
 *   const [reader, writer] = await openConnection("127.0.0.1", port);
 *   writer.write(new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"));
 *   await writer.drain();
 *   const line = new TextDecoder().decode(await reader.readline());
 *   writer.close();
 *   await writer.waitClosed();
 *   return line.trimEnd();
 * });
 * assert.equal(status, "HTTP/1.0 200 OK");
 * ```
 */
export async function openConnection(
  host: string,
  port: number,
  options: OpenConnectionOptions = {},
): Promise<[StreamReader, StreamWriter]> {
  checkHost(host);
  checkPort(port);
  const { limit = DEFAULT_LIMIT } = checkStreamOptions<OpenConnectionOptions>(
    options,
    "openConnection()",
    ["limit"],
  );
  const loop = getRunningLoop();
  const reader = new StreamReader(limit);
  const connected = loop.createFuture<void>();
  const settle = (error: Error | null) => {
    if (connected.done() || loop.isClosed()) return;
    if (error === null) connected.setResult();
    else connected.setException(error);
  };
  let socket: HostSocket | null = null;
  const transport = new StreamTransport(loop, {
    reader,
    extra: {
      peername: () => socket?.peerAddress() ?? null,
      sockname: () => socket?.localAddress() ?? null,
    },
  });
  socket = connect(host, port, transport, {
    connected: () => settle(null),
    failed: settle,
  });
  transport.attach(socket);
  setReaderTransport(reader, transport);
  try {
    await waitOnHost(connected, socket);
  } catch (error) {
    socket.abort();
    throw error;
  }
  return [reader, makeStreamWriter(transport, reader)];
}
