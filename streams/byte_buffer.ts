/**
 * The byte buffer behind `StreamReader`: Python's `bytearray` as asyncio
 * uses it (append at the end, search, consume from the front), which can
 * also hold chunks that no one else sees as they are, so that a read that
 * takes such a chunk whole gets it without a copy.
 *
 * @module
 */
import { Deque } from "../internal/deque.ts";

const MIN_CAPACITY = 1024;
const MAX_IDLE_CAPACITY = 256 * 1024;

/**
 * Bytes appended at the end and consumed from the front. They are held in
 * one of two ways, never both at once: copied into one growable array, or
 * as a queue of adopted chunks (while nothing was copied in).
 */
export class ByteBuffer {
  #bytes = new Uint8Array(0);
  #start = 0;
  #end = 0;
  readonly #chunks = new Deque<Uint8Array>();
  /** How much of the first adopted chunk was consumed. */
  #offset = 0;
  /** The bytes held in adopted chunks. */
  #chunked = 0;

  /** The number of bytes held. */
  get length(): number {
    return this.#end - this.#start + this.#chunked;
  }

  /** Appends a copy of `chunk`. */
  append(chunk: Uint8Array): void {
    this.#flatten();
    this.#copyIn(chunk);
  }

  /**
   * Appends `chunk` itself, not a copy: the caller gives it up, and no one
   * else may see or change it from now on.
   */
  adopt(chunk: Uint8Array): void {
    if (this.#end !== this.#start) {
      this.#copyIn(chunk);
      return;
    }
    this.#chunks.add(chunk);
    this.#chunked += chunk.length;
  }

  /** The index of `separator` at or after `from`, or -1. */
  indexOf(separator: Uint8Array, from: number): number {
    this.#flatten();
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
    this.#flatten();
    const bytes = this.#bytes.subarray(this.#start, this.#end);
    return at + separator.length <= bytes.length &&
      matchesAt(bytes, separator, at, 0);
  }

  /**
   * Removes the first `n` bytes (at most all) and returns them: an adopted
   * chunk taken whole is returned itself, anything else as a copy.
   */
  take(n: number): Uint8Array {
    const count = Math.min(n, this.length);
    if (this.#chunked === 0) {
      const taken = this.#bytes.slice(this.#start, this.#start + count);
      this.drop(count);
      return taken;
    }
    const first = this.#chunks.peek()!;
    if (this.#offset === 0 && count === first.length) {
      this.#chunks.take();
      this.#chunked -= count;
      return first;
    }
    if (count <= first.length - this.#offset) {
      const taken = first.slice(this.#offset, this.#offset + count);
      this.#dropChunked(count);
      return taken;
    }
    const taken = new Uint8Array(count);
    for (let filled = 0; filled < count;) {
      const chunk = this.#chunks.peek()!;
      const part = chunk.subarray(
        this.#offset,
        this.#offset + count - filled,
      );
      taken.set(part, filled);
      filled += part.length;
      this.#dropChunked(part.length);
    }
    return taken;
  }

  /** Drops the first `n` bytes (at most all). */
  drop(n: number): void {
    if (this.#chunked > 0) {
      this.#dropChunked(Math.min(n, this.#chunked));
      return;
    }
    this.#start += Math.min(n, this.length);
    if (this.#start !== this.#end) return;
    this.#start = this.#end = 0;
    // An empty buffer gives back what a large read made it grow to.
    if (this.#bytes.length > MAX_IDLE_CAPACITY) this.#bytes = new Uint8Array(0);
  }

  /** Consumes `n` bytes (at most those held) of the adopted chunks. */
  #dropChunked(n: number): void {
    this.#chunked -= n;
    while (n > 0) {
      const rest = this.#chunks.peek()!.length - this.#offset;
      if (n < rest) {
        this.#offset += n;
        return;
      }
      n -= rest;
      this.#chunks.take();
      this.#offset = 0;
    }
  }

  /** Copies the adopted chunks into the array, to be searched or added to. */
  #flatten(): void {
    while (this.#chunked > 0) {
      const chunk = this.#chunks.take()!;
      const rest = chunk.subarray(this.#offset);
      this.#offset = 0;
      this.#chunked -= rest.length;
      this.#copyIn(rest);
    }
  }

  #copyIn(chunk: Uint8Array): void {
    const length = this.#end - this.#start;
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
