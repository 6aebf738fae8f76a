// A Boost Graph Library adaptor for a GraphSnapshot: BGL's own algorithms
// (breadth_first_search, dijkstra_shortest_paths, connected_components,
// page_rank, ...) run unchanged on the graph as of the snapshot's time.
//
//   auto snap = db->GetSnapshot(t);
//   auto g = SnapshotGraph::Make(*snap, {.edge_label = "road",
//                                        .weight_property = "km"});
//   std::vector<double> dist(num_vertices(*g));
//   boost::dijkstra_shortest_paths(*g, *g->index_of(42),
//                                  boost::distance_map(dist.data()));
//   if (!g->status().ok()) ...  // A read failed during the run.
//   dist[v] is the distance to vertex g->id(v).
//
// Models IncidenceGraph, BidirectionalGraph, AdjacencyGraph, VertexListGraph
// and EdgeListGraph. Vertex descriptors are dense indices 0..n-1 into the
// snapshot's vertex ids in ascending order (get(boost::vertex_index, g) is
// the identity); `g.id(v)` and `g.index_of(id)` map between the two. Edge
// descriptors (SnapshotEdge) carry the weight read from the edge's record
// when a weight property is configured (get(boost::edge_weight, g)).
//
// The vertex set is read once, by Make. Adjacency is not copied: every
// out_edges / in_edges / adjacent_vertices / degree call is one range scan of
// the snapshot (two for the undirected view) into a buffer the iterators
// share, so an algorithm reads the snapshot's KV data as of its time. With a
// weight property, in_edges and the undirected view's out_edges also do one
// point lookup per in-arc (in-entries carry no record). Edges whose other
// end is outside the vertex set (a vertex-label filter, or an edge stored
// without endpoint checks) are skipped. Algorithms that call out_degree per
// edge (page_rank) pay a scan each time; copy into a CSR for heavy use.
//
// Views:
//   SnapshotGraph            directed; BidirectionalGraph.
//   UndirectedSnapshotGraph  every stored arc u->v is an undirected edge:
//                            out_edges(u) lists it (target v) and so does
//                            out_edges(v) (target u); a self-loop appears
//                            twice, as in an undirected adjacency_list.
//                            A graph loaded with both directions of every
//                            edge becomes a multigraph with each edge twice
//                            here; use the directed view for such a graph
//                            (it is already symmetric).
//   edges(g) lists every stored arc once in both views.
//
// Errors: BGL algorithms cannot return a Status and the adaptor never
// throws. The first read error (DataLoss from a scan, a malformed record, a
// non-numeric weight) is recorded in the graph object, shared by its copies
// and views; from then on every range is empty and every degree 0, so an
// algorithm finishes quickly with a meaningless result. Callers check
// status() after running an algorithm.
//
// Lifetime and thread safety: a graph made from `const GraphSnapshot&`
// refers to the snapshot, which must outlive it; Make(GraphSnapshot&&) owns
// its snapshot. Iterators and descriptors stay valid while the graph (or a
// copy or view of it) lives. Copies are cheap and share state. Const calls
// may run concurrently from several threads.

#ifndef ZVERSE_GRAPH_BOOST_GRAPH_H_
#define ZVERSE_GRAPH_BOOST_GRAPH_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "boost/graph/graph_traits.hpp"
#include "boost/graph/properties.hpp"
#include "boost/iterator/counting_iterator.hpp"
#include "boost/iterator/iterator_facade.hpp"
#include "boost/property_map/property_map.hpp"
#include "graph/graph_db.h"
#include "graph/keys.h"
#include "graph/record.h"
#include "kv/status_macros.h"

namespace zverse::graph {

struct SnapshotGraphOptions {
  // Only vertices with this label (NotFound at Make if never interned).
  std::optional<std::string> vertex_label = std::nullopt;
  // Only edges with this label (NotFound at Make if never interned).
  std::optional<std::string> edge_label = std::nullopt;
  // Edge weights from this numeric property (int64 or float64; NotFound at
  // Make if never interned). Edges without it, and every edge when unset,
  // weigh `default_weight`. Another type is an InvalidArgument error
  // recorded in status().
  std::optional<std::string> weight_property = std::nullopt;
  double default_weight = 1.0;
};

// An edge descriptor: one stored arc tail -(label)-> head, seen from one of
// its ends. `source`/`target` are dense vertex indices as the view yields
// them; in the undirected view `reversed` says that (source, target) is
// (head, tail). Two descriptors are equal when they denote the same stored
// arc, whichever end they are seen from.
struct SnapshotEdge {
  std::size_t source = 0;
  std::size_t target = 0;
  LabelId label = 0;
  bool reversed = false;
  double weight = 1.0;

