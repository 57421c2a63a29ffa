/**
 * `Server`: listening sockets that make a protocol and a transport for
 * each client, as asyncio's `Server` (made by `loop.createServer`,
 * `loop.createUnixServer`, and under `startServer`).
 *
 * @module
 */
import {
  type ProtocolContext,
  protocolContext,
  switchTo,
} from "../internal/context.ts";
import { holdWaker } from "../internal/real_world.ts";
import { CancelledError, RuntimeError } from "../internal/errors.ts";
import { closeWithLoop } from "../internal/loop_resources.ts";
import type {
  Address,
  HostServer,
  ListenTarget,
  RawSocket,
} from "../internal/socket_host.ts";
import type { Future } from "../tasks/future.ts";
import { sleep } from "../tasks/sleep.ts";
import { internals as transportInternals } from "./_transport_internals.ts";
import type { ConnectingLoop } from "./create_connection.ts";
import type { EventLoop } from "./event_loop.ts";
import { type Holdable, waitOnHost } from "./host_wait.ts";
import type { StreamProtocol } from "./protocols.ts";
import type { StreamTransport } from "./socket_transport.ts";
import { WaiterSet } from "./waiter_set.ts";
import type { SSLContext } from "./tls.ts";
import { internals } from "./_internals.ts";

/** One listening socket of a server. */
export interface ServerSocket<A = [host: string, port: number]> {
  /** The address it listens on: `[host, port]`, or a Unix socket's path. */
  getsockname(): A;
}

/** How a server makes its connections; for the loop and streams. */
export interface ServerSetup {
  /** Makes the protocol of each connection. */
  protocolFactory: () => StreamProtocol;
  /** The server context, or `null` for plain connections. */
  ssl: SSLContext | null;
  /** Seconds a client's TLS handshake may take. */
  handshakeTimeout: number;
  /** Seconds a client has to answer the TLS close. */
  shutdownTimeout: number;
  /**
   * Keep the process alive while a connection is open, and while the
   * server accepts connections.
   */
  holdWhileOpen: boolean;
  /**
   * The host's sockets, given by the module that opens servers, which
   * loads on first use: this module is loaded by every program.
   */
  sockets: ServerSockets;
}

/** What a server does with the host's sockets. */
export interface ServerSockets {
  listen: typeof import("../internal/socket_host.ts").listen;
  beginHandshake: typeof import("./socket_setup.ts").beginHandshake;
  transportOver: typeof import("./socket_setup.ts").transportOver;
}

/** Starts a server listening on every target; for this package only. */
export function createServerOn<A>(
  loop: ConnectingLoop,
  setup: ServerSetup,
  targets: ListenTarget[],
  startServing: boolean,
): Promise<Server<A>> {
  return internals.openServer<A>(loop, setup, targets, startServing);
}

/**
 * A listening server: asyncio's `Server`. Each client gets a protocol from
 * the factory and a transport.
 *
 * A serving server keeps the process alive until it, or its loop, is
 * closed: `run()` closes the loop, so a program that forgets to close it
 * still ends.
 *
 * @example Serving until closed
 * ```ts
 * import { getRunningLoop, Protocol, run, type Transport } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const serving = await run(async () => {
 *   const loop = getRunningLoop();
 *   const server = await loop.createServer(() => new Protocol(), "127.0.0.1", 0);
 *   const before = server.isServing();
 *   server.close();
 *   await server.waitClosed();
 *   return [before, server.isServing()];
 * });
 * assert.deepEqual(serving, [true, false]);
 * ```
 */
