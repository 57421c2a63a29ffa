/**
 * UDP as asyncio has it: `DatagramProtocol`, `DatagramTransport`, and
 * `createDatagramEndpoint`, the function behind
 * `loop.createDatagramEndpoint`.
 *
 * @module
 */
import {
  type ProtocolContext,
  protocolContext,
  switchTo,
} from "../internal/context.ts";
import { internals as loopInternals } from "./_internals.ts";
import { CancelledError } from "../internal/errors.ts";
import { copyForHost } from "../internal/host_copy.ts";
import { closeWithLoop } from "../internal/loop_resources.ts";
import { holdClock } from "../internal/real_world.ts";
import type {
  HostUdpSocket,
  UdpAddress,
  UdpEvents,
  UdpOpenOptions,
} from "../internal/udp_host.ts";
import { checkFunction, checkOptions, describe } from "../internal/validate.ts";
import { park } from "../tasks/future.ts";
import { internals as taskInternals } from "../tasks/_internals.ts";
import { internals } from "./_transport_internals.ts";
import type { EventLoop } from "./event_loop.ts";
import { getaddrinfo } from "./names.ts";
import { OnFirstUse } from "./on_first_use.ts";
import {
  checkAddr,
  checkFamily,
  checkSockAddr,
  hostOf,
  type SockAddr,
} from "./net_checks.ts";
import { BaseProtocol, callProtocol, checkProtocol } from "./protocols.ts";
import { AF_INET6, AF_UNSPEC, SOCK_DGRAM } from "./socket_constants.ts";
import { BaseTransport, dropWrite, waterMarks } from "./transports.ts";

/**
 * What a `DatagramTransport` calls, as asyncio's `DatagramProtocol`; every
 * method is optional. Each call comes from the loop (one loop callback
 * each, in the order the events happened), never from inside a call of
 * the transport's.
 */
export interface DatagramProtocolLike {
  /** The endpoint is ready; first of all calls. */
  connectionMade?(transport: DatagramTransport): void;
  /** A datagram arrived from `addr`. */
  datagramReceived?(data: Uint8Array, addr: SockAddr): void;
  /**
   * Sending or receiving failed (a datagram too large, a peer's port
   * closed): the endpoint stays open.
   */
  errorReceived?(exc: Error): void;
  /** The endpoint is closed; last of all calls. `exc` is `null` here. */
  connectionLost?(exc: Error | null): void;
  /** The write buffer went over its high-water mark. */
  pauseWriting?(): void;
  /** The write buffer went down to its low-water mark. */
  resumeWriting?(): void;
}

/**
 * asyncio's `DatagramProtocol`: a `BaseProtocol` (`connectionMade`,
 * `connectionLost`, `pauseWriting`, `resumeWriting`) with
 * `datagramReceived` and `errorReceived`; every method does nothing, to
 * override with the ones a protocol needs.
 *
 * @example An echo server
 * ```ts
 * import { DatagramProtocol, type DatagramTransport, run, getRunningLoop } from "@aio/asyncio/loop";
 * import type { SockAddr } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * class Echo extends DatagramProtocol {
 *   transport: DatagramTransport | null = null;
 *   override connectionMade(transport: DatagramTransport) {
 *     this.transport = transport;
 *   }
 *   override datagramReceived(data: Uint8Array, addr: SockAddr) {
 *     this.transport!.sendto(data, addr);
 *   }
 * }
 *
 * const reply = await run(async () => {
 *   const loop = getRunningLoop();
 *   const [server] = await loop.createDatagramEndpoint(() => new Echo(), {
 *     localAddr: ["127.0.0.1", 0],
 *   });
 *   const answer = loop.createFuture<Uint8Array>();
 *   const [client] = await loop.createDatagramEndpoint(
 *     () => ({ datagramReceived: (data: Uint8Array) => answer.setResult(data) }),
 *     { remoteAddr: server.getExtraInfo("sockname") as [string, number] },
 *   );
 *   client.sendto(new TextEncoder().encode("ping"));
 *   const data = await answer;
 *   client.close();
 *   server.close();
 *   return new TextDecoder().decode(data);
 * });
 * assert.equal(reply, "ping");
 * ```
 */
