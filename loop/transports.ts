/**
 * Transports: what a protocol writes to and controls, as in Python's
 * `asyncio.transports`. The loop makes them (`loop.createConnection`,
 * `loop.createServer`, …); these abstract classes name their methods.
 *
 * @module
 */
import { checkInteger } from "../internal/validate.ts";
import type { SockAddr } from "./net_checks.ts";
import type { BaseProtocol, StreamProtocol } from "./protocols.ts";
import type { TransportSocket } from "./socket_setup.ts";
import type { PeerCertificate, SSLContext, SSLObject } from "./tls.ts";

/**
 * What `getExtraInfo(name)` of a stream transport (TCP, Unix socket, TLS,
 * pipe) gives for each name it knows; any other name gives `unknown`.
 *
 * @example The peer's address, typed
 * ```ts
 * import type { ExtraInfo, SockAddr } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const peer: ExtraInfo["peername"] = ["127.0.0.1", 8080] satisfies SockAddr;
 * assert.equal(peer[1], 8080);
 * ```
 */
export interface ExtraInfo {
  /** The peer's address: `[host, port]` (four parts over IPv6), or a Unix socket's path. */
  peername: SockAddr | string;
  /** This end's address, as `peername`. */
  sockname: SockAddr | string;
  /** A description of the socket. */
  socket: TransportSocket;
  /** TLS: the context of the connection. */
  sslcontext: SSLContext;
  /** TLS: the connection's `SSLObject`. */
  sslObject: SSLObject;
  /** TLS: the peer's certificate, as Python's `getpeercert()`. */
  peercert: PeerCertificate;
  /** TLS: the cipher in use, as Python's `cipher()`. */
  cipher: [name: string, version: string, bits: number];
  /** TLS: the compression in use; never any. */
  compression: null;
  /** A pipe's transport (a subprocess's or the process's own): the `node:stream` stream. */
  pipe: object;
}

/**
 * What `getExtraInfo(name)` gives for `name`: the `ExtraInfo` entry for a
 * name it lists, `unknown` for any other.
 *
 * @example A known name and another
 * ```ts
 * import type { InfoValue, SockAddr } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const peer: InfoValue<"peername"> = ["::1", 8080, 0, 0] satisfies SockAddr;
 * const other: InfoValue<"pid"> = 42;
 * assert.equal(peer[1], other === 42 ? 8080 : 0);
 * ```
 */
export type InfoValue<K extends string> = K extends keyof ExtraInfo
  ? ExtraInfo[K]
  : unknown;

/** asyncio's default high-water mark of a write buffer, in bytes. */
const DEFAULT_HIGH_WATER = 64 * 1024;

/**
 * The `[high, low]` water marks of a write buffer, as asyncio's
 * `_set_write_buffer_limits` computes them: `high` defaults to 64 KiB (or
 * 4 × `low` when only `low` is given), `low` to `high / 4`; a `TypeError`
 * for a non-integer, a `RangeError` unless `high >= low >= 0`. Every
 * transport's `setWriteBufferLimits` calls it; not exported by any mod.ts.
 */
export function waterMarks(
  high?: number | null,
  low?: number | null,
): [high: number, low: number] {
  if (high != null) checkInteger(high, "The high-water mark");
  if (low != null) checkInteger(low, "The low-water mark");
  const h = high ?? (low == null ? DEFAULT_HIGH_WATER : 4 * low);
  const l = low ?? Math.floor(h / 4);
  if (!(h >= l && l >= 0)) {
    throw new RangeError(`high (${h}) must be >= low (${l}) must be >= 0`);
  }
  return [h, l];
}

/**
 * Drops a write to a connection that is gone, as asyncio's transports do:
 * `connLost` is their `_conn_lost` (1 for the loss, 1 more per dropped
 * write), returned counted; a write that finds it at
 * `LOG_THRESHOLD_FOR_CONNLOST_WRITES` (5) or more warns with `message`.
 * For every transport; not exported by any mod.ts.
 */
