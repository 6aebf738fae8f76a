#!/usr/bin/env bash
# A tour of the ZVerse temporal key-value engine through the `zverse` CLI.
#
# Installs what is missing (scripts/setup.sh), builds the release preset, and
# plays a small story (the population of a few cities, imported with their
# historical timestamps, then updated now) in a fresh embedded database in a
# temporary directory: reads as of past times, history, scans then and now,
# a delete, stats and verify.
#
#   scripts/demo.sh            # the database is removed afterwards
#   ZVERSE_DEMO_KEEP=1 scripts/demo.sh   # keep it and print where it is
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash scripts/setup.sh
echo "==> building the release preset (build/release)"
cmake --preset release >/dev/null
cmake --build --preset release -j "${ZVERSE_JOBS:-2}" --target zverse
zverse="$root/build/release/cli/zverse"

db=$(mktemp -d "${TMPDIR:-/tmp}/zverse-demo.XXXXXX")
if [[ -n "${ZVERSE_DEMO_KEEP:-}" ]]; then
  trap 'echo; echo "The demo database is kept in $db"' EXIT
else
  trap 'rm -rf "$db"' EXIT
fi

step() { printf '\n### %s\n' "$*"; }
# Prints the command (with the database path shortened to $DB), then runs it.
# With ZV_QUIET=1 the command's own output is dropped.
# shellcheck disable=SC2016 # ('$ zverse' and '$DB' are literal text)
zv() {
  local arg line='$ zverse'
  for arg in "$@"; do
    if [[ "$arg" == "$db" ]]; then
      line+=' $DB'
    elif [[ "$arg" =~ ^[A-Za-z0-9_./:+=~-]+$ ]]; then
      line+=" $arg"
    else
      line+=" '$arg'"  # the demo's arguments hold no single quote
    fi
  done
  printf '%s\n' "$line"
  if [[ -n "${ZV_QUIET:-}" ]]; then
    "$zverse" "$@" >/dev/null
  else
    "$zverse" "$@"
  fi
}
# Microseconds since the epoch for a date that `date -d` understands.
micros() { echo "$(date -u -d "$1" +%s)000000"; }
# Adds a readable UTC time after the first (timestamp) column of each line.
readable() {
  local ts rest
  while IFS=$'\t' read -r ts rest; do
    if [[ ! "$ts" =~ ^[0-9]+$ ]]; then  # the echoed command line
      printf '%s\n' "$ts${rest:+$'\t'$rest}"
      continue
    fi
    printf '%s\t%s\t%s\n' "$ts" "$(date -u -d "@$((ts / 1000000))" +%FT%TZ)" "$rest"
  done
}

echo
echo "ZVerse demo: an embedded temporal key-value store in $db"

step "Import history: populations with the timestamps they were true at (--ts, microseconds)"
for year in 2019 2020 2021 2022 2023; do
  ts=$(micros "$year-01-01T00:00:00Z")
  case $year in
    2019) lyon=516092; nantes=309346; paris=2187526 ;;
    2020) lyon=518635; nantes=314138; paris=2165423 ;;
    2021) lyon=522250; nantes=318808; paris=2145906 ;;
    2022) lyon=520774; nantes=320732; paris=2133111 ;;
    2023) lyon=519127; nantes=323204; paris=2113705 ;;
  esac
  ZV_QUIET=1 zv put --db "$db" --ts "$ts" city/lyon "$lyon"
  ZV_QUIET=1 zv put --db "$db" --ts "$ts" city/nantes "$nantes"
  ZV_QUIET=1 zv put --db "$db" --ts "$ts" city/paris "$paris"
done
echo "(each put prints its commit timestamp, here the --ts given; not shown above)"

step "Today's figures, without --ts: the engine stamps them with the current time"
zv put --db "$db" city/paris 2102650
zv put --db "$db" city/lyon 520000
zv put --db "$db" city/marseille 873076

step "Writes into the future are refused (explicit timestamps must be <= now)"
future=$(( $(date -u +%s) + 86400 ))000000
if zv put --db "$db" --ts "$future" city/paris 9999999; then
  echo "unexpected: a future write was accepted" >&2
  exit 1
fi

step "Read the latest value, and as of past times (microseconds or ISO-8601)"
zv get --db "$db" city/paris
zv get --db "$db" --as-of "$(micros 2020-06-01T00:00:00Z)" city/paris
zv get --db "$db" --as-of 2021-06-01T12:00:00Z city/paris
zv get --db "$db" --as-of 2019-01-01 city/lyon
echo "Before the first import, the key did not exist yet:"
zv get --db "$db" --as-of 2018-12-31T23:59:59Z city/paris || echo "(not found, exit status $?)"

step "Every version of a key, newest first (TS<TAB>VALUE; a readable time added here)"
zv history --db "$db" city/paris | readable

step "Scan the range [city/, city/~) as of 2021-06-01 ..."
zv scan --db "$db" --as-of 2021-06-01T00:00:00Z city/ city/~
step "... and now (marseille only exists in the present)"
zv scan --db "$db" city/ city/~

step "Delete a key: the past stays readable, history shows the tombstone"
zv del --db "$db" city/nantes
zv get --db "$db" city/nantes || echo "(not found now, exit status $?)"
zv get --db "$db" --as-of 2022-06-01T00:00:00Z city/nantes
zv history --db "$db" city/nantes | readable

step "Bulk load: ingest reads put<TAB>KEY<TAB>VALUE and del<TAB>KEY lines from stdin"
printf 'put\tcity/nice\t342669\nput\tcity/bordeaux\t259809\ndel\tcity/lyon\n' |
  zv ingest --db "$db" --sync never
zv scan --db "$db" city/ city/~

step "Keys and values are bytes: non-printable ones are written \\xHH, both ways"
ZV_QUIET=1 zv put --db "$db" 'bin\x00key' 'tab\x09and\x0anewline'
zv scan --db "$db" bin bio

step "Statistics: so far everything sits in the log file"
zv stats --db "$db"

step "Compact: seal the log into a sorted, indexed segment (every version is kept)"
zv compact --db "$db"
zv stats --db "$db" | grep -E '^(\$ zverse|segments|log_bytes|entries) '
zv get --db "$db" --as-of 2020-06-01 city/paris

step "Verify every file's checksums, ordering and indexes"
zv verify --db "$db"

echo
echo "Demo finished."
