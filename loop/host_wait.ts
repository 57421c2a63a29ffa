/**
 * How every stream and subprocess wait is made: a loop future, awaited
 * while the real world it depends on is marked pending.
 *
 * @module
 */
import { holdClock } from "../internal/real_world.ts";
import { type Future, park } from "../tasks/future.ts";
import { internals as taskInternals } from "../tasks/_internals.ts";

/** A host resource that can keep the process alive while waited on. */
export interface Holdable {
  /** Keeps the process alive until the returned function is called. */
  hold(): () => void;
}

/**
 * Marks `future`, which the host settles, as a wait on the real world and
 * returns it: until it is done `source` keeps the process alive and, unless
 * `clock` is `false`, the loop's clock is held so that a virtual clock does
 * not jump past the wait.
 */
export function holdUntilDone<T>(
  future: Future<T>,
  source: Holdable,
  clock = true,
): Future<T> {
  const releaseClock = clock ? holdClock(future.getLoop()) : null;
  const release = source.hold();
  taskInternals.onDone(future, () => {
    release();
    releaseClock?.();
  });
  return future;
}

/**
 * Awaits `future` held as `holdUntilDone` holds it. Cancelling the awaiting
 * task cancels `future`, as for any other wait.
 */
export function waitOnHost<T>(
  future: Future<T>,
  source: Holdable,
  clock = true,
): Promise<T> {
  return park(holdUntilDone(future, source, clock));
}
