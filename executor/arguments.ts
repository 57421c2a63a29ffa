/**
 * Arguments on their way to a worker: checked at the call, so that a value
 * that cannot be sent fails there with a clear error, before anything is
 * queued or any buffer moves; copied, as Python pickles them, unless the
 * caller moved them.
 *
 * @module
 */
import { describe } from "../internal/validate.ts";
import { type MessageScan, scanMessage } from "./transfer.ts";

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
  let copy: unknown[];
  try {
    copy = structuredClone(args, { transfer: scan.moved });
  } catch (error) {
    throw cloneFailure(error, args);
  }
  return { args: copy, transfer: scanMessage(copy).buffers };
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
