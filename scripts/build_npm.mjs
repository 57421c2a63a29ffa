#!/usr/bin/env node
/**
 * Builds the npm package into the git-ignored folder `npm/` with the npm
 * `tsc` (dnt lives on JSR, which this project cannot reach).
 *
 *     node scripts/build_npm.mjs            # the package
 *     node scripts/build_npm.mjs --tests    # also tests/, examples/, bench/ → npm/, for `node --test npm/tests/`
 *
 * What is compiled follows deno.json: every `.ts` file that `deno publish`
 * would publish (all folders except those in `publish.exclude`), so a new
 * folder is picked up by itself; the package's "exports" mirror deno.json's
 * "exports", minus entries whose file does not exist yet.
 *
 * Worker (or child-process) entry files: tsc leaves
 * `new URL("./entry.ts", import.meta.url)` and `import.meta.resolve("./entry.ts")`
 * alone, so this build rewrites such literal relative `.ts` specifiers to
 * `.js` in the emitted JavaScript (and fails if that file was not compiled).
 * Every `.ts` file of a published folder (and of tests/) is compiled, so a
 * URL built at run time with the extension of `import.meta.url` works too.
 *
 * The package carries its `.ts` sources under `src/` (not beside the `.d.ts`
 * files, where TypeScript would resolve imports to them and type-check them
 * with the user's options), with source maps and declaration maps that point
 * there. Its `sideEffects` lists the modules whose top level does more than
 * declare, and the subpath entries that import them, so bundlers drop the
 * rest; the main entry is not listed, so importing one name from it does not
 * drag the executor's worker code in.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = path.join(root, "npm");
const configDir = path.join(root, ".build");
const withTests = process.argv.slice(2).includes("--tests");
const unknown = process.argv.slice(2).filter((arg) => arg !== "--tests");
if (unknown.length > 0) {
  fail(`Unknown argument ${unknown.join(" ")}: the only option is --tests`);
}

const deno = JSON.parse(fs.readFileSync(path.join(root, "deno.json"), "utf8"));
const sources = publishedSources();
// Examples and benchmarks ride along: their tests and `node` runs use them.
const tests = withTests
  ? ["tests", "examples", "bench"].flatMap(tsFilesUnder)
  : [];
const exports = packageExports();

fs.rmSync(outDir, { recursive: true, force: true });
// The tests are only transpiled: `deno check` type-checks them with Deno's
// TypeScript (the one JSR uses), and tsc versions disagree on details. The
// package is compiled last and checked, so its files come from that run.
if (tests.length > 0) {
  compile("tests", tests, { noCheck: true, declaration: false });
}
compile("package", sources, { sourceMap: true, declarationMap: true });
rewriteEmitted(outDir);
copySources();
copyAssets([...sources, ...tests]);
writePackageJson();
console.log(
  `npm/: ${deno.name}@${deno.version}, ${sources.length} package files` +
    (withTests ? ` and ${tests.length} test files` : "") +
    `, exports ${Object.keys(exports).join(" ")}`,
);

/** Top-level names `deno publish` leaves out (plus git-ignored build output). */
function excludedNames() {
  const listed = [
    ...(deno.publish?.exclude ?? []),
    ...(deno.fmt?.exclude ?? []),
    "node_modules/",
    "npm/",
    ".build/",
  ];
  return new Set(
    listed.map((entry) => entry.replace(/^\.\//, "").replace(/\/$/, "")),
  );
}

/** Every `.ts` file of the published package, as paths relative to the root. */
function publishedSources() {
  const excluded = excludedNames();
  const files = [];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || excluded.has(entry.name)) continue;
    if (entry.isDirectory()) files.push(...tsFilesUnder(entry.name));
    else if (isTs(entry.name)) files.push(entry.name);
  }
  return files.sort();
}

function isTs(name) {
  return name.endsWith(".ts") && !name.endsWith(".d.ts");
}

