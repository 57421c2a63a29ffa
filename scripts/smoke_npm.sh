#!/usr/bin/env bash
# Smoke test of the npm package as a user gets it: build, `npm pack`, install
# the tarball into a fresh project, import every subpath from plain Node ESM,
# compile a TypeScript consumer (nodenext) against the shipped types, check
# require(), sideEffects and the maps, and print the import time.
# Needs no network: the package has no dependencies and the tarball is local.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
node scripts/build_npm.mjs >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(cd npm && npm pack --silent --pack-destination "$work")
consumer="$work/consumer"
mkdir "$consumer"
cd "$consumer"
echo '{ "name": "consumer", "private": true, "type": "module" }' >package.json
npm install --silent --no-audit --no-fund --offline "$work/$tarball"

# Every subpath the package exports (but its package.json).
subpaths=$(node -e '
  const { exports } = JSON.parse(require("fs").readFileSync("node_modules/@aio/asyncio/package.json", "utf8"));
  for (const key of Object.keys(exports)) if (key !== "./package.json") console.log(key.replace(/^\./, "@aio/asyncio"));
')
[ -n "$subpaths" ] || { echo "smoke: the package exports nothing"; exit 1; }

# Plain Node ESM: every subpath imports, and the core works.
{
  for specifier in $subpaths; do
    echo "await import(\"$specifier\");"
  done
  cat <<'EOF'
import assert from "node:assert/strict";
import { createTask, Future, run, sleep, Task } from "@aio/asyncio";
import * as loop from "@aio/asyncio/loop";
assert.equal(typeof Future, "function");
assert.equal(typeof Task, "function");
assert.equal(loop.run, run);
const result = await run(async () => {
  const task = createTask(() => sleep(0.001, 21));
  return 2 * await task;
});
assert.equal(result, 42);
// The worker entry must resolve to the compiled .js inside the installed package.
const { toThread } = await import("@aio/asyncio/executor");
assert.equal(await run(() => toThread((a, b) => a + b, 20, 22)), 42);
console.log("smoke: plain ESM imports, run() and a worker job work");
EOF
} >plain.mjs
node plain.mjs

# TypeScript consumer: types resolve (a wrong call must be a type error).
{
  i=0
  for specifier in $subpaths; do
    echo "import * as entry$i from \"$specifier\";"
    echo "console.log(\"$specifier\", Object.keys(entry$i).length > 0);"
    i=$((i + 1))
  done
  cat <<'EOF'
import { createTask, Future, run, sleep, type Task } from "@aio/asyncio";

const value: number = await run(async () => {
  const task: Task<number> = createTask(() => sleep(0.001, 21));
  const future: Future<number> = task;
  return 2 * await future;
});
// @ts-expect-error run() takes a function, not a number: proves the types are not `any`
const misuse = () => run(42);
console.log("smoke: TypeScript consumer", value, typeof misuse);
EOF
} >consumer.ts
# A Node project: @types/node (the repository's copy, so no download).
cat >tsconfig.json <<EOF
{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2022"],
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "types": ["node"],
    "typeRoots": ["$repo/node_modules/@types"]
  },
  "files": ["consumer.ts"]
}
EOF
node "$repo/node_modules/typescript/bin/tsc" -p tsconfig.json
node consumer.js >/dev/null
echo "smoke: TypeScript consumer compiles (nodenext) and runs"

# require(): loads the ES modules where Node can (20.19+); where it cannot,
# Node's own error says to use import().
cat >required.cjs <<'EOF'
const asyncio = require("@aio/asyncio");
require("node:assert/strict").equal(typeof asyncio.run, "function");
EOF
off=() # Node before 20.19 cannot require() ES modules at all
if [ "$(node -p 'process.features.require_module === true')" = true ]; then
  node required.cjs
  off=(--no-experimental-require-module)
fi
if node "${off[@]}" required.cjs 2>require.err; then
  echo "smoke: require() worked with require(esm) off"
  exit 1
fi
grep -q "ERR_REQUIRE_ESM" require.err && grep -q "import()" require.err || {
  echo "smoke: require() without require(esm) fails unclearly:"
  cat require.err
  exit 1
}
echo "smoke: require() works; without require(esm) it says to use import()"

