// GraphDb against an in-memory model: random batches of vertex and edge
// puts and removals; after every commit the model's state is remembered, and
// snapshots as of each commit time (and just before it) must match it in
// every read: vertices, labels, properties, out- and in-edges, degrees, the
// edge list, History and Diff.

#include "graph/graph_db.h"

#include <algorithm>
#include <thread>
#include <atomic>
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
#include "gtest/gtest.h"
#include "kv/status_macros.h"
#include "tests/test_util.h"

namespace zverse::graph {
namespace {

using ::zverse::testing::TempDir;

// ---------------------------------------------------------------------------
// The model.

struct ModelVertex {
  std::string label;
  Properties properties;  // Sorted by name.
  bool operator==(const ModelVertex&) const = default;
};

using ModelEdgeKey = std::tuple<VertexId, std::string, VertexId>;

struct ModelGraph {
  std::map<VertexId, ModelVertex> vertices;
  std::map<ModelEdgeKey, Properties> edges;
  std::map<std::string, std::string> metadata;  // Names "m1" and "m2".
  bool operator==(const ModelGraph&) const = default;
};

// Adds the metadata "m1" and "m2" as of `ts` to `g`.
absl::Status ReadMetadata(const GraphDb& db, Timestamp ts, ModelGraph* g) {
  for (const char* name : {"m1", "m2"}) {
    absl::StatusOr<std::string> v = db.GetMetadata(name, ts);
    if (v.ok()) {
      g->metadata[name] = *v;
    } else if (!absl::IsNotFound(v.status())) {
      return v.status();
    }
  }
  return absl::OkStatus();
}

Properties Sorted(Properties p) {
  std::sort(p.begin(), p.end(), [](const NamedProperty& a,
                                    const NamedProperty& b) {
    return a.name < b.name;
  });
  return p;
}

// Applies `op` to `m`; false if the database must reject it.
bool ApplyToModel(const GraphBatch& batch, const GraphBatch::Op& op,
                  ModelGraph* m) {
  switch (op.kind) {
    case GraphBatch::OpKind::kPutVertex:
      m->vertices[op.a] = ModelVertex{op.label, Sorted(op.properties)};
      return true;
    case GraphBatch::OpKind::kRemoveVertex: {
      if (!m->vertices.erase(op.a)) return false;
      for (auto it = m->edges.begin(); it != m->edges.end();) {
        if (std::get<0>(it->first) == op.a || std::get<2>(it->first) == op.a) {
          it = m->edges.erase(it);
        } else {
          ++it;
        }
      }
      return true;
    }
    case GraphBatch::OpKind::kPutEdge:
      if (!m->vertices.contains(op.a) || !m->vertices.contains(op.b)) {
        return false;
      }
      m->edges[{op.a, op.label, op.b}] = Sorted(op.properties);
      return true;
    case GraphBatch::OpKind::kRemoveEdge:
      return m->edges.erase({op.a, op.label, op.b}) == 1;
    case GraphBatch::OpKind::kSetMetadata:
      m->metadata[op.label] = batch.metadata_value(op);
      return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Reading the whole graph back through the API.

absl::StatusOr<ModelGraph> ReadBack(const GraphSnapshot& snap,
                                    const std::vector<VertexId>& universe) {
  ModelGraph g;
  ZVERSE_ASSIGN_OR_RETURN(std::vector<VertexId> ids, snap.VertexIds());
  for (VertexId v : ids) {
    ZVERSE_ASSIGN_OR_RETURN(Vertex vertex, snap.GetVertex(v));
    ZVERSE_ASSIGN_OR_RETURN(Properties props, snap.VertexProperties(v));
    g.vertices[v] = ModelVertex{std::string(vertex.label_name), props};
  }
  // Edges through the full scan ...
  ZVERSE_RETURN_IF_ERROR(snap.Edges([&](const EdgeRef& e) {
    absl::StatusOr<std::string_view> label = snap.LabelName(e.label);
    absl::StatusOr<Properties> props = snap.EdgeProperties(e.key());
    if (!label.ok() || !props.ok()) {
      ADD_FAILURE() << "edge read failed";
      return false;
    }
    g.edges[{e.src, std::string(*label), e.dst}] = *props;
    return true;
  }));
  // ... and every vertex's adjacency must agree with it, also for ids that
  // do not exist (no dangling adjacency after removals).
  for (VertexId v : universe) {
    std::set<ModelEdgeKey> out, in;
    ZVERSE_RETURN_IF_ERROR(snap.OutEdges(v, [&](const EdgeRef& e) {
      out.insert({e.src, std::string(*snap.LabelName(e.label)), e.dst});
      return true;
    }));
    ZVERSE_RETURN_IF_ERROR(snap.InEdges(v, [&](const EdgeRef& e) {
      in.insert({e.src, std::string(*snap.LabelName(e.label)), e.dst});
      return true;
    }));
    std::set<ModelEdgeKey> want_out, want_in;
    for (const auto& [k, p] : g.edges) {
      if (std::get<0>(k) == v) want_out.insert(k);
      if (std::get<2>(k) == v) want_in.insert(k);
    }
    EXPECT_EQ(out, want_out) << "out-edges of " << v << " as of "
                             << snap.as_of();
    EXPECT_EQ(in, want_in) << "in-edges of " << v << " as of " << snap.as_of();
    ZVERSE_ASSIGN_OR_RETURN(size_t od, snap.OutDegree(v));
    ZVERSE_ASSIGN_OR_RETURN(size_t id, snap.InDegree(v));
    EXPECT_EQ(od, want_out.size());
    EXPECT_EQ(id, want_in.size());
  }
  return g;
}

std::string Describe(const ModelGraph& g) {
  std::string s;
  for (const auto& [v, x] : g.vertices) {
    absl::StrAppend(&s, "v", v, ":", x.label, "(", x.properties.size(), ") ");
  }
  for (const auto& [k, p] : g.edges) {
    absl::StrAppend(&s, std::get<0>(k), "-", std::get<1>(k), "->",
                    std::get<2>(k), "(", p.size(), ") ");
  }
  return s;
}

PropertyValue RandomValue(std::mt19937_64& rng) {
  switch (rng() % 8) {
    case 0:
      return static_cast<int64_t>(rng() % 1000) - 500;
    case 1:
      return static_cast<double>(rng() % 1000) / 7.0;
    case 2:
      return std::string(rng() % 12, static_cast<char>('a' + rng() % 26));
    case 3:
      return rng() % 2 == 0;
    case 4:
      return TimestampValue{static_cast<int64_t>(rng() % 1000000)};
    case 5:
      return std::vector<int64_t>{1, static_cast<int64_t>(rng() % 9)};
    case 6:
      return std::vector<double>{0.5, 1.5};
    default:
      return std::vector<std::string>{"x", std::string(rng() % 5, 'y')};
  }
}

Properties RandomProperties(std::mt19937_64& rng) {
  static const char* kNames[] = {"name", "age", "score", "tags", "since",
                                 "weight"};
  Properties p;
  for (const char* name : kNames) {
    if (rng() % 3 == 0) p.push_back({name, RandomValue(rng)});
  }
  std::shuffle(p.begin(), p.end(), rng);
  return p;
}

class GraphModelTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(GraphModelTest, SnapshotsMatchTheModelAtEveryCommit) {
  std::mt19937_64 rng(GetParam());
  TempDir dir;
  GraphOptions options;
  options.kv.sync_mode = kv::SyncMode::kNever;
  // A small seal threshold so that reads cross segments and the log.
  options.kv.seal_threshold_bytes = 16 << 10;
  ASSERT_OK_AND_ASSIGN(auto db, GraphDb::Open(dir.path(), options));

  static const char* kVertexLabels[] = {"Person", "City", "Post"};
  static const char* kEdgeLabels[] = {"knows", "livesIn", "likes"};
  const VertexId kMaxId = 40;
  std::vector<VertexId> universe;
  for (VertexId v = 0; v < kMaxId; ++v) universe.push_back(v * 7919 + 3);

  ModelGraph model;
  std::vector<std::pair<Timestamp, ModelGraph>> states;
  int rejected = 0;
  int bulk = 0;
  for (int round = 0; round < 80; ++round) {
    GraphBatch batch;
    ModelGraph next = model;
    bool valid = true;
    const int n = 1 + static_cast<int>(rng() % 6);
    auto pick_vertex = [&]() -> VertexId {
      // Mostly an existing vertex; sometimes any id (maybe a missing one).
      if (!next.vertices.empty() && rng() % 20 != 0) {
        auto it = next.vertices.begin();
        std::advance(it, rng() % next.vertices.size());
        return it->first;
      }
      return universe[rng() % universe.size()];
    };
    for (int i = 0; i < n; ++i) {
      const char* vl = kVertexLabels[rng() % 3];
      const char* el = kEdgeLabels[rng() % 3];
      switch (rng() % 10) {
        case 0:
          if (rng() % 4 == 0) {
            batch.SetMetadata(rng() % 2 ? "m1" : "m2",
                              absl::StrCat("value ", round, "/", i));
            break;
          }
          [[fallthrough]];
        case 1:
        case 2:
          batch.PutVertex(universe[rng() % universe.size()], vl,
                          RandomProperties(rng));
          break;
        case 3:
          batch.RemoveVertex(pick_vertex());
          break;
        case 4:
          if (!next.edges.empty() && rng() % 10 != 0) {
            auto it = next.edges.begin();
            std::advance(it, rng() % next.edges.size());
            batch.RemoveEdge(std::get<0>(it->first), std::get<1>(it->first),
                             std::get<2>(it->first));
          } else {
            batch.RemoveEdge(pick_vertex(), el, pick_vertex());
          }
          break;
        default: {
          const VertexId a = pick_vertex();
          const VertexId b = pick_vertex();
          batch.PutEdge(a, el, b,
                        rng() % 2 ? RandomProperties(rng) : Properties());
          break;
        }
      }
      valid = valid && ApplyToModel(batch, batch.ops().back(), &next);
    }
    // A quarter of the batches take the bulk path (their own segment).
    ApplyOptions apply;
    apply.bulk = rng() % 4 == 0;
    bulk += apply.bulk;
    absl::StatusOr<Timestamp> ts = db->Apply(batch, apply);
    if (!valid) {
      ++rejected;
      ASSERT_FALSE(ts.ok()) << "round " << round << " should fail";
      EXPECT_TRUE(absl::IsNotFound(ts.status()) ||
                  absl::IsFailedPrecondition(ts.status()))
          << ts.status();
      continue;
    }
    ASSERT_OK(ts.status());
    model = std::move(next);
    states.emplace_back(*ts, model);
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(bulk, 5);
  ASSERT_GT(states.size(), 10u);

  auto check_all = [&](GraphDb& g) {
    for (size_t i = 0; i < states.size(); ++i) {
      const auto& [ts, want] = states[i];
      ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, g.GetSnapshot(ts));
      ASSERT_OK_AND_ASSIGN(ModelGraph got, ReadBack(snap, universe));
      ASSERT_OK(ReadMetadata(g, ts, &got));
      EXPECT_EQ(got, want) << "as of " << ts << "\n got: " << Describe(got)
                           << "\nwant: " << Describe(want);
      // Just before the commit: the previous state.
      ASSERT_OK_AND_ASSIGN(GraphSnapshot prev, g.GetSnapshot(ts - 1));
      ASSERT_OK_AND_ASSIGN(ModelGraph got_prev, ReadBack(prev, universe));
      ASSERT_OK(ReadMetadata(g, ts - 1, &got_prev));
      EXPECT_EQ(got_prev, i == 0 ? ModelGraph() : states[i - 1].second);
    }
  };
  check_all(*db);

  // Diff between consecutive and distant states, against the models.
  for (size_t i = 1; i < states.size(); i += 3) {
    const size_t j = std::min(states.size() - 1, i + rng() % 5);
    if (j <= i - 1) continue;
    const ModelGraph& a = states[i - 1].second;
    const ModelGraph& b = states[j].second;
    ASSERT_OK_AND_ASSIGN(std::vector<DiffEntry> diff,
                         db->Diff(states[i - 1].first, states[j].first));
    ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db->GetSnapshot());
    std::set<VertexId> added, removed, changed;
    std::set<ModelEdgeKey> eadded, eremoved, echanged;
    for (const DiffEntry& d : diff) {
      if (d.is_edge) {
        ModelEdgeKey k{d.edge.src, std::string(*snap.LabelName(d.edge.label)),
                       d.edge.dst};
        (d.kind == DiffEntry::Kind::kAdded     ? eadded
         : d.kind == DiffEntry::Kind::kRemoved ? eremoved
                                               : echanged)
            .insert(k);
      } else {
        (d.kind == DiffEntry::Kind::kAdded     ? added
         : d.kind == DiffEntry::Kind::kRemoved ? removed
                                               : changed)
            .insert(d.vertex);
      }
    }
    for (const auto& [v, x] : b.vertices) {
      auto it = a.vertices.find(v);
      if (it == a.vertices.end()) {
        EXPECT_TRUE(added.contains(v)) << v;
      } else if (!(it->second == x)) {
        EXPECT_TRUE(changed.contains(v)) << v;
      }
    }
    for (const auto& [v, x] : a.vertices) {
      EXPECT_EQ(removed.contains(v), !b.vertices.contains(v)) << v;
    }
    for (VertexId v : added) EXPECT_FALSE(a.vertices.contains(v));
    for (const auto& [k, p] : b.edges) {
      auto it = a.edges.find(k);
      if (it == a.edges.end()) {
        EXPECT_TRUE(eadded.contains(k));
      } else if (it->second != p) {
        EXPECT_TRUE(echanged.contains(k));
      }
    }
    for (const auto& [k, p] : a.edges) {
      EXPECT_EQ(eremoved.contains(k), !b.edges.contains(k));
    }
  }

  // Everything survives a reopen (dictionaries included), read-only too.
  ASSERT_OK(db->Close());
  db.reset();
  {
    ASSERT_OK_AND_ASSIGN(auto again, GraphDb::Open(dir.path(), options));
    check_all(*again);
  }
  GraphOptions ro = options;
  ro.kv.read_only = true;
  ASSERT_OK_AND_ASSIGN(auto read_only, GraphDb::Open(dir.path(), ro));
  check_all(*read_only);
}

INSTANTIATE_TEST_SUITE_P(Seeds, GraphModelTest,
                         ::testing::Values(1, 2, 3, 4, 5, 6));

// ---------------------------------------------------------------------------
// Specific behaviour.

class GraphDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(db_, GraphDb::Open(dir_.path()));
  }
  TempDir dir_;
  std::unique_ptr<GraphDb> db_;
};

TEST_F(GraphDbTest, RemovingAVertexRemovesItsEdgesAtTheSameTime) {
  GraphBatch b;
  for (VertexId v = 1; v <= 4; ++v) b.PutVertex(v, "P");
  b.PutEdge(1, "knows", 2);
  b.PutEdge(3, "knows", 1);
  b.PutEdge(1, "likes", 1);  // A self-loop.
  b.PutEdge(2, "knows", 3);
  ASSERT_OK_AND_ASSIGN(Timestamp t1, db_->Apply(b));
  ASSERT_OK_AND_ASSIGN(Timestamp t2, db_->RemoveVertex(1));
  ASSERT_OK_AND_ASSIGN(GraphSnapshot now, db_->GetSnapshot());
  EXPECT_FALSE(*now.HasVertex(1));
  EXPECT_EQ(*now.InNeighbors(2), std::vector<VertexId>{});
  EXPECT_EQ(*now.OutNeighbors(3), std::vector<VertexId>{});
  EXPECT_EQ(*now.OutNeighbors(2), std::vector<VertexId>{3});
  // Every removal carries the same timestamp.
  ASSERT_OK_AND_ASSIGN(LabelId knows, now.LabelIdOf("knows"));
  ASSERT_OK_AND_ASSIGN(auto h, db_->History(EdgeKey{1, knows, 2}));
  ASSERT_EQ(h.size(), 2u);
  EXPECT_TRUE(h[0].removed);
  EXPECT_EQ(h[0].ts, t2);
  EXPECT_EQ(h[1].ts, t1);
  // The past is intact.
  ASSERT_OK_AND_ASSIGN(GraphSnapshot then, db_->GetSnapshot(t1));
  EXPECT_EQ(*then.OutNeighbors(1), (std::vector<VertexId>{2, 1}));
  EXPECT_EQ(*then.InNeighbors(1), (std::vector<VertexId>{3, 1}));
}

// Dictionary lookups take no lock: readers resolve names and ids while a
// writer interns hundreds of new labels (growing the tables under them).
TEST_F(GraphDbTest, DictionaryReadersRaceAWriterThatInternsNames) {
  constexpr int kLabels = 600;
  std::atomic<int> committed{0};
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const int n = committed.load();
        absl::StatusOr<GraphSnapshot> snap = db_->GetSnapshot();
        if (!snap.ok()) {
          failures.fetch_add(1);
          return;
        }
        for (int i = 0; i < n; i += 7) {
          const std::string name = absl::StrCat("L", i);
          absl::StatusOr<LabelId> id = snap->LabelIdOf(name);
          if (!id.ok()) {
            failures.fetch_add(1);
            continue;
          }
          absl::StatusOr<std::string_view> back = snap->LabelName(*id);
          if (!back.ok() || *back != name) failures.fetch_add(1);
        }
        if (snap->LabelIdOf(absl::StrCat("L", kLabels + 1)).ok()) {
          failures.fetch_add(1);  // Never interned.
        }
      }
    });
  }
  for (int i = 0; i < kLabels; ++i) {
    GraphBatch b;
    b.PutVertex(static_cast<VertexId>(i + 1), absl::StrCat("L", i));
    ASSERT_OK(db_->Apply(b).status());
    committed.store(i + 1);
  }
  stop.store(true);
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK_AND_ASSIGN(GraphSnapshot now, db_->GetSnapshot());
  for (int i = 0; i < kLabels; ++i) {
    ASSERT_OK_AND_ASSIGN(LabelId id, now.LabelIdOf(absl::StrCat("L", i)));
    EXPECT_EQ(*now.LabelName(id), absl::StrCat("L", i));
  }
}

