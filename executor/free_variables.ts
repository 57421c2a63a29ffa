/**
 * A small scan of a function's source for the names it uses but does not
 * declare. It is not a parser: it tokenises the source (strings, template
 * literals, comments and regular expressions are skipped) and treats every
 * name declared anywhere in the function (parameters, `var`/`let`/`const`,
 * `function` and `class` names, `catch` bindings, destructuring patterns)
 * as declared everywhere in it. So it may let a free variable through
 * (the worker then throws a `ReferenceError` when the job runs), but it
 * never refuses a function that declares what it uses.
 *
 * @module
 */

type Kind = "name" | "punct" | "literal";

interface Token {
  kind: Kind;
  text: string;
}

const KEYWORDS = new Set(
  ("arguments async await break case catch class const continue debugger " +
    "default delete do else enum export extends false finally for from " +
    "function get if import in instanceof let new null of return set " +
    "static super switch this throw true try typeof undefined var void " +
    "while with yield")
    .split(" "),
);

/** Keywords whose parenthesised part is not a parameter list. */
const CONTROL = new Set(["if", "for", "while", "switch", "with", "return"]);

/** Names after which a `/` starts a regular expression, not a division. */
const BEFORE_EXPRESSION = new Set(
  ("return typeof case do else in of new delete void throw yield await " +
    "instanceof").split(" "),
);

const ID_START = /[\p{ID_Start}$_\\]/u;
const ID_PART = /[\p{ID_Continue}$\u200c\u200d\\]/u;
const PUNCTUATORS = [
  ">>>=",
  "...",
  "===",
  "!==",
  "**=",
  "<<=",
  ">>=",
  ">>>",
  "&&=",
  "||=",
  "??=",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "??",
  "?.",
  "++",
  "--",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "**",
  "<<",
  ">>",
];

/**
 * The names `source` (a function's source text) uses without declaring
 * them, in order of first use, keywords excluded. Globals are not
 * excluded: the caller decides which names the worker provides.
 */
export function freeVariables(source: string): string[] {
  const tokens = tokenize(source);
  const declared = new Set<string>();
  const used: string[] = [];
  const classBodies = classBodyOpenings(tokens);
  const braces: boolean[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.text === "{") braces.push(classBodies.has(i));
    if (token.text === "}") braces.pop();
    if (token.kind === "punct") {
      if (token.text === "=>") declareArrowParameters(tokens, i, declared);
      if (token.text === "(") declareParameters(tokens, i, declared);
      continue;
    }
    if (token.kind !== "name") continue;
    if (KEYWORDS.has(token.text)) {
      declareAfterKeyword(tokens, i, declared);
      continue;
    }
    if (isReference(tokens, i, braces.at(-1) === true)) used.push(token.text);
  }
  return [...new Set(used)].filter((name) => !declared.has(name));
}

function isReference(tokens: Token[], i: number, inClassBody: boolean) {
  const before = tokens[i - 1]?.text;
  const after = tokens[i + 1]?.text;
  if (before === "." || before === "?." || before === "#") return false;
  if (before === "break" || before === "continue") return false;
  // An object key or a label: `{ key: value }`, `outer: for (...)`.
  if (after === ":" && (before === undefined || /^[{,;}]$/.test(before))) {
    return false;
  }
  if (inClassBody && isMemberStart(tokens[i - 1])) return false;
  // A method or function name: `name(...) {`.
  if (after === "(" && tokens[closing(tokens, i + 1) + 1]?.text === "{") {
    return false;
  }
  return true;
}

/** True where a class member's name may follow `token`. */
function isMemberStart(token: Token | undefined): boolean {
  if (token === undefined) return true;
  if (token.kind !== "punct") return true;
  return /^[{;}*\])]$/.test(token.text);
}

/** Declares the bindings after `var`, `let`, `const`, `function`, `class`. */
function declareAfterKeyword(
  tokens: Token[],
  i: number,
  declared: Set<string>,
): void {
  const keyword = tokens[i].text;
  if (keyword === "function" || keyword === "class") {
    let next = i + 1;
    if (tokens[next]?.text === "*") next++;
    if (tokens[next]?.kind === "name") declared.add(tokens[next].text);
    return;
  }
  if (keyword !== "var" && keyword !== "let" && keyword !== "const") return;
  let depth = 0;
  let expectBinding = true;
  for (let j = i + 1; j < tokens.length; j++) {
    const { kind, text } = tokens[j];
    if (expectBinding && depth === 0) {
      expectBinding = false;
      if (kind === "name") declared.add(text);
      if (text === "{" || text === "[") {
        declareAllNames(tokens, j, closing(tokens, j), declared);
      }
    }
    if (/^[([{]$/.test(text)) depth++;
    if (/^[)\]}]$/.test(text) && --depth < 0) return;
    if (depth === 0 && text === ";") return;
    if (depth === 0 && text === ",") expectBinding = true;
  }
}

/** `(a, b) =>` or `a =>`: the names before the arrow are parameters. */
function declareArrowParameters(
  tokens: Token[],
  arrow: number,
  declared: Set<string>,
): void {
  const before = tokens[arrow - 1];
  if (before?.kind === "name") declared.add(before.text);
  if (before?.text !== ")") return;
  let depth = 0;
  for (let j = arrow - 1; j >= 0; j--) {
    const text = tokens[j].text;
    if (text === ")") depth++;
    if (text === "(" && --depth === 0) {
      declareAllNames(tokens, j, arrow - 1, declared);
      return;
    }
  }
}

