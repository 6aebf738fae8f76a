#!/usr/bin/env bash
# Builds ZVerse and runs the default test suite (tests labelled slow or stress
# are left out; see CMakePresets.json).
#
#   scripts/test.sh [--preset NAME] [--all] [CTEST_ARGS...]
#
# The preset is one of release (default), debug, asan or tsan; it may also be set
# with ZVERSE_PRESET=asan. --all (or ZVERSE_TEST_ALL=1) keeps the slow and
# stress tests in. Extra arguments go to ctest, e.g.
#   scripts/test.sh -R Interleave      # only matching tests
#   scripts/test.sh --all -L slow      # only the slow tests
# Exits with ctest's status.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

preset=${ZVERSE_PRESET:-release}
jobs=${ZVERSE_JOBS:-2}
all=${ZVERSE_TEST_ALL:-}
ctest_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset) preset=${2:?--preset needs a name}; shift 2 ;;
    --preset=*) preset=${1#--preset=}; shift ;;
    --all) all=1; shift ;;
    *) ctest_args+=("$1"); shift ;;
  esac
done

bash scripts/setup.sh

echo "==> configure ($preset)"
cmake --preset "$preset"
echo "==> build ($preset)"
cmake --build --preset "$preset" -j "$jobs"
echo "==> test ($preset)"
if [[ -n "$all" ]]; then
  # The test presets exclude the labels slow and stress, and a -L given with
  # a preset only narrows that; run from the build directory instead.
  exec ctest --test-dir "build/$preset" --output-on-failure -j "$jobs" \
    "${ctest_args[@]}"
fi
exec ctest --preset "$preset" "${ctest_args[@]}"
