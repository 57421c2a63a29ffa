/**
 * Arguments on their way to a worker: checked at the call, so that a value
 * that cannot be sent fails there with a clear error, before anything is
 * queued or any buffer moves; copied, as Python pickles them, unless the
 * caller moved them.
 *
 * @module
 */
import { describe } from "../internal/validate.ts";
import { copyBuffer, type MessageScan, scanMessage } from "./transfer.ts";

/**
 * Scans `args`: `null` when all are primitives (nothing to scan, copy or
 * move), and the `TypeError` of `cloneFailure` for a value that cannot be
 * sent, before any buffer moves.
 */
export function scanArguments(args: unknown[]): MessageScan | null {
  if (args.every(isPrimitive)) return null;
  const scan = scanMessage(args);
  if ("unsendable" in scan) {
    const index = args.findIndex((arg) => "unsendable" in scanMessage(arg));
    throw unsendableArgument(index, args[index]);
  }
  return scan;
}

/**
 * A private copy of `args`, made at the call: later changes by the caller
 * do not reach the job, and a bad argument fails there. The buffers that
 * `move()` marked go into the copy without a copy; every buffer of the
 * copy belongs to the pool alone, so it is moved on, not copied again.
 */
export function copyArguments(
  args: unknown[],
  scan: MessageScan,
): { args: unknown[]; transfer: ArrayBuffer[] } {
  const { values, transfer } = copyBuffers(args, scan);
  if (values !== args && values.every((v) => isPrimitive(v) || isBuffer(v))) {
    // Fresh copies and moved buffers only: private already.
    return { args: values, transfer };
  }
  let copy: unknown[];
  try {
    copy = structuredClone(values, { transfer });
  } catch (error) {
    throw cloneFailure(error, args);
  }
  return { args: copy, transfer: scanMessage(copy).buffers };
}

/**
 * `args` with each argument that is a buffer or a view copied by
 * `copyBuffer` (unless moved), and the buffers to transfer: so that the
 * structured clone copies no bulk data. The clone copies them all itself
 * where a buffer appears twice (it keeps such sharing).
 */
function copyBuffers(
  args: unknown[],
  scan: MessageScan,
): { values: unknown[]; transfer: ArrayBuffer[] } {
  const topLevel = args.filter(isBuffer).map(bufferOf);
  if (topLevel.length === 0) return { values: args, transfer: scan.moved };
  const distinct = new Set(topLevel);
  const nested = scanMessage(args.filter((arg) => !isBuffer(arg))).buffers;
  if (
    distinct.size < topLevel.length ||
    nested.some((buffer) => distinct.has(buffer))
  ) {
    return { values: args, transfer: scan.moved };
  }
  const moved = new Set(scan.moved);
  const transfer = scan.moved.slice();
  const values = args.map((arg) => {
    if (!isBuffer(arg)) return arg;
    const buffer = bufferOf(arg);
    if (moved.has(buffer as ArrayBuffer)) return arg;
    if ((buffer as { detached?: boolean }).detached) return arg;
    const copy = copyBuffer(arg);
    if (copy === null) return arg;
    transfer.push(bufferOf(copy) as ArrayBuffer);
    return copy;
  });
  return { values, transfer };
}

function isBuffer(value: unknown): value is ArrayBuffer | ArrayBufferView {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function bufferOf(value: unknown): ArrayBufferLike {
  return value instanceof ArrayBuffer
    ? value
    : (value as ArrayBufferView).buffer;
}

/** A clear `TypeError` for an argument that the engine refused to clone. */
export function cloneFailure(error: unknown, args: unknown[]): unknown {
  if ((error as Error | null)?.name !== "DataCloneError") return error;
  const index = args.findIndex((arg) => {
    try {
      structuredClone(arg);
      return false;
    } catch {
      return true;
    }
  });
  return unsendableArgument(index, args[index], error);
}

function unsendableArgument(
  index: number,
  arg: unknown,
  cause?: unknown,
): TypeError {
  const what = typeof arg === "function" ? "a function" : describe(arg);
  const which = index < 0 ? "An argument" : `Argument ${index + 1} (${what})`;
  return new TypeError(
    `${which} cannot be sent to a worker: arguments are ` +
      "structured-cloned, so pass plain data (no functions, promises, " +
      "symbols or handles)",
    { cause },
  );
}

function isPrimitive(value: unknown): boolean {
  return value === null ||
    (typeof value !== "object" && typeof value !== "function" &&
      typeof value !== "symbol");
}
