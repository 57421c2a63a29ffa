/**
 * `startServer()` and `Server`: a TCP server that hands each client a
 * reader and a writer.
 *
 * @module
 */
import { CancelledError, RuntimeError } from "../internal/errors.ts";
import {
  type HostServer,
  type HostSocket,
  listen,
} from "../internal/socket_host.ts";
import type { StreamEvents } from "../internal/stream_host.ts";
import { checkFunction, describe } from "../internal/validate.ts";
import type { EventLoop } from "../loop/event_loop.ts";
import { getRunningLoop } from "../loop/events.ts";
import { type Future, hasFailed, onDone } from "../tasks/future.ts";
import {
  checkHost,
  checkLimit,
  checkPort,
  checkStreamOptions,
} from "./checks.ts";
import { type Holdable, waitOnHost } from "./host_wait.ts";
import {
  DEFAULT_LIMIT,
  setReaderTransport,
  StreamReader,
} from "./stream_reader.ts";
import { makeStreamWriter, type StreamWriter } from "./stream_writer.ts";
import { StreamTransport } from "./transport.ts";

/**
 * Called for each client with its reader and writer; an async function
 * runs as a task of its own.
 */
export type ClientConnectedCallback = (
  reader: StreamReader,
  writer: StreamWriter,
) => unknown;

/** Options of `startServer()`. */
export interface StartServerOptions {
  /** The buffer limit of each client's reader in bytes; 64 KiB by default. */
  limit?: number;
  /** How many connections the system queues before they are accepted; 100. */
  backlog?: number;
  /**
   * `false` or `null`: plain TCP. TLS is not supported yet, so any other
   * value is a `TypeError` (never a server in clear).
   */
  ssl?: false | null;
}

/** One listening socket of a server. */
export interface ServerSocket {
  /** The address it listens on, `[host, port]`. */
  getsockname(): [host: string, port: number];
}

let start: (
  loop: EventLoop,
  handler: ClientConnectedCallback,
  hosts: (string | null)[],
  port: number,
  options: { limit: number; backlog: number },
) => Promise<Server>;

const IGNORE: StreamEvents = {
  onData: () => {},
  onEnd: () => {},
  onDrain: () => {},
  onClose: () => {},
};

/**
 * A TCP server made by `startServer()`: asyncio's `Server`. Each client is
 * served by the handler in a task of its own; the handler's writer is
 * closed when the task fails or is cancelled.
 *
 * As in Python, a client's connection stays open until its writer is
 * closed, and `waitClosed()` waits for that: close the writer in the
 * handler.
 *
 * A listening server keeps the process alive only while a task awaits
 * `serveForever()` or `waitClosed()` (or one of its clients' streams), so
 * a program that forgets to close it still exits after `run()`.
 *
 * @example Serving until closed
 * ```ts
 * import { openConnection, startServer } from "@aio/asyncio/streams";
 * import { createTask, run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const reply = await run(async () => {
 *   const server = await startServer(async (reader, writer) => {
 *     const name = new TextDecoder().decode(await reader.readline());
 *     writer.write(new TextEncoder().encode(`hello ${name}`));
 *     writer.close();
 *   }, "127.0.0.1", 0);
 *   const serving = createTask(() => server.serveForever());
 *   const [, port] = server.sockets[0].getsockname();
 *   const [reader, writer] = await openConnection("127.0.0.1", port);
 *   writer.write(new TextEncoder().encode("world\n"));
 *   const reply = new TextDecoder().decode(await reader.read());
 *   writer.close();
 *   server.close();
 *   await serving.then(undefined, () => {});
 *   return reply;
 * });
 * assert.equal(reply, "hello world\n");
 * ```
 */
