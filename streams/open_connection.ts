/**
 * `openConnection()` and `openUnixConnection()`: a client as a reader and
 * a writer, over TCP, TLS or a Unix-domain socket.
 *
 * @module
 */
import {
  createConnection,
  type CreateConnectionOptions,
  createUnixConnection,
  type CreateUnixConnectionOptions,
} from "../loop/create_connection.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import type { Transport } from "../loop/transports.ts";
import { checkLimit } from "./checks.ts";
import { DEFAULT_LIMIT, StreamReader } from "./stream_reader.ts";
import {
  type StreamLoop,
  StreamReaderProtocol,
} from "./stream_reader_protocol.ts";
import type { StreamWriter } from "./stream_writer.ts";
import { internals } from "./_internals.ts";
// Evaluated for its static block, which fills `internals.newStreamWriter`.
import "./stream_writer.ts";

/** Options of `openConnection()`. */
export interface OpenConnectionOptions extends CreateConnectionOptions {
  /** The reader's buffer limit in bytes; 64 KiB by default. */
  limit?: number;
}

/** Options of `openUnixConnection()`. */
export interface OpenUnixConnectionOptions extends CreateUnixConnectionOptions {
  /** The reader's buffer limit in bytes; 64 KiB by default. */
  limit?: number;
}

/**
 * Connects to `host:port` and returns a reader and a writer: asyncio's
 * `open_connection`. With `ssl: true` the connection is TLS, verified
 * against the system's authorities and the host name (`serverHostname`,
 * `host` by default); `ssl` may also be a context from
 * `createSslContext()`. A failed handshake or certificate check throws
 * (`SSLError`, `SSLCertVerificationError`): it never falls back to plain
 * TCP. A refused connection or an unknown host throws an `Error` whose
 * message says which, with the system's `code` (`"ECONNREFUSED"`,
 * `"ENOTFOUND"`, …). Cancelling the call closes the half-open socket.
 *
 * A `null` host is this machine's loopback addresses (`::1`, then
 * `127.0.0.1`), as Python's `None`. The host's addresses are tried one
 * after another; with `happyEyeballsDelay` (seconds) they are raced as
 * RFC 8305's happy eyeballs, the next one started when the one before
 * fails or after the delay, the first to connect kept and the others
 * closed; `interleave` (1 then) alternates IPv6 and IPv4. When every
 * address fails, the error names each one's failure.
 *
 * Other options: `limit` (the reader's buffer, 64 KiB), `family`
 * (`AF_INET` 2 or `AF_INET6` 10), `localAddr` (`[host, port]` to bind
 * first), `keepAlive`, `sslHandshakeTimeout` (seconds, 60),
 * `sslShutdownTimeout` (seconds, 30).
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
  host: string | null,
  port: number,
  options: OpenConnectionOptions = {},
): Promise<[StreamReader, StreamWriter]> {
  const loop = getRunningLoop();
  const [reader, protocol] = readerAndProtocol(loop, options);
  const [transport] = await createConnection(
    loop,
    () => protocol,
    host,
    port,
    withoutLimit(options),
    { holdWhileOpen: false, extraOptions: ["limit"] },
    "openConnection()",
  );
  return pair(transport, reader, protocol);
}

/**
 * Connects to the Unix-domain socket at `path` and returns a reader and a
 * writer: asyncio's `open_unix_connection`. Options: `limit`, and `ssl`
 * with `serverHostname` for TLS over the socket.
 *
 * @example Talking over a Unix socket
 * ```ts
 * import { openUnixConnection, startUnixServer } from "@aio/asyncio/streams";
 * import { run } from "@aio/asyncio";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import assert from "node:assert/strict";
 *
 * const folder = mkdtempSync(join(tmpdir(), "aio-"));
 * const path = join(folder, "echo.sock");
 * const line = await run(async () => {
 *   await using _server = await startUnixServer(async (reader, writer) => {
 *     writer.write(await reader.readline());
 *     writer.close();
 *   }, path);
 *   const [reader, writer] = await openUnixConnection(path);
 *   writer.write(new TextEncoder().encode("over a file\n"));
 *   const line = await reader.readline();
 *   writer.close();
 *   await writer.waitClosed();
 *   return new TextDecoder().decode(line);
 * });
 * assert.equal(line, "over a file\n");
 * rmSync(folder, { recursive: true });
 * ```
 */
export async function openUnixConnection(
  path: string,
  options: OpenUnixConnectionOptions = {},
): Promise<[StreamReader, StreamWriter]> {
  const loop = getRunningLoop();
  const [reader, protocol] = readerAndProtocol(loop, options);
  const [transport] = await createUnixConnection(
    loop,
    () => protocol,
    path,
    withoutLimit(options),
    { holdWhileOpen: false, extraOptions: ["limit"] },
    "openUnixConnection()",
  );
  return pair(transport, reader, protocol);
}

function readerAndProtocol(
  loop: StreamLoop,
  options: { limit?: number },
): [StreamReader, StreamReaderProtocol] {
  const limit = options?.limit === undefined
    ? DEFAULT_LIMIT
    : checkLimit(options.limit);
  const reader = new StreamReader(limit);
  return [reader, new StreamReaderProtocol(reader, loop)];
}

function withoutLimit<T extends { limit?: number }>(options: T): T {
  if (options === null || typeof options !== "object") return options;
  const { limit: _limit, ...rest } = options;
  return rest as T;
}

function pair(
  transport: Transport,
  reader: StreamReader,
  protocol: StreamReaderProtocol,
): [StreamReader, StreamWriter] {
  return [reader, internals.newStreamWriter(transport, reader, protocol)];
}
