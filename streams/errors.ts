/**
 * The errors of stream reads, as in Python's asyncio.
 *
 * @module
 */

/**
 * The stream ended before a read could complete: raised by
 * `readexactly()` and `readuntil()`. `partial` holds the bytes read before
 * the end; `expected` the number asked for (`null` for `readuntil`).
 *
 * @example Reading past the end
 * ```ts
 * import { IncompleteReadError, StreamReader } from "@aio/asyncio/streams";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const error = await run(async () => {
 *   const reader = new StreamReader();
 *   reader.feedData(new Uint8Array([1, 2]));
 *   reader.feedEof();
 *   return await reader.readexactly(4).catch((e) => e);
 * });
 * assert.ok(error instanceof IncompleteReadError);
 * assert.deepEqual(error.partial, new Uint8Array([1, 2]));
 * assert.equal(error.expected, 4);
 * ```
 */
export class IncompleteReadError extends Error {
  /** The bytes read before the stream ended. */
  readonly partial: Uint8Array;
  /** How many bytes were expected; `null` when not known. */
  readonly expected: number | null;

  /** Creates the error from the partial bytes and the expected count. */
  constructor(partial: Uint8Array, expected: number | null) {
    super(
      `${partial.length} bytes read on a total of ${
        expected ?? "undefined"
      } expected bytes`,
    );
    this.name = "IncompleteReadError";
    this.partial = partial;
    this.expected = expected;
  }
}

/**
 * The stream's buffer limit was reached while looking for a separator:
 * raised by `readuntil()`. `consumed` is the number of bytes to consume to
 * get past the limit; the data stays in the buffer, so it can be read
 * another way.
 *
 * @example A line longer than the limit
 * ```ts
 * import { LimitOverrunError, StreamReader } from "@aio/asyncio/streams";
 * import { run } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const error = await run(async () => {
 *   const reader = new StreamReader(4);
 *   reader.feedData(new TextEncoder().encode("too long\n"));
 *   return await reader.readuntil(new Uint8Array([10])).catch((e) => e);
 * });
 * assert.ok(error instanceof LimitOverrunError);
 * assert.equal(error.consumed, 8);
 * ```
 */
export class LimitOverrunError extends Error {
  /** How many bytes have to be consumed to get past the limit. */
  readonly consumed: number;

  /** Creates the error with a message and the byte count. */
  constructor(message: string, consumed: number) {
    super(message);
    this.name = "LimitOverrunError";
    this.consumed = consumed;
  }
}
