/**
 * What futures and the loop share about iterations. Whether a loop
 * callback woke a task: the loop then lets the microtask queue run before
 * its next callback, so the woken task's step happens at its place in the
 * ready queue, as in asyncio; callbacks that woke nobody pay nothing. And
 * which iteration runs now: a future finished in this very iteration wakes
 * late awaiters through the loop, in order, as asyncio does.
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

let iteration = 0;

/** Called by a loop as it starts an iteration. */
export function nextIteration(): void {
  iteration++;
}

/** A number that changes with every loop iteration. */
export function currentIteration(): number {
  return iteration;
}
