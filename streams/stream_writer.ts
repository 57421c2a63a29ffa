/**
 * `StreamWriter`: writes to a socket or a pipe, with flow control.
 *
 * @module
 */
import { startTls } from "../loop/create_connection.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import type { SSLContext } from "../loop/tls.ts";
import type { InfoValue, Transport } from "../loop/transports.ts";
import { checkOptions } from "../internal/validate.ts";
import { sleep } from "../tasks/sleep.ts";
import { checkBytes } from "./checks.ts";
import { encodeText } from "./text.ts";
import type { StreamReader } from "./stream_reader.ts";
import type { StreamReaderProtocol } from "./stream_reader_protocol.ts";
import { internals } from "./_internals.ts";

/** Options of `StreamWriter.startTls()`. */
export interface WriterStartTlsOptions {
  /** Client side: the name to send and check the certificate against. */
  serverHostname?: string | null;
  /** Seconds the TLS handshake may take; 60 by default. */
  sslHandshakeTimeout?: number | null;
  /**
   * Seconds the peer has to answer a TLS close before the connection is
   * dropped with `TimeoutError`; 30 by default.
   */
  sslShutdownTimeout?: number | null;
}

/**
 * Writes bytes to a stream: asyncio's `StreamWriter`, made by
 * `openConnection()`, `startServer()` and for a subprocess's stdin.
 * `write()` never blocks; `await drain()` after writing waits while the
 * transport's buffer is above its high-water mark, that is while the peer
 * is not reading fast enough.
 *
 * Cancelling a task blocked in `drain()` leaves the writer usable: the
 * bytes already written stay queued and are still sent.
 *
 * @example Writing to an echo server
 * ```ts
 * import { openConnection, startServer } from "@aio/asyncio/streams";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const echoed = await run(async () => {
 *   await using server = await startServer(async (reader, writer) => {
 *     writer.write(await reader.readline());
 *     writer.close();
 *   }, "127.0.0.1", 0);
 *   const [, port] = server.sockets[0].getsockname();
 *   const [reader, writer] = await openConnection("127.0.0.1", port);
 *   writer.write(new TextEncoder().encode("ping\n"));
 *   await writer.drain();
 *   const line = await reader.readline();
 *   writer.close();
 *   await writer.waitClosed();
 *   return new TextDecoder().decode(line);
 * });
 * assert.equal(echoed, "ping\n");
 * ```
 */
export class StreamWriter {
  #transport: Transport;
  readonly #protocol: StreamReaderProtocol;
  readonly #reader: StreamReader | null;

  private constructor(
    transport: Transport,
    protocol: StreamReaderProtocol,
    reader: StreamReader | null,
  ) {
    this.#transport = transport;
    this.#protocol = protocol;
    this.#reader = reader;
  }

  static {
    internals.newStreamWriter = (transport, reader, protocol) =>
      new StreamWriter(
        transport,
        protocol ?? transport.getProtocol() as StreamReaderProtocol,
        reader,
      );
  }

  /** The underlying transport. */
  get transport(): Transport {
    return this.#transport;
  }

  /**
   * Queues `data` for sending; never blocks. Follow a series of writes
   * with `await drain()`. A `RuntimeError` after `writeEof()`; after
   * `close()` or a lost connection the bytes are dropped (asyncio still
   * sends those written after a `close()` that had bytes left to send).
   */
  write(data: Uint8Array): void {
    checkBytes(data, "write()");
    this.#transport.write(data);
  }

  /** Queues every chunk of `chunks`, in order. */
  writelines(chunks: Iterable<Uint8Array>): void {
    const list = [...chunks];
    for (const chunk of list) checkBytes(chunk, "writelines()");
    for (const chunk of list) this.#transport.write(chunk);
  }

