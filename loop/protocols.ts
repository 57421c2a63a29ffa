/**
 * Protocols: the callbacks a transport calls, as in Python's
 * `asyncio.protocols`. Subclass `Protocol` (or `BufferedProtocol`) and
 * override what you need; every method has a do-nothing default. A plain
 * object with some of these methods works as well.
 *
 * @module
 */
import { describe } from "../internal/validate.ts";
import { Handle, type HandleOwner } from "./handle.ts";
import type { BaseTransport, Transport } from "./transports.ts";

/**
 * Throws a `TypeError` unless `protocol` is an object, as every transport
 * checks what a protocol factory or `setProtocol` gives it. Not exported
 * by any mod.ts.
 */
export function checkProtocol(protocol: unknown): void {
  if (typeof protocol !== "object" || protocol === null) {
    throw new TypeError(
      `A protocol must be an object, got ${describe(protocol)}`,
    );
  }
}

/**
 * Calls `protocol[method](...args)` as asyncio calls a protocol from a
 * loop callback: an error it throws is reported as that callback's,
 * `Exception in callback P.method()` with a `handle` for the call, and the
 * transport goes on. For the calls of every transport that asyncio makes
 * outside a fatal-error guard; not exported by any mod.ts.
 */
export function callProtocol(
  loop: HandleOwner,
  protocol: object,
  method: string,
  ...args: unknown[]
): void {
  const call = (protocol as Record<string, unknown>)[method];
  if (typeof call !== "function") return;
  try {
    call.apply(protocol, args);
  } catch (exception) {
    const kind = (protocol as { constructor?: { name?: unknown } })
      .constructor?.name;
    const name = `${typeof kind === "string" ? kind : "Object"}.${method}`;
    const bound = Object.defineProperty(call.bind(protocol), "name", {
      value: name,
    });
    loop.callExceptionHandler({
      message: `Exception in callback ${name}()`,
      exception,
      handle: new Handle(bound, args, loop),
    });
  }
}

/**
 * What every protocol may have: Python's `BaseProtocol`. Each callback is
 * called by the loop, in order, never from inside a transport method.
 */
export class BaseProtocol {
  /** The connection is made; `transport` is its transport. */
  connectionMade(_transport: BaseTransport): void {}

  /**
   * The connection is lost or closed: `error` is why, or `null` for a
   * regular close or EOF. Called once, last.
   */
  connectionLost(_error: Error | null): void {}

  /** The transport's write buffer went over its high-water mark. */
  pauseWriting(): void {}

  /** The transport's write buffer drained to its low-water mark. */
  resumeWriting(): void {}
}

/**
 * A streaming protocol: Python's `asyncio.Protocol`.
 *
 * @example An echo server written as a protocol
 * ```ts
 * import { getRunningLoop, Protocol, run, type Transport } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * class Echo extends Protocol {
 *   transport: Transport | null = null;
 *   override connectionMade(transport: Transport) {
 *     this.transport = transport;
 *   }
 *   override dataReceived(data: Uint8Array) {
 *     this.transport!.write(data);
 *   }
 * }
 *
 * class Client extends Protocol {
 *   received = "";
 *   readonly done = getRunningLoop().createFuture<string>();
 *   override dataReceived(data: Uint8Array) {
 *     this.received += new TextDecoder().decode(data);
 *     if (this.received.endsWith("\n")) this.done.setResult(this.received);
 *   }
 * }
 *
 * const reply = await run(async () => {
 *   const loop = getRunningLoop();
 *   await using server = await loop.createServer(() => new Echo(), "127.0.0.1", 0);
 *   const [, port] = server.sockets[0].getsockname() as [string, number];
 *   const [transport, client] = await loop.createConnection(() => new Client(), "127.0.0.1", port);
 *   transport.write(new TextEncoder().encode("hello\n"));
 *   const reply = await client.done;
 *   transport.close();
 *   return reply;
 * });
 * assert.equal(reply, "hello\n");
 * ```
 */
export class Protocol extends BaseProtocol {
  /** Bytes arrived. */
  dataReceived(_data: Uint8Array): void {}

  /**
   * The peer sent EOF. Return `true` to keep the connection open for
   * writing; anything else closes the transport.
   */
  eofReceived(): boolean | void {}
}

/**
 * A protocol that reads into buffers it provides, without a copy per
 * chunk where the host allows: Python's `asyncio.BufferedProtocol`.
 *
 * @example Counting bytes into one reused buffer
 * ```ts
 * import { BufferedProtocol } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * class Counter extends BufferedProtocol {
 *   readonly buffer = new Uint8Array(1024);
 *   total = 0;
 *   override getBuffer(_sizeHint: number) {
 *     return this.buffer;
 *   }
 *   override bufferUpdated(nbytes: number) {
 *     this.total += nbytes;
 *   }
 * }
 * assert.equal(new Counter().getBuffer(-1).length, 1024);
 * ```
 */
export class BufferedProtocol extends BaseProtocol {
  /**
   * Returns a buffer to read into, of at least one byte; `sizeHint` is the
   * number of bytes waiting (or -1 when not known).
   */
  getBuffer(_sizeHint: number): Uint8Array {
    return new Uint8Array(0);
  }

  /** `nbytes` bytes were written at the start of the last buffer given. */
  bufferUpdated(_nbytes: number): void {}

  /** The peer sent EOF; as `Protocol.eofReceived`. */
  eofReceived(): boolean | void {}
}

/** Any protocol a stream transport drives: the methods it may have. */
export interface StreamProtocol {
  /** See `BaseProtocol.connectionMade`. */
  connectionMade?(transport: Transport): void;
  /** See `BaseProtocol.connectionLost`. */
  connectionLost?(error: Error | null): void;
  /** See `BaseProtocol.pauseWriting`. */
  pauseWriting?(): void;
  /** See `BaseProtocol.resumeWriting`. */
  resumeWriting?(): void;
  /** See `Protocol.dataReceived`. */
  dataReceived?(data: Uint8Array): void;
  /** See `Protocol.eofReceived`. */
  eofReceived?(): boolean | void;
  /** See `BufferedProtocol.getBuffer`. */
  getBuffer?(sizeHint: number): Uint8Array;
  /** See `BufferedProtocol.bufferUpdated`. */
  bufferUpdated?(nbytes: number): void;
}
