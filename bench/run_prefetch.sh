#!/usr/bin/env bash
# Builds prefetch_bench (the release preset) and runs it, writing
# bench/results/prefetch_bench.{json,md}: the adaptive prefetcher, the
# executor's prefetch hints and the KV engine's physical order (interleaved
# and key-major), warm and cold, on the generated graph (200k vertex ids,
# 1M undirected edges: about 0.5 GiB on disk per order) and the LDBC SNB
# tiny set. See `prefetch_bench --help` and bench/README.md.
#
# The memory limit: run as root where the cgroup v1 memory hierarchy
# (/sys/fs/cgroup/memory) is writable, the script makes a child of its own
# memory cgroup, zverse_prefetch_bench_<pid>, sets its memory.limit_in_bytes
# to MEMORY_LIMIT_MB and passes it to prefetch_bench as --cgroup. The
# benchmark builds its databases outside it (a load needs more memory than
# the limit) and joins it before it measures, so that the generated
# database does not fit in the page cache it may use. The cgroup is removed
# at exit. Anywhere else the benchmark runs without a memory limit, and the
# script and the report say so.
#
# Environment overrides:
#   MEMORY_LIMIT_MB     the limit in MiB (default 256; 0: no cgroup)
#   BENCH_DIR           parent directory of the scratch databases (default
#                       /tmp; about 1.1 GiB at the peak)
#   JOBS                build parallelism (default 2)
#   PREFETCH_BENCH_BIN  run this binary instead of building the release
#                       preset (e.g. a build of your own)
# Arguments are passed to prefetch_bench after the script's own and win
# over them, e.g. bench/run_prefetch.sh --orders interleaved --cold_starts 50
#
# With the defaults the run takes 5 to 10 minutes on the 2-core reference
# machine, most of it in cold calls.
set -euo pipefail
cd "$(dirname "$0")/.."

MEMORY_LIMIT_MB="${MEMORY_LIMIT_MB:-256}"
JOBS="${JOBS:-2}"

BIN="${PREFETCH_BENCH_BIN:-}"
if [[ -z "$BIN" ]]; then
  if [[ ! -f build/release/build.ninja ]]; then cmake --preset release; fi
  cmake --build --preset release --parallel "$JOBS" --target prefetch_bench
  BIN=build/release/bench/prefetch_bench
fi
OUT=bench/results
mkdir -p "$OUT"

# The benchmark's databases go under a directory of the script's own, so
# that nothing is left behind even if the benchmark is killed.
scratch=$(mktemp -d "${BENCH_DIR:-/tmp}/run_prefetch.XXXXXX")
cgroup=""
# shellcheck disable=SC2317  # Invoked by the EXIT trap.
cleanup() {
  rm -rf "$scratch"
  if [[ -n "$cgroup" && -d "$cgroup" ]]; then
    # The benchmark has exited; the kernel may take a moment to let go.
    for _ in $(seq 50); do
      rmdir "$cgroup" 2>/dev/null && break
      sleep 0.1
    done
    if [[ -d "$cgroup" ]]; then
      echo "run_prefetch.sh: could not remove $cgroup" >&2
    fi
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

CGROUP_FLAG=()
memory_root=/sys/fs/cgroup/memory
if [[ "$MEMORY_LIMIT_MB" == 0 ]]; then
  echo "run_prefetch.sh: MEMORY_LIMIT_MB=0: running without a memory limit"
elif [[ $(id -u) -ne 0 ]]; then
  echo "run_prefetch.sh: not root: running without a memory limit"
elif [[ ! -f "$memory_root/memory.limit_in_bytes" ]]; then
  echo "run_prefetch.sh: no cgroup v1 memory hierarchy at $memory_root:" \
    "running without a memory limit"
else
  # A child of the cgroup this script is in, so that the limits above it
  # still hold.
  self=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3; exit}' /proc/self/cgroup)
  parent="$memory_root${self%/}"
  candidate="$parent/zverse_prefetch_bench_$$"
  if [[ -w "$parent" ]] && mkdir "$candidate" 2>/dev/null; then
    cgroup="$candidate"
    if echo $((MEMORY_LIMIT_MB * 1024 * 1024)) \
      >"$cgroup/memory.limit_in_bytes" 2>/dev/null; then
      echo "run_prefetch.sh: measuring in memory cgroup $cgroup," \
        "memory.limit_in_bytes = $(cat "$cgroup/memory.limit_in_bytes")" \
        "($MEMORY_LIMIT_MB MiB)"
      CGROUP_FLAG=(--cgroup "$cgroup")
    else
      echo "run_prefetch.sh: cannot set memory.limit_in_bytes in $cgroup:" \
        "running without a memory limit"
    fi
  else
    echo "run_prefetch.sh: $parent is not writable: running without a" \
      "memory limit"
  fi
fi

# A failed workload (a wrong count, an engine error) makes prefetch_bench
# exit 1 after writing its report.
rc=0
"$BIN" --dir "$scratch" "${CGROUP_FLAG[@]}" \
  --json "$OUT/prefetch_bench.json" --markdown "$OUT/prefetch_bench.md" \
  "$@" || rc=$?
if [[ $rc -eq 137 && ${#CGROUP_FLAG[@]} -gt 0 ]]; then
  echo "run_prefetch.sh: prefetch_bench was killed (status 137), perhaps by" \
    "the memory cgroup's OOM killer: try a larger MEMORY_LIMIT_MB" >&2
fi
exit "$rc"
