/**
 * Streams over TCP, as in Python's asyncio: `openConnection()` for a
 * client, `startServer()` for a server, both giving a `StreamReader` and a
 * `StreamWriter` of bytes (`Uint8Array`). Reads apply back-pressure and
 * every wait can be cancelled like any other await.
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
export { openConnection } from "./open_connection.ts";
export type { OpenConnectionOptions } from "./open_connection.ts";
export { Server, startServer } from "./server.ts";
export type {
  ClientConnectedCallback,
  ServerSocket,
  StartServerOptions,
} from "./server.ts";
export { StreamReader } from "./stream_reader.ts";
export { StreamWriter } from "./stream_writer.ts";
export type { Transport } from "./transport.ts";
export { IncompleteReadError, LimitOverrunError } from "./errors.ts";
export { openStderr, openStdin, openStdout } from "./std_streams.ts";
export type { OpenStdinOptions } from "./std_streams.ts";
