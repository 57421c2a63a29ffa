/**
 * Parts of the package that only some programs use (connections, servers,
 * UDP, pipes, name lookups, the worker program) are imported on first use,
 * so that importing the package stays cheap: this is how such a load is
 * made and awaited.
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { holdClock } from "../internal/real_world.ts";

/**
 * Runs a function in the context this module was imported in, outside any
 * task. Under `deno test` (Deno 2.9), an `import()` started inside an
 * `AsyncLocalStorage` context leaves that context current for the next
 * test, which would then run as part of a task that has finished.
 */
const outsideAnyTask = AsyncLocalStorage.snapshot();

/**
 * Starts `load`, a function that calls `import()`, outside the ambient
 * context (see above). A failed load rejects with the loader's error.
 */
export function importOnFirstUse<M>(load: () => Promise<M>): Promise<M> {
  return outsideAnyTask(load);
}

/**
 * `importOnFirstUse(load)`, awaited with `loop`'s clock held: the load is a
 * wait on the real world, and a virtual clock must not jump past it.
 */
export async function loadOnFirstUse<M>(
  loop: object,
  load: () => Promise<M>,
): Promise<M> {
  const release = holdClock(loop);
  try {
    return await importOnFirstUse(load);
  } finally {
    release();
  }
}
