// CsrGraph: a compact, immutable copy of a graph snapshot in compressed
// sparse row form, for the analytics kernels (graph/algorithms.h).
//
// Vertices get dense indices 0..n-1 in ascending id order, so index order is
// id order (the smallest id of a set is its smallest index). Both the out-
// and the in-adjacency are stored: offsets (uint64) into one array of target
// indices (uint32), every row sorted ascending. Optional float64 weights run
// parallel to the out-adjacency.
//
//   auto snap = db->GetSnapshot(t);
//   CsrOptions options;
//   options.weight_property = "weight";
//   auto csr = CsrGraph::FromSnapshot(*snap, options);
//   for (uint32_t v : csr->out_neighbors(*csr->index_of(42))) ...
//
// The CSR holds arcs exactly as stored: an undirected graph (stored by the
// loaders with both directions of every edge) has both arcs; edges of
// different labels between the same two vertices are parallel arcs.
//
// Thread safety: immutable once built; may be read by many threads.

#ifndef ZVERSE_GRAPH_CSR_H_
#define ZVERSE_GRAPH_CSR_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "graph/graph_db.h"
#include "graph/keys.h"

namespace zverse::graph {

struct CsrOptions {
  // Only vertices with this label (nullopt: every vertex). Edges with an
  // endpoint outside the vertex set are dropped.
  std::optional<std::string> vertex_label;
  // Only edges with this label (nullopt: every edge).
  std::optional<std::string> edge_label;
  // Read this float64 (or int64) edge property into out_weights (nullopt: no
  // weights). Every selected edge must have it.
  std::optional<std::string> weight_property;
};

class CsrGraph {
 public:
  // The most vertices a CsrGraph holds (indices are uint32).
  static constexpr size_t kMaxVertices = 0xffffffffu;

  // An empty graph.
  CsrGraph() = default;
  CsrGraph(CsrGraph&&) noexcept = default;
  CsrGraph& operator=(CsrGraph&&) noexcept = default;
  CsrGraph(const CsrGraph&) = delete;
  CsrGraph& operator=(const CsrGraph&) = delete;

  // Copies `snap` (one pass over the vertices, one scan of the edges).
  // NotFound for a label or property name the dictionary does not know;
  // InvalidArgument for a selected edge without the weight property or with
  // one that is neither float64 nor int64 (the message names the edge);
  // ResourceExhausted beyond kMaxVertices.
  static absl::StatusOr<CsrGraph> FromSnapshot(const GraphSnapshot& snap,
                                               const CsrOptions& options = {});

  // From plain data (tests, tools). `ids` may come in any order; duplicates
  // are merged. Arc i is edges[i] with weight weights[i] (`weights` empty:
  // unweighted; otherwise it must have edges.size() entries, or the graph is
  // built without weights). Arcs with an endpoint not in `ids` are dropped.
  static CsrGraph FromEdges(
      std::vector<VertexId> ids,
      const std::vector<std::pair<VertexId, VertexId>>& edges,
      std::vector<double> weights = {});

  size_t num_vertices() const { return ids_.size(); }
  // Stored arcs (an undirected edge stored both ways counts twice).
  uint64_t num_edges() const { return out_targets_.size(); }
  bool has_weights() const { return has_weights_; }

  // The id of dense index i (i < num_vertices()).
  VertexId id(uint32_t i) const { return ids_[i]; }
  // Every id, ascending (index i holds id(i)).
  absl::Span<const VertexId> ids() const { return ids_; }
  // The dense index of `id`, or nullopt if it is not in the graph.
  std::optional<uint32_t> index_of(VertexId id) const;

  // Out- and in-neighbours of index i, ascending (repeated for parallel
  // arcs).
  absl::Span<const uint32_t> out_neighbors(uint32_t i) const {
    return absl::MakeConstSpan(out_targets_.data() + out_offsets_[i],
                               out_offsets_[i + 1] - out_offsets_[i]);
  }
  absl::Span<const uint32_t> in_neighbors(uint32_t i) const {
    return absl::MakeConstSpan(in_sources_.data() + in_offsets_[i],
                               in_offsets_[i + 1] - in_offsets_[i]);
  }
  size_t out_degree(uint32_t i) const {
    return out_offsets_[i + 1] - out_offsets_[i];
  }
  size_t in_degree(uint32_t i) const {
    return in_offsets_[i + 1] - in_offsets_[i];
  }
  // The weights of out_neighbors(i), parallel to it; empty without weights.
  absl::Span<const double> out_weights(uint32_t i) const {
    if (!has_weights_) return {};
    return absl::MakeConstSpan(out_weights_.data() + out_offsets_[i],
                               out_offsets_[i + 1] - out_offsets_[i]);
  }

  // Approximate heap bytes held.
  size_t MemoryUsage() const;

 private:
  // Builds the CSR from arcs given as dense indices. `weights` is empty or
  // parallel to `src`.
  static CsrGraph Build(std::vector<VertexId> ids,
                        const std::vector<uint32_t>& src,
                        const std::vector<uint32_t>& dst,
                        const std::vector<double>& weights);

  std::vector<VertexId> ids_;
  std::vector<uint64_t> out_offsets_ = {0};
  std::vector<uint32_t> out_targets_;
  std::vector<double> out_weights_;
  std::vector<uint64_t> in_offsets_ = {0};
  std::vector<uint32_t> in_sources_;
  bool has_weights_ = false;
};

}  // namespace zverse::graph

#endif  // ZVERSE_GRAPH_CSR_H_
