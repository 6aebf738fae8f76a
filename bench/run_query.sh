#!/usr/bin/env bash
# Builds Release and runs query_bench with its defaults (a generated graph of
# 200k vertex ids and 1M undirected edges; the LDBC SNB tiny set from
# ../shared/datasets or $ZVERSE_DATASETS), writing
# bench/results/query_bench.{md,json}. See bench/README.md.
#
# Environment overrides:
#   JOBS             build parallelism (default 2)
#   BENCH_DIR        parent directory for the scratch databases (default /tmp)
#   QUERY_BENCH_FLAGS  extra flags, e.g. "--edges 4M --cold_starts 50"
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-2}"
DIR_FLAG=()
if [[ -n "${BENCH_DIR:-}" ]]; then DIR_FLAG=(--dir "$BENCH_DIR"); fi
cmake --preset release
cmake --build --preset release --parallel "$JOBS"
mkdir -p bench/results
# shellcheck disable=SC2086
build/release/bench/query_bench "${DIR_FLAG[@]}" ${QUERY_BENCH_FLAGS:-} \
  --json bench/results/query_bench.json \
  --markdown bench/results/query_bench.md
