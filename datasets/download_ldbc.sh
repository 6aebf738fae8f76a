#!/usr/bin/env bash
# Downloads the official LDBC data sets, for machines with internet access:
#
#   snb SF...           LDBC SNB Interactive v1 (Datagen v1.0.0), initial
#                       snapshot, CsvComposite serializer with
#                       LongDateFormatter -- the layout graph::LoadLdbcSnb
#                       (`zverse load --format ldbc-snb`) reads.
#                       SF: 0.1 0.3 1 3 10 30 100 300 1000.
#   graphalytics NAME...  LDBC Graphalytics graphs with their validation
#                       outputs (`zverse load --format graphalytics`),
#                       e.g. example-directed, wiki-Talk, cit-Patents,
#                       datagen-7_5-fb, graph500-22.
#
# Usage: datasets/download_ldbc.sh [--dir DIR] snb SF... | graphalytics NAME...
#        datasets/download_ldbc.sh --list | --help
#
# DIR (default /tmp/zverse-ldbc; keep it outside the repository) receives
#   DIR/snb/sf<SF>/{static,dynamic}/*_0_0.csv
#   DIR/graphalytics/<NAME>/<NAME>.{properties,v,e}, <NAME>-<ALGO> outputs
#
# Official sources (all archives are .tar.zst):
#   LDBC's data-set index:  https://ldbcouncil.org/data-sets-surf-repository/
#                           (source: github.com/ldbc/data-sets-surf-repository)
#   SNB Interactive v1, Datagen v1.0.0, hosted by SURF:
#     https://repository.surfsara.nl/datasets/cwi/ldbc-snb-interactive-v1-datagen-v100
#     files/social_network-sf<SF>-CsvComposite-LongDateFormatter.tar.zst
#   Graphalytics, hosted by SURF (listed on https://ldbcouncil.org/benchmarks/graphalytics/):
#     https://repository.surfsara.nl/datasets/cwi/graphalytics
#     files/graphalytics-graph-data-sets/<NAME>.tar.zst
# SURF keeps the archives on tape: a file that is not staged fails to
# download; open the repository page, press "Request" for the file, wait a
# few minutes (about 3-5 for 20 GB) and run this again.
#
# Checks: curl (or wget), zstd and tar must be installed; the download
# must be complete (the server's Content-Length; resumed if interrupted);
# `zstd -t` verifies the archive's checksums; after unpacking, an SNB data
# set must hold all 31 files with their headers, and a Graphalytics graph
# must have the vertex and edge counts LDBC publishes (for the graphs in
# the table below). LDBC publishes no checksums of the archives; if you
# have some, set SHA256SUMS=FILE ("<sha256>  <archive name>" lines) and
# they are checked too.
#
# Environment overrides:
#   SNB_BASE_URL, GRAPHALYTICS_BASE_URL   mirrors of the two file trees
#   SHA256SUMS                            see above
#   KEEP_ARCHIVES=1                       keep the .tar.zst after unpacking
set -euo pipefail

SNB_BASE_URL="${SNB_BASE_URL:-https://repository.surfsara.nl/datasets/cwi/ldbc-snb-interactive-v1-datagen-v100/files}"
GRAPHALYTICS_BASE_URL="${GRAPHALYTICS_BASE_URL:-https://repository.surfsara.nl/datasets/cwi/graphalytics/files/graphalytics-graph-data-sets}"
SNB_SCALES="0.1 0.3 1 3 10 30 100 300 1000"

# Graphalytics graphs: name vertices edges (from LDBC's index; '?' where
# the index's counts for datagen-sf3k-fb and datagen-sf10k-fb look swapped,
# so they are not checked).
GRAPHALYTICS_TABLE="
cit-Patents 3774768 16518947
com-friendster 65608366 1806067135
datagen-7_5-fb 633432 34185747
datagen-7_6-fb 754147 42162988
datagen-7_7-zf 13180508 32791267
datagen-7_8-zf 16521886 41025255
datagen-7_9-fb 1387587 85670523
datagen-8_0-fb 1706561 107507376
datagen-8_1-fb 2072117 134267822
datagen-8_2-zf 43734497 106440188
datagen-8_3-zf 53525014 130579909
datagen-8_4-fb 3809084 269479177
datagen-8_5-fb 4599739 332026902
datagen-8_6-fb 5667674 421988619
datagen-8_7-zf 145050709 340157363
datagen-8_8-zf 168308893 413354288
datagen-8_9-fb 10572901 848681908
datagen-9_0-fb 12857671 1049527225
datagen-9_1-fb 16087483 1342158397
datagen-9_2-zf 434943376 1042340732
datagen-9_3-zf 555270053 1309998551
datagen-9_4-fb 29310565 2588948669
datagen-sf3k-fb ? ?
datagen-sf10k-fb ? ?
dota-league 61170 50870313
example-directed 10 17
example-undirected 9 12
graph500-22 2396657 64155735
graph500-23 4610222 129333677
graph500-24 8870942 260379520
graph500-25 17062472 523602831
graph500-26 32804978 1051922853
graph500-27 63081040 2111642032
graph500-28 121242388 4236163958
graph500-29 232999630 8493569115
graph500-30 447797986 17022117362
kgs 832247 17891698
twitter_mpi 52579678 1963263508
wiki-Talk 2394385 5021410
"

