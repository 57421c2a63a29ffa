/**
 * Whether a loop callback woke a task. The loop then lets the microtask
 * queue run before its next callback, so the woken task's step happens at
 * its place in the ready queue, as in asyncio; callbacks that woke nobody
 * pay nothing.
 *
 * @module
 */

let resumed = false;

/** Records that a task's await was just resolved. */
export function markResumed(): void {
  resumed = true;
}

/** True if a task was woken since the last call; clears the mark. */
export function takeResumed(): boolean {
  const was = resumed;
  resumed = false;
  return was;
}
