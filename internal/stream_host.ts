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

/** What a host stream reports; called from host callbacks, never nested. */
export interface StreamEvents {
  /** Bytes arrived. */
  onData(chunk: Uint8Array): void;
  /** The peer will send no more bytes (EOF). */
  onEnd(): void;
  /** The write buffer has been flushed after a write returned `false`. */
  onDrain(): void;
  /** The stream is fully closed; `error` is why, or `null`. */
  onClose(error: Error | null): void;
}

/** One host byte stream, readable, writable or both. */
export interface HostStream {
  /** Queues `chunk`; `false` once the buffer is above its high-water mark. */
  write(chunk: Uint8Array): boolean;
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
  /** Keeps the process alive until the returned function is called. */
  hold(): () => void;
}

/** The `node:stream` surface used here; sockets and pipes all have it. */
type NodeStream = Duplex & { ref?(): unknown; unref?(): unknown };

/**
 * Wraps a `node:stream` stream. Its chunks reach `events.onData` as plain
 * `Uint8Array` views (not `Buffer`), so they compare equal to other bytes.
 */
export function wrapStream(stream: Duplex, events: StreamEvents): HostStream {
  return new WrappedStream(stream as NodeStream, events);
}

class WrappedStream implements HostStream {
  readonly #stream: NodeStream;
  readonly #writable: boolean;
  #holds = 0;
  #error: Error | null = null;

  constructor(stream: NodeStream, events: StreamEvents) {
    this.#stream = stream;
    this.#writable = stream.writable === true;
    stream.unref?.();
    stream.on("error", (error: Error) => {
      this.#error ??= error;
    });
    stream.on("close", () => events.onClose(this.#error));
    if (stream.readable === true) {
      stream.on("data", (chunk: Uint8Array) => {
        events.onData(
          new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength),
        );
      });
      stream.on("end", () => events.onEnd());
    }
    if (this.#writable) {
      stream.on("drain", () => events.onDrain());
    }
  }

  write(chunk: Uint8Array): boolean {
    if (this.#stream.destroyed) return true;
    return this.#stream.write(chunk);
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
    return this.#stream.writableLength ?? 0;
  }

  hold(): () => void {
    if (this.#holds++ === 0) this.#stream.ref?.();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#holds === 0) this.#stream.unref?.();
    };
  }
}
