/**
 * Operating-system signals: one adapter over `node:process`, which Deno,
 * Bun and Node all provide.
 *
 * @module
 */
import process from "node:process";

/** Signals no process can catch. */
const UNCATCHABLE = new Set(["SIGKILL", "SIGSTOP"]);

/** Checks a signal name: `TypeError` if not a string, `RangeError` if unknown. */
export function checkSignal(signal: unknown): string {
  if (typeof signal !== "string") {
    throw new TypeError(
      `A signal must be a name such as "SIGINT", got ${typeof signal}`,
    );
  }
  if (!/^SIG[A-Z0-9]+$/.test(signal)) {
    throw new RangeError(
      `Unknown signal ${JSON.stringify(signal)}: use a name such as "SIGINT"`,
    );
  }
  if (UNCATCHABLE.has(signal)) {
    throw new RangeError(`${signal} cannot be caught`);
  }
  return signal;
}

/** Listens for `signal`; returns the function that stops listening. */
export function listen(signal: string, listener: () => void): () => void {
  process.on(signal as NodeJS.Signals, listener);
  return () => {
    process.off(signal as NodeJS.Signals, listener);
  };
}
