/**
 * Arguments on their way to a worker: checked at the call, so that a value
 * that cannot be sent fails there with a clear error, before anything is
 * queued or any buffer moves.
 *
 * @module
 */
import { describe } from "../internal/validate.ts";
import { type MessageScan, scanMessage } from "./transfer.ts";

const NOTHING_TO_MOVE: MessageScan = { transfer: [] };

/**
 * Scans `args` for buffers to move, and throws the `TypeError` of
 * `cloneFailure` for a value that cannot be sent, before any buffer moves.
 */
export function checkSendable(args: unknown[]): MessageScan {
  if (args.every(isPrimitive)) return NOTHING_TO_MOVE;
  const scan = scanMessage(args);
  if ("unsendable" in scan) {
    const index = args.findIndex((arg) => "unsendable" in scanMessage(arg));
    throw unsendableArgument(index, args[index]);
  }
  return scan;
}

/**
 * Arguments that wait in the queue are cloned now, with their buffers
 * moved: a bad argument fails at the call, and the caller's buffers are
 * detached at once, as they would be if a worker had been free.
 */
export function cloneForQueue(
  args: unknown[],
  transfer: ArrayBuffer[],
): { args: unknown[]; transfer: ArrayBuffer[] } {
  if (args.every(isPrimitive)) return { args, transfer };
  let copy: unknown[];
  try {
    copy = structuredClone(args, { transfer });
  } catch (error) {
    throw cloneFailure(error, args);
  }
  return { args: copy, transfer: scanMessage(copy).transfer };
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

/** True if every argument is a primitive: nothing to scan or move. */
export function allPrimitive(args: unknown[]): boolean {
  return args.every(isPrimitive);
}

function isPrimitive(value: unknown): boolean {
  return value === null ||
    (typeof value !== "object" && typeof value !== "function" &&
      typeof value !== "symbol");
}
