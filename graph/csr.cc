#include "graph/csr.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "graph/record.h"
#include "kv/status_macros.h"

namespace zverse::graph {
namespace {

constexpr uint32_t kNoIndex = std::numeric_limits<uint32_t>::max();

// Maps vertex ids to dense indices while the CSR is built: a direct table
// when the ids are dense enough (the common case: 1..n with a few gaps),
// a hash map otherwise.
class IdIndex {
 public:
  explicit IdIndex(const std::vector<VertexId>& ids) {
    if (ids.empty()) return;
    base_ = ids.front();
    const uint64_t span = ids.back() - ids.front();
    if (span < 4 * static_cast<uint64_t>(ids.size()) + 1024) {
      table_.assign(span + 1, kNoIndex);
      for (size_t i = 0; i < ids.size(); ++i) {
        table_[ids[i] - base_] = static_cast<uint32_t>(i);
      }
      dense_ = true;
    } else {
      map_.reserve(ids.size());
      for (size_t i = 0; i < ids.size(); ++i) {
        map_.emplace(ids[i], static_cast<uint32_t>(i));
      }
    }
  }

  // kNoIndex if `id` is not in the set.
  uint32_t Find(VertexId id) const {
    if (dense_) {
      const uint64_t off = id - base_;  // Wraps around for id < base_.
      return off < table_.size() ? table_[off] : kNoIndex;
    }
    auto it = map_.find(id);
    return it == map_.end() ? kNoIndex : it->second;
  }

 private:
  bool dense_ = false;
  VertexId base_ = 0;
  std::vector<uint32_t> table_;
  absl::flat_hash_map<VertexId, uint32_t> map_;
};

std::string EdgeName(const GraphSnapshot& snap, const EdgeRef& e) {
  absl::StatusOr<std::string_view> label = snap.LabelName(e.label);
  const std::string label_text =
      label.ok() ? std::string(*label) : absl::StrCat("#", e.label);
  return absl::StrCat("(", e.src, ", ", label_text, ", ", e.dst, ")");
}

// The weight `property` of edge `e`, read from its out-edge record.
absl::StatusOr<double> EdgeWeight(const GraphSnapshot& snap, const EdgeRef& e,
                                  PropertyId property,
                                  const std::string& property_name) {
  auto missing = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("edge ", EdgeName(snap, e), " has no weight property '",
                     property_name, "'"));
  };
  if (e.value.empty()) return missing();
  absl::StatusOr<RecordView> record = RecordView::Parse(e.value);
  if (!record.ok()) {
    return absl::Status(
        record.status().code(),
        absl::StrCat("edge ", EdgeName(snap, e), ": ",
                     std::string(record.status().message())));
  }
  absl::StatusOr<double> d = record->GetDouble(property);
  if (d.ok()) return *d;
  if (absl::IsNotFound(d.status())) return missing();
  absl::StatusOr<int64_t> i = record->GetInt64(property);
  if (i.ok()) return static_cast<double>(*i);
  if (absl::IsNotFound(i.status())) return missing();
  return absl::InvalidArgumentError(
      absl::StrCat("edge ", EdgeName(snap, e), ": weight property '",
                   property_name, "' is neither float64 nor int64"));
}

// Looks up a dictionary name, turning NotFound into a message naming it.
template <typename Lookup>
auto NamedLookup(Lookup lookup, const std::string& name, const char* what)
    -> decltype(lookup(name)) {
  auto id = lookup(name);
  if (absl::IsNotFound(id.status())) {
    return absl::NotFoundError(absl::StrCat(
        "unknown ", what, " '", name, "': the graph has no such name"));
  }
  return id;
}

}  // namespace

absl::StatusOr<CsrGraph> CsrGraph::FromSnapshot(const GraphSnapshot& snap,
                                                const CsrOptions& options) {
  std::optional<LabelId> vertex_label;
  std::optional<LabelId> edge_label;
  std::optional<PropertyId> weight;
  auto label_of = [&](const std::string& n) { return snap.LabelIdOf(n); };
  if (options.vertex_label.has_value()) {
    ZVERSE_ASSIGN_OR_RETURN(
        vertex_label,
        NamedLookup(label_of, *options.vertex_label, "vertex label"));
  }
  if (options.edge_label.has_value()) {
    ZVERSE_ASSIGN_OR_RETURN(
        edge_label, NamedLookup(label_of, *options.edge_label, "edge label"));
  }
  if (options.weight_property.has_value()) {
    ZVERSE_ASSIGN_OR_RETURN(
        weight,
        NamedLookup([&](const std::string& n) { return snap.PropertyIdOf(n); },
                    *options.weight_property, "property"));
  }

  // The vertex set, ascending.
  std::vector<VertexId> ids;
  if (vertex_label.has_value()) {
    ZVERSE_RETURN_IF_ERROR(snap.Vertices(*vertex_label, [&](VertexId v) {
      ids.push_back(v);
      return true;
    }));
    // Documented as ascending; make sure of it, it is cheap.
    if (!std::is_sorted(ids.begin(), ids.end())) {
      std::sort(ids.begin(), ids.end());
    }
  } else {
    ZVERSE_ASSIGN_OR_RETURN(ids, snap.VertexIds());
  }
  if (ids.size() > kMaxVertices) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the graph has ", ids.size(),
                     " vertices; a CsrGraph holds at most ", kMaxVertices));
  }

  const IdIndex index(ids);
  std::vector<uint32_t> src;
  std::vector<uint32_t> dst;
  std::vector<double> weights;
  absl::Status status;
  ZVERSE_RETURN_IF_ERROR(snap.Edges([&](const EdgeRef& e) {
    if (edge_label.has_value() && e.label != *edge_label) return true;
    const uint32_t s = index.Find(e.src);
    if (s == kNoIndex) return true;
    const uint32_t d = index.Find(e.dst);
    if (d == kNoIndex) return true;
    if (weight.has_value()) {
      absl::StatusOr<double> w =
          EdgeWeight(snap, e, *weight, *options.weight_property);
      if (!w.ok()) {
        status = w.status();
        return false;
      }
      weights.push_back(*w);
    }
    src.push_back(s);
    dst.push_back(d);
    return true;
  }));
  ZVERSE_RETURN_IF_ERROR(status);
  CsrGraph g = Build(std::move(ids), src, dst, weights);
  // A weighted request on a graph without edges still counts as weighted.
  g.has_weights_ = weight.has_value();
  return g;
}

