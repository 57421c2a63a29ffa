/**
 * Streams over TCP, TLS and Unix-domain sockets, as in Python's asyncio:
 * `openConnection()` / `openUnixConnection()` for a client,
 * `startServer()` / `startUnixServer()` for a server, all giving a
 * `StreamReader` and a `StreamWriter` of bytes (`Uint8Array`). Reads apply
 * back-pressure and every wait can be cancelled like any other await.
 * Streams are built on the loop's protocols and transports
 * (`loop.createConnection`, `loop.createServer`).
 *
 * ```ts
 * import { openConnection, startServer } from "@aio/asyncio/streams";
 * import { run } from "@aio/asyncio";
 *
 * await run(async () => {
 *   await using server = await startServer(async (reader, writer) => {
 *     for await (const line of reader) writer.write(line); // echo
 *     writer.close();
 *   }, "127.0.0.1", 0);
 *   const [host, port] = server.sockets[0].getsockname();
 *   const [reader, writer] = await openConnection(host, port);
 *   writer.write(new TextEncoder().encode("hello\n"));
 *   await writer.drain();
 *   console.log(new TextDecoder().decode(await reader.readline()));
 *   writer.close();
 *   await writer.waitClosed();
 * });
 * ```
 *
 * @module
 */
export { openConnection, openUnixConnection } from "./open_connection.ts";
export type {
  OpenConnectionOptions,
  OpenUnixConnectionOptions,
} from "./open_connection.ts";
export { startServer, startUnixServer } from "./server.ts";
export type {
  ClientConnectedCallback,
  StartServerOptions,
  StartUnixServerOptions,
} from "./server.ts";
export { Server } from "../loop/server.ts";
export type { ServerSocket } from "../loop/server.ts";
export { StreamReader } from "./stream_reader.ts";
export type { LinesOptions } from "./text.ts";
export { StreamWriter } from "./stream_writer.ts";
export type { WriterStartTlsOptions } from "./stream_writer.ts";
export type { Transport } from "../loop/transports.ts";
export { IncompleteReadError, LimitOverrunError } from "./errors.ts";
export { openStderr, openStdin, openStdout } from "./std_streams.ts";
export type { OpenStdinOptions } from "./std_streams.ts";
export {
  createSslContext,
  SSLCertVerificationError,
  SSLContext,
  SSLError,
  SSLObject,
} from "../loop/tls.ts";
export type { SslContextOptions } from "../loop/tls.ts";
