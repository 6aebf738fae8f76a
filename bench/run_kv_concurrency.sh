#!/usr/bin/env bash
# Builds Release and runs kv_concurrency: reader scaling, durable writers
# (group commit), batched loads and read latency during writes and
# compaction, on ZVerse with LMDB and RocksDB as peers; then kv_background
# (the background compaction's CPU share at steady state). Writes
# bench/results/kv_concurrency.{json,md} and kv_background.{json,md}. See
# bench/README.md.
#
# Environment overrides:
#   KEYS      keys of the read database (default 1000000)
#   THREADS   reader thread counts (default 1,2; e.g. 1,2,4,8,16 on a bigger
#             machine)
#   WRITERS   writer thread counts (default 1,2,3,4)
#   POINT_SECONDS  duration of every timed point (default 2; not SECONDS,
#             which bash sets itself)
#   JOBS      build parallelism (default 2)
#   BENCH_DIR parent directory for the databases (default: a fresh /tmp dir)
#   KV_CONCURRENCY_FLAGS  extra flags (e.g. "--repetitions 5")
#   KV_CONCURRENCY_BIN    run this binary instead of building the release
#                         preset (e.g. a build of your own)
#   KV_BACKGROUND_BIN     likewise for kv_background
#   BG_SECONDS            length of each kv_background run (default 60)
#
# With the defaults (1M keys, 2 s a point, 3 repetitions) the run takes
# about 4 to 5 minutes on the 2-core reference machine, plus 2 minutes of
# kv_background.
set -euo pipefail
cd "$(dirname "$0")/.."

KEYS="${KEYS:-1000000}"
THREADS="${THREADS:-1,2}"
WRITERS="${WRITERS:-1,2,3,4}"
POINT_SECONDS="${POINT_SECONDS:-2}"
JOBS="${JOBS:-2}"
DIR_FLAG=()
if [[ -n "${BENCH_DIR:-}" ]]; then DIR_FLAG=(--dir "$BENCH_DIR"); fi

BIN="${KV_CONCURRENCY_BIN:-}"
if [[ -z "$BIN" ]]; then
  cmake --preset release
  cmake --build --preset release --parallel "$JOBS" --target kv_concurrency \
    kv_background
  BIN=build/release/bench/kv_concurrency
fi
BG_BIN="${KV_BACKGROUND_BIN:-$(dirname "$BIN")/kv_background}"
OUT=bench/results
mkdir -p "$OUT"

# A failed point (an engine error or a wrong value) makes kv_concurrency exit
# non-zero after writing its report.
# shellcheck disable=SC2086
"$BIN" --keys "$KEYS" --load_keys "$KEYS" --threads "$THREADS" \
  --writers "$WRITERS" --seconds "$POINT_SECONDS" "${DIR_FLAG[@]}" \
  ${KV_CONCURRENCY_FLAGS:-} \
  --json "$OUT/kv_concurrency.json" --markdown "$OUT/kv_concurrency.md"

# The background compaction at steady state: its CPU share and read latency,
# against the same run with it off (BG_SECONDS a run, default 60).
"$BG_BIN" --seconds "${BG_SECONDS:-60}" "${DIR_FLAG[@]}" \
  --json "$OUT/kv_background.json" --markdown "$OUT/kv_background.md"
