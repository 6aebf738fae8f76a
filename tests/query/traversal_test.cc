// The traversal API against independent oracles. Random temporal graphs are
// written through GraphDb commit by commit while a plain model records each
// state; for a snapshot as of any commit, a boost::adjacency_list is built
// from the model (never from the database), and
//   * k-hop walks (Out/In/Both, with and without labels) match walks
//     enumerated on the adjacency_list,
//   * Repeat matches BGL's breadth_first_search distances (multi-source:
//     the minimum over the sources), nearest first,
//   * property predicates, label filters and edge-time windows match brute
//     force over the model,
//   * Dedup, Except, OrderBy and Limit match std algorithms on the oracle's
//     answer,
//   * every path is a real path of the snapshot,
// now and as of past commits, with prefetch hints on and off.

#include "query/traversal.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "boost/graph/adjacency_list.hpp"
#include "boost/graph/breadth_first_search.hpp"
#include "graph/graph_db.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace zverse::query {
namespace {

using graph::GraphBatch;
using graph::GraphDb;
using graph::GraphSnapshot;
using graph::Properties;
using ::zverse::testing::TempDir;

const char* const kVertexLabels[] = {"Person", "City"};
const char* const kEdgeLabels[] = {"knows", "likes", "livesIn"};

struct ModelVertex {
  std::string label;
  std::optional<int64_t> age;
  std::optional<std::string> name;
};
struct ModelEdge {
  Timestamp ts;
  std::optional<int64_t> w;
};
// (src, label, dst)
using EdgeId = std::tuple<VertexId, std::string, VertexId>;
struct Model {
  std::map<VertexId, ModelVertex> vertices;
  std::map<EdgeId, ModelEdge> edges;
};

// The oracle graph: vertices by dense index, edges with label and time.
struct EdgeProps {
  std::string label;
  Timestamp ts;
};
using Oracle = boost::adjacency_list<boost::vecS, boost::vecS,
                                     boost::bidirectionalS, boost::no_property,
                                     EdgeProps>;

struct OracleGraph {
  Oracle g;
  std::vector<VertexId> ids;
  std::map<VertexId, size_t> index;
};

OracleGraph BuildOracle(const Model& m) {
  OracleGraph o;
  for (const auto& [v, x] : m.vertices) {
    o.index[v] = o.ids.size();
    o.ids.push_back(v);
  }
  o.g = Oracle(o.ids.size());
  for (const auto& [k, e] : m.edges) {
    const auto& [src, label, dst] = k;
    boost::add_edge(o.index.at(src), o.index.at(dst), EdgeProps{label, e.ts},
                    o.g);
  }
  return o;
}

// Neighbours of v in the oracle (a multiset), along `d`, with `label` ("":
// any), inside [from, to].
std::vector<VertexId> OracleNeighbors(const OracleGraph& o, VertexId v,
                                      Direction d, const std::string& label,
                                      Timestamp from, Timestamp to) {
  std::vector<VertexId> out;
  auto it = o.index.find(v);
  if (it == o.index.end()) return out;
  const size_t u = it->second;
  auto ok = [&](const EdgeProps& p) {
    return (label.empty() || p.label == label) && p.ts >= from && p.ts <= to;
  };
  if (d != Direction::kIn) {
    for (auto [e, end] = boost::out_edges(u, o.g); e != end; ++e) {
      if (ok(o.g[*e])) out.push_back(o.ids[boost::target(*e, o.g)]);
    }
  }
  if (d != Direction::kOut) {
    for (auto [e, end] = boost::in_edges(u, o.g); e != end; ++e) {
      if (ok(o.g[*e])) out.push_back(o.ids[boost::source(*e, o.g)]);
    }
  }
  return out;
}

std::vector<VertexId> Sorted(std::vector<VertexId> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// A distance recorder for BGL's BFS.
struct DistanceRecorder : boost::default_bfs_visitor {
  std::vector<int>* dist;
  template <typename E, typename G>
  void tree_edge(E e, const G& g) {
    (*dist)[boost::target(e, g)] = (*dist)[boost::source(e, g)] + 1;
  }
};

// Shortest distances from `sources` along `d` with `label`: BGL BFS on a
// filtered copy (the undirected case on a copy with both arcs), the
// minimum over sources.
std::map<VertexId, int> OracleDistances(const OracleGraph& o,
                                        const std::vector<VertexId>& sources,
                                        Direction d, const std::string& label) {
  using Plain = boost::adjacency_list<boost::vecS, boost::vecS,
                                      boost::directedS>;
  Plain h(o.ids.size());
  for (auto [e, end] = boost::edges(o.g); e != end; ++e) {
    if (!label.empty() && o.g[*e].label != label) continue;
    const size_t s = boost::source(*e, o.g), t = boost::target(*e, o.g);
    if (d != Direction::kIn) boost::add_edge(s, t, h);
    if (d != Direction::kOut) boost::add_edge(t, s, h);
  }
  std::map<VertexId, int> best;
  for (VertexId src : sources) {
    auto it = o.index.find(src);
    if (it == o.index.end()) continue;
    std::vector<int> dist(o.ids.size(), -1);
    dist[it->second] = 0;
    DistanceRecorder rec;
    rec.dist = &dist;
    boost::breadth_first_search(h, it->second, boost::visitor(rec));
    for (size_t i = 0; i < dist.size(); ++i) {
      if (dist[i] < 0) continue;
      auto [b, inserted] = best.emplace(o.ids[i], dist[i]);
      if (!inserted) b->second = std::min(b->second, dist[i]);
    }
  }
  return best;
}

class TraversalTest : public ::testing::TestWithParam<uint64_t> {
 protected:
  void SetUp() override {
    rng_.seed(GetParam());
    graph::GraphOptions options;
    options.kv.sync_mode = kv::SyncMode::kNever;
    options.kv.seal_threshold_bytes = 8 << 10;  // Reads cross segments.
    // Even seeds: the adaptive prefetcher, whose workers resolve the hints
    // while the walk reads.
    options.kv.adaptive_prefetch = GetParam() % 2 == 0;
    options.kv.prefetch_threads = 2;
    ASSERT_OK_AND_ASSIGN(db_, GraphDb::Open(dir_.path(), options));
    for (VertexId i = 0; i < 30; ++i) universe_.push_back(i * 7919 + 11);
    for (int round = 0; round < 40; ++round) {
      ASSERT_NO_FATAL_FAILURE(Commit());
    }
  }

  // One random commit; its state is recorded.
  void Commit() {
    GraphBatch batch;
    Model next = model_;
    const int n = 2 + static_cast<int>(rng_() % 10);
    for (int i = 0; i < n; ++i) {
      const VertexId a = universe_[rng_() % universe_.size()];
      const VertexId b = universe_[rng_() % universe_.size()];
      const uint64_t r = rng_() % 10;
      if (r < 3 || next.vertices.size() < 5) {
        ModelVertex v{kVertexLabels[rng_() % 2], std::nullopt, std::nullopt};
        Properties props;
        if (rng_() % 3 != 0) {
          v.age = static_cast<int64_t>(rng_() % 80);
          props.push_back({"age", *v.age});
        }
        if (rng_() % 2 == 0) {
          v.name = std::string(1, static_cast<char>('A' + rng_() % 5));
          props.push_back({"name", *v.name});
        }
        batch.PutVertex(a, v.label, props);
        next.vertices[a] = v;
      } else if (r == 3 && next.vertices.count(a) && rng_() % 3 == 0) {
        batch.RemoveVertex(a);
        next.vertices.erase(a);
        std::erase_if(next.edges, [&](const auto& kv) {
          return std::get<0>(kv.first) == a || std::get<2>(kv.first) == a;
        });
      } else if (r == 4 && !next.edges.empty()) {
        auto it = next.edges.begin();
        std::advance(it, rng_() % next.edges.size());
        const auto [src, label, dst] = it->first;
        batch.RemoveEdge(src, label, dst);
        next.edges.erase(it);
      } else if (next.vertices.count(a) && next.vertices.count(b)) {
        const std::string label = kEdgeLabels[rng_() % 3];
        ModelEdge e{0, std::nullopt};
        Properties props;
        if (rng_() % 2 == 0) {
          e.w = static_cast<int64_t>(rng_() % 10);
          props.push_back({"w", *e.w});
        }
        batch.PutEdge(a, label, b, props);
        next.edges[{a, label, b}] = e;
      }
    }
    if (batch.empty()) return;
    ASSERT_OK_AND_ASSIGN(Timestamp ts, db_->Apply(batch));
    // The versions this commit wrote carry its timestamp.
    for (auto& [k, e] : next.edges) {
      if (e.ts == 0) e.ts = ts;
    }
    // Edges rewritten in this batch get the new time too.
    for (const auto& op : batch.ops()) {
      if (op.kind == GraphBatch::OpKind::kPutEdge) {
        auto it = next.edges.find({op.a, op.label, op.b});
        if (it != next.edges.end()) it->second.ts = ts;
      }
    }
    model_ = std::move(next);
    states_.emplace_back(ts, model_);
  }

  // A random state to read: the latest or a past commit.
  const std::pair<Timestamp, Model>& PickState() {
    return rng_() % 3 == 0 ? states_.back() : states_[rng_() % states_.size()];
  }

  VertexId PickVertex(const Model& m) {
    if (m.vertices.empty() || rng_() % 10 == 0) {
      return universe_[rng_() % universe_.size()];
    }
    auto it = m.vertices.begin();
    std::advance(it, rng_() % m.vertices.size());
    return it->first;
  }

  std::string PickLabel() {
    return rng_() % 3 == 0 ? "" : kEdgeLabels[rng_() % 3];
  }

  Direction PickDirection() { return static_cast<Direction>(rng_() % 3); }

  std::mt19937_64 rng_;
  TempDir dir_;
  std::unique_ptr<GraphDb> db_;
  std::vector<VertexId> universe_;
  Model model_;
  std::vector<std::pair<Timestamp, Model>> states_;
};

TEST_P(TraversalTest, WalksMatchTheAdjacencyListOracle) {
  int nonempty = 0;
  uint64_t hinted = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const auto& [ts, m] = PickState();
    const OracleGraph o = BuildOracle(m);
    ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot(ts));
    const VertexId start = PickVertex(m);
    const int hops = 1 + static_cast<int>(rng_() % 3);
    std::vector<std::pair<Direction, std::string>> plan;
    for (int h = 0; h < hops; ++h) plan.emplace_back(PickDirection(), PickLabel());
    // The oracle walks.
    std::vector<VertexId> frontier;
    if (m.vertices.count(start)) frontier.push_back(start);
    for (const auto& [d, label] : plan) {
      std::vector<VertexId> next;
      for (VertexId v : frontier) {
        for (VertexId w : OracleNeighbors(o, v, d, label, 0, kv::kLatest)) {
          next.push_back(w);
        }
      }
      frontier = std::move(next);
    }
    for (bool prefetch : {true, false}) {
      // One-vertex chunks, so that even these small frontiers are hinted.
      Traversal t(snap, TraversalOptions{.prefetch = prefetch,
                                         .prefetch_chunk = 1});
      t.V(start);
      for (const auto& [d, label] : plan) t.Hop(d, label);
      absl::StatusOr<std::vector<VertexId>> got = t.Ids();
      bool label_unknown = false;
      for (const auto& [d, label] : plan) {
        label_unknown |= !label.empty() && !snap.LabelIdOf(label).ok();
      }
      if (label_unknown) {
        EXPECT_TRUE(absl::IsNotFound(got.status())) << got.status();
        continue;
      }
      ASSERT_OK(got.status());
      EXPECT_EQ(Sorted(*got), Sorted(frontier))
          << "start " << start << ", " << hops << " hops, as of " << ts;
      if (prefetch) hinted += t.stats().prefetch_calls;
      if (!prefetch) {
        EXPECT_EQ(t.stats().prefetch_calls, 0u);
      }
      nonempty += !got->empty();
    }
  }
  EXPECT_GT(nonempty, 10);
  EXPECT_GT(hinted, 0u);
  if (GetParam() % 2 == 0) {
    EXPECT_GT(db_->kv()->GetStats().prefetch_queued, 0u)
        << "hints resolved in the background";
  }
}

