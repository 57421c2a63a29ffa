/**
 * What a job calls, made ready for the trip to a worker: a self-contained
 * function, sent by its source, or a function exported by a module.
 *
 * @module
 */
import { describe } from "../internal/validate.ts";
import { freeVariables } from "./free_variables.ts";

/** Any function, as the type of a module's export. */
// deno-lint-ignore no-explicit-any
export type AnyFunction = (...args: any[]) => unknown;

/**
 * A function exported by a module, for work that needs imports or shared
 * code: `{ module: new URL("./work.ts", import.meta.url), name: "fib" }`.
 * The worker imports the module once and calls its export `name`. The
 * module is whatever the runtime loads; a `.ts` file that cannot be
 * loaded (after the code was compiled to JavaScript, or on Node) falls
 * back to the `.js` file beside it, so the same reference works before and
 * after a build. `F`, the export's type, types the arguments and result of
 * `submit()` and `map()`: `moduleFunctions()` makes such references.
 */
export interface ModuleFunction<F extends AnyFunction = AnyFunction> {
  /** The module: a `URL`, or an absolute URL or bare specifier string. */
  module: URL | string;
  /** The name of the exported function. */
  name: string;
  /**
   * Never set: the type of the export, which types the arguments and
   * result of `submit()` and `map()` (see `moduleFunctions()`).
   */
  readonly signature?: F;
}

/** The exported functions of a module whose type is `M`, by name. */
export type ModuleFunctions<M> = {
  readonly [K in keyof M as M[K] extends AnyFunction ? K : never]:
    ModuleFunction<M[K] extends AnyFunction ? M[K] : never>;
};

/**
 * Typed references to the exported functions of `module`, for `submit()`
 * and `map()`: `M` is the module's type, from a type-only import, so the
 * module itself is loaded only by the workers. A name the module does not
 * export, or arguments its function does not take, fail type checking.
 *
 * @example Calling a module's function with checked types
 * ```ts
 * import { moduleFunctions } from "@aio/asyncio/executor";
 * import assert from "node:assert/strict";
 *
 * // In real code: `import type * as Work from "./work.ts";`
 * type Work = { fib(n: number): number };
 * const work = moduleFunctions<Work>(new URL("./work.ts", import.meta.url));
 * assert.equal(work.fib.name, "fib");
 * assert.ok(work.fib.module instanceof URL);
 * // pool.submit(work.fib, 30) is a Future<number>; submit(work.fib, "30")
 * // does not type-check.
 * ```
 */
export function moduleFunctions<M>(module: URL | string): ModuleFunctions<M> {
  checkModule(module, "moduleFunctions()");
  return new Proxy({}, {
    get: (_, name) =>
      typeof name === "string" && name !== "then"
        ? { module, name }
        : undefined,
  }) as ModuleFunctions<M>;
}

/** A function sent by its source; `id` names it in a worker's cache. */
export interface SourceCallable {
  readonly kind: "source";
  readonly id: number;
  /** A function body that returns the function; takes `jobSignal`, `move`. */
  readonly body: string;
}

/** A module export, with the module as an absolute URL or specifier. */
export interface ModuleCallable {
  readonly kind: "module";
  readonly module: string;
  readonly name: string;
}

/** What a job calls, ready to be sent. */
export type Callable = SourceCallable | ModuleCallable;

/** The names a function sent by its source may use besides globals. */
const PROVIDED = new Set(["jobSignal", "move"]);

const byFunction = new WeakMap<object, SourceCallable>();
const bySource = new Map<string, SourceCallable>();
let nextId = 1;

/**
 * Checks what `submit` (or `api`) was given and prepares it: a `TypeError`
 * for anything but a self-contained function or a `ModuleFunction`, naming
 * the outside variables a function uses.
 */
export function prepareCallable(fn: unknown, api: string): Callable {
  if (typeof fn === "function") {
    return byFunction.get(fn) ??
      prepareFunction(fn as (...args: never[]) => unknown, api);
  }
  if (typeof fn === "object" && fn !== null && "module" in fn) {
    return prepareModule(fn as ModuleFunction, api);
  }
  throw new TypeError(
    `${api} takes a function or { module, name }, got ${describe(fn)}`,
  );
}