  std::size_t tail() const { return reversed ? target : source; }
  std::size_t head() const { return reversed ? source : target; }

  friend bool operator==(const SnapshotEdge& a, const SnapshotEdge& b) {
    return a.tail() == b.tail() && a.label == b.label && a.head() == b.head();
  }
  friend bool operator<(const SnapshotEdge& a, const SnapshotEdge& b) {
    return std::make_tuple(a.tail(), a.label, a.head()) <
           std::make_tuple(b.tail(), b.label, b.head());
  }
  template <typename H>
  friend H AbslHashValue(H h, const SnapshotEdge& e) {
    return H::combine(std::move(h), e.tail(), e.label, e.head());
  }
};

// get(boost::edge_weight, g): the descriptor's weight.
struct SnapshotEdgeWeightMap {
  using key_type = SnapshotEdge;
  using value_type = double;
  using reference = double;
  using category = boost::readable_property_map_tag;
  friend double get(const SnapshotEdgeWeightMap&, const SnapshotEdge& e) {
    return e.weight;
  }
  double operator[](const SnapshotEdge& e) const { return e.weight; }
};

namespace snapshot_graph_internal {

// BGL traversal capabilities of both views.
struct TraversalTag : virtual boost::bidirectional_graph_tag,
                      virtual boost::adjacency_graph_tag,
                      virtual boost::vertex_list_graph_tag,
                      virtual boost::edge_list_graph_tag {};

using EdgeBuffer = std::vector<SnapshotEdge>;
using EdgeBufferPtr = std::shared_ptr<const EdgeBuffer>;

// Random-access iterator over a shared buffer of edges, yielding the edge
// (kTarget false) or its target (kTarget true) by value.
template <typename Value, bool kTarget>
class BufferIterator
    : public boost::iterator_facade<BufferIterator<Value, kTarget>, Value,
                                    boost::random_access_traversal_tag, Value,
                                    std::ptrdiff_t> {
 public:
  BufferIterator() = default;
  BufferIterator(EdgeBufferPtr buffer, std::size_t pos)
      : buffer_(std::move(buffer)), pos_(pos) {}

 private:
  friend class boost::iterator_core_access;
  Value dereference() const {
    if constexpr (kTarget) {
      return (*buffer_)[pos_].target;
    } else {
      return (*buffer_)[pos_];
    }
  }
  bool equal(const BufferIterator& other) const { return pos_ == other.pos_; }
  void increment() { ++pos_; }
  void decrement() { --pos_; }
  void advance(std::ptrdiff_t n) { pos_ += n; }
  std::ptrdiff_t distance_to(const BufferIterator& other) const {
    return static_cast<std::ptrdiff_t>(other.pos_) -
           static_cast<std::ptrdiff_t>(pos_);
  }

  EdgeBufferPtr buffer_;
  std::size_t pos_ = 0;
};

// What the graph objects (copies and both views) share.
class State {
 public:
  const GraphSnapshot* snap = nullptr;
  std::optional<GraphSnapshot> owned;  // Make(GraphSnapshot&&).
  std::optional<LabelId> edge_label;
  std::optional<PropertyId> weight_property;
  double default_weight = 1.0;
  std::vector<VertexId> ids;  // Ascending: the dense index.
  absl::flat_hash_map<VertexId, std::size_t> index;

  bool failed() const { return failed_.load(std::memory_order_acquire); }

  absl::Status status() const {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }

  void RecordError(absl::Status s) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (status_.ok()) status_ = std::move(s);
    failed_.store(true, std::memory_order_release);
  }

  // Calls fn(neighbour index, arc) for every arc out of (`out`) or into
  // vertex `v` whose other end is in the vertex set: one range scan. Returns
  // false, with the error recorded, if the scan failed or one had before.
  template <typename Fn>
  bool ForEachArc(std::size_t v, bool out, Fn&& fn) const {
    if (failed()) return false;
    const VertexId id = ids[v];
    auto visit = [&](const EdgeRef& e) {
      auto it = index.find(out ? e.dst : e.src);
      if (it != index.end()) fn(it->second, e);
      return true;
    };
    absl::Status s;
    if (edge_label.has_value()) {
      s = out ? snap->OutEdges(id, *edge_label, visit)
              : snap->InEdges(id, *edge_label, visit);
    } else {
      s = out ? snap->OutEdges(id, visit) : snap->InEdges(id, visit);
    }
    if (!s.ok()) {
      RecordError(std::move(s));
      return false;
    }
    return !failed();
  }

