/**
 * Argument checks shared by every public entry point, so that bad input
 * fails at the call with one wording everywhere.
 *
 * @module
 */

/** Throws a `TypeError` unless `value` is a function. */
export function checkFunction(value: unknown, what: string): void {
  if (typeof value !== "function") {
    throw new TypeError(
      `${what} must be a function, got ${describe(value)}`,
    );
  }
}

/**
 * Checks a number of seconds that must be finite (an option such as
 * `happyEyeballsDelay`; the loop's own delays go through `checkDelay`): a
 * `TypeError` for a non-number, a `RangeError` for `NaN` or an infinite
 * value.
 */
export function checkSeconds(value: unknown, what: string): number {
  if (!Number.isFinite(checkDelay(value, what))) {
    throw new RangeError(
      `${what} must be a finite number of seconds, got ${value}`,
    );
  }
  return value as number;
}

/**
 * Checks a delay, deadline or timeout of the loop's time APIs, which take
 * infinities as asyncio's do (`sleep(Infinity)` never ends by itself, a
 * deadline of `-Infinity` is already past): a `TypeError` for a
 * non-number, a `RangeError` for `NaN`.
 */
export function checkDelay(value: unknown, what: string): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `${what} must be a number of seconds, got ${describe(value)}`,
    );
  }
  if (Number.isNaN(value)) {
    throw new RangeError(`${what} must be a number of seconds, got NaN`);
  }
  return value;
}

/**
 * Checks a count or a size: a `TypeError` unless `value` is a number, a
 * `RangeError` unless it is an integer from `min` to `max`.
 */
export function checkInteger(
  value: unknown,
  what: string,
  min = -Infinity,
  max = Infinity,
): number {
  if (typeof value !== "number") {
    throw new TypeError(`${what} must be an integer, got ${describe(value)}`);
  }
  if (!Number.isInteger(value)) {
    throw new RangeError(`${what} must be an integer, got ${value}`);
  }
  if (value < min || value > max) {
    throw new RangeError(
      `${what} must be ${
        max === Infinity ? `at least ${min}` : `from ${min} to ${max}`
      }, got ${value}`,
    );
  }
  return value;
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return name ? `an object of type ${name}` : "an object";
  }
  return `${typeof value} ${String(value)}`;
}

/** True for a value with a callable `then`: a Promise or any thenable. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

/** What an omitted options argument reads as: shared, so a call allocates nothing. */
const NO_OPTIONS: Readonly<Record<string, never>> = Object.freeze({});

/**
 * Checks an options argument: omitted, or an object whose every key is one
 * of `accepted`, so that a misspelt or unsupported option is never ignored.
 */
export function checkOptions<T extends object>(
  options: unknown,
  caller: string,
  accepted: readonly (keyof T & string)[],
): Partial<T> {
  if (options === undefined || options === null) {
    return NO_OPTIONS as Partial<T>;
  }
  if (typeof options !== "object") {
    throw new TypeError(
      `The options of ${caller} must be an object, got ${describe(options)}`,
    );
  }
  for (const key in options) {
    if (!(accepted as readonly string[]).includes(key)) {
      throw new TypeError(
        `${caller} has no option ${JSON.stringify(key)}; it accepts ` +
          (accepted.length === 0 ? "none" : accepted.join(", ")),
      );
    }
  }
  return options as Partial<T>;
}
