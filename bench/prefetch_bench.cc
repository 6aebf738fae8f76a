// prefetch_bench: what the adaptive prefetcher (kv::Options::
// adaptive_prefetch), the traversal executor's prefetch hints
// (query::TraversalOptions::prefetch, kv::Snapshot::Prefetch) and the
// physical order of the KV engine's segments (kv::Options::physical_order)
// do to read latency, warm and above all cold.
//
// Databases: for each physical order (interleaved, key-major) the same
// generated graph (bench/query_workloads.h: power-law-ish, undirected,
// stored both ways) and the LDBC SNB Interactive v1 tiny set (if present),
// each loaded and compacted with that order set, so every segment has it.
//
// Workloads:
//   khop2, khop3   V(s).repeat(out, 1, k).count() from random start vertices,
//                  every count checked against a BFS on a Boost CSR of the
//                  same edges (a mismatch fails the workload)
//   is1 ... is7, ic1, ic2, ic9, ic13
//                  the LDBC reads (query/ldbc.h), parameters from the
//                  substitution files (IC) and the data (IS); every call's
//                  row count must be the same in every mode and order
//
// Modes (run-time switches on the same open database):
//   off             adaptive off, hints off
//   hints           adaptive off, executor hints on
//   adaptive        adaptive on,  hints off
//   adaptive+hints  adaptive on,  hints on
// Locality statistics (kv::DB::SetLocalityStats) are on in every mode, so
// the hit ratio is measured with the prefetcher off too.
//
// Method: for each call index i, every mode runs call i once, in an order
// that rotates with i, so that drift of a noisy machine hits all modes
// alike and every mode sees the same start vertices and parameters. Cold:
// kv::DB::DropCaches before every call (not timed); warm: one untimed pass
// (prefetching off) first. Counters are kv::Stats deltas around each call.
// bench/run_prefetch.sh measures inside a memory cgroup smaller than the
// generated database (--cgroup), joined after the databases are built (a
// load needs more memory than the limit).

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "bench/bench_util.h"
#include "bench/query_workloads.h"
#include "graph/graph_db.h"
#include "graph/loader.h"
#include "kv/db.h"
#include "kv/env.h"
#include "kv/status_macros.h"
#include "query/ldbc.h"
#include "query/traversal.h"

namespace zverse::bench {
namespace {

constexpr const char* kHelp = R"(
prefetch_bench: the adaptive prefetcher, the executor's prefetch hints
and the KV engine's physical order, warm and cold.

Usage: prefetch_bench [flags]

For each physical order, builds the generated graph (and the LDBC SNB tiny
set, if present) in a fresh database, loaded and compacted with that order.
Then for each workload, cache (warm, cold) and mode it times the same calls
(start vertices, parameters), the modes interleaved call by call in rotating
order. Cold: kv::DB::DropCaches before every call (not timed). Warm: one
untimed pass first; under a memory limit smaller than the database
(bench/run_prefetch.sh sets one), warm is as warm as the limit allows.
With the defaults a run takes 5 to 10 minutes on 2 cores, most of it in
cold calls (about 0.2 s for khop2, 0.35 s for khop3, 0.03 s for an LDBC
read).

Modes (switched at run time on the same database; locality statistics on in
all, so the hit ratio is measured with the prefetcher off too):
  off             adaptive prefetcher off, executor hints off
  hints           adaptive off, executor hints on (TraversalOptions::prefetch
                  and kv::DB::SetPrefetchHints)
  adaptive        adaptive on (kv::DB::SetAdaptivePrefetch), hints off
  adaptive+hints  both on

Reported per (order, workload, cache, mode): median and p99 latency; hit
ratio (sampled accesses whose page was already resident, mincore); accuracy
(prefetched pages touched / pages prefetched; pages still pending count as
unused); pages prefetched, bytes advised and time in the locality manager
per call. Ratios: cold off/(adaptive+hints) (goal >= 2x on khop3), warm
(adaptive+hints)/hints (goal: no slowdown), key-major/interleaved per mode.

Flags ("--flag value" or "--flag=value"; counts take k/M suffixes):
  --vertices N      generated graph: vertex ids [0, N) (default 200k)
  --edges M         generated graph: undirected edges, stored both ways
                    (default 1M: about 0.5 GiB on disk per order)
  --seed X          generator and sampling seed (42)
  --orders LIST     physical orders, from interleaved,key-major (default
                    both; key_major and keymajor are accepted too)
  --workloads LIST  from khop1..khop9, is1..is7, ic1, ic2, ic9, ic13; 'ldbc'
                    stands for the eleven LDBC reads, 'all' for
                    khop2,khop3,ldbc (the default)
  --caches LIST     from warm,cold (default both)
  --modes LIST      from off,hints,adaptive,adaptive+hints (default all)
  --starts S        k-hop calls per mode, warm (100)
  --cold_starts C   k-hop calls per mode, cold (40)
  --calls Q         LDBC calls per read and mode, warm (100)
  --cold_calls D    LDBC calls per read and mode, cold (25)
  --dir DIR         parent of the scratch directory holding the databases
                    (/tmp); removed at the end
  --ldbc DIR        the LDBC tiny set's csv_composite-longdateformatter
                    folder (default: under $ZVERSE_DATASETS or
                    ../shared/datasets); 'none' skips the LDBC reads
  --cgroup DIR      a cgroup directory (v1 memory or v2) whose cgroup.procs
                    this process joins once the databases are built, before
                    anything is measured (bench/run_prefetch.sh makes one
                    with a memory limit); without it, no limit is set
  --json FILE       write every measurement as JSON
  --markdown FILE   write the report (also printed)
  --help            this text

Exit status: 0; 1 if a workload failed (a wrong k-hop count or LDBC row
count, an engine error) or a report could not be written; 2 for bad flags.
)";

struct Mode {
  const char* name;
  bool adaptive;
  bool hints;
};
constexpr Mode kModes[] = {{"off", false, false},
                           {"hints", false, true},
                           {"adaptive", true, false},
                           {"adaptive+hints", true, true}};
constexpr size_t kOff = 0, kHints = 1, kAdaptive = 2, kBoth = 3;

struct Order {
  const char* name;
  kv::Options::PhysicalOrder order;
};
constexpr Order kOrders[] = {
    {"interleaved", kv::Options::PhysicalOrder::kInterleaved},
    {"key-major", kv::Options::PhysicalOrder::kKeyMajor}};

constexpr const char* kLdbcNames[] = {"is1", "is2", "is3", "is4",
                                      "is5", "is6", "is7", "ic1",
                                      "ic2", "ic9", "ic13"};

struct Config {
  uint64_t vertices = 200'000;
  uint64_t edges = 1'000'000;
  uint64_t seed = 42;
  std::vector<size_t> orders = {0, 1};  // Indexes into kOrders.
  std::vector<std::string> workloads;   // khopK and LDBC names, lower case.
  std::vector<bool> caches = {false, true};  // cold?
  std::vector<size_t> modes = {kOff, kHints, kAdaptive, kBoth};
  uint64_t starts = 100;
  uint64_t cold_starts = 40;
  uint64_t calls = 100;
  uint64_t cold_calls = 25;
  std::string dir = "/tmp";
  std::string ldbc;
  std::string cgroup;
  std::string json_path;
  std::string markdown_path;
};

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "prefetch_bench: %s\n", s.ToString().c_str());
  return 1;
}

