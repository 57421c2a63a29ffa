/**
 * `StreamReader`: buffered reads from a socket or a pipe.
 *
 * @module
 */
import { pyRepr } from "../internal/py_repr.ts";
import { RuntimeError } from "../internal/errors.ts";
import { describe } from "../internal/validate.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import { type Future, park } from "../tasks/future.ts";
import { ByteBuffer } from "./byte_buffer.ts";
import { checkBytes, checkLimit, checkSize } from "./checks.ts";
import { IncompleteReadError, LimitOverrunError } from "./errors.ts";
import { type Holdable, holdUntilDone } from "./host_wait.ts";
import { type LineDecoder, lineDecoder, type LinesOptions } from "./text.ts";
import { internals } from "./_internals.ts";

/** The default buffer limit of readers: 64 KiB, as in Python. */
export const DEFAULT_LIMIT = 2 ** 16;

const NEWLINE = new Uint8Array([10]);

/** What a reader needs from the transport that feeds it. */
export interface ReaderTransport extends Holdable {
  /** Stops reading from the host (back-pressure). */
  pauseReading(): void;
  /** Reads from the host again. */
  resumeReading(): void;
  /** The transport's description, which the reader's shows. */
  toString(): string;
}

/**
 * Buffered reads from a byte stream: asyncio's `StreamReader`. Readers
 * come from `openConnection()`, `startServer()` and subprocess pipes; one
 * made with `new StreamReader()` is fed by hand with `feedData()` and
 * `feedEof()`.
 *
 * The buffer holds about `limit` bytes (default 64 KiB): past that, the
 * transport stops reading, so a peer that sends faster than the program
 * reads is slowed down (back-pressure) and memory stays bounded. A line or
 * separator not found within `limit` bytes is an error (see `readuntil`,
 * `readline`).
 *
 * Cancelling a task blocked in a read leaves the reader usable: a read
 * consumes nothing until it returns, so the bytes that arrived meanwhile
 * are there for the next read.
 *
 * @example Reading lines and bytes
 * ```ts
 * import { StreamReader } from "@aio/asyncio/streams";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [line, rest] = await run(async () => {
 *   const reader = new StreamReader();
 *   reader.feedData(new TextEncoder().encode("hello\nworld"));
 *   reader.feedEof();
 *   return [await reader.readline(), await reader.read()];
 * });
 * assert.equal(new TextDecoder().decode(line), "hello\n");
 * assert.equal(new TextDecoder().decode(rest), "world");
 * ```
 */
export class StreamReader implements AsyncIterable<Uint8Array> {
  readonly #limit: number;
  readonly #buffer = new ByteBuffer();
  #eof = false;
  #waiter: Future<void> | null = null;
  #exception: unknown = null;
  #transport: ReaderTransport | null = null;
  #paused = false;

  /**
   * Creates a reader whose buffer holds about `limit` bytes (a positive
   * integer; default 64 KiB).
   */
  constructor(limit: number = DEFAULT_LIMIT) {
    this.#limit = checkLimit(limit);
  }

  static {
    internals.setReaderTransport = (reader, transport) => {
      reader.#transport = transport;
    };
    internals.feed = (reader, chunk, owned) => {
      checkBytes(chunk, "feedData()");
      reader.#feed(chunk, owned);
    };
  }

  /** The error the stream failed with, or `null`. */
  exception(): unknown {
    return this.#exception;
  }

  /** Fails the stream: pending and later reads throw `error`. */
  setException(error: unknown): void {
    this.#exception = error;
    const waiter = this.#waiter;
    this.#waiter = null;
    if (waiter !== null && !waiter.done()) waiter.setException(error);
  }

  /** Adds a copy of `data` to the buffer and wakes a waiting read. */
  feedData(data: Uint8Array): void {
    checkBytes(data, "feedData()");
    this.#feed(data, false);
  }

