/**
 * Pipes of the host runtime for the loop's pipe transports: a
 * `node:stream` readable or writable (such as `process.stdin`), or a file
 * descriptor, opened with `node:fs` streams. Deno, Bun and Node all read
 * and write file descriptors this way (measured with files and pipes).
 * Process stdin is a `net.Socket` on Node, a `ReadStream` on Bun and a
 * `Duplex` without `unref()` on Deno. A pipe keeps the process alive only
 * while held, where the stream can say so.
 *
 * @module
 */
import fs from "node:fs";
import net from "node:net";
import type { Readable, Writable } from "node:stream";
import { RUNTIME } from "./runtime.ts";
import { checkInteger, describe } from "./validate.ts";

/** What a read pipe reports; called from host callbacks, never nested. */
export interface ReadPipeEvents {
  /** Bytes arrived. */
  onData(chunk: Uint8Array): void;
  /** The writer closed its end: no more bytes. */
  onEnd(): void;
  /** The pipe failed; nothing more comes. */
  onError(error: Error): void;
}

/** A pipe this process reads. */
export interface HostReadPipe {
  /** Stops reading until `resume()`. */
  pause(): void;
  /** Reads again. */
  resume(): void;
  /** Closes the pipe; nothing is reported afterwards. */
  close(): void;
  /** Keeps the process alive until the returned function is called. */
  hold(): () => void;
  /** The stream, for `getExtraInfo("pipe")`. */
  readonly raw: Readable;
}

/** A pipe this process writes. */
export interface HostWritePipe {
  /** Queues `chunk`; `done` is called once it is written, or with why not. */
  write(chunk: Uint8Array, done: (error: Error | null) => void): void;
  /** Ends the pipe once what is queued is written, then closes it. */
  end(): void;
  /** Closes the pipe now, dropping what is queued. */
  abort(): void;
  /** Keeps the process alive until the returned function is called. */
  hold(): () => void;
  /** The stream, for `getExtraInfo("pipe")`. */
  readonly raw: Writable;
}

type Referable = { ref?(): unknown; unref?(): unknown };

/**
 * Checks and opens `pipe` for reading: a readable stream, or a file
 * descriptor. A `TypeError` for anything else.
 */
export function openReadPipe(
  pipe: unknown,
  events: ReadPipeEvents,
): HostReadPipe {
  const stream = typeof pipe === "number"
    ? fdStream(checkFd(pipe), "read")
    : checkStream(pipe, "read", "connectReadPipe()") as Readable;
  const holder = holdable(stream);
  let closed = false;
  stream.on("data", (chunk: Uint8Array | string) => {
    if (closed) return;
    events.onData(
      typeof chunk === "string"
        ? new TextEncoder().encode(chunk)
        : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    );
  });
  stream.on("end", () => closed || events.onEnd());
  stream.on("error", (error: Error) => closed || events.onError(error));
  return {
    pause: () => void stream.pause(),
    resume: () => void stream.resume(),
    close: () => {
      closed = true;
      stream.destroy();
    },
    hold: holder,
    raw: stream,
  };
}

/**
 * Checks and opens `pipe` for writing: a writable stream, or a file
 * descriptor. A `TypeError` for anything else. `onError` hears of a pipe
 * that failed while nothing was being written.
 */
export function openWritePipe(
  pipe: unknown,
  onError: (error: Error) => void,
): HostWritePipe {
  const stream = typeof pipe === "number"
    ? fdStream(checkFd(pipe), "write")
    : checkStream(pipe, "write", "connectWritePipe()") as Writable;
  let closed = false;
  stream.on("error", (error: Error) => closed || onError(error));
  return {
    write: (chunk, done) => {
      stream.write(chunk, (error) => done(error ?? null));
    },
    end: () => {
      if (!stream.writableEnded) stream.end();
    },
    abort: () => {
      closed = true;
      stream.destroy();
    },
    hold: holdable(stream),
    raw: stream,
  };
}

function holdable(pipe: object): () => () => void {
  const stream = pipe as Referable & { destroyed?: boolean };
  let holds = 0;
  // Node's socket, once destroyed, queues a `connect` listener per call.
  const refer = (on: boolean) => {
    if (!stream.destroyed) on ? stream.ref?.() : stream.unref?.();
  };
  refer(false);
  return () => {
    if (holds++ === 0) refer(true);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--holds === 0) refer(false);
    };
  };
}

/**
 * A stream over `fd`. On Node a pipe or socket descriptor may be in
 * non-blocking mode (Node sets it on stdin and stdout once `process` is
 * loaded), where `node:fs` streams fail with `EAGAIN` and lose bytes
 * (measured: 65,536 of 300,000 written to fd 1 arrived): a `net.Socket`
 * reads and writes it as the event loop's own.
 */
function fdStream(fd: number, use: "read" | "write"): Readable & Writable {
  if (RUNTIME === "node") {
    const stat = fs.fstatSync(fd);
    if (stat.isFIFO() || stat.isSocket()) {
      return new net.Socket({
        fd,
        readable: use === "read",
        writable: use === "write",
      });
    }
  }
  return (use === "read"
    ? fs.createReadStream(null as unknown as string, { fd })
    : fs.createWriteStream(null as unknown as string, { fd })) as never;
}

function checkFd(fd: number): number {
  return checkInteger(fd, "A pipe's file descriptor", 0);
}

function checkStream(pipe: unknown, method: "read" | "write", api: string) {
  const ok = typeof pipe === "object" && pipe !== null &&
    typeof (pipe as { on?: unknown }).on === "function" &&
    typeof (pipe as Record<string, unknown>)[method] === "function";
  if (!ok) {
    throw new TypeError(
      `${api} takes a ${method === "read" ? "readable" : "writable"} ` +
        `node:stream stream or a file descriptor, got ${describe(pipe)}`,
    );
  }
  return pipe;
}
