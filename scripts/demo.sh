#!/usr/bin/env bash
# A tour of ZVerse through the `zverse` CLI.
#
# Installs what is missing (scripts/setup.sh) and builds the release preset.
# Part 1, the graph: loads the LDBC SNB Interactive "tiny" social network
# (../shared/datasets, or $ZVERSE_DATASETS) into an embedded database with
# each record's creation date as its version time, then shows a person's
# friends of friends now and as of an earlier date, PageRank's top 10 on both
# snapshots, traversals in the query syntax, LDBC reads, and what changed in
# between. Part 2, the temporal key-value
# engine underneath: a small story (the population of a few cities, imported
# with their historical timestamps, then updated now): reads as of past
# times, history, scans then and now, a delete, stats and verify.
#
#   scripts/demo.sh            # the databases are removed afterwards
#   ZVERSE_DEMO_KEEP=1 scripts/demo.sh   # keep them and print where they are
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash scripts/setup.sh
echo "==> building the release preset (build/release)"
cmake --preset release >/dev/null
cmake --build --preset release -j "${ZVERSE_JOBS:-2}" --target zverse
zverse="$root/build/release/cli/zverse"

work=$(mktemp -d "${TMPDIR:-/tmp}/zverse-demo.XXXXXX")
db="$work/kv"
gdb="$work/social"
if [[ -n "${ZVERSE_DEMO_KEEP:-}" ]]; then
  trap 'echo; echo "The demo databases are kept in $work"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi

