// Tests of CsrGraph and the Graphalytics kernels (graph/csr.h,
// graph/algorithms.h).
//
// The kernels are checked on random graphs against independent oracles:
// Boost.Graph's breadth_first_search, dijkstra_shortest_paths and
// connected_components, and brute-force implementations written here
// straight from the Graphalytics definitions (PR, CDLP, LCC), which work on
// plain edge lists and vertex ids and share nothing with the kernels.

#include "graph/algorithms.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "boost/graph/adjacency_list.hpp"
#include "boost/graph/breadth_first_search.hpp"
#include "boost/graph/connected_components.hpp"
#include "boost/graph/dijkstra_shortest_paths.hpp"
#include "graph/csr.h"
#include "graph/graph_db.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace zverse::graph {
namespace {

using ::zverse::testing::TempDir;

constexpr double kInf = std::numeric_limits<double>::infinity();

// --- Random graphs ----------------------------------------------------------

struct TestGraph {
  bool directed = true;
  std::vector<VertexId> ids;  // Ascending, distinct.
  // Stored arcs: for an undirected graph both directions of every edge, as
  // the loader stores them. In random order.
  std::vector<std::pair<VertexId, VertexId>> arcs;
  std::vector<double> weights;  // Parallel to arcs.
};

TestGraph RandomGraph(uint64_t seed, bool directed, size_t max_vertices,
                      double max_density) {
  std::mt19937_64 rng(seed);
  TestGraph g;
  g.directed = directed;
  const size_t n = std::uniform_int_distribution<size_t>(0, max_vertices)(rng);
  // Dense ids from 1, sparse small ids, or ids spread over all of uint64.
  std::set<VertexId> ids;
  const int id_kind = static_cast<int>(seed % 3);
  while (ids.size() < n) {
    if (id_kind == 0) {
      ids.insert(ids.size() + 1);
    } else if (id_kind == 1) {
      ids.insert(std::uniform_int_distribution<VertexId>(0, 4 * n)(rng));
    } else {
      ids.insert(rng());
    }
  }
  g.ids.assign(ids.begin(), ids.end());
  const double p =
      std::uniform_real_distribution<double>(0.0, max_density)(rng);
  std::bernoulli_distribution has_edge(p);
  auto weight = [&]() -> double {
    switch (std::uniform_int_distribution<int>(0, 4)(rng)) {
      case 0:
        return 0.0;
      case 1:
        return static_cast<double>(
            std::uniform_int_distribution<int>(1, 5)(rng));
      default:
        return std::uniform_real_distribution<double>(0.0, 10.0)(rng);
    }
  };
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = directed ? 0 : i + 1; j < n; ++j) {
      if (i == j || !has_edge(rng)) continue;
      const double w = weight();
      g.arcs.emplace_back(g.ids[i], g.ids[j]);
      g.weights.push_back(w);
      if (!directed) {
        g.arcs.emplace_back(g.ids[j], g.ids[i]);
        g.weights.push_back(w);
      }
    }
  }
  // Shuffle arcs and weights together: the CSR must sort.
  std::vector<size_t> order(g.arcs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  TestGraph shuffled = g;
  for (size_t i = 0; i < order.size(); ++i) {
    shuffled.arcs[i] = g.arcs[order[i]];
    shuffled.weights[i] = g.weights[order[i]];
  }
  return shuffled;
}

CsrGraph ToCsr(const TestGraph& g, bool weighted = true) {
  return CsrGraph::FromEdges(g.ids, g.arcs,
                             weighted ? g.weights : std::vector<double>());
}

size_t IndexOf(const TestGraph& g, VertexId id) {
  return std::lower_bound(g.ids.begin(), g.ids.end(), id) - g.ids.begin();
}

// --- Oracles: Boost.Graph ---------------------------------------------------

std::vector<int64_t> BglBfs(const TestGraph& g, VertexId source) {
  using Graph =
      boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  Graph bg(g.ids.size());
  for (const auto& [u, v] : g.arcs) {
    boost::add_edge(IndexOf(g, u), IndexOf(g, v), bg);
  }
  std::vector<int64_t> depth(g.ids.size(), kUnreachable);
  const size_t s = IndexOf(g, source);
  depth[s] = 0;
  boost::breadth_first_search(
      bg, boost::vertex(s, bg),
      boost::visitor(boost::make_bfs_visitor(
          boost::record_distances(depth.data(), boost::on_tree_edge()))));
  return depth;
}

