/**
 * Pipe transports as asyncio's `connect_read_pipe` and
 * `connect_write_pipe` make them: a protocol reads a pipe (stdin, a
 * child's output) or writes one, called through the loop.
 *
 * @module
 */
import {
  type ProtocolContext,
  protocolContext,
  switchTo,
} from "../internal/context.ts";
import { internals as loopInternals } from "./_internals.ts";
import type { HostReadPipe, HostWritePipe } from "../internal/pipe_host.ts";
import { Deque } from "../internal/deque.ts";
import { copyForHost } from "../internal/host_copy.ts";
import { closeWithLoop } from "../internal/loop_resources.ts";
import { holdClock } from "../internal/real_world.ts";
import { checkFunction, describe } from "../internal/validate.ts";
import { park } from "../tasks/future.ts";
import { internals, type OpenedPipe } from "./_transport_internals.ts";
import type { EventLoop } from "./event_loop.ts";
import { OnFirstUse } from "./on_first_use.ts";
import { callProtocol, checkProtocol } from "./protocols.ts";
import { BaseTransport, dropWrite, waterMarks } from "./transports.ts";
import { errorCode } from "../internal/errors.ts";

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

/** What both pipe transports need of the host's pipe. */
interface HostPipe {
  /** Keeps the process alive until the returned function is called. */
  hold(): () => void;
  /** The stream, for `getExtraInfo("pipe")`. */
  readonly raw: unknown;
}

/** Runs `fn(arg)` where `transport` calls its protocol (see `switchTo`). */
let inLoopContext: <A>(
  transport: PipeTransport,
  fn: (arg: A) => void,
  arg: A,
) => boolean;

/**
 * What the read and the write pipe transport share: their loop, the host's
 * pipe (closed with the loop), the protocol and how it is started, and the
 * hold on the process while the pipe has work.
 *
 * @ignore
 */
export abstract class PipeTransport extends BaseTransport {
  /** The loop that calls the protocol. */
  protected readonly loop: EventLoop;
  /** Where the protocol is called (see `switchTo`). */
  readonly #protocolContext: ProtocolContext;
  #host: HostPipe | null = null;
  #protocol: PipeProtocolLike = {};
  #forget: () => void = () => {};
  #release: (() => void) | null = null;

  /** A transport of `loop`, without its pipe yet (see `open`). */
  protected constructor(loop: EventLoop) {
    super();
    this.loop = loop;
    this.#protocolContext = protocolContext(loop);
  }

