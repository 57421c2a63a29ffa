/**
 * Argument checks of the stream APIs: a `TypeError` for a wrong type, a
 * `RangeError` for a value out of range, at the call.
 *
 * @module
 */
import { checkOptions, describe } from "../internal/validate.ts";

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

/** The options that would ask for TLS, which these streams do not offer yet. */
const TLS_OPTIONS = [
  "ssl",
  "serverHostname",
  "sslHandshakeTimeout",
  "sslShutdownTimeout",
];

/**
 * Checks the options of a stream API with `checkOptions`, after refusing
 * any that asks for TLS: until TLS exists such a connection would be plain
 * TCP, so it fails at the call instead. `ssl: false` or `null` asks for
 * plain TCP and is accepted, as in Python.
 */
export function checkStreamOptions<T extends object>(
  options: unknown,
  caller: string,
  accepted: readonly (keyof T & string)[],
): Partial<T> {
  if (typeof options === "object" && options !== null) {
    const given = options as Record<string, unknown>;
    const tls = TLS_OPTIONS.find((key) =>
      key in given &&
      !(key === "ssl" && (given.ssl === false || given.ssl == null))
    );
    if (tls !== undefined) {
      throw new TypeError(
        `${caller} does not support TLS yet: the option ` +
          `${JSON.stringify(tls)} is refused rather than sending the bytes ` +
          `in clear; it accepts ${accepted.join(", ")} and ssl: false`,
      );
    }
  }
  return checkOptions<T>(
    options,
    caller,
    [...accepted, "ssl"] as typeof accepted,
  );
}
