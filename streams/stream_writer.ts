/**
 * `StreamWriter`: writes to a socket or a pipe, with flow control.
 *
 * @module
 */
import { checkBytes } from "./checks.ts";
import type { StreamReader } from "./stream_reader.ts";
import type { StreamTransport, Transport } from "./transport.ts";

/** Makes a writer over `transport`; for this package only. */
export let makeStreamWriter: (
  transport: StreamTransport,
  reader: StreamReader | null,
) => StreamWriter;

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
  readonly #transport: StreamTransport;
  readonly #reader: StreamReader | null;

  private constructor(
    transport: StreamTransport,
    reader: StreamReader | null,
  ) {
    this.#transport = transport;
    this.#reader = reader;
  }

  static {
    makeStreamWriter = (transport, reader) =>
      new StreamWriter(transport, reader);
  }

  /** The underlying transport. */
  get transport(): Transport {
    return this.#transport;
  }

  /**
   * Queues `data` for sending; never blocks. Follow a series of writes
   * with `await drain()`. A `RuntimeError` after `writeEof()`; after
   * `close()` or a lost connection the bytes are dropped, as in asyncio.
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

  /** Sends EOF once the queued bytes are written; reading goes on. */
  writeEof(): void {
    this.#transport.writeEof();
  }

  /** True: sockets and pipes can send EOF. */
  canWriteEof(): boolean {
    return true;
  }

  /**
   * Waits until it is appropriate to write again: at once while the
   * transport's buffer is below its high-water mark, else until the peer
   * has taken enough. Throws the stream's error, or an error with code
   * `"ECONNRESET"` once the connection is lost.
   */
  async drain(): Promise<void> {
    const error = this.#reader?.exception() ?? null;
    if (error !== null) throw error;
    await this.#transport.drain();
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
    await this.#transport.waitClosed();
  }

  /**
   * Information about the stream: `"peername"` and `"sockname"` give
   * `[host, port]` for a socket. `defaultValue` (default `null`) when the
   * stream has no such information.
   */
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    return this.#transport.getExtraInfo(name, defaultValue);
  }

  /** A short description, as asyncio's `repr`. */
  toString(): string {
    const state = this.isClosing() ? " closing" : "";
    return `<StreamWriter${state}>`;
  }
}
