// Workloads shared by the query-layer harnesses (query_bench,
// prefetch_bench): a generated power-law-ish graph with a Boost CSR oracle
// for k-hop counts, the LDBC SNB Interactive reads on the tiny set with their
// parameters, and the timing of one call warm or cold.
//
// A workload is a WorkloadCall: call number i of it (i indexes the start
// vertices or parameter rows, cycled) on a snapshot with given traversal
// options. Every call of a k-hop workload checks its count against the CSR
// and fails with InternalError ("WRONG: ...") on a mismatch.
//
// Thread safety: the free functions may be called from any thread; a
// WorkloadCall is used from one thread at a time (an LDBC call that checks
// row counts writes its vector).

#ifndef ZVERSE_BENCH_QUERY_WORKLOADS_H_
#define ZVERSE_BENCH_QUERY_WORKLOADS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "boost/graph/compressed_sparse_row_graph.hpp"
#include "graph/graph_db.h"
#include "graph/loader.h"
#include "query/ldbc.h"
#include "query/traversal.h"

namespace zverse::bench {

// --- Latency summaries ----------------------------------------------------

struct Timing {
  double median_us = 0;
  double p99_us = 0;
  double ops_per_s = 0;  // One thread: calls / total seconds.
  uint64_t calls = 0;
};

// The median, the p99 (nearest rank) and the throughput of `seconds`.
Timing Summarize(std::vector<double> seconds);
// {"median_us": ..., "p99_us": ..., "ops_per_s": ..., "calls": ...}
std::string TimingJson(const Timing& t);

// --- Calls and their timing -----------------------------------------------

// Runs call number `i` of a workload; an error (a wrong answer included)
// fails the workload.
using WorkloadCall = std::function<absl::Status(
    const graph::GraphSnapshot&, const query::TraversalOptions&, uint64_t)>;

// Times one call, in seconds. Cold: kv::DB::DropCaches first (not timed).
absl::StatusOr<double> TimeCall(graph::GraphDb* db,
                                const graph::GraphSnapshot& snap,
                                const query::TraversalOptions& options,
                                bool cold, const WorkloadCall& call,
                                uint64_t i);

// Times calls [0, n) on a fresh snapshot with the executor's hints on or off
// (TraversalOptions::prefetch). Warm: one untimed pass over the same calls
// first (an earlier cold run dropped the pages); cold: the pages dropped
// before every call.
absl::StatusOr<Timing> Measure(graph::GraphDb* db, bool cold, bool prefetch,
                               uint64_t n, const WorkloadCall& call);

// --- The generated graph and its CSR oracle --------------------------------

// `edges` undirected edges over vertex ids [0, vertices): sources skewed as
// vertices * u^2 (u uniform in [0, 1)), destinations uniform; a pure
// function of the seed.
struct GeneratedGraph {
  std::vector<std::pair<uint64_t, uint64_t>> edges;
  std::vector<uint64_t> ids;  // Vertices that have an edge, ascending.
};
// REQUIRES: vertices > 0.
GeneratedGraph GenerateGraph(uint64_t vertices, uint64_t edges, uint64_t seed);

using Csr = boost::compressed_sparse_row_graph<boost::directedS>;
// Both arcs of every edge (duplicates removed), like the stored graph.
Csr BuildUndirectedCsr(const GeneratedGraph& g, uint64_t vertices);

// Distinct vertices within k hops of s (s excluded), on the CSR. `depth`
// (size: the CSR's vertex count, all -1 at first) and `touched` are scratch
// space reused between calls.
uint64_t CsrKHop(const Csr& g, uint64_t s, int k, std::vector<int>* depth,
                 std::vector<uint64_t>* touched);

// CsrKHop for each of `starts`; when `seconds` is not null, the time of each.
std::vector<uint64_t> CsrKHopCounts(const Csr& g,
                                    const std::vector<uint64_t>& starts, int k,
                                    std::vector<double>* seconds = nullptr);

// `n` start vertices drawn uniformly (with repetition) from g.ids.
std::vector<uint64_t> SampleStarts(const GeneratedGraph& g, size_t n,
                                   uint64_t seed);

// Writes the edges to `edge_file` (removed afterwards), loads them as an
// undirected edge list (graph::LoadEdgeList) and syncs.
absl::StatusOr<graph::LoadStats> LoadGeneratedGraph(
    graph::GraphDb* db, const GeneratedGraph& g, const std::string& edge_file);

// V(starts[i]).repeat(out, 1, k).count(), checked against want[i].
// REQUIRES: `starts` and `want` outlive the returned call and i indexes
// both.
WorkloadCall KHopCall(int k, const std::vector<uint64_t>& starts,
                      const std::vector<uint64_t>& want);

// --- LDBC SNB reads ----------------------------------------------------------

// The tiny set's csv_composite-longdateformatter folder under
// $ZVERSE_DATASETS, or under ../shared/datasets.
std::string DefaultLdbcDir();
// Whether `dir` holds the data ("none" never does).
bool LdbcDataPresent(const std::string& dir);
// The substitution parameters beside the data folder.
std::string LdbcParamsDir(const std::string& dir);

// The parameters of each read: substitution files for IC, 100 persons and
// 200 messages sampled from the data (seeded) for IS.
struct LdbcCase {
  query::ldbc::Query q;
  std::vector<std::vector<std::string>> params;
};
// IS1..IS7, IC1, IC2, IC9, IC13 in that order. NotFound if a read has no
// parameters under `params_dir`.
absl::StatusOr<std::vector<LdbcCase>> LdbcCases(
    const graph::GraphSnapshot& snap, const std::string& params_dir,
    uint64_t seed);

// Runs lc.q with parameter row i (cycled). With `row_counts`, the number of
// rows of call i must equal what an earlier call i returned (the first call
// of each i records it; -1 means none yet): a check that settings which
// must not change answers (prefetching, physical order) do not.
// REQUIRES: `lc` and `row_counts` outlive the returned call.
WorkloadCall LdbcCall(const LdbcCase& lc,
                      std::vector<int64_t>* row_counts = nullptr);

}  // namespace zverse::bench

#endif  // ZVERSE_BENCH_QUERY_WORKLOADS_H_