/** `name(a, b) {`, `function (a) {`, `catch (e) {`: a parameter list. */
function declareParameters(
  tokens: Token[],
  open: number,
  declared: Set<string>,
): void {
  const before = tokens[open - 1];
  if (before === undefined || CONTROL.has(before.text)) return;
  if (before.kind !== "name" && before.text !== "]" && before.text !== "*") {
    return;
  }
  const close = closing(tokens, open);
  if (tokens[close + 1]?.text === "{") {
    declareAllNames(tokens, open, close, declared);
  }
}

function declareAllNames(
  tokens: Token[],
  from: number,
  to: number,
  declared: Set<string>,
): void {
  for (let j = from + 1; j < to; j++) {
    if (tokens[j].kind === "name" && tokens[j - 1].text !== ".") {
      declared.add(tokens[j].text);
    }
  }
}

/** The index of the bracket closing the one at `open`. */
function closing(tokens: Token[], open: number): number {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    const text = tokens[j].text;
    if (/^[([{]$/.test(text)) depth++;
    if (/^[)\]}]$/.test(text) && --depth === 0) return j;
  }
  return tokens.length;
}

/** Indexes of the `{` tokens that open a class body. */
function classBodyOpenings(tokens: Token[]): Set<number> {
  const openings = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].text !== "class" || tokens[i].kind !== "name") continue;
    let depth = 0;
    for (let j = i + 1; j < tokens.length; j++) {
      const text = tokens[j].text;
      if (text === "{" && depth === 0) {
        openings.add(j);
        break;
      }
      if (/^[([{]$/.test(text)) depth++;
      if (/^[)\]}]$/.test(text)) depth--;
    }
  }
  return openings;
}

/** Splits `source` into names, punctuators and (opaque) literals. */
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  /** One entry per open `{`: true where it is a template's `${`. */
  const braces: boolean[] = [];
  let i = 0;
  const push = (kind: Kind, text: string) => tokens.push({ kind, text });
  const readTemplate = (): void => {
    // From just after "`" or "}" to just after "`" or "${".
    while (i < source.length) {
      const char = source[i++];
      if (char === "\\") {
        i++;
      } else if (char === "`") {
        push("literal", "`");
        return;
      } else if (char === "$" && source[i] === "{") {
        i++;
        braces.push(true);
        push("punct", "(");
        return;
      }
    }
  };
  while (i < source.length) {
    const char = source[i];
    if (/\s/.test(char)) {
      i++;
    } else if (source.startsWith("//", i)) {
      i = lineEnd(source, i);
    } else if (source.startsWith("/*", i)) {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? source.length : end + 2;
    } else if (char === "'" || char === '"') {
      i = stringEnd(source, i);
      push("literal", "''");
    } else if (char === "`") {
      i++;
      readTemplate();
    } else if (
      /[0-9]/.test(char) || (char === "." && /[0-9]/.test(source[i + 1]))
    ) {
      while (i < source.length && /[\w.]/.test(source[i])) i++;
      push("literal", "0");
    } else if (ID_START.test(char) || char === "#") {
      const start = i++;
      while (i < source.length && ID_PART.test(source[i])) i++;
      if (char === "#") push("punct", "#");
      push("name", source.slice(char === "#" ? start + 1 : start, i));
    } else if (char === "/" && !endsValue(tokens.at(-1))) {
      i = regexEnd(source, i);
      push("literal", "/./");
    } else if (char === "{") {
      i++;
      braces.push(false);
      push("punct", "{");
    } else if (char === "}") {
      i++;
      if (braces.pop() === true) {
        push("punct", ")");
        readTemplate();
      } else {
        push("punct", "}");
      }
    } else {
      const punct = PUNCTUATORS.find((p) => source.startsWith(p, i)) ?? char;
      i += punct.length;
      push("punct", punct);
    }
  }
  return tokens;
}

/** True if a `/` after `token` divides (else it starts a regex). */
function endsValue(token: Token | undefined): boolean {
  if (token === undefined) return false;
  if (token.kind === "literal") return true;
  if (token.kind === "name") return !BEFORE_EXPRESSION.has(token.text);
  return token.text === ")" || token.text === "]" || token.text === "}";
}

function lineEnd(source: string, i: number): number {
  const end = source.indexOf("\n", i);
  return end < 0 ? source.length : end;
}

function stringEnd(source: string, i: number): number {
  const quote = source[i++];
  while (i < source.length && source[i] !== quote) {
    if (source[i] === "\\") i++;
    i++;
  }
  return i + 1;
}

function regexEnd(source: string, i: number): number {
  let inClass = false;
  i++;
  while (i < source.length) {
    const char = source[i++];
    if (char === "\\") i++;
    else if (char === "[") inClass = true;
    else if (char === "]") inClass = false;
    else if (char === "/" && !inClass) break;
  }
  while (i < source.length && ID_PART.test(source[i])) i++;
  return i;
}