# sideEffects, source maps and declaration maps, checked on the installed files.
node --input-type=module - <<'EOF'
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
const dir = "node_modules/@aio/asyncio";
const manifest = JSON.parse(fs.readFileSync(`${dir}/package.json`, "utf8"));
const { sideEffects } = manifest;
assert.ok(Array.isArray(sideEffects), "sideEffects must list the modules");
for (const file of sideEffects) assert.ok(fs.existsSync(path.join(dir, file)), file);
assert.ok(!sideEffects.includes("./mod.js"), "the main entry must be free of side effects");
const files = fs.readdirSync(dir, { recursive: true }).map(String)
  .filter((file) => !file.startsWith("src"));
const registering = files.filter((file) => file.endsWith(".js") &&
  /^setDefaultExecutorFactory\(/m.test(fs.readFileSync(path.join(dir, file), "utf8")));
assert.ok(registering.length > 0, "no module registers the default executor");
for (const file of registering) assert.ok(sideEffects.includes(`./${file}`), file);
let maps = 0;
for (const file of files.filter((f) => /\.(js|d\.ts)$/.test(f))) {
  const map = JSON.parse(fs.readFileSync(path.join(dir, `${file}.map`), "utf8"));
  for (const source of map.sources) {
    const shipped = path.join(dir, path.dirname(file), source);
    assert.ok(shipped.startsWith(`${dir}/src/`) && fs.existsSync(shipped), `${file}: ${source}`);
  }
  maps++;
}
assert.ok(/^[^`*_\[]*$/.test(manifest.description), "description has markdown");
for (const key of ["repository", "homepage", "bugs"]) {
  if (!manifest[key]) console.log(`smoke: warning: no "${key}" (set it in the repository's package.json)`);
}
console.log(`smoke: sideEffects ${sideEffects.join(" ")}; ${maps} maps, each to a shipped .ts source`);
EOF

# What importing an entry costs on this Node: the modules it loads, counted
# by a load hook (exact), and the median time of fresh processes (printed,
# not judged: it depends on the machine), beside a one-line module's, the
# loader's own cost. ./sync must stay clear of the network and worker
# built-ins, so a program that needs only the primitives never loads them.
# The hooks run on their own thread: a file written synchronously loses nothing.
echo 'import fs from "node:fs"; export async function load(url, context, next) { fs.appendFileSync(process.env.LOADED, `${url}\n`); return next(url, context); }' >count_hooks.mjs
echo 'import { register } from "node:module"; register("./count_hooks.mjs", import.meta.url);' >count.mjs
echo 'export const one = 1;' >one.mjs
for specifier in @aio/asyncio @aio/asyncio/sync ./one.mjs; do
  : >loaded.txt
  LOADED=loaded.txt node --import ./count.mjs --input-type=module -e "await import('$specifier');"
  modules=$(grep -c '/node_modules/@aio/asyncio/' loaded.txt || true)
  builtins=$(sed -n 's/^node://p' loaded.txt | sort -u | tr '\n' ' ')
  if [ "$specifier" = @aio/asyncio/sync ] &&
    echo " $builtins" | grep -qE ' (net|tls|dgram|dns|worker_threads|child_process) '; then
    echo "smoke: $specifier loads a network or worker built-in: $builtins"
    exit 1
  fi
  # The main entry loads the socket, TLS, UDP, DNS and pipe adapters, the
  # connection and server code and the worker program on first use, not at
  # import.
  lazy='/(internal/(socket|tls|udp|dns|pipe)_host|loop/(create_(connection|server)|socket_(setup|transport))|executor/worker_main)\.js$'
  if [ "$specifier" = @aio/asyncio ] && grep -qE "$lazy" loaded.txt; then
    echo "smoke: $specifier loads at import what it should load on first use:"
    grep -E "$lazy" loaded.txt
    exit 1
  fi
  median=$(for _ in 1 2 3 4 5 6 7; do
    node --input-type=module -e "const t = performance.now(); await import('$specifier'); console.log((performance.now() - t).toFixed(1));"
  done | sort -n | sed -n 4p)
  echo "smoke: import(\"$specifier\") takes $median ms on Node $(node --version) (median of 7): $modules package modules, built-ins: ${builtins:-none}"
done
echo "smoke: passed ($tarball, subpaths: $(echo $subpaths | tr '\n' ' '))"
