/**
 * How every stream and subprocess wait is made: a loop future, awaited
 * while the real world it depends on is marked pending.
 *
 * @module
 */
import { holdClock } from "../internal/real_world.ts";
import type { Future } from "../tasks/future.ts";

/** A host resource that can keep the process alive while waited on. */
export interface Holdable {
  /** Keeps the process alive until the returned function is called. */
  hold(): () => void;
}

/**
 * Awaits `future`, which the host settles: meanwhile `source` keeps the
 * process alive and, unless `clock` is `false`, the loop's clock is held so
 * that a virtual clock does not jump past the wait. Cancelling the awaiting
 * task cancels `future`, as for any other wait.
 */
export async function waitOnHost<T>(
  future: Future<T>,
  source: Holdable,
  clock = true,
): Promise<T> {
  const releaseClock = clock ? holdClock(future.getLoop()) : null;
  const release = source.hold();
  try {
    return await future;
  } finally {
    release();
    releaseClock?.();
  }
}