function filesUnder(dir) {
  return fs.readdirSync(path.join(root, dir), {
    recursive: true,
    withFileTypes: true,
  })
    .filter((entry) => entry.isFile())
    .map((entry) =>
      path.relative(root, path.join(entry.parentPath, entry.name))
    )
    .map((file) => file.split(path.sep).join("/"))
    .sort();
}

function tsFilesUnder(dir) {
  return filesUnder(dir).filter(isTs);
}

/** deno.json "exports" as npm conditions, skipping entries not written yet. */
function packageExports() {
  const result = {};
  const missing = [];
  for (const [subpath, target] of Object.entries(deno.exports)) {
    if (!target.endsWith(".ts")) {
      fail(`Export ${subpath} (${target}) is not a .ts file`);
    }
    if (!fs.existsSync(path.join(root, target))) {
      missing.push(subpath);
      continue;
    }
    const base = target.slice(0, -".ts".length);
    // "default", not "import": require() of it works where the runtime can
    // load ES modules synchronously (Node 20.19+, Bun); older Node says to
    // use import() instead.
    result[subpath] = { types: `${base}.d.ts`, default: `${base}.js` };
  }
  if (missing.length > 0) {
    console.error(
      `build_npm: not exported, their mod.ts does not exist yet: ${
        missing.join(" ")
      }`,
    );
  }
  result["./package.json"] = "./package.json";
  return result;
}

/**
 * Runs tsc on a generated project: tsconfig.build.json's emit options plus
 * deno.json's checks, so the npm build is as strict as `deno check`.
 */
function compile(name, files, options) {
  const { lib: _lib, types: _types, ...checks } = deno.compilerOptions ?? {};
  const config = {
    extends: "../tsconfig.build.json",
    compilerOptions: { ...checks, ...options, rootDir: "..", outDir: "../npm" },
    files: files.map((file) => `../${file}`),
  };
  fs.mkdirSync(configDir, { recursive: true });
  const configPath = path.join(configDir, `tsconfig.npm-${name}.json`);
  fs.writeFileSync(configPath, JSON.stringify(config, null, 2) + "\n");
  const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
  const { status } = spawnSync(process.execPath, [tsc, "-p", configPath], {
    cwd: root,
    stdio: ["ignore", 2, 2], // diagnostics on stderr: callers may silence stdout
  });
  if (status !== 0) {
    fail(`tsc failed on the ${name} (exit ${status}); npm/ is incomplete`);
  }
}

/**
 * Two rewrites tsc does not do, found by parsing (never inside strings or
 * comments), of relative `.ts` specifiers to `.js`:
 * - in JavaScript, `new URL("./entry.ts", import.meta.url)` and
 *   `import.meta.resolve("./entry.ts")`, so worker and child-process entries
 *   point at the compiled file (the build fails if there is none);
 * - in declarations, import and export specifiers, which tsc keeps as `.ts`:
 *   `.js` resolves for TypeScript consumers of every version.
 */
function rewriteEmitted(dir) {
  for (
    const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })
  ) {
    const file = path.join(entry.parentPath, entry.name);
    if (!entry.isFile() || !/\.(d\.ts|js)$/.test(file)) continue;
    const text = fs.readFileSync(file, "utf8");
    const source = ts.createSourceFile(
      file,
      text,
      ts.ScriptTarget.Latest,
      true,
    );
    const find = file.endsWith(".d.ts") ? declarationSpecifier : entryUrl;
    const literals = [];
    const visit = (node) => {
      const literal = find(node);
      if (literal && isRelativeTs(literal.text)) literals.push(literal);
      ts.forEachChild(node, visit);
    };
    visit(source);
    let rewritten = text;
    for (const literal of literals.reverse()) {
      if (find === entryUrl) checkCompiled(file, literal.text);
      const end = literal.end - 1; // the closing quote stays
      rewritten = rewritten.slice(0, end - ".ts".length) + ".js" +
        rewritten.slice(end);
    }
    if (rewritten !== text) fs.writeFileSync(file, rewritten);
  }
}