void Log(const std::string& line) {
  std::fprintf(stderr, "[prefetch_bench] %s\n", line.c_str());
}

// --- Flags -------------------------------------------------------------------

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    out.push_back(absl::AsciiStrToLower(absl::StripAsciiWhitespace(part)));
  }
  return out;
}

// k of "khopK" (1..9), or 0 if `name` is not a k-hop workload.
int KHopDepth(const std::string& name) {
  if (name.size() != 5 || !absl::StartsWith(name, "khop")) return 0;
  const char d = name[4];
  return d >= '1' && d <= '9' ? d - '0' : 0;
}

bool IsLdbcName(const std::string& name) {
  return std::find(std::begin(kLdbcNames), std::end(kLdbcNames), name) !=
         std::end(kLdbcNames);
}

absl::StatusOr<std::vector<std::string>> ParseWorkloads(
    const std::string& text) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& w) {
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  };
  for (const std::string& w : SplitList(text)) {
    if (w == "all" || w == "ldbc") {
      if (w == "all") {
        add("khop2");
        add("khop3");
      }
      for (const char* l : kLdbcNames) add(l);
    } else if (KHopDepth(w) > 0 || IsLdbcName(w)) {
      add(w);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "--workloads: unknown workload '", w,
          "' (known: khop1..khop9, ", absl::StrJoin(kLdbcNames, ","),
          ", ldbc, all)"));
    }
  }
  if (out.empty()) return absl::InvalidArgumentError("--workloads is empty");
  return out;
}

absl::StatusOr<std::vector<size_t>> ParseOrders(const std::string& text) {
  std::vector<size_t> out;
  for (const std::string& o : SplitList(text)) {
    size_t i;
    if (o == "interleaved") {
      i = 0;
    } else if (o == "key-major" || o == "key_major" || o == "keymajor") {
      i = 1;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "--orders: unknown physical order '", o,
          "' (known: interleaved, key-major)"));
    }
    if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
  }
  if (out.empty()) return absl::InvalidArgumentError("--orders is empty");
  return out;
}

absl::StatusOr<std::vector<size_t>> ParseModes(const std::string& text) {
  std::vector<size_t> out;
  for (const std::string& m : SplitList(text)) {
    size_t i = 0;
    while (i < std::size(kModes) && m != kModes[i].name) ++i;
    if (i == std::size(kModes)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--modes: unknown mode '", m,
          "' (known: off, hints, adaptive, adaptive+hints)"));
    }
    if (std::find(out.begin(), out.end(), i) == out.end()) out.push_back(i);
  }
  if (out.empty()) return absl::InvalidArgumentError("--modes is empty");
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::vector<bool>> ParseCaches(const std::string& text) {
  std::vector<bool> out;
  for (const std::string& c : SplitList(text)) {
    if (c != "warm" && c != "cold") {
      return absl::InvalidArgumentError(
          absl::StrCat("--caches: unknown cache '", c,
                       "' (known: warm, cold)"));
    }
    const bool cold = c == "cold";
    if (std::find(out.begin(), out.end(), cold) == out.end()) {
      out.push_back(cold);
    }
  }
  if (out.empty()) return absl::InvalidArgumentError("--caches is empty");
  std::sort(out.begin(), out.end());  // Warm first.
  return out;
}

// Fills `c` from the command line; *help is set for --help.
absl::Status ParseFlags(int argc, char** argv, Config* c, bool* help) {
  FlagParser flags(argc, argv);
  std::string workloads = "all";
  while (flags.Next()) {
    if (flags.flag() == "--help" || flags.flag() == "-h") {
      *help = true;
      return absl::OkStatus();
    }
    ZVERSE_ASSIGN_OR_RETURN(const std::string value, flags.Value());
    uint64_t* count = flags.flag() == "--vertices"      ? &c->vertices
                      : flags.flag() == "--edges"       ? &c->edges
                      : flags.flag() == "--seed"        ? &c->seed
                      : flags.flag() == "--starts"      ? &c->starts
                      : flags.flag() == "--cold_starts" ? &c->cold_starts
                      : flags.flag() == "--calls"       ? &c->calls
                      : flags.flag() == "--cold_calls"  ? &c->cold_calls
                                                        : nullptr;
    if (count != nullptr) {
      absl::StatusOr<uint64_t> n = ParseCount(value);
      if (!n.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat(flags.flag(), ": ", n.status().message()));
      }
      *count = *n;
    } else if (flags.flag() == "--orders") {
      ZVERSE_ASSIGN_OR_RETURN(c->orders, ParseOrders(value));
    } else if (flags.flag() == "--modes") {
      ZVERSE_ASSIGN_OR_RETURN(c->modes, ParseModes(value));
    } else if (flags.flag() == "--caches") {
      ZVERSE_ASSIGN_OR_RETURN(c->caches, ParseCaches(value));
    } else if (flags.flag() == "--workloads") {
      workloads = value;
    } else if (flags.flag() == "--dir") {
      c->dir = value;
    } else if (flags.flag() == "--ldbc") {
      c->ldbc = value;
    } else if (flags.flag() == "--cgroup") {
      c->cgroup = value;
    } else if (flags.flag() == "--json") {
      c->json_path = value;
    } else if (flags.flag() == "--markdown") {
      c->markdown_path = value;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag ", flags.flag()));
    }
  }
  ZVERSE_ASSIGN_OR_RETURN(c->workloads, ParseWorkloads(workloads));
  if (c->vertices == 0 || c->edges == 0) {
    return absl::InvalidArgumentError("--vertices and --edges must be > 0");
  }
  for (bool cold : c->caches) {
    const bool zero = cold ? (c->cold_starts == 0 || c->cold_calls == 0)
                           : (c->starts == 0 || c->calls == 0);
    if (zero) {
      return absl::InvalidArgumentError(absl::StrCat(
          cold ? "--cold_starts and --cold_calls" : "--starts and --calls",
          " must be > 0 when the ", cold ? "cold" : "warm",
          " cache is measured"));
    }
  }
  return absl::OkStatus();
}

// --- The machine and its memory cgroup -------------------------------------

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The memory cgroup this process is in, from /proc/self/cgroup.
struct MemoryCgroup {
  std::string version;  // "v1", "v2" or "" (no memory controller found).
  std::string path;     // Inside the hierarchy, "/" for the root.
  std::string dir;      // Its directory under /sys/fs/cgroup.
  // The smallest memory limit of it and its ancestors (the one in force).
  std::optional<uint64_t> limit;
  std::string limit_at;  // The cgroup that sets it.
};

