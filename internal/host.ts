/**
 * How the host runtime wakes the loop: one fair macrotask turn, and one
 * timer for the nearest deadline. `setImmediate` is the cheapest fair turn
 * on Deno, Bun and Node alike (about 1 µs a turn, measured on all three), and it
 * never starves host I/O or timers.
 *
 * @module
 */
import process from "node:process";
import { clearImmediate, setImmediate } from "node:timers";
import { RUNTIME } from "./runtime.ts";

/** The longest delay a host timer honours (2^31 − 1 ms); longer fire at once. */
const MAX_HOST_DELAY_MS = 2 ** 31 - 1;

/**
 * Runs `callback` on the host's next macrotask turn; with `readIo`, on a
 * turn in which the host also reads its sockets and pipes. Bun and Node
 * read them on every turn. Deno's runtime (tokio) reads them only every 61
 * scheduler ticks while something is ready, measured: loopback data waited
 * about 120 `setImmediate` turns. A turn that waits on its thread pool lets
 * it read them (the data came within 2 turns); a SHA-1 of nothing, about
 * 25 µs a turn against 2, needs no import and no permission.
 */
export function nextTurn(callback: () => void, readIo = false): void {
  if (readIo && RUNTIME === "deno") {
    crypto.subtle.digest("SHA-1", NOTHING).then(callback);
  } else setImmediate(callback);
}

const NOTHING = new Uint8Array(0);

/**
 * How a host callback (bytes arrived) best enters the loop's own
 * `AsyncLocalStorage` context, measured. On Deno a switch with `run()`
 * costs 0.3 to 1 µs, while a promise reaction keeps the context it was
 * registered in for little: there the loop goes on through a reaction it
 * registered beforehand, a microtask later. On Bun and Node a switch costs
 * tens of nanoseconds, and the loop goes on at once, inside the callback.
 */
export const ENTER_BY_REACTION: boolean = RUNTIME === "deno";

/** A cancellable host timer. */
export interface HostTimer {
  /** Stops the timer if it has not fired. */
  clear(): void;
}

/**
 * Arms one host timer. Delays past what hosts honour are clamped: the loop
 * simply wakes early and re-arms.
 */
export function armTimer(delayMs: number, callback: () => void): HostTimer {
  const ms = Math.min(Math.max(0, delayMs), MAX_HOST_DELAY_MS);
  const id = setTimeout(callback, ms);
  return { clear: () => clearTimeout(id) };
}

/** How long Bun's loop stays deadlocked before the loop says so. */
const BUN_DEADLOCK_NOTICE_MS = 2000;

/**
 * Watches for the host to have nothing left that could call back (no
 * socket, timer, child process or worker of its own), for a loop that can
 * wake no more by itself; returns the function that stops watching. Node
 * says so precisely with `beforeExit`: `onIdle` is called then. Deno and
 * Bun cannot: Deno lists no workers, message ports or UDP sockets among its
 * open resources, and Bun lists none at all and stays alive while a
 * top-level await is pending. There `onStuck` is called instead, to say
 * what is stuck without ending anything: on Deno once its list is empty
 * (it then ends the program itself if nothing else is alive), on Bun after
 * a while.
 */
export function watchHostIdle(
  onIdle: () => void,
  onStuck: () => void,
): () => void {
  if (RUNTIME === "bun") {
    const id = setTimeout(onStuck, BUN_DEADLOCK_NOTICE_MS);
    return () => clearTimeout(id);
  }
  if (RUNTIME === "deno") {
    // One host turn first, so that what is closing has closed.
    const id = setImmediate(() => {
      if (process.getActiveResourcesInfo().length === 0) onStuck();
    });
    return () => clearImmediate(id);
  }
  process.once("beforeExit", onIdle);
  return () => {
    process.off("beforeExit", onIdle);
  };
}