  std::size_t CountArcs(std::size_t v, bool out) const {
    std::size_t n = 0;
    if (!ForEachArc(v, out, [&](std::size_t, const EdgeRef&) { ++n; })) {
      return 0;
    }
    return n;
  }

  // The weight of an arc found by an out-scan (`value` is its record) or an
  // in-scan (one point lookup).
  double Weight(const EdgeRef& e, bool from_out_scan) const {
    if (!weight_property.has_value()) return default_weight;
    if (from_out_scan) {
      if (e.value.empty()) return default_weight;
      absl::StatusOr<RecordView> record = RecordView::Parse(e.value);
      if (!record.ok()) {
        RecordError(std::move(record).status());
        return default_weight;
      }
      return WeightOf(*record);
    }
    absl::StatusOr<Edge> edge = snap->GetEdge(e.key());
    if (!edge.ok()) {
      if (absl::IsNotFound(edge.status())) {
        RecordError(absl::DataLossError(absl::StrCat(
            "in-edge ", e.src, " -> ", e.dst, " (label ", e.label,
            ") has no out-edge: ", edge.status().message())));
      } else {
        RecordError(std::move(edge).status());
      }
      return default_weight;
    }
    if (!edge->record.has_value()) return default_weight;
    return WeightOf(*edge->record);
  }

  double WeightOf(const RecordView& record) const {
    absl::StatusOr<double> d = record.GetDouble(*weight_property);
    if (d.ok()) return *d;
    if (absl::IsNotFound(d.status())) return default_weight;
    absl::StatusOr<int64_t> i = record.GetInt64(*weight_property);
    if (i.ok()) return static_cast<double>(*i);
    RecordError(absl::InvalidArgumentError(
        absl::StrCat("edge weight property (id ", *weight_property,
                     ") is neither int64 nor float64: ", d.status().message())));
    return default_weight;
  }

  // Arcs out of (`out`) or into `v` as directed-view descriptors; empty
  // after an error.
  void AppendArcs(std::size_t v, bool out, bool with_weights,
                  EdgeBuffer& buffer) const {
    ForEachArc(v, out, [&](std::size_t n, const EdgeRef& e) {
      SnapshotEdge edge;
      edge.source = out ? v : n;
      edge.target = out ? n : v;
      edge.label = e.label;
      edge.weight = with_weights ? Weight(e, out) : default_weight;
      buffer.push_back(edge);
    });
  }

  // Edges incident to `v` as the view yields them: `out` selects out_edges
  // (source v) or in_edges (target v).
  EdgeBufferPtr Incident(std::size_t v, bool out, bool undirected,
                         bool with_weights) const {
    auto buffer = std::make_shared<EdgeBuffer>();
    if (!undirected) {
      AppendArcs(v, out, with_weights, *buffer);
    } else {
      AppendArcs(v, /*out=*/true, with_weights, *buffer);
      const std::size_t n_out = buffer->size();
      AppendArcs(v, /*out=*/false, with_weights, *buffer);
      // In-arcs seen from v: source v, target the arc's tail.
      for (std::size_t i = n_out; i < buffer->size(); ++i) {
        SnapshotEdge& e = (*buffer)[i];
        std::swap(e.source, e.target);
        e.reversed = true;
      }
      if (!out) {
        for (SnapshotEdge& e : *buffer) {
          std::swap(e.source, e.target);
          e.reversed = !e.reversed;
        }
      }
    }
    if (failed()) buffer->clear();
    return buffer;
  }

  std::size_t NumEdges() const {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (num_edges_.has_value()) return *num_edges_;
    }
    std::size_t n = 0;
    for (std::size_t v = 0; v < ids.size(); ++v) n += CountArcs(v, true);
    if (failed()) return 0;
    std::lock_guard<std::mutex> lock(mu_);
    num_edges_ = n;
    return n;
  }

 private:
  mutable std::mutex mu_;  // (std::mutex: ThreadSanitizer sees it.)
  mutable absl::Status status_;
  mutable std::optional<std::size_t> num_edges_;
  mutable std::atomic<bool> failed_{false};
};

