/**
 * Operating-system signals: one adapter over `node:process`, which Deno,
 * Bun and Node all provide.
 *
 * @module
 */
import { writeSync } from "node:fs";
import { constants } from "node:os";
import process from "node:process";
import { isMainThread } from "node:worker_threads";
import { KeyboardInterrupt, RuntimeError } from "./errors.ts";
import { RUNTIME } from "./runtime.ts";

/** Signals no process can catch. */
const UNCATCHABLE = new Set(["SIGKILL", "SIGSTOP"]);

/**
 * Signals the runtime needs for itself. Measured on Bun 1.4: with a SIGSEGV
 * listener added, a worker busy in a loop can no longer be terminated, and
 * with one added and removed, terminating it crashes the process.
 */
const RUNTIME_OWNED = RUNTIME === "bun" ? new Set(["SIGSEGV"]) : new Set();

/**
 * Checks a signal name: `TypeError` if not a string, `RangeError` if the
 * system has no such signal (Python's `ValueError` for an invalid number).
 */
export function checkSignal(signal: unknown): string {
  if (typeof signal !== "string") {
    throw new TypeError(
      `A signal must be a name such as "SIGINT", got ${typeof signal}`,
    );
  }
  if (!Object.hasOwn(constants.signals, signal)) {
    throw new RangeError(
      `Unknown signal ${JSON.stringify(signal)}: use a name such as "SIGINT"`,
    );
  }
  return signal;
}

/**
 * Listens for `signal`; returns the function that stops listening. Off the
 * main thread, or for a signal that cannot be caught or that the runtime
 * will not let a program catch (Deno: SIGSEGV, SIGILL, SIGFPE) or needs
 * (Bun: SIGSEGV), it is a `RuntimeError`, as asyncio's "sig 9 cannot be
 * caught".
 */
export function listen(signal: string, listener: () => void): () => void {
  if (!onMainThread()) {
    // Signals reach only a process's main thread.
    throw new RuntimeError(
      "Signal handlers can only be added on the main thread",
    );
  }
  if (UNCATCHABLE.has(signal)) {
    throw new RuntimeError(`${signal} cannot be caught`);
  }
  if (RUNTIME_OWNED.has(signal)) {
    throw new RuntimeError(
      `${signal} cannot be caught here: the runtime needs it to stop workers`,
    );
  }
  try {
    process.on(signal as NodeJS.Signals, listener);
  } catch (error) {
    // Deno adds the listener before it refuses the signal.
    process.off(signal as NodeJS.Signals, listener);
    throw new RuntimeError(
      `${signal} cannot be caught here: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return () => {
    process.off(signal as NodeJS.Signals, listener);
  };
}

/**
 * Listens for SIGINT on behalf of `run()`, as asyncio's `Runner` replaces
 * Python's default SIGINT handler: returns `null` (nothing installed) off
 * the main thread or where a SIGINT listener of someone else's is
 * installed, else the function that stops listening. A listener added by
 * someone else later takes over: ours then steps aside, as a handler set
 * with `signal.signal()` replaces the runner's in Python.
 */
export function listenForInterrupt(listener: () => void): (() => void) | null {
  if (!onMainThread() || process.listenerCount("SIGINT") > 0) return null;
  const ours = () => {
    if (process.listenerCount("SIGINT") === 1) listener();
  };
  process.on("SIGINT", ours);
  return () => {
    process.off("SIGINT", ours);
  };
}

/** True on a process's main thread; Deno's web workers say so too. */
function onMainThread(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: unknown })
    .WorkerGlobalScope;
  return isMainThread &&
    !(typeof scope === "function" && globalThis instanceof scope);
}

/** The exit code of a process that Ctrl-C ended: 128 + SIGINT's number. */
const INTERRUPTED = 130;

/**
 * Ends the process at once with exit code 130, after writing `report` to
 * standard error: what Python does with a `KeyboardInterrupt` nobody caught.
 */
export function exitInterrupted(report: string): never {
  // Synchronous, so that the report is out before the process ends.
  writeSync(2, `${report}\n`);
  process.exit(INTERRUPTED);
}

let exitsOnUncaught = false;

/**
 * Makes a `KeyboardInterrupt` that nobody catches end the process with
 * exit code 130 on all three runtimes (their default is 1). The hook only
 * watches, so every other uncaught error is left as it was.
 */
export function exitOnUncaughtInterrupt(): void {
  if (exitsOnUncaught) return;
  exitsOnUncaught = true;
  process.on("uncaughtExceptionMonitor", (error) => {
    if (error instanceof KeyboardInterrupt) {
      exitInterrupted(error.stack ?? String(error));
    }
  });
}
