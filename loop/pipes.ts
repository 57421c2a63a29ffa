/**
 * Pipe transports as asyncio's `connect_read_pipe` and
 * `connect_write_pipe` make them: a protocol reads a pipe (stdin, a
 * child's output) or writes one, called through the loop.
 *
 * @module
 */
import {
  type HostReadPipe,
  type HostWritePipe,
  openReadPipe,
  openWritePipe,
} from "../internal/pipe_host.ts";
import { closeWithLoop } from "../internal/loop_resources.ts";
import { holdClock } from "../internal/real_world.ts";
import { checkFunction, checkInteger, describe } from "../internal/validate.ts";
import { park } from "../tasks/future.ts";
import type { EventLoop } from "./event_loop.ts";
import { internals as loopInternals } from "./_internals.ts";

/**
 * What a pipe transport calls, as asyncio's `Protocol`; every method is
 * optional. Each call comes from the loop (one loop callback each, in the
 * order the events happened), never from inside a call of the transport's.
 */
export interface PipeProtocolLike {
  /** The pipe is connected; first of all calls. */
  connectionMade?(transport: ReadPipeTransport | WritePipeTransport): void;
  /** Bytes arrived (read pipes). */
  dataReceived?(data: Uint8Array): void;
  /** The writer closed its end (read pipes); `connectionLost` follows. */
  eofReceived?(): void;
  /** The pipe is closed; last of all calls. `exc` says why, or is `null`. */
  connectionLost?(exc: Error | null): void;
  /** The write buffer went over its high-water mark (write pipes). */
  pauseWriting?(): void;
  /** The write buffer went down to its low-water mark (write pipes). */
  resumeWriting?(): void;
}

const EOF = Symbol("EOF");
type ReadEvent = Uint8Array | typeof EOF | Error;

/** asyncio's default write buffer limits. */
const HIGH_WATER = 64 * 1024;
/** asyncio logs writes to a closed pipe from this many on. */
const WARN_LOST_WRITES = 5;

/**
 * The transport of a pipe this process reads, as asyncio's read pipe
 * transport. Made by `loop.connectReadPipe`.
 *
 * @example Reading a stream as a pipe
 * ```ts
 * import { getRunningLoop, run } from "@aio/asyncio/loop";
 * import { PassThrough } from "node:stream";
 * import assert from "node:assert/strict";
 *
 * const log = await run(async () => {
 *   const loop = getRunningLoop();
 *   const log: string[] = [];
 *   const lost = loop.createFuture();
 *   const pipe = new PassThrough();
 *   await loop.connectReadPipe(() => ({
 *     dataReceived: (data: Uint8Array) => log.push(new TextDecoder().decode(data)),
 *     eofReceived: () => log.push("eof"),
 *     connectionLost: () => lost.setResult(null),
 *   }), pipe);
 *   pipe.end("hello");
 *   await lost;
 *   return log;
 * });
 * assert.deepEqual(log, ["hello", "eof"]);
 * ```
 */
export class ReadPipeTransport {
  readonly #loop: EventLoop;
  #protocol: PipeProtocolLike = {};
  #host: HostReadPipe | null = null;
  #closing = false;
  #lost = false;
  /** Paused, or not yet started: data waits. */
  #paused = true;
  /** What the pipe reported and the protocol has not been told yet. */
  readonly #events: ReadEvent[] = [];
  #scheduled = false;
  #release: (() => void) | null = null;
  #forget: () => void = () => {};

  /** @internal Made by `connectReadPipe`. */
  constructor(loop: EventLoop) {
    this.#loop = loop;
  }

