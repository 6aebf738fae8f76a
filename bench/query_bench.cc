// query_bench: latency and throughput of traversals and of the LDBC SNB reads
// (query/), with the executor's prefetch hints on and off, warm and cold.
//
// Workloads:
//   khop1, khop2, khop3  the distinct vertices within k hops of a random start
//                        vertex (Traversal V(s).repeat(out, 1, k).count()) on
//                        a generated graph (power-law-ish degrees, loaded as
//                        undirected); every count is checked against a
//                        breadth-first search on a Boost
//                        compressed_sparse_row_graph of the same edges, the
//                        in-memory floor, whose time is reported too.
//   is1 ... is7, ic1, ic2, ic9, ic13
//                        the LDBC reads on the Interactive v1 tiny set (if
//                        ../shared/datasets is there), parameters from the
//                        substitution files (IC) and from the data (IS).
// Each runs four ways: warm (the data in the page cache) and cold (the
// database's pages dropped before every call with kv::DB::DropCaches; the
// drop is not timed), each with prefetch hints on and off. Reported: the
// median and p99 latency and the throughput of one thread.
//
//   query_bench [--vertices N] [--edges M] [--starts S] [--cold_starts C]
//               [--calls Q] [--cold_calls D] [--seed X] [--dir DIR]
//               [--ldbc DIR|none] [--json FILE] [--markdown FILE]
//               [--adaptive on|off]

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/bench_util.h"
#include "bench/query_workloads.h"
#include "graph/graph_db.h"
#include "graph/loader.h"
#include "kv/db.h"
#include "query/ldbc.h"

namespace zverse::bench {
namespace {

constexpr const char* kHelp = R"(query_bench: traversal and LDBC read latency, prefetch on and off.

Usage: query_bench [flags]

  --vertices N     generated graph: vertex ids [0, N) (default 200k)
  --edges M        generated graph: undirected edges (default 1M; stored
                   both ways)
  --starts S       random start vertices per k-hop workload, warm (1000)
  --cold_starts C  the same, cold (100)
  --calls Q        calls per LDBC read, warm (300)
  --cold_calls D   calls per LDBC read, cold (50)
  --seed X         generator and sampling seed (42)
  --dir DIR        parent of the scratch databases (/tmp)
  --ldbc DIR       the LDBC tiny set's csv_composite-longdateformatter folder
                   (default: ../shared/datasets/..., or $ZVERSE_DATASETS;
                   'none' skips the LDBC reads)
  --json FILE      write every measurement as JSON
  --markdown FILE  write the table (also printed)
  --adaptive on|off  the adaptive prefetcher (kv::Options::adaptive_prefetch,
                   default off) for the whole run
)";

struct Config {
  uint64_t vertices = 200'000;
  uint64_t edges = 1'000'000;
  uint64_t starts = 1000;
  uint64_t cold_starts = 100;
  uint64_t calls = 300;
  uint64_t cold_calls = 50;
  uint64_t seed = 42;
  std::string dir = "/tmp";
  std::string ldbc;
  std::string json_path;
  std::string markdown_path;
  bool adaptive = false;
};

struct Result {
  std::string workload;
  std::string graph;
  std::string cache;  // "warm" or "cold"
  Timing on, off;
  std::optional<Timing> floor;  // The CSR BFS (k-hop, warm).
  std::string error;
};

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "query_bench: %s\n", std::string(s.message()).c_str());
  return 1;
}

std::string Cell(const Timing& t) {
  return absl::StrFormat("%.1f | %.1f | %s", t.median_us, t.p99_us,
                         FormatRate(t.ops_per_s));
}

