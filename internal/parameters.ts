/**
 * Whether a function declares a parameter, for the task bodies that take
 * their task's `AbortSignal`: read at each runtime's least cost, measured.
 * On Bun, reading `length` of a new closure costs 55-90 ns (the engine
 * materialises the property on each closure), while its source text is
 * kept once per function literal; on Deno and Node `length` costs 7 ns.
 *
 * @module
 */
import { RUNTIME } from "./runtime.ts";

const sourceOf = Function.prototype.toString;

/** Source text → declares a parameter; bounded, as code can be generated. */
const bySource = new Map<string, boolean>();
const MOST_SOURCES = 4096;

function declaresBySource(fn: (...args: never[]) => unknown): boolean {
  const source = sourceOf.call(fn);
  let declares = bySource.get(source);
  if (declares === undefined) {
    declares = fn.length > 0;
    // A bound or native function's text does not show its parameters.
    if (source.includes("[native code]")) return declares;
    if (bySource.size === MOST_SOURCES) bySource.clear();
    bySource.set(source, declares);
  }
  return declares;
}

/**
 * True if `fn` declares at least one parameter before any with a default
 * (its `length` is not 0): the same source text always declares the same.
 */
export const declaresParameter: (fn: (...args: never[]) => unknown) => boolean =
  RUNTIME === "bun" ? declaresBySource : (fn) => fn.length > 0;