step() { printf '\n### %s\n' "$*"; }
# Prints the command (with the database paths shortened to $DB, $GRAPH and
# $LDBC) on stderr, so that pipes see only its output, then runs it. ZV_PIPE
# is shown after the command (the rest of the pipeline). With ZV_QUIET=1 the
# command's own output is dropped.
# shellcheck disable=SC2016 # ('$ zverse' and '$DB' are literal text)
zv() {
  local arg line='$ zverse'
  for arg in "$@"; do
    if [[ "$arg" == "$db" ]]; then
      line+=' $DB'
    elif [[ "$arg" == "$gdb" ]]; then
      line+=' $GRAPH'
    elif [[ "$arg" == "$ldbc" ]]; then
      line+=' $LDBC'
    elif [[ "$arg" =~ ^[A-Za-z0-9_./:+=~-]+$ ]]; then
      line+=" $arg"
    else
      line+=" '$arg'"  # the demo's arguments hold no single quote
    fi
  done
  printf '%s%s\n' "$line" "${ZV_PIPE:+ $ZV_PIPE}" >&2
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


# ---------------------------------------------------------------------------
# Part 1: the temporal graph.

datasets=${ZVERSE_DATASETS:-$root/../shared/datasets}
ldbc="$datasets/ldbc-snb/interactive-v1-tiny/csv_composite-longdateformatter"
# Prints "ID<TAB>first last" for each vertex id on stdin ("ID VALUE" lines
# keep their value in front).
names() {
  local id value props
  while read -r id value; do
    props=$("$zverse" vertex --db "$gdb" "$id" | tr '\t' '\n')
    printf '%s\t%s %s%s\n' "$id" \
      "$(grep '^firstName=' <<<"$props" | cut -d= -f2)" \
      "$(grep '^lastName=' <<<"$props" | cut -d= -f2)" \
      "${value:+$'\t'$value}"
  done
}

echo
if [[ ! -d "$ldbc" ]]; then
  echo "ZVerse demo, part 1 skipped: the LDBC SNB tiny data set is not at"
  echo "  $ldbc"
  echo "(set ZVERSE_DATASETS to the folder that holds ldbc-snb/)."
else
  echo "ZVerse demo, part 1: a temporal social network in $gdb"
  echo "(\$LDBC is $ldbc)"

  step "Load every entity and relationship; each version carries its creationDate"
  zv load --db "$gdb" --format ldbc-snb "$ldbc"

  person=4398046511333
  then=2010-07-01
  step "Person $person, and when the record was created"
  ZV_PIPE='| cut -f1-6' zv vertex --db "$gdb" "$person" | cut -f1-6
  step "Friends (knows, one hop) now: how many, and the first five"
  ZV_PIPE='| wc -l' zv neighbors --db "$gdb" --label knows "$person" | wc -l
  ZV_PIPE='| head -5' zv neighbors --db "$gdb" --label knows \
    --show firstName,lastName "$person" | head -5
  step "Friends of friends (exactly two hops) now, and as of $then"
  ZV_PIPE='| wc -l' zv neighbors --db "$gdb" --label knows --hops 2 "$person" | wc -l
  ZV_PIPE='| wc -l' zv neighbors --db "$gdb" --label knows --hops 2 \
    --as-of "$then" "$person" | wc -l
  echo "The first five as of $then:"
  ZV_PIPE='| head -5' zv neighbors --db "$gdb" --label knows --hops 2 \
    --as-of "$then" --show firstName,lastName "$person" | head -5

  step "PageRank over Person -knows-> Person, top 10 now (vertex, name, rank)"
  ZV_PIPE='| sort -k2 -g -r | head -10' \
    zv algo --db "$gdb" pr --label Person --edge-label knows --iterations 20 \
    | sort -k2 -g -r | head -10 | names
  step "... and as of $then: the network was smaller, the ranking differs"
  ZV_PIPE='| sort -k2 -g -r | head -10' \
    zv algo --db "$gdb" pr --label Person --edge-label knows --iterations 20 \
    --as-of "$then" | sort -k2 -g -r | head -10 | names

  step "A traversal in the query syntax: friends of friends named Jan, now"
  zv query --db "$gdb" --header \
    "V($person).out(knows).out(knows).dedup().except($person).has(firstName, \"Jan\").values(id, firstName, lastName)"
  step "... and who was within 3 hops as of $then (count by distance)"
  ZV_PIPE='| cut -d"|" -f2 | sort | uniq -c' zv query --db "$gdb" \
    --as-of "$then" "V($person).repeat(both, knows, 1, 3).values(id, distance)" |
    cut -d'|' -f2 | sort | uniq -c
  step "LDBC SNB reads: IS3 (friends, newest first) now, and IC13 (shortest path)"
  ZV_PIPE='| head -3' zv ldbc --db "$gdb" --header is3 "$person" | head -3
  zv ldbc --db "$gdb" ic13 "$person" 8796093022390
  echo "(as of $then:)"
  zv ldbc --db "$gdb" --as-of "$then" ic13 "$person" 8796093022390

  step "What changed between $then and 2010-08-01 (counts by kind)"
  ZV_PIPE='| cut -f1,2 | sort | uniq -c' zv diff --db "$gdb" "$then" 2010-08-01 |
    cut -f1,2 | sort | uniq -c
  step "Export the friendships as of 2010-02-01 as Graphviz (first lines)"
  ZV_PIPE='| head -6' zv export --db "$gdb" --format graphviz --label knows \
    --as-of 2010-02-01 | head -6
fi

# ---------------------------------------------------------------------------
# Part 2: the temporal key-value engine.

echo
echo "ZVerse demo, part 2: the temporal key-value engine in $db"

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
ZV_PIPE='| readable' zv history --db "$db" city/paris | readable

step "Scan the range [city/, city/~) as of 2021-06-01 ..."
zv scan --db "$db" --as-of 2021-06-01T00:00:00Z city/ city/~
step "... and now (marseille only exists in the present)"
zv scan --db "$db" city/ city/~

step "Delete a key: the past stays readable, history shows the tombstone"
zv del --db "$db" city/nantes
zv get --db "$db" city/nantes || echo "(not found now, exit status $?)"
zv get --db "$db" --as-of 2022-06-01T00:00:00Z city/nantes
ZV_PIPE='| readable' zv history --db "$db" city/nantes | readable

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
ZV_PIPE="| grep -E '^(segments|log_bytes|entries) '" zv stats --db "$db" |
  grep -E '^(segments|log_bytes|entries) '
zv get --db "$db" --as-of 2020-06-01 city/paris

step "Verify every file's checksums, ordering and indexes"
zv verify --db "$db"

echo
echo "Demo finished."
