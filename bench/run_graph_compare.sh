#!/usr/bin/env bash
# Builds graph_compare (the release preset), runs it on generated
# LDBC-SNB-like data at 10K, 30K and 100K persons on ZVerse, LMDB and
# RocksDB with the in-memory CSR as the floor, and draws the plots:
#
#   bench/results/graph_compare.{json,md}
#   bench/results/graph_compare-latency.png   latency per backend (100K)
#   bench/results/graph_compare-scaling.png   cost against graph size
#
# See `graph_compare --help` and bench/README.md. The plots need Debian's
# python3-matplotlib (scripts/setup.sh --plots installs it; without it the
# script says so and writes the tables only).
#
# Environment overrides:
#   BENCH_DIR  parent of the scratch data and databases (default /tmp; the
#              100K size takes about 25 GB at the peak, one backend's
#              database and the data set at a time)
#   JOBS       build parallelism (default 2)
#   GRAPH_COMPARE_BIN  run this binary instead of building the release preset
#   OUT        report prefix (default bench/results/graph_compare)
# Arguments are passed to graph_compare and win over the defaults, e.g.
#   bench/run_graph_compare.sh --persons 10k --calls 100
#
# With the defaults the run takes about an hour on the 2-core reference
# machine, most of it in the peers' loads at 100K persons.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-2}"
OUT="${OUT:-bench/results/graph_compare}"
BIN="${GRAPH_COMPARE_BIN:-}"
if [[ -z "$BIN" ]]; then
  if [[ ! -f build/release/build.ninja ]]; then cmake --preset release; fi
  cmake --build --preset release --parallel "$JOBS" --target graph_compare
  BIN=build/release/bench/graph_compare
fi
DIR_FLAG=()
if [[ -n "${BENCH_DIR:-}" ]]; then DIR_FLAG=(--dir "$BENCH_DIR"); fi
mkdir -p "$(dirname "$OUT")"
"$BIN" "${DIR_FLAG[@]}" --json "$OUT.json" --markdown "$OUT.md" "$@"
if /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
  /usr/bin/python3 bench/plot_graph_compare.py "$OUT.json" "$OUT"
else
  echo "run_graph_compare.sh: no python3-matplotlib (scripts/setup.sh --plots" \
       "installs it): tables only" >&2
fi