export class Server<A = [host: string, port: number]>
  implements AsyncDisposable {
  readonly #loop: ConnectingLoop;
  /** Where the protocol factory is called (see `switchTo`). */
  readonly #protocolContext: ProtocolContext;
  readonly #setup: ServerSetup;
  #listeners: HostServer[] | null = [];
  #sockets: ServerSocket<A>[] = [];
  #serving = false;
  /** Clients that connected before `startServing()`. */
  #queued: RawSocket[] = [];
  readonly #clients = new Set<StreamTransport>();
  /** Clients in their TLS handshake. */
  readonly #handshaking = new Set<{ abort(): void; hold(): () => void }>();
  readonly #closeWaiters = new WaiterSet();
  /** Closed, and every client connection has ended. */
  #allDone = false;
  #servingForever: Future<void> | null = null;
  /** Ends the hold of a serving server whose setup says `holdWhileOpen`. */
  #releaseServing: (() => void) | null = null;
  /** What a wait on the server keeps alive: listeners and clients. */
  readonly #hold: Holdable = {
    hold: () => {
      const sources: Holdable[] = [
        ...this.#listeners ?? [],
        ...this.#handshaking,
      ];
      const releases = [
        ...sources.map((source) => source.hold()),
        ...[...this.#clients].map((client) => transportInternals.hold(client)),
      ];
      return () => releases.forEach((release) => release());
    },
  };
  readonly #owner = {
    attachTransport: (transport: StreamTransport) => {
      this.#clients.add(transport);
    },
    detachTransport: (transport: StreamTransport) => {
      this.#clients.delete(transport);
      this.#wakeUpIfDone();
    },
  };

  private constructor(loop: ConnectingLoop, setup: ServerSetup) {
    this.#loop = loop;
    this.#protocolContext = protocolContext(loop);
    this.#setup = setup;
  }

  static {
    internals.openServer = async <A>(
      loop: ConnectingLoop,
      setup: ServerSetup,
      targets: ListenTarget[],
      startServing: boolean,
    ) => {
      const server = new Server<A>(loop, setup);
      try {
        for (const target of targets) await server.#listen(target);
      } catch (error) {
        server.close();
        throw error;
      }
      if (startServing) server.#startServing();
      return server;
    };
  }

  /** The listening sockets; empty once the server is closed. */
  get sockets(): readonly ServerSocket<A>[] {
    return this.#listeners === null ? [] : this.#sockets;
  }

  /** The loop the server runs on. */
  getLoop(): EventLoop {
    return this.#loop as EventLoop;
  }

  /** True while the server accepts connections. */
  isServing(): boolean {
    return this.#serving && this.#listeners !== null;
  }

  /**
   * Starts accepting connections, for a server made with
   * `startServing: false`; harmless when it already does. Then lets the
   * loop run one iteration, as asyncio's does.
   */
  async startServing(): Promise<void> {
    this.#startServing();
    await sleep(0);
  }

  /**
   * Stops listening. Clients already connected are left alone (see
   * `closeClients()`); a pending `serveForever()` ends.
   */
  close(): void {
    const listeners = this.#listeners;
    if (listeners === null) return;
    this.#listeners = null;
    this.#serving = false;
    this.#releaseServing?.();
    this.#releaseServing = null;
    for (const listener of listeners) listener.close();
    for (const socket of this.#queued) socket.abort();
    this.#queued = [];
    const serving = this.#servingForever;
    this.#servingForever = null;
    if (serving !== null && !serving.done()) serving.cancel();
    this.#wakeUpIfDone();
  }

  /** Closes the transports of all connected clients, after flushing them. */
  closeClients(): void {
    for (const client of [...this.#handshaking]) client.abort();
    for (const client of [...this.#clients]) client.close();
  }

  /** Closes the transports of all connected clients at once. */
  abortClients(): void {
    for (const client of [...this.#handshaking]) client.abort();
    for (const client of [...this.#clients]) client.abort();
  }

  /**
   * Waits until the server is closed and every client connection has
   * ended. Returns at once if that has already happened.
   */
  async waitClosed(): Promise<void> {
    if (this.#allDone) return;
    await this.#closeWaiters.wait(this.#loop, this.#hold, false);
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
    this.#startServing();
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
    const names = this.sockets.map((socket) => {
      const address = socket.getsockname();
      return Array.isArray(address) ? address.join(":") : String(address);
    });
    return `<Server sockets=(${names.join(", ")})>`;
  }

  #startServing(): void {
    if (this.#serving || this.#listeners === null) return;
    this.#serving = true;
    if (this.#setup.holdWhileOpen) this.#holdWhileServing(this.#listeners);
    const queued = this.#queued;
    this.#queued = [];
    for (const socket of queued) {
      internals.callSoon(this.#loop, this.#accept, socket);
    }
  }

  /**
   * A peer may connect to a serving server at any time: it keeps the
   * process alive and can wake the loop (waiting for a client is no
   * deadlock), until it is closed or its loop is.
   */
  #holdWhileServing(listeners: HostServer[]): void {
    const releases = listeners.map((listener) => listener.hold());
    releases.push(holdWaker(this.#loop));
    const release = () => {
      forget();
      for (const each of releases) each();
    };
    const forget = closeWithLoop(this.#loop, release);
    this.#releaseServing = release;
  }

  async #listen(target: ListenTarget): Promise<void> {
    const loop = this.#loop;
    const listening = loop.createFuture<void>();
    const listener = this.#setup.sockets.listen(target, {
      listening: () => {
        if (!listening.done() && !loop.isClosed()) listening.setResult();
      },
      failed: (error) => this.#failed(listening, error),
      connection: (socket) => this.#connected(socket),
    });
    this.#listeners?.push(listener);
    await waitOnHost(listening, listener);
    const address = listener.address();
    this.#sockets.push({
      getsockname: () =>
        (Array.isArray(address) ? [...address] : address) as A & Address,
    });
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

  /**
   * A host callback: a client connected. A TLS handshake begins at once,
   * before the host reads the first bytes; the protocol is made by a loop
   * callback.
   */
  #connected(socket: RawSocket): void {
    if (this.#listeners === null || this.#loop.isClosed()) {
      socket.abort();
      return;
    }
    if (this.#setup.ssl !== null) this.#secure(socket, this.#setup.ssl);
    else this.#serveOrQueue(socket);
  }

  #serveOrQueue(socket: RawSocket): void {
    if (this.#serving) internals.callSoon(this.#loop, this.#accept, socket);
    else this.#queued.push(socket);
  }

  #secure(socket: RawSocket, ssl: SSLContext): void {
    // The client counts from its first byte, as in asyncio.
    const running = this.#setup.sockets.beginHandshake(this.#loop, socket, {
      context: ssl,
      serverSide: true,
      serverHostname: null,
      timeout: this.#setup.handshakeTimeout,
      shutdownTimeout: this.#setup.shutdownTimeout,
    }, (result) => {
      this.#handshaking.delete(running);
      if ("socket" in result) {
        if (this.#listeners === null) result.socket.abort();
        else if (this.#serving) this.#accept(result.socket);
        else this.#queued.push(result.socket);
      } else if (this.#loop.getDebug()) {
        this.#loop.callExceptionHandler({
          message: "TLS handshake failed on a server connection",
          exception: result.error,
          server: this,
        });
      }
      this.#wakeUpIfDone();
    });
    this.#handshaking.add(running);
  }

  readonly #accept = (socket: RawSocket): void => {
    if (switchTo(this.#protocolContext, this.#accept, socket)) return;
    if (this.#listeners === null) socket.abort();
    else this.#makeTransport(socket);
  };

  #makeTransport(socket: RawSocket): void {
    let protocol: StreamProtocol;
    try {
      protocol = this.#setup.protocolFactory();
    } catch (exception) {
      socket.abort();
      this.#loop.callExceptionHandler({
        message: "The protocol factory of a server failed",
        exception,
        server: this,
      });
      return;
    }
    this.#setup.sockets.transportOver(this.#loop, socket, protocol, {
      holdWhileOpen: this.#setup.holdWhileOpen,
      context: this.#setup.ssl,
      owner: this.#owner,
    });
  }

  #wakeUpIfDone(): void {
    if (
      this.#listeners === null && this.#clients.size === 0 &&
      this.#handshaking.size === 0
    ) this.#wakeUp();
  }

  #wakeUp(): void {
    this.#allDone = true;
    this.#closeWaiters.settleAll();
  }
}