std::vector<double> BglDijkstra(const TestGraph& g, VertexId source) {
  using Graph =
      boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS,
                            boost::no_property,
                            boost::property<boost::edge_weight_t, double>>;
  Graph bg(g.ids.size());
  for (size_t i = 0; i < g.arcs.size(); ++i) {
    boost::add_edge(IndexOf(g, g.arcs[i].first), IndexOf(g, g.arcs[i].second),
                    g.weights[i], bg);
  }
  std::vector<double> dist(g.ids.size());
  boost::dijkstra_shortest_paths(
      bg, boost::vertex(IndexOf(g, source), bg),
      boost::distance_map(boost::make_iterator_property_map(
                              dist.begin(), boost::get(boost::vertex_index, bg)))
          .distance_inf(kInf));
  return dist;
}

// Component labels: the smallest id of each component.
std::vector<VertexId> BglWcc(const TestGraph& g) {
  using Graph =
      boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  Graph bg(g.ids.size());
  for (const auto& [u, v] : g.arcs) {
    boost::add_edge(IndexOf(g, u), IndexOf(g, v), bg);
  }
  std::vector<int> component(g.ids.size());
  if (!component.empty()) boost::connected_components(bg, component.data());
  std::map<int, VertexId> smallest;
  for (size_t i = 0; i < component.size(); ++i) {
    auto [it, inserted] = smallest.emplace(component[i], g.ids[i]);
    if (!inserted) it->second = std::min(it->second, g.ids[i]);
  }
  std::vector<VertexId> labels(g.ids.size());
  for (size_t i = 0; i < component.size(); ++i) {
    labels[i] = smallest[component[i]];
  }
  return labels;
}

// --- Oracles: brute force from the definitions ------------------------------

std::vector<double> BrutePageRank(const TestGraph& g, int iterations,
                                  double d) {
  const double n = static_cast<double>(g.ids.size());
  std::map<VertexId, double> rank;
  std::map<VertexId, int> out_degree;
  for (VertexId v : g.ids) {
    rank[v] = 1.0 / n;
    out_degree[v] = 0;
  }
  for (const auto& [u, v] : g.arcs) ++out_degree[u];
  for (int it = 0; it < iterations; ++it) {
    double sinks = 0;
    for (VertexId w : g.ids) {
      if (out_degree[w] == 0) sinks += rank[w];
    }
    std::map<VertexId, double> next;
    for (VertexId v : g.ids) {
      double in_sum = 0;
      for (const auto& [a, b] : g.arcs) {
        if (b == v) in_sum += rank[a] / out_degree[a];
      }
      next[v] = (1 - d) / n + d * in_sum + d / n * sinks;
    }
    rank = next;
  }
  std::vector<double> out;
  for (VertexId v : g.ids) out.push_back(rank[v]);
  return out;
}

// Neighbour multiset for CDLP: directed, every arc in or out (a vertex
// linked both ways appears twice); undirected, each neighbour once.
std::vector<VertexId> CdlpNeighbours(const TestGraph& g, VertexId v) {
  std::vector<VertexId> out;
  if (g.directed) {
    for (const auto& [a, b] : g.arcs) {
      if (b == v) out.push_back(a);
      if (a == v) out.push_back(b);
    }
  } else {
    std::set<VertexId> s;
    for (const auto& [a, b] : g.arcs) {
      if (a == v) s.insert(b);
      if (b == v) s.insert(a);
    }
    out.assign(s.begin(), s.end());
  }
  return out;
}

std::vector<VertexId> BruteCdlp(const TestGraph& g, int iterations) {
  std::map<VertexId, VertexId> label;
  for (VertexId v : g.ids) label[v] = v;
  for (int it = 0; it < iterations; ++it) {
    std::map<VertexId, VertexId> next;
    for (VertexId v : g.ids) {
      std::map<VertexId, int> frequency;
      for (VertexId u : CdlpNeighbours(g, v)) ++frequency[label[u]];
      VertexId best = label[v];
      int best_count = 0;
      for (const auto& [l, count] : frequency) {  // Ascending labels.
        if (count > best_count) {
          best = l;
          best_count = count;
        }
      }
      next[v] = best;
    }
    label = next;
  }
  std::vector<VertexId> out;
  for (VertexId v : g.ids) out.push_back(label[v]);
  return out;
}

