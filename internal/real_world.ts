/**
 * Work a loop waits on that the real world completes: a worker job, a
 * socket read, a child process. A virtual clock must not jump past such
 * work, so each source of it holds the loop's clock while it is pending.
 *
 * @module
 */

const holds = new WeakMap<object, number>();

/**
 * Marks real-world work pending on `loop`; call the returned function
 * (once; later calls do nothing) when it has settled.
 */
export function holdClock(loop: object): () => void {
  holds.set(loop, (holds.get(loop) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holds.set(loop, (holds.get(loop) ?? 1) - 1);
  };
}

/** True while real-world work is pending on `loop`. */
export function clockHeld(loop: object): boolean {
  return (holds.get(loop) ?? 0) > 0;
}
