/**
 * Argument checks of the stream APIs: a `TypeError` for a wrong type, a
 * `RangeError` for a value out of range, at the call.
 *
 * @module
 */
import { checkInteger, describe } from "../internal/validate.ts";

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
  return checkInteger(limit, "The buffer limit", 1, Number.MAX_SAFE_INTEGER);
}

/** Checks a read size: a whole number (negative means "all"). */
export function checkSize(n: unknown, caller: string): void {
  checkInteger(n, `The size given to ${caller}`);
}
