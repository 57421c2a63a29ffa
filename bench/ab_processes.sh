#!/usr/bin/env bash
# Before/after of the byte rows, one checkout per process: runs
# bench/ab_sockets.ts for each checkout in turn, REPS times, and prints each
# row's ratios to the runtime's own sockets (wall, then CPU), one column per
# run. With two checkouts in one process the one that ran first in a row was
# up to 1.4x slower on S1 than the other, whichever it was; apart, each
# pays only for itself.
# Usage: bench/ab_processes.sh deno|bun|node ROWS REPS CHECKOUT...
#   bench/ab_processes.sh bun P1,S1 5 /tmp/before .
# Node runs each checkout's npm build (node scripts/build_npm.mjs --tests).
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,10p "$0"; exit 2; }
runtime=$1 rows=$2 reps=$3
shift 3
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$here/node_modules/.bin
run_one() {
  case $runtime in
    deno) "$bin/deno" run -A "$here/bench/ab_sockets.ts" "$1" --only "$rows" --rounds 7 --scale 2 ;;
    bun) "$bin/bun" "$here/bench/ab_sockets.ts" "$1" --only "$rows" --rounds 7 --scale 2 ;;
    node) node "$1/npm/bench/ab_sockets.js" "$1" --only "$rows" --rounds 7 --scale 2 ;;
    *) echo "unknown runtime $runtime" >&2; exit 2 ;;
  esac
}
for _ in $(seq "$reps"); do
  for checkout in "$@"; do
    name=$(basename "$(cd "$checkout" && pwd)")
    # A row's line ends "(1.23x wall, 1.25x cpu)": keep row, checkout, both.
    run_one "$checkout" 2>&1 | sed -nE \
      "s|^([A-Z][0-9]):.*\(([0-9.]+)x wall, ([0-9.]+)x cpu\).*|\1 $name \2 \3|p"
  done
done | awk '{ key = $1 " " $2; wall[key] = wall[key] " " $3; cpu[key] = cpu[key] " " $4 }
  END { for (key in wall) print key " wall:" wall[key] "  cpu:" cpu[key] }' | sort
