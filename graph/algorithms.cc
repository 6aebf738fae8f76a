#include "graph/algorithms.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <queue>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"

namespace zverse::graph {
namespace {

constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

absl::StatusOr<uint32_t> SourceIndex(const CsrGraph& graph, VertexId source) {
  std::optional<uint32_t> s = graph.index_of(source);
  if (!s.has_value()) {
    return absl::NotFoundError(absl::StrCat(
        "source vertex ", source, " is not a vertex of the graph"));
  }
  return *s;
}

// Calls fn(x) once for every distinct value of the union of two ascending
// sequences (which may repeat values), in ascending order.
template <typename Fn>
void ForEachDistinct(absl::Span<const uint32_t> a, absl::Span<const uint32_t> b,
                     Fn fn) {
  size_t i = 0;
  size_t j = 0;
  bool have_last = false;
  uint32_t last = 0;
  while (i < a.size() || j < b.size()) {
    uint32_t x;
    if (j == b.size() || (i < a.size() && a[i] <= b[j])) {
      x = a[i++];
    } else {
      x = b[j++];
    }
    if (have_last && x == last) continue;
    have_last = true;
    last = x;
    fn(x);
  }
}

// A bitmap over the dense indices.
class Bitmap {
 public:
  explicit Bitmap(size_t n) : words_((n + 63) / 64, 0) {}
  bool Get(uint32_t i) const { return (words_[i >> 6] >> (i & 63)) & 1; }
  void Set(uint32_t i) { words_[i >> 6] |= uint64_t{1} << (i & 63); }
  void Clear() { std::fill(words_.begin(), words_.end(), 0); }

 private:
  std::vector<uint64_t> words_;
};

}  // namespace

// --- BFS -------------------------------------------------------------------

// Direction-optimizing BFS (Beamer et al.): top-down from a queue while the
// frontier is small, bottom-up (each unvisited vertex looks for a parent in
// the frontier bitmap through its in-arcs) while it is large.
absl::StatusOr<std::vector<int64_t>> Bfs(const CsrGraph& graph,
                                         VertexId source) {
  uint32_t s;
  {
    absl::StatusOr<uint32_t> index = SourceIndex(graph, source);
    if (!index.ok()) return index.status();
    s = *index;
  }
  const size_t n = graph.num_vertices();
  std::vector<int64_t> depth(n, kUnreachable);
  depth[s] = 0;
  std::vector<uint32_t> frontier = {s};
  std::vector<uint32_t> next;
  Bitmap in_frontier(n);
  uint64_t unexplored_arcs = graph.num_edges();
  constexpr uint64_t kAlpha = 14;
  constexpr uint64_t kBeta = 24;
  bool bottom_up = false;
  for (int64_t level = 0; !frontier.empty(); ++level) {
    uint64_t frontier_arcs = 0;
    for (uint32_t u : frontier) frontier_arcs += graph.out_degree(u);
    unexplored_arcs -= std::min(unexplored_arcs, frontier_arcs);
    if (!bottom_up && frontier_arcs > unexplored_arcs / kAlpha) {
      bottom_up = true;
    } else if (bottom_up && frontier.size() < n / kBeta) {
      bottom_up = false;
    }
    next.clear();
    if (bottom_up) {
      in_frontier.Clear();
      for (uint32_t u : frontier) in_frontier.Set(u);
      for (uint32_t v = 0; v < n; ++v) {
        if (depth[v] != kUnreachable) continue;
        for (uint32_t u : graph.in_neighbors(v)) {
          if (in_frontier.Get(u)) {
            depth[v] = level + 1;
            next.push_back(v);
            break;
          }
        }
      }
    } else {
      for (uint32_t u : frontier) {
        for (uint32_t v : graph.out_neighbors(u)) {
          if (depth[v] == kUnreachable) {
            depth[v] = level + 1;
            next.push_back(v);
          }
        }
      }
    }
    frontier.swap(next);
  }
  return depth;
}

// --- PageRank --------------------------------------------------------------

// Pull-based: each vertex sums its in-neighbours' contributions, so every
// iteration reads the previous ranks only (synchronous) and writes each rank
// once.
absl::StatusOr<std::vector<double>> PageRank(const CsrGraph& graph,
                                             int iterations, double damping) {
  if (iterations < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("PageRank: iterations must be >= 0, got ", iterations));
  }
  if (!(damping >= 0.0 && damping <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "PageRank: the damping factor must be in [0, 1], got ", damping));
  }
  const size_t n = graph.num_vertices();
  if (n == 0) return std::vector<double>();
  const double inv_n = 1.0 / static_cast<double>(n);
  std::vector<double> rank(n, inv_n);
  std::vector<double> contribution(n);
  std::vector<double> next(n);
  for (int it = 0; it < iterations; ++it) {
    double dangling = 0.0;
    for (uint32_t u = 0; u < n; ++u) {
      const size_t degree = graph.out_degree(u);
      if (degree == 0) {
        dangling += rank[u];
        contribution[u] = 0.0;
      } else {
        contribution[u] = rank[u] / static_cast<double>(degree);
      }
    }
    const double base = (1.0 - damping) * inv_n + damping * inv_n * dangling;
    for (uint32_t v = 0; v < n; ++v) {
      double sum = 0.0;
      for (uint32_t u : graph.in_neighbors(v)) sum += contribution[u];
      next[v] = base + damping * sum;
    }
    rank.swap(next);
  }
  return rank;
}