  /** Adds `data` (itself if `owned`: no one else sees it) to the buffer. */
  #feed(data: Uint8Array, owned: boolean): void {
    if (this.#eof) {
      throw new RuntimeError("feedData() after feedEof(): the stream ended");
    }
    if (data.length === 0) return;
    if (owned) this.#buffer.adopt(data);
    else this.#buffer.append(data);
    this.#wakeUp();
    if (
      this.#transport !== null && !this.#paused &&
      this.#buffer.length > this.#limit
    ) {
      this.#paused = true;
      this.#transport.pauseReading();
    }
  }

  /** Marks the end of the stream and wakes a waiting read. */
  feedEof(): void {
    this.#eof = true;
    this.#wakeUp();
  }

  /** True once the stream ended and the buffer is empty. */
  atEof(): boolean {
    return this.#eof && this.#buffer.length === 0;
  }

  /**
   * Reads up to `n` bytes: as soon as at least one is there, or an empty
   * array at the end of the stream. With `n` negative (the default), reads
   * until the end of the stream and returns everything.
   */
  read(n = -1): Promise<Uint8Array> {
    // Not async: a read that waits makes one promise, not three.
    try {
      checkSize(n, "read()");
      this.#throwIfFailed();
      if (n < 0) return this.#readToEof();
      if (n === 0) return Promise.resolve(new Uint8Array(0));
      if (this.#buffer.length === 0 && !this.#eof) {
        // The bytes are taken as the task resumes, before its code runs.
        return this.#waitForData("read").then(() => this.#take(n));
      }
      return Promise.resolve(this.#take(n));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #readToEof(): Promise<Uint8Array> {
    while (!this.#eof) await park(this.#waitForData("read"));
    return this.#take(this.#buffer.length);
  }

  /**
   * Reads exactly `n` bytes. If the stream ends first, throws
   * `IncompleteReadError` with the bytes read in `partial`.
   */
  async readexactly(n: number): Promise<Uint8Array> {
    checkSize(n, "readexactly()");
    if (n < 0) {
      throw new RangeError(
        `readexactly() needs a size of at least 0, got ${n}`,
      );
    }
    this.#throwIfFailed();
    while (this.#buffer.length < n) {
      if (this.#eof) {
        throw new IncompleteReadError(this.#take(this.#buffer.length), n);
      }
      await park(this.#waitForData("readexactly"));
    }
    return this.#take(n);
  }

  /**
   * Reads one line, up to and including `\n`. At the end of the stream,
   * returns the incomplete last line, or an empty array. A line longer
   * than the limit is dropped from the buffer and throws `RangeError`.
   */
  async readline(): Promise<Uint8Array> {
    try {
      return await this.readuntil(NEWLINE);
    } catch (error) {
      if (error instanceof IncompleteReadError) return error.partial;
      if (!(error instanceof LimitOverrunError)) throw error;
      if (this.#buffer.startsWith(NEWLINE, error.consumed)) {
        this.#buffer.drop(error.consumed + NEWLINE.length);
      } else {
        this.#buffer.drop(this.#buffer.length);
      }
      this.#maybeResume();
      throw new RangeError(error.message, { cause: error });
    }
  }

  /**
   * Reads up to and including `separator` (bytes, default `\n`), or the
   * first of several separators to match. Throws `IncompleteReadError`
   * (buffer emptied into `partial`) if the stream ends first, and
   * `LimitOverrunError` (data left in the buffer) if the separator is not
   * within the limit.
   */
  async readuntil(
    separator: Uint8Array | readonly Uint8Array[] = NEWLINE,
  ): Promise<Uint8Array> {
    const separators = checkSeparators(separator);
    const shortest = separators[0].length;
    const longest = separators[separators.length - 1].length;
    this.#throwIfFailed();
    let offset = 0;
    for (;;) {
      const length = this.#buffer.length;
      if (length - offset >= shortest) {
        const match = this.#find(separators, offset);
        if (match !== null) {
          if (match.start > this.#limit) {
            throw new LimitOverrunError(
              "Separator is found, but chunk is longer than limit",
              match.start,
            );
          }
          return this.#take(match.end);
        }
        offset = Math.max(0, length + 1 - longest);
        if (offset > this.#limit) {
          throw new LimitOverrunError(
            "Separator is not found, and chunk exceed the limit",
            offset,
          );
        }
      }
      if (this.#eof) {
        throw new IncompleteReadError(this.#take(length), null);
      }
      await park(this.#waitForData("readuntil"));
    }
  }

  /** Iterates over the lines until the end of the stream. */
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  /**
   * Iterates over the lines until the end of the stream, as strings
   * decoded from `encoding` (default UTF-8), without their `"\n"` or
   * `"\r\n"` unless `keepEnds`. A character split across chunks, or a
   * last line without `\n`, decodes whole. Each line is read with
   * `readline()`, with its rules: a line longer than the limit throws
   * `RangeError` (its bytes dropped), and cancelling the iterating task
   * while it waits for a line consumes nothing, so the next read gets
   * those bytes. The options are checked at the call.
   *
   * @example Reading text lines
   * ```ts
   * import { StreamReader } from "@aio/asyncio/streams";
   * import { run } from "@aio/asyncio";
   * import assert from "node:assert/strict";
   *
   * const lines = await run(async () => {
   *   const reader = new StreamReader();
   *   const bytes = new TextEncoder().encode("café\r\nnaïve\nend");
   *   reader.feedData(bytes.subarray(0, 4)); // "é" is split across chunks
   *   reader.feedData(bytes.subarray(4));
   *   reader.feedEof();
   *   const lines = [];
   *   for await (const line of reader.lines()) lines.push(line);
   *   return lines;
   * });
   * assert.deepEqual(lines, ["café", "naïve", "end"]);
   * ```
   */
  lines(options: LinesOptions = {}): AsyncIterableIterator<string> {
    return this.#lines(lineDecoder(options));
  }

  async *#lines(decoder: LineDecoder): AsyncIterableIterator<string> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield decoder.decode(line, line[line.length - 1] !== NEWLINE[0]);
    }
  }

  /** A short description, as asyncio's `repr`. */
  toString(): string {
    const info = ["StreamReader"];
    if (this.#buffer.length > 0) info.push(`${this.#buffer.length} bytes`);
    if (this.#eof) info.push("eof");
    if (this.#limit !== DEFAULT_LIMIT) info.push(`limit=${this.#limit}`);
    // asyncio forgets a waiter once done: a cancelled read's is not shown.
    const waiter = this.#waiter;
    if (waiter !== null && !waiter.done()) info.push(`waiter=${waiter}`);
    if (this.#exception !== null) {
      info.push(`exception=${pyRepr(this.#exception)}`);
    }
    if (this.#transport !== null) info.push(`transport=${this.#transport}`);
    if (this.#paused) info.push("paused");
    return `<${info.join(" ")}>`;
  }

  #find(
    separators: readonly Uint8Array[],
    offset: number,
  ): { start: number; end: number } | null {
    let best: { start: number; end: number } | null = null;
    for (const separator of separators) {
      const start = this.#buffer.indexOf(separator, offset);
      if (start === -1) continue;
      const end = start + separator.length;
      if (best === null || end < best.end) best = { start, end };
    }
    return best;
  }

  #take(n: number): Uint8Array {
    const data = this.#buffer.take(n);
    this.#maybeResume();
    return data;
  }

  #throwIfFailed(): void {
    if (this.#exception !== null) throw this.#exception;
  }

  #maybeResume(): void {
    if (this.#paused && this.#buffer.length <= this.#limit) {
      this.#paused = false;
      this.#transport?.resumeReading();
    }
  }

  #wakeUp(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    if (waiter !== null && !waiter.done()) waiter.setResult();
  }

  /**
   * A future for `feedData()` or `feedEof()`, resuming a paused transport.
   * Not async: the caller awaits the future itself, one promise fewer per
   * wait.
   */
  #waitForData(caller: string): Future<void> {
    // The stream may have failed since the caller last looked.
    this.#throwIfFailed();
    if (this.#waiter !== null && !this.#waiter.done()) {
      throw new RuntimeError(
        `${caller}() called while another task is already waiting for ` +
          "incoming data: read from one task at a time",
      );
    }
    // Waiting while paused would wait forever (readexactly(n > limit)).
    if (this.#paused) {
      this.#paused = false;
      this.#transport?.resumeReading();
    }
    const waiter = getRunningLoop().createFuture<void>();
    this.#waiter = waiter;
    // While it waits (until data, failure or cancellation), the transport
    // keeps the process alive and the loop's clock is held.
    const transport = this.#transport;
    return transport === null ? waiter : holdUntilDone(waiter, transport);
  }
}

function checkSeparators(
  separator: Uint8Array | readonly Uint8Array[],
): Uint8Array[] {
  const separators = separator instanceof Uint8Array
    ? [separator]
    : Array.isArray(separator)
    ? [...separator].sort((a, b) => a.length - b.length)
    : null;
  if (separators === null) {
    throw new TypeError(
      "readuntil() takes a Uint8Array separator or an array of them, got " +
        describe(separator),
    );
  }
  if (separators.length === 0) {
    throw new RangeError("readuntil() needs at least one separator");
  }
  for (const each of separators) checkBytes(each, "readuntil()");
  if (separators[0].length === 0) {
    throw new RangeError("A separator must be at least one byte long");
  }
  return separators;
}
