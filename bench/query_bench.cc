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

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/bench_util.h"
#include "boost/graph/compressed_sparse_row_graph.hpp"
#include "graph/graph_db.h"
#include "graph/loader.h"
#include "kv/db.h"
#include "kv/status_macros.h"
#include "query/ldbc.h"
#include "query/traversal.h"

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

struct Timing {
  double median_us = 0;
  double p99_us = 0;
  double ops_per_s = 0;
  uint64_t calls = 0;
};

Timing Summarize(std::vector<double> seconds) {
  Timing t;
  t.calls = seconds.size();
  if (seconds.empty()) return t;
  double total = 0;
  for (double s : seconds) total += s;
  std::sort(seconds.begin(), seconds.end());
  t.median_us = Median(seconds) * 1e6;
  const size_t k = static_cast<size_t>(
      std::ceil(0.99 * static_cast<double>(seconds.size())));
  t.p99_us = seconds[std::max<size_t>(k, 1) - 1] * 1e6;
  t.ops_per_s = total > 0 ? static_cast<double>(seconds.size()) / total : 0;
  return t;
}

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

// --- The generated graph and its CSR floor -------------------------------

using Csr = boost::compressed_sparse_row_graph<boost::directedS>;

struct Generated {
  std::vector<std::pair<uint64_t, uint64_t>> edges;
  std::vector<uint64_t> ids;  // Vertices that have an edge.
};

Generated Generate(const Config& c) {
  Generated g;
  uint64_t state = c.seed;
  auto next = [&state] { return Mix64(state++); };
  g.edges.reserve(c.edges);
  for (uint64_t i = 0; i < c.edges; ++i) {
    const double u = static_cast<double>(next() >> 11) * 0x1.0p-53;
    const uint64_t a =
        static_cast<uint64_t>(static_cast<double>(c.vertices) * u * u);
    const uint64_t b = next() % c.vertices;
    g.edges.emplace_back(a, b);
  }
  std::vector<bool> seen(c.vertices);
  for (const auto& [a, b] : g.edges) seen[a] = seen[b] = true;
  for (uint64_t v = 0; v < c.vertices; ++v) {
    if (seen[v]) g.ids.push_back(v);
  }
  return g;
}

// Distinct vertices within k hops of s (s excluded), on the CSR.
uint64_t CsrKHop(const Csr& g, uint64_t s, int k, std::vector<int>* depth,
                 std::vector<uint64_t>* touched) {
  for (uint64_t v : *touched) (*depth)[v] = -1;
  touched->clear();
  std::vector<uint64_t> frontier = {s}, next;
  (*depth)[s] = 0;
  touched->push_back(s);
  uint64_t count = 0;
  for (int d = 1; d <= k && !frontier.empty(); ++d) {
    next.clear();
    for (uint64_t u : frontier) {
      for (auto [e, end] = boost::out_edges(u, g); e != end; ++e) {
        const uint64_t w = boost::target(*e, g);
        if ((*depth)[w] >= 0) continue;
        (*depth)[w] = d;
        touched->push_back(w);
        next.push_back(w);
        ++count;
      }
    }
    frontier.swap(next);
  }
  return count;
}

// --- Runs -----------------------------------------------------------------

// Times `call` for each index in [0, n), warm or cold, with the hints on or
// off. `call` returns a check value or an error.
absl::StatusOr<Timing> Measure(graph::GraphDb* db, bool cold, bool prefetch,
                               uint64_t n,
                               const std::function<absl::Status(
                                   const graph::GraphSnapshot&,
                                   const query::TraversalOptions&, uint64_t)>&
                                   call) {
  query::TraversalOptions options;
  options.prefetch = prefetch;
  ZVERSE_ASSIGN_OR_RETURN(graph::GraphSnapshot snap, db->GetSnapshot());
  if (!cold) {
    // Warm means warm: one untimed pass first (an earlier cold run dropped
    // the pages).
    for (uint64_t i = 0; i < n; ++i) ZVERSE_RETURN_IF_ERROR(call(snap, options, i));
  }
  std::vector<double> seconds;
  seconds.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    if (cold) ZVERSE_RETURN_IF_ERROR(db->kv()->DropCaches());
    Stopwatch w;
    ZVERSE_RETURN_IF_ERROR(call(snap, options, i));
    seconds.push_back(w.Seconds());
  }
  return Summarize(std::move(seconds));
}

std::string Cell(const Timing& t) {
  return absl::StrFormat("%.1f | %.1f | %s", t.median_us, t.p99_us,
                         FormatRate(t.ops_per_s));
}

std::string TimingJson(const Timing& t) {
  return absl::StrCat("{\"median_us\": ", JsonNumber(t.median_us),
                      ", \"p99_us\": ", JsonNumber(t.p99_us),
                      ", \"ops_per_s\": ", JsonNumber(t.ops_per_s),
                      ", \"calls\": ", t.calls, "}");
}

// The LDBC parameters of each read: substitution files for IC, ids from the
// data for IS.
struct LdbcCase {
  query::ldbc::Query q;
  std::vector<std::vector<std::string>> params;
};

std::vector<std::vector<std::string>> ParamFile(const std::string& path) {
  std::vector<std::vector<std::string>> out;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(absl::StrSplit(line, '|'));
  }
  return out;
}