  /** @internal Opens the pipe; its events wait for `start()`. */
  open(pipe: unknown): void {
    const push = (event: ReadEvent) => {
      if (this.#loop.isClosed()) {
        this.#host?.close();
        return;
      }
      this.#events.push(event);
      this.#schedule();
    };
    this.#host = openReadPipe(pipe, {
      onData: push,
      onEnd: () => push(EOF),
      onError: push,
    });
    this.#host.pause();
    this.#forget = closeWithLoop(this.#loop, () => this.#host?.close());
  }

  /**
   * @internal Tells `protocol` of the pipe through the loop, then gives
   * it what arrived.
   */
  start(protocol: PipeProtocolLike): void {
    this.#protocol = protocol;
    loopInternals.callSoon(this.#loop, this.#connectionMade, null);
    this.#paused = false;
    this.#hold();
    this.#host!.resume();
    this.#schedule();
  }

  /** @internal Closes a pipe whose protocol could not be made. */
  discard(): void {
    this.#host?.close();
  }

  /** Stops giving data to the protocol until `resumeReading()`. */
  pauseReading(): void {
    if (!this.isReading()) return;
    this.#paused = true;
    this.#host!.pause();
    this.#unhold();
  }

  /** Gives data to the protocol again. */
  resumeReading(): void {
    if (this.#closing || !this.#paused) return;
    this.#paused = false;
    this.#hold();
    this.#host!.resume();
    this.#schedule();
  }

  /** True while data goes to the protocol (not paused, not closing). */
  isReading(): boolean {
    return !this.#paused && !this.#closing;
  }

  /** Closes the pipe; the protocol's `connectionLost(null)` follows. */
  close(): void {
    if (this.#closing) return;
    this.#close(null);
  }

  /** True once closing or closed. */
  isClosing(): boolean {
    return this.#closing;
  }

  /** `"pipe"`: the stream read; otherwise `defaultValue` (`null`). */
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    return name === "pipe" ? this.#host?.raw ?? defaultValue : defaultValue;
  }

  /** The protocol the transport calls. */
  getProtocol(): PipeProtocolLike {
    return this.#protocol;
  }

  /** Makes the transport call `protocol` from now on. */
  setProtocol(protocol: PipeProtocolLike): void {
    checkProtocol(protocol);
    this.#protocol = protocol;
  }

  #schedule(): void {
    if (this.#scheduled || this.#paused || this.#events.length === 0) return;
    this.#scheduled = true;
    loopInternals.callSoon(this.#loop, this.#deliver, null);
  }

  /** Gives the protocol the next event: one loop callback per event. */
  readonly #deliver = (): void => {
    this.#scheduled = false;
    if (this.#paused || this.#closing) return;
    const event = this.#events.shift()!;
    this.#schedule();
    if (event === EOF) {
      this.#closing = true;
      this.#unhold();
      this.#protocol.eofReceived?.();
      loopInternals.callSoon(this.#loop, this.#lose, null);
    } else if (event instanceof Error) this.#close(event);
    else this.#protocol.dataReceived?.(event);
  };

  #close(error: Error | null): void {
    this.#closing = true;
    this.#unhold();
    this.#host?.pause();
    loopInternals.callSoon(this.#loop, this.#lose, error);
  }

  readonly #connectionMade = (): void => {
    this.#protocol.connectionMade?.(this);
  };

  readonly #lose = (error: Error | null): void => {
    if (this.#lost) return;
    this.#lost = true;
    this.#forget();
    try {
      this.#protocol.connectionLost?.(error);
    } finally {
      this.#host?.close();
    }
  };

  /**
   * While reading, the pipe keeps the process alive and is real-world
   * work the loop waits on (no deadlock; a virtual clock follows real
   * time).
   */
  #hold(): void {
    if (this.#release !== null) return;
    const releaseHost = this.#host!.hold();
    const releaseClock = holdClock(this.#loop);
    this.#release = () => {
      releaseHost();
      releaseClock();
    };
  }

  #unhold(): void {
    this.#release?.();
    this.#release = null;
  }
}

/**
 * The transport of a pipe this process writes, as asyncio's write pipe
 * transport. Made by `loop.connectWritePipe`.
 *
 * @example Writing a stream as a pipe
 * ```ts
 * import { getRunningLoop, run } from "@aio/asyncio/loop";
 * import { PassThrough } from "node:stream";
 * import assert from "node:assert/strict";
 *
 * const text = await run(async () => {
 *   const loop = getRunningLoop();
 *   const lost = loop.createFuture();
 *   const pipe = new PassThrough();
 *   const [transport] = await loop.connectWritePipe(() => ({
 *     connectionLost: () => lost.setResult(null),
 *   }), pipe);
 *   transport.write(new TextEncoder().encode("hello"));
 *   transport.writeEof();
 *   await lost;
 *   return String(pipe.read());
 * });
 * assert.equal(text, "hello");
 * ```
 */
export class WritePipeTransport {
  readonly #loop: EventLoop;
  #protocol: PipeProtocolLike = {};
  #host: HostWritePipe | null = null;
  #closing = false;
  #lost = false;
  #lostWrites = 0;
  #bufferSize = 0;
  #high = HIGH_WATER;
  #low = HIGH_WATER / 4;
  #writePaused = false;
  #release: (() => void) | null = null;
  #forget: () => void = () => {};

  /** @internal Made by `connectWritePipe`. */
  constructor(loop: EventLoop) {
    this.#loop = loop;
  }

  /** @internal Opens the pipe. */
  open(pipe: unknown): void {
    this.#host = openWritePipe(pipe, (error) => this.#hostFailed(error));
    this.#forget = closeWithLoop(this.#loop, () => this.#host?.abort());
  }

  /** @internal Tells `protocol` of the pipe through the loop. */
  start(protocol: PipeProtocolLike): void {
    this.#protocol = protocol;
    loopInternals.callSoon(this.#loop, this.#connectionMade, null);
  }

  /** @internal Closes a pipe whose protocol could not be made. */
  discard(): void {
    this.#host?.abort();
  }

  /**
   * Queues `data` (copied) for the pipe. It never blocks: over the
   * high-water mark the protocol's `pauseWriting` is called. After
   * `writeEof()`, `close()` or a lost pipe the bytes are dropped, as
   * asyncio drops them.
   */
  write(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(
        `write() takes bytes (a Uint8Array), got ${describe(data)}`,
      );
    }
    if (data.length === 0) return;
    if (this.#closing || this.#lost) {
      if (++this.#lostWrites === WARN_LOST_WRITES) {
        console.warn(
          "pipe closed by peer or os.write(pipe, data) raised exception.",
        );
      }
      return;
    }
    const size = data.length;
    this.#bufferSize += size;
    this.#hold();
    this.#host!.write(data.slice(), (error) => {
      if (this.#loop.isClosed()) {
        this.#host?.abort();
        return;
      }
      loopInternals.callSoon(this.#loop, this.#written, [size, error]);
    });
    this.#maybePause();
  }

  /** Writes each of `list` in turn. */
  writelines(list: Iterable<Uint8Array>): void {
    for (const data of list) this.write(data);
  }

  /** Closes the pipe once what is queued is written. */
  writeEof(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#bufferSize === 0) this.#finish();
  }

  /** True: a write pipe can be ended. */
  canWriteEof(): boolean {
    return true;
  }

  /** As `writeEof()`: closes once what is queued is written. */
  close(): void {
    this.writeEof();
  }

  /** Closes at once, dropping what is queued. */
  abort(): void {
    if (this.#lost) return;
    this.#closing = true;
    this.#bufferSize = 0;
    this.#host?.abort();
    loopInternals.callSoon(this.#loop, this.#lose, null);
  }

  /** True once closing or closed. */
  isClosing(): boolean {
    return this.#closing;
  }

  /** Bytes queued and not yet written to the pipe. */
  getWriteBufferSize(): number {
    return this.#bufferSize;
  }

  /**
   * Sets the high- and low-water marks of the write buffer, in bytes, as
   * asyncio: 64 KiB by default, `low` a quarter of `high` unless given,
   * `high` four times `low` unless given.
   */
  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    if (high === null || high === undefined) {
      high = low === null || low === undefined ? HIGH_WATER : 4 * low;
    }
    if (low === null || low === undefined) low = Math.floor(high / 4);
    checkInteger(high, "The high-water mark", 0, Number.MAX_SAFE_INTEGER);
    checkInteger(low, "The low-water mark", 0, Number.MAX_SAFE_INTEGER);
    if (low > high) {
      throw new RangeError(
        `high (${high}) must be >= low (${low}) must be >= 0`,
      );
    }
    this.#high = high;
    this.#low = low;
    this.#maybePause();
  }

  /** The write buffer's `[low, high]` water marks. */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this.#low, this.#high];
  }

  /** `"pipe"`: the stream written; otherwise `defaultValue` (`null`). */
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    return name === "pipe" ? this.#host?.raw ?? defaultValue : defaultValue;
  }

  /** The protocol the transport calls. */
  getProtocol(): PipeProtocolLike {
    return this.#protocol;
  }

  /** Makes the transport call `protocol` from now on. */
  setProtocol(protocol: PipeProtocolLike): void {
    checkProtocol(protocol);
    this.#protocol = protocol;
  }

  readonly #written = ([size, error]: [number, Error | null]): void => {
    if (this.#lost) return;
    if (error !== null) {
      this.#fail(error);
      return;
    }
    this.#bufferSize -= size;
    if (this.#bufferSize === 0) this.#unhold();
    if (this.#writePaused && this.#bufferSize <= this.#low) {
      this.#writePaused = false;
      this.#callProtocol("resumeWriting");
    }
    if (this.#closing && this.#bufferSize === 0) this.#finish();
  };

  #maybePause(): void {
    if (this.#writePaused || this.#bufferSize <= this.#high) return;
    this.#writePaused = true;
    this.#callProtocol("pauseWriting");
  }

  /** While bytes wait to be written, as a read pipe while it reads. */
  #hold(): void {
    if (this.#release !== null) return;
    const releaseHost = this.#host!.hold();
    const releaseClock = holdClock(this.#loop);
    this.#release = () => {
      releaseHost();
      releaseClock();
    };
  }

  #unhold(): void {
    this.#release?.();
    this.#release = null;
  }

  #callProtocol(method: "pauseWriting" | "resumeWriting"): void {
    try {
      this.#protocol[method]?.();
    } catch (exception) {
      this.#loop.callExceptionHandler({
        message: `protocol.${method}() failed`,
        exception,
        transport: this,
        protocol: this.#protocol,
      });
    }
  }

  /** Everything is written and EOF asked for: end the pipe. */
  #finish(): void {
    this.#host?.end();
    loopInternals.callSoon(this.#loop, this.#lose, null);
  }

  #hostFailed(error: Error): void {
    if (this.#loop.isClosed()) return;
    loopInternals.callSoon(this.#loop, (e: Error) => {
      if (!this.#lost) this.#fail(e);
    }, error);
  }

  /** The pipe failed (its reader went away): lose it with the error. */
  #fail(error: Error): void {
    this.#closing = true;
    this.#bufferSize = 0;
    this.#host?.abort();
    this.#lose(error);
  }

  readonly #connectionMade = (): void => {
    this.#protocol.connectionMade?.(this);
  };

  readonly #lose = (error: Error | null): void => {
    if (this.#lost) return;
    this.#lost = true;
    this.#unhold();
    this.#forget();
    this.#protocol.connectionLost?.(error);
  };
}