// --- WCC -------------------------------------------------------------------

// Union-find in which the root of a set is always its smallest index, which
// is the smallest vertex id of the component (indices follow id order).
absl::StatusOr<std::vector<VertexId>> Wcc(const CsrGraph& graph) {
  const size_t n = graph.num_vertices();
  std::vector<uint32_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0u);
  auto find = [&](uint32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];  // Path halving.
      x = parent[x];
    }
    return x;
  };
  for (uint32_t u = 0; u < n; ++u) {
    for (uint32_t v : graph.out_neighbors(u)) {
      uint32_t a = find(u);
      uint32_t b = find(v);
      if (a == b) continue;
      if (a > b) std::swap(a, b);
      parent[b] = a;
    }
  }
  std::vector<VertexId> labels(n);
  for (uint32_t v = 0; v < n; ++v) labels[v] = graph.id(find(v));
  return labels;
}

// --- CDLP ------------------------------------------------------------------

// Labels are held as dense indices (a label is always some vertex's id, and
// index order is id order, so "smallest label" is "smallest index").
absl::StatusOr<std::vector<VertexId>> Cdlp(const CsrGraph& graph,
                                           int max_iterations, bool directed) {
  if (max_iterations < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CDLP: max iterations must be >= 0, got ", max_iterations));
  }
  const size_t n = graph.num_vertices();
  std::vector<uint32_t> label(n);
  std::iota(label.begin(), label.end(), 0u);
  std::vector<uint32_t> next(n);
  std::vector<uint32_t> seen;
  for (int it = 0; it < max_iterations; ++it) {
    bool changed = false;
    for (uint32_t v = 0; v < n; ++v) {
      seen.clear();
      if (directed) {
        for (uint32_t u : graph.in_neighbors(v)) seen.push_back(label[u]);
        for (uint32_t u : graph.out_neighbors(v)) seen.push_back(label[u]);
      } else {
        ForEachDistinct(graph.out_neighbors(v), graph.in_neighbors(v),
                        [&](uint32_t u) { seen.push_back(label[u]); });
      }
      if (seen.empty()) {
        next[v] = label[v];
        continue;
      }
      std::sort(seen.begin(), seen.end());
      uint32_t best = seen[0];
      size_t best_count = 0;
      for (size_t i = 0; i < seen.size();) {
        size_t j = i + 1;
        while (j < seen.size() && seen[j] == seen[i]) ++j;
        // Strictly more: ties keep the smaller label seen first.
        if (j - i > best_count) {
          best_count = j - i;
          best = seen[i];
        }
        i = j;
      }
      next[v] = best;
      changed |= best != label[v];
    }
    label.swap(next);
    if (!changed) break;  // A fixed point: later iterations change nothing.
  }
  std::vector<VertexId> out(n);
  for (uint32_t v = 0; v < n; ++v) out[v] = graph.id(label[v]);
  return out;
}