export class DatagramProtocol extends BaseProtocol
  implements DatagramProtocolLike {
  /** A datagram arrived from `addr`. */
  datagramReceived(_data: Uint8Array, _addr: SockAddr): void {}
  /** Sending or receiving failed; the endpoint stays open. */
  errorReceived(_exc: Error): void {}
}

/** Options of `createDatagramEndpoint`, as Python's keyword arguments. */
export interface DatagramEndpointOptions {
  /** `[host, port]` to bind to; port 0 picks a free port. */
  localAddr?: [host: string, port: number] | null;
  /**
   * `[host, port]` of the peer: the socket is connected to it, `sendto`
   * needs no address and only its datagrams arrive.
   */
  remoteAddr?: [host: string, port: number] | null;
  /** `AF_INET` or `AF_INET6`; by default, that of the addresses. */
  family?: number;
  /** `IPPROTO_UDP` or 0. */
  proto?: number;
  /** `AI_*` flags for resolving the addresses. */
  flags?: number;
  /**
   * Let several endpoints bind the same address (`SO_REUSEPORT`). Bun,
   * and Node from 22.12; elsewhere a `RangeError` at the call.
   */
  reusePort?: boolean | null;
  /**
   * Allow sending to broadcast addresses (`SO_BROADCAST`); a `remoteAddr`
   * is then the default destination, not connected.
   */
  allowBroadcast?: boolean | null;
}

const ENDPOINT_OPTIONS: readonly (keyof DatagramEndpointOptions)[] = [
  "localAddr",
  "remoteAddr",
  "family",
  "proto",
  "flags",
  "reusePort",
  "allowBroadcast",
];

/** Received bytes waiting for the protocol past which datagrams are dropped. */
const RECEIVE_LIMIT = 256 * 1024;

/**
 * An open UDP endpoint, as asyncio's `DatagramTransport`. Made by
 * `loop.createDatagramEndpoint`.
 *
 * @example Sending to many peers from one endpoint
 * ```ts
 * import { getRunningLoop, run } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const got = await run(async () => {
 *   const loop = getRunningLoop();
 *   const received: string[] = [];
 *   const done = loop.createFuture();
 *   const peers = [];
 *   for (const name of ["a", "b"]) {
 *     const [peer] = await loop.createDatagramEndpoint(() => ({
 *       datagramReceived(data: Uint8Array) {
 *         received.push(`${name}:${new TextDecoder().decode(data)}`);
 *         if (received.length === 2) done.setResult(null);
 *       },
 *     }), { localAddr: ["127.0.0.1", 0] });
 *     peers.push(peer);
 *   }
 *   const [sender] = await loop.createDatagramEndpoint(() => ({}), {
 *     localAddr: ["127.0.0.1", 0],
 *   });
 *   for (const peer of peers) {
 *     sender.sendto(new TextEncoder().encode("hi"), peer.getExtraInfo("sockname") as [string, number]);
 *   }
 *   await done;
 *   for (const transport of [sender, ...peers]) transport.close();
 *   return received.sort();
 * });
 * assert.deepEqual(got, ["a:hi", "b:hi"]);
 * ```
 */
export class DatagramTransport extends BaseTransport {
  readonly #loop: EventLoop;
  /** Where the protocol is called. */
  readonly #protocolContext: ProtocolContext;
  #protocol: DatagramProtocolLike | null = null;
  #host: HostUdpSocket | null = null;
  /** The default destination, as asyncio's `_address`. */
  readonly #address: SockAddr | null;
  readonly #connected: boolean;
  readonly #ipv6: boolean;
  #closing = false;
  #lost = false;
  /** asyncio's `_conn_lost` once closing: the close counts as the first. */
  #connLost = 1;
  #bufferSize = 0;
  #high: number;
  #low: number;
  #writePaused = false;
  /** Received bytes not yet given to the protocol. */
  #pending = 0;
  #dropped = 0;
  /** Datagrams that came before the protocol was told of the endpoint. */
  #early: [Uint8Array, SockAddr][] | null = [];
  /**
   * While open, the endpoint is real-world work the loop waits on: a
   * datagram may come at any time, so this is no deadlock, and a virtual
   * clock follows real time.
   */
  #releaseClock: () => void = () => {};

