/**
 * UDP sockets of the host runtime: one adapter over `node:dgram`, which
 * Deno, Bun and Node all provide. Measured differences it evens out:
 * - Deno completes sends out of order, and the datagrams then leave out of
 *   order too: here a Deno socket has one send in flight at a time.
 * - Deno's `connect()` only remembers the peer: datagrams from anyone
 *   else still arrive, so they are dropped here, as the system drops them
 *   on Bun and Node. Deno reports no ICMP "port unreachable" either (Bun
 *   and Node give `ECONNREFUSED` on a connected socket).
 * - `reusePort` works on Bun; Node 20 and Deno ignore it (a second bind
 *   fails with `EADDRINUSE`); Node has it from 22.12.
 * A socket keeps the process alive from `openUdp` until it is closed.
 *
 * @module
 */
import dgram from "node:dgram";
import process from "node:process";
import { Deque } from "./deque.ts";
import { RUNTIME } from "./runtime.ts";
import { errorCode } from "./errors.ts";

/** An address as the host gives it: numeric host and port. */
export type UdpAddress = [host: string, port: number];

/** What a UDP socket reports; called from host callbacks, never nested. */
export interface UdpEvents {
  /** A datagram arrived from `from`. */
  onMessage(data: Uint8Array, from: UdpAddress): void;
  /** Receiving failed (such as `ECONNREFUSED`); the socket stays open. */
  onError(error: Error): void;
}

/** How to open a UDP socket. */
export interface UdpOpenOptions {
  /** IPv6 (`udp6`) rather than IPv4. */
  ipv6: boolean;
  /** The numeric address to bind to; port 0 picks a free port. */
  local: UdpAddress;
  /** The numeric address to connect to, if any. */
  remote: UdpAddress | null;
  /** Let several sockets bind the same address (`SO_REUSEPORT`). */
  reusePort: boolean;
  /** Allow sending to broadcast addresses (`SO_BROADCAST`). */
  broadcast: boolean;
}

/** An open UDP socket. */
export interface HostUdpSocket {
  /**
   * Sends one datagram, to `to` or to the connected peer when `to` is
   * `null`; `done` is called once the system took it, or with the error.
   */
  send(
    data: Uint8Array,
    to: UdpAddress | null,
    done: (error: Error | null) => void,
  ): void;
  /** The address it is bound to. */
  localAddress(): UdpAddress;
  /** Closes the socket; nothing is reported afterwards. */
  close(): void;
  /** The `node:dgram` socket, for `getExtraInfo("socket")`. */
  readonly raw: unknown;
}

/** True where the runtime honours `reusePort`. */
export const REUSE_PORT_SUPPORTED: boolean = RUNTIME === "bun" ||
  (RUNTIME === "node" && nodeAtLeast(22, 12));

function nodeAtLeast(major: number, minor: number): boolean {
  const [a, b] = process.versions.node.split(".").map(Number);
  return a > major || (a === major && b >= minor);
}

/**
 * Opens a UDP socket: binds it, allows broadcast, connects; then
 * `ready(socket)`, or `failed(error)` with a message that says why.
 */
export function openUdp(
  options: UdpOpenOptions,
  events: UdpEvents,
  ready: (socket: HostUdpSocket) => void,
  failed: (error: Error) => void,
): () => void {
  const socket = dgram.createSocket({
    type: options.ipv6 ? "udp6" : "udp4",
    ...(options.reusePort ? { reusePort: true } : {}),
  } as dgram.SocketOptions);
  const wrapped = new UdpSocket(socket, options.remote, events);
  let opened = false;
  const fail = (error: Error, action: string) => {
    if (opened) return;
    opened = true;
    socket.close();
    failed(describeError(error, action));
  };
  const [host, port] = options.local;
  socket.once("error", (error) => fail(error, `bind to ${host}:${port}`));
  socket.bind(port, host, () => {
    if (opened) return;
    if (options.broadcast) socket.setBroadcast(true);
    const remote = options.remote;
    if (remote === null) {
      opened = wrapped.ready = true;
      ready(wrapped);
      return;
    }
    const connected = (error?: Error) => {
      if (error) fail(error, `connect to ${remote[0]}:${remote[1]}`);
      else if (!opened) {
        opened = wrapped.ready = true;
        ready(wrapped);
      }
    };
    // The runtimes throw some refusals here, inside a host callback.
    try {
      socket.connect(remote[1], remote[0], connected);
    } catch (error) {
      connected(error as Error);
    }
  });
  return () => fail(new Error("cancelled"), "open");
}

/** Sends in flight at once: one on Deno, which reorders them otherwise. */
const MAX_IN_FLIGHT = RUNTIME === "deno" ? 1 : Infinity;

type Send = [Uint8Array, UdpAddress | null, (error: Error | null) => void];

class UdpSocket implements HostUdpSocket {
  readonly raw: dgram.Socket;
  readonly #remote: UdpAddress | null;
  readonly #queue = new Deque<Send>();
  #inFlight = 0;
  #closed = false;
  #local: UdpAddress | null = null;
  /** Set once open: errors before that fail the opening instead. */
  ready = false;

  constructor(
    socket: dgram.Socket,
    remote: UdpAddress | null,
    events: UdpEvents,
  ) {
    this.raw = socket;
    this.#remote = remote;
    socket.on("message", (chunk: Uint8Array, info: dgram.RemoteInfo) => {
      if (this.#closed || !this.#fromPeer(info)) return;
      const data = new Uint8Array(
        chunk.buffer,
        chunk.byteOffset,
        chunk.byteLength,
      );
      events.onMessage(data, [info.address, info.port]);
    });
    socket.on("error", (error: Error) => {
      if (this.ready && !this.#closed) {
        events.onError(describeError(error, "receive"));
      }
    });
  }

  send(
    data: Uint8Array,
    to: UdpAddress | null,
    done: (error: Error | null) => void,
  ): void {
    this.#queue.add([data, to, done]);
    this.#pump();
  }

  #pump(): void {
    while (this.#inFlight < MAX_IN_FLIGHT && this.#queue.length > 0) {
      const [data, to, done] = this.#queue.take()!;
      this.#inFlight++;
      const sent = (error: Error | null) => {
        this.#inFlight--;
        if (this.#closed) return;
        const where = to ?? this.#remote!;
        done(error ? describeError(error, `send to ${where.join(":")}`) : null);
        this.#pump();
      };
      try {
        if (to === null) this.raw.send(data, sent);
        else this.raw.send(data, to[1], to[0], sent);
      } catch (error) {
        sent(error as Error);
      }
    }
  }

  localAddress(): UdpAddress {
    if (this.#local === null) {
      const info = this.raw.address();
      this.#local = [info.address, info.port];
    }
    return this.#local;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.clear();
    this.raw.close();
  }

  /** A connected socket takes datagrams from its peer only. */
  #fromPeer(info: dgram.RemoteInfo): boolean {
    const remote = this.#remote;
    return remote === null ||
      (info.address === remote[0] && info.port === remote[1]);
  }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused (nothing listens there)",
  ENOTFOUND: "unknown host",
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available on this machine",
  EACCES: "permission denied",
  EMSGSIZE: "datagram too large",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/**
 * The host's error with a message that says what failed and why; `code`
 * and the original error (`cause`) are kept.
 */
function describeError(error: Error, action: string): Error {
  const code = errorCode(error);
  const reason = typeof code === "string" && code in REASONS
    ? `${REASONS[code]} (${code})`
    : error.message;
  const described = new Error(`Cannot ${action}: ${reason}`, { cause: error });
  return Object.assign(described, { code });
}
