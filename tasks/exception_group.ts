/**
 * `ExceptionGroup`: several errors raised together, as `taskGroup` reports
 * the failures of its tasks.
 *
 * @module
 */
import { describe } from "../internal/validate.ts";

/**
 * Several errors raised together: Python's `ExceptionGroup`, built on
 * `AggregateError`, so `errors` holds every failure in the order they
 * happened. `taskGroup` throws one holding each failed task's error, and
 * the body's own error last.
 *
 * @example Inspecting the errors of a group
 * ```ts
 * import { ExceptionGroup } from "@aio/asyncio/tasks";
 * import assert from "node:assert/strict";
 *
 * const group = new ExceptionGroup("two failures", [
 *   new TypeError("bad type"),
 *   new RangeError("bad value"),
 * ]);
 * assert.ok(group instanceof AggregateError);
 * assert.equal(group.name, "ExceptionGroup");
 * assert.equal(group.message, "two failures (2 sub-exceptions)");
 * assert.deepEqual(group.errors.map((e) => e.name), ["TypeError", "RangeError"]);
 * ```
 */
export class ExceptionGroup extends AggregateError {
  /**
   * Groups `errors` under `message`. As in Python, the group must hold at
   * least one error (a `RangeError` otherwise); the message gets the count
   * appended, as Python's `str()` of a group shows it.
   */
  constructor(message: string, errors: Iterable<unknown>) {
    if (typeof message !== "string") {
      throw new TypeError(
        `The message of an ExceptionGroup must be a string, got ${
          describe(message)
        }`,
      );
    }
    const list = [...errors];
    if (list.length === 0) {
      throw new RangeError(
        "An ExceptionGroup must hold at least one error: pass a non-empty list",
      );
    }
    const count = list.length === 1
      ? "1 sub-exception"
      : `${list.length} sub-exceptions`;
    super(list, `${message} (${count})`);
    this.name = "ExceptionGroup";
  }
}