// edges(g): every vertex's out-arcs, one vertex's scan at a time.
class EdgeIterator
    : public boost::iterator_facade<EdgeIterator, SnapshotEdge,
                                    boost::forward_traversal_tag,
                                    SnapshotEdge> {
 public:
  EdgeIterator() = default;
  // The first edge at or after vertex `v` (v == n: the end).
  EdgeIterator(const State* state, std::size_t v) : state_(state), v_(v) {
    Settle();
  }

 private:
  friend class boost::iterator_core_access;
  SnapshotEdge dereference() const { return (*buffer_)[pos_]; }
  bool equal(const EdgeIterator& other) const {
    return v_ == other.v_ && pos_ == other.pos_;
  }
  void increment() {
    ++pos_;
    Settle();
  }
  // Moves to the next vertex while the current one has no more edges.
  void Settle() {
    const std::size_t n = state_ == nullptr ? 0 : state_->ids.size();
    while (v_ < n) {
      if (buffer_ == nullptr) {
        buffer_ = state_->Incident(v_, /*out=*/true, /*undirected=*/false,
                                   /*with_weights=*/true);
      }
      if (pos_ < buffer_->size()) return;
      ++v_;
      pos_ = 0;
      buffer_.reset();
    }
  }

  const State* state_ = nullptr;
  std::size_t v_ = 0;
  std::size_t pos_ = 0;
  EdgeBufferPtr buffer_;
};

}  // namespace snapshot_graph_internal

// Maps a vertex descriptor (dense index) to its VertexId.
class SnapshotVertexIdMap {
 public:
  using key_type = std::size_t;
  using value_type = VertexId;
  using reference = VertexId;
  using category = boost::readable_property_map_tag;
  explicit SnapshotVertexIdMap(const std::vector<VertexId>* ids) : ids_(ids) {}
  VertexId operator[](std::size_t v) const { return (*ids_)[v]; }
  friend VertexId get(const SnapshotVertexIdMap& m, std::size_t v) {
    return m[v];
  }

 private:
  const std::vector<VertexId>* ids_;
};

template <bool kUndirected>
class BasicSnapshotGraph {
 public:
  using vertex_descriptor = std::size_t;
  using edge_descriptor = SnapshotEdge;
  using out_edge_iterator =
      snapshot_graph_internal::BufferIterator<SnapshotEdge, false>;
  using in_edge_iterator = out_edge_iterator;
  using adjacency_iterator =
      snapshot_graph_internal::BufferIterator<std::size_t, true>;
  using vertex_iterator = boost::counting_iterator<std::size_t>;
  using edge_iterator = snapshot_graph_internal::EdgeIterator;

  // Reads the vertex set of `snap` (one scan) and resolves the options'
  // names. NotFound for a label or property name never interned; the
  // snapshot's read errors otherwise. `snap` must outlive the graph.
  static absl::StatusOr<BasicSnapshotGraph> Make(
      const GraphSnapshot& snap, const SnapshotGraphOptions& options = {}) {
    auto state = std::make_shared<snapshot_graph_internal::State>();
    state->snap = &snap;
    ZVERSE_RETURN_IF_ERROR(Init(*state, options));
    return BasicSnapshotGraph(std::move(state));
  }
  // As above; the graph owns the snapshot.
  static absl::StatusOr<BasicSnapshotGraph> Make(
      GraphSnapshot&& snap, const SnapshotGraphOptions& options = {}) {
    auto state = std::make_shared<snapshot_graph_internal::State>();
    state->owned.emplace(std::move(snap));
    state->snap = &*state->owned;
    ZVERSE_RETURN_IF_ERROR(Init(*state, options));
    return BasicSnapshotGraph(std::move(state));
  }

  // The other view of the same vertex set, options and error state.
  BasicSnapshotGraph<true> AsUndirected() const {
    return BasicSnapshotGraph<true>(state_);
  }
  BasicSnapshotGraph<false> AsDirected() const {
    return BasicSnapshotGraph<false>(state_);
  }

  // The first read error during a lazy scan (OK if none). Check it after
  // running an algorithm.
  absl::Status status() const { return state_->status(); }

