/**
 * `StreamTransport`: the one transport over a host byte stream (a TCP or
 * Unix socket, plain or TLS, or a pipe), as CPython's
 * `_SelectorSocketTransport`. The host's events become loop callbacks, in
 * the order they happened, so a protocol is never called from inside a
 * transport method nor in the middle of a task's step.
 *
 * @module
 */
import {
  type ProtocolContext,
  protocolContext,
  switchTo,
} from "../internal/context.ts";
import { copyForHost } from "../internal/host_copy.ts";
import { holdWaker } from "../internal/real_world.ts";
import { internals as loopInternals } from "./_internals.ts";
import { Deque } from "../internal/deque.ts";
import { RuntimeError, toError } from "../internal/errors.ts";
import { HostSocket, type RawSocket } from "../internal/socket_host.ts";
import {
  type HostStream,
  offerHostChunk,
  type StreamEvents,
} from "../internal/stream_host.ts";
import { describe } from "../internal/validate.ts";
import { internals } from "./_transport_internals.ts";
import type { AbstractEventLoop } from "./abstract_event_loop.ts";
import { callProtocol, type StreamProtocol } from "./protocols.ts";
import {
  dropWrite,
  type InfoValue,
  Transport,
  waterMarks,
} from "./transports.ts";

const EOF = Symbol("eof");
const CLOSED = Symbol("closed");

/** Options of a stream transport. */
export interface StreamTransportOptions {
  /** Values for `getExtraInfo`, computed when asked for. */
  extra?: Record<string, () => unknown>;
  /** Counts the transport from now until its `connectionLost` (a server). */
  owner?: TransportOwner | null;
  /**
   * Keep the process alive while the transport is open (the protocol has
   * no other way to say it waits). Streams hold the host only while a task
   * waits on them.
   */
  holdWhileOpen?: boolean;
  /** False for TLS: it cannot half-close. */
  canWriteEof?: boolean;
  /** A pipe: its `writeEof()` is its `close()`, as asyncio's write pipe's. */
  pipe?: boolean;
  /** A subprocess's pipe, whose loss asyncio reports a callback later. */
  relayed?: boolean;
  /** Call the protocol's `connectionMade` on `attach` (default true). */
  callConnectionMade?: boolean;
}

/** What counts a server's connections, as asyncio's `Server._attach`. */
export interface TransportOwner {
  /** A connection of the owner begins. */
  attachTransport(transport: StreamTransport): void;
  /** A connection of the owner ended. */
  detachTransport(transport: StreamTransport): void;
}

/** What a TLS transport no longer tells once its connection is lost. */
const SOCKET_INFO = new Set(["socket", "peername", "sockname"]);

/** What `getBuffer()` returned, if it is a buffer to fill. */
function checkBuffer(buffer: unknown): Uint8Array {
  if (!(buffer instanceof Uint8Array)) {
    throw new RuntimeError(
      `getBuffer() must return a Uint8Array, got ${describe(buffer)}`,
    );
  }
  if (buffer.length === 0) {
    throw new RuntimeError("getBuffer() returned an empty buffer");
  }
  return buffer;
}

/**
 * A transport over one host stream. Made with its protocol; `attach()`
 * gives it the host stream, whose events become loop callbacks.
 */
export class StreamTransport extends Transport {
  readonly #loop: AbstractEventLoop;
  /** Where the protocol is called. */
  readonly #protocolContext: ProtocolContext;
  #protocol: StreamProtocol;
  readonly #extra: Record<string, () => unknown>;
  readonly #owner: TransportOwner | null;
  readonly #holdWhileOpen: boolean;
  readonly #canWriteEof: boolean;
  readonly #pipe: boolean;
  readonly #relayed: boolean;
  readonly #callConnectionMade: boolean;
  #host: HostStream | null = null;
  /**
   * The host's chunks are the transport's to give away (`ownsChunks`), kept
   * apart from `#host`, which is gone while chunks that came before a close
   * are still delivered.
   */
  #ownsChunks = false;
  #releaseHold: (() => void) | null = null;
  #closing = false;
  #eofWritten = false;
  /**
   * asyncio's `_conn_lost` for the writes dropped once closing: the close
   * counts as the first.
   */
  #connLost = 1;
  /** `connectionLost` is scheduled or done. */
  #lost = false;
  #readingPaused = false;
  /** What arrived while reading was paused: chunks, then maybe EOF and the close. */
  readonly #pending = new Deque<Uint8Array | typeof EOF | typeof CLOSED>();
  /**
   * Once the socket went to a TLS handshake: bytes that were on their way
   * to the protocol, which belong to the handshake instead.
   */
  #unread: Uint8Array[] | null = null;
  #protocolPaused = false;
  #resumeScheduled = false;
  #high: number;
  #low: number;