// A limit file's value; nullopt for none ("max", or v1's huge default).
std::optional<uint64_t> ReadLimit(const std::string& file) {
  const std::string text =
      std::string(absl::StripAsciiWhitespace(ReadFirstLine(file)));
  uint64_t v = 0;
  if (text.empty() || text == "max" || !absl::SimpleAtoi(text, &v) ||
      v >= (uint64_t{1} << 62)) {
    return std::nullopt;
  }
  return v;
}

MemoryCgroup ReadMemoryCgroup() {
  MemoryCgroup cg;
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  std::string v2_path;
  while (std::getline(in, line)) {
    std::vector<std::string> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3) continue;
    if (f[1].empty() && f[0] == "0") {
      v2_path = f[2];
      continue;
    }
    for (absl::string_view c : absl::StrSplit(f[1], ',')) {
      if (c == "memory") {
        cg.version = "v1";
        cg.path = f[2];
      }
    }
  }
  std::string root;
  std::string limit_file;
  if (cg.version == "v1") {
    root = "/sys/fs/cgroup/memory";
    limit_file = "memory.limit_in_bytes";
  } else if (!v2_path.empty()) {
    cg.version = "v2";
    cg.path = v2_path;
    root = std::ifstream("/sys/fs/cgroup/cgroup.controllers")
               ? "/sys/fs/cgroup"
               : "/sys/fs/cgroup/unified";
    limit_file = "memory.max";
  } else {
    return cg;
  }
  cg.dir = root + (cg.path == "/" ? "" : cg.path);
  // Walk up: a parent's limit binds its children too.
  std::string p = cg.path;
  while (true) {
    const std::string d = root + (p == "/" ? "" : p);
    std::optional<uint64_t> l = ReadLimit(d + "/" + limit_file);
    if (l && (!cg.limit || *l < *cg.limit)) {
      cg.limit = l;
      cg.limit_at = p;
    }
    if (p == "/" || p.empty()) break;
    const size_t slash = p.rfind('/');
    p = slash == 0 ? "/" : p.substr(0, slash);
  }
  return cg;
}

std::string DescribeCgroup(const MemoryCgroup& cg) {
  if (cg.version.empty()) return "no memory cgroup found in /proc/self/cgroup";
  const bool in_cgroup = cg.path != "/" && !cg.path.empty();
  return absl::StrCat(
      in_cgroup ? "in memory cgroup " : "in the root memory cgroup ",
      cg.version, " ", cg.path, "; memory limit: ",
      cg.limit ? absl::StrCat(FormatBytes(*cg.limit), " (set at ",
                              cg.limit_at, ")")
               : std::string("none"));
}

uint64_t MemTotalBytes() {
  std::ifstream in("/proc/meminfo");
  std::string name;
  uint64_t kib = 0;
  std::string unit;
  while (in >> name >> kib >> unit) {
    if (name == "MemTotal:") return kib * 1024;
  }
  return 0;
}

// A number in a cgroup file; for a "key value" file, the value of `key`.
std::optional<uint64_t> ReadCgroupNumber(const std::string& file,
                                         const std::string& key = "") {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (!key.empty() && !absl::ConsumePrefix(&text, key + " ")) continue;
    uint64_t v = 0;
    if (absl::SimpleAtoi(text, &v)) return v;
    return std::nullopt;
  }
  return std::nullopt;
}

// Moves this process into the cgroup at `dir`.
absl::Status JoinCgroup(const std::string& dir) {
  const std::string procs = dir + "/cgroup.procs";
  std::ofstream out(procs);
  out << ::getpid() << '\n';
  out.close();
  if (!out) {
    return absl::PermissionDeniedError(absl::StrCat(
        "cannot join cgroup ", dir, ": writing ", procs,
        " failed (run as root; the directory must be a cgroup)"));
  }
  return absl::OkStatus();
}

// --- Databases ---------------------------------------------------------------

graph::GraphOptions DbOptions(const Order& order) {
  graph::GraphOptions options;
  options.kv.sync_mode = kv::SyncMode::kNever;
  // One explicit compaction after the load; nothing may merge or rewrite
  // segments while the modes are measured.
  options.kv.background_compaction = false;
  options.kv.physical_order = order.order;
  options.kv.adaptive_prefetch = false;
  options.kv.prefetch_hints = true;
  options.kv.locality_stats = true;
  return options;
}

struct Database {
  std::string order;
  std::string graph;  // "generated" or "ldbc".
  std::string path;
  uint64_t disk_bytes = 0;
  double load_s = 0;
  double compact_s = 0;
  uint64_t segments = 0;
  uint64_t key_major_segments = 0;
  uint64_t entries = 0;
};

// Opens a fresh database at `path` with `order`, runs `load`, compacts,
// runs `after` (may be empty) on it, closes it.
absl::StatusOr<Database> BuildDatabase(
    const std::string& path, const Order& order, const std::string& graph,
    const std::function<absl::Status(graph::GraphDb*)>& load,
    const std::function<absl::Status(graph::GraphDb*)>& after) {
  Database d;
  d.order = order.name;
  d.graph = graph;
  d.path = path;
  ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<graph::GraphDb> db,
                          graph::GraphDb::Open(path, DbOptions(order)));
  Stopwatch load_time;
  ZVERSE_RETURN_IF_ERROR(load(db.get()));
  d.load_s = load_time.Seconds();
  Stopwatch compact_time;
  ZVERSE_RETURN_IF_ERROR(db->kv()->Compact());
  ZVERSE_RETURN_IF_ERROR(db->kv()->Sync());
  d.compact_s = compact_time.Seconds();
  const kv::Stats st = db->kv()->GetStats();
  d.segments = st.segments;
  d.key_major_segments = st.key_major_segments;
  d.entries = st.entries;
  const uint64_t want_key_major =
      order.order == kv::Options::PhysicalOrder::kKeyMajor ? d.segments : 0;
  if (d.key_major_segments != want_key_major) {
    Log(absl::StrFormat(
        "WARNING: %s database %s: %d of %d segments are key-major; the "
        "physical order was not applied to all of them",
        order.name, path, d.key_major_segments, d.segments));
  }
  if (after) ZVERSE_RETURN_IF_ERROR(after(db.get()));
  ZVERSE_RETURN_IF_ERROR(db->Close());
  db.reset();
  d.disk_bytes = DirectoryDiskBytes(path);
  return d;
}

// --- Measurement -------------------------------------------------------------

