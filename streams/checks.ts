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
