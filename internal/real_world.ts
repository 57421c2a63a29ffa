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

/** How many sources a loop holds; kept in one object per loop. */
interface Count {
  n: number;
}

/**
 * A count per loop of sources held, each released by a one-shot function.
 * A hold looks its loop up once and the release not at all: streams hold
 * the clock on every wait for bytes.
 */
class LoopCounts {
  readonly #counts = new WeakMap<object, Count>();

  hold(loop: object): () => void {
    let count = this.#counts.get(loop);
    if (count === undefined) this.#counts.set(loop, count = { n: 0 });
    count.n++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      count.n--;
    };
  }

  held(loop: object): boolean {
    return (this.#counts.get(loop)?.n ?? 0) > 0;
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