absl::StatusOr<std::vector<LdbcCase>> LdbcCases(const graph::GraphSnapshot& snap,
                                                const std::string& params_dir,
                                                uint64_t seed) {
  using Q = query::ldbc::Query;
  std::mt19937_64 rng(seed);
  std::vector<std::vector<std::string>> persons, messages;
  for (const char* label : {"Person", "Post", "Comment"}) {
    ZVERSE_ASSIGN_OR_RETURN(std::vector<graph::VertexId> ids,
                            query::Traversal(snap).VLabel(label).Ids());
    std::shuffle(ids.begin(), ids.end(), rng);
    if (ids.size() > 100) ids.resize(100);
    for (graph::VertexId v : ids) {
      (std::string(label) == "Person" ? persons : messages)
          .push_back({absl::StrCat(graph::LdbcOriginalId(v))});
    }
  }
  std::vector<LdbcCase> cases = {
      {Q::kIs1, persons},  {Q::kIs2, persons},  {Q::kIs3, persons},
      {Q::kIs4, messages}, {Q::kIs5, messages}, {Q::kIs6, messages},
      {Q::kIs7, messages},
      {Q::kIc1, ParamFile(params_dir + "/interactive_1_param.txt")},
      {Q::kIc2, ParamFile(params_dir + "/interactive_2_param.txt")},
      {Q::kIc9, ParamFile(params_dir + "/interactive_9_param.txt")},
      {Q::kIc13, ParamFile(params_dir + "/interactive_13_param.txt")},
  };
  for (const LdbcCase& c : cases) {
    if (c.params.empty()) {
      return absl::NotFoundError(absl::StrCat(
          "no parameters for ", std::string(query::ldbc::QueryName(c.q)),
          " under ", params_dir));
    }
  }
  return cases;
}

std::string DefaultLdbcDir() {
  const char* env = std::getenv("ZVERSE_DATASETS");
  const std::string root = env != nullptr ? std::string(env)
                                          : std::string("../shared/datasets");
  return root + "/ldbc-snb/interactive-v1-tiny/csv_composite-longdateformatter";
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
  const Generated gen = Generate(c);
  {
    const std::string file = *scratch + "/edges.txt";
    {
      std::ofstream out(file);
      for (const auto& [a, b] : gen.edges) out << a << ' ' << b << '\n';
      if (!out) return Fail(absl::InternalError("cannot write " + file));
    }
    graph::GraphOptions options;
    options.kv.sync_mode = kv::SyncMode::kNever;
    options.kv.adaptive_prefetch = c.adaptive;
    auto db = graph::GraphDb::Open(*scratch + "/generated", options);
    if (!db.ok()) return Fail(db.status());
    Stopwatch load;
    auto stats = graph::LoadEdgeList(db->get(), {file, /*directed=*/false});
    if (!stats.ok()) return Fail(stats.status());
    if (absl::Status s = (*db)->kv()->Sync(); !s.ok()) return Fail(s);
    std::fprintf(stderr, "[query_bench] generated graph: %llu vertices, %llu "
                         "stored edges, loaded in %.1f s\n",
                 static_cast<unsigned long long>(stats->vertices),
                 static_cast<unsigned long long>(stats->edges), load.Seconds());
    // The floor: both arcs of every edge, like the stored graph.
    std::vector<std::pair<uint64_t, uint64_t>> arcs;
    arcs.reserve(2 * gen.edges.size());
    for (const auto& [a, b] : gen.edges) {
      arcs.emplace_back(a, b);
      if (a != b) arcs.emplace_back(b, a);
    }
    std::sort(arcs.begin(), arcs.end());
    arcs.erase(std::unique(arcs.begin(), arcs.end()), arcs.end());
    const Csr csr(boost::edges_are_sorted, arcs.begin(), arcs.end(),
                  c.vertices);
    arcs = {};
    std::mt19937_64 rng(c.seed);
    std::vector<uint64_t> starts(std::max(c.starts, c.cold_starts));
    for (uint64_t& s : starts) s = gen.ids[rng() % gen.ids.size()];
    std::vector<int> depth(c.vertices, -1);
    std::vector<uint64_t> touched;
    for (int k = 1; k <= 3; ++k) {
      Result r;
      r.workload = absl::StrCat("khop", k);
      r.graph = absl::StrFormat("generated %s edges", FormatRate(
                                    static_cast<double>(c.edges)));
      // The floor, warm.
      std::vector<uint64_t> want(starts.size());
      std::vector<double> floor;
      for (size_t i = 0; i < starts.size(); ++i) {
        Stopwatch w;
        want[i] = CsrKHop(csr, starts[i], k, &depth, &touched);
        floor.push_back(w.Seconds());
      }
      floor.resize(std::min<size_t>(floor.size(), c.starts));
      auto call = [&](const graph::GraphSnapshot& snap,
                      const query::TraversalOptions& o,
                      uint64_t i) -> absl::Status {
        ZVERSE_ASSIGN_OR_RETURN(
            size_t n, query::Traversal(snap, o).V(starts[i])
                          .Repeat(query::Direction::kOut, "", 1, k).Count());
        if (n != want[i]) {
          return absl::InternalError(absl::StrCat(
              "WRONG: ", k, "-hop count from ", starts[i], " is ", n,
              ", the CSR says ", want[i]));
        }
        return absl::OkStatus();
      };
      for (bool cold : {false, true}) {
        Result x = r;
        x.cache = cold ? "cold" : "warm";
        const uint64_t n = cold ? c.cold_starts : c.starts;
        // Alternate the order of on and off between the two caches.
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
  std::ifstream probe(c.ldbc + "/dynamic/person_0_0.csv");
  if (c.ldbc != "none" && probe) {
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
    auto cases = LdbcCases(*snap, c.ldbc + "/../substitution_parameters",
                           c.seed);
    if (!cases.ok()) return Fail(cases.status());
    for (const LdbcCase& lc : *cases) {
      auto call = [&](const graph::GraphSnapshot& s,
                      const query::TraversalOptions& o,
                      uint64_t i) -> absl::Status {
        return query::ldbc::Run(s, lc.q, lc.params[i % lc.params.size()], o)
            .status();
      };
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
