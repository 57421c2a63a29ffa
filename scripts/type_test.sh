#!/usr/bin/env bash
# Type tests: compiles tests/types/ with every TypeScript the package
# supports (5.6, 5.9, 6 and 7, the dev dependencies typescript-5.6,
# typescript-5.9, typescript and typescript-7) against the npm build's
# declarations, installed as a user gets them, in a strict Node project
# whose lib stops at ES2022 (Disposable comes from @types/node).
# Usage: scripts/type_test.sh [--no-build]   (--no-build: npm/ is fresh)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
compilers=(typescript-5.6 typescript-5.9 typescript typescript-7)
for compiler in "${compilers[@]}"; do
  [ -x "node_modules/$compiler/bin/tsc" ] || {
    echo "type_test: node_modules/$compiler is missing: run npm ci" >&2
    exit 1
  }
done
[ "${1:-}" = --no-build ] || node scripts/build_npm.mjs >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/node_modules/@aio"
cp -R npm "$work/node_modules/@aio/asyncio"
rm -rf "$work/node_modules/@aio/asyncio/tests" # a --tests build's extras
cp -R tests/types "$work/types"
echo '{ "private": true, "type": "module" }' >"$work/package.json"
cat >"$work/tsconfig.json" <<EOF
{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2022"],
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "exactOptionalPropertyTypes": true,
    "noUncheckedIndexedAccess": true,
    "skipLibCheck": false,
    "noEmit": true,
    "types": ["node"],
    "typeRoots": ["$repo/node_modules/@types"]
  },
  "include": ["types"]
}
EOF

# TypeScript 5 only: it types a for await over a type already iterated with
# for...of from the sync iterator; asCompleted makes that an error (TS1062).
mkdir "$work/typescript5"
cat >"$work/typescript5/for_await_after_for_of.ts" <<'EOF'
import { asCompleted, type Future } from "@aio/asyncio";

declare const results: Future<symbol>[];

export async function forAwaitAfterForOf(): Promise<void> {
  for (const next of asCompleted(results)) await next;
  // @ts-expect-error TS1062, where the futures would be typed as results
  for await (const finished of asCompleted(results)) void finished;
}
EOF
echo '{ "extends": "./tsconfig.json", "include": ["types", "typescript5"] }' \
  >"$work/tsconfig.typescript5.json"

failed=()
for compiler in "${compilers[@]}"; do
  version=$(node -p "require('./node_modules/$compiler/package.json').version")
  config=tsconfig.json
  [[ $version == 5.* ]] && config=tsconfig.typescript5.json
  if node "node_modules/$compiler/bin/tsc" -p "$work/$config"; then
    echo "types: TypeScript $version passed"
  else
    echo "types: TypeScript $version FAILED"
    failed+=("$version")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "type_test: failed on TypeScript ${failed[*]}"
  exit 1
fi