std::vector<double> BruteLcc(const TestGraph& g) {
  std::set<std::pair<VertexId, VertexId>> arc_set(g.arcs.begin(),
                                                  g.arcs.end());
  std::vector<double> out;
  for (VertexId v : g.ids) {
    std::set<VertexId> nv;
    for (const auto& [a, b] : g.arcs) {
      if (a == v && b != v) nv.insert(b);
      if (b == v && a != v) nv.insert(a);
    }
    const double d = static_cast<double>(nv.size());
    if (nv.size() <= 1) {
      out.push_back(0.0);
      continue;
    }
    // sum over u in N(v) of |N(v) ∩ N_out(u)|.
    double links = 0;
    for (VertexId u : nv) {
      for (VertexId w : nv) {
        if (u != w && arc_set.count({u, w})) ++links;
      }
    }
    out.push_back(links / (d * (d - 1)));
  }
  return out;
}

void ExpectNear(const std::vector<double>& want, const std::vector<double>& got,
                double rel) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (std::isinf(want[i])) {
      EXPECT_TRUE(std::isinf(got[i]) && got[i] > 0) << "index " << i;
    } else {
      EXPECT_LE(std::abs(want[i] - got[i]), rel * std::abs(want[i]) + 1e-15)
          << "index " << i << ": want " << want[i] << ", got " << got[i];
    }
  }
}

// --- Random graphs against the oracles ---------------------------------------

class RandomGraphTest : public ::testing::TestWithParam<std::tuple<int, bool>> {
};

TEST_P(RandomGraphTest, KernelsMatchOracles) {
  const auto [seed, directed] = GetParam();
  const TestGraph g = RandomGraph(seed, directed, 40, 0.3);
  SCOPED_TRACE(::testing::Message() << "n=" << g.ids.size()
                                    << " arcs=" << g.arcs.size());
  const CsrGraph csr = ToCsr(g);
  ASSERT_EQ(csr.num_vertices(), g.ids.size());
  ASSERT_EQ(csr.num_edges(), g.arcs.size());

  std::mt19937_64 rng(seed * 7919 + 1);
  for (int k = 0; k < 3 && !g.ids.empty(); ++k) {
    const VertexId source = g.ids[rng() % g.ids.size()];
    ASSERT_OK_AND_ASSIGN(std::vector<int64_t> depth, Bfs(csr, source));
    EXPECT_EQ(depth, BglBfs(g, source)) << "source " << source;
    // FromEdges cannot tell a weighted graph without arcs from an
    // unweighted one.
    if (g.arcs.empty()) continue;
    ASSERT_OK_AND_ASSIGN(std::vector<double> dist, Sssp(csr, source));
    ExpectNear(BglDijkstra(g, source), dist, 1e-12);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<VertexId> wcc, Wcc(csr));
  EXPECT_EQ(wcc, BglWcc(g));

  for (int iterations : {0, 1, 2, 7, 20}) {
    ASSERT_OK_AND_ASSIGN(std::vector<double> pr,
                         PageRank(csr, iterations, 0.85));
    ExpectNear(BrutePageRank(g, iterations, 0.85), pr, 1e-12);
    ASSERT_OK_AND_ASSIGN(std::vector<VertexId> cdlp,
                         Cdlp(csr, iterations, directed));
    EXPECT_EQ(cdlp, BruteCdlp(g, iterations)) << iterations << " iterations";
  }
  ASSERT_OK_AND_ASSIGN(std::vector<double> lcc, Lcc(csr, directed));
  ExpectNear(BruteLcc(g), lcc, 1e-12);
}

INSTANTIATE_TEST_SUITE_P(
    Seeds, RandomGraphTest,
    ::testing::Combine(::testing::Range(1, 31), ::testing::Bool()),
    [](const ::testing::TestParamInfo<std::tuple<int, bool>>& info) {
      return (std::get<1>(info.param) ? std::string("Directed")
                                      : std::string("Undirected")) +
             "Seed" + std::to_string(std::get<0>(info.param));
    });

