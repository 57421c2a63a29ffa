/**
 * `StreamReaderProtocol`: the protocol under every stream, as in
 * CPython: bytes go to the `StreamReader`, writes are flow-controlled for
 * `StreamWriter.drain()`, and a server's handler is started when a client
 * connects.
 *
 * @module
 */
import { claimHostChunk } from "../internal/stream_host.ts";
import { internals } from "../loop/_transport_internals.ts";
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import type { Holdable } from "../loop/host_wait.ts";
import { Protocol } from "../loop/protocols.ts";
import type { StreamTransport } from "../loop/socket_transport.ts";
import { type BaseTransport, Transport } from "../loop/transports.ts";
import { ReadPipeTransport } from "../loop/pipes.ts";
import { WaiterSet } from "../loop/waiter_set.ts";
import type { Future } from "../tasks/future.ts";
import { internals as taskInternals } from "../tasks/_internals.ts";
import type { Task } from "../tasks/task.ts";
import type { ReaderTransport, StreamReader } from "./stream_reader.ts";
import { internals as streamInternals } from "./_internals.ts";
import type { StreamWriter } from "./stream_writer.ts";

/** A loop as streams use it. */
export type StreamLoop = AbstractEventLoop & {
  createFuture<T>(): Future<T>;
  createTask<T>(fn: () => T | PromiseLike<T>): Task<T>;
};

/** Called for each client of a stream server with its reader and writer. */
export type ClientConnectedCallback = (
  reader: StreamReader,
  writer: StreamWriter,
) => unknown;

/**
 * Joins a transport to a `StreamReader` and a `StreamWriter`: CPython's
 * `StreamReaderProtocol` with its `FlowControlMixin`.
 */
export class StreamReaderProtocol extends Protocol {
  readonly #loop: StreamLoop;
  readonly #reader: StreamReader | null;
  readonly #clientConnected: ClientConnectedCallback | null;
  readonly #makeWriter:
    | ((protocol: StreamReaderProtocol) => StreamWriter)
    | null;
  #transport: Transport | null = null;
  /** How a wait on the stream keeps the process alive. */
  #holdable: Holdable | null = null;
  #paused = false;
  #connectionLost = false;
  #lostError: Error | null = null;
  readonly #drainWaiters = new WaiterSet();
  readonly #closeWaiters = new WaiterSet();

  /**
   * A protocol feeding `reader`; with `clientConnected`, a server's, which
   * calls it in a task of its own with a writer from `makeWriter`.
   */
  constructor(
    reader: StreamReader | null,
    loop: StreamLoop,
    server: {
      clientConnected: ClientConnectedCallback;
      makeWriter: (protocol: StreamReaderProtocol) => StreamWriter;
    } | null = null,
  ) {
    super();
    this.#loop = loop;
    this.#reader = reader;
    this.#clientConnected = server?.clientConnected ?? null;
    this.#makeWriter = server?.makeWriter ?? null;
  }

  /** The transport, once connected. */
  get transport(): Transport | null {
    return this.#transport;
  }

  /** True for the protocol of a server's client. */
  isServerSide(): boolean {
    return this.#clientConnected !== null;
  }

  /** Swaps in the transport that replaced the old one (STARTTLS). */
  replaceTransport(transport: Transport): void {
    this.#transport = transport;
    const held = readerTransport(transport);
    this.#holdable = held;
    if (this.#reader !== null) {
      streamInternals.setReaderTransport(this.#reader, held);
    }
  }

  override connectionMade(transport: BaseTransport): void {
    // A stream transport, or a read pipe's (stdin).
    this.replaceTransport(transport as Transport);
    const clientConnected = this.#clientConnected;
    if (clientConnected === null) return;
    const reader = this.#reader!;
    const writer = this.#makeWriter!(this);
    const task = this.#loop.createTask(() => clientConnected(reader, writer));
    taskInternals.onDone(task, (done) => {
      if (done.cancelled()) {
        transport.close();
        return;
      }
      if (!taskInternals.hasFailed(done)) return;
      this.#loop.callExceptionHandler({
        message: "Unhandled error in a startServer() client handler",
        exception: done.exception(),
        transport,
      });
      transport.close();
    });
  }

  override connectionLost(error: Error | null): void {
    const reader = this.#reader;
    if (reader !== null) {
      if (error === null) reader.feedEof();
      else reader.setException(error);
    }
    this.#connectionLost = true;
    this.#lostError = error;
    this.#closeWaiters.settleAll(error);
    if (this.#paused) this.#drainWaiters.settleAll(error);
  }

  override dataReceived(data: Uint8Array): void {
    if (this.#reader !== null) {
      // A host chunk not handed out yet is taken without a copy.
      streamInternals.feed(this.#reader, data, claimHostChunk(data));
    }
  }

  override eofReceived(): boolean {
    this.#reader?.feedEof();
    // Over TLS the transport closes anyway; a read pipe closes at EOF.
    const transport = this.#transport;
    return !(transport instanceof Transport) || transport.canWriteEof();
  }

  override pauseWriting(): void {
    this.#paused = true;
  }

  override resumeWriting(): void {
    this.#paused = false;
    this.#drainWaiters.settleAll();
  }

  /**
   * Waits while the transport's write buffer is above its high-water mark.
   * Not async: a drain with nothing to wait for makes no promise of its own.
   */
  drainHelper(): Promise<void> {
    if (this.#connectionLost) return Promise.reject(connectionLostError());
    if (!this.#paused) return WRITABLE;
    return this.#drainWaiters.wait(this.#loop, this.#holdable);
  }

  /** Waits until the connection is lost; throws the error it was lost with. */
  async waitClosed(): Promise<void> {
    if (this.#connectionLost) {
      if (this.#lostError !== null) throw this.#lostError;
      return;
    }
    await this.#closeWaiters.wait(this.#loop, this.#holdable);
  }
}

/**
 * What a reader needs of the loop's stream transport under it: flow
 * control, and the hold that keeps the process alive while it waits.
 */
function readerTransport(
  transport: Transport | ReadPipeTransport,
): ReaderTransport {
  return {
    hold: transport instanceof ReadPipeTransport
      ? () => internals.holdReadPipe(transport)
      : () => internals.hold(transport as StreamTransport),
    pauseReading: () => transport.pauseReading(),
    resumeReading: () => transport.resumeReading(),
    toString: () => String(transport),
  };
}

/** What a drain with nothing to wait for returns. */
const WRITABLE: Promise<void> = Promise.resolve();

/** The error of a stream used after its connection was lost. */
function connectionLostError(): Error {
  return Object.assign(
    new Error("Connection lost: the stream is closed"),
    { code: "ECONNRESET" },
  );
}