  /**
   * Queues `text` encoded as UTF-8, as `write()` queues bytes; never
   * blocks, so follow a series of writes with `await drain()`. A lone
   * surrogate is written as U+FFFD, as `TextEncoder` does.
   *
   * @example Writing text lines
   * ```ts
   * import { openConnection, startServer } from "@aio/asyncio/streams";
   * import { run } from "@aio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const replies = await run(async () => {
   *   await using server = await startServer(async (reader, writer) => {
   *     for await (const line of reader.lines()) {
   *       writer.writeText(`${line.toUpperCase()}\n`);
   *       await writer.drain();
   *     }
   *     writer.close();
   *   }, "127.0.0.1", 0);
   *   const [host, port] = server.sockets[0].getsockname();
   *   const [reader, writer] = await openConnection(host, port);
   *   writer.writeText("héllo\nwörld\n");
   *   writer.writeEof();
   *   const replies = [];
   *   for await (const line of reader.lines()) replies.push(line);
   *   writer.close();
   *   await writer.waitClosed();
   *   return replies;
   * });
   * assert.deepEqual(replies, ["HÉLLO", "WÖRLD"]);
   * ```
   */
  writeText(text: string): void {
    this.#transport.write(encodeText(text, "writeText()"));
  }

  /** Sends EOF once the queued bytes are written; reading goes on. */
  writeEof(): void {
    this.#transport.writeEof();
  }

  /** True for sockets and pipes; false over TLS, which cannot half-close. */
  canWriteEof(): boolean {
    return this.#transport.canWriteEof();
  }

  /**
   * Waits until it is appropriate to write again: at once while the
   * transport's buffer is below its high-water mark, else until the peer
   * has taken enough. Throws the connection's error as the host gave it
   * (`EPIPE` when writing to a peer that is gone, `ECONNRESET` when it
   * reset the connection), or an error with code `"ECONNRESET"` once the
   * connection was lost without one.
   */
  drain(): Promise<void> {
    // Not async: a drain with nothing to wait for makes no promise of its own.
    const error = this.#reader?.exception() ?? null;
    if (error !== null) return Promise.reject(error);
    if (this.#transport.isClosing()) return this.#drainWhenClosing();
    return this.#protocol.drainHelper();
  }

  /** Lets a lost connection be seen before waiting, as asyncio does. */
  async #drainWhenClosing(): Promise<void> {
    await sleep(0);
    await this.#protocol.drainHelper();
  }

  /**
   * Flushes what is queued, then closes the stream (both directions);
   * `await waitClosed()` to know when it is done.
   */
  close(): void {
    this.#transport.close();
  }

  /** True once the stream is closing or closed. */
  isClosing(): boolean {
    return this.#transport.isClosing();
  }

  /** Waits until the stream is closed; throws the error it closed with. */
  async waitClosed(): Promise<void> {
    await this.#protocol.waitClosed();
  }

  /**
   * Upgrades the connection to TLS in place (STARTTLS), as the client, or
   * as the server for a writer of `startServer()`: what was written is
   * sent first, then the handshake is made with `sslContext` (`true`: the
   * default client context). A failed handshake closes the connection and
   * throws (`SSLCertVerificationError` for a certificate that does not
   * check out). Bytes already in the reader stay there.
   */
  async startTls(
    sslContext: SSLContext | true,
    options: WriterStartTlsOptions = {},
  ): Promise<void> {
    const given = checkOptions<WriterStartTlsOptions>(options, "startTls()", [
      "serverHostname",
      "sslHandshakeTimeout",
      "sslShutdownTimeout",
    ]);
    const serverSide = this.#protocol.isServerSide();
    await this.drain();
    const upgraded = await startTls(
      getRunningLoop(),
      this.#transport,
      this.#protocol,
      sslContext,
      { ...given, serverSide },
    );
    this.#transport = upgraded;
    this.#protocol.replaceTransport(this.#transport);
  }

  /**
   * Information about the stream: `"peername"` and `"sockname"` give
   * `[host, port]` for a TCP socket (a path for a Unix socket), `"socket"`
   * describes the socket; over TLS, `"peercert"`, `"cipher"`,
   * `"sslObject"` and `"sslcontext"`. `defaultValue` (default `null`) when
   * the stream has no such information.
   */
  getExtraInfo<K extends string, D = null>(
    name: K,
    defaultValue: D = null as D,
  ): InfoValue<K> | D {
    return this.#transport.getExtraInfo(name, defaultValue);
  }

  /** A short description, as asyncio's `repr`. */
  toString(): string {
    const state = this.isClosing() ? " closing" : "";
    return `<StreamWriter${state}>`;
  }
}
