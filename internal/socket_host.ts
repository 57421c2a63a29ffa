/**
 * TCP sockets of the host runtime: one adapter over `node:net`, which Deno,
 * Bun and Node all provide (measured: connect, listen on port 0,
 * half-close, pause/resume, write back-pressure, ref/unref and the error
 * codes behave alike). Sockets and listeners start unreferenced and keep
 * the process alive only while held.
 *
 * @module
 */
import net from "node:net";
import {
  type HostStream,
  type StreamEvents,
  wrapStream,
} from "./stream_host.ts";

/** A socket address as Python gives it: `[host, port]`. */
export type Address = [host: string, port: number];

/** A connected TCP socket. */
export interface HostSocket extends HostStream {
  /** The peer's address, once connected. */
  peerAddress(): Address | null;
  /** This end's address, once connected. */
  localAddress(): Address | null;
}

/** How a connection attempt ends. */
export interface ConnectCallbacks {
  /** The socket is connected. */
  connected(): void;
  /** The connection could not be made; the error says why. */
  failed(error: Error): void;
}

/**
 * Starts connecting to `host:port`. Events flow to `events` once
 * connected; a failure goes to `callbacks.failed` with a clear message.
 */
export function connect(
  host: string,
  port: number,
  events: StreamEvents,
  callbacks: ConnectCallbacks,
): HostSocket {
  const socket = net.connect({ host, port, allowHalfOpen: true });
  const wrapped = wrapSocket(socket, events);
  let connected = false;
  socket.once("connect", () => {
    connected = true;
    wrapped.peerAddress();
    wrapped.localAddress();
    callbacks.connected();
  });
  socket.once("error", (error: Error) => {
    if (!connected) {
      callbacks.failed(describeError(error, `connect to ${host}:${port}`));
    }
  });
  return wrapped;
}

/** A listening TCP server. */
export interface HostServer {
  /** The address it listens on. */
  address(): Address;
  /** Stops listening; connections already accepted stay open. */
  close(): void;
  /** Keeps the process alive until the returned function is called. */
  hold(): () => void;
}

/** What a listener reports. */
export interface ListenCallbacks {
  /** It listens: `address()` is known. */
  listening(): void;
  /** Listening failed, or accepting later failed; the error says why. */
  failed(error: Error): void;
  /**
   * A client connected; `accept(events)` wires its events and returns the
   * socket. Called synchronously, so no byte is missed.
   */
  connection(accept: (events: StreamEvents) => HostSocket): void;
}

/**
 * Listens on `host:port` (all interfaces when `host` is `null`; port 0
 * picks a free port).
 */
export function listen(
  host: string | null,
  port: number,
  backlog: number,
  callbacks: ListenCallbacks,
): HostServer {
  const server = net.createServer({ allowHalfOpen: true });
  let holds = 0;
  server.on("connection", (socket: net.Socket) => {
    callbacks.connection((events) => {
      const wrapped = wrapSocket(socket, events);
      wrapped.peerAddress();
      wrapped.localAddress();
      return wrapped;
    });
  });
  server.on("error", (error: Error) => {
    callbacks.failed(describeError(error, `listen on ${host ?? "*"}:${port}`));
  });
  server.once("listening", () => {
    if (holds === 0) server.unref();
    callbacks.listening();
  });
  server.listen({ host: host ?? undefined, port, backlog });
  return {
    address: () => {
      const info = server.address() as net.AddressInfo;
      return [info.address, info.port];
    },
    close: () => {
      server.close();
    },
    hold: () => {
      if (holds++ === 0) server.ref();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (--holds === 0) server.unref();
      };
    },
  };
}

function wrapSocket(socket: net.Socket, events: StreamEvents): HostSocket {
  const stream = wrapStream(socket, events);
  let peer: Address | null = null;
  let local: Address | null = null;
  // Addresses are read while connected: the host forgets them at close.
  return Object.assign(stream, {
    peerAddress: () =>
      peer ??= socket.remoteAddress === undefined
        ? null
        : [socket.remoteAddress, socket.remotePort ?? 0],
    localAddress: () =>
      local ??= socket.localAddress === undefined
        ? null
        : [socket.localAddress, socket.localPort ?? 0],
  });
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "unknown host",
  EAI_AGAIN: "the host name could not be resolved now",
  ETIMEDOUT: "timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ECONNRESET: "connection reset by peer",
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available on this machine",
  EACCES: "permission denied",
};

/**
 * The host's error with a message that says what failed and why; `code`
 * (such as `"ECONNREFUSED"`) and the original error (`cause`) are kept.
 */
function describeError(error: Error, action: string): Error {
  const code = (error as { code?: unknown }).code;
  const reason = typeof code === "string" && code in REASONS
    ? `${REASONS[code]} (${code})`
    : error.message;
  const described = new Error(`Cannot ${action}: ${reason}`, { cause: error });
  return Object.assign(described, { code });
}