TEST_F(GraphDbTest, AFailedBatchLeavesNothingVisible) {
  ASSERT_OK(db_->PutVertex(1, "P").status());
  const uint64_t entries = db_->kv()->GetStats().entries;
  GraphBatch b;
  b.PutVertex(2, "NewLabel", {{"newprop", int64_t{1}}});
  b.PutEdge(1, "knows", 2);
  b.PutEdge(1, "knows", 99);  // No vertex 99.
  absl::StatusOr<Timestamp> ts = db_->Apply(b);
  EXPECT_STATUS_CODE(ts.status(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(ts.status().message(), "vertex 99"))
      << ts.status();
  EXPECT_EQ(db_->kv()->GetStats().entries, entries);
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  EXPECT_FALSE(*snap.HasVertex(2));
  EXPECT_STATUS_CODE(snap.LabelIdOf("NewLabel").status(),
                     absl::StatusCode::kNotFound);
  // The names the failed batch would have interned get the same ids later.
  GraphBatch ok;
  ok.PutVertex(2, "NewLabel", {{"newprop", int64_t{1}}});
  ASSERT_OK(db_->Apply(ok).status());
  ASSERT_OK_AND_ASSIGN(GraphSnapshot after, db_->GetSnapshot());
  ASSERT_OK_AND_ASSIGN(Vertex v2, after.GetVertex(2));
  EXPECT_EQ(v2.label_name, "NewLabel");
  EXPECT_EQ(*v2.record.GetInt64(*after.PropertyIdOf("newprop")), 1);

  EXPECT_STATUS_CODE(db_->RemoveVertex(42).status(),
                     absl::StatusCode::kNotFound);
  EXPECT_STATUS_CODE(db_->RemoveEdge(1, "knows", 2).status(),
                     absl::StatusCode::kNotFound);
  EXPECT_STATUS_CODE(db_->RemoveEdge(1, "nosuchlabel", 2).status(),
                     absl::StatusCode::kNotFound);
  EXPECT_STATUS_CODE(db_->Apply(GraphBatch()).status(),
                     absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(
      db_->PutVertex(3, "P", {{"a", int64_t{1}}, {"a", int64_t{2}}}).status(),
      absl::StatusCode::kInvalidArgument);
}

TEST_F(GraphDbTest, OperationsSeeEarlierOnesInTheBatch) {
  GraphBatch b;
  b.PutVertex(1, "P");
  b.PutVertex(2, "P");
  b.PutEdge(1, "knows", 2);
  b.RemoveVertex(2);  // Removes the edge added just before.
  b.PutVertex(2, "Q");
  ASSERT_OK(db_->Apply(b).status());
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  EXPECT_EQ(*snap.OutNeighbors(1), std::vector<VertexId>{});
  ASSERT_OK_AND_ASSIGN(Vertex v2, snap.GetVertex(2));
  EXPECT_EQ(v2.label_name, "Q");
  // The label index follows the label.
  std::vector<VertexId> ps, qs;
  ASSERT_OK(snap.Vertices(*snap.LabelIdOf("P"), [&](VertexId v) {
    ps.push_back(v);
    return true;
  }));
  ASSERT_OK(snap.Vertices(*snap.LabelIdOf("Q"), [&](VertexId v) {
    qs.push_back(v);
    return true;
  }));
  EXPECT_EQ(ps, std::vector<VertexId>{1});
  EXPECT_EQ(qs, std::vector<VertexId>{2});
}

TEST_F(GraphDbTest, PerOperationTimestampsImportHistory) {
  GraphBatch b;
  b.PutVertex(1, "Person", {{"name", std::string("Ada")}}, 1000);
  b.PutVertex(2, "Person", {{"name", std::string("Bob")}}, 2000);
  b.PutEdge(1, "knows", 2, {{"since", TimestampValue{3000}}}, 3000);
  b.PutVertex(1, "Person", {{"name", std::string("Ada L.")}}, 4000);
  ASSERT_OK_AND_ASSIGN(Timestamp ts, db_->Apply(b));
  EXPECT_EQ(ts, 4000u);
  auto neighbours = [&](Timestamp t) {
    return *db_->GetSnapshot(t)->OutNeighbors(1);
  };
  EXPECT_FALSE(*db_->GetSnapshot(999)->HasVertex(1));
  EXPECT_TRUE(*db_->GetSnapshot(1000)->HasVertex(1));
  EXPECT_FALSE(*db_->GetSnapshot(1999)->HasVertex(2));
  EXPECT_EQ(neighbours(2999), std::vector<VertexId>{});
  EXPECT_EQ(neighbours(3000), std::vector<VertexId>{2});
  auto name_at = [&](Timestamp t) {
    auto props = *db_->GetSnapshot(t)->VertexProperties(1);
    return std::get<std::string>(props.at(0).value);
  };
  EXPECT_EQ(name_at(3999), "Ada");
  EXPECT_EQ(name_at(4000), "Ada L.");
  ASSERT_OK_AND_ASSIGN(auto history, db_->History(1));
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].ts, 4000u);
  EXPECT_EQ(history[1].ts, 1000u);
  EXPECT_EQ(history[1].label, "Person");
  ASSERT_OK_AND_ASSIGN(auto eh, db_->EdgeHistory(1, "knows", 2));
  ASSERT_EQ(eh.size(), 1u);
  EXPECT_EQ(eh[0].properties.at(0).name, "since");

  ASSERT_OK_AND_ASSIGN(auto diff, db_->Diff(1500, 3500));
  ASSERT_EQ(diff.size(), 2u);
  EXPECT_EQ(diff[0], (DiffEntry{DiffEntry::Kind::kAdded, false, 2, {}}));
  EXPECT_TRUE(diff[1].is_edge);
  EXPECT_EQ(diff[1].kind, DiffEntry::Kind::kAdded);
  EXPECT_STATUS_CODE(db_->Diff(10, 10).status(),
                     absl::StatusCode::kInvalidArgument);
  // A future import is refused, whole.
  GraphBatch future;
  future.PutVertex(7, "Person", {}, kv::kMaxTimestamp);
  EXPECT_STATUS_CODE(db_->Apply(future).status(),
                     absl::StatusCode::kInvalidArgument);
}