// Larger graphs: BFS switches to bottom-up steps, union-find and Dijkstra
// see deep structures.
TEST(LargeRandomGraphTest, BfsSsspWccMatchBoost) {
  for (uint64_t seed : {101, 102, 103, 104}) {
    for (bool directed : {true, false}) {
      SCOPED_TRACE(::testing::Message()
                   << "seed " << seed << (directed ? " directed" : ""));
      TestGraph g;
      g.directed = directed;
      std::mt19937_64 rng(seed);
      const size_t n = 3000;
      for (size_t i = 0; i < n; ++i) g.ids.push_back(i * 3 + 5);
      // Sparse for some seeds (many components), dense for others.
      const size_t m = seed % 2 ? n / 2 : 8 * n;
      for (size_t e = 0; e < m; ++e) {
        const VertexId u = g.ids[rng() % n];
        const VertexId v = g.ids[rng() % n];
        if (u == v) continue;
        const double w = static_cast<double>(rng() % 1000) / 10.0;
        g.arcs.emplace_back(u, v);
        g.weights.push_back(w);
        if (!directed) {
          g.arcs.emplace_back(v, u);
          g.weights.push_back(w);
        }
      }
      const CsrGraph csr = ToCsr(g);
      for (int k = 0; k < 3; ++k) {
        const VertexId source = g.ids[rng() % n];
        ASSERT_OK_AND_ASSIGN(std::vector<int64_t> depth, Bfs(csr, source));
        EXPECT_EQ(depth, BglBfs(g, source));
        ASSERT_OK_AND_ASSIGN(std::vector<double> dist, Sssp(csr, source));
        ExpectNear(BglDijkstra(g, source), dist, 1e-12);
      }
      ASSERT_OK_AND_ASSIGN(std::vector<VertexId> wcc, Wcc(csr));
      EXPECT_EQ(wcc, BglWcc(g));
      ASSERT_OK_AND_ASSIGN(std::vector<double> pr, PageRank(csr, 5, 0.85));
      ExpectNear(BrutePageRank(g, 5, 0.85), pr, 1e-12);
    }
  }
}

// --- Hand-made cases ----------------------------------------------------------

TEST(AlgorithmsTest, EmptyGraph) {
  const CsrGraph csr = CsrGraph::FromEdges({}, {});
  EXPECT_EQ(csr.num_vertices(), 0u);
  EXPECT_EQ(csr.num_edges(), 0u);
  EXPECT_STATUS_CODE(Bfs(csr, 1), absl::StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(std::vector<double> pr, PageRank(csr, 10, 0.85));
  EXPECT_TRUE(pr.empty());
  ASSERT_OK_AND_ASSIGN(std::vector<VertexId> wcc, Wcc(csr));
  EXPECT_TRUE(wcc.empty());
  ASSERT_OK_AND_ASSIGN(std::vector<VertexId> cdlp, Cdlp(csr, 5, true));
  EXPECT_TRUE(cdlp.empty());
  ASSERT_OK_AND_ASSIGN(std::vector<double> lcc, Lcc(csr, false));
  EXPECT_TRUE(lcc.empty());
  EXPECT_STATUS_CODE(Sssp(csr, 1), absl::StatusCode::kInvalidArgument);
  const CsrGraph weighted = CsrGraph::FromEdges({}, {}, {});
  EXPECT_STATUS_CODE(Sssp(weighted, 1), absl::StatusCode::kInvalidArgument);
}

TEST(AlgorithmsTest, IsolatedVertices) {
  // 7 and 9 are isolated; 5 -> 6.
  const CsrGraph csr =
      CsrGraph::FromEdges({9, 5, 7, 6}, {{5, 6}}, {2.5});
  ASSERT_EQ(csr.num_vertices(), 4u);
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> depth, Bfs(csr, 5));
  EXPECT_EQ(depth, (std::vector<int64_t>{0, 1, kUnreachable, kUnreachable}));
  ASSERT_OK_AND_ASSIGN(std::vector<double> dist, Sssp(csr, 5));
  EXPECT_EQ(dist, (std::vector<double>{0.0, 2.5, kInf, kInf}));
  ASSERT_OK_AND_ASSIGN(std::vector<VertexId> wcc, Wcc(csr));
  EXPECT_EQ(wcc, (std::vector<VertexId>{5, 5, 7, 9}));
  ASSERT_OK_AND_ASSIGN(std::vector<VertexId> cdlp, Cdlp(csr, 3, true));
  // 5 takes 6's label and 6 takes 5's, in lockstep; isolated ones keep
  // their own.
  EXPECT_EQ(cdlp, (std::vector<VertexId>{6, 5, 7, 9}));
  ASSERT_OK_AND_ASSIGN(std::vector<double> lcc, Lcc(csr, true));
  EXPECT_EQ(lcc, (std::vector<double>{0, 0, 0, 0}));
  // Sinks: 6, 7, 9 hold all the rank after one step but 5's share.
  ASSERT_OK_AND_ASSIGN(std::vector<double> pr, PageRank(csr, 0, 0.85));
  EXPECT_EQ(pr, (std::vector<double>{0.25, 0.25, 0.25, 0.25}));
  ASSERT_OK_AND_ASSIGN(pr, PageRank(csr, 1, 0.85));
  const double base = 0.15 / 4 + 0.85 / 4 * 0.75;
  ExpectNear({base, base + 0.85 * 0.25, base, base}, pr, 1e-15);
  double sum = 0;
  for (double x : pr) sum += x;
  EXPECT_NEAR(sum, 1.0, 1e-15);
}

