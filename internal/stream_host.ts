/**
 * Byte streams of the host runtime (sockets, pipes of a child process) as
 * the loop's transports see them: one adapter over `node:stream`, which
 * Deno, Bun and Node all provide with the same events.
 *
 * A wrapped stream does not keep the process alive by itself: it is
 * referenced only while someone `hold()`s it, that is while the library
 * waits on it. So a forgotten socket never keeps a program running after
 * `run()` returns.
 *
 * @module
 */
import type { Duplex } from "node:stream";
import { setImmediate, setInterval } from "node:timers";
import { Deque } from "./deque.ts";
import { RUNTIME } from "./runtime.ts";
import { errorCode } from "./errors.ts";

/** What a host stream reports; called from host callbacks, never nested. */
export interface StreamEvents {
  /** Bytes arrived. */
  onData(chunk: Uint8Array): void;
  /** The peer will send no more bytes (EOF). */
  onEnd(): void;
  /** The stream is fully closed; `error` is why, or `null`. */
  onClose(error: Error | null): void;
}

/** One host byte stream, readable, writable or both. */
export interface HostStream {
  /**
   * Queues `chunk`; `flushed`, if given, is called once it has been handed
   * to the system, or with `true` once it failed or was dropped because
   * the stream closed.
   */
  /**
   * Queues `chunk`; `flushed` is told once it has left, or failed. False
   * if the stream is closed, before this write or by it (Node fails a
   * write to a pipe whose reader is gone at once): the chunk goes nowhere.
   */
  write(chunk: Uint8Array, flushed?: (failed: boolean) => void): boolean;
  /** Sends EOF once everything queued is written; reading goes on. */
  end(): void;
  /** Flushes what is queued, then closes both directions. */
  close(): void;
  /** Closes both directions now, dropping what is queued. */
  abort(): void;
  /** Stops reading from the host until `resume()`. */
  pause(): void;
  /** Reads from the host again. */
  resume(): void;
  /** Bytes queued for writing and not yet handed to the system. */
  writeBufferSize(): number;
  /**
   * True once the stream is closed, which the host may know before its
   * close event reaches the loop: writes to it go nowhere.
   */
  isClosed(): boolean;
  /** Keeps the process alive until the returned function is called. */
  hold(): () => void;
  /**
   * True for a stream measured to give each chunk memory of its own
   * (`WrapOptions.ownChunks`): its transport may offer them to be claimed.
   */
  readonly ownsChunks: boolean;
}

let keepers = 0;
let keeper: { ref(): unknown; unref(): unknown } | null = null;

/**
 * Keeps the process alive until the returned function is called: Node lets
 * the process end while the only thing waited on is an idle socket (one
 * whose peer has sent EOF), even a referenced one, so a wait also holds a
 * timer (made once, referenced only while held).
 */
export function keepProcessAlive(): () => void {
  if (keepers++ === 0) {
    keeper ??= setInterval(() => {}, 2 ** 30) as unknown as typeof keeper;
    keeper!.ref();
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--keepers === 0) keeper!.unref();
  };
}

/** The `node:stream` surface used here; sockets and pipes all have it. */
export type NodeStream = Duplex & { ref?(): unknown; unref?(): unknown };

/** How a wrapped stream treats its chunks. */
export interface WrapOptions {
  /**
   * True only for a host stream measured to give each chunk memory of its
   * own (sockets, child-process pipes): its chunks may then be claimed.
   */
  ownChunks?: boolean;
  /**
   * True for a child's stdin. The host closes it once the child exits,
   * cancelling (Deno) or silently dropping (Node) what is still queued: a
   * broken pipe, as asyncio reports it. On Bun its `writableLength` stays 0
   * while bytes wait, so they are counted until written.
   */
  childStdin?: boolean;
}

/**
 * Wraps a `node:stream` stream. Its chunks reach `events.onData` as plain
 * `Uint8Array` views (not `Buffer`), so they compare equal to other bytes.
 */
