// The six LDBC Graphalytics kernels on a CsrGraph, exactly as defined by the
// Graphalytics specification (ldbc_graphalytics_docs, tex/definition.tex):
//
//   auto csr = CsrGraph::FromSnapshot(*db->GetSnapshot(t), {});
//   absl::StatusOr<std::vector<int64_t>> depth = Bfs(*csr, /*source=*/1);
//
// Every kernel returns one value per dense index of the CsrGraph (index i is
// vertex csr.id(i)). They read the stored arcs: an undirected graph is
// stored with both arcs of every edge (graph/loader.h), which BFS, PR, WCC,
// LCC and SSSP need no flag for; CDLP and LCC take `directed` for the cases
// where the definitions differ (see each function). Kernels run on any
// snapshot, past or present: they only see the CsrGraph.
//
// Thread safety: pure functions of their arguments.

#ifndef ZVERSE_GRAPH_ALGORITHMS_H_
#define ZVERSE_GRAPH_ALGORITHMS_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "graph/csr.h"
#include "graph/keys.h"

namespace zverse::graph {

// BFS depth of a vertex the source does not reach.
inline constexpr int64_t kUnreachable = std::numeric_limits<int64_t>::max();

// Breadth-first search along out-arcs: the depth of every vertex from
// `source` (0 for the source, kUnreachable if not reached). NotFound if
// `source` is not a vertex of the graph.
absl::StatusOr<std::vector<int64_t>> Bfs(const CsrGraph& graph,
                                         VertexId source);

// PageRank: PR_0(v) = 1/|V|, then `iterations` synchronous steps of
//   PR(v) = (1-d)/|V| + d * sum_{u in N_in(v)} PR(u)/|N_out(u)|
//           + d/|V| * sum_{w: |N_out(w)| = 0} PR(w)
// in IEEE doubles (no convergence test). InvalidArgument for iterations < 0
// or a damping factor outside [0, 1].
absl::StatusOr<std::vector<double>> PageRank(const CsrGraph& graph,
                                             int iterations, double damping);

// Weakly connected components (direction ignored): each vertex gets the
// smallest vertex id of its component.
absl::StatusOr<std::vector<VertexId>> Wcc(const CsrGraph& graph);

// Community detection by synchronous label propagation: L_0(v) = v; in each
// of at most `max_iterations` steps every vertex takes the most frequent
// label among its neighbours (ties: the smallest label; no neighbours: keeps
// its own). Directed: the neighbours are the in-arcs plus the out-arcs, so a
// neighbour linked both ways counts twice. Undirected: each distinct
// neighbour (in or out) counts once. Stops early at a fixed point, which
// gives the same result. InvalidArgument for max_iterations < 0.
absl::StatusOr<std::vector<VertexId>> Cdlp(const CsrGraph& graph,
                                           int max_iterations, bool directed);

// Local clustering coefficient: with N(v) the distinct neighbours of v (in
// or out, v itself excluded),
//   LCC(v) = sum_{u in N(v)} |N(v) ∩ N_out(u)| / (|N(v)| (|N(v)|-1)),
// 0 when |N(v)| <= 1. Directed: N_out(u) are u's out-neighbours (direction
// counts among the neighbours). Undirected: N_out(u) = N(u), which with both
// arcs stored is the same and gives 2T(v)/(d(d-1)).
absl::StatusOr<std::vector<double>> Lcc(const CsrGraph& graph, bool directed);

// Single-source shortest paths along out-arcs with the CsrGraph's weights
// (Dijkstra): +infinity for a vertex not reached. NotFound for an unknown
// source; InvalidArgument for a graph without weights or with a negative or
// NaN weight.
absl::StatusOr<std::vector<double>> Sssp(const CsrGraph& graph,
                                         VertexId source);

// --- One entry point, for the CLI and the conformance tests ---------------

enum class Algorithm { kBfs, kPageRank, kWcc, kCdlp, kLcc, kSssp };

// "bfs", "pr", "wcc", "cdlp", "lcc", "sssp" (case-insensitive).
// InvalidArgument for anything else.
absl::StatusOr<Algorithm> ParseAlgorithm(std::string_view name);
// The lowercase name ("pr" for kPageRank).
std::string_view AlgorithmName(Algorithm algorithm);

struct AlgorithmParams {
  Algorithm algorithm = Algorithm::kBfs;
  std::optional<VertexId> source;  // bfs, sssp (required).
  int iterations = 10;             // pr (iterations), cdlp (max iterations).
  double damping = 0.85;           // pr.
  bool directed = true;            // cdlp, lcc.
};

struct AlgorithmResult {
  Algorithm algorithm = Algorithm::kBfs;
  // Exactly one is filled, with one entry per dense index.
  std::vector<int64_t> depths;   // kBfs.
  std::vector<VertexId> labels;  // kWcc, kCdlp.
  std::vector<double> values;    // kPageRank, kLcc, kSssp.

  // The value of dense index i as the reference files write it: integers
  // for BFS (kUnreachable as 9223372036854775807), WCC and CDLP; doubles in
  // the shortest form that reads back to the same double (so any epsilon
  // comparison is exact up to the computation), "infinity" for an SSSP
  // vertex not reached.
  std::string FormatValue(uint32_t i) const;
};

// Runs params.algorithm. InvalidArgument if bfs/sssp has no source; the
// kernel's errors otherwise.
absl::StatusOr<AlgorithmResult> RunAlgorithm(const CsrGraph& graph,
                                             const AlgorithmParams& params);

// Writes "vertex value\n" for every vertex in ascending id order, in chunks
// of about 64 KiB handed to `sink`.
void WriteResult(const CsrGraph& graph, const AlgorithmResult& result,
                 absl::FunctionRef<void(std::string_view)> sink);
// The same, as one string.
std::string FormatResult(const CsrGraph& graph, const AlgorithmResult& result);

}  // namespace zverse::graph

#endif  // ZVERSE_GRAPH_ALGORITHMS_H_
