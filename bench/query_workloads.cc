#include "bench/query_workloads.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/bench_util.h"
#include "kv/status_macros.h"

namespace zverse::bench {

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

std::string TimingJson(const Timing& t) {
  return absl::StrCat("{\"median_us\": ", JsonNumber(t.median_us),
                      ", \"p99_us\": ", JsonNumber(t.p99_us),
                      ", \"ops_per_s\": ", JsonNumber(t.ops_per_s),
                      ", \"calls\": ", t.calls, "}");
}

absl::StatusOr<double> TimeCall(graph::GraphDb* db,
                                const graph::GraphSnapshot& snap,
                                const query::TraversalOptions& options,
                                bool cold, const WorkloadCall& call,
                                uint64_t i) {
  if (cold) ZVERSE_RETURN_IF_ERROR(db->kv()->DropCaches());
  Stopwatch w;
  ZVERSE_RETURN_IF_ERROR(call(snap, options, i));
  return w.Seconds();
}

absl::StatusOr<Timing> Measure(graph::GraphDb* db, bool cold, bool prefetch,
                               uint64_t n, const WorkloadCall& call) {
  query::TraversalOptions options;
  options.prefetch = prefetch;
  ZVERSE_ASSIGN_OR_RETURN(graph::GraphSnapshot snap, db->GetSnapshot());
  if (!cold) {
    // Warm means warm: one untimed pass first (an earlier cold run dropped
    // the pages).
    for (uint64_t i = 0; i < n; ++i) {
      ZVERSE_RETURN_IF_ERROR(call(snap, options, i));
    }
  }
  std::vector<double> seconds;
  seconds.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    ZVERSE_ASSIGN_OR_RETURN(double s,
                            TimeCall(db, snap, options, cold, call, i));
    seconds.push_back(s);
  }
  return Summarize(std::move(seconds));
}

// --- The generated graph ----------------------------------------------------

GeneratedGraph GenerateGraph(uint64_t vertices, uint64_t edges,
                             uint64_t seed) {
  GeneratedGraph g;
  uint64_t state = seed;
  auto next = [&state] { return Mix64(state++); };
  g.edges.reserve(edges);
  for (uint64_t i = 0; i < edges; ++i) {
    const double u = static_cast<double>(next() >> 11) * 0x1.0p-53;
    const uint64_t a =
        static_cast<uint64_t>(static_cast<double>(vertices) * u * u);
    const uint64_t b = next() % vertices;
    g.edges.emplace_back(a, b);
  }
  std::vector<bool> seen(vertices);
  for (const auto& [a, b] : g.edges) seen[a] = seen[b] = true;
  for (uint64_t v = 0; v < vertices; ++v) {
    if (seen[v]) g.ids.push_back(v);
  }
  return g;
}

Csr BuildUndirectedCsr(const GeneratedGraph& g, uint64_t vertices) {
  std::vector<std::pair<uint64_t, uint64_t>> arcs;
  arcs.reserve(2 * g.edges.size());
  for (const auto& [a, b] : g.edges) {
    arcs.emplace_back(a, b);
    if (a != b) arcs.emplace_back(b, a);
  }
  std::sort(arcs.begin(), arcs.end());
  arcs.erase(std::unique(arcs.begin(), arcs.end()), arcs.end());
  return Csr(boost::edges_are_sorted, arcs.begin(), arcs.end(), vertices);
}

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

std::vector<uint64_t> CsrKHopCounts(const Csr& g,
                                    const std::vector<uint64_t>& starts, int k,
                                    std::vector<double>* seconds) {
  std::vector<int> depth(boost::num_vertices(g), -1);
  std::vector<uint64_t> touched;
  std::vector<uint64_t> counts(starts.size());
  for (size_t i = 0; i < starts.size(); ++i) {
    Stopwatch w;
    counts[i] = CsrKHop(g, starts[i], k, &depth, &touched);
    if (seconds != nullptr) seconds->push_back(w.Seconds());
  }
  return counts;
}

