/**
 * Buffers in messages: which ones a message holds, which ones the sender
 * gave away with `move()`, and the values no message can carry.
 *
 * @module
 */

/** What `scanMessage` finds in a value. */
export interface MessageScan {
  /** The distinct `ArrayBuffer`s (not shared, not detached) in it. */
  buffers: ArrayBuffer[];
  /** Those of `buffers` that `move()` marked: sent without a copy. */
  moved: ArrayBuffer[];
  /** The first value found that structured clone refuses, if any. */
  unsendable?: unknown;
}

/**
 * Gives `value` away to the worker it is sent to, without a copy: the
 * analogue of `postMessage`'s transfer list. `value` is an `ArrayBuffer`
 * or a view (typed array, `DataView`, Node `Buffer`) that spans its whole
 * buffer. It is detached at once and the returned one, of the same type,
 * travels instead: pass that, as in `pool.submit(fn, move(bytes))`; a job
 * returns `move(result)` to send its result back the same way. Whatever
 * cannot be moved (a view over part of a larger buffer, as Node's small
 * pooled `Buffer`s are; a `SharedArrayBuffer`, which is shared anyway; a
 * buffer the runtime will not detach) is returned as it is, and copied.
 *
 * Self-contained (it uses only globals): workers run it from its source.
 *
 * @example Moving a large buffer instead of copying it
 * ```ts
 * import { move, WorkerPoolExecutor } from "@aio/asyncio/executor";
 * import assert from "node:assert/strict";
 *
 * await using pool = new WorkerPoolExecutor({ maxWorkers: 1 });
 * const bytes = new Uint8Array(1 << 20).fill(1);
 * const copied = await pool.submit((b: Uint8Array) => b.length, bytes);
 * assert.equal(copied, 1 << 20);
 * assert.equal(bytes.length, 1 << 20, "copied by default: still here");
 * const moved = await pool.submit((b: Uint8Array) => b.length, move(bytes));
 * assert.equal(moved, 1 << 20);
 * assert.equal(bytes.length, 0, "moved: detached");
 * ```
 */
export function move<T extends ArrayBuffer | ArrayBufferView>(value: T): T {
  const registry = globalThis as unknown as Record<symbol, WeakSet<object>>;
  const key = Symbol.for("@aio/asyncio/executor.moved");
  const marked = registry[key] ??= new WeakSet<object>();
  const detach = (buffer: ArrayBuffer): ArrayBuffer | null => {
    try {
      // ArrayBuffer.prototype.transfer is the cheapest; Node 20 lacks it.
      const own = buffer as ArrayBuffer & { transfer?: () => ArrayBuffer };
      return typeof own.transfer === "function"
        ? own.transfer()
        : structuredClone(buffer, { transfer: [buffer] });
    } catch {
      return null;
    }
  };
  if (value instanceof ArrayBuffer) {
    const fresh = detach(value);
    if (fresh === null) return value;
    marked.add(fresh);
    return fresh as T;
  }
  if (!ArrayBuffer.isView(value)) {
    throw new TypeError(
      "move() takes an ArrayBuffer or a typed array, DataView or Buffer, got " +
        (value === null ? "null" : typeof value),
    );
  }
  const { buffer, byteOffset, byteLength } = value;
  if (
    !(buffer instanceof ArrayBuffer) || byteOffset !== 0 ||
    byteLength !== buffer.byteLength
  ) {
    return value;
  }
  const fresh = detach(buffer);
  if (fresh === null) return value;
  marked.add(fresh);
  // The built-in class it derives from; a subclass (Node's Buffer) then
  // gets its own prototype back, and with it its methods.
  const typedArray = Object.getPrototypeOf(Uint8Array.prototype);
  let base = Object.getPrototypeOf(value);
  while (
    base !== DataView.prototype && Object.getPrototypeOf(base) !== typedArray
  ) {
    base = Object.getPrototypeOf(base);
  }
  const view: ArrayBufferView = new base.constructor(fresh);
  Object.setPrototypeOf(view, Object.getPrototypeOf(value));
  return view as T;
}

/**
 * A copy of `value`, an `ArrayBuffer` or a view (typed array, `DataView`,
 * Node `Buffer`, of the same type), over a fresh buffer of its own bytes
 * only, made with a plain memory copy: structured clone copies a buffer
 * several times slower (measured on Deno, Bun and Node). `null` for
 * anything else, and for a `SharedArrayBuffer`, which is shared anyway.
 *
 * Self-contained (it uses only globals): workers run it from its source.
 */
export function copyBuffer<T>(value: T): T | null {
  if (value instanceof ArrayBuffer) return value.slice(0) as T;
  if (!ArrayBuffer.isView(value) || !(value.buffer instanceof ArrayBuffer)) {
    return null;
  }
  const { buffer, byteOffset, byteLength } = value;
  const fresh = buffer.slice(byteOffset, byteOffset + byteLength);
  // The built-in class it derives from; a subclass (Node's Buffer) then
  // gets its own prototype back, and with it its methods.
  const typedArray = Object.getPrototypeOf(Uint8Array.prototype);
  let base = Object.getPrototypeOf(value);
  while (
    base !== DataView.prototype && Object.getPrototypeOf(base) !== typedArray
  ) {
    base = Object.getPrototypeOf(base);
  }
  const copy = new base.constructor(fresh);
  Object.setPrototypeOf(copy, Object.getPrototypeOf(value));
  return copy;
}

/**
 * Scans `value` for the `ArrayBuffer`s in it (buffers themselves, the
 * buffers behind typed arrays and `DataView`s, and those inside arrays,
 * plain objects, maps and sets, up to a nesting depth of 8), telling the
 * ones `move()` marked. `SharedArrayBuffer`s are shared anyway and are
 * left out. On the way it notes the first function, symbol, promise or
 * weak reference, which cannot be cloned: checked before anything moves.
 *
 * Self-contained (it uses only globals): workers run it from its source.
 */
export function scanMessage(value: unknown): MessageScan {
  const marked = (globalThis as unknown as Record<symbol, WeakSet<object>>)[
    Symbol.for("@aio/asyncio/executor.moved")
  ];
  const scan: MessageScan = { buffers: [], moved: [] };
  const found = new Set<ArrayBuffer>();
  const seen = new Set<object>();
  const visit = (item: unknown, depth: number): void => {
    if (typeof item === "function" || typeof item === "symbol") {
      if (!("unsendable" in scan)) scan.unsendable = item;
      return;
    }
    if (typeof item !== "object" || item === null || depth > 8) return;
    if (item instanceof ArrayBuffer) {
      if (!(item as { detached?: boolean }).detached) found.add(item);
      return;
    }
    if (ArrayBuffer.isView(item)) return visit(item.buffer, depth);
    if (
      item instanceof Promise || item instanceof WeakMap ||
      item instanceof WeakSet || item instanceof WeakRef
    ) {
      if (!("unsendable" in scan)) scan.unsendable = item;
      return;
    }
    if (seen.has(item)) return;
    seen.add(item);
    const children = Array.isArray(item) || item instanceof Set
      ? item
      : item instanceof Map
      ? item.values()
      : Object.getPrototypeOf(item) === Object.prototype
      ? Object.values(item)
      : [];
    for (const child of children) visit(child, depth + 1);
  };
  visit(value, 0);
  scan.buffers = [...found];
  scan.moved = marked === undefined
    ? []
    : scan.buffers.filter((buffer) => marked.has(buffer));
  return scan;
}
