/**
 * The text of an exception handler's report: every context value as
 * Python's `repr()` shows it, and an error group printed as a tree of its
 * sub-errors, as Python 3.11 prints an `ExceptionGroup`.
 *
 * @module
 */
import { pyRepr } from "../internal/py_repr.ts";
import type { ExceptionContext } from "./abstract_event_loop.ts";

/** How deep a group of groups is printed before the rest is elided. */
const MAX_GROUP_DEPTH = 10;

/**
 * The report of `context`, as asyncio's default handler logs it: its
 * message, its other keys in sorted order with each value as Python's
 * `repr()` shows it, then its error.
 */
export function formatReport(context: ExceptionContext): string {
  const { message, exception, ...rest } = context;
  const lines = [String(message)];
  for (const key of Object.keys(rest).sort()) {
    lines.push(formatEntry(key, rest[key]));
  }
  // A task may throw undefined: the key, not the value, says it threw.
  if ("exception" in context) lines.push(formatError(exception));
  return lines.join("\n");
}

function formatEntry(key: string, value: unknown): string {
  if (key === "sourceTraceback") {
    return `Object created at (most recent call first):\n${value}`;
  }
  return `${key}: ${pyRepr(value)}`;
}

/** An error with its stack, and each error of a group beneath it. */
export function formatError(error: unknown, depth = 0): string {
  const head = error instanceof Error
    ? error.stack ?? String(error)
    : pyRepr(error);
  const members = groupMembers(error);
  if (members === null || members.length === 0) return head;
  if (depth >= MAX_GROUP_DEPTH) {
    return `${head}\n+-- ... (${members.length} sub-errors, nested too deep)`;
  }
  const parts = members.map((member, i) =>
    `+---------------- ${i + 1} ----------------\n` +
    indent(formatError(member, depth + 1), "| ")
  );
  return `${head}\n${parts.join("\n")}\n+------------------------------------`;
}

/** The sub-errors of an `ExceptionGroup` or `AggregateError`, else null. */
function groupMembers(error: unknown): unknown[] | null {
  if (!(error instanceof Error)) return null;
  const members = (error as { exceptions?: unknown }).exceptions ??
    (error as { errors?: unknown }).errors;
  return Array.isArray(members) ? members : null;
}

function indent(text: string, prefix = "  "): string {
  return text.split("\n").map((line) => prefix + line).join("\n");
}
