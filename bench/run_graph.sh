#!/usr/bin/env bash
# Builds Release and runs the graph benchmarks: bulk-load throughput
# (graph_load) at 1M edges three times (the table reports each run; the
# README quotes the median), once through the log in 128k-op batches for
# comparison, and once at 10M edges; then the neighbour-scan locality
# (graph_locality). Results go to bench/results/graph_load.{md,json} and
# graph_locality.{md,json}. See bench/README.md.
#
# Environment overrides:
#   JOBS       build parallelism (default 2)
#   BENCH_DIR  parent directory for the scratch databases (default /tmp)
#   BIG_EDGES  edge count of the large run (default 10000000; 0 skips it;
#              it needs about 3.7 GB of memory)
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS="${JOBS:-2}"
BIG_EDGES="${BIG_EDGES:-10000000}"
DIR_FLAG=()
if [[ -n "${BENCH_DIR:-}" ]]; then DIR_FLAG=(--dir "$BENCH_DIR"); fi

cmake --preset release
cmake --build --preset release --parallel "$JOBS"

BIN=build/release/bench
OUT=bench/results
mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

runs=()
run() {  # NAME FLAGS...
  local name=$1
  shift
  echo "==> graph_load $name: $*"
  "$BIN/graph_load" "${DIR_FLAG[@]}" "$@" --json "$tmp/$name.json" \
    --markdown "$tmp/$name.md" >/dev/null
  runs+=("$name")
}
run 1m_bulk_1 --edges 1M --vertices 100k
run 1m_bulk_2 --edges 1M --vertices 100k
run 1m_bulk_3 --edges 1M --vertices 100k
run 1m_log --edges 1M --vertices 100k --batch_ops 131072
if [[ "$BIG_EDGES" != 0 ]]; then
  run big_bulk --edges "$BIG_EDGES" --vertices "$((BIG_EDGES / 10))"
fi

{
  echo "# Graph bulk load (bench/run_graph.sh, $(date -u +%F))"
  echo
  echo "Each section is one graph_load run. *bulk*: the default, one atomic"
  echo "ingest (kv::DB::Ingest); *log*: --batch_ops 131072, through the log"
  echo "and the memtable in batches, as before the bulk path existed."
  for name in "${runs[@]}"; do
    echo
    echo "## $name"
    echo
    tail -n +3 "$tmp/$name.md"
  done
} >"$OUT/graph_load.md"
{
  echo "["
  sep=""
  for name in "${runs[@]}"; do
    printf '%s{"run": "%s", "report": ' "$sep" "$name"
    cat "$tmp/$name.json"
    printf '}'
    sep=$',\n'
  done
  echo
  echo "]"
} >"$OUT/graph_load.json"

echo "==> graph_locality"
"$BIN/graph_locality" --json "$OUT/graph_locality.json" >"$OUT/graph_locality.md"
echo "Results: $OUT/graph_load.md, $OUT/graph_locality.md"