function isRelativeTs(specifier) {
  return /^\.\.?\//.test(specifier) && isTs(specifier);
}

function isImportMeta(node, name) {
  return ts.isPropertyAccessExpression(node) &&
    ts.isMetaProperty(node.expression) &&
    node.expression.keywordToken === ts.SyntaxKind.ImportKeyword &&
    node.name.text === name;
}

/** The literal of `new URL(literal, import.meta.url)` or `import.meta.resolve(literal)`. */
function entryUrl(node) {
  const newUrl = ts.isNewExpression(node) && ts.isIdentifier(node.expression) &&
    node.expression.text === "URL" && node.arguments?.length === 2 &&
    isImportMeta(node.arguments[1], "url");
  const resolve = ts.isCallExpression(node) &&
    isImportMeta(node.expression, "resolve") && node.arguments.length === 1;
  const literal = newUrl || resolve ? node.arguments[0] : undefined;
  return literal && ts.isStringLiteralLike(literal) ? literal : undefined;
}

/** The module specifier of an import, export or `import("...")` type. */
function declarationSpecifier(node) {
  if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
    const specifier = node.moduleSpecifier;
    return specifier && ts.isStringLiteral(specifier) ? specifier : undefined;
  }
  if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
    const literal = node.argument.literal;
    return ts.isStringLiteral(literal) ? literal : undefined;
  }
  return undefined;
}

function checkCompiled(file, specifier) {
  const target = path.resolve(
    path.dirname(file),
    specifier.replace(/\.ts$/, ".js"),
  );
  if (!fs.existsSync(target)) {
    const where = path.relative(outDir, file);
    fail(`${where} refers to ${specifier}, which the build did not compile`);
  }
}

/**
 * Copies the package's `.ts` sources to `src/` and points every map there:
 * tsc writes each map's sources relative to the repository's files.
 */
