/**
 * TCP and Unix-domain sockets of the host runtime: one adapter over
 * `node:net`, which Deno, Bun and Node all provide (measured: connect,
 * listen on port 0 or a path, half-close, pause/resume, ref/unref,
 * `localAddress`, `family`, `keepAlive` and the error codes behave alike;
 * `reusePort` works on Deno and Bun, and on Node from 22.12 — Node 20
 * ignores it). Sockets and listeners start unreferenced and keep the
 * process alive only while held.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import fs from "node:fs";
import net from "node:net";
import { dirname } from "node:path";
import process from "node:process";
import { clearTimeout, setTimeout } from "node:timers";
import { RUNTIME } from "./runtime.ts";
import { errorCode, TimeoutError } from "./errors.ts";
import {
  guardStream,
  keepProcessAlive,
  type NodeStream,
  type StreamEvents,
  WrappedStream,
} from "./stream_host.ts";

/**
 * A socket address as Python gives it: `[host, port]` for IPv4,
 * `[host, port, flowinfo, scopeId]` for IPv6, the path for a Unix socket.
 */
export type Address =
  | [host: string, port: number]
  | [host: string, port: number, flowinfo: number, scopeId: number]
  | string;

/** Python's tuple for an IP address: four parts for IPv6. */
function ipAddress(host: string, port: number): Address {
  return host.includes(":") ? [host, port, 0, 0] : [host, port];
}

/** Where to connect, and how. */
export interface ConnectTarget {
  /** The host of a TCP connection. */
  host?: string;
  /** The port of a TCP connection. */
  port?: number;
  /** The path of a Unix-domain socket (instead of `host` and `port`). */
  path?: string;
  /** The local address to bind to first. */
  localHost?: string;
  /** The local port to bind to first (0: any). */
  localPort?: number;
  /** 4 or 6 to resolve `host` to that family only; 0 for any. */
  family?: number;
  /** Turns TCP keep-alive probes on. */
  keepAlive?: boolean;
}

/** Security details of a TLS socket; see `internal/tls_host.ts`. */
export interface TlsDetails {
  /** The peer's certificate as the host reports it, or `null`. */
  peerCertificate(): unknown;
  /** `[name, protocol version, secret bits]`, as Python's `cipher()`. */
  cipher(): [string, string, number] | null;
  /** `"TLSv1.3"` and so on. */
  version(): string | null;
  /** The protocol chosen by ALPN, or `null`. */
  alpnProtocol(): string | null;
  /** True on the server side of the connection. */
  serverSide: boolean;
  /** The host name asked for (SNI) by the client, or `null`. */
  serverHostname: string | null;
  /** Seconds the peer has to answer the close before the socket goes. */
  shutdownTimeout: number;
}

/**
 * A connected socket whose events are not wired yet: it can be wrapped in
 * TLS first, and a wired socket can be unwired back into one (STARTTLS).
 */
export class RawSocket {
  /** The host socket. */
  readonly stream: NodeStream;
  /** The path of a Unix socket, or `null`. */
  readonly path: string | null;
  /** True for a socket accepted by a server. */
  readonly accepted: boolean;
  /** TLS details once the socket is a TLS socket, else `null`. */
  readonly tls: TlsDetails | null;
  /** The socket under a TLS socket, or `null`. */
  readonly plain: RawSocket | null;

  /** Wraps `stream`; `tls` and `plain` describe a TLS socket. */
  constructor(
    stream: NodeStream,
    where: { path: string | null; accepted: boolean },
    tls: TlsDetails | null = null,
    plain: RawSocket | null = null,
  ) {
    this.stream = stream;
    this.path = where.path;
    this.accepted = where.accepted;
    this.tls = tls;
    this.plain = plain;
  }

  /** Puts `chunks` back, in order, before what the socket reads next. */
  unread(chunks: readonly Uint8Array[]): void {
    if (chunks.length === 0) return;
    (this.stream as unknown as net.Socket).unshift(Buffer.concat(chunks));
  }

  /** Wires `events` and returns the socket to read and write. */
  attach(events: StreamEvents): HostSocket {
    return new HostSocket(this, events);
  }

  /** Closes the socket at once. */
  abort(): void {
    this.stream.destroy();
  }

  /** Keeps the process alive until the returned function is called. */
  hold(): () => void {
    return holdStream(this.stream);
  }
}

/** A connected socket wired to a transport's events. */
export class HostSocket extends WrappedStream {
  readonly #raw: RawSocket;
  #peer: Address | null = null;
  #local: Address | null = null;

  /** Wires `events` to the socket of `raw`. */
  constructor(raw: RawSocket, events: StreamEvents) {
    super(raw.stream, events, { ownChunks: true });
    this.#raw = raw;
    // Addresses are read while connected: the host forgets them at close.
    this.peerAddress();
    this.localAddress();
  }

