/**
 * `startServer()` and `startUnixServer()`: servers that hand each client a
 * reader and a writer, over TCP, TLS or a Unix-domain socket.
 *
 * @module
 */
import { checkFunction } from "../internal/validate.ts";
import {
  createServer,
  type CreateServerOptions,
  createUnixServer,
  type CreateUnixServerOptions,
} from "../loop/create_server.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import type { Server } from "../loop/server.ts";
import { checkLimit } from "./checks.ts";
import { DEFAULT_LIMIT, StreamReader } from "./stream_reader.ts";
import {
  type ClientConnectedCallback,
  type StreamLoop,
  StreamReaderProtocol,
} from "./stream_reader_protocol.ts";
import { internals } from "./_internals.ts";
// Evaluated for its static block, which fills `internals.newStreamWriter`.
import "./stream_writer.ts";

export type { ClientConnectedCallback };

/** Options of `startServer()`. */
export interface StartServerOptions extends CreateServerOptions {
  /** The buffer limit of each client's reader in bytes; 64 KiB by default. */
  limit?: number;
}

/** Options of `startUnixServer()`. */
export interface StartUnixServerOptions extends CreateUnixServerOptions {
  /** The buffer limit of each client's reader in bytes; 64 KiB by default. */
  limit?: number;
}

/**
 * Starts a TCP server on `host:port` and calls `handler(reader, writer)`
 * for each client, in a task of its own: asyncio's `start_server`. `host`
 * may be an address, a list of them, or `null` for all interfaces; port 0
 * picks a free port (see `server.sockets[i].getsockname()`). An address in
 * use throws an `Error` with code `"EADDRINUSE"`.
 *
 * With `ssl` (a context from `createSslContext({ purpose: "clientAuth",
 * cert, key })`) every client speaks TLS; a client whose handshake fails
 * never reaches the handler. Other options: `limit` (each reader's buffer,
 * 64 KiB), `backlog` (100), `family`, `reuseAddress`, `reusePort`,
 * `keepAlive`, `sslHandshakeTimeout`, `sslShutdownTimeout`, `startServing`.
 *
 * As in Python, a client's connection stays open until its writer is
 * closed, and `waitClosed()` waits for that: close the writer in the
 * handler. The handler's writer is closed when its task fails or is
 * cancelled.
 *
 * @example Port 0 picks a free port
 * ```ts
 * import { startServer } from "@aio/asyncio/streams";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [host, port] = await run(async () => {
 *   await using server = await startServer(() => {}, "127.0.0.1", 0);
 *   return server.sockets[0].getsockname();
 * });
 * assert.equal(host, "127.0.0.1");
 * assert.ok(port > 0);
 * ```
 */
export async function startServer(
  handler: ClientConnectedCallback,
  host: string | readonly string[] | null,
  port: number | null = null,
  options: StartServerOptions = {},
): Promise<Server> {
  checkFunction(handler, "The client handler of startServer()");
  const loop = getRunningLoop();
  return await createServer(
    loop,
    protocolFactory(loop, handler, options),
    host,
    port,
    withoutLimit(options),
    { holdWhileOpen: true, extraOptions: ["limit"] },
    "startServer()",
  );
}

/**
 * Starts a server on the Unix-domain socket at `path` and calls
 * `handler(reader, writer)` for each client: asyncio's
 * `start_unix_server`. A socket left at `path` by an earlier server is
 * replaced; any other file there is an error (`"EADDRINUSE"`). Options:
 * `limit`, `backlog`, `ssl`, `sslHandshakeTimeout`, `sslShutdownTimeout`,
 * `startServing`.
 *
 * @example The server's socket is its path
 * ```ts
 * import { startUnixServer } from "@aio/asyncio/streams";
 * import { run } from "@aio/asyncio";
 * import { mkdtempSync, rmSync } from "node:fs";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import assert from "node:assert/strict";
 *
 * const folder = mkdtempSync(join(tmpdir(), "aio-"));
 * const path = join(folder, "server.sock");
 * const name = await run(async () => {
 *   await using server = await startUnixServer(() => {}, path);
 *   return server.sockets[0].getsockname();
 * });
 * assert.equal(name, path);
 * rmSync(folder, { recursive: true });
 * ```
 */
export async function startUnixServer(
  handler: ClientConnectedCallback,
  path: string,
  options: StartUnixServerOptions = {},
): Promise<Server<string>> {
  checkFunction(handler, "The client handler of startUnixServer()");
  const loop = getRunningLoop();
  return await createUnixServer(
    loop,
    protocolFactory(loop, handler, options),
    path,
    withoutLimit(options),
    { holdWhileOpen: true, extraOptions: ["limit"] },
    "startUnixServer()",
  );
}

function protocolFactory(
  loop: StreamLoop,
  handler: ClientConnectedCallback,
  options: { limit?: number } | null,
): () => StreamReaderProtocol {
  const limit = options?.limit === undefined
    ? DEFAULT_LIMIT
    : checkLimit(options.limit);
  return () => {
    const reader = new StreamReader(limit);
    return new StreamReaderProtocol(reader, loop, {
      clientConnected: handler,
      makeWriter: (protocol) =>
        internals.newStreamWriter(protocol.transport!, reader, protocol),
    });
  };
}

function withoutLimit<T extends { limit?: number }>(options: T): T {
  if (options === null || typeof options !== "object") return options;
  const { limit: _limit, ...rest } = options;
  return rest as T;
}
