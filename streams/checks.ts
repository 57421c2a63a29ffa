/**
 * Argument checks of the stream APIs: a `TypeError` for a wrong type, a
 * `RangeError` for a value out of range, at the call.
 *
 * @module
 */
import { describe } from "../internal/validate.ts";

/** Checks that `data` is bytes (a `Uint8Array`). */
export function checkBytes(data: unknown, caller: string): void {
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(
      `${caller} takes a Uint8Array, got ${describe(data)}` +
        (typeof data === "string" ? ": encode text with TextEncoder" : ""),
    );
  }
}

/** Checks a buffer limit: a positive integer number of bytes. */
export function checkLimit(limit: unknown): number {
  if (typeof limit !== "number") {
    throw new TypeError(
      `The buffer limit must be a number of bytes, got ${describe(limit)}`,
    );
  }
  if (!Number.isSafeInteger(limit) || limit <= 0) {
    throw new RangeError(
      `The buffer limit must be a positive integer, got ${limit}`,
    );
  }
  return limit;
}

/** Checks a read size: a whole number (negative means "all"). */
export function checkSize(n: unknown, caller: string): void {
  if (typeof n !== "number") {
    throw new TypeError(
      `${caller} takes a number of bytes, got ${describe(n)}`,
    );
  }
  if (!Number.isInteger(n)) {
    throw new RangeError(`${caller} takes a whole number of bytes, got ${n}`);
  }
}

/** Checks a host name or address. */
export function checkHost(host: unknown): string {
  if (typeof host !== "string") {
    throw new TypeError(
      `The host must be a string such as "127.0.0.1", got ${describe(host)}`,
    );
  }
  if (host === "") {
    throw new RangeError('The host must not be empty: use "127.0.0.1"');
  }
  return host;
}

/** Checks a TCP port: an integer from 0 to 65535. */
export function checkPort(port: unknown): number {
  if (typeof port !== "number") {
    throw new TypeError(`The port must be a number, got ${describe(port)}`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `The port must be an integer from 0 to 65535, got ${port}`,
    );
  }
  return port;
}

/** Checks an options argument: an object or omitted. */
export function checkOptions<T extends object>(
  options: unknown,
  caller: string,
): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== "object") {
    throw new TypeError(
      `The options of ${caller} must be an object, got ${describe(options)}`,
    );
  }
  return options as T;
}
