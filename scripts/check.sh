#!/usr/bin/env bash
# Formatting, lint, type-check and doc lint of every public entry point, and
# the type tests of the npm build with every supported TypeScript.
set -euo pipefail
cd "$(dirname "$0")/.."
deno=node_modules/.bin/deno
entries=$(ls mod.ts */mod.ts)
"$deno" fmt --check
"$deno" lint
"$deno" check $entries tests/ examples/ bench/
"$deno" run --allow-read scripts/check_layers.ts
"$deno" doc --lint $entries
# Every example in every source file, not only the modules' own: a symbol's
# JSDoc example lives beside the symbol. The worker's entry runs on import.
sources=$(find internal loop tasks sync executor streams subprocess testing \
  -name '*.ts' ! -name worker_main.ts | sort)
"$deno" test -A --doc --quiet mod.ts $sources >/dev/null
bash scripts/type_test.sh
echo "check: clean"