// The kv::Stats counters whose deltas are kept per mode.
struct CounterField {
  const char* name;
  uint64_t kv::Stats::*field;
};
constexpr CounterField kCounters[] = {
    {"resident_samples", &kv::Stats::resident_samples},
    {"resident_hits", &kv::Stats::resident_hits},
    {"prefetched_pages", &kv::Stats::prefetched_pages},
    {"prefetch_used_pages", &kv::Stats::prefetch_used_pages},
    {"prefetch_expired_pages", &kv::Stats::prefetch_expired_pages},
    {"adaptive_predictions", &kv::Stats::adaptive_predictions},
    {"adaptive_prefetch_bytes", &kv::Stats::adaptive_prefetch_bytes},
    {"adaptive_hits", &kv::Stats::adaptive_hits},
    {"adaptive_sequential", &kv::Stats::adaptive_sequential},
    {"adaptive_frontier", &kv::Stats::adaptive_frontier},
    {"adaptive_suppressed", &kv::Stats::adaptive_suppressed},
    {"prefetch_queued", &kv::Stats::prefetch_queued},
    {"prefetch_skipped", &kv::Stats::prefetch_skipped},
    {"sequential_advice", &kv::Stats::sequential_advice},
    {"cold_advised_bytes", &kv::Stats::cold_advised_bytes},
    {"locality_records", &kv::Stats::locality_records},
    {"locality_nanos", &kv::Stats::locality_nanos},
    {"prefetch_calls", &kv::Stats::prefetch_calls},
    {"prefetch_ranges", &kv::Stats::prefetch_ranges},
    {"prefetch_bytes", &kv::Stats::prefetch_bytes},
};

void AddDelta(const kv::Stats& before, const kv::Stats& after,
              kv::Stats* sum) {
  for (const CounterField& c : kCounters) {
    // Counters only grow; a wrap would mean a reset, counted as 0.
    const uint64_t b = before.*c.field, a = after.*c.field;
    sum->*c.field += a >= b ? a - b : 0;
  }
}

// One (order, workload, cache, mode).
struct Cell {
  std::string order;
  std::string workload;
  std::string graph;
  std::string cache;
  size_t mode = 0;  // Index into kModes.
  Timing timing;
  kv::Stats counters;  // Deltas of kCounters summed over the timed calls.
  double seconds = 0;  // The cell's share of the wall time, timed calls only.
  std::string error;

  double PerCall(uint64_t v) const {
    return timing.calls > 0
               ? static_cast<double>(v) / static_cast<double>(timing.calls)
               : std::nan("");
  }
  double HitRatio() const {
    return counters.resident_samples > 0
               ? static_cast<double>(counters.resident_hits) /
                     static_cast<double>(counters.resident_samples)
               : std::nan("");
  }
  double Accuracy() const {
    return counters.prefetched_pages > 0
               ? static_cast<double>(counters.prefetch_used_pages) /
                     static_cast<double>(counters.prefetched_pages)
               : std::nan("");
  }
};

void ApplyMode(graph::GraphDb* db, const Mode& m,
               query::TraversalOptions* options) {
  db->kv()->SetAdaptivePrefetch(m.adaptive);
  db->kv()->SetPrefetchHints(m.hints);
  options->prefetch = m.hints;
}

// Times calls [0, n) of `call` in each of `modes`, interleaved: call i runs
// in every mode, in the order modes rotated by i. Fills one Cell per mode
// (timing and counters).
absl::Status MeasureModes(graph::GraphDb* db, bool cold, uint64_t n,
                          const WorkloadCall& call,
                          const std::vector<size_t>& modes,
                          std::vector<Cell>* cells) {
  ZVERSE_ASSIGN_OR_RETURN(graph::GraphSnapshot snap, db->GetSnapshot());
  db->kv()->SetLocalityStats(true);
  query::TraversalOptions options;
  if (!cold) {
    ApplyMode(db, kModes[kOff], &options);
    for (uint64_t i = 0; i < n; ++i) {
      ZVERSE_RETURN_IF_ERROR(call(snap, options, i));
    }
  }
  const size_t m = modes.size();
  std::vector<std::vector<double>> seconds(m);
  for (uint64_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < m; ++j) {
      const size_t slot = (i + j) % m;
      ApplyMode(db, kModes[modes[slot]], &options);
      if (cold) ZVERSE_RETURN_IF_ERROR(db->kv()->DropCaches());
      const kv::Stats before = db->kv()->GetStats();
      ZVERSE_ASSIGN_OR_RETURN(
          double s, TimeCall(db, snap, options, /*cold=*/false, call, i));
      // Hints still being resolved belong to this call, not the next one
      // (untimed: what the call returned without is not its latency).
      db->kv()->WaitForHints();
      const kv::Stats after = db->kv()->GetStats();
      AddDelta(before, after, &(*cells)[slot].counters);
      seconds[slot].push_back(s);
    }
  }
  for (size_t j = 0; j < m; ++j) {
    double total = 0;
    for (double s : seconds[j]) total += s;
    (*cells)[j].seconds = total;
    (*cells)[j].timing = Summarize(std::move(seconds[j]));
  }
  return absl::OkStatus();
}

// --- Report ------------------------------------------------------------------

std::string Fixed(double v, int digits = 1) {
  return std::isfinite(v) ? absl::StrFormat("%.*f", digits, v)
                          : std::string("—");
}
std::string Ratio(double v) {
  return std::isfinite(v) ? absl::StrFormat("%.2f×", v) : std::string("—");
}
std::string Percent(double v) {
  return std::isfinite(v) ? absl::StrFormat("%.1f %%", 100 * v)
                          : std::string("—");
}

class Results {
 public:
  void Add(Cell c) { cells_.push_back(std::move(c)); }
  const std::vector<Cell>& cells() const { return cells_; }

  // The cell measured, or nullptr (not measured, or failed).
  const Cell* Find(const std::string& order, const std::string& workload,
                   const std::string& cache, size_t mode) const {
    for (const Cell& c : cells_) {
      if (c.order == order && c.workload == workload && c.cache == cache &&
          c.mode == mode) {
        return c.error.empty() && c.timing.calls > 0 ? &c : nullptr;
      }
    }
    return nullptr;
  }

  // median(a) / median(b); NaN where either is missing.
  double MedianRatio(const Cell* a, const Cell* b) const {
    if (a == nullptr || b == nullptr || b->timing.median_us <= 0) {
      return std::nan("");
    }
    return a->timing.median_us / b->timing.median_us;
  }

  bool AnyFailed() const {
    for (const Cell& c : cells_) {
      if (!c.error.empty()) return true;
    }
    return false;
  }

 private:
  std::vector<Cell> cells_;
};

struct RunInfo {
  std::string machine;
  int nproc = 0;
  uint64_t read_ahead = 0;  // kv::Env::ReadAheadBytes of the scratch dir.
  uint64_t mem_total = 0;
  std::string cgroup_at_start;
  std::string cgroup_measured;
  std::optional<uint64_t> limit_measured;
  bool joined_cgroup = false;
  std::string load_average;
  std::string ldbc_note;  // Why the LDBC reads were skipped, if they were.
  // The joined cgroup's peak memory usage and how often it hit its limit
  // (v1: memory.max_usage_in_bytes, memory.failcnt; v2: memory.peak and
  // the "max" event).
  std::optional<uint64_t> cgroup_peak;
  std::optional<uint64_t> cgroup_limit_hits;
  std::vector<Database> databases;
  double seconds = 0;
  uint64_t peak_rss = 0;  // VmHWM after the builds.
};