export function dropWrite(connLost: number, message: string): number {
  if (connLost >= 5) console.warn(message);
  return connLost + 1;
}

/**
 * What every transport has: Python's `BaseTransport`.
 *
 * @example Every transport of the loop is one
 * ```ts
 * import { BaseTransport, Transport } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * assert.ok(Transport.prototype instanceof BaseTransport);
 * ```
 */
export abstract class BaseTransport {
  /**
   * Information about the transport: `"peername"`, `"sockname"`,
   * `"socket"`, and for TLS `"peercert"`, `"cipher"`, `"sslObject"`,
   * `"sslcontext"`. `defaultValue` (default `null`) when there is none.
   */
  abstract getExtraInfo(name: string, defaultValue?: unknown): unknown;
  /** True once the transport is closing or closed. */
  abstract isClosing(): boolean;
  /**
   * Closes the transport: buffered bytes are still sent, then the
   * protocol's `connectionLost(null)` is called.
   */
  abstract close(): void;
  /** Sets the protocol that receives the transport's callbacks. */
  abstract setProtocol(protocol: Partial<BaseProtocol>): void;
  /** The protocol that receives the transport's callbacks. */
  abstract getProtocol(): Partial<BaseProtocol>;
}

/**
 * A bidirectional byte transport: Python's `asyncio.Transport` (its
 * `ReadTransport` and `WriteTransport` together).
 *
 * @example Writing with flow control
 * ```ts
 * import { getRunningLoop, Protocol, run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const limits = await run(async () => {
 *   const loop = getRunningLoop();
 *   await using server = await loop.createServer(() => new Protocol(), "127.0.0.1", 0);
 *   const [, port] = server.sockets[0].getsockname() as [string, number];
 *   const [transport] = await loop.createConnection(() => new Protocol(), "127.0.0.1", port);
 *   transport.setWriteBufferLimits(1024);
 *   const limits = transport.getWriteBufferLimits();
 *   transport.close();
 *   return limits;
 * });
 * assert.deepEqual(limits, [256, 1024]);
 * ```
 */
export abstract class Transport extends BaseTransport {
  /**
   * Information about the transport: see `ExtraInfo` for the names it
   * knows and their types. `defaultValue` (default `null`) when there is
   * none; an unknown name gives `unknown`.
   */
  abstract override getExtraInfo<K extends string, D = null>(
    name: K,
    defaultValue?: D,
  ): InfoValue<K> | D;
  /** Sets the protocol that receives the transport's callbacks. */
  abstract override setProtocol(protocol: StreamProtocol): void;
  /** The protocol that receives the transport's callbacks. */
  abstract override getProtocol(): StreamProtocol;
  /** True unless reading is paused or the transport is closing. */
  abstract isReading(): boolean;
  /** Stops calling `dataReceived` until `resumeReading()`. */
  abstract pauseReading(): void;
  /** Calls `dataReceived` again. */
  abstract resumeReading(): void;
  /**
   * Sets the write buffer's high- and low-water marks in bytes: above
   * `high` the protocol's `pauseWriting()` is called, at `low` or below
   * `resumeWriting()`. `high` defaults to 64 KiB (or 4 × `low`), `low` to
   * `high / 4`.
   */
  abstract setWriteBufferLimits(
    high?: number | null,
    low?: number | null,
  ): void;
  /** `[low, high]`, the water marks of the write buffer. */
  abstract getWriteBufferLimits(): [low: number, high: number];
  /** Bytes written but not yet handed to the system. */
  abstract getWriteBufferSize(): number;
  /** Queues `data` for sending; never blocks. */
  abstract write(data: Uint8Array): void;
  /** Queues every chunk, in order. */
  abstract writelines(chunks: Iterable<Uint8Array>): void;
  /** Sends EOF once buffered bytes are sent; reading goes on. */
  abstract writeEof(): void;
  /** True if `writeEof()` is supported (not over TLS). */
  abstract canWriteEof(): boolean;
  /**
   * Closes at once: buffered bytes are dropped and the protocol's
   * `connectionLost(null)` is called.
   */
  abstract abort(): void;
}
