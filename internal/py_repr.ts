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
  return new Repr(brief).of(value, brief ? MAX_LEVEL : Infinity);
}

/** One repr in the making: the containers it is inside, to stop at a cycle. */
class Repr {
  readonly #brief: boolean;
  readonly #inside = new Set<object>();

  constructor(brief: boolean) {
    this.#brief = brief;
  }

  of(value: unknown, level: number): string {
    switch (typeof value) {
      case "string":
        return this.#brief ? cut(quote(value)) : quote(value);
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
    if (value instanceof Uint8Array) return bytesRepr(value);
    if (value instanceof Error) {
      const message = value.message === "" ? "" : quote(value.message);
      return `${value.name}(${message})`;
    }
    if (Array.isArray(value)) {
      return this.#container(
        value,
        level,
        "[",
        "]",
        () => value.map((item) => [null, item]),
      );
    }
    if (value instanceof Map) {
      return this.#container(value, level, "{", "}", () => [...value]);
    }
    if (isPlainObject(value)) {
      return this.#container(
        value,
        level,
        "{",
        "}",
        () => Object.entries(value),
      );
    }
    if (hasOwnDescription(value as object)) return String(value);
    return `<${(value as object).constructor?.name ?? "object"} object>`;
  }

  /**
   * A list or dict: `[...]` / `{...}` when it contains itself, as Python
   * prints one, or past the nesting `reprlib` shows.
   */
  #container(
    container: object,
    level: number,
    open: string,
    close: string,
    entries: () => [key: unknown, item: unknown][],
  ): string {
    if (level <= 0 || this.#inside.has(container)) return `${open}...${close}`;
    this.#inside.add(container);
    const all = entries();
    const most = open === "[" ? MAX_LIST : MAX_DICT;
    const shown = this.#brief ? all.slice(0, most) : all;
    const items = shown.map(([key, item]) =>
      (key === null ? "" : `${this.of(key, level - 1)}: `) +
      this.of(item, level - 1)
    );
    if (shown.length < all.length) items.push("...");
    this.#inside.delete(container);
    return `${open}${items.join(", ")}${close}`;
  }
}

/** Bytes as Python shows them: `b'ok\\n\\x00'`. */
function bytesRepr(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return "b" + quote(text, true);
}

function numberRepr(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  return String(value);
}

/**
 * A string quoted as Python quotes it: single quotes unless it has one,
 * control characters escaped; `bytes` escapes every non-ASCII byte too.
 */
function quote(text: string, bytes = false): string {
  const mark = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = mark;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === mark || char === "\\") out += "\\" + char;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f || (bytes && code > 0x7f)) {
      out += "\\x" + code.toString(16).padStart(2, "0");
    } else out += char;
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