std::vector<std::string> OrderNames(const Config& c) {
  std::vector<std::string> out;
  for (size_t o : c.orders) out.push_back(kOrders[o].name);
  return out;
}

std::string GraphOf(const std::string& workload) {
  return KHopDepth(workload) > 0 ? "generated" : "ldbc";
}

// The workloads that were measured (in flag order).
std::vector<std::string> MeasuredWorkloads(const Config& c,
                                           const Results& r) {
  std::vector<std::string> out;
  for (const std::string& w : c.workloads) {
    for (const Cell& cell : r.cells()) {
      if (cell.workload == w) {
        out.push_back(w);
        break;
      }
    }
  }
  return out;
}

std::string Markdown(const Config& c, const RunInfo& info, const Results& r) {
  std::string md = absl::StrFormat(
      "# ZVerse prefetching: adaptive prefetcher, executor hints, physical "
      "order\n\n"
      "Machine: %s (nproc %d, MemTotal %s; the databases' device reads "
      "ahead %s around a page fault, read_ahead_kb). Memory cgroup while "
      "measuring: "
      "%s%s%s. Load average before: %s. One thread. The run took %.0f "
      "s.\n\n"
      "Generated graph: %d vertex ids, %d undirected edges (stored both "
      "ways), power-law-ish degrees, seed %d. LDBC SNB Interactive v1 tiny: "
      "%s. Calls per mode: k-hop %d warm and %d cold, LDBC %d warm and %d "
      "cold per read. The modes run interleaved call by call in rotating "
      "order (same start vertices and parameters in every mode). Cold: "
      "kv::DB::DropCaches before every call (not timed); warm: one untimed "
      "pass first (with a database larger than the memory limit, warm is as "
      "warm as the limit allows). Latencies in microseconds.\n\n",
      info.machine, info.nproc, FormatBytes(info.mem_total),
      FormatBytes(info.read_ahead), info.cgroup_measured,
      info.joined_cgroup ? absl::StrCat(" (joined --cgroup ", c.cgroup,
                                        " after the build)")
                         : std::string(" (no --cgroup: no limit set here)"),
      info.joined_cgroup
          ? absl::StrCat(
                "; its peak usage ",
                info.cgroup_peak ? FormatBytes(*info.cgroup_peak)
                                 : std::string("unknown"),
                ", times it hit the limit ",
                info.cgroup_limit_hits ? absl::StrCat(*info.cgroup_limit_hits)
                                       : std::string("unknown"))
          : std::string(),
      info.load_average, info.seconds, c.vertices, c.edges, c.seed,
      info.ldbc_note.empty() ? std::string("measured") : info.ldbc_note,
      c.starts, c.cold_starts, c.calls, c.cold_calls);

  absl::StrAppend(&md,
                  "## Databases\n\n| order | graph | on disk | vs memory "
                  "limit | entries | segments | of them key-major | load s | "
                  "compact s |\n"
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Database& d : info.databases) {
    absl::StrAppend(
        &md, "| ", d.order, " | ", d.graph, " | ", FormatBytes(d.disk_bytes),
        " | ",
        info.limit_measured
            ? Ratio(static_cast<double>(d.disk_bytes) /
                    static_cast<double>(*info.limit_measured))
            : std::string("no limit"),
        " | ", d.entries, " | ", d.segments, " | ", d.key_major_segments,
        " | ", Fixed(d.load_s), " | ",
        Fixed(d.compact_s), " |\n");
  }

  const std::vector<std::string> orders = OrderNames(c);
  const std::vector<std::string> workloads = MeasuredWorkloads(c, r);

  // Goals.
  absl::StrAppend(&md, "\n## Goals\n\n");
  for (const std::string& o : orders) {
    const double cold3 = r.MedianRatio(r.Find(o, "khop3", "cold", kOff),
                                       r.Find(o, "khop3", "cold", kBoth));
    absl::StrAppend(
        &md, "- ", o, ", cold khop3, off/(adaptive+hints) ≥ 2×: ",
        std::isfinite(cold3)
            ? absl::StrCat(Ratio(cold3), cold3 >= 2 ? " (met)" : " (not met)")
            : std::string("not measured"),
        "\n");
    double log_sum = 0;
    int n = 0;
    double worst = 0;
    std::string worst_at;
    for (const std::string& w : workloads) {
      const double x = r.MedianRatio(r.Find(o, w, "warm", kBoth),
                                     r.Find(o, w, "warm", kHints));
      if (!std::isfinite(x) || x <= 0) continue;
      log_sum += std::log(x);
      ++n;
      if (x > worst) {
        worst = x;
        worst_at = w;
      }
    }
    if (n > 0) {
      const double geo = std::exp(log_sum / n);
      absl::StrAppend(&md, "- ", o,
                      ", warm, (adaptive+hints)/hints, no slowdown: geometric "
                      "mean ",
                      Ratio(geo), " over ", n, " workloads, worst ",
                      Ratio(worst), " (", worst_at, ")",
                      geo <= 1.05 ? " (met, within 5 %)" : " (not met)", "\n");
    } else {
      absl::StrAppend(&md, "- ", o,
                      ", warm, (adaptive+hints)/hints: not measured\n");
    }
  }

  absl::StrAppend(
      &md,
      "\n## Ratios of median latencies\n\nx/y: the median of mode x over "
      "that of mode y. The off/... columns are speed-ups (above 1: faster "
      "than off); the last two are costs (below 1: faster with the "
      "adaptive prefetcher).\n\n| workload | order | cold off/hints | "
      "cold off/adaptive | "
      "cold off/(adaptive+hints) | warm off/(adaptive+hints) | warm "
      "(adaptive+hints)/hints | warm adaptive/off |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|\n");
  for (const std::string& w : workloads) {
    for (const std::string& o : orders) {
      auto f = [&](const char* cache, size_t mode) {
        return r.Find(o, w, cache, mode);
      };
      absl::StrAppend(
          &md, "| ", w, " | ", o, " | ",
          Ratio(r.MedianRatio(f("cold", kOff), f("cold", kHints))), " | ",
          Ratio(r.MedianRatio(f("cold", kOff), f("cold", kAdaptive))), " | ",
          Ratio(r.MedianRatio(f("cold", kOff), f("cold", kBoth))), " | ",
          Ratio(r.MedianRatio(f("warm", kOff), f("warm", kBoth))), " | ",
          Ratio(r.MedianRatio(f("warm", kBoth), f("warm", kHints))), " | ",
          Ratio(r.MedianRatio(f("warm", kAdaptive), f("warm", kOff))),
          " |\n");
    }
  }

  if (orders.size() == 2) {
    absl::StrAppend(&md,
                    "\n## key-major / interleaved, median latency per "
                    "mode\n\nAbove 1: the interleaved order is faster.\n\n"
                    "| workload | cache |");
    for (size_t m : c.modes) absl::StrAppend(&md, " ", kModes[m].name, " |");
    absl::StrAppend(&md, "\n|---|---|");
    for (size_t i = 0; i < c.modes.size(); ++i) absl::StrAppend(&md, "---:|");
    absl::StrAppend(&md, "\n");
    for (const std::string& w : workloads) {
      for (bool cold : c.caches) {
        const char* cache = cold ? "cold" : "warm";
        absl::StrAppend(&md, "| ", w, " | ", cache, " |");
        for (size_t m : c.modes) {
          absl::StrAppend(
              &md, " ",
              Ratio(r.MedianRatio(r.Find(orders[1], w, cache, m),
                                  r.Find(orders[0], w, cache, m))),
              " |");
        }
        absl::StrAppend(&md, "\n");
      }
    }
  }

  absl::StrAppend(
      &md,
      "\n## Measurements\n\n| order | workload | cache | mode | median µs | "
      "p99 µs | hit ratio | accuracy | prefetched pages/call | advised "
      "KiB/call | manager ns/call | calls |\n"
      "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Cell& x : r.cells()) {
    absl::StrAppend(&md, "| ", x.order, " | ", x.workload, " | ", x.cache,
                    " | ", kModes[x.mode].name, " | ");
    if (!x.error.empty()) {
      absl::StrAppend(&md, "**FAILED**: ", x.error,
                      " | | | | | | | |\n");
      continue;
    }
    const double advised_kib =
        x.PerCall(x.counters.adaptive_prefetch_bytes +
                  x.counters.prefetch_bytes) /
        1024;
    absl::StrAppend(&md, Fixed(x.timing.median_us), " | ",
                    Fixed(x.timing.p99_us), " | ", Percent(x.HitRatio()),
                    " | ", Percent(x.Accuracy()), " | ",
                    Fixed(x.PerCall(x.counters.prefetched_pages)), " | ",
                    Fixed(advised_kib), " | ",
                    Fixed(x.PerCall(x.counters.locality_nanos), 0), " | ",
                    x.timing.calls, " |\n");
  }
  absl::StrAppend(
      &md,
      "\nHit ratio: accesses (sampled, 1 in 64) whose page was already "
      "resident (mincore). Accuracy: prefetched pages touched / pages "
      "prefetched, conservative (pages still pending when the call ended "
      "count as unused; DropCaches expires them); warm, a page advised in "
      "one call may be touched in the next, which may run in another mode, "
      "so a warm accuracy can exceed 100 % (and an off cell show one). "
      "Advised: adaptive predictions plus the hints' madvise bytes. Manager: "
      "the locality manager's own time (kv::Stats::locality_nanos, "
      "estimated). — : not measured or undefined (nothing prefetched).\n");
  return md;
}