  /** Creates the transport of `protocol` on `loop`. */
  constructor(
    loop: AbstractEventLoop,
    protocol: StreamProtocol,
    options: StreamTransportOptions = {},
  ) {
    super();
    this.#loop = loop;
    this.#protocolContext = protocolContext(loop);
    this.#protocol = protocol;
    this.#extra = options.extra ?? {};
    this.#owner = options.owner ?? null;
    this.#owner?.attachTransport(this);
    this.#holdWhileOpen = options.holdWhileOpen ?? false;
    this.#canWriteEof = options.canWriteEof ?? true;
    this.#pipe = options.pipe ?? false;
    this.#relayed = options.relayed ?? false;
    this.#callConnectionMade = options.callConnectionMade ?? true;
    [this.#high, this.#low] = waterMarks();
  }

  /**
   * Gives the transport its host stream; the protocol's `connectionMade`
   * is called soon, before any other callback.
   */
  attach(host: HostStream): void {
    this.#host = host;
    this.#ownsChunks = host.ownsChunks;
    if (this.#holdWhileOpen) this.#releaseHold = holdWhileOpen(this, host);
    if (this.#callConnectionMade) {
      loopInternals.callSoon(this.#loop, this.#connectionMade, this);
    }
  }

  /** The loop the transport belongs to. */
  getLoop(): AbstractEventLoop {
    return this.#loop;
  }

  static {
    internals.hold = (transport) => transport.#host?.hold() ?? (() => {});
    internals.streamEvents = (transport) => transport.#events;
    internals.detachForTls = (transport) => transport.#detachForTls();
    internals.releaseOwner = (transport) =>
      transport.#owner?.detachTransport(transport);
    internals.loseAfterTls = (transport, protocol, error) => {
      transport.#protocol = protocol;
      loopInternals.callSoon(
        transport.#loop,
        transport.#connectionLost,
        error,
      );
    };
  }

  /**
   * Gives the socket away for a TLS handshake: this transport is closed
   * without calling its protocol; its owner still counts it until
   * `releaseOwner`.
   */
  #detachForTls(): {
    raw: RawSocket;
    owner: TransportOwner | null;
    holdWhileOpen: boolean;
    unread: Uint8Array[];
  } {
    const host = this.#host;
    if (!(host instanceof HostSocket)) {
      throw new TypeError("startTls() needs the transport of a socket");
    }
    this.#host = null;
    this.#closing = this.#lost = true;
    const unread: Uint8Array[] = [];
    while (this.#pending.length > 0) {
      const next = this.#pending.take();
      if (next instanceof Uint8Array) unread.push(next);
    }
    this.#unread = unread;
    this.#releaseHold?.();
    this.#releaseHold = null;
    return {
      raw: host.unwire(),
      owner: this.#owner,
      holdWhileOpen: this.#holdWhileOpen,
      unread,
    };
  }

  // -- host events: each becomes a loop callback -------------------------

  /** What the host stream reports. */
  readonly #events: StreamEvents = {
    onData: (chunk) => this.#fromHost(this.#dataArrived, chunk),
    onEnd: () => this.#fromHost(this.#eofArrived, EOF),
    onClose: (error) => this.#fromHost(this.#hostClosed, error),
  };

  /** Schedules `callback(arg)` for a host event; the loop wakes at once. */
  #fromHost<T>(callback: (arg: T) => void, arg: T): void {
    if (this.#loopGone()) return;
    loopInternals.callSoonFromHost(this.#loop, callback, arg);
  }

  readonly #connectionMade = (self: StreamTransport): void => {
    if (switchTo(self.#protocolContext, self.#connectionMade, self)) return;
    if (self.#lost) return;
    callProtocol(self.#loop, self.#protocol, "connectionMade", self);
  };

  readonly #dataArrived = (chunk: Uint8Array): void => {
    if (switchTo(this.#protocolContext, this.#dataArrived, chunk)) return;
    if (this.#closing) {
      this.#unread?.push(chunk);
      return;
    }
    if (this.#readingPaused || this.#pending.length > 0) {
      this.#pending.add(chunk);
    } else this.#deliver(chunk);
  };

  readonly #eofArrived = (eof: typeof EOF): void => {
    if (switchTo(this.#protocolContext, this.#eofArrived, eof)) return;
    if (this.#closing) return;
    if (this.#readingPaused || this.#pending.length > 0) {
      this.#pending.add(eof);
    } else this.#deliverEof();
  };

  readonly #hostClosed = (error: Error | null): void => {
    this.#host = null;
    if (this.#lost) return;
    // Bytes that arrived before a regular close are still delivered.
    if (error === null && this.#pending.length > 0 && !this.#closing) {
      this.#pending.add(CLOSED);
      return;
    }
    // Both halves ended, ours by writeEof() and the peer's kept open by the
    // protocol: asyncio's transport stays open until close(), though it
    // no longer keeps the program alive, having nothing left to wait for.
    if (error === null && this.#eofWritten && !this.#closing) {
      this.#releaseHold?.();
      this.#releaseHold = null;
      return;
    }
    this.#closing = this.#lost = true;
    this.#pending.clear();
    this.#connectionLost(error);
  };

  #deliver(chunk: Uint8Array): void {
    const protocol = this.#protocol;
    if (typeof protocol.getBuffer === "function") {
      this.#deliverBuffered(protocol, chunk);
      return;
    }
    try {
      if (this.#ownsChunks) {
        offerHostChunk(chunk);
        try {
          protocol.dataReceived?.(chunk);
        } finally {
          offerHostChunk(null);
        }
      } else protocol.dataReceived?.(chunk);
    } catch (error) {
      this.#fatalError(error, "protocol.dataReceived() call failed");
    }
  }

  /**
   * A `BufferedProtocol` gets the chunk in the buffers it provides; a
   * failed call is a fatal error that names it, as in asyncio.
   */
  #deliverBuffered(protocol: StreamProtocol, chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length && !this.#closing) {
      let buffer: Uint8Array;
      try {
        buffer = checkBuffer(protocol.getBuffer!(chunk.length - offset));
      } catch (error) {
        this.#fatalError(error, "protocol.getBuffer() call failed");
        return;
      }
      const n = Math.min(buffer.length, chunk.length - offset);
      buffer.set(chunk.subarray(offset, offset + n));
      offset += n;
      try {
        protocol.bufferUpdated?.(n);
      } catch (error) {
        this.#fatalError(error, "protocol.bufferUpdated() call failed");
        return;
      }
    }
  }

  #deliverEof(): void {
    let keepOpen: unknown;
    try {
      keepOpen = this.#protocol.eofReceived?.();
    } catch (error) {
      this.#fatalError(error, "protocol.eofReceived() call failed");
      return;
    }
    // TLS cannot stay half-open: the transport closes, as in asyncio.
    if (!keepOpen || !this.#canWriteEof) this.close();
  }

  readonly #connectionLost = (error: Error | null): void => {
    if (switchTo(this.#protocolContext, this.#connectionLost, error)) return;
    callProtocol(this.#loop, this.#protocol, "connectionLost", error);
    this.#host?.abort();
    this.#releaseHold?.();
    this.#releaseHold = null;
    this.#owner?.detachTransport(this);
  };

  /**
   * Calls `connectionLost(null)` for a close on the loop: a callback
   * later, or two for a subprocess's pipe, whose loss asyncio relays
   * through the process's transport (so a `drain()` right after `close()`
   * still succeeds there). A failed pipe is lost a callback later: asyncio
   * would have seen its reader go before the write that found it here.
   */
  #loseAfterClose(): void {
    loopInternals.callSoon(
      this.#loop,
      this.#relayed ? this.#relayLoss : this.#connectionLost,
      null,
    );
  }

  readonly #relayLoss = (): void => {
    loopInternals.callSoon(this.#loop, this.#connectionLost, null);
  };

  /** An error of the protocol: reported, and the connection is closed. */
  #fatalError(error: unknown, message: string): void {
    this.#loop.callExceptionHandler({
      message: `Fatal error: ${message}`,
      exception: error,
      transport: this,
      protocol: this.#protocol,
    });
    this.#forceClose(toError(error));
  }

  #forceClose(error: Error | null): void {
    if (this.#lost) return;
    this.#closing = this.#lost = true;
    this.#pending.clear();
    this.#host?.abort();
    loopInternals.callSoon(this.#loop, this.#connectionLost, error);
  }

  /** A host event after the loop closed: the stream is shut at once. */
  #loopGone(): boolean {
    if (!this.#loop.isClosed()) return false;
    this.#host?.abort();
    return true;
  }

  // -- reading -------------------------------------------------------------

  /** True unless reading is paused or the transport is closing. */
  isReading(): boolean {
    return !this.#readingPaused && !this.#closing;
  }

  /** Stops calling `dataReceived` until `resumeReading()`. */
  pauseReading(): void {
    if (this.#closing || this.#readingPaused) return;
    this.#readingPaused = true;
    this.#host?.pause();
  }

  /** Calls `dataReceived` again, first with what arrived meanwhile. */
  resumeReading(): void {
    if (this.#closing || !this.#readingPaused) return;
    this.#readingPaused = false;
    if (this.#pending.length > 0) {
      loopInternals.callSoon(this.#loop, this.#deliverPending, this);
    }
    this.#host?.resume();
  }

  readonly #deliverPending = (self: StreamTransport): void => {
    if (switchTo(self.#protocolContext, self.#deliverPending, self)) return;
    while (
      self.#pending.length > 0 && !self.#readingPaused && !self.#closing
    ) {
      const next = self.#pending.take()!;
      if (next === EOF) self.#deliverEof();
      else if (next === CLOSED) self.#hostClosed(null);
      else self.#deliver(next);
    }
  };

  // -- writing -------------------------------------------------------------

  /**
   * Queues a copy of `data`. A `RuntimeError` after `writeEof()`; after
   * `close()`, `abort()` or the loss of the connection the bytes are
   * dropped (asyncio still sends those written after a `close()` that had
   * bytes left to send).
   */
  write(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(
        `write() takes a Uint8Array, got ${describe(data)}` +
          (typeof data === "string" ? ": encode text with TextEncoder" : ""),
      );
    }
    if (this.#eofWritten) {
      throw new RuntimeError("Cannot call write() after writeEof()");
    }
    const host = this.#host;
    if (data.length === 0) return;
    if (this.#closing || host === null) {
      this.#connLost = dropWrite(
        this.#connLost,
        "socket.send() raised exception.",
      );
      return;
    }
    const chunk = copyForHost(data);
    const taken =
      this.#protocolPaused || host.writeBufferSize() + chunk.length > this.#low
        ? host.write(chunk, this.#flushed)
        : host.write(chunk);
    // The host knew the stream closed, or closed it at this write, before
    // its close event reaches the loop (which a task that never suspends
    // would not see): the connection is lost now, as asyncio learns it
    // from the failed send.
    if (!taken) {
      this.#forceClose(null);
      return;
    }
    this.#maybePauseProtocol();
  }

  /** Queues every chunk, in order. */
  writelines(chunks: Iterable<Uint8Array>): void {
    for (const chunk of chunks) this.write(chunk);
  }

  /** Sends EOF once buffered bytes are sent; reading goes on. */
  writeEof(): void {
    if (!this.#canWriteEof) {
      throw new RuntimeError(
        "A TLS connection cannot half-close: writeEof() is not supported",
      );
    }
    if (this.#closing || this.#eofWritten) return;
    this.#eofWritten = true;
    if (this.#pipe) this.close();
    else this.#host?.end();
  }

  /** True, except over TLS. */
  canWriteEof(): boolean {
    return this.#canWriteEof;
  }

  /** Bytes written but not yet handed to the system. */
  getWriteBufferSize(): number {
    return this.#host?.writeBufferSize() ?? 0;
  }

  /** `[low, high]`. */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this.#low, this.#high];
  }

  /** Sets the water marks of the write buffer; see `Transport`. */
  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    [this.#high, this.#low] = waterMarks(high, low);
    this.#maybePauseProtocol();
  }

  /** A host callback: a chunk was handed to the system. */
  readonly #flushed = (failed: boolean): void => {
    // Bytes a failed stream dropped were not written: `connectionLost`
    // follows with the error, which is what a waiting drain must see.
    if (
      failed || !this.#protocolPaused || this.#resumeScheduled ||
      this.#loop.isClosed()
    ) return;
    if (this.getWriteBufferSize() > this.#low) return;
    this.#resumeScheduled = true;
    this.#fromHost(this.#maybeResumeProtocol, this);
  };

  #maybePauseProtocol(): void {
    if (this.#protocolPaused || this.getWriteBufferSize() <= this.#high) {
      return;
    }
    this.#protocolPaused = true;
    try {
      this.#protocol.pauseWriting?.();
    } catch (exception) {
      this.#loop.callExceptionHandler({
        message: "protocol.pauseWriting() failed",
        exception,
        transport: this,
        protocol: this.#protocol,
      });
    }
  }

  readonly #maybeResumeProtocol = (self: StreamTransport): void => {
    if (switchTo(self.#protocolContext, self.#maybeResumeProtocol, self)) {
      return;
    }
    self.#resumeScheduled = false;
    if (!self.#protocolPaused || self.getWriteBufferSize() > self.#low) return;
    self.#protocolPaused = false;
    try {
      self.#protocol.resumeWriting?.();
    } catch (exception) {
      self.#loop.callExceptionHandler({
        message: "protocol.resumeWriting() failed",
        exception,
        transport: self,
        protocol: self.#protocol,
      });
    }
  };

  // -- closing -------------------------------------------------------------

  /** Sends what is buffered, then closes; `connectionLost(null)` follows. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#pending.clear();
    const host = this.#host;
    if (host === null) {
      this.#forceClose(null);
      return;
    }
    // As asyncio: with nothing left to send, `connectionLost` comes on the
    // next iteration while the host ends the stream on its own. TLS waits
    // for the peer to answer its close first, and a stream the host has
    // closed already reports why with its close event.
    const loseNow = this.#canWriteEof && !host.isClosed() &&
      host.writeBufferSize() === 0;
    host.close();
    if (loseNow) {
      this.#host = null;
      this.#lost = true;
      this.#loseAfterClose();
    }
  }

  /** Closes at once, dropping what is buffered. */
  abort(): void {
    this.#forceClose(null);
  }

  /** True once closing or closed. */
  isClosing(): boolean {
    return this.#closing;
  }

  /** The named information, or `defaultValue` when there is none. */
  getExtraInfo<K extends string, D = null>(
    name: K,
    defaultValue: D = null as D,
  ): InfoValue<K> | D {
    // As asyncio's TLS transport, whose socket goes with the connection.
    const gone = this.#lost && !this.#canWriteEof && SOCKET_INFO.has(name);
    const compute = !gone && Object.hasOwn(this.#extra, name)
      ? this.#extra[name]
      : undefined;
    return (compute?.() ?? defaultValue) as InfoValue<K> | D;
  }

  /** Sets the protocol that receives the callbacks. */
  setProtocol(protocol: StreamProtocol): void {
    this.#protocol = protocol;
  }

  /** The protocol that receives the callbacks. */
  getProtocol(): StreamProtocol {
    return this.#protocol;
  }

  /** A short description, as asyncio's `repr`. */
  override toString(): string {
    const state = this.#lost ? " closed" : this.#closing ? " closing" : "";
    const peer = this.getExtraInfo("peername");
    return `<StreamTransport${state}${peer === null ? "" : ` peer=${peer}`}>`;
  }
}

// -- transports that keep the process alive while open --------------------

const heldOpen = new Map<
  StreamTransport,
  [release: () => void, host: HostStream]
>();
let sweeper: ReturnType<typeof setInterval> | null = null;

/** How often (ms) transports held open are checked for a closed loop. */
const SWEEP_MS = 200;

/**
 * Holds `host` while `transport` is open. A transport whose loop is closed
 * without it being closed (a forgotten connection after `run()`) is
 * aborted by a sweep, so it never keeps the program alive for long.
 */
function holdWhileOpen(
  transport: StreamTransport,
  host: HostStream,
): () => void {
  const releaseHost = host.hold();
  // An open connection can wake the loop: waiting on it is no deadlock.
  const releaseWaker = holdWaker(transport.getLoop());
  const release = () => {
    releaseHost();
    releaseWaker();
  };
  heldOpen.set(transport, [release, host]);
  if (sweeper === null) {
    sweeper = setInterval(sweep, SWEEP_MS);
    (sweeper as { unref?: () => void }).unref?.();
  }
  return () => {
    release();
    heldOpen.delete(transport);
    if (heldOpen.size === 0 && sweeper !== null) {
      clearInterval(sweeper);
      sweeper = null;
    }
  };
}

function sweep(): void {
  for (const [transport, [release, host]] of [...heldOpen]) {
    if (!transport.getLoop().isClosed()) continue;
    heldOpen.delete(transport);
    release();
    host.abort(); // the loop closed under the transport
  }
  if (heldOpen.size === 0 && sweeper !== null) {
    clearInterval(sweeper);
    sweeper = null;
  }
}