TEST_P(TraversalTest, RepeatMatchesBreadthFirstSearch) {
  int checked = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const auto& [ts, m] = PickState();
    const OracleGraph o = BuildOracle(m);
    ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot(ts));
    std::vector<VertexId> sources = {PickVertex(m)};
    if (rng_() % 3 == 0) sources.push_back(PickVertex(m));
    const Direction d = PickDirection();
    const std::string label = rng_() % 2 ? "" : "knows";
    if (!label.empty() && !snap.LabelIdOf(label).ok()) continue;
    const int lo = static_cast<int>(rng_() % 3);
    const int hi = lo + static_cast<int>(rng_() % 3);
    Traversal t(snap);
    t.V(sources).Repeat(d, label, lo, hi);
    ASSERT_OK_AND_ASSIGN(std::vector<Row> rows, t.Values({"id", "distance"}));
    std::map<VertexId, int> want;
    for (const auto& [v, dist] : OracleDistances(o, sources, d, label)) {
      if (dist >= lo && dist <= hi) want[v] = dist;
    }
    std::map<VertexId, int> got;
    int last = -1;
    for (const Row& r : rows) {
      const VertexId v = static_cast<VertexId>(std::get<int64_t>(r[0]));
      const int dist = static_cast<int>(std::get<int64_t>(r[1]));
      EXPECT_TRUE(got.emplace(v, dist).second) << "vertex " << v << " twice";
      EXPECT_GE(dist, last) << "not nearest first";
      last = dist;
    }
    EXPECT_EQ(got, want) << "repeat " << lo << ".." << hi << " as of " << ts;
    // Each path is a shortest one: as long as the distance, and real.
    Traversal p(snap);
    p.V(sources).Repeat(d, label, lo, hi);
    ASSERT_OK_AND_ASSIGN(std::vector<Path> paths, p.Paths());
    ASSERT_EQ(paths.size(), rows.size());
    for (size_t i = 0; i < paths.size(); ++i) {
      const Path& path = paths[i];
      ASSERT_EQ(path.vertices.size(),
                static_cast<size_t>(std::get<int64_t>(rows[i][1])) + 1);
      EXPECT_EQ(path.vertices.back(),
                static_cast<VertexId>(std::get<int64_t>(rows[i][0])));
      for (size_t k = 0; k < path.edges.size(); ++k) {
        const graph::EdgeKey& e = path.edges[k];
        ASSERT_OK_AND_ASSIGN(std::string_view name, snap.LabelName(e.label));
        EXPECT_TRUE(m.edges.count({e.src, std::string(name), e.dst}))
            << "a path edge that does not exist";
        const bool forward = e.src == path.vertices[k] &&
                             e.dst == path.vertices[k + 1];
        const bool backward = e.dst == path.vertices[k] &&
                              e.src == path.vertices[k + 1];
        EXPECT_TRUE(d == Direction::kOut ? forward
                    : d == Direction::kIn ? backward
                                          : forward || backward);
      }
    }
    checked += !want.empty();
  }
  EXPECT_GT(checked, 10);
}