std::string Json(const Config& c, const RunInfo& info, const Results& r) {
  auto strings = [](const std::vector<std::string>& v) {
    std::string out = "[";
    for (size_t i = 0; i < v.size(); ++i) {
      absl::StrAppend(&out, i > 0 ? ", " : "", "\"", JsonEscape(v[i]), "\"");
    }
    return out + "]";
  };
  std::vector<std::string> modes, caches;
  for (size_t m : c.modes) modes.push_back(kModes[m].name);
  for (bool cold : c.caches) caches.push_back(cold ? "cold" : "warm");
  std::string json = absl::StrCat(
      "{\n  \"program\": \"prefetch_bench\",\n  \"machine\": \"",
      JsonEscape(info.machine), "\",\n  \"nproc\": ", info.nproc,
      ",\n  \"read_ahead_bytes\": ", info.read_ahead,
      ",\n  \"mem_total_bytes\": ", info.mem_total,
      ",\n  \"cgroup_at_start\": \"", JsonEscape(info.cgroup_at_start),
      "\",\n  \"cgroup_measured\": \"", JsonEscape(info.cgroup_measured),
      "\",\n  \"memory_limit_bytes\": ",
      info.limit_measured ? absl::StrCat(*info.limit_measured)
                          : std::string("null"),
      ",\n  \"joined_cgroup\": \"", JsonEscape(c.cgroup),
      "\",\n  \"cgroup_peak_bytes\": ",
      info.cgroup_peak ? absl::StrCat(*info.cgroup_peak) : std::string("null"),
      ",\n  \"cgroup_limit_hits\": ",
      info.cgroup_limit_hits ? absl::StrCat(*info.cgroup_limit_hits)
                             : std::string("null"),
      ",\n  \"load_average\": \"", JsonEscape(info.load_average),
      "\",\n  \"seconds\": ", JsonNumber(info.seconds),
      ",\n  \"peak_rss_bytes_after_build\": ", info.peak_rss,
      ",\n  \"ldbc_skipped\": \"", JsonEscape(info.ldbc_note),
      "\",\n  \"config\": {\"vertices\": ", c.vertices,
      ", \"edges\": ", c.edges, ", \"seed\": ", c.seed,
      ", \"starts\": ", c.starts, ", \"cold_starts\": ", c.cold_starts,
      ", \"calls\": ", c.calls, ", \"cold_calls\": ", c.cold_calls,
      ", \"orders\": ", strings(OrderNames(c)),
      ", \"workloads\": ", strings(c.workloads), ", \"caches\": ",
      strings(caches), ", \"modes\": ", strings(modes),
      "},\n  \"databases\": [\n");
  for (size_t i = 0; i < info.databases.size(); ++i) {
    const Database& d = info.databases[i];
    absl::StrAppend(&json, "    {\"order\": \"", d.order, "\", \"graph\": \"",
                    d.graph, "\", \"disk_bytes\": ", d.disk_bytes,
                    ", \"entries\": ", d.entries, ", \"segments\": ",
                    d.segments, ", \"key_major_segments\": ",
                    d.key_major_segments,
                    ", \"load_s\": ", JsonNumber(d.load_s),
                    ", \"compact_s\": ", JsonNumber(d.compact_s), "}",
                    i + 1 < info.databases.size() ? ",\n" : "\n");
  }
  absl::StrAppend(&json, "  ],\n  \"results\": [\n");
  for (size_t i = 0; i < r.cells().size(); ++i) {
    const Cell& x = r.cells()[i];
    std::string counters = "{";
    for (size_t k = 0; k < std::size(kCounters); ++k) {
      absl::StrAppend(&counters, k > 0 ? ", " : "", "\"", kCounters[k].name,
                      "\": ", x.counters.*kCounters[k].field);
    }
    counters += "}";
    absl::StrAppend(
        &json, "    {\"order\": \"", x.order, "\", \"workload\": \"",
        x.workload, "\", \"graph\": \"", x.graph, "\", \"cache\": \"",
        x.cache, "\", \"mode\": \"", kModes[x.mode].name,
        "\", \"status\": \"", x.error.empty() ? "ok" : "failed",
        "\", \"error\": \"", JsonEscape(x.error),
        "\", \"timing\": ", TimingJson(x.timing),
        ", \"hit_ratio\": ", JsonNumber(x.HitRatio()),
        ", \"accuracy\": ", JsonNumber(x.Accuracy()),
        ", \"prefetched_pages_per_call\": ",
        JsonNumber(x.PerCall(x.counters.prefetched_pages)),
        ", \"timed_seconds\": ", JsonNumber(x.seconds),
        ", \"manager_ns_per_call\": ",
        JsonNumber(x.PerCall(x.counters.locality_nanos)),
        ", \"counters\": ", counters, "}",
        i + 1 < r.cells().size() ? ",\n" : "\n");
  }
  absl::StrAppend(&json, "  ],\n  \"ratios\": [\n");
  std::vector<std::string> rows;
  const std::vector<std::string> orders = OrderNames(c);
  for (const std::string& w : MeasuredWorkloads(c, r)) {
    for (const std::string& o : orders) {
      auto f = [&](const char* cache, size_t mode) {
        return r.Find(o, w, cache, mode);
      };
      rows.push_back(absl::StrCat(
          "    {\"workload\": \"", w, "\", \"order\": \"", o,
          "\", \"cold_off_over_adaptive_hints\": ",
          JsonNumber(r.MedianRatio(f("cold", kOff), f("cold", kBoth))),
          ", \"cold_off_over_hints\": ",
          JsonNumber(r.MedianRatio(f("cold", kOff), f("cold", kHints))),
          ", \"cold_off_over_adaptive\": ",
          JsonNumber(r.MedianRatio(f("cold", kOff), f("cold", kAdaptive))),
          ", \"warm_adaptive_hints_over_hints\": ",
          JsonNumber(r.MedianRatio(f("warm", kBoth), f("warm", kHints))),
          ", \"warm_adaptive_over_off\": ",
          JsonNumber(r.MedianRatio(f("warm", kAdaptive), f("warm", kOff))),
          "}"));
    }
    if (orders.size() == 2) {
      for (bool cold : c.caches) {
        const char* cache = cold ? "cold" : "warm";
        std::string per_mode;
        for (size_t m : c.modes) {
          absl::StrAppend(&per_mode, per_mode.empty() ? "" : ", ", "\"",
                          kModes[m].name, "\": ",
                          JsonNumber(r.MedianRatio(
                              r.Find(orders[1], w, cache, m),
                              r.Find(orders[0], w, cache, m))));
        }
        rows.push_back(absl::StrCat("    {\"workload\": \"", w,
                                    "\", \"cache\": \"", cache,
                                    "\", \"key_major_over_interleaved\": {",
                                    per_mode, "}}"));
      }
    }
  }
  absl::StrAppend(&json, absl::StrJoin(rows, ",\n"), rows.empty() ? "" : "\n",
                  "  ]\n}\n");
  return json;
}