TEST(AlgorithmsTest, UnknownSourceAndBadParameters) {
  const CsrGraph csr = CsrGraph::FromEdges({1, 2}, {{1, 2}}, {1.0});
  EXPECT_STATUS_CODE(Bfs(csr, 3), absl::StatusCode::kNotFound);
  EXPECT_STATUS_CODE(Sssp(csr, 3), absl::StatusCode::kNotFound);
  EXPECT_STATUS_CODE(PageRank(csr, -1, 0.85),
                     absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(PageRank(csr, 1, 1.5), absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(PageRank(csr, 1, std::nan("")),
                     absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(Cdlp(csr, -1, true), absl::StatusCode::kInvalidArgument);
  AlgorithmParams params;
  params.algorithm = Algorithm::kBfs;
  EXPECT_STATUS_CODE(RunAlgorithm(csr, params),
                     absl::StatusCode::kInvalidArgument);
  params.algorithm = Algorithm::kSssp;
  EXPECT_STATUS_CODE(RunAlgorithm(csr, params),
                     absl::StatusCode::kInvalidArgument);
}

TEST(AlgorithmsTest, SsspNeedsNonNegativeWeights) {
  const CsrGraph unweighted = CsrGraph::FromEdges({1, 2}, {{1, 2}});
  absl::Status s = Sssp(unweighted, 1).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("weight"), absl::string_view::npos) << s;

  const CsrGraph negative =
      CsrGraph::FromEdges({1, 2, 3}, {{1, 2}, {2, 3}}, {1.0, -0.5});
  s = Sssp(negative, 1).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("2 -> 3"), absl::string_view::npos) << s;
  EXPECT_STATUS_CODE(
      Sssp(CsrGraph::FromEdges({1, 2}, {{1, 2}}, {std::nan("")}), 1),
      absl::StatusCode::kInvalidArgument);
  // Zero weights are fine.
  ASSERT_OK_AND_ASSIGN(
      std::vector<double> dist,
      Sssp(CsrGraph::FromEdges({1, 2, 3}, {{1, 2}, {2, 3}}, {0.0, 0.0}), 1));
  EXPECT_EQ(dist, (std::vector<double>{0, 0, 0}));
}

TEST(AlgorithmsTest, CdlpCountsBothWaysTwiceWhenDirected) {
  // Vertex 1's neighbours: 2 (both ways), 3 and 4 (one way each). Labels
  // after one step: directed, 2 counts twice and wins; undirected, each
  // counts once and the smallest label (2) wins too, so make 2 the largest.
  // 10 <-> 1, 2 -> 1, 3 -> 1: directed {10, 10, 2, 3} -> 10; undirected
  // {10, 2, 3} -> 2.
  const std::vector<std::pair<VertexId, VertexId>> arcs = {
      {10, 1}, {1, 10}, {2, 1}, {3, 1}};
  const CsrGraph csr = CsrGraph::FromEdges({1, 2, 3, 10}, arcs);
  ASSERT_OK_AND_ASSIGN(std::vector<VertexId> directed, Cdlp(csr, 1, true));
  EXPECT_EQ(directed[0], 10u);
  ASSERT_OK_AND_ASSIGN(std::vector<VertexId> undirected, Cdlp(csr, 1, false));
  EXPECT_EQ(undirected[0], 2u);
}

TEST(AlgorithmsTest, LccUndirectedTriangleAndParallelArcs) {
  // A triangle 1-2-3 plus a pendant 4 on 1, both arcs stored, and 1 -> 2
  // repeated (a second label): parallel arcs count once.
  std::vector<std::pair<VertexId, VertexId>> arcs = {
      {1, 2}, {2, 1}, {2, 3}, {3, 2}, {1, 3}, {3, 1}, {1, 4}, {4, 1}, {1, 2}};
  const CsrGraph csr = CsrGraph::FromEdges({1, 2, 3, 4}, arcs);
  ASSERT_OK_AND_ASSIGN(std::vector<double> lcc, Lcc(csr, false));
  ExpectNear({1.0 / 3.0, 1.0, 1.0, 0.0}, lcc, 1e-15);
  ASSERT_OK_AND_ASSIGN(lcc, Lcc(csr, true));
  ExpectNear({1.0 / 3.0, 1.0, 1.0, 0.0}, lcc, 1e-15);
  // Only one arc per edge but treated as undirected: the same values.
  const CsrGraph one_way =
      CsrGraph::FromEdges({1, 2, 3, 4}, {{1, 2}, {2, 3}, {1, 3}, {1, 4}});
  ASSERT_OK_AND_ASSIGN(lcc, Lcc(one_way, false));
  ExpectNear({1.0 / 3.0, 1.0, 1.0, 0.0}, lcc, 1e-15);
  // Directed: 1's neighbours {2,3,4} have arcs 2->3 only among them: 1/6.
  ASSERT_OK_AND_ASSIGN(lcc, Lcc(one_way, true));
  ExpectNear({1.0 / 6.0, 0.5, 0.5, 0.0}, lcc, 1e-15);
}

TEST(CsrGraphTest, FromEdgesSortsAndDropsUnknownEndpoints) {
  const CsrGraph csr = CsrGraph::FromEdges(
      {30, 10, 20, 10, 40},
      {{10, 40}, {10, 20}, {30, 10}, {10, 30}, {99, 10}, {20, 98}, {40, 10}},
      {1.4, 1.2, 3.1, 1.3, 9.0, 9.0, 4.1});
  ASSERT_EQ(csr.num_vertices(), 4u);
  EXPECT_EQ(csr.num_edges(), 5u);
  EXPECT_TRUE(csr.has_weights());
  EXPECT_EQ(std::vector<VertexId>(csr.ids().begin(), csr.ids().end()),
            (std::vector<VertexId>{10, 20, 30, 40}));
  EXPECT_EQ(csr.index_of(30), std::optional<uint32_t>(2));
  EXPECT_EQ(csr.index_of(31), std::nullopt);
  EXPECT_EQ(csr.id(3), 40u);
  auto out = [&](uint32_t i) {
    return std::vector<uint32_t>(csr.out_neighbors(i).begin(),
                                 csr.out_neighbors(i).end());
  };
  auto in = [&](uint32_t i) {
    return std::vector<uint32_t>(csr.in_neighbors(i).begin(),
                                 csr.in_neighbors(i).end());
  };
  auto weights = [&](uint32_t i) {
    return std::vector<double>(csr.out_weights(i).begin(),
                               csr.out_weights(i).end());
  };
  EXPECT_EQ(out(0), (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(weights(0), (std::vector<double>{1.2, 1.3, 1.4}));
  EXPECT_EQ(out(1), (std::vector<uint32_t>{}));
  EXPECT_EQ(out(2), (std::vector<uint32_t>{0}));
  EXPECT_EQ(weights(2), (std::vector<double>{3.1}));
  EXPECT_EQ(in(0), (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(in(1), (std::vector<uint32_t>{0}));
  EXPECT_EQ(csr.out_degree(0), 3u);
  EXPECT_EQ(csr.in_degree(3), 1u);
  EXPECT_GT(csr.MemoryUsage(), 0u);

  const CsrGraph unweighted = CsrGraph::FromEdges({1, 2}, {{1, 2}});
  EXPECT_FALSE(unweighted.has_weights());
  EXPECT_TRUE(unweighted.out_weights(0).empty());
}

TEST(AlgorithmResultTest, FormatsLikeTheReferenceFiles) {
  const CsrGraph csr =
      CsrGraph::FromEdges({1, 2, 3}, {{1, 2}, {2, 1}}, {0.5, 0.25});
  AlgorithmParams params;
  params.source = 1;
  params.algorithm = Algorithm::kBfs;
  ASSERT_OK_AND_ASSIGN(AlgorithmResult bfs, RunAlgorithm(csr, params));
  EXPECT_EQ(FormatResult(csr, bfs), "1 0\n2 1\n3 9223372036854775807\n");
  params.algorithm = Algorithm::kSssp;
  ASSERT_OK_AND_ASSIGN(AlgorithmResult sssp, RunAlgorithm(csr, params));
  EXPECT_EQ(FormatResult(csr, sssp), "1 0\n2 0.5\n3 infinity\n");
  EXPECT_EQ(sssp.FormatValue(2), "infinity");
  params.algorithm = Algorithm::kWcc;
  ASSERT_OK_AND_ASSIGN(AlgorithmResult wcc, RunAlgorithm(csr, params));
  EXPECT_EQ(FormatResult(csr, wcc), "1 1\n2 1\n3 3\n");
  params.algorithm = Algorithm::kPageRank;
  params.iterations = 3;
  ASSERT_OK_AND_ASSIGN(AlgorithmResult pr, RunAlgorithm(csr, params));
  // Doubles round-trip exactly.
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(std::stod(pr.FormatValue(i)), pr.values[i]);
  }
  // Large ids stay unsigned.
  const VertexId big = std::numeric_limits<VertexId>::max();
  const CsrGraph big_csr = CsrGraph::FromEdges({big}, {});
  params.algorithm = Algorithm::kCdlp;
  ASSERT_OK_AND_ASSIGN(AlgorithmResult cdlp, RunAlgorithm(big_csr, params));
  EXPECT_EQ(FormatResult(big_csr, cdlp),
            "18446744073709551615 18446744073709551615\n");

  for (const char* name : {"bfs", "pr", "wcc", "cdlp", "lcc", "sssp"}) {
    ASSERT_OK_AND_ASSIGN(Algorithm a, ParseAlgorithm(name));
    EXPECT_EQ(AlgorithmName(a), name);
  }
  EXPECT_STATUS_CODE(ParseAlgorithm("dfs"), absl::StatusCode::kInvalidArgument);
}

// --- CsrGraph::FromSnapshot on a GraphDb ---------------------------------------

Properties Weight(double w) { return {{"weight", w}}; }

std::vector<VertexId> Ids(const CsrGraph& csr) {
  return std::vector<VertexId>(csr.ids().begin(), csr.ids().end());
}

// The arcs of a CSR as (src id, dst id) pairs, with weights if it has them.
std::vector<std::tuple<VertexId, VertexId, double>> Arcs(const CsrGraph& csr) {
  std::vector<std::tuple<VertexId, VertexId, double>> out;
  for (uint32_t u = 0; u < csr.num_vertices(); ++u) {
    auto targets = csr.out_neighbors(u);
    auto weights = csr.out_weights(u);
    for (size_t k = 0; k < targets.size(); ++k) {
      out.emplace_back(csr.id(u), csr.id(targets[k]),
                       weights.empty() ? 0.0 : weights[k]);
    }
  }
  return out;
}

class CsrFromSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, GraphDb::Open(dir_.Sub("db")));
    GraphBatch b;
    b.PutVertex(1, "Person");
    b.PutVertex(2, "Person");
    b.PutVertex(3, "City");
    b.PutVertex(10, "Person");
    b.PutEdge(1, "knows", 2, Weight(2.5));
    b.PutEdge(2, "knows", 10, {{"weight", int64_t{3}}});
    b.PutEdge(10, "knows", 1, Weight(0.5));
    b.PutEdge(1, "livesIn", 3, Weight(1.0));
    ASSERT_OK_AND_ASSIGN(t1_, db_->Apply(b));
    b.Clear();
    b.RemoveEdge(1, "knows", 2);
    b.PutVertex(4, "Person");
    b.PutEdge(4, "knows", 1, Weight(7.0));
    ASSERT_OK_AND_ASSIGN(t2_, db_->Apply(b));
    ASSERT_LT(t1_, t2_);
  }

  TempDir dir_;
  std::unique_ptr<GraphDb> db_;
  Timestamp t1_ = 0;
  Timestamp t2_ = 0;
};

TEST_F(CsrFromSnapshotTest, AllVerticesAndEdges) {
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  ASSERT_OK_AND_ASSIGN(CsrGraph csr, CsrGraph::FromSnapshot(snap, {}));
  EXPECT_EQ(Ids(csr), (std::vector<VertexId>{1, 2, 3, 4, 10}));
  EXPECT_FALSE(csr.has_weights());
  using Arc = std::tuple<VertexId, VertexId, double>;
  EXPECT_EQ(Arcs(csr), (std::vector<Arc>{{1, 3, 0}, {2, 10, 0}, {4, 1, 0},
                                         {10, 1, 0}}));
  // In-adjacency agrees.
  ASSERT_EQ(csr.in_degree(*csr.index_of(1)), 2u);
  EXPECT_EQ(csr.id(csr.in_neighbors(*csr.index_of(1))[0]), 4u);
  EXPECT_EQ(csr.id(csr.in_neighbors(*csr.index_of(1))[1]), 10u);
}

TEST_F(CsrFromSnapshotTest, LabelFiltersAndWeights) {
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  CsrOptions options;
  options.vertex_label = "Person";
  options.weight_property = "weight";
  ASSERT_OK_AND_ASSIGN(CsrGraph csr, CsrGraph::FromSnapshot(snap, options));
  EXPECT_EQ(Ids(csr), (std::vector<VertexId>{1, 2, 4, 10}));
  EXPECT_TRUE(csr.has_weights());
  using Arc = std::tuple<VertexId, VertexId, double>;
  // 1 -> 3 (livesIn) leaves the vertex set; the int64 weight is read too.
  EXPECT_EQ(Arcs(csr),
            (std::vector<Arc>{{2, 10, 3.0}, {4, 1, 7.0}, {10, 1, 0.5}}));

  options = {};
  options.edge_label = "livesIn";
  ASSERT_OK_AND_ASSIGN(csr, CsrGraph::FromSnapshot(snap, options));
  EXPECT_EQ(Ids(csr), (std::vector<VertexId>{1, 2, 3, 4, 10}));
  EXPECT_EQ(Arcs(csr), (std::vector<Arc>{{1, 3, 0}}));

  options = {};
  options.vertex_label = "Nobody";
  absl::Status s = CsrGraph::FromSnapshot(snap, options).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.message().find("Nobody"), absl::string_view::npos) << s;
  options = {};
  options.edge_label = "hates";
  EXPECT_STATUS_CODE(CsrGraph::FromSnapshot(snap, options),
                     absl::StatusCode::kNotFound);
  options = {};
  options.weight_property = "length";
  s = CsrGraph::FromSnapshot(snap, options).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.message().find("length"), absl::string_view::npos) << s;
}