TEST_P(TraversalTest, FiltersWindowsAndOrderingMatchBruteForce) {
  int checked = 0;
  for (int trial = 0; trial < 150; ++trial) {
    const auto& [ts, m] = PickState();
    const OracleGraph o = BuildOracle(m);
    ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot(ts));
    if (!snap.PropertyIdOf("age").ok() || !snap.PropertyIdOf("w").ok()) {
      continue;
    }
    // One hop from every Person inside a random edge-time window, then an
    // age filter, a label filter, Dedup, Except, OrderBy and Limit.
    const Timestamp t0 = states_[rng_() % states_.size()].first;
    const Timestamp t1 = std::max(t0, states_[rng_() % states_.size()].first);
    const int64_t age = static_cast<int64_t>(rng_() % 80);
    const Compare op = static_cast<Compare>(rng_() % 6);
    const VertexId drop = PickVertex(m);
    const size_t limit = rng_() % 12;
    const bool by_age = rng_() % 2 == 0;
    std::vector<VertexId> want;
    for (const auto& [v, x] : m.vertices) {
      if (x.label != "Person") continue;
      for (VertexId w : OracleNeighbors(o, v, Direction::kOut, "", t0, t1)) {
        const ModelVertex& y = m.vertices.at(w);
        if (!y.age || !Holds(op, *y.age < age ? -1 : (*y.age > age ? 1 : 0))) {
          continue;
        }
        if (y.label != "Person") continue;
        want.push_back(w);
      }
    }
    {
      std::set<VertexId> seen;
      std::erase_if(want, [&](VertexId v) { return !seen.insert(v).second; });
      std::erase(want, drop);
    }
    // By age (descending), or by name (missing names last), then id.
    if (by_age) {
      std::sort(want.begin(), want.end(), [&](VertexId a, VertexId b) {
        const int64_t x = *m.vertices.at(a).age, y = *m.vertices.at(b).age;
        return x != y ? x > y : a < b;
      });
    } else {
      std::sort(want.begin(), want.end(), [&](VertexId a, VertexId b) {
        const auto& x = m.vertices.at(a).name;
        const auto& y = m.vertices.at(b).name;
        if (x.has_value() != y.has_value()) return x.has_value();
        if (x && *x != *y) return *x < *y;
        return a < b;
      });
    }
    if (want.size() > limit) want.resize(limit);

    Traversal t(snap);
    t.VLabel("Person").EdgeTime(t0, t1).Out().Where("age", op, age)
        .HasLabel("Person").Dedup().Except(drop);
    if (by_age) {
      t.OrderBy("age", /*descending=*/true);
    } else {
      t.OrderBy("name");
    }
    t.OrderBy("id").Limit(limit);
    absl::StatusOr<std::vector<VertexId>> got = t.Ids();
    if (!snap.LabelIdOf("Person").ok()) {
      EXPECT_TRUE(absl::IsNotFound(got.status()));
      continue;
    }
    if (!by_age && !snap.PropertyIdOf("name").ok()) {
      EXPECT_TRUE(absl::IsNotFound(got.status()));
      continue;
    }
    ASSERT_OK(got.status());
    EXPECT_EQ(*got, want) << "as of " << ts << ", window [" << t0 << ", "
                          << t1 << "], age " << CompareName(op) << " " << age;
    checked += !want.empty();

    // An edge-property predicate and the edge columns.
    const int64_t w = static_cast<int64_t>(rng_() % 10);
    Traversal e(snap);
    e.VAll().Out().WhereEdge("w", Compare::kGe, w);
    ASSERT_OK_AND_ASSIGN(std::vector<Row> rows,
                         e.Values({"e.src", "e.label", "id", "e.w", "e.ts"}));
    std::multiset<std::tuple<int64_t, std::string, int64_t, int64_t, int64_t>>
        got_edges, want_edges;
    for (const Row& r : rows) {
      got_edges.emplace(std::get<int64_t>(r[0]), std::get<std::string>(r[1]),
                        std::get<int64_t>(r[2]), std::get<int64_t>(r[3]),
                        std::get<int64_t>(r[4]));
    }
    for (const auto& [k, x] : m.edges) {
      if (x.w && *x.w >= w) {
        want_edges.emplace(static_cast<int64_t>(std::get<0>(k)), std::get<1>(k),
                           static_cast<int64_t>(std::get<2>(k)), *x.w,
                           static_cast<int64_t>(x.ts));
      }
    }
    EXPECT_EQ(got_edges, want_edges) << "edges with w >= " << w;
  }
  EXPECT_GT(checked, 5);
}