// --- LCC -------------------------------------------------------------------

// For each v: mark N(v), then count, for every u in N(v), the distinct
// marked vertices among u's out-neighbours (directed) or neighbours
// (undirected), other than u itself.
absl::StatusOr<std::vector<double>> Lcc(const CsrGraph& graph, bool directed) {
  const size_t n = graph.num_vertices();
  std::vector<double> lcc(n, 0.0);
  std::vector<uint32_t> mark(n, kNone);
  std::vector<uint32_t> neighbours;
  for (uint32_t v = 0; v < n; ++v) {
    neighbours.clear();
    ForEachDistinct(graph.out_neighbors(v), graph.in_neighbors(v),
                    [&](uint32_t u) {
                      if (u != v) neighbours.push_back(u);
                    });
    const size_t d = neighbours.size();
    if (d <= 1) continue;
    for (uint32_t u : neighbours) mark[u] = v;
    uint64_t links = 0;
    for (uint32_t u : neighbours) {
      auto count = [&](uint32_t w) {
        if (w != u && mark[w] == v) ++links;
      };
      if (directed) {
        ForEachDistinct(graph.out_neighbors(u), {}, count);
      } else {
        ForEachDistinct(graph.out_neighbors(u), graph.in_neighbors(u), count);
      }
    }
    lcc[v] = static_cast<double>(links) /
             (static_cast<double>(d) * static_cast<double>(d - 1));
  }
  return lcc;
}

// --- SSSP ------------------------------------------------------------------

// Dijkstra with a binary heap and lazy deletion.
absl::StatusOr<std::vector<double>> Sssp(const CsrGraph& graph,
                                         VertexId source) {
  if (!graph.has_weights()) {
    return absl::InvalidArgumentError(
        "SSSP needs edge weights: the graph was built without a weight "
        "property");
  }
  uint32_t s;
  {
    absl::StatusOr<uint32_t> index = SourceIndex(graph, source);
    if (!index.ok()) return index.status();
    s = *index;
  }
  const size_t n = graph.num_vertices();
  for (uint32_t u = 0; u < n; ++u) {
    absl::Span<const uint32_t> targets = graph.out_neighbors(u);
    absl::Span<const double> weights = graph.out_weights(u);
    for (size_t k = 0; k < weights.size(); ++k) {
      if (!(weights[k] >= 0.0)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "SSSP needs non-negative weights; edge ", graph.id(u), " -> ",
            graph.id(targets[k]), " has weight ", weights[k]));
      }
    }
  }
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<double> dist(n, kInf);
  using Entry = std::pair<double, uint32_t>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap;
  dist[s] = 0.0;
  heap.emplace(0.0, s);
  while (!heap.empty()) {
    const auto [du, u] = heap.top();
    heap.pop();
    if (du > dist[u]) continue;  // A stale entry.
    absl::Span<const uint32_t> targets = graph.out_neighbors(u);
    absl::Span<const double> weights = graph.out_weights(u);
    for (size_t k = 0; k < targets.size(); ++k) {
      const double dv = du + weights[k];
      if (dv < dist[targets[k]]) {
        dist[targets[k]] = dv;
        heap.emplace(dv, targets[k]);
      }
    }
  }
  return dist;
}

// --- Entry point and formatting --------------------------------------------

absl::StatusOr<Algorithm> ParseAlgorithm(std::string_view name) {
  const std::string lower =
      absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
  if (lower == "bfs") return Algorithm::kBfs;
  if (lower == "pr" || lower == "pagerank") return Algorithm::kPageRank;
  if (lower == "wcc") return Algorithm::kWcc;
  if (lower == "cdlp") return Algorithm::kCdlp;
  if (lower == "lcc") return Algorithm::kLcc;
  if (lower == "sssp") return Algorithm::kSssp;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown algorithm '", std::string(name),
                   "': expected bfs, pr, wcc, cdlp, lcc or sssp"));
}

std::string_view AlgorithmName(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kBfs:
      return "bfs";
    case Algorithm::kPageRank:
      return "pr";
    case Algorithm::kWcc:
      return "wcc";
    case Algorithm::kCdlp:
      return "cdlp";
    case Algorithm::kLcc:
      return "lcc";
    case Algorithm::kSssp:
      return "sssp";
  }
  return "unknown";
}