  static {
    inLoopContext = (transport, fn, arg) =>
      switchTo(transport.#protocolContext, fn, arg);
  }

  /** The host's pipe, once `open` took it. */
  protected get pipe(): HostPipe | null {
    return this.#host;
  }

  /**
   * Takes `host` as the pipe and says how to start the transport or drop
   * it: `drop` closes the pipe at once (also if the loop closes first),
   * `started`, if given, runs once the protocol is set and its
   * `connectionMade` scheduled.
   */
  protected open(
    host: HostPipe,
    { drop, started }: { drop(): void; started?(): void },
  ): OpenedPipe<this> {
    this.#host = host;
    this.#forget = closeWithLoop(this.loop, drop);
    return {
      transport: this,
      start: (protocol) => {
        this.#protocol = protocol;
        loopInternals.callSoon(this.loop, this.#connectionMade, null);
        started?.();
      },
      discard: drop,
    };
  }

  /** The pipe is lost: the loop no longer closes it, nor is it held. */
  protected forgetPipe(): void {
    this.release();
    this.#forget();
  }

  /**
   * While the pipe has work (reading, or bytes to write) it keeps the
   * process alive and is real-world work the loop waits on, so this is no
   * deadlock and a virtual clock follows real time. Harmless when held.
   */
  protected hold(): void {
    if (this.#release !== null) return;
    const releaseHost = this.#host!.hold();
    const releaseClock = holdClock(this.loop);
    this.#release = () => {
      releaseHost();
      releaseClock();
    };
  }

  /** Lets go of what `hold` held. */
  protected release(): void {
    this.#release?.();
    this.#release = null;
  }

  /** `"pipe"`: the stream; otherwise `defaultValue` (`null`). */
  override getExtraInfo<K extends string, D = null>(
    name: K,
    defaultValue: D = null as D,
  ): (K extends "pipe" ? object : unknown) | D {
    return (name === "pipe"
      ? this.#host?.raw ?? defaultValue
      : defaultValue) as never;
  }

  /** The protocol the transport calls. */
  override getProtocol(): PipeProtocolLike {
    return this.#protocol;
  }

  /** Makes the transport call `protocol` from now on. */
  override setProtocol(protocol: PipeProtocolLike): void {
    checkProtocol(protocol);
    this.#protocol = protocol;
  }

  readonly #connectionMade = (): void => {
    if (inLoopContext(this, this.#connectionMade, undefined)) return;
    callProtocol(this.loop, this.#protocol, "connectionMade", this);
  };
}

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
export class ReadPipeTransport extends PipeTransport {
  /** The host's pipe, as `open` took it. */
  get #pipe(): HostReadPipe | null {
    return this.pipe as HostReadPipe | null;
  }
  #closing = false;
  #lost = false;
  /** Paused, or not yet started: data waits. */
  #paused = true;
  /** What the pipe reported and the protocol has not been told yet. */
  readonly #events = new Deque<ReadEvent>();
  #scheduled = false;

  static {
    internals.openReadPipe = (loop, pipe) =>
      new ReadPipeTransport(loop).#open(pipe);
    internals.holdReadPipe = (transport) =>
      transport.#pipe?.hold() ?? (() => {});
  }

  /** Opens the pipe; its events wait for the start. */
  #open(pipe: unknown): OpenedPipe<this> {
    const push = (event: ReadEvent) => {
      if (this.loop.isClosed()) {
        this.#pipe?.close();
        return;
      }
      this.#events.add(event);
      this.#schedule();
    };
    const host = pipeHost.now!.openReadPipe(pipe, {
      onData: push,
      onEnd: () => push(EOF),
      onError: push,
    });
    host.pause();
    return this.open(host, {
      drop: () => host.close(),
      started: () => this.#read(),
    });
  }

  /** Gives the protocol what arrived, and reads on. */
  #read(): void {
    this.#paused = false;
    this.hold();
    this.#pipe!.resume();
    this.#schedule();
  }

  /** Stops giving data to the protocol until `resumeReading()`. */
  pauseReading(): void {
    if (!this.isReading()) return;
    this.#paused = true;
    this.#pipe!.pause();
    this.release();
  }

  /** Gives data to the protocol again. */
  resumeReading(): void {
    if (this.#closing || !this.#paused) return;
    this.#read();
  }

  /** True while data goes to the protocol (not paused, not closing). */
  isReading(): boolean {
    return !this.#paused && !this.#closing;
  }

  /** Closes the pipe; the protocol's `connectionLost(null)` follows. */
  override close(): void {
    if (this.#closing) return;
    this.#close(null);
  }

  /** True once closing or closed. */
  override isClosing(): boolean {
    return this.#closing;
  }

  #schedule(): void {
    if (this.#scheduled || this.#paused || this.#events.length === 0) return;
    this.#scheduled = true;
    loopInternals.callSoon(this.loop, this.#deliver, null);
  }

  /** Gives the protocol the next event: one loop callback per event. */
  readonly #deliver = (): void => {
    if (inLoopContext(this, this.#deliver, undefined)) return;
    this.#scheduled = false;
    if (this.#paused || this.#closing) return;
    const event = this.#events.take()!;
    this.#schedule();
    if (event === EOF) {
      this.#closing = true;
      this.release();
      // Scheduled first, as asyncio's own callback: an eofReceived that
      // throws is reported and the protocol still hears of the loss.
      loopInternals.callSoon(this.loop, this.#lose, null);
      callProtocol(this.loop, this.getProtocol(), "eofReceived");
    } else if (event instanceof Error) this.#readFailed(event);
    else callProtocol(this.loop, this.getProtocol(), "dataReceived", event);
  };

  /** As asyncio: a read error is reported, but for EIO (the peer went). */
  #readFailed(error: Error): void {
    if (errorCode(error) !== "EIO") {
      this.loop.callExceptionHandler({
        message: "Fatal read error on pipe transport",
        exception: error,
        transport: this,
        protocol: this.getProtocol(),
      });
    }
    this.#close(error);
  }

  #close(error: Error | null): void {
    this.#closing = true;
    this.release();
    this.#pipe?.pause();
    loopInternals.callSoon(this.loop, this.#lose, error);
  }

  readonly #lose = (error: Error | null): void => {
    if (inLoopContext(this, this.#lose, error)) return;
    if (this.#lost) return;
    this.#lost = true;
    this.forgetPipe();
    callProtocol(this.loop, this.getProtocol(), "connectionLost", error);
    this.#pipe?.close();
  };
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
export class WritePipeTransport extends PipeTransport {
  /** The host's pipe, as `open` took it. */
  get #pipe(): HostWritePipe | null {
    return this.pipe as HostWritePipe | null;
  }
  #closing = false;
  #lost = false;
  /** asyncio's `_conn_lost`: a failed write, then each dropped one. */
  #connLost = 0;
  #bufferSize = 0;
  #high: number;
  #low: number;
  #writePaused = false;

  private constructor(loop: EventLoop) {
    super(loop);
    [this.#high, this.#low] = waterMarks();
  }

  static {
    internals.openWritePipe = (loop, pipe) => {
      const transport = new WritePipeTransport(loop);
      const host = pipeHost.now!.openWritePipe(
        pipe,
        (error) => transport.#hostFailed(error),
      );
      // Writes start the pipe's work: nothing to do at the start.
      return transport.open(host, { drop: () => host.abort() });
    };
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
      this.#connLost = dropWrite(
        this.#connLost,
        "pipe closed by peer or os.write(pipe, data) raised exception.",
      );
      return;
    }
    const size = data.length;
    this.#bufferSize += size;
    this.hold();
    this.#pipe!.write(copyForHost(data), (error) => {
      if (this.loop.isClosed()) {
        this.#pipe?.abort();
        return;
      }
      loopInternals.callSoon(this.loop, this.#written, [size, error]);
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
  override close(): void {
    this.writeEof();
  }

  /** Closes at once, dropping what is queued. */
  abort(): void {
    if (this.#lost) return;
    this.#closing = true;
    this.#bufferSize = 0;
    // Queued first, so that writes the host fails as it closes find the
    // transport lost (Deno fails them at once, with ECANCELED).
    loopInternals.callSoon(this.loop, this.#lose, null);
    this.#pipe?.abort();
  }

  /** True once closing or closed. */
  override isClosing(): boolean {
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
    [this.#high, this.#low] = waterMarks(high, low);
    this.#maybePause();
  }

  /** The write buffer's `[low, high]` water marks. */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this.#low, this.#high];
  }

  readonly #written = (written: [number, Error | null]): void => {
    if (inLoopContext(this, this.#written, written)) return;
    const [size, error] = written;
    if (this.#lost) return;
    if (error !== null) {
      // A failed write counts, as asyncio's `_fatal_error` counts it.
      this.#connLost++;
      this.#fail(error);
      return;
    }
    this.#bufferSize -= size;
    if (this.#bufferSize === 0) this.release();
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

  #callProtocol(method: "pauseWriting" | "resumeWriting"): void {
    const protocol = this.getProtocol();
    try {
      protocol[method]?.();
    } catch (exception) {
      this.loop.callExceptionHandler({
        message: `protocol.${method}() failed`,
        exception,
        transport: this,
        protocol,
      });
    }
  }

  /** Everything is written and EOF asked for: end the pipe. */
  #finish(): void {
    this.#pipe?.end();
    loopInternals.callSoon(this.loop, this.#lose, null);
  }

  #hostFailed(error: Error): void {
    if (this.loop.isClosed()) return;
    loopInternals.callSoon(this.loop, this.#failed, error);
  }

  /** The pipe failed (its reader went away): lose it with the error. */
  #fail(error: Error): void {
    this.#closing = true;
    this.#bufferSize = 0;
    this.#pipe?.abort();
    this.#lose(error);
  }

  readonly #failed = (error: Error): void => {
    if (!this.#lost) this.#fail(error);
  };

  readonly #lose = (error: Error | null): void => {
    if (inLoopContext(this, this.#lose, error)) return;
    if (this.#lost) return;
    this.#lost = true;
    this.forgetPipe();
    callProtocol(this.loop, this.getProtocol(), "connectionLost", error);
  };
}

/**
 * The host's pipes, loaded by the first `connectReadPipe()` or
 * `connectWritePipe()`, before any pipe transport opens.
 */
const pipeHost = new OnFirstUse(() => import("../internal/pipe_host.ts"));

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
  if (pipeHost.now === null) await pipeHost.get(loop);
  return await connect(
    loop,
    protocolFactory,
    internals.openReadPipe(loop, pipe),
  );
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
  if (pipeHost.now === null) await pipeHost.get(loop);
  return await connect(
    loop,
    protocolFactory,
    internals.openWritePipe(loop, pipe),
  );
}

/**
 * Makes the protocol (if that fails, the pipe is closed), starts the pipe
 * and returns once the protocol's `connectionMade` has run.
 */
async function connect<T extends { close(): void }, P extends PipeProtocolLike>(
  loop: EventLoop,
  protocolFactory: () => P,
  opened: OpenedPipe<T>,
): Promise<[T, P]> {
  let protocol: P;
  try {
    protocol = protocolFactory();
    checkProtocol(protocol);
  } catch (error) {
    opened.discard();
    throw error;
  }
  opened.start(protocol);
  await connectionMade(loop, opened.transport);
  return [opened.transport, protocol];
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