  private constructor(
    loop: EventLoop,
    address: SockAddr | null,
    connected: boolean,
    ipv6: boolean,
  ) {
    super();
    this.#loop = loop;
    this.#protocolContext = protocolContext(loop);
    this.#address = address;
    this.#connected = connected;
    this.#ipv6 = ipv6;
    [this.#high, this.#low] = waterMarks();
  }

  static {
    internals.newDatagramTransport = (loop, address, connected, ipv6) =>
      new DatagramTransport(loop, address, connected, ipv6);
    internals.datagramEvents = (transport) => transport.#events;
    internals.startDatagram = (transport, host, protocol) =>
      transport.#start(host, protocol);
  }

  /** What the host socket reports. */
  readonly #events: UdpEvents = {
    onMessage: (data, from) => {
      if (this.#loopGone() || this.#closing) return;
      if (this.#pending + data.length > RECEIVE_LIMIT) {
        this.#dropped++; // as the system drops what its buffer cannot hold
        return;
      }
      this.#pending += data.length;
      const datagram: [Uint8Array, SockAddr] = [data, this.#sockAddr(from)];
      if (this.#early !== null) this.#early.push(datagram);
      else loopInternals.callSoon(this.#loop, this.#deliver, datagram);
    },
    onError: (error) => {
      if (this.#loopGone() || this.#closing) return;
      loopInternals.callSoon(this.#loop, this.#reportError, error);
    },
  };

  /**
   * Takes the open socket and the protocol: `connectionMade`, then what
   * arrived meanwhile, go to the loop.
   */
  #start(host: HostUdpSocket, protocol: DatagramProtocolLike): void {
    this.#host = host;
    this.#protocol = protocol;
    const releaseClock = holdClock(this.#loop);
    const forget = closeWithLoop(this.#loop, () => this.#shut());
    this.#releaseClock = () => {
      releaseClock();
      forget();
    };
    loopInternals.callSoon(this.#loop, this.#connectionMade, protocol);
    for (const datagram of this.#early!) {
      loopInternals.callSoon(this.#loop, this.#deliver, datagram);
    }
    this.#early = null;
  }

  // -- sending -------------------------------------------------------------

  /**
   * Sends `data` as one datagram to `addr`, or to the `remoteAddr` of the
   * endpoint when `addr` is omitted. It never blocks: the bytes are copied
   * and buffered until the system takes them. A send that fails reaches
   * the protocol's `errorReceived`.
   */
  sendto(data: Uint8Array, addr?: SockAddr | null): void {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(
        `sendto() takes bytes (a Uint8Array), got ${describe(data)}`,
      );
    }
    const to = this.#destination(addr);
    if (this.#closing) {
      this.#connLost = dropWrite(
        this.#connLost,
        "socket.send() raised exception.",
      );
      return;
    }
    const size = data.length + 8; // with the header, as asyncio counts
    this.#bufferSize += size;
    this.#host!.send(copyForHost(data), to, (error) => {
      if (this.#loopGone()) return;
      loopInternals.callSoon(this.#loop, this.#sent, [size, error]);
    });
    this.#maybePause();
  }

  #destination(addr: SockAddr | null | undefined): UdpAddress | null {
    const address = this.#address;
    if (address !== null) {
      if (addr !== null && addr !== undefined && !sameAddress(addr, address)) {
        throw new RangeError(
          `Invalid address: must be null or ${JSON.stringify(address)}`,
        );
      }
      return this.#connected ? null : [address[0], address[1]];
    }
    if (addr === null || addr === undefined) {
      throw new TypeError(
        "sendto() needs an address: this endpoint has no remoteAddr",
      );
    }
    checkSockAddr(addr, "sendto()'s address");
    return [addr[0], addr[1]];
  }

  readonly #sent = (sent: [number, Error | null]): void => {
    if (switchTo(this.#protocolContext, this.#sent, sent)) return;
    const [size, error] = sent;
    this.#bufferSize -= size;
    if (this.#lost) return;
    if (error !== null) {
      callProtocol(this.#loop, this.#protocol!, "errorReceived", error);
    }
    this.#maybeResume();
    if (this.#closing && this.#bufferSize === 0) this.#lose();
  };

  // -- flow control --------------------------------------------------------

  /** Bytes given to `sendto` that the system has not taken yet. */
  getWriteBufferSize(): number {
    return this.#bufferSize;
  }

  /**
   * Sets the write buffer's high- and low-water marks, in bytes: over
   * `high`, the protocol's `pauseWriting` is called; back down to `low`,
   * its `resumeWriting`. As asyncio: 64 KiB by default, `low` a quarter of
   * `high` unless given, `high` four times `low` unless given.
   */
  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    [this.#high, this.#low] = waterMarks(high, low);
    this.#maybePause();
  }

  /** The write buffer's `[low, high]` water marks. */
  getWriteBufferLimits(): [low: number, high: number] {
    return [this.#low, this.#high];
  }

  #maybePause(): void {
    if (this.#writePaused || this.#bufferSize <= this.#high) return;
    this.#writePaused = true;
    this.#callProtocol("pauseWriting");
  }

  #maybeResume(): void {
    if (!this.#writePaused || this.#bufferSize > this.#low) return;
    this.#writePaused = false;
    this.#callProtocol("resumeWriting");
  }

  #callProtocol(method: "pauseWriting" | "resumeWriting"): void {
    try {
      this.#protocol![method]?.();
    } catch (exception) {
      this.#loop.callExceptionHandler({
        message: `protocol.${method}() failed`,
        exception,
        transport: this,
        protocol: this.#protocol,
      });
    }
  }

  // -- closing -------------------------------------------------------------

  /**
   * Closes the endpoint once the buffered datagrams are sent; nothing is
   * received any more. The protocol's `connectionLost(null)` follows.
   */
  override close(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#bufferSize === 0) {
      loopInternals.callSoon(this.#loop, this.#lose, null);
    }
  }

  /**
   * Closes the endpoint at once, dropping buffered datagrams; the
   * protocol's `connectionLost(null)` follows.
   */
  abort(): void {
    if (this.#lost) return;
    this.#closing = true;
    this.#host?.close();
    this.#bufferSize = 0;
    loopInternals.callSoon(this.#loop, this.#lose, null);
  }

  /** True once closing or closed. */
  override isClosing(): boolean {
    return this.#closing;
  }

  readonly #lose = (): void => {
    if (switchTo(this.#protocolContext, this.#lose, undefined)) return;
    if (this.#lost) return;
    this.#lost = true;
    this.#releaseClock();
    callProtocol(this.#loop, this.#protocol!, "connectionLost", null);
    this.#host?.close();
  };

  // -- information ---------------------------------------------------------

  /**
   * Information about the endpoint, or `defaultValue` (`null`):
   * `"sockname"` (the bound address), `"peername"` (the connected peer,
   * `null` when not connected), `"socket"` (the runtime's `node:dgram`
   * socket), and, beyond asyncio, `"droppedDatagrams"`: how many arrived
   * while `RECEIVE_LIMIT` (256 KiB) of received bytes still waited for the
   * protocol, and were dropped, as the system drops what its buffer cannot
   * hold.
   */
  override getExtraInfo<K extends string, D = null>(
    name: K,
    defaultValue: D = null as D,
  ):
    | (K extends "sockname" | "peername" ? SockAddr
      : K extends "droppedDatagrams" ? number
      : K extends "socket" ? object
      : unknown)
    | D {
    const host = this.#host;
    let value: unknown = null;
    if (name === "sockname" && host !== null) {
      value = this.#sockAddr(host.localAddress());
    } else if (name === "peername" && this.#connected) value = this.#address;
    else if (name === "socket") value = host?.raw ?? null;
    else if (name === "droppedDatagrams") value = this.#dropped;
    return (value ?? defaultValue) as never;
  }

  /** The protocol the endpoint calls. */
  override getProtocol(): DatagramProtocolLike {
    return this.#protocol!;
  }

  /** Makes the endpoint call `protocol` from now on. */
  override setProtocol(protocol: DatagramProtocolLike): void {
    checkProtocol(protocol);
    this.#protocol = protocol;
  }

  // -- loop callbacks ------------------------------------------------------

  readonly #connectionMade = (protocol: DatagramProtocolLike): void => {
    if (switchTo(this.#protocolContext, this.#connectionMade, protocol)) return;
    callProtocol(this.#loop, protocol, "connectionMade", this);
  };

  readonly #deliver = (datagram: [Uint8Array, SockAddr]): void => {
    if (switchTo(this.#protocolContext, this.#deliver, datagram)) return;
    const [data, addr] = datagram;
    this.#pending -= data.length;
    if (this.#closing) return;
    callProtocol(this.#loop, this.#protocol!, "datagramReceived", data, addr);
  };

  readonly #reportError = (error: Error): void => {
    if (switchTo(this.#protocolContext, this.#reportError, error)) return;
    if (this.#closing) return;
    callProtocol(this.#loop, this.#protocol!, "errorReceived", error);
  };

  #sockAddr([host, port]: UdpAddress): SockAddr {
    return this.#ipv6 ? [host, port, 0, 0] : [host, port];
  }

  /** A host event after the loop closed: the socket is shut at once. */
  #loopGone(): boolean {
    if (!this.#loop.isClosed()) return false;
    this.#shut();
    return true;
  }

  /** Closes the socket without telling the protocol: its loop is gone. */
  #shut(): void {
    this.#lost = this.#closing = true;
    this.#releaseClock();
    this.#host?.close();
  }
}

function sameAddress(a: SockAddr, b: SockAddr): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

/** One way to open the endpoint: a family with its local and remote addresses. */
type Candidate = [
  family: number,
  local: SockAddr | null,
  remote: SockAddr | null,
];

/**
 * Opens a UDP endpoint: the function behind `loop.createDatagramEndpoint`,
 * asyncio's `create_datagram_endpoint`. See the method for the details.
 */
export async function createDatagramEndpoint<P extends DatagramProtocolLike>(
  loop: EventLoop,
  protocolFactory: () => P,
  options?: DatagramEndpointOptions,
): Promise<[DatagramTransport, P]> {
  checkFunction(protocolFactory, "The protocol factory");
  const {
    localAddr: givenLocal = null,
    remoteAddr: givenRemote = null,
    family = AF_UNSPEC,
    proto = 0,
    flags = 0,
    reusePort = null,
    allowBroadcast = null,
  } = checkOptions<DatagramEndpointOptions>(
    options,
    "createDatagramEndpoint()",
    ENDPOINT_OPTIONS,
  );
  const localAddr = givenLocal === null
    ? null
    : checkAddr(givenLocal, "localAddr");
  const remoteAddr = givenRemote === null
    ? null
    : checkAddr(givenRemote, "remoteAddr");
  if (remoteAddr !== null) {
    if (remoteAddr[1] === 0) {
      // Linux takes port 0 as "not connected"; the runtimes throw.
      throw new RangeError(
        "createDatagramEndpoint(): remoteAddr's port must not be 0: " +
          "leave remoteAddr out to send to any address",
      );
    }
  }
  checkFamily(family, "createDatagramEndpoint()'s family");
  if (localAddr === null && remoteAddr === null && family === AF_UNSPEC) {
    throw new RangeError(
      "createDatagramEndpoint(): unexpected address family: give localAddr, " +
        "remoteAddr or family",
    );
  }
  const udp = udpHost.now ?? await udpHost.get(loop);
  if (reusePort && !udp.REUSE_PORT_SUPPORTED) {
    throw new RangeError(
      "createDatagramEndpoint(): reusePort is not supported by this runtime " +
        "(it works on Bun, and on Node from 22.12)",
    );
  }
  const resolve = async (addr: [string, number] | null) =>
    addr === null ? null : await getaddrinfo(loop, addr[0], addr[1], {
      family,
      type: SOCK_DGRAM,
      proto,
      flags,
    });
  const locals = await resolve(localAddr);
  const remotes = await resolve(remoteAddr);
  const candidates = pairUp(family, locals, remotes);
  const errors: unknown[] = [];
  for (const [candidateFamily, local, remote] of candidates) {
    const ipv6 = candidateFamily === AF_INET6;
    const connected = remote !== null && !allowBroadcast;
    const transport = internals.newDatagramTransport(
      loop,
      remote,
      connected,
      ipv6,
    );
    let host: HostUdpSocket;
    try {
      host = await open(loop, transport, udp.openUdp, {
        ipv6,
        local: local === null
          ? [ipv6 ? "::" : "0.0.0.0", 0]
          : [hostOf(local), local[1]],
        remote: connected ? [hostOf(remote!), remote![1]] : null,
        reusePort: Boolean(reusePort),
        broadcast: Boolean(allowBroadcast),
      });
    } catch (error) {
      if (error instanceof CancelledError) throw error;
      errors.push(error);
      continue;
    }
    return await startEndpoint(loop, transport, host, protocolFactory);
  }
  throw errors[0];
}

/**
 * The (family, local, remote) choices, as asyncio pairs the resolved
 * addresses: each family in the order first seen, kept only if it has
 * every address that was asked for.
 */
function pairUp(
  family: number,
  locals: readonly [number, number, number, string, SockAddr][] | null,
  remotes: readonly [number, number, number, string, SockAddr][] | null,
): Candidate[] {
  if (locals === null && remotes === null) return [[family, null, null]];
  const byFamily = new Map<number, Candidate>();
  for (const [index, infos] of [[1, locals], [2, remotes]] as const) {
    for (const [infoFamily, , , , sockaddr] of infos ?? []) {
      const candidate = byFamily.get(infoFamily) ??
        [infoFamily, null, null] as Candidate;
      byFamily.set(infoFamily, candidate);
      candidate[index] ??= sockaddr;
    }
  }
  const candidates = [...byFamily.values()].filter(([, local, remote]) =>
    (locals === null || local !== null) && (remotes === null || remote !== null)
  );
  if (candidates.length === 0) {
    throw new RangeError(
      "createDatagramEndpoint(): localAddr and remoteAddr have no address " +
        "family in common",
    );
  }
  return candidates;
}

/** The host's UDP sockets, loaded by the first endpoint. */
const udpHost = new OnFirstUse(() => import("../internal/udp_host.ts"));

/** Opens the host socket; cancelling the wait closes it. */
async function open(
  loop: EventLoop,
  transport: DatagramTransport,
  openUdp: typeof import("../internal/udp_host.ts").openUdp,
  options: UdpOpenOptions,
): Promise<HostUdpSocket> {
  const opened = loop.createFuture<HostUdpSocket>();
  taskInternals.onDone(opened, holdClock(loop));
  const settle = (error: Error | null, host: HostUdpSocket | null) => {
    if (loop.isClosed() || opened.done()) {
      host?.close();
      return;
    }
    if (error !== null) opened.setException(error);
    else opened.setResult(host!);
  };
  const cancel = openUdp(
    options,
    internals.datagramEvents(transport),
    (host) => settle(null, host),
    (error) => settle(error, null),
  );
  try {
    return await park(opened);
  } catch (error) {
    cancel();
    throw error;
  }
}

/**
 * Makes the protocol, tells it of the endpoint through the loop and
 * returns once `connectionMade` has run, as asyncio does.
 */
async function startEndpoint<P extends DatagramProtocolLike>(
  loop: EventLoop,
  transport: DatagramTransport,
  host: HostUdpSocket,
  protocolFactory: () => P,
): Promise<[DatagramTransport, P]> {
  let protocol: P;
  try {
    protocol = protocolFactory();
    checkProtocol(protocol);
  } catch (error) {
    host.close();
    throw error;
  }
  internals.startDatagram(transport, host, protocol);
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
  return [transport, protocol];
}