die() {  # CODE MESSAGE...
  local code=$1
  shift
  echo "download_ldbc.sh: $*" >&2
  exit "$code"
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'
}

DIR=/tmp/zverse-ldbc
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --list)
      echo "snb scale factors: $SNB_SCALES"
      echo "graphalytics graphs (vertices edges):"
      echo "$GRAPHALYTICS_TABLE" | sed '/^$/d; s/^/  /'
      exit 0
      ;;
    --dir) [[ $# -ge 2 ]] || die 2 "--dir needs a value"; DIR=$2; shift 2 ;;
    --dir=*) DIR=${1#--dir=}; shift ;;
    -*) die 2 "unknown flag $1 (see --help)" ;;
    *) args+=("$1"); shift ;;
  esac
done
[[ ${#args[@]} -ge 2 ]] ||
  die 2 "expected 'snb SF...' or 'graphalytics NAME...' (see --help)"
kind=${args[0]}
items=("${args[@]:1}")

case "$kind" in
  snb)
    for sf in "${items[@]}"; do
      [[ " $SNB_SCALES " == *" ${sf#sf} "* ]] ||
        die 2 "unknown SNB scale factor '$sf' (one of: $SNB_SCALES)"
    done
    ;;
  graphalytics)
    for g in "${items[@]}"; do
      grep -q "^$g " <<<"$GRAPHALYTICS_TABLE" ||
        die 2 "unknown Graphalytics graph '$g' (see --list)"
    done
    ;;
  *) die 2 "unknown data set kind '$kind': expected snb or graphalytics" ;;
esac

# Tools.
if command -v curl >/dev/null 2>&1; then
  fetcher=curl
elif command -v wget >/dev/null 2>&1; then
  fetcher=wget
else
  die 1 "needs curl or wget to download (install one of them)"
fi
command -v zstd >/dev/null 2>&1 || die 1 "needs zstd to unpack .tar.zst archives (apt-get install zstd)"
command -v tar >/dev/null 2>&1 || die 1 "needs tar"
sha_tool=""
if [[ -n "${SHA256SUMS:-}" ]]; then
  [[ -r "$SHA256SUMS" ]] || die 1 "SHA256SUMS=$SHA256SUMS is not readable"
  command -v sha256sum >/dev/null 2>&1 || die 1 "SHA256SUMS needs sha256sum"
  sha_tool=sha256sum
fi

# Reachability first, so that an offline machine gets one clear message.
probe_url() {  # URL -> 0 if the server answers
  if [[ $fetcher == curl ]]; then
    curl --silent --head --location --max-time 20 --output /dev/null "$1"
  else
    wget --quiet --spider --timeout=20 --tries=1 "$1"
  fi
}

download() {  # URL FILE; resumes a partial FILE, fails on HTTP errors
  local url=$1 file=$2
  echo "==> downloading $url"
  if [[ $fetcher == curl ]]; then
    curl --fail --location --retry 3 --continue-at - --output "$file" "$url"
  else
    wget --continue --tries=3 --output-document="$file" "$url"
  fi
}

verify_archive() {  # FILE
  local file=$1 name
  name=$(basename "$file")
  if [[ -n $sha_tool ]]; then
    local want
    want=$(awk -v n="$name" '$2 == n || $2 == "*"n {print $1}' "$SHA256SUMS")
    if [[ -n $want ]]; then
      local got
      got=$(sha256sum "$file" | awk '{print $1}')
      [[ $got == "$want" ]] || die 1 "$file: sha256 $got, expected $want"
      echo "    sha256 ok"
    else
      echo "    (no sha256 for $name in $SHA256SUMS)"
    fi
  fi
  echo "==> checking $file (zstd -t)"
  zstd -q -t "$file" || die 1 "$file is corrupt or incomplete (zstd -t failed); delete it and retry"
}

case "$kind" in
  snb) probe="$SNB_BASE_URL/" ;;
  *) probe="$GRAPHALYTICS_BASE_URL/" ;;
