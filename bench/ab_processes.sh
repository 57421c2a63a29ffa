#!/usr/bin/env bash
# Before/after, one checkout per process: runs bench/ab_sockets.ts (the
# byte rows S1, S2, T1, T2, P1, P2) or bench/ab.ts (the engine rows W1, W2,
# W3, W4, W9) for each checkout in turn, REPS times. A byte row prints its
# ratios to the runtime's own sockets (wall, then CPU), an engine row its
# fastest round and its CPU ms per round, one column per run. With two
# checkouts in one process the one that ran first in a row was up to 1.4x
# slower on S1 than the other, whichever it was; apart, each pays only for
# itself.
# Usage: bench/ab_processes.sh deno|bun|node ROWS REPS CHECKOUT...
#   bench/ab_processes.sh bun P1,S1 5 /tmp/before .
#   bench/ab_processes.sh node W1,W2 5 /tmp/before .
#   AB_OPTIONS=--lived-in bench/ab_processes.sh node W1,W2 5 /tmp/before .
# AB_OPTIONS comes before each script's default options, which it can
# override (bench/ab.ts explains --lived-in).
# Node runs this checkout's npm build of the script (node
# scripts/build_npm.mjs --tests) on each checkout's npm build of the library
# (node scripts/build_npm.mjs).
set -euo pipefail
[ $# -ge 4 ] || { sed -n 2,18p "$0"; exit 2; }
runtime=$1 rows=$2 reps=$3
shift 3
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$here/node_modules/.bin
case ,$rows in
  *,W*,[!W]* | *,[!W]*,W*) echo "ROWS: engine rows (W...) and byte rows in separate runs" >&2; exit 2 ;;
  ,W*) script=ab defaults=(--rounds 11) ;;
  *) script=ab_sockets defaults=(--rounds 7 --scale 2) ;;
esac
# shellcheck disable=SC2206 # AB_OPTIONS is split into words on purpose.
options=(${AB_OPTIONS:-} "${defaults[@]}")
run_one() {
  case $runtime in
    deno) "$bin/deno" run -A "$here/bench/$script.ts" "$1" --only "$rows" "${options[@]}" ;;
    bun) "$bin/bun" "$here/bench/$script.ts" "$1" --only "$rows" "${options[@]}" ;;
    node) node "$here/npm/bench/$script.js" "$1" --only "$rows" "${options[@]}" ;;
    *) echo "unknown runtime $runtime" >&2; exit 2 ;;
  esac
}
for _ in $(seq "$reps"); do
  for checkout in "$@"; do
    name=$(basename "$(cd "$checkout" && pwd)")
    # A byte row's line ends "(1.23x wall, 1.25x cpu)", an engine row's is
    # "W1: NAME MIN / MEDIAN / MEAN, CPU MS": keep row, checkout, two figures.
    run_one "$checkout" 2>&1 | sed -nE \
      -e "s|^([A-Z][0-9]):.*\(([0-9.]+)x wall, ([0-9.]+)x cpu\).*|\1 $name \2 \3|p" \
      -e "s|^(W[0-9]): [^ ]+ ([0-9.]+) / [0-9.]+ / [0-9.]+, CPU ([0-9.]+)$|\1 $name \2 \3|p"
  done
done | awk -v engine="${rows:0:1}" '
  { key = $1 " " $2; first[key] = first[key] " " $3; second[key] = second[key] " " $4 }
  END {
    a = engine == "W" ? "min ms:" : "wall:"; b = engine == "W" ? "cpu ms:" : "cpu:"
    for (key in first) print key " " a first[key] "  " b second[key]
  }' | sort
