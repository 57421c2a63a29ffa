#!/usr/bin/env bash
# Runs the whole test suite on every runtime; fails if any runtime fails.
# Usage: scripts/test.sh [deno|bun|node ...]   (default: all three)
set -uo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/deno ] && [ -x node_modules/.bin/bun ] ||
  npm ci --no-audit --no-fund >/dev/null
bin=node_modules/.bin
runtimes=("$@")
[ ${#runtimes[@]} -gt 0 ] || runtimes=(deno bun node)
failed=()
for runtime in "${runtimes[@]}"; do
  echo "=== tests on $runtime"
  case "$runtime" in
    deno) "$bin/deno" test -A --quiet tests/ ;;
    bun) "$bin/bun" test --timeout 60000 tests/ ;;
    node)
      if [ -f scripts/build_npm.mjs ]; then
        node scripts/build_npm.mjs --tests >/dev/null &&
          node --test --test-timeout=120000 npm/tests/
      else
        echo "node: the npm build does not exist yet"
      fi
      ;;
    *) echo "unknown runtime $runtime"; false ;;
  esac
  status=$?
  if [ $status -eq 0 ]; then echo "$runtime: passed"; else echo "$runtime: FAILED"; failed+=("$runtime"); fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed on: ${failed[*]}"
  exit 1
fi
echo "all runtimes passed: ${runtimes[*]}"
