#!/usr/bin/env bash
# Builds zverse_snbgen (Release preset) and generates a scale curve of
# LDBC-SNB-like data sets, one directory per size, into DIR (default
# /tmp/zverse-snb; keep it outside the repository):
#
#   DIR/persons-10000/    static/ dynamic/  (csv_composite-longdateformatter)
#   DIR/persons-30000/
#   DIR/persons-100000/
#
# Each is what `zverse load --format ldbc-snb DIR/persons-N` reads. The
# generator is deterministic: the same sizes and SEED give the same bytes.
# At 100K persons expect 2.4M knows pairs, 3M messages, 0.6 GB and about
# 4 s; the default curve takes about 10 s after the build and 0.8 GB. An existing size directory from an earlier run is replaced.
#
# Usage: datasets/generate_snb.sh [DIR]
#
# Environment overrides:
#   SIZES  comma-separated person counts (default 10000,30000,100000;
#          suffixes k and M work: 10k,1M)
#   SEED   generator seed (default 1)
#   JOBS   build parallelism (default 2)
set -euo pipefail

case "${1:-}" in
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac

OUT_DIR="${1:-/tmp/zverse-snb}"
SIZES="${SIZES:-10000,30000,100000}"
SEED="${SEED:-1}"
JOBS="${JOBS:-2}"

out_abs=$(realpath -m "$OUT_DIR")  # Before the cd: relative to the caller.
cd "$(dirname "$0")/.."
repo=$(pwd -P)
case "$out_abs/" in
  "$repo"/*)
    echo "generate_snb.sh: $OUT_DIR is inside the repository; generated data" \
      "belongs outside it (e.g. /tmp/zverse-snb)" >&2
    exit 2
    ;;
esac
mkdir -p "$out_abs"

cmake --preset release
cmake --build --preset release --target zverse_snbgen --parallel "$JOBS"
BIN=build/release/datasets/zverse_snbgen

IFS=',' read -r -a sizes <<<"$SIZES"
for n in "${sizes[@]}"; do
  # The directory name spells the count out (10k -> 10000).
  count=$n
  case "$n" in
    *[kK]) count=$((${n%?} * 1000)) ;;
    *[mM]) count=$((${n%?} * 1000000)) ;;
  esac
  dir="$out_abs/persons-$count"
  echo "==> zverse_snbgen --persons $count --seed $SEED --out $dir"
  "$BIN" --persons "$count" --seed "$SEED" --out "$dir" --force --quiet
done
echo "Data sets: $out_abs/persons-{$(IFS=,; echo "${sizes[*]}")}"
du -sh "$out_abs"/persons-* 2>/dev/null || true
