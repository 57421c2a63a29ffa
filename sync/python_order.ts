/**
 * Python's ordering of numbers, strings and tuples, for `PriorityQueue`.
 *
 * @module
 */
import { describe } from "../internal/validate.ts";

/**
 * What the default order accepts: a number, bigint or boolean (Python's
 * `bool` is an `int`: `False < 1 < True + 1`), a string, an array.
 */
function kindOf(value: unknown): "number" | "string" | "array" | null {
  switch (typeof value) {
    case "number":
    case "bigint":
    case "boolean":
      return "number";
    case "string":
      return "string";
    default:
      return Array.isArray(value) ? "array" : null;
  }
}

function unorderable(a: unknown, b: unknown): TypeError {
  return new TypeError(
    `Cannot order ${describe(a)} and ${describe(b)}: priority items must ` +
      "be numbers, strings or arrays of them (compared element by element, " +
      "like Python tuples); put a tie-breaking counter before other values, " +
      "or give PriorityQueue a comparator",
  );
}

/**
 * Compares like Python's `<` on numbers (booleans among them), strings
 * and tuples: arrays
 * element by element, a shorter array first when it is a prefix of the
 * other. Values that are the same object are equal; anything else that is
 * not a number, string or array is a `TypeError`, as in Python.
 */
export function pythonOrder(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const kind = kindOf(a);
  if (kind === null || kind !== kindOf(b)) throw unorderable(a, b);
  if (kind !== "array") {
    return (a as number) < (b as number)
      ? -1
      : (a as number) > (b as number)
      ? 1
      : 0;
  }
  const left = a as unknown[];
  const right = b as unknown[];
  const common = Math.min(left.length, right.length);
  for (let i = 0; i < common; i++) {
    const order = pythonOrder(left[i], right[i]);
    if (order !== 0) return order;
  }
  return left.length - right.length;
}

/** A `TypeError` at `put()` for an item the default order cannot compare. */
export function checkOrderable(item: unknown): void {
  if (kindOf(item) === null) {
    throw new TypeError(
      `PriorityQueue items must be numbers, strings or arrays (compared ` +
        `like Python tuples), got ${describe(item)}; give PriorityQueue a ` +
        "comparator to order other values",
    );
  }
}