export class Server implements AsyncDisposable {
  readonly #loop: EventLoop;
  readonly #handler: ClientConnectedCallback;
  readonly #limit: number;
  #listeners: HostServer[] | null = [];
  #sockets: ServerSocket[] = [];
  readonly #clients = new Set<StreamTransport>();
  #waiters: Set<Future<void>> | null = new Set();
  #servingForever: Future<void> | null = null;
  /** What a wait on the server keeps alive: listeners and clients. */
  readonly #hold: Holdable = {
    hold: () => {
      const sources: Holdable[] = [...this.#listeners ?? [], ...this.#clients];
      const releases = sources.map((source) => source.hold());
      return () => releases.forEach((release) => release());
    },
  };

  private constructor(
    loop: EventLoop,
    handler: ClientConnectedCallback,
    limit: number,
  ) {
    this.#loop = loop;
    this.#handler = handler;
    this.#limit = limit;
  }

  static {
    start = async (loop, handler, hosts, port, { limit, backlog }) => {
      const server = new Server(loop, handler, limit);
      try {
        for (const host of hosts) await server.#listen(host, port, backlog);
      } catch (error) {
        server.close();
        throw error;
      }
      return server;
    };
  }

  /** The listening sockets; empty once the server is closed. */
  get sockets(): readonly ServerSocket[] {
    return this.#listeners === null ? [] : this.#sockets;
  }

  /** True until the server is closed. */
  isServing(): boolean {
    return this.#listeners !== null;
  }

