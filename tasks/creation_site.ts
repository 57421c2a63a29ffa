/**
 * Where futures and tasks were created, recorded in debug mode only: what
 * CPython keeps as `_source_traceback`. The sites live in a `WeakMap`, so a
 * future costs nothing more when no loop is in debug mode, and its site goes
 * with it.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/**
 * True once some loop was put in debug mode; until then futures skip even
 * the question whether their loop is.
 */
export let creationSitesWanted = false;

/** Called by a loop that turns debug mode on. */
export function wantCreationSites(): void {
  creationSitesWanted = true;
}

/** The stack at creation; formatted only when a report needs it. */
const sites = new WeakMap<object, Error>();

/** Records that `future` is being created here. */
export function recordCreationSite(future: object): void {
  sites.set(future, new Error());
}

/**
 * The stack frames, most recent first, where `future` was created, without
 * the library's and the runtime's own frames; `undefined` if not recorded.
 */
export function sourceTraceback(future: object): string | undefined {
  const stack = sites.get(future)?.stack;
  if (stack === undefined) return undefined;
  return stack.split("\n").slice(1).filter(isUserFrame).join("\n");
}

/** In debug mode, where each task last awaited a pending future. */
const awaitSites = new WeakMap<object, Error>();

/** Records that `task` is awaiting here (debug mode only). */
export function recordAwaitSite(task: object): void {
  awaitSites.set(task, new Error());
}

/**
 * Gives a `CancelledError` that ends `task`'s await of `future` the frames
 * of that await (debug mode only), so that a timeout's cause shows where the
 * work was blocked. Where the runtime kept no frame of the user's code (an
 * `await` of a thenable is called from a job of its own on Bun and Node),
 * the frames where `future` was made stand in: a `sleep()` call, say.
 */
export function markCancelledAwait(
  error: unknown,
  task: object,
  future: object,
): void {
  if (!(error instanceof Error)) return;
  const stack = awaitSites.get(task)?.stack ?? "";
  const frames = stack.split("\n").slice(1).filter(isUserFrame).join("\n") ||
    sourceTraceback(future);
  if (!frames) return;
  const head = error.message ? `${error.name}: ${error.message}` : error.name;
  error.stack = `${head}\n${frames}`;
}

/** `" created at file:line:column"` in debug mode, for `toString()`. */
export function createdAtSuffix(future: object): string {
  if (!creationSitesWanted) return "";
  const frame = sourceTraceback(future)?.split("\n")[0];
  return frame ? ` created at ${location(frame)}` : "";
}

const rootUrl = new URL("../", import.meta.url).href;
const rootPath = fileURLToPath(rootUrl);
/** The project's own folders that are not the library. */
const NOT_LIBRARY = /^(tests|examples|bench)[\\/]/;
const RUNTIME = /^(node:|ext:|native)/;
const POSITION = /:\d+(:\d+)?$/;

function isUserFrame(frame: string): boolean {
  const where = location(frame);
  if (!POSITION.test(where) || RUNTIME.test(where)) return false;
  for (const root of [rootUrl, rootPath]) {
    if (where.startsWith(root)) {
      return NOT_LIBRARY.test(where.slice(root.length));
    }
  }
  return true;
}

/** `file:line:column` of a frame: `at f (where)` or `at where`. */
function location(frame: string): string {
  const line = frame.trim();
  if (line.endsWith(")")) {
    const open = line.lastIndexOf("(");
    if (open >= 0) return line.slice(open + 1, -1);
  }
  return line.replace(/^at (async )?/, "");
}
