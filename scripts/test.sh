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
    # "./" makes it a path: a bare "tests/" is a filter that also matches npm/tests/.
    bun) "$bin/bun" test --timeout 60000 ./tests/ ;;
    node)
      # Against the npm build; the files are listed, as Node 21+ reads globs, not folders.
      node scripts/build_npm.mjs --tests >/dev/null &&
        find npm/tests -name '*_test.js' -print0 | sort -z |
        xargs -0 -r node --test --test-timeout=120000
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