std::vector<uint64_t> SampleStarts(const GeneratedGraph& g, size_t n,
                                   uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> starts(n);
  for (uint64_t& s : starts) s = g.ids[rng() % g.ids.size()];
  return starts;
}

absl::StatusOr<graph::LoadStats> LoadGeneratedGraph(
    graph::GraphDb* db, const GeneratedGraph& g,
    const std::string& edge_file) {
  {
    std::ofstream out(edge_file);
    for (const auto& [a, b] : g.edges) out << a << ' ' << b << '\n';
    out.close();
    if (!out) return absl::InternalError("cannot write " + edge_file);
  }
  absl::StatusOr<graph::LoadStats> stats =
      graph::LoadEdgeList(db, {edge_file, /*directed=*/false});
  std::remove(edge_file.c_str());
  if (!stats.ok()) return stats.status();
  ZVERSE_RETURN_IF_ERROR(db->kv()->Sync());
  return stats;
}

WorkloadCall KHopCall(int k, const std::vector<uint64_t>& starts,
                      const std::vector<uint64_t>& want) {
  return [k, &starts, &want](const graph::GraphSnapshot& snap,
                             const query::TraversalOptions& o,
                             uint64_t i) -> absl::Status {
    ZVERSE_ASSIGN_OR_RETURN(
        size_t n, query::Traversal(snap, o)
                      .V(starts[i])
                      .Repeat(query::Direction::kOut, "", 1, k)
                      .Count());
    if (n != want[i]) {
      return absl::InternalError(absl::StrCat("WRONG: ", k,
                                              "-hop count from ", starts[i],
                                              " is ", n, ", the CSR says ",
                                              want[i]));
    }
    return absl::OkStatus();
  };
}

// --- LDBC SNB ---------------------------------------------------------------

std::string DefaultLdbcDir() {
  const char* env = std::getenv("ZVERSE_DATASETS");
  const std::string root = env != nullptr ? std::string(env)
                                          : std::string("../shared/datasets");
  return root + "/ldbc-snb/interactive-v1-tiny/csv_composite-longdateformatter";
}

bool LdbcDataPresent(const std::string& dir) {
  if (dir == "none") return false;
  std::ifstream probe(dir + "/dynamic/person_0_0.csv");
  return static_cast<bool>(probe);
}

std::string LdbcParamsDir(const std::string& dir) {
  return dir + "/../substitution_parameters";
}

namespace {

std::vector<std::vector<std::string>> ParamFile(const std::string& path) {
  std::vector<std::vector<std::string>> out;
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);  // The header.
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(absl::StrSplit(line, '|'));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<LdbcCase>> LdbcCases(
    const graph::GraphSnapshot& snap, const std::string& params_dir,
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

WorkloadCall LdbcCall(const LdbcCase& lc, std::vector<int64_t>* row_counts) {
  return [&lc, row_counts](const graph::GraphSnapshot& snap,
                           const query::TraversalOptions& o,
                           uint64_t i) -> absl::Status {
    ZVERSE_ASSIGN_OR_RETURN(
        query::ldbc::Rows rows,
        query::ldbc::Run(snap, lc.q, lc.params[i % lc.params.size()], o));
    if (row_counts == nullptr) return absl::OkStatus();
    if (row_counts->size() <= i) row_counts->resize(i + 1, -1);
    const int64_t n = static_cast<int64_t>(rows.size());
    int64_t& want = (*row_counts)[i];
    if (want < 0) {
      want = n;
    } else if (want != n) {
      return absl::InternalError(absl::StrCat(
          "WRONG: ", std::string(query::ldbc::QueryName(lc.q)), " call ", i,
          " returned ", n, " rows, an earlier run of the same call ", want));
    }
    return absl::OkStatus();
  };
}

}  // namespace zverse::bench