esac
host=$(sed -E 's#^[a-z]+://([^/]+).*#\1#' <<<"$probe")
probe_url "$probe" ||
  die 1 "cannot reach $host (offline, or a proxy/firewall blocks it). This script needs internet access; without it, generate a similar data set with datasets/generate_snb.sh (zverse_snbgen)."

SNB_FILES="static/organisation_0_0.csv static/place_0_0.csv static/tag_0_0.csv
static/tagclass_0_0.csv static/organisation_isLocatedIn_place_0_0.csv
static/place_isPartOf_place_0_0.csv static/tag_hasType_tagclass_0_0.csv
static/tagclass_isSubclassOf_tagclass_0_0.csv dynamic/person_0_0.csv
dynamic/forum_0_0.csv dynamic/post_0_0.csv dynamic/comment_0_0.csv
dynamic/person_isLocatedIn_place_0_0.csv dynamic/person_knows_person_0_0.csv
dynamic/person_hasInterest_tag_0_0.csv dynamic/person_likes_post_0_0.csv
dynamic/person_likes_comment_0_0.csv dynamic/person_studyAt_organisation_0_0.csv
dynamic/person_workAt_organisation_0_0.csv dynamic/forum_hasModerator_person_0_0.csv
dynamic/forum_hasMember_person_0_0.csv dynamic/forum_hasTag_tag_0_0.csv
dynamic/forum_containerOf_post_0_0.csv dynamic/post_hasCreator_person_0_0.csv
dynamic/post_isLocatedIn_place_0_0.csv dynamic/post_hasTag_tag_0_0.csv
dynamic/comment_hasCreator_person_0_0.csv dynamic/comment_isLocatedIn_place_0_0.csv
dynamic/comment_replyOf_post_0_0.csv dynamic/comment_replyOf_comment_0_0.csv
dynamic/comment_hasTag_tag_0_0.csv"

# Unpacks ARCHIVE into a scratch directory beside DEST, then moves the
# directory that holds MARKER (a relative path) to DEST.
unpack() {  # ARCHIVE DEST MARKER
  local archive=$1 dest=$2 marker=$3 scratch found
  scratch=$(mktemp -d "$dest.unpack-XXXXXX")
  echo "==> unpacking into $dest"
  if ! tar -x -C "$scratch" --use-compress-program=unzstd -f "$archive"; then
    rm -rf "$scratch"
    die 1 "cannot unpack $archive"
  fi
  found=$(find "$scratch" -path "*/$marker" -print -quit)
  if [[ -z $found ]]; then
    rm -rf "$scratch"
    die 1 "$archive does not hold $marker"
  fi
  local root=${found%/"$marker"}
  rm -rf "$dest"
  mv "$root" "$dest"
  rm -rf "$scratch"
}

for item in "${items[@]}"; do
  if [[ $kind == snb ]]; then
    sf=${item#sf}
    name="social_network-sf$sf-CsvComposite-LongDateFormatter.tar.zst"
    url="$SNB_BASE_URL/$name"
    dest="$DIR/snb/sf$sf"
    marker=dynamic/person_0_0.csv
  else
    name="$item.tar.zst"
    url="$GRAPHALYTICS_BASE_URL/$name"
    dest="$DIR/graphalytics/$item"
    marker="$item.properties"
  fi
  mkdir -p "$(dirname "$dest")"
  archive="$(dirname "$dest")/$name"
  download "$url" "$archive" ||
    die 1 "download of $url failed; if SURF reports the file offline, stage it first (see --help) and run this again ($archive is kept and resumed)"
  verify_archive "$archive"
  unpack "$archive" "$dest" "$marker"

  if [[ $kind == snb ]]; then
    for f in $SNB_FILES; do
      [[ -f "$dest/$f" ]] || die 1 "$dest/$f is missing"
    done
    echo "    31 files present; load with: zverse load --db DB --format ldbc-snb $dest"
  else
    read -r _ want_v want_e < <(grep "^$item " <<<"$GRAPHALYTICS_TABLE")
    got_v=$(wc -l <"$dest/$item.v")
    got_e=$(wc -l <"$dest/$item.e")
    if [[ $want_v != "?" ]]; then
      [[ $got_v -eq $want_v ]] || die 1 "$dest/$item.v: $got_v vertices, LDBC lists $want_v"
      [[ $got_e -eq $want_e ]] || die 1 "$dest/$item.e: $got_e edges, LDBC lists $want_e"
    fi
    echo "    $got_v vertices, $got_e edges; load with: zverse load --db DB --format graphalytics $dest/$item.properties"
  fi
  [[ "${KEEP_ARCHIVES:-0}" == 1 ]] || rm -f "$archive"
done
echo "Done: $DIR"