// --- The run -----------------------------------------------------------------

int Run(int argc, char** argv) {
  Config c;
  c.ldbc = DefaultLdbcDir();
  bool help = false;
  if (absl::Status s = ParseFlags(argc, argv, &c, &help); !s.ok()) {
    std::fprintf(stderr, "prefetch_bench: %s (see --help)\n",
                 std::string(s.message()).c_str());
    return 2;
  }
  if (help) {
    std::fputs(kHelp + 1, stdout);  // Past the leading newline.
    return 0;
  }
  Stopwatch total;
  RunInfo info;
  info.machine = MachineDescription();
  info.nproc = OnlineCpus();
  info.mem_total = MemTotalBytes();
  info.load_average = LoadAverage();
  info.cgroup_at_start = DescribeCgroup(ReadMemoryCgroup());
  Log(absl::StrCat("machine: ", info.machine, "; nproc ", info.nproc,
                   ", MemTotal ", FormatBytes(info.mem_total)));
  Log(absl::StrCat("cgroup at start: ", info.cgroup_at_start));

  std::vector<int> depths;
  bool want_ldbc = false;
  for (const std::string& w : c.workloads) {
    if (int k = KHopDepth(w); k > 0) {
      depths.push_back(k);
    } else {
      want_ldbc = true;
    }
  }
  const bool use_ldbc = want_ldbc && LdbcDataPresent(c.ldbc);
  if (want_ldbc && !use_ldbc) {
    info.ldbc_note = c.ldbc == "none"
                         ? "skipped (--ldbc none)"
                         : absl::StrCat("skipped: no data at ", c.ldbc);
    Log(absl::StrCat("LDBC reads ", info.ldbc_note));
  } else if (!want_ldbc) {
    info.ldbc_note = "not selected (--workloads)";
  }

  absl::StatusOr<std::string> scratch = MakeTempDir(c.dir, "prefetch_bench_");
  if (scratch.ok()) {
    info.read_ahead = kv::Env::Default()->ReadAheadBytes(*scratch);
    Log(absl::StrCat("read-ahead of the databases' device: ",
                     FormatBytes(info.read_ahead)));
  }
  if (!scratch.ok()) return Fail(scratch.status());
  Log(absl::StrCat("scratch directory ", *scratch));
  // Removes the databases on every way out (an error included).
  struct RemoveAtExit {
    std::string path;
    ~RemoveAtExit() { (void)RemoveTree(path); }
  } remove_scratch{*scratch};

  // The k-hop oracle: counts from the CSR, computed before the databases so
  // that the generator's and the CSR's memory is gone before measuring.
  std::vector<uint64_t> starts;
  std::map<int, std::vector<uint64_t>> want;
  std::unique_ptr<GeneratedGraph> gen;
  if (!depths.empty()) {
    Stopwatch w;
    gen = std::make_unique<GeneratedGraph>(
        GenerateGraph(c.vertices, c.edges, c.seed));
    starts = SampleStarts(*gen, std::max(c.starts, c.cold_starts), c.seed);
    const Csr csr = BuildUndirectedCsr(*gen, c.vertices);
    for (int k : depths) want[k] = CsrKHopCounts(csr, starts, k);
    Log(absl::StrFormat("generated graph and CSR oracle: %.1f s", w.Seconds()));
  }

  // --- Build every database first (the loads need more memory than the
  // limit the measurement runs under).
  std::vector<LdbcCase> cases;
  std::map<std::string, std::string> paths;  // "order/graph" -> directory.
  for (size_t o : c.orders) {
    const Order& order = kOrders[o];
    if (gen != nullptr) {
      const std::string path =
          absl::StrCat(*scratch, "/generated-", order.name);
      absl::StatusOr<Database> d = BuildDatabase(
          path, order, "generated",
          [&](graph::GraphDb* db) {
            return LoadGeneratedGraph(db, *gen, *scratch + "/edges.txt")
                .status();
          },
          nullptr);
      if (!d.ok()) return Fail(d.status());
      Log(absl::StrFormat(
          "generated graph (%s): %s on disk, %d entries, %d segment(s); "
          "load %.1f s, compact %.1f s",
          order.name, FormatBytes(d->disk_bytes), d->entries, d->segments,
          d->load_s, d->compact_s));
      paths[absl::StrCat(order.name, "/generated")] = path;
      info.databases.push_back(*d);
    }
    if (use_ldbc) {
      const std::string path = absl::StrCat(*scratch, "/ldbc-", order.name);
      absl::StatusOr<Database> d = BuildDatabase(
          path, order, "ldbc",
          [&](graph::GraphDb* db) {
            return graph::LoadLdbcSnb(db, c.ldbc).status();
          },
          [&](graph::GraphDb* db) -> absl::Status {
            if (!cases.empty()) return absl::OkStatus();
            // The parameters come from the first order's database and are
            // reused for the others, so that every order runs the same
            // calls.
            ZVERSE_ASSIGN_OR_RETURN(graph::GraphSnapshot snap,
                                    db->GetSnapshot());
            ZVERSE_ASSIGN_OR_RETURN(
                cases, LdbcCases(snap, LdbcParamsDir(c.ldbc), c.seed));
            return absl::OkStatus();
          });
      if (!d.ok()) return Fail(d.status());
      Log(absl::StrFormat(
          "LDBC SNB tiny (%s): %s on disk, %d entries; load %.1f s, compact "
          "%.1f s",
          order.name, FormatBytes(d->disk_bytes), d->entries, d->load_s,
          d->compact_s));
      paths[absl::StrCat(order.name, "/ldbc")] = path;
      info.databases.push_back(*d);
    }
  }
  gen.reset();
  info.peak_rss = ReadProcMemory().vm_hwm;
  Log(absl::StrCat("peak RSS so far (the builds): ",
                   FormatBytes(info.peak_rss)));

  if (!c.cgroup.empty()) {
    if (absl::Status s = JoinCgroup(c.cgroup); !s.ok()) return Fail(s);
    info.joined_cgroup = true;
  }
  const MemoryCgroup measured = ReadMemoryCgroup();
  info.cgroup_measured = DescribeCgroup(measured);
  info.limit_measured = measured.limit;
  Log(absl::StrCat("measuring ", info.joined_cgroup ? "after joining " : "",
                   c.cgroup, info.joined_cgroup ? ": " : "",
                   info.cgroup_measured));
  for (const Database& d : info.databases) {
    if (measured.limit) {
      Log(absl::StrFormat("%s %s: %s on disk, %.2f× the memory limit of %s",
                          d.graph, d.order, FormatBytes(d.disk_bytes),
                          static_cast<double>(d.disk_bytes) /
                              static_cast<double>(*measured.limit),
                          FormatBytes(*measured.limit)));
    }
  }

  // --- Measure.
  Results results;
  std::map<std::string, std::vector<int64_t>> row_counts;
  for (size_t o : c.orders) {
    const Order& order = kOrders[o];
    for (const char* graph_name : {"generated", "ldbc"}) {
      auto path = paths.find(absl::StrCat(order.name, "/", graph_name));
      if (path == paths.end()) continue;
      absl::StatusOr<std::unique_ptr<graph::GraphDb>> db =
          graph::GraphDb::Open(path->second, DbOptions(order));
      if (!db.ok()) return Fail(db.status());
      // Pages the build left in the page cache were charged to the cgroup
      // it ran in: drop them, so that what is resident is what the
      // measurement read under its own limit.
      if (absl::Status s = (*db)->kv()->DropCaches(); !s.ok()) return Fail(s);
      for (const std::string& w : c.workloads) {
        if (GraphOf(w) != graph_name) continue;
        WorkloadCall call;
        if (const int k = KHopDepth(w); k > 0) {
          call = KHopCall(k, starts, want[k]);
        } else {
          auto lc = std::find_if(cases.begin(), cases.end(),
                                 [&](const LdbcCase& x) {
                                   return query::ldbc::QueryName(x.q) == w;
                                 });
          if (lc == cases.end()) {
            return Fail(absl::InternalError("no LDBC case for " + w));
          }
          call = LdbcCall(*lc, &row_counts[w]);
        }
        for (bool cold : c.caches) {
          const uint64_t n =
              KHopDepth(w) > 0 ? (cold ? c.cold_starts : c.starts)
                               : (cold ? c.cold_calls : c.calls);
          std::vector<Cell> cells(c.modes.size());
          for (size_t j = 0; j < cells.size(); ++j) {
            cells[j].order = order.name;
            cells[j].workload = w;
            cells[j].graph = graph_name;
            cells[j].cache = cold ? "cold" : "warm";
            cells[j].mode = c.modes[j];
          }
          Stopwatch cell_time;
          absl::Status s =
              MeasureModes(db->get(), cold, n, call, c.modes, &cells);
          std::string line = absl::StrFormat("%s %s %s: %.1f s;", order.name,
                                             w, cold ? "cold" : "warm",
                                             cell_time.Seconds());
          for (Cell& x : cells) {
            if (!s.ok()) x.error = std::string(s.message());
            absl::StrAppendFormat(&line, " %s %s µs", kModes[x.mode].name,
                                  Fixed(x.timing.median_us));
          }
          if (!s.ok()) absl::StrAppend(&line, " FAILED: ", s.message());
          Log(line);
          for (Cell& x : cells) results.Add(std::move(x));
        }
      }
      (*db)->kv()->SetAdaptivePrefetch(false);
      if (absl::Status s = (*db)->Close(); !s.ok()) return Fail(s);
    }
  }
  if (info.joined_cgroup) {
    const bool v1 = measured.version == "v1";
    info.cgroup_peak = ReadCgroupNumber(
        c.cgroup + (v1 ? "/memory.max_usage_in_bytes" : "/memory.peak"));
    info.cgroup_limit_hits =
        v1 ? ReadCgroupNumber(c.cgroup + "/memory.failcnt")
           : ReadCgroupNumber(c.cgroup + "/memory.events", "max");
    Log(absl::StrCat(
        "cgroup peak usage while measuring: ",
        info.cgroup_peak ? FormatBytes(*info.cgroup_peak) : "unknown",
        "; times it hit the limit: ",
        info.cgroup_limit_hits ? absl::StrCat(*info.cgroup_limit_hits)
                               : "unknown"));
  }
  info.seconds = total.Seconds();

  const std::string md = Markdown(c, info, results);
  std::fputs(md.c_str(), stdout);
  const int rc = WriteReports("prefetch_bench", c.json_path,
                              Json(c, info, results), c.markdown_path, md);
  return results.AnyFailed() ? 1 : rc;
}

}  // namespace
}  // namespace zverse::bench

int main(int argc, char** argv) { return zverse::bench::Run(argc, argv); }
