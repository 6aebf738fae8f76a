#!/usr/bin/env bash
# Builds Release and runs kv_stream: large values (16 MiB, the overflow area)
# read from cache through ZVerse's stream (OpenValue + Read) and Get, against
# LMDB and RocksDB (default options and with blob files); write times,
# compression, the memory of one read. Writes bench/results/kv_stream.json
# and kv_stream.md. See bench/README.md.
#
# Environment overrides:
#   TOTAL_MB  MiB of values per variant (default 1024: 64 values of 16 MiB)
#   JOBS      build parallelism (default 2)
#   BENCH_DIR parent directory for the databases (default: a fresh /tmp dir)
#   KV_STREAM_FLAGS  extra flags (e.g. "--repetitions 5 --engines zverse")
#   KV_STREAM_BIN    run this binary instead of building the release preset
#                    (e.g. a build of your own)
#
# With the defaults (2 variants x 1 GiB, 4 engines, 3 writes and 3 read
# passes each) the run takes about 2 minutes on the 2-core reference machine.
# One database exists at a time: about 1.1 GiB on disk at the peak. Besides
# the mapped database files, the process holds under 200 MiB (the floor's
# sample of 8 values).
set -euo pipefail
cd "$(dirname "$0")/.."

TOTAL_MB="${TOTAL_MB:-1024}"
JOBS="${JOBS:-2}"
DIR_FLAG=()
if [[ -n "${BENCH_DIR:-}" ]]; then DIR_FLAG=(--dir "$BENCH_DIR"); fi

BIN="${KV_STREAM_BIN:-}"
if [[ -z "$BIN" ]]; then
  cmake --preset release
  cmake --build --preset release --parallel "$JOBS" --target kv_stream
  BIN=build/release/bench/kv_stream
fi
OUT=bench/results
mkdir -p "$OUT"

# A failed read (an engine error or a wrong value) makes kv_stream exit
# non-zero after writing its report.
# shellcheck disable=SC2086
"$BIN" --total_mb "$TOTAL_MB" "${DIR_FLAG[@]}" ${KV_STREAM_FLAGS:-} \
  --json "$OUT/kv_stream.json" --markdown "$OUT/kv_stream.md"
