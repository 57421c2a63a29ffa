/**
 * Futures of one loop awaited from another, as asyncio's `wrap_future`
 * joins a `concurrent.futures.Future` to a future of the loop.
 *
 * @module
 */
import type { AbstractEventLoop } from "../loop/abstract_event_loop.ts";
import { Future } from "./future.ts";
import { internals as taskInternals } from "./_internals.ts";

/**
 * A future of `loop` that follows `source` (`source` itself when it lives
 * there): it settles as `source` does, and cancelling it cancels `source`.
 */
export function wrapFuture<T>(
  source: Future<T>,
  loop: AbstractEventLoop,
): Future<T> {
  if (source.getLoop() === loop) return source;
  const destination = new Future<T>(loop);
  chainFuture(source, destination);
  return destination;
}

/**
 * Joins two futures both ways, as asyncio's `_chain_future`: once `source`
 * is done, `destination` takes its outcome (unless it is done already or
 * its loop closed); once `destination` is cancelled, so is `source`.
 */
export function chainFuture<T>(
  source: Future<T>,
  destination: Future<T>,
): void {
  taskInternals.onDone(source, () => copyOutcome(source, destination));
  taskInternals.onDone(destination, () => {
    if (destination.cancelled()) source.cancel();
  });
}

function copyOutcome<T>(source: Future<T>, destination: Future<T>): void {
  if (destination.done() || destination.getLoop().isClosed()) return;
  if (source.cancelled()) destination.cancel();
  else if (taskInternals.hasFailed(source)) {
    destination.setException(source.exception());
  } else destination.setResult(source.result());
}
