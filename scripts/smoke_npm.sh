#!/usr/bin/env bash
# Smoke test of the npm package as a user gets it: build, `npm pack`, install
# the tarball into a fresh project, import every subpath from plain Node ESM,
# and compile a TypeScript consumer (nodenext) against the shipped types.
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
echo "smoke: passed ($tarball, subpaths: $(echo $subpaths | tr '\n' ' '))"
