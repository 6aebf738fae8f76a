#!/usr/bin/env bash
# Installs the Debian packages that building and testing ZVerse needs, and
# only those that are missing. Idempotent: prints nothing when everything is
# already installed.
#
# Run as root (or as a user with sudo) on Debian 12. Non-interactive.
#
#   scripts/setup.sh           what the build and the tests need
#   scripts/setup.sh --plots   that and python3-matplotlib, which the
#                              benchmark scripts use to draw their plots
#   scripts/setup.sh --fuzz    that and clang with libFuzzer, for the fuzz
#                              preset (fuzz/README.md)
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  libabsl-dev capnproto libcapnp-dev libboost-graph-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  liblmdb-dev librocksdb-dev libxxhash-dev libzstd-dev
)
case "${1:-}" in
  --plots) packages+=(python3-matplotlib) ;;
  --fuzz) packages+=(clang libclang-rt-14-dev) ;;
  "") ;;
  *)
    echo "setup.sh: unknown argument '$1' (known: --plots, --fuzz)" >&2
    exit 2
    ;;
esac

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "setup.sh: missing Debian packages: ${missing[*]}" >&2
  echo "setup.sh: install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