export function wrapStream(
  stream: Duplex,
  events: StreamEvents,
  options: WrapOptions = {},
): HostStream {
  return new WrappedStream(stream as NodeStream, events, options);
}

const guards = new WeakMap<
  NodeStream,
  { listener: (error: Error) => void; error: Error | null }
>();

/**
 * Keeps an error that `stream` reports before it is wrapped (between a TLS
 * handshake and the transport made on a loop callback), instead of the
 * host throwing it as uncaught; the wrapper reports it as the close's cause.
 */
export function guardStream(stream: NodeStream): void {
  if (guards.has(stream)) return;
  const guard = {
    error: null as Error | null,
    listener: (error: Error) => void (guard.error ??= error),
  };
  guards.set(stream, guard);
  stream.on("error", guard.listener);
}

/**
 * Chunks shorter than this are copied instead of viewed. On Bun, reading a
 * small chunk's `buffer` makes the engine build that buffer, which cost
 * more than a copy (64 bytes: 180 against 30 ns); on Deno a copy costs far
 * more than a view (about 1 µs), and on Node the two cost about the same.
 */
const COPY_BELOW = RUNTIME === "bun" ? 1024 : 0;

/** A plain view of a host chunk, or a plain copy of a short one. */
function plainView(chunk: Uint8Array): Uint8Array {
  if (chunk.byteLength < COPY_BELOW) return new Uint8Array(chunk);
  return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * The chunk a transport is handing to its protocol, while it may be kept
 * without a copy: a transport hands each chunk to one protocol, once, so
 * one slot serves every stream, with no table to fill (a `WeakSet` of
 * them cost 3-5% of an echo round trip on Node).
 */
let offered: Uint8Array | null = null;

/**
 * Offers `chunk`, as a wrapped stream that owns its chunks reported it, to
 * `claimHostChunk` until the next offer; `null` ends the offer. Only a
 * copy, or a view of a whole `ArrayBuffer`, is offered (measured on Deno,
 * Bun and Node: socket and TLS chunks each get an `ArrayBuffer` of their
 * own that the host never writes again; Bun's pipe chunks may share one).
 * A chunk shorter than `COPY_BELOW` is one that `plainView` copied, so its
 * `buffer`, costly to read on Bun, is not read.
 */
export function offerHostChunk(chunk: Uint8Array | null): void {
  offered = chunk !== null && (
      chunk.byteLength < COPY_BELOW ||
      chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
    )
    ? chunk
    : null;
}

/**
 * True, once, for the chunk on offer: its first taker may keep it without
 * a copy (a later call says false, so it is handed over only once).
 */
export function claimHostChunk(chunk: Uint8Array): boolean {
  if (chunk !== offered) return false;
  offered = null;
  return true;
}

/** A wrapped stream that can also give its host stream back. */
export class WrappedStream implements HostStream {
  readonly #stream: NodeStream;
  readonly #writable: boolean;
  #holds = 0;
  #error: Error | null = null;
  readonly #childStdin: boolean;
  readonly ownsChunks: boolean;
  /** A child's stdin on Bun: the sizes of the writes not yet done, in order. */
  readonly #unwritten: Deque<number> | null;
  #unwrittenBytes = 0;
  // deno-lint-ignore no-explicit-any
  readonly #listeners: [string, (...args: any[]) => void][];

  constructor(
    stream: NodeStream,
    events: StreamEvents,
    options: WrapOptions = {},
  ) {
    this.#stream = stream;
    this.#writable = stream.writable === true;
    this.#childStdin = options.childStdin === true;
    this.ownsChunks = options.ownChunks === true;
    this.#unwritten = this.#childStdin && RUNTIME === "bun"
      ? new Deque()
      : null;
    stream.unref?.();
    this.#listeners = [
      ["error", (error: Error) => this.#failed(error)],
      ["close", () => events.onClose(this.#error)],
    ];
    if (stream.readable === true) {
      this.#listeners.push(
        ["data", (chunk: Uint8Array) => events.onData(plainView(chunk))],
        // After an error the stream ends, but failed: its close says why.
        ["end", () => this.#error === null && events.onEnd()],
      );
    }
    for (const [name, listener] of this.#listeners) stream.on(name, listener);
    const guard = guards.get(stream);
    if (guard !== undefined) {
      guards.delete(stream);
      stream.off("error", guard.listener);
      this.#error = guard.error;
    }
    if (stream.destroyed) {
      // It closed before it was wrapped: its close event is gone.
      setImmediate(() => events.onClose(this.#error));
    } else if (stream.readableFlowing === false) {
      // Paused by its owner before it was handed over (connectAcceptedSocket).
      stream.resume();
    }
  }

  /**
   * Keeps the first error, which the close event reports; `null` for a
   * write the host dropped without one.
   */
  #failed(error: Error | null): void {
    if (this.#error !== null) return;
    const code = errorCode(error);
    this.#error = this.#childStdin && (error === null || code === "ECANCELED")
      ? Object.assign(new Error("write EPIPE: the child exited"), {
        code: "EPIPE",
        syscall: "write",
        cause: error ?? undefined,
      })
      : error;
  }

  /** The host stream. */
  get stream(): NodeStream {
    return this.#stream;
  }

  write(chunk: Uint8Array, flushed?: (failed: boolean) => void): boolean {
    if (this.isClosed()) {
      flushed?.(true);
      return false;
    }
    const unwritten = this.#unwritten;
    if (unwritten !== null) {
      unwritten.add(chunk.length);
      this.#unwrittenBytes += chunk.length;
    }
    if (flushed === undefined && unwritten === null) {
      this.#stream.write(chunk);
      return !this.isClosed();
    }
    this.#stream.write(chunk, (error?: Error | null) => {
      if (unwritten !== null) this.#unwrittenBytes -= unwritten.take()!;
      // Deno may close a stream whose write failed with no error event, and
      // Node reports no error for a write its stream dropped as it closed.
      const failed = Boolean(error) || this.#stream.destroyed === true;
      if (failed) this.#failed(error ?? null);
      flushed?.(failed);
    });
    return !this.isClosed();
  }

  end(): void {
    if (!this.#stream.destroyed && !this.#stream.writableEnded) {
      this.#stream.end();
    }
  }

  close(): void {
    const stream = this.#stream;
    if (stream.destroyed) return;
    if (!this.#writable || stream.writableFinished) {
      stream.destroy();
      return;
    }
    stream.once("finish", () => stream.destroy());
    this.end();
  }

  abort(): void {
    this.#stream.destroy();
  }

  pause(): void {
    this.#stream.pause();
  }

  resume(): void {
    this.#stream.resume();
  }

  writeBufferSize(): number {
    // Node keeps counting what a destroyed stream dropped.
    if (this.#stream.destroyed === true) return 0;
    return Math.max(this.#stream.writableLength ?? 0, this.#unwrittenBytes);
  }

  isClosed(): boolean {
    // Node marks a failed write (EPIPE) at once, and destroys a tick later.
    const stream = this.#stream as NodeStream & { errored?: unknown };
    return stream.destroyed === true || (stream.errored ?? null) !== null;
  }

  hold(): () => void {
    if (this.#holds++ === 0) this.#stream.ref?.();
    // An idle socket does not keep Node alive even when referenced.
    const releaseProcess = keepProcessAlive();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      releaseProcess();
      if (--this.#holds === 0) this.#stream.unref?.();
    };
  }

  /**
   * Stops reporting events and returns the host stream, paused, to be
   * wrapped anew (as a TLS stream over this socket).
   */
  detach(): NodeStream {
    const stream = this.#stream;
    stream.pause();
    for (const [name, listener] of this.#listeners) stream.off(name, listener);
    return stream;
  }
}
