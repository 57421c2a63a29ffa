/**
 * `StreamTransport`: joins a host stream (socket or pipe) to a loop, as
 * asyncio's transport and `StreamReaderProtocol` do together: bytes go to
 * the reader, writes are flow-controlled, closing is tracked.
 *
 * @module
 */
import { RuntimeError } from "../internal/errors.ts";
import type { HostStream, StreamEvents } from "../internal/stream_host.ts";
import type { EventLoop } from "../loop/event_loop.ts";
import type { Future } from "../tasks/future.ts";
import { waitOnHost } from "./host_wait.ts";
import type { ReaderTransport, StreamReader } from "./stream_reader.ts";

/**
 * The transport under a `StreamWriter` (`writer.transport`): the part of
 * asyncio's transport API a stream user needs.
 */
export interface Transport {
  /** Bytes written but not yet handed to the system. */
  getWriteBufferSize(): number;
  /** True once the transport is closing or closed. */
  isClosing(): boolean;
  /** Flushes what is buffered, then closes. */
  close(): void;
  /** Closes at once, dropping what is buffered. */
  abort(): void;
  /** Information about the transport, such as `"peername"`; see `StreamWriter.getExtraInfo`. */
  getExtraInfo(name: string, defaultValue?: unknown): unknown;
}

/** Options of a transport. */
export interface TransportOptions {
  /** The reader fed with the bytes that arrive, if any. */
  reader?: StreamReader | null;
  /** Values for `getExtraInfo`, computed when asked for. */
  extra?: Record<string, () => unknown>;
  /** Called once when the connection is lost (closed, for any reason). */
  onLost?: () => void;
}

/** A transport over one host stream, driven by the host's events. */
export class StreamTransport
  implements Transport, StreamEvents, ReaderTransport {
  readonly #loop: EventLoop;
  readonly #reader: StreamReader | null;
  readonly #extra: Record<string, () => unknown>;
  readonly #onLost: (() => void) | null;
  #host: HostStream | null = null;
  #closing = false;
  #closeCalled = false;
  #eofWritten = false;
  #lost = false;
  #lostError: Error | null = null;
  #writePaused = false;
  readonly #drainWaiters = new Set<Future<void>>();
  readonly #closeWaiters = new Set<Future<void>>();

  /** Creates the transport on `loop`; `attach()` gives it its stream. */
  constructor(loop: EventLoop, options: TransportOptions = {}) {
    this.#loop = loop;
    this.#reader = options.reader ?? null;
    this.#extra = options.extra ?? {};
    this.#onLost = options.onLost ?? null;
  }

  /** Connects the host stream whose events this transport receives. */
  attach(host: HostStream): void {
    this.#host = host;
  }

  // -- host events ---------------------------------------------------------

  /** Bytes arrived: they go to the reader. */
  onData(chunk: Uint8Array): void {
    if (this.#loopGone()) return;
    this.#reader?.feedData(chunk);
  }

  /** The peer sent EOF: the reader ends; writing may go on. */
  onEnd(): void {
    if (this.#loopGone()) return;
    this.#reader?.feedEof();
  }

  /** The write buffer emptied: waiting `drain()` calls return. */
  onDrain(): void {
    if (this.#loopGone()) return;
    this.#writePaused = false;
    settleAll(this.#drainWaiters, null);
  }

  /** The stream closed: readers end (or fail), waiters are woken. */
  onClose(error: Error | null): void {
    if (this.#lost) return;
    this.#lost = true;
    this.#closing = true;
    this.#lostError = error;
    if (this.#loop.isClosed()) return;
    const reader = this.#reader;
    if (reader !== null) {
      if (error === null) reader.feedEof();
      else reader.setException(error);
    }
    settleAll(this.#closeWaiters, error);
    settleAll(this.#drainWaiters, error);
    this.#onLost?.();
  }

  // -- reading -------------------------------------------------------------

  /** Stops reading from the host (the reader's buffer is full). */
  pauseReading(): void {
    this.#host?.pause();
  }

  /** Reads from the host again. */
  resumeReading(): void {
    this.#host?.resume();
  }

  /** Keeps the process alive while a task waits on this transport. */
  hold(): () => void {
    return this.#host?.hold() ?? (() => {});
  }

  // -- writing -------------------------------------------------------------

  /**
   * Queues `data` for writing; a `RuntimeError` after `writeEof()`. After
   * `close()`, `abort()` or the loss of the connection the bytes are
   * dropped, as in asyncio (the next `drain()` reports a loss).
   */
  write(data: Uint8Array): void {
    if (this.#eofWritten) {
      throw new RuntimeError("Cannot write after writeEof()");
    }
    if (this.#lost || this.#closeCalled || data.length === 0) return;
    if (!this.#host!.write(data)) this.#writePaused = true;
  }

  /** Sends EOF after the queued bytes; the reading side stays open. */
  writeEof(): void {
    if (this.#eofWritten || this.#lost || this.#closeCalled) return;
    this.#eofWritten = true;
    this.#host!.end();
  }

  /** Waits while the write buffer is above its high-water mark. */
  async drain(): Promise<void> {
    if (this.#lost) throw this.#lostError ?? connectionLost();
    if (!this.#writePaused) return;
    const waiter = this.#loop.createFuture<void>();
    this.#drainWaiters.add(waiter);
    try {
      await waitOnHost(waiter, this);
    } finally {
      this.#drainWaiters.delete(waiter);
    }
  }

  // -- closing -------------------------------------------------------------

  /** Flushes what is buffered, then closes. */
  close(): void {
    if (this.#closeCalled) return;
    this.#closeCalled = this.#closing = true;
    this.#host?.close();
  }

  /** Closes at once, dropping what is buffered. */
  abort(): void {
    this.#closeCalled = this.#closing = true;
    this.#host?.abort();
  }

  /** True once closing or closed. */
  isClosing(): boolean {
    return this.#closing;
  }

  /** Waits until the stream is closed; throws the error it closed with. */
  async waitClosed(): Promise<void> {
    if (this.#lost) {
      if (this.#lostError !== null) throw this.#lostError;
      return;
    }
    const waiter = this.#loop.createFuture<void>();
    this.#closeWaiters.add(waiter);
    try {
      await waitOnHost(waiter, this);
    } finally {
      this.#closeWaiters.delete(waiter);
    }
  }

  /** Bytes written but not yet handed to the system. */
  getWriteBufferSize(): number {
    return this.#lost ? 0 : this.#host?.writeBufferSize() ?? 0;
  }

  /** The named information, or `defaultValue` when there is none. */
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    const compute = Object.hasOwn(this.#extra, name)
      ? this.#extra[name]
      : undefined;
    return compute?.() ?? defaultValue;
  }

  /** A host event after the loop closed: the stream is shut at once. */
  #loopGone(): boolean {
    if (!this.#loop.isClosed()) return false;
    this.#host?.abort();
    return true;
  }
}

/** The error of a stream used after its connection was lost. */
function connectionLost(): Error {
  return Object.assign(
    new Error("Connection lost: the stream is closed"),
    { code: "ECONNRESET" },
  );
}

function settleAll(waiters: Set<Future<void>>, error: Error | null): void {
  for (const waiter of waiters) {
    if (waiter.done()) continue;
    if (error === null) waiter.setResult();
    else waiter.setException(error);
  }
  waiters.clear();
}
