/**
 * The growable byte buffer behind `StreamReader`: Python's `bytearray` as
 * asyncio uses it (append at the end, search, consume from the front).
 *
 * @module
 */

const MIN_CAPACITY = 1024;
const MAX_IDLE_CAPACITY = 256 * 1024;

/** Bytes appended at the end and consumed from the front. */
export class ByteBuffer {
  #bytes = new Uint8Array(0);
  #start = 0;
  #end = 0;

  /** The number of bytes held. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Appends a copy of `chunk`. */
  append(chunk: Uint8Array): void {
    const length = this.length;
    const needed = length + chunk.length;
    if (this.#end + chunk.length > this.#bytes.length) {
      const target = needed > this.#bytes.length
        ? new Uint8Array(Math.max(needed, this.#bytes.length * 2, MIN_CAPACITY))
        : this.#bytes;
      target.set(this.#bytes.subarray(this.#start, this.#end));
      this.#bytes = target;
      this.#start = 0;
      this.#end = length;
    }
    this.#bytes.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** The index of `separator` at or after `from`, or -1. */
  indexOf(separator: Uint8Array, from: number): number {
    const bytes = this.#bytes.subarray(this.#start, this.#end);
    const first = separator[0];
    const last = bytes.length - separator.length;
    for (let i = bytes.indexOf(first, from); i !== -1 && i <= last;) {
      if (matchesAt(bytes, separator, i, 1)) return i;
      i = bytes.indexOf(first, i + 1);
    }
    return -1;
  }

  /** True if `separator` is held at index `at`. */
  startsWith(separator: Uint8Array, at: number): boolean {
    const bytes = this.#bytes.subarray(this.#start, this.#end);
    return at + separator.length <= bytes.length &&
      matchesAt(bytes, separator, at, 0);
  }

  /** Removes the first `n` bytes (at most all) and returns them as a copy. */
  take(n: number): Uint8Array {
    const count = Math.min(n, this.length);
    // The constructor copies several times faster than `slice()` does.
    const taken = new Uint8Array(
      this.#bytes.subarray(this.#start, this.#start + count),
    );
    this.drop(count);
    return taken;
  }

  /** Drops the first `n` bytes (at most all). */
  drop(n: number): void {
    this.#start += Math.min(n, this.length);
    if (this.#start !== this.#end) return;
    this.#start = this.#end = 0;
    // An empty buffer gives back what a large read made it grow to.
    if (this.#bytes.length > MAX_IDLE_CAPACITY) this.#bytes = new Uint8Array(0);
  }
}

function matchesAt(
  bytes: Uint8Array,
  separator: Uint8Array,
  at: number,
  from: number,
): boolean {
  for (let j = from; j < separator.length; j++) {
    if (bytes[at + j] !== separator[j]) return false;
  }
  return true;
}
