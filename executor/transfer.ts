/**
 * Finding the `ArrayBuffer`s in a message, so that they move to the other
 * side instead of being copied, and the values no message can carry.
 *
 * @module
 */

/** What `scanMessage` finds in a value. */
export interface MessageScan {
  /** The distinct buffers to move. */
  transfer: ArrayBuffer[];
  /** The first value found that structured clone refuses, if any. */
  unsendable?: unknown;
}

/**
 * Scans `value` for the transferable `ArrayBuffer`s in it: buffers
 * themselves, the buffers behind typed arrays and `DataView`s, and those
 * inside arrays, plain objects, maps and sets (up to a nesting depth of 8).
 * `SharedArrayBuffer`s are shared anyway and are left out. On the way it
 * notes the first function, symbol, promise or weak reference, which
 * cannot be cloned: moving the buffers of a message that then fails would
 * detach them for nothing (Deno detaches them even then).
 *
 * Self-contained (it uses only globals): workers run it from its source.
 */
export function scanMessage(value: unknown): MessageScan {
  const scan: MessageScan = { transfer: [] };
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
  scan.transfer = [...found];
  return scan;
}
