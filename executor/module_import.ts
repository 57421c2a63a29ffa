/**
 * Loading the module of a `{ module, name }` job in a worker, whatever
 * build the caller's code went through.
 *
 * @module
 */

/**
 * Imports `specifier` with `importModule`. A `file:` URL of a TypeScript
 * file that cannot be loaded (absent after the caller's code was compiled
 * to JavaScript, or on a runtime that does not run TypeScript) falls back
 * to the JavaScript file beside it, as a compiler emits it (`.ts` → `.js`,
 * `.mts` → `.mjs`, `.cts` → `.cjs`, `.tsx` → `.js`). A module that cannot
 * be loaded either way is an `Error` that names the file, with the
 * runtime's error as its `cause` and its `code`.
 *
 * Self-contained (it uses only globals and its arguments): workers run it
 * from its source.
 */
export async function importJobModule(
  importModule: (specifier: string) => Promise<Record<string, unknown>>,
  specifier: string,
): Promise<Record<string, unknown>> {
  let failure: unknown;
  try {
    return await importModule(specifier);
  } catch (error) {
    failure = error;
  }
  const compiled = /^file:.*\.[mc]?tsx?$/.test(specifier)
    ? specifier.replace(
      /\.([mc]?)tsx?$/,
      (_, kind: string) => `.${kind}js`,
    )
    : null;
  if (compiled !== null) {
    try {
      return await importModule(compiled);
    } catch {
      // Report the error of the file the caller named.
    }
  }
  const where = (url: string) =>
    url.startsWith("file:") ? decodeURIComponent(new URL(url).pathname) : url;
  const reason = String((failure as Error | null)?.message ?? failure)
    // The worker's own code is a long data: URL: not worth showing.
    .replace(
      /\s*(?:imported\s+)?from\s+["']?[^\s"']*data:text\/javascript[^\s"']*["']?/g,
      "",
    )
    .replace(/\S*data:text\/javascript\S*/g, "the worker")
    .replace(/file:\/\/[^\s"']+/g, where)
    .split("\n")[0];
  const error = new Error(
    `The worker cannot load the module ${where(specifier)}` +
      (compiled === null ? "" : ` (nor ${where(compiled)})`) +
      `: ${reason}`,
    { cause: failure },
  );
  const code = (failure as { code?: unknown } | null)?.code;
  if (typeof code === "string") (error as { code?: string }).code = code;
  throw error;
}
