/**
 * Host resources a loop owns beyond its tasks (UDP endpoints, pipes),
 * closed when the loop closes: asyncio leaves them to the garbage
 * collector, but here an open socket would keep the process alive after
 * `run()` returned.
 *
 * @module
 */

const resources = new WeakMap<object, Set<() => void>>();

/**
 * Has `close` called when `loop` closes; returns the function that
 * forgets it (call it once the resource closed by itself).
 */
export function closeWithLoop(loop: object, close: () => void): () => void {
  let closers = resources.get(loop);
  if (closers === undefined) resources.set(loop, closers = new Set());
  closers.add(close);
  return () => closers.delete(close);
}

/** Closes what `loop` still owns; for `EventLoop.close()`. */
export function closeLoopResources(loop: object): void {
  const closers = resources.get(loop);
  if (closers === undefined) return;
  resources.delete(loop);
  for (const close of closers) {
    try {
      close();
    } catch {
      // Closing must never break the loop's own close.
    }
  }
}
