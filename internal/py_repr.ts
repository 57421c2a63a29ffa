/**
 * Python's `repr()` of a JavaScript value, as asyncio's own reprs and its
 * exception handler's report show values: strings in single quotes,
 * `True`/`False`/`None`, an object literal as a dict, an error as
 * `ValueError('x')`. With `brief`, long strings and lists are cut as
 * `reprlib.repr` cuts them, which is what asyncio shows a result with.
 *
 * @module
 */

/** `reprlib.Repr`'s defaults: string length, list items, nesting. */
const MAX_STRING = 30;
const MAX_LIST = 6;
const MAX_DICT = 4;
const MAX_LEVEL = 6;

/** Python's repr of `value`; `brief` cuts it as `reprlib.repr` does. */
export function pyRepr(value: unknown, brief = false): string {
  return reprOf(value, brief ? MAX_LEVEL : Infinity, brief);
}

function reprOf(value: unknown, level: number, brief: boolean): string {
  switch (typeof value) {
    case "string":
      return brief ? cut(quote(value)) : quote(value);
    case "number":
      return numberRepr(value);
    case "boolean":
      return value ? "True" : "False";
    case "undefined":
      return "None";
    case "function":
      return `<function ${value.name || "<lambda>"}>`;
    case "bigint":
    case "symbol":
      return String(value);
  }
  if (value === null) return "None";
  if (Array.isArray(value)) {
    if (level <= 0) return "[...]";
    const shown = brief ? value.slice(0, MAX_LIST) : value;
    const items = shown.map((item) => reprOf(item, level - 1, brief));
    if (shown.length < value.length) items.push("...");
    return `[${items.join(", ")}]`;
  }
  if (value instanceof Error) {
    const message = value.message === "" ? "" : quote(value.message);
    return `${value.name}(${message})`;
  }
  if (isPlainObject(value)) {
    if (level <= 0) return "{...}";
    const entries = Object.entries(value);
    const shown = brief ? entries.slice(0, MAX_DICT) : entries;
    const items = shown.map(([key, item]) =>
      `${quote(key)}: ${reprOf(item, level - 1, brief)}`
    );
    if (shown.length < entries.length) items.push("...");
    return `{${items.join(", ")}}`;
  }
  if (hasOwnDescription(value as object)) return String(value);
  return `<${(value as object).constructor?.name ?? "object"} object>`;
}

function numberRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  return String(value);
}

/** A string quoted as Python quotes it: single quotes unless it has one. */
function quote(text: string): string {
  const mark = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = mark;
  for (const char of text) {
    if (char === mark || char === "\\") out += "\\" + char;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else out += char;
  }
  return out + mark;
}

/** `reprlib`'s cut of a long repr: its start and end around `...`. */
function cut(repr: string): string {
  if (repr.length <= MAX_STRING) return repr;
  const head = Math.floor((MAX_STRING - 3) / 2);
  const tail = MAX_STRING - 3 - head;
  return repr.slice(0, head) + "..." + repr.slice(repr.length - tail);
}

/** An object literal, which stands for a Python dict. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** True for an object whose class describes it (a future, a handle). */
function hasOwnDescription(value: object): boolean {
  return typeof value.toString === "function" &&
    value.toString !== Object.prototype.toString;
}