  const GraphSnapshot& snapshot() const { return *state_->snap; }
  std::size_t size() const { return state_->ids.size(); }
  // The VertexId of vertex descriptor `v` (< size()).
  VertexId id(vertex_descriptor v) const { return state_->ids[v]; }
  // Every VertexId, ascending: ids()[v] == id(v).
  const std::vector<VertexId>& ids() const { return state_->ids; }
  // The descriptor of vertex `id`; nullopt if it is not in the vertex set.
  std::optional<vertex_descriptor> index_of(VertexId id) const {
    auto it = state_->index.find(id);
    if (it == state_->index.end()) return std::nullopt;
    return it->second;
  }
  SnapshotVertexIdMap id_map() const { return SnapshotVertexIdMap(&ids()); }
  // The stored edge a descriptor denotes (for GraphSnapshot::GetEdge).
  EdgeKey edge_key(const edge_descriptor& e) const {
    return EdgeKey{id(e.tail()), e.label, id(e.head())};
  }
  std::optional<LabelId> edge_label() const { return state_->edge_label; }

  // BGL's free functions, found by argument-dependent lookup.
  friend vertex_descriptor source(const edge_descriptor& e,
                                  const BasicSnapshotGraph&) {
    return e.source;
  }
  friend vertex_descriptor target(const edge_descriptor& e,
                                  const BasicSnapshotGraph&) {
    return e.target;
  }

  friend std::pair<out_edge_iterator, out_edge_iterator> out_edges(
      vertex_descriptor v, const BasicSnapshotGraph& g) {
    auto buffer = g.state_->Incident(v, /*out=*/true, kUndirected,
                                     /*with_weights=*/true);
    const std::size_t n = buffer->size();
    return {out_edge_iterator(buffer, 0), out_edge_iterator(buffer, n)};
  }
  friend std::pair<in_edge_iterator, in_edge_iterator> in_edges(
      vertex_descriptor v, const BasicSnapshotGraph& g) {
    auto buffer = g.state_->Incident(v, /*out=*/false, kUndirected,
                                     /*with_weights=*/true);
    const std::size_t n = buffer->size();
    return {in_edge_iterator(buffer, 0), in_edge_iterator(buffer, n)};
  }
  friend std::pair<adjacency_iterator, adjacency_iterator> adjacent_vertices(
      vertex_descriptor v, const BasicSnapshotGraph& g) {
    auto buffer = g.state_->Incident(v, /*out=*/true, kUndirected,
                                     /*with_weights=*/false);
    const std::size_t n = buffer->size();
    return {adjacency_iterator(buffer, 0), adjacency_iterator(buffer, n)};
  }

  friend std::size_t out_degree(vertex_descriptor v,
                                const BasicSnapshotGraph& g) {
    if constexpr (kUndirected) {
      return degree(v, g);
    } else {
      return g.state_->CountArcs(v, /*out=*/true);
    }
  }
  friend std::size_t in_degree(vertex_descriptor v,
                               const BasicSnapshotGraph& g) {
    if constexpr (kUndirected) {
      return degree(v, g);
    } else {
      return g.state_->CountArcs(v, /*out=*/false);
    }
  }
  // Directed: in + out. Undirected: the number of incident edges (a
  // self-loop counts twice), as out_degree and in_degree.
  friend std::size_t degree(vertex_descriptor v, const BasicSnapshotGraph& g) {
    const std::size_t out = g.state_->CountArcs(v, /*out=*/true);
    const std::size_t in = g.state_->CountArcs(v, /*out=*/false);
    return g.state_->failed() ? 0 : out + in;
  }

  friend std::pair<vertex_iterator, vertex_iterator> vertices(
      const BasicSnapshotGraph& g) {
    return {vertex_iterator(0), vertex_iterator(g.size())};
  }
  friend std::size_t num_vertices(const BasicSnapshotGraph& g) {
    return g.size();
  }
  // The n-th vertex descriptor (n itself).
  friend vertex_descriptor vertex(std::size_t n, const BasicSnapshotGraph&) {
    return n;
  }

  friend std::pair<edge_iterator, edge_iterator> edges(
      const BasicSnapshotGraph& g) {
    return {edge_iterator(g.state_.get(), 0),
            edge_iterator(g.state_.get(), g.size())};
  }
  // Every stored arc between vertices of the set, once (counted by one scan
  // per vertex on the first call, then cached). 0 after an error.
  friend std::size_t num_edges(const BasicSnapshotGraph& g) {
    return g.state_->NumEdges();
  }

  friend boost::typed_identity_property_map<std::size_t> get(
      boost::vertex_index_t, const BasicSnapshotGraph&) {
    return {};
  }
  friend std::size_t get(boost::vertex_index_t, const BasicSnapshotGraph&,
                         vertex_descriptor v) {
    return v;
  }
  friend SnapshotEdgeWeightMap get(boost::edge_weight_t,
                                   const BasicSnapshotGraph&) {
    return {};
  }
  friend double get(boost::edge_weight_t, const BasicSnapshotGraph&,
                    const edge_descriptor& e) {
    return e.weight;
  }

