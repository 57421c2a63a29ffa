/**
 * Parts of the package that only some programs use (connections, servers,
 * UDP, pipes, name lookups) are imported on first use, so that importing
 * the package stays cheap: this is how such a load is awaited.
 *
 * @module
 */
import { holdClock } from "../internal/real_world.ts";

/**
 * Awaits `loading`, a dynamic `import()`, with `loop`'s clock held: the
 * load is a wait on the real world, and a virtual clock must not jump
 * past it. A failed load rejects with the loader's error.
 */
export async function loadOnFirstUse<M>(
  loop: object,
  loading: Promise<M>,
): Promise<M> {
  const release = holdClock(loop);
  try {
    return await loading;
  } finally {
    release();
  }
}