  /** The unwired socket, with its TLS details. */
  get raw(): RawSocket {
    return this.#raw;
  }

  /** The peer's address, once connected. */
  peerAddress(): Address | null {
    if (this.#raw.path !== null) {
      return this.#raw.accepted ? "" : this.#raw.path;
    }
    const socket = this.stream as net.Socket;
    return this.#peer ??= socket.remoteAddress === undefined
      ? null
      : ipAddress(socket.remoteAddress, socket.remotePort ?? 0);
  }

  /** This end's address, once connected. */
  localAddress(): Address | null {
    if (this.#raw.path !== null) {
      return this.#raw.accepted ? this.#raw.path : "";
    }
    const socket = this.stream as net.Socket;
    return this.#local ??= socket.localAddress === undefined
      ? null
      : ipAddress(socket.localAddress, socket.localPort ?? 0);
  }

  /** `"AF_INET"`, `"AF_INET6"` or `"AF_UNIX"`. */
  family(): string {
    if (this.#raw.path !== null) return "AF_UNIX";
    return (this.stream as net.Socket).remoteFamily === "IPv6"
      ? "AF_INET6"
      : "AF_INET";
  }

  /**
   * Ends and closes once the written bytes have left. A TLS socket ends,
   * and closes when the peer answers the end or, failing with
   * `TimeoutError`, after its shutdown timeout, as asyncio's TLS shuts
   * down: destroyed once its writes finished, it lost bytes. Deno 2.9 reports them finished before
   * they reach the socket under it; on Node, a TLS 1.3 peer still reading
   * writes to the closed socket (over TLS 1.2 it does not), which answers
   * with a reset, and the peer's system drops what it had not read yet.
   */
  override close(): void {
    const stream = this.stream;
    if (this.#raw.tls === null || stream.destroyed) {
      super.close();
      return;
    }
    const seconds = this.#raw.tls.shutdownTimeout;
    const timer = setTimeout(() => {
      const error = new TimeoutError("SSL shutdown timed out");
      stream.destroy(Object.assign(error, { code: "ETIMEDOUT" }));
    }, seconds * 1000);
    timer.unref?.();
    stream.once("close", () => clearTimeout(timer));
    // The answer comes after whatever the peer sent meanwhile, which a
    // paused socket would never read: it is read, and dropped by the
    // closing transport.
    stream.resume();
    this.end();
  }

  /** Stops reporting events; the socket goes on as a raw socket. */
  unwire(): RawSocket {
    this.detach();
    return this.#raw;
  }
}

function holdStream(stream: NodeStream): () => void {
  stream.ref?.();
  const releaseProcess = keepProcessAlive();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    releaseProcess();
    stream.unref?.();
  };
}

/** How a connection attempt ends. */
export interface ConnectCallbacks {
  /** The socket is connected. */
  connected(socket: RawSocket): void;
  /** The connection could not be made; the error says why. */
  failed(error: Error): void;
}

/** A connection attempt under way. */
export interface Connecting {
  /** Gives up: the socket is closed. */
  abort(): void;
  /** Keeps the process alive until the returned function is called. */
  hold(): () => void;
}

/** Starts connecting to `target`; the outcome goes to `callbacks`. */
export function connect(
  target: ConnectTarget,
  callbacks: ConnectCallbacks,
): Connecting {
  const path = target.path ?? null;
  const socket = path !== null
    ? net.connect({ path, allowHalfOpen: true })
    : net.connect({
      host: target.host,
      port: target.port!,
      localAddress: target.localHost,
      localPort: target.localPort,
      family: target.family,
      allowHalfOpen: true,
    });
  socket.unref();
  const failed = (error: Error) => {
    const where = path ?? `${target.host}:${target.port}`;
    callbacks.failed(describeError(error, `connect to ${where}`));
  };
  socket.once("error", failed);
  socket.once("connect", () => {
    socket.off("error", failed);
    guardStream(socket);
    if (path === null) tuneTcp(socket, target.keepAlive === true);
    callbacks.connected(new RawSocket(socket, { path, accepted: false }));
  });
  return {
    abort: () => void socket.destroy(),
    hold: () => holdStream(socket),
  };
}

/**
 * Sets up a connected TCP socket as asyncio does: Nagle's algorithm off
 * (`TCP_NODELAY`), so that a small write is sent at once instead of
 * waiting for the peer to acknowledge the one before it (a request written
 * in two parts otherwise waits out the peer's delayed acknowledgement,
 * about 40 ms on Linux); keep-alive probes on when asked for.
 */
function tuneTcp(socket: net.Socket, keepAlive: boolean): void {
  socket.setNoDelay(true);
  if (keepAlive) socket.setKeepAlive(true);
}

