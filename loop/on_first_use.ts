/**
 * Parts of the package that only some programs use (connections, servers,
 * UDP, pipes, name lookups, the worker program) are imported on first use,
 * so that importing the package stays cheap: this is how such a load is
 * made and awaited.
 *
 * @module
 */
import { outsideAnyTask } from "../internal/context.ts";
import { holdClock } from "../internal/real_world.ts";

/**
 * Starts `load`, a function that calls `import()`, outside any task
 * (`outsideAnyTask` says why). A failed load rejects with the loader's error.
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

/**
 * A module that only some programs use, imported by the first call that
 * needs it and kept from then on; a failed import is tried again by the
 * next call.
 */
export class OnFirstUse<M> {
  readonly #load: () => Promise<M>;
  #loaded: M | null = null;

  /** `load` calls `import()`; nothing is imported before the first `get()`. */
  constructor(load: () => Promise<M>) {
    this.#load = load;
  }

  /**
   * The module if it is loaded, else `null`: `x.now ?? await x.get(loop)`
   * goes on without a microtask hop once it is.
   */
  get now(): M | null {
    return this.#loaded;
  }

  /**
   * The module, imported the first time with `loop`'s clock held, or
   * without a loop for code that runs outside any.
   */
  async get(loop?: object): Promise<M> {
    return this.#loaded ??=
      await (loop === undefined
        ? importOnFirstUse(this.#load)
        : loadOnFirstUse(loop, this.#load));
  }
}