  /**
   * Stops listening. Clients already connected are left alone (see
   * `closeClients()`); a pending `serveForever()` ends.
   */
  close(): void {
    const listeners = this.#listeners;
    if (listeners === null) return;
    this.#listeners = null;
    for (const listener of listeners) listener.close();
    const serving = this.#servingForever;
    this.#servingForever = null;
    if (serving !== null && !serving.done()) serving.cancel();
    if (this.#clients.size === 0) this.#wakeUp();
  }

  /** Closes the streams of all connected clients, after flushing them. */
  closeClients(): void {
    for (const client of [...this.#clients]) client.close();
  }

  /** Closes the streams of all connected clients at once. */
  abortClients(): void {
    for (const client of [...this.#clients]) client.abort();
  }

  /**
   * Waits until the server is closed and every client connection has
   * ended. Returns at once if that has already happened.
   */
  async waitClosed(): Promise<void> {
    const waiters = this.#waiters;
    if (waiters === null) return;
    const waiter = this.#loop.createFuture<void>();
    waiters.add(waiter);
    try {
      await waitOnHost(waiter, this.#hold, false);
    } finally {
      waiters.delete(waiter);
    }
  }

  /**
   * Serves until the server is closed or the awaiting task is cancelled;
   * then closes the server, waits for its clients to finish and throws
   * `CancelledError`. A `RuntimeError` if the server is closed or already
   * serving forever.
   */
  async serveForever(): Promise<void> {
    if (this.#servingForever !== null) {
      throw new RuntimeError(
        "The server is already being awaited on serveForever()",
      );
    }
    if (this.#listeners === null) {
      throw new RuntimeError("The server is closed: start a new one");
    }
    const serving = this.#loop.createFuture<void>();
    this.#servingForever = serving;
    try {
      await waitOnHost(serving, this.#hold, false);
    } catch (error) {
      if (error instanceof CancelledError) {
        this.close();
        await this.waitClosed();
      }
      throw error;
    } finally {
      if (this.#servingForever === serving) this.#servingForever = null;
    }
  }

  /** Closes the server and waits for it: `await using server = ...`. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.waitClosed();
  }

  /** A short description, as asyncio's `repr`. */
  toString(): string {
    const names = this.sockets.map((socket) => socket.getsockname().join(":"));
    return `<Server sockets=(${names.join(", ")})>`;
  }

  async #listen(
    host: string | null,
    port: number,
    backlog: number,
  ): Promise<void> {
    const loop = this.#loop;
    const listening = loop.createFuture<void>();
    const listener = listen(host, port, backlog, {
      listening: () => {
        if (!listening.done() && !loop.isClosed()) listening.setResult();
      },
      failed: (error) => this.#failed(listening, error),
      connection: (accept) => this.#accept(accept),
    });
    this.#listeners?.push(listener);
    await waitOnHost(listening, listener);
    const address = listener.address();
    this.#sockets.push({ getsockname: () => [...address] });
  }

  #failed(listening: Future<void>, error: Error): void {
    if (this.#loop.isClosed()) return;
    if (!listening.done()) {
      listening.setException(error);
      return;
    }
    this.#loop.callExceptionHandler({
      message: "Error on a listening server",
      exception: error,
      server: this,
    });
  }

  #accept(accept: (events: StreamEvents) => HostSocket): void {
    const loop = this.#loop;
    if (this.#listeners === null || loop.isClosed()) {
      accept(IGNORE).abort();
      return;
    }
    const reader = new StreamReader(this.#limit);
    const transport: StreamTransport = new StreamTransport(loop, {
      reader,
      extra: {
        peername: () => socket.peerAddress(),
        sockname: () => socket.localAddress(),
      },
      onLost: () => this.#detach(transport),
    });
    const socket = accept(transport);
    transport.attach(socket);
    setReaderTransport(reader, transport);
    this.#clients.add(transport);
    const writer = makeStreamWriter(transport, reader);
    const task = loop.createTask(() => this.#handler(reader, writer));
    onDone(task, (done) => {
      if (done.cancelled()) {
        transport.close();
        return;
      }
      if (!hasFailed(done)) return;
      loop.callExceptionHandler({
        message: "Unhandled error in a startServer() client handler",
        exception: done.exception(),
        transport,
      });
      transport.close();
    });
  }

  #detach(transport: StreamTransport): void {
    this.#clients.delete(transport);
    if (this.#listeners === null && this.#clients.size === 0) this.#wakeUp();
  }

  #wakeUp(): void {
    const waiters = this.#waiters;
    this.#waiters = null;
    for (const waiter of waiters ?? []) {
      if (!waiter.done()) waiter.setResult();
    }
  }
}

/**
 * Starts a TCP server on `host:port` and calls `handler(reader, writer)`
 * for each client: asyncio's `start_server`. `host` may be an address, a
 * list of them, or `null` for all interfaces; port 0 picks a free port
 * (see `server.sockets[i].getsockname()`). An address in use throws an
 * `Error` with code `"EADDRINUSE"`.
 *
 * @example Port 0 picks a free port
 * ```ts
 * import { startServer } from "@aio/asyncio/streams";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const [host, port] = await run(async () => {
 *   await using server = await startServer(() => {}, "127.0.0.1", 0);
 *   return server.sockets[0].getsockname();
 * });
 * assert.equal(host, "127.0.0.1");
 * assert.ok(port > 0);
 * ```
 */
export async function startServer(
  handler: ClientConnectedCallback,
  host: string | readonly string[] | null,
  port = 0,
  options: StartServerOptions = {},
): Promise<Server> {
  checkFunction(handler, "The client handler of startServer()");
  const hosts = host === null || host === undefined
    ? [null]
    : typeof host === "string"
    ? [checkHost(host)]
    : checkHosts(host);
  checkPort(port);
  const { limit = DEFAULT_LIMIT, backlog = 100 } = checkStreamOptions<
    StartServerOptions
  >(options, "startServer()", ["limit", "backlog"]);
  checkLimit(limit);
  checkBacklog(backlog);
  return await start(getRunningLoop(), handler, hosts, port, {
    limit,
    backlog,
  });
}

function checkHosts(hosts: unknown): string[] {
  if (!Array.isArray(hosts) || hosts.length === 0) {
    throw new TypeError(
      "The host must be a string, a non-empty array of strings or null, " +
        `got ${describe(hosts)}`,
    );
  }
  return hosts.map(checkHost);
}

function checkBacklog(backlog: unknown): void {
  if (typeof backlog !== "number") {
    throw new TypeError(
      `The backlog must be a number, got ${describe(backlog)}`,
    );
  }
  if (!Number.isInteger(backlog) || backlog < 0) {
    throw new RangeError(
      `The backlog must be a non-negative integer, got ${backlog}`,
    );
  }
}