function checkProtocol(protocol: unknown): void {
  if (typeof protocol !== "object" || protocol === null) {
    throw new TypeError(
      `A protocol must be an object, got ${describe(protocol)}`,
    );
  }
}

/**
 * Connects a read pipe to a protocol: the function behind
 * `loop.connectReadPipe`, asyncio's `connect_read_pipe`.
 */
export async function connectReadPipe<P extends PipeProtocolLike>(
  loop: EventLoop,
  protocolFactory: () => P,
  pipe: unknown,
): Promise<[ReadPipeTransport, P]> {
  checkFunction(protocolFactory, "The protocol factory");
  const transport = new ReadPipeTransport(loop);
  transport.open(pipe);
  const protocol = makeProtocol(protocolFactory, transport);
  transport.start(protocol);
  await connectionMade(loop, transport);
  return [transport, protocol];
}

/**
 * Connects a write pipe to a protocol: the function behind
 * `loop.connectWritePipe`, asyncio's `connect_write_pipe`.
 */
export async function connectWritePipe<P extends PipeProtocolLike>(
  loop: EventLoop,
  protocolFactory: () => P,
  pipe: unknown,
): Promise<[WritePipeTransport, P]> {
  checkFunction(protocolFactory, "The protocol factory");
  const transport = new WritePipeTransport(loop);
  transport.open(pipe);
  const protocol = makeProtocol(protocolFactory, transport);
  transport.start(protocol);
  await connectionMade(loop, transport);
  return [transport, protocol];
}

/** Calls the factory; if it fails, the pipe is closed. */
function makeProtocol<P extends PipeProtocolLike>(
  protocolFactory: () => P,
  transport: { discard(): void },
): P {
  try {
    const protocol = protocolFactory();
    checkProtocol(protocol);
    return protocol;
  } catch (error) {
    transport.discard();
    throw error;
  }
}

/**
 * Returns once the protocol's `connectionMade` has run, as asyncio does;
 * cancelled meanwhile, the transport is closed.
 */
async function connectionMade(
  loop: EventLoop,
  transport: { close(): void },
): Promise<void> {
  const made = loop.createFuture<void>();
  loopInternals.callSoon(loop, (future) => {
    if (!future.done()) future.setResult();
  }, made);
  try {
    await park(made);
  } catch (error) {
    transport.close();
    throw error;
  }
}