TEST_P(TraversalTest, UnknownNamesAreErrorsNotEmptyResults) {
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  EXPECT_TRUE(absl::IsNotFound(
      Traversal(snap).VAll().Out("no-such-label").Ids().status()));
  EXPECT_TRUE(absl::IsNotFound(
      Traversal(snap).VLabel("Nobody").Ids().status()));
  EXPECT_TRUE(absl::IsNotFound(
      Traversal(snap).VAll().Has("nope", int64_t{1}).Ids().status()));
  EXPECT_TRUE(absl::IsNotFound(
      Traversal(snap).VAll().Values({"nope"}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      Traversal(snap).VAll().Repeat(Direction::kOut, "", 2, 1).Ids().status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      Traversal(snap).VAll().EdgeTime(5, 4).Out().Ids().status()));
  // A start id that does not exist is simply not there.
  ASSERT_OK_AND_ASSIGN(std::vector<VertexId> none,
                       Traversal(snap).V(VertexId{424242}).Out().Ids());
  EXPECT_TRUE(none.empty());
  // Before the first commit: nothing, with every name known.
  ASSERT_OK_AND_ASSIGN(GraphSnapshot before,
                       db_->GetSnapshot(states_.front().first - 1));
  ASSERT_OK_AND_ASSIGN(size_t n, Traversal(before).VAll().Count());
  EXPECT_EQ(n, 0u);
}

// Deadlines, cancellation and memory budgets stop a run with their own
// error and no partial result; a run within its limits answers exactly as
// an unlimited one. The budget is exact against the run's own estimate:
// TraversalStats::peak_bytes passes, one byte less stops it.
TEST_P(TraversalTest, LimitsStopRunsCleanly) {
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  const VertexId start = PickVertex(model_);
  struct Shape {
    std::string name;
    std::function<void(Traversal&)> steps;
  };
  const std::vector<Shape> shapes = {
      {"walk", [](Traversal& t) { t.VAll().Both().Both(); }},
      {"repeat",
       [&](Traversal& t) { t.V(start).Repeat(Direction::kBoth, "", 0, 4); }},
      {"filtered",
       [](Traversal& t) {
         t.VAll().Out().Dedup().Where("age", Compare::kGe, int64_t{10})
             .OrderBy("age", true);
       }},
  };
  // Each terminal's answer as text, or its error.
  enum class Terminal { kIds, kCount, kValues, kPaths };
  const auto run = [&](const Shape& shape, Terminal term,
                       const TraversalOptions& options,
                       uint64_t* peak) -> absl::StatusOr<std::string> {
    Traversal t(snap, options);
    shape.steps(t);
    std::string out;
    absl::Status status;
    switch (term) {
      case Terminal::kIds: {
        auto r = t.Ids();
        status = r.status();
        if (r.ok()) out = absl::StrJoin(*r, ",");
        break;
      }
      case Terminal::kCount: {
        auto r = t.Count();
        status = r.status();
        if (r.ok()) out = absl::StrCat(*r);
        break;
      }
      case Terminal::kValues: {
        auto r = t.Values({"id", "age", "name", "e.w"});
        status = r.status();
        if (r.ok()) {
          for (const Row& row : *r) {
            for (const Value& v : row) absl::StrAppend(&out, FormatValue(v), "|");
            out += "\n";
          }
        }
        break;
      }
      case Terminal::kPaths: {
        auto r = t.Paths();
        status = r.status();
        if (r.ok()) {
          for (const Path& p : *r) absl::StrAppend(&out, absl::StrJoin(p.vertices, "-"), ";");
        }
        break;
      }
    }
    if (peak != nullptr) *peak = t.stats().peak_bytes;
    if (!status.ok()) return status;
    return out;
  };
  int stopped_by_budget = 0;
  for (const Shape& shape : shapes) {
    for (Terminal term : {Terminal::kIds, Terminal::kCount, Terminal::kValues,
                          Terminal::kPaths}) {
      SCOPED_TRACE(absl::StrCat(shape.name, " terminal ", static_cast<int>(term)));
      uint64_t peak = 0;
      ASSERT_OK_AND_ASSIGN(std::string want, run(shape, term, {}, &peak));
      ASSERT_GT(peak, 0u);

      // Deadlines: passed stops the run before its first step; far away
      // changes nothing.
      absl::StatusOr<std::string> got =
          run(shape, term, {.deadline = absl::Now() - absl::Seconds(1)}, nullptr);
      EXPECT_TRUE(absl::IsDeadlineExceeded(got.status())) << got.status();
      EXPECT_TRUE(absl::StrContains(got.status().message(), "deadline"));
      got = run(shape, term, {.deadline = absl::Now() + absl::Hours(1)}, nullptr);
      ASSERT_OK(got.status());
      EXPECT_EQ(*got, want);

      std::atomic<bool> cancel{true};
      got = run(shape, term, {.cancel = &cancel}, nullptr);
      EXPECT_TRUE(absl::IsCancelled(got.status())) << got.status();
      cancel = false;
      got = run(shape, term, {.cancel = &cancel}, nullptr);
      ASSERT_OK(got.status());
      EXPECT_EQ(*got, want);

      uint64_t peak_again = 0;
      got = run(shape, term, {.memory_budget = peak}, &peak_again);
      ASSERT_OK(got.status());
      EXPECT_EQ(*got, want);
      EXPECT_EQ(peak_again, peak);
      got = run(shape, term, {.memory_budget = peak - 1}, &peak_again);
      EXPECT_TRUE(absl::IsResourceExhausted(got.status())) << got.status();
      EXPECT_TRUE(absl::StrContains(got.status().message(), "memory budget"))
          << got.status();
      // It stopped as soon as the estimate passed the budget.
      EXPECT_LE(peak_again, peak);
      stopped_by_budget += absl::IsResourceExhausted(got.status());
    }
  }
  EXPECT_EQ(stopped_by_budget, 12);
}

INSTANTIATE_TEST_SUITE_P(Seeds, TraversalTest, ::testing::Values(1, 2, 3, 4));

TEST(ValueTest, FormatAndOrder) {
  EXPECT_EQ(FormatValue(Value(Null{})), "");
  EXPECT_EQ(FormatValue(Value(int64_t{-5})), "-5");
  EXPECT_EQ(FormatValue(Value(0.1)), "0.1");
  EXPECT_EQ(FormatValue(Value(true)), "true");
  EXPECT_EQ(FormatValue(Value(graph::TimestampValue{123})), "123");
  EXPECT_EQ(FormatValue(Value(std::vector<std::string>{"a", "b"})), "a;b");
  EXPECT_EQ(FormatValue(Value(std::vector<int64_t>{1, 2})), "1;2");
  EXPECT_LT(CompareValues(Value(int64_t{1}), Value(1.5)), 0);
  EXPECT_EQ(CompareValues(Value(int64_t{2}), Value(2.0)), 0);
  EXPECT_LT(CompareValues(Value(std::string("a")), Value(Null{})), 0);
  EXPECT_GT(CompareValues(Value(std::string("b")), Value(std::string("a"))), 0);
}

}  // namespace
}  // namespace zverse::query