/** Wraps a socket connected elsewhere (`loop.connectAcceptedSocket`). */
export function adoptSocket(socket: unknown): RawSocket {
  if (!(socket instanceof net.Socket)) {
    throw new TypeError(
      "connectAcceptedSocket() takes a connected node:net Socket",
    );
  }
  if (socket.destroyed || socket.readyState !== "open") {
    throw new RangeError("connectAcceptedSocket() needs a connected socket");
  }
  socket.unref();
  tuneTcp(socket, false);
  return new RawSocket(socket, { path: null, accepted: true });
}

/** Where and how to listen. */
export interface ListenTarget {
  /** The host to listen on; `null` for all interfaces. */
  host?: string | null;
  /** The TCP port (0 picks a free one). */
  port?: number;
  /** The path of a Unix-domain socket (instead of `host` and `port`). */
  path?: string;
  /** How many connections the system queues before they are accepted. */
  backlog: number;
  /** Lets several sockets listen on one port (SO_REUSEPORT). */
  reusePort?: boolean;
  /** Accepts IPv6 connections only (no IPv4-mapped addresses). */
  ipv6Only?: boolean;
  /** Turns TCP keep-alive probes on for every accepted socket. */
  keepAlive?: boolean;
}

/** A listening server. */
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
  /** A client connected. */
  connection(socket: RawSocket): void;
}

/** True where `reusePort` is honoured (measured; Node 20 ignores it). */
export function reusePortSupported(): boolean {
  if (RUNTIME !== "node") return true;
  const [major, minor] = process.versions.node.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

/**
 * Listens on `target` (all interfaces when `host` is `null`; port 0 picks
 * a free port).
 */
export function listen(
  target: ListenTarget,
  callbacks: ListenCallbacks,
): HostServer {
  const server = net.createServer({ allowHalfOpen: true });
  const path = target.path ?? null;
  let holds = 0;
  server.on("connection", (socket: net.Socket) => {
    socket.unref();
    guardStream(socket);
    if (path === null) tuneTcp(socket, target.keepAlive === true);
    callbacks.connection(new RawSocket(socket, { path, accepted: true }));
  });
  server.on("error", (error: Error) => {
    const where = path ?? `${target.host ?? "*"}:${target.port}`;
    callbacks.failed(describeError(error, `listen on ${where}`));
  });
  server.once("listening", () => {
    if (holds === 0) server.unref();
    callbacks.listening();
  });
  if (path !== null) {
    const error = prepareSocketPath(path);
    if (error !== null) {
      // Reported as the host reports its errors: after this call returns.
      queueMicrotask(() => server.emit("error", error));
    } else server.listen({ path, backlog: target.backlog });
  } else {
    server.listen({
      host: target.host ?? undefined,
      port: target.port,
      backlog: target.backlog,
      reusePort: target.reusePort,
      ipv6Only: target.ipv6Only,
    } as net.ListenOptions);
  }
  return {
    address: () => {
      const info = server.address();
      if (typeof info === "string") return info;
      return ipAddress(info!.address, info!.port);
    },
    close: () => {
      server.close();
    },
    hold: () => {
      if (holds++ === 0) server.ref();
      const releaseProcess = keepProcessAlive();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        releaseProcess();
        if (--holds === 0) server.unref();
      };
    },
  };
}

/**
 * Readies `path` for a Unix server: a socket left there by an earlier
 * server is removed, as asyncio does; a file of another kind stays and is
 * an `EADDRINUSE` error, and a folder that does not exist an `ENOENT` one
 * (Node's libuv reports it as `EACCES`).
 */
function prepareSocketPath(path: string): Error | null {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch (error) {
    if (errorCode(error) !== "ENOENT") return null;
    try {
      fs.statSync(dirname(path));
      return null;
    } catch (folderError) {
      if (errorCode(folderError) !== "ENOENT") return null;
    }
    return Object.assign(new Error(`${dirname(path)} does not exist`), {
      code: "ENOENT",
      reason: "its folder does not exist",
    });
  }
  if (stat.isSocket()) {
    fs.unlinkSync(path);
    return null;
  }
  return Object.assign(
    new Error(`${path} exists and is not a socket`),
    { code: "EADDRINUSE", reason: "a file that is not a socket is there" },
  );
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
  ENOENT: "no such file or directory",
};

/**
 * The host's error with a message that says what failed and why; `code`
 * (such as `"ECONNREFUSED"`), `syscall` (such as `"bind"`) and the
 * original error (`cause`) are kept.
 */
export function describeError(error: Error, action: string): Error {
  const { code, syscall, reason: given } = error as {
    code?: unknown;
    syscall?: unknown;
    reason?: string;
  };
  const reason = given !== undefined
    ? `${given} (${code})`
    : typeof code === "string" && code in REASONS
    ? `${REASONS[code]} (${code})`
    : error.message;
  const described = new Error(`Cannot ${action}: ${reason}`, { cause: error });
  return Object.assign(
    described,
    syscall === undefined ? { code } : {
      code,
      syscall,
    },
  );
}