function prepareFunction(
  fn: (...args: never[]) => unknown,
  api: string,
): SourceCallable {
  const source = Function.prototype.toString.call(fn);
  const key = `${fn.name}\0${source}`;
  const known = bySource.get(key);
  if (known !== undefined) {
    byFunction.set(fn, known);
    return known;
  }
  const label = fn.name ? `The function ${fn.name}()` : "The function";
  if (/^class\b/.test(source)) {
    throw new TypeError(`${api} takes a function, not a class`);
  }
  if (/\{\s*\[native code\]\s*\}$/.test(source)) {
    throw new TypeError(
      `${label} is built in or bound, so its source cannot be sent to a ` +
        `worker: wrap it in a function, e.g. ${api}((x) => Math.sqrt(x), 2)`,
    );
  }
  const free = freeVariables(source).filter((name) =>
    name !== fn.name && !PROVIDED.has(name) && !(name in globalThis)
  );
  if (free.length > 0) {
    throw new TypeError(
      `${label} uses ${free.map((n) => `'${n}'`).join(", ")} from outside ` +
        "itself, but a worker receives only the function's own source. " +
        "Pass the value as an argument, or export the function from a " +
        'module and submit { module: new URL("./work.ts", import.meta.url), ' +
        `name: "${fn.name || "work"}" }. (A bundler or minifier renames ` +
        "imports, jobSignal and move too: a job declared with function " +
        "reaches them as this.signal and this.move.)",
    );
  }
  const callable: SourceCallable = {
    kind: "source",
    id: nextId++,
    body: functionBody(source, label, fn.name),
  };
  bySource.set(key, callable);
  byFunction.set(fn, callable);
  return callable;
}

/**
 * A function body returning the function, bound to its own name so that
 * it can call itself (also an arrow function kept in a `const`, and a
 * function whose source lost its name, as Bun's output does to functions
 * declared in a block). Method shorthand (`f(x) {…}`, as an object's method
 * prints itself) is not an expression, so it is read back out of an object
 * literal. `sourceURL` names it in stack traces.
 */
function functionBody(source: string, label: string, name: string): string {
  const url = `\n//# sourceURL=submitted-${
    name.replace(/\W/g, "") || "function"
  }.js`;
  const expressions = [
    `(${source}\n)`,
    `(() => { const o = {${source}\n}; return o[Reflect.ownKeys(o)[0]]; })()`,
  ];
  const bound = /^[\p{ID_Start}$_][\p{ID_Continue}$]*$/u.test(name)
    ? expressions.map((e) => `const ${name} = ${e}; return ${name};`)
    : [];
  const bodies = [...bound, ...expressions.map((e) => `return ${e};`)];
  for (const body of bodies) {
    try {
      const strictBody = `"use strict"; ${body}${url}`;
      new Function("jobSignal", "move", strictBody);
      return strictBody;
    } catch {
      // A reserved word as a name, or another form: try the next body.
    }
  }
  throw new TypeError(`${label} cannot be rebuilt from its source`);
}

function prepareModule(target: ModuleFunction, api: string): ModuleCallable {
  const { module, name } = target;
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `The name in ${api}({ module, name }) must be the name of an ` +
        `exported function, got ${describe(name)}`,
    );
  }
  checkModule(module, api);
  return {
    kind: "module",
    module: module instanceof URL ? module.href : module,
    name,
  };
}

function checkModule(module: unknown, api: string): void {
  if (module instanceof URL) return;
  if (typeof module !== "string") {
    throw new TypeError(
      `The module in ${api} must be a URL or a string, got ${describe(module)}`,
    );
  }
  if (/^\.{0,2}\//.test(module)) {
    throw new TypeError(
      `The module path ${JSON.stringify(module)} would be resolved in the ` +
        "worker, not next to your code: pass new URL(" +
        `${JSON.stringify(module)}, import.meta.url) instead`,
    );
  }
}
