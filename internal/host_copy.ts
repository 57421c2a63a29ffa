/**
 * The copy of written bytes that a host socket or pipe keeps until it has
 * sent them, so that the caller may reuse its array at once, as asyncio's
 * transports keep what they could not send yet.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/**
 * A copy of `data` for the host to send. A `Buffer` from the host's pool is
 * the cheapest copy, measured: on Deno 64 bytes take 0.06 µs against 1 µs
 * for `new Uint8Array(data)` (64 KiB: 5 against 40 µs), elsewhere it costs
 * the same or less, and Node sends a `Buffer` without wrapping it first.
 * (`slice()` will not do: on a Node `Buffer` it is a view.)
 */
export function copyForHost(data: Uint8Array): Uint8Array {
  const copy = Buffer.allocUnsafe(data.length);
  copy.set(data);
  return copy;
}