int Run(int argc, char** argv) {
  Config c;
  c.ldbc = DefaultLdbcDir();
  FlagParser flags(argc, argv);
  while (flags.Next()) {
    if (flags.flag() == "--help" || flags.flag() == "-h") {
      std::fputs(kHelp, stdout);
      return 0;
    }
    absl::StatusOr<std::string> value = flags.Value();
    if (!value.ok()) return Fail(value.status());
    uint64_t* count = flags.flag() == "--vertices"      ? &c.vertices
                      : flags.flag() == "--edges"       ? &c.edges
                      : flags.flag() == "--starts"      ? &c.starts
                      : flags.flag() == "--cold_starts" ? &c.cold_starts
                      : flags.flag() == "--calls"       ? &c.calls
                      : flags.flag() == "--cold_calls"  ? &c.cold_calls
                      : flags.flag() == "--seed"        ? &c.seed
                                                        : nullptr;
    if (count != nullptr) {
      absl::StatusOr<uint64_t> n = ParseCount(*value);
      if (!n.ok()) return Fail(n.status());
      *count = *n;
    } else if (flags.flag() == "--dir") {
      c.dir = *value;
    } else if (flags.flag() == "--ldbc") {
      c.ldbc = *value;
    } else if (flags.flag() == "--adaptive") {
      if (*value != "on" && *value != "off") {
        return Fail(absl::InvalidArgumentError("--adaptive takes on or off"));
      }
      c.adaptive = *value == "on";
    } else if (flags.flag() == "--json") {
      c.json_path = *value;
    } else if (flags.flag() == "--markdown") {
      c.markdown_path = *value;
    } else {
      std::fprintf(stderr, "query_bench: unknown flag %s\n%s",
                   flags.flag().c_str(), kHelp);
      return 2;
    }
  }
  if (c.vertices == 0 || c.edges == 0) {
    return Fail(absl::InvalidArgumentError("--vertices and --edges must be > 0"));
  }
  const std::string load_average = LoadAverage();
  absl::StatusOr<std::string> scratch = MakeTempDir(c.dir, "query_bench_");
  if (!scratch.ok()) return Fail(scratch.status());
  std::vector<Result> results;

  // --- The generated graph.
  const GeneratedGraph gen = GenerateGraph(c.vertices, c.edges, c.seed);
  {
    graph::GraphOptions options;
    options.kv.sync_mode = kv::SyncMode::kNever;
    options.kv.adaptive_prefetch = c.adaptive;
    auto db = graph::GraphDb::Open(*scratch + "/generated", options);
    if (!db.ok()) return Fail(db.status());
    Stopwatch load;
    auto stats = LoadGeneratedGraph(db->get(), gen, *scratch + "/edges.txt");
    if (!stats.ok()) return Fail(stats.status());
    std::fprintf(stderr, "[query_bench] generated graph: %llu vertices, %llu "
                         "stored edges, loaded in %.1f s\n",
                 static_cast<unsigned long long>(stats->vertices),
                 static_cast<unsigned long long>(stats->edges), load.Seconds());
    const Csr csr = BuildUndirectedCsr(gen, c.vertices);
    const std::vector<uint64_t> starts =
        SampleStarts(gen, std::max(c.starts, c.cold_starts), c.seed);
    for (int k = 1; k <= 3; ++k) {
      Result r;
      r.workload = absl::StrCat("khop", k);
      r.graph = absl::StrFormat("generated %s edges", FormatRate(
                                    static_cast<double>(c.edges)));
      // The floor, warm.
      std::vector<double> floor;
      const std::vector<uint64_t> want = CsrKHopCounts(csr, starts, k, &floor);
      floor.resize(std::min<size_t>(floor.size(), c.starts));
      const WorkloadCall call = KHopCall(k, starts, want);
      for (bool cold : {false, true}) {
        Result x = r;
        x.cache = cold ? "cold" : "warm";
        const uint64_t n = cold ? c.cold_starts : c.starts;
        auto on = Measure(db->get(), cold, true, n, call);
        auto off = Measure(db->get(), cold, false, n, call);
        if (!on.ok() || !off.ok()) {
          x.error = std::string((on.ok() ? off.status() : on.status()).message());
        } else {
          x.on = *on;
          x.off = *off;
        }
        if (!cold) x.floor = Summarize(floor);
        std::fprintf(stderr, "[query_bench] %s %s done\n", x.workload.c_str(),
                     x.cache.c_str());
        results.push_back(std::move(x));
      }
    }
  }

  // --- The LDBC reads.
  if (LdbcDataPresent(c.ldbc)) {
    graph::GraphOptions options;
    options.kv.sync_mode = kv::SyncMode::kNever;
    options.kv.adaptive_prefetch = c.adaptive;
    auto db = graph::GraphDb::Open(*scratch + "/snb", options);
    if (!db.ok()) return Fail(db.status());
    auto loaded = graph::LoadLdbcSnb(db->get(), c.ldbc);
    if (!loaded.ok()) return Fail(loaded.status());
    if (absl::Status s = (*db)->kv()->Sync(); !s.ok()) return Fail(s);
    auto snap = (*db)->GetSnapshot();
    if (!snap.ok()) return Fail(snap.status());
    auto cases = LdbcCases(*snap, LdbcParamsDir(c.ldbc), c.seed);
    if (!cases.ok()) return Fail(cases.status());
    for (const LdbcCase& lc : *cases) {
      const WorkloadCall call = LdbcCall(lc);
      for (bool cold : {false, true}) {
        Result x;
        x.workload = std::string(query::ldbc::QueryName(lc.q));
        x.graph = "LDBC SNB tiny";
        x.cache = cold ? "cold" : "warm";
        const uint64_t n = cold ? c.cold_calls : c.calls;
        auto on = Measure(db->get(), cold, true, n, call);
        auto off = Measure(db->get(), cold, false, n, call);
        if (!on.ok() || !off.ok()) {
          x.error = std::string((on.ok() ? off.status() : on.status()).message());
        } else {
          x.on = *on;
          x.off = *off;
        }
        results.push_back(std::move(x));
      }
    }
  } else {
    std::fprintf(stderr, "[query_bench] LDBC reads skipped: no data at %s\n",
                 c.ldbc.c_str());
  }
  (void)RemoveTree(*scratch);

  // --- Report.
  std::string md = absl::StrFormat(
      "# ZVerse traversal and LDBC read latency\n\nMachine: %s. Load average "
      "before: %s. One thread. Generated graph: %d vertex ids, %d undirected "
      "edges (stored both ways), power-law-ish degrees, seed %d; %d warm and "
      "%d cold starts per k-hop workload; LDBC reads %d warm and %d cold "
      "calls each. Cold: kv::DB::DropCaches before every call (not timed). "
      "Latencies in microseconds. Adaptive prefetcher "
      "(kv::Options::adaptive_prefetch): %s.\n\n"
      "| workload | graph | cache | prefetch on: median | p99 | ops/s | "
      "prefetch off: median | p99 | ops/s | on/off (median) | CSR floor "
      "median | ZVerse/CSR |\n"
      "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
      MachineDescription(), load_average, c.vertices, c.edges, c.seed,
      c.starts, c.cold_starts, c.calls, c.cold_calls,
      c.adaptive ? "on" : "off");
  for (const Result& r : results) {
    if (!r.error.empty()) {
      absl::StrAppend(&md, "| ", r.workload, " | ", r.graph, " | ", r.cache,
                      " | **FAILED**: ", r.error,
                      " | | | | | | | | |\n");
      continue;
    }
    absl::StrAppend(
        &md, "| ", r.workload, " | ", r.graph, " | ", r.cache, " | ",
        Cell(r.on), " | ", Cell(r.off), " | ",
        absl::StrFormat("%.2f×", r.off.median_us > 0
                                     ? r.on.median_us / r.off.median_us
                                     : 0),
        " | ",
        r.floor ? absl::StrFormat("%.1f", r.floor->median_us) : "",
        " | ",
        r.floor && r.floor->median_us > 0
            ? absl::StrFormat("%.1f×", r.on.median_us / r.floor->median_us)
            : "",
        " |\n");
  }
  absl::StrAppend(&md,
                  "\non/off below 1 means the hints made it faster. "
                  "ZVerse/CSR: how many times the in-memory CSR's latency "
                  "ZVerse's is (warm, hints on).\n");
  std::fputs(md.c_str(), stdout);
  if (!c.markdown_path.empty()) {
    std::ofstream(c.markdown_path) << md;
  }
  if (!c.json_path.empty()) {
    std::string json = absl::StrCat(
        "{\n  \"program\": \"query_bench\",\n  \"machine\": \"",
        JsonEscape(MachineDescription()), "\",\n  \"load_average\": \"",
        JsonEscape(load_average), "\",\n  \"config\": {\"vertices\": ",
        c.vertices, ", \"edges\": ", c.edges, ", \"starts\": ", c.starts,
        ", \"cold_starts\": ", c.cold_starts, ", \"calls\": ", c.calls,
        ", \"cold_calls\": ", c.cold_calls, ", \"seed\": ", c.seed,
        ", \"adaptive_prefetch\": ", c.adaptive ? "true" : "false",
        "},\n  \"results\": [\n");
    for (size_t i = 0; i < results.size(); ++i) {
      const Result& r = results[i];
      absl::StrAppend(&json, "    {\"workload\": \"", r.workload,
                      "\", \"graph\": \"", JsonEscape(r.graph),
                      "\", \"cache\": \"", r.cache, "\", \"status\": \"",
                      r.error.empty() ? "ok" : "failed", "\", \"error\": \"",
                      JsonEscape(r.error), "\", \"prefetch_on\": ",
                      TimingJson(r.on), ", \"prefetch_off\": ",
                      TimingJson(r.off), ", \"csr_floor\": ",
                      r.floor ? TimingJson(*r.floor) : std::string("null"),
                      "}", i + 1 < results.size() ? ",\n" : "\n");
    }
    absl::StrAppend(&json, "  ]\n}\n");
    std::ofstream(c.json_path) << json;
  }
  for (const Result& r : results) {
    if (!r.error.empty()) return 1;
  }
  return 0;
}

}  // namespace
}  // namespace zverse::bench

int main(int argc, char** argv) { return zverse::bench::Run(argc, argv); }
