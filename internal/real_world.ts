/**
 * Work a loop waits on that the real world completes: a worker job, a
 * socket read, a child process. A virtual clock must not jump past such
 * work, so each source of it holds the loop's clock while it is pending.
 * A source that can wake the loop by itself at any time (an open
 * connection, a listening server) is held as a waker: while one is, a loop
 * with nothing ready is not deadlocked.
 *
 * @module
 */

/** A count per loop of sources held, each released by a one-shot function. */
class LoopCounts {
  readonly #counts = new WeakMap<object, number>();

  hold(loop: object): () => void {
    this.#counts.set(loop, (this.#counts.get(loop) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#counts.set(loop, this.#counts.get(loop)! - 1);
    };
  }

  held(loop: object): boolean {
    return (this.#counts.get(loop) ?? 0) > 0;
  }
}

const clockHolds = new LoopCounts();
const wakers = new LoopCounts();

/**
 * Marks real-world work pending on `loop`; call the returned function
 * (once; later calls do nothing) when it has settled.
 */
export function holdClock(loop: object): () => void {
  return clockHolds.hold(loop);
}

/** True while real-world work is pending on `loop`. */
export function clockHeld(loop: object): boolean {
  return clockHolds.held(loop);
}

/**
 * Marks a host source that can wake `loop` by itself, such as an open
 * connection: while one is there the loop is not deadlocked, since the
 * peer may still send. Call the returned function (once; later calls do
 * nothing) when the source is gone.
 */
export function holdWaker(loop: object): () => void {
  return wakers.hold(loop);
}

/** True while some host source held with `holdWaker` can wake `loop`. */
export function canBeWoken(loop: object): boolean {
  return wakers.held(loop);
}
