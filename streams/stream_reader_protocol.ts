/**
 * `StreamReaderProtocol`: the protocol under every stream, as in
 * CPython: bytes go to the `StreamReader`, writes are flow-controlled for
 * `StreamWriter.drain()`, and a server's handler is started when a client
 * connects.
 *
 * @module
 */
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import { waitOnHost } from "../loop/host_wait.ts";
import { Protocol } from "../loop/protocols.ts";
import type { Transport } from "../loop/transports.ts";
import type { Future } from "../tasks/future.ts";
import type { Task } from "../tasks/task.ts";
import type { ReaderTransport, StreamReader } from "./stream_reader.ts";
import type { StreamWriter } from "./stream_writer.ts";
import { internals as taskInternals } from "../tasks/_internals.ts";
import { internals } from "./_internals.ts";

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

/** The transport of a stream: a loop transport that can be held while waited on. */
export type HoldableTransport = Transport & ReaderTransport;

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
  #transport: HoldableTransport | null = null;
  #paused = false;
  #connectionLost = false;
  #lostError: Error | null = null;
  readonly #drainWaiters = new Set<Future<void>>();
  readonly #closeWaiters = new Set<Future<void>>();

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
  get transport(): HoldableTransport | null {
    return this.#transport;
  }

  /** True for the protocol of a server's client. */
  isServerSide(): boolean {
    return this.#clientConnected !== null;
  }

  /** Swaps in the transport that replaced the old one (STARTTLS). */
  replaceTransport(transport: HoldableTransport): void {
    this.#transport = transport;
    if (this.#reader !== null) {
      internals.setReaderTransport(this.#reader, transport);
    }
  }

  override connectionMade(transport: Transport): void {
    this.replaceTransport(transport as HoldableTransport);
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
    settleAll(this.#closeWaiters, error);
    if (this.#paused) settleAll(this.#drainWaiters, error);
  }

  override dataReceived(data: Uint8Array): void {
    this.#reader?.feedData(data);
  }

  override eofReceived(): boolean {
    this.#reader?.feedEof();
    // Over TLS the transport closes anyway.
    return this.#transport?.canWriteEof() ?? true;
  }

  override pauseWriting(): void {
    this.#paused = true;
  }

  override resumeWriting(): void {
    this.#paused = false;
    settleAll(this.#drainWaiters, null);
  }

  /** Waits while the transport's write buffer is above its high-water mark. */
  async drainHelper(): Promise<void> {
    if (this.#connectionLost) throw connectionLostError();
    if (!this.#paused) return;
    const waiter = this.#loop.createFuture<void>();
    this.#drainWaiters.add(waiter);
    try {
      await this.#wait(waiter);
    } finally {
      this.#drainWaiters.delete(waiter);
    }
  }

  /** Waits until the connection is lost; throws the error it was lost with. */
  async waitClosed(): Promise<void> {
    if (this.#connectionLost) {
      if (this.#lostError !== null) throw this.#lostError;
      return;
    }
    const waiter = this.#loop.createFuture<void>();
    this.#closeWaiters.add(waiter);
    try {
      await this.#wait(waiter);
    } finally {
      this.#closeWaiters.delete(waiter);
    }
  }

  async #wait(waiter: Future<void>): Promise<void> {
    const transport = this.#transport;
    if (transport === null) await waiter;
    else await waitOnHost(waiter, transport);
  }
}

/** The error of a stream used after its connection was lost. */
function connectionLostError(): Error {
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
