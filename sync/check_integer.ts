/**
 * The check of the counts the constructors take (semaphore values, barrier
 * parties, queue sizes), with the wording of `internal/validate.ts`.
 *
 * @module
 */
import { describe } from "../internal/validate.ts";

/**
 * Throws a `TypeError` unless `value` is a number, and a `RangeError`
 * unless it is an integer of at least `min`.
 */
export function checkInteger(
  value: unknown,
  what: string,
  min = -Infinity,
): number {
  if (typeof value !== "number") {
    throw new TypeError(`${what} must be an integer, got ${describe(value)}`);
  }
  if (!Number.isInteger(value)) {
    throw new RangeError(`${what} must be an integer, got ${value}`);
  }
  if (value < min) {
    throw new RangeError(`${what} must be at least ${min}, got ${value}`);
  }
  return value;
}