 private:
  template <bool>
  friend class BasicSnapshotGraph;

  explicit BasicSnapshotGraph(
      std::shared_ptr<const snapshot_graph_internal::State> state)
      : state_(std::move(state)) {}

  static absl::Status Init(snapshot_graph_internal::State& state,
                           const SnapshotGraphOptions& options) {
    const GraphSnapshot& snap = *state.snap;
    auto resolve = [](absl::StatusOr<uint32_t> id, const char* what,
                      const std::string& name) -> absl::StatusOr<uint32_t> {
      if (absl::IsNotFound(id.status())) {
        return absl::NotFoundError(
            absl::StrCat("SnapshotGraph: unknown ", what, " \"", name, "\""));
      }
      return id;
    };
    if (options.edge_label.has_value()) {
      ZVERSE_ASSIGN_OR_RETURN(
          state.edge_label,
          resolve(snap.LabelIdOf(*options.edge_label), "edge label",
                  *options.edge_label));
    }
    if (options.weight_property.has_value()) {
      ZVERSE_ASSIGN_OR_RETURN(
          state.weight_property,
          resolve(snap.PropertyIdOf(*options.weight_property),
                  "weight property", *options.weight_property));
    }
    state.default_weight = options.default_weight;
    if (options.vertex_label.has_value()) {
      ZVERSE_ASSIGN_OR_RETURN(
          const LabelId label,
          resolve(snap.LabelIdOf(*options.vertex_label), "vertex label",
                  *options.vertex_label));
      ZVERSE_RETURN_IF_ERROR(snap.Vertices(label, [&](VertexId v) {
        state.ids.push_back(v);
        return true;
      }));
    } else {
      ZVERSE_ASSIGN_OR_RETURN(state.ids, snap.VertexIds());
    }
    // Both scans are documented as ascending; the dense index relies on it.
    if (!std::is_sorted(state.ids.begin(), state.ids.end())) {
      std::sort(state.ids.begin(), state.ids.end());
    }
    state.ids.erase(std::unique(state.ids.begin(), state.ids.end()),
                    state.ids.end());
    state.index.reserve(state.ids.size());
    for (std::size_t i = 0; i < state.ids.size(); ++i) {
      state.index.emplace(state.ids[i], i);
    }
    return absl::OkStatus();
  }

  std::shared_ptr<const snapshot_graph_internal::State> state_;
};

using SnapshotGraph = BasicSnapshotGraph<false>;
using UndirectedSnapshotGraph = BasicSnapshotGraph<true>;

}  // namespace zverse::graph

namespace boost {

template <bool kUndirected>
struct graph_traits<zverse::graph::BasicSnapshotGraph<kUndirected>> {
 private:
  using G = zverse::graph::BasicSnapshotGraph<kUndirected>;

 public:
  using vertex_descriptor = typename G::vertex_descriptor;
  using edge_descriptor = typename G::edge_descriptor;
  using directed_category =
      std::conditional_t<kUndirected, undirected_tag, bidirectional_tag>;
  using edge_parallel_category = allow_parallel_edge_tag;
  using traversal_category = zverse::graph::snapshot_graph_internal::TraversalTag;
  using out_edge_iterator = typename G::out_edge_iterator;
  using in_edge_iterator = typename G::in_edge_iterator;
  using adjacency_iterator = typename G::adjacency_iterator;
  using vertex_iterator = typename G::vertex_iterator;
  using edge_iterator = typename G::edge_iterator;
  using vertices_size_type = std::size_t;
  using edges_size_type = std::size_t;
  using degree_size_type = std::size_t;
  static vertex_descriptor null_vertex() {
    return std::numeric_limits<vertex_descriptor>::max();
  }
};

template <bool kUndirected>
struct property_map<zverse::graph::BasicSnapshotGraph<kUndirected>,
                    vertex_index_t> {
  using type = typed_identity_property_map<std::size_t>;
  using const_type = type;
};

template <bool kUndirected>
struct property_map<zverse::graph::BasicSnapshotGraph<kUndirected>,
                    edge_weight_t> {
  using type = zverse::graph::SnapshotEdgeWeightMap;
  using const_type = type;
};

}  // namespace boost

#endif  // ZVERSE_GRAPH_BOOST_GRAPH_H_