TEST_F(GraphDbTest, MetadataAndUnknownNames) {
  EXPECT_STATUS_CODE(db_->GetMetadata("directed").status(),
                     absl::StatusCode::kNotFound);
  ASSERT_OK(db_->SetMetadata("directed", "false"));
  EXPECT_EQ(*db_->GetMetadata("directed"), "false");
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  EXPECT_STATUS_CODE(snap.LabelIdOf("nope").status(),
                     absl::StatusCode::kNotFound);
  EXPECT_STATUS_CODE(snap.GetVertex(5).status(), absl::StatusCode::kNotFound);
  EXPECT_STATUS_CODE(snap.GetEdge(EdgeKey{1, 1, 2}).status(),
                     absl::StatusCode::kNotFound);
  EXPECT_STATUS_CODE(db_->History(5).status(), absl::StatusCode::kNotFound);
  EXPECT_STATUS_CODE(db_->GetSnapshot(0).status(),
                     absl::StatusCode::kInvalidArgument);
}

TEST_F(GraphDbTest, DamagedRecordIsDataLossNotACrash) {
  ASSERT_OK(db_->PutVertex(1, "P", {{"name", std::string("x")}}).status());
  // Overwrite the vertex's value with bytes that are not a record.
  ASSERT_OK(db_->kv()->Put(VertexKey(1), std::string(16, '\xff')).status());
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  EXPECT_STATUS_CODE(snap.GetVertex(1).status(), absl::StatusCode::kDataLoss);
  EXPECT_STATUS_CODE(db_->History(1).status(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace zverse::graph