TEST_F(CsrFromSnapshotTest, MissingOrNonNumericWeight) {
  GraphBatch b;
  b.PutEdge(3, "road", 10, {{"name", std::string("A1")}});
  ASSERT_OK(db_->Apply(b).status());
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  CsrOptions options;
  options.weight_property = "weight";
  absl::Status s = CsrGraph::FromSnapshot(snap, options).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("(3, road, 10)"), absl::string_view::npos) << s;
  // Without the offending edge it works.
  options.edge_label = "knows";
  EXPECT_OK(CsrGraph::FromSnapshot(snap, options).status());

  b.Clear();
  b.PutEdge(3, "road", 10, {{"weight", std::string("far")}});
  b.PutEdge(3, "rail", 10);  // No properties at all.
  ASSERT_OK(db_->Apply(b).status());
  ASSERT_OK_AND_ASSIGN(snap, db_->GetSnapshot());
  options.edge_label = "road";
  s = CsrGraph::FromSnapshot(snap, options).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("neither"), absl::string_view::npos) << s;
  options.edge_label = "rail";
  s = CsrGraph::FromSnapshot(snap, options).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("(3, rail, 10)"), absl::string_view::npos) << s;
}

TEST_F(CsrFromSnapshotTest, PastSnapshotGivesThePastGraph) {
  ASSERT_OK_AND_ASSIGN(GraphSnapshot past, db_->GetSnapshot(t1_));
  ASSERT_OK_AND_ASSIGN(GraphSnapshot now, db_->GetSnapshot(t2_));
  CsrOptions options;
  options.edge_label = "knows";
  options.weight_property = "weight";
  ASSERT_OK_AND_ASSIGN(CsrGraph then_csr, CsrGraph::FromSnapshot(past, options));
  ASSERT_OK_AND_ASSIGN(CsrGraph now_csr, CsrGraph::FromSnapshot(now, options));
  EXPECT_EQ(Ids(then_csr), (std::vector<VertexId>{1, 2, 3, 10}));
  EXPECT_EQ(Ids(now_csr), (std::vector<VertexId>{1, 2, 3, 4, 10}));
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> then_depth, Bfs(then_csr, 1));
  EXPECT_EQ(then_depth, (std::vector<int64_t>{0, 1, kUnreachable, 2}));
  ASSERT_OK_AND_ASSIGN(std::vector<int64_t> now_depth, Bfs(now_csr, 1));
  EXPECT_EQ(now_depth, (std::vector<int64_t>{0, kUnreachable, kUnreachable,
                                             kUnreachable, kUnreachable}));
  ASSERT_OK_AND_ASSIGN(std::vector<double> dist, Sssp(then_csr, 1));
  EXPECT_EQ(dist, (std::vector<double>{0, 2.5, kInf, 5.5}));
  // Vertex 4 did not exist yet.
  EXPECT_STATUS_CODE(Bfs(then_csr, 4), absl::StatusCode::kNotFound);
  // Before anything was written: an empty graph.
  ASSERT_OK_AND_ASSIGN(GraphSnapshot empty, db_->GetSnapshot(t1_ - 1));
  ASSERT_OK_AND_ASSIGN(CsrGraph empty_csr, CsrGraph::FromSnapshot(empty, {}));
  EXPECT_EQ(empty_csr.num_vertices(), 0u);
}

}  // namespace
}  // namespace zverse::graph