function copySources() {
  for (const file of sources) {
    const target = path.join(outDir, "src", file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(path.join(root, file), target);
  }
  for (const file of sources) {
    const base = path.join(outDir, file.replace(/\.ts$/, ""));
    for (const mapFile of [`${base}.js.map`, `${base}.d.ts.map`]) {
      const map = JSON.parse(fs.readFileSync(mapFile, "utf8"));
      const dir = path.dirname(mapFile);
      map.sources = map.sources.map((source) => {
        const original = path.relative(root, path.resolve(dir, source));
        const copy = path.join(outDir, "src", original);
        if (!fs.existsSync(copy)) {
          fail(`${mapFile} maps ${source}, not shipped`);
        }
        return path.relative(dir, copy).split(path.sep).join("/");
      });
      fs.writeFileSync(mapFile, JSON.stringify(map));
    }
  }
}

/**
 * `sideEffects` for bundlers: every compiled module with a top-level
 * statement that is not a declaration (a registration call, say), and every
 * subpath entry but the main one that imports such a module, directly or
 * not, so that `import "@aio/asyncio/executor"` alone still runs it.
 */
function sideEffects() {
  const graph = new Map(); // package file → the package files it imports
  const effectful = new Set();
  for (const source of sources) {
    const file = source.replace(/\.ts$/, ".js");
    const text = fs.readFileSync(path.join(outDir, file), "utf8");
    const parsed = ts.createSourceFile(file, text, ts.ScriptTarget.Latest);
    const imports = [];
    for (const statement of parsed.statements) {
      const specifier = statement.moduleSpecifier;
      if (specifier && ts.isStringLiteral(specifier)) {
        if (/^\.\.?\//.test(specifier.text)) {
          imports.push(
            path.posix.join(path.posix.dirname(file), specifier.text),
          );
        }
      } else if (!isDeclaration(statement)) {
        effectful.add(file);
      }
    }
    graph.set(file, imports);
  }
  const reaches = (file, seen = new Set()) => {
    if (effectful.has(file)) return true;
    if (seen.has(file)) return false;
    seen.add(file);
    return (graph.get(file) ?? []).some((next) => reaches(next, seen));
  };
  const entries = Object.entries(exports)
    .filter(([subpath, target]) => subpath !== "." && target.default)
    .map(([, target]) => target.default.replace(/^\.\//, ""))
    .filter((entry) => reaches(entry));
  return [...new Set([...entries, ...effectful])].sort().map((f) => `./${f}`);
}

/**
 * A top-level statement that only declares or imports, counting tsc's
 * `_a = Future;`, which names a class for its static members.
 */
function isDeclaration(statement) {
  return ts.isFunctionDeclaration(statement) ||
    ts.isClassDeclaration(statement) ||
    ts.isVariableStatement(statement) ||
    ts.isImportDeclaration(statement) ||
    ts.isExportDeclaration(statement) ||
    ts.isEmptyStatement(statement) ||
    (ts.isExpressionStatement(statement) &&
      ts.isBinaryExpression(statement.expression) &&
      statement.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      ts.isIdentifier(statement.expression.left) &&
      ts.isIdentifier(statement.expression.right));
}

/** Non-TypeScript files beside the sources (fixtures, data) travel along. */
function copyAssets(compiled) {
  const dirs = new Set(
    compiled.filter((file) => file.includes("/")).map(topLevel),
  );
  for (const dir of dirs) {
    for (const file of filesUnder(dir)) {
      if (isTs(file)) continue;
      fs.mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
      fs.copyFileSync(path.join(root, file), path.join(outDir, file));
    }
  }
  for (const name of ["README.md", "LICENSE"]) {
    if (fs.existsSync(path.join(root, name))) {
      fs.copyFileSync(path.join(root, name), path.join(outDir, name));
    } else {
      console.error(
        `build_npm: warning: ${name} is missing at the root; the package has none`,
      );
    }
  }
}

function topLevel(file) {
  return file.split("/")[0];
}

function writePackageJson() {
  const published = sources.map(topLevel);
  const files = [...new Set(published)].flatMap((name) =>
    isTs(name)
      ? [".js", ".js.map", ".d.ts", ".d.ts.map"].map((ext) =>
        name.replace(/\.ts$/, ext)
      )
      : [`${name}/`]
  );
  const dev = JSON.parse(
    fs.readFileSync(path.join(root, "package.json"), "utf8"),
  );
  const manifest = {
    name: deno.name,
    version: deno.version,
    description: moduleSummary(),
    license: deno.license,
    // Where the project lives: set once, in the repository's package.json.
    repository: dev.repository,
    homepage: dev.homepage,
    bugs: dev.bugs,
    type: "module",
    exports,
    main: exports["."]?.default,
    types: exports["."]?.types,
    sideEffects: sideEffects(),
    files: [...files, "src/", "README.md", "LICENSE"],
    engines: { node: ">=20" },
    keywords: [
      "asyncio",
      "event-loop",
      "tasks",
      "cancellation",
      "deno",
      "bun",
      "node",
    ],
  };
  fs.writeFileSync(
    path.join(outDir, "package.json"),
    JSON.stringify(manifest, null, 2) + "\n",
  );
}

/**
 * The first paragraph of mod.ts's module doc, as plain text (npm shows
 * descriptions raw): the package's one description.
 */
function moduleSummary() {
  const text = fs.readFileSync(path.join(root, "mod.ts"), "utf8");
  const doc = text.match(/\/\*\*([\s\S]*?)\*\//)?.[1] ?? "";
  const lines = doc.split("\n").map((line) =>
    line.replace(/^\s*\*\s?/, "").trim()
  );
  const start = lines.findIndex((line) => line !== "");
  const end = lines.indexOf("", start);
  return lines.slice(start, end === -1 ? undefined : end).join(" ")
    .replace(/`([^`]*)`/g, "$1");
}

function fail(message) {
  console.error(`build_npm: ${message}`);
  process.exit(1);
}
