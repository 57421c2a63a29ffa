// Small helpers for the tasks tests.
import assert from "node:assert/strict";

/** Asserts a virtual loop time, exact but for float rounding. */
export function assertTime(actual: number, expected: number): void {
  assert.ok(
    Math.abs(actual - expected) < 1e-9,
    `loop time ${actual}, expected ${expected}`,
  );
}