CsrGraph CsrGraph::FromEdges(
    std::vector<VertexId> ids,
    const std::vector<std::pair<VertexId, VertexId>>& edges,
    std::vector<double> weights) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const bool weighted = !weights.empty() && weights.size() == edges.size();
  const IdIndex index(ids);
  std::vector<uint32_t> src;
  std::vector<uint32_t> dst;
  std::vector<double> kept_weights;
  src.reserve(edges.size());
  dst.reserve(edges.size());
  for (size_t i = 0; i < edges.size(); ++i) {
    const uint32_t s = index.Find(edges[i].first);
    const uint32_t d = index.Find(edges[i].second);
    if (s == kNoIndex || d == kNoIndex) continue;
    src.push_back(s);
    dst.push_back(d);
    if (weighted) kept_weights.push_back(weights[i]);
  }
  CsrGraph g = Build(std::move(ids), src, dst, kept_weights);
  g.has_weights_ = weighted;
  return g;
}

CsrGraph CsrGraph::Build(std::vector<VertexId> ids,
                         const std::vector<uint32_t>& src,
                         const std::vector<uint32_t>& dst,
                         const std::vector<double>& weights) {
  const size_t n = ids.size();
  const size_t m = src.size();
  const bool weighted = !weights.empty();
  CsrGraph g;
  g.ids_ = std::move(ids);
  g.has_weights_ = weighted;

  // In-row offsets, and the arcs ordered by destination (counting sort).
  g.in_offsets_.assign(n + 1, 0);
  for (size_t e = 0; e < m; ++e) ++g.in_offsets_[dst[e] + 1];
  for (size_t i = 0; i < n; ++i) g.in_offsets_[i + 1] += g.in_offsets_[i];
  std::vector<uint64_t> by_dst(m);
  {
    std::vector<uint64_t> pos(g.in_offsets_.begin(), g.in_offsets_.end() - 1);
    for (size_t e = 0; e < m; ++e) by_dst[pos[dst[e]]++] = e;
  }

  // Out rows: a stable counting sort by source of the arcs in destination
  // order leaves every row sorted by destination.
  g.out_offsets_.assign(n + 1, 0);
  for (size_t e = 0; e < m; ++e) ++g.out_offsets_[src[e] + 1];
  for (size_t i = 0; i < n; ++i) g.out_offsets_[i + 1] += g.out_offsets_[i];
  g.out_targets_.resize(m);
  if (weighted) g.out_weights_.resize(m);
  {
    std::vector<uint64_t> pos(g.out_offsets_.begin(),
                              g.out_offsets_.end() - 1);
    for (uint64_t e : by_dst) {
      const uint64_t p = pos[src[e]]++;
      g.out_targets_[p] = dst[e];
      if (weighted) g.out_weights_[p] = weights[e];
    }
  }
  by_dst.clear();
  by_dst.shrink_to_fit();

  // In rows: walking the out rows in source order leaves every in row sorted
  // by source.
  g.in_sources_.resize(m);
  {
    std::vector<uint64_t> pos(g.in_offsets_.begin(), g.in_offsets_.end() - 1);
    for (uint32_t u = 0; u < n; ++u) {
      for (uint64_t p = g.out_offsets_[u]; p < g.out_offsets_[u + 1]; ++p) {
        g.in_sources_[pos[g.out_targets_[p]]++] = u;
      }
    }
  }
  return g;
}

std::optional<uint32_t> CsrGraph::index_of(VertexId id) const {
  auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (it == ids_.end() || *it != id) return std::nullopt;
  return static_cast<uint32_t>(it - ids_.begin());
}

size_t CsrGraph::MemoryUsage() const {
  return ids_.capacity() * sizeof(VertexId) +
         out_offsets_.capacity() * sizeof(uint64_t) +
         out_targets_.capacity() * sizeof(uint32_t) +
         out_weights_.capacity() * sizeof(double) +
         in_offsets_.capacity() * sizeof(uint64_t) +
         in_sources_.capacity() * sizeof(uint32_t);
}

}  // namespace zverse::graph