absl::StatusOr<AlgorithmResult> RunAlgorithm(const CsrGraph& graph,
                                             const AlgorithmParams& params) {
  AlgorithmResult result;
  result.algorithm = params.algorithm;
  auto need_source = [&]() -> absl::Status {
    if (params.source.has_value()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(AlgorithmName(params.algorithm)), " needs a source vertex"));
  };
  switch (params.algorithm) {
    case Algorithm::kBfs: {
      if (absl::Status s = need_source(); !s.ok()) return s;
      absl::StatusOr<std::vector<int64_t>> r = Bfs(graph, *params.source);
      if (!r.ok()) return r.status();
      result.depths = *std::move(r);
      break;
    }
    case Algorithm::kPageRank: {
      absl::StatusOr<std::vector<double>> r =
          PageRank(graph, params.iterations, params.damping);
      if (!r.ok()) return r.status();
      result.values = *std::move(r);
      break;
    }
    case Algorithm::kWcc: {
      absl::StatusOr<std::vector<VertexId>> r = Wcc(graph);
      if (!r.ok()) return r.status();
      result.labels = *std::move(r);
      break;
    }
    case Algorithm::kCdlp: {
      absl::StatusOr<std::vector<VertexId>> r =
          Cdlp(graph, params.iterations, params.directed);
      if (!r.ok()) return r.status();
      result.labels = *std::move(r);
      break;
    }
    case Algorithm::kLcc: {
      absl::StatusOr<std::vector<double>> r = Lcc(graph, params.directed);
      if (!r.ok()) return r.status();
      result.values = *std::move(r);
      break;
    }
    case Algorithm::kSssp: {
      if (absl::Status s = need_source(); !s.ok()) return s;
      absl::StatusOr<std::vector<double>> r = Sssp(graph, *params.source);
      if (!r.ok()) return r.status();
      result.values = *std::move(r);
      break;
    }
  }
  return result;
}

namespace {

void AppendDouble(double x, std::string* out) {
  if (std::isinf(x)) {
    out->append(x > 0 ? "infinity" : "-infinity");
    return;
  }
  if (std::isnan(x)) {
    out->append("nan");
    return;
  }
  char buffer[64];
  // Shortest form that reads back to the same double.
  const std::to_chars_result r =
      std::to_chars(buffer, buffer + sizeof(buffer), x);
  out->append(buffer, r.ptr);
}

void AppendValue(const AlgorithmResult& result, uint32_t i, std::string* out) {
  switch (result.algorithm) {
    case Algorithm::kBfs:
      absl::StrAppend(out, result.depths[i]);
      return;
    case Algorithm::kWcc:
    case Algorithm::kCdlp:
      absl::StrAppend(out, result.labels[i]);
      return;
    case Algorithm::kPageRank:
    case Algorithm::kLcc:
    case Algorithm::kSssp:
      AppendDouble(result.values[i], out);
      return;
  }
}

}  // namespace

std::string AlgorithmResult::FormatValue(uint32_t i) const {
  std::string out;
  AppendValue(*this, i, &out);
  return out;
}

void WriteResult(const CsrGraph& graph, const AlgorithmResult& result,
                 absl::FunctionRef<void(std::string_view)> sink) {
  constexpr size_t kChunk = 64 << 10;
  std::string buffer;
  buffer.reserve(kChunk + 128);
  const size_t n = graph.num_vertices();
  for (uint32_t i = 0; i < n; ++i) {
    absl::StrAppend(&buffer, graph.id(i), " ");
    AppendValue(result, i, &buffer);
    buffer.push_back('\n');
    if (buffer.size() >= kChunk) {
      sink(buffer);
      buffer.clear();
    }
  }
  if (!buffer.empty()) sink(buffer);
}

std::string FormatResult(const CsrGraph& graph, const AlgorithmResult& result) {
  std::string out;
  WriteResult(graph, result, [&](std::string_view chunk) {
    out.append(chunk.data(), chunk.size());
  });
  return out;
}

}  // namespace zverse::graph
