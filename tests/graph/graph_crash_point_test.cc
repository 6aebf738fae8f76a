// The graph layer under a crash after every write: a bulk edge-list load,
// then graph batches (vertices with properties, edges, removals that take
// incident edges along), seals and a compaction, on a FaultEnv
// (tests/kv/fault_env.h) that stops the "process" after its N-th mutating
// file-system call, for every N. After a kill -9 (the N-th write torn) or a
// power loss (files back to their last sync, unsynced directory changes
// undone) the reopened graph must be the graph of a prefix of the workload
// holding every acknowledged operation: the load whole or not at all, each
// batch whole or not at all. "The graph after op k" comes from a run without
// a crash (the fake clock makes every commit timestamp the same in both), and
// the reopened graph is also compared as of every earlier op's timestamp:
// time travel survives the crash.

#include <cstdint>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "graph/graph_db.h"
#include "graph/loader.h"
#include "tests/kv/fault_env.h"
#include "tests/test_util.h"

namespace zverse::graph {
namespace {

using ::zverse::testing::FaultEnv;
using ::zverse::testing::TempDir;

constexpr Timestamp kBase = 1'700'000'000'000'000;
Timestamp OpTs(size_t i) { return kBase + (i + 1) * 1000; }

struct Op {
  enum class Kind { kLoad, kBatch, kSeal, kCompact } kind;
  GraphBatch batch;
};

// Writes the edge list the load reads; returns the workload.
std::vector<Op> Workload(const std::string& edge_file, uint64_t seed) {
  std::mt19937_64 rng(seed);
  constexpr VertexId kVertices = 40;
  std::set<VertexId> vertices;
  std::set<std::tuple<VertexId, std::string, VertexId>> edges;
  {
    std::ofstream out(edge_file);
    for (int i = 0; i < 120; ++i) {
      const VertexId a = 1 + rng() % kVertices, b = 1 + rng() % kVertices;
      out << a << " " << b << "\n";
      vertices.insert(a);
      vertices.insert(b);
      edges.insert({a, "edge", b});
    }
  }
  std::vector<Op> ops;
  ops.push_back(Op{Op::Kind::kLoad, {}});
  const Op::Kind plan[] = {
      Op::Kind::kBatch, Op::Kind::kBatch, Op::Kind::kSeal,  Op::Kind::kBatch,
      Op::Kind::kBatch, Op::Kind::kBatch, Op::Kind::kCompact,
      Op::Kind::kBatch, Op::Kind::kSeal,  Op::Kind::kBatch, Op::Kind::kBatch};
  for (Op::Kind kind : plan) {
    Op op{kind, {}};
    const int n = kind == Op::Kind::kBatch ? 2 + static_cast<int>(rng() % 6) : 0;
    for (int j = 0; j < n; ++j) {
      const VertexId a = 1 + rng() % (kVertices + 10);
      const VertexId b = 1 + rng() % (kVertices + 10);
      switch (rng() % 5) {
        case 0:
        case 1: {
          op.batch.PutVertex(a, rng() % 2 ? "person" : "vertex",
                             {{"name", absl::StrCat("n", a, "-", ops.size())},
                              {"age", static_cast<int64_t>(rng() % 90)}});
          vertices.insert(a);
          break;
        }
        case 2:
          if (vertices.count(a) && vertices.count(b)) {
            op.batch.PutEdge(a, "knows", b,
                             {{"w", static_cast<int64_t>(rng() % 10)}});
            edges.insert({a, "knows", b});
          }
          break;
        case 3:
          if (!edges.empty()) {
            auto it = edges.begin();
            std::advance(it, rng() % edges.size());
            op.batch.RemoveEdge(std::get<0>(*it), std::get<1>(*it),
                                std::get<2>(*it));
            edges.erase(it);
          }
          break;
        case 4:
          if (vertices.count(a) && rng() % 2 == 0) {
            op.batch.RemoveVertex(a);
            vertices.erase(a);
            std::erase_if(edges, [&](const auto& e) {
              return std::get<0>(e) == a || std::get<2>(e) == a;
            });
          }
          break;
      }
    }
    if (kind == Op::Kind::kBatch && op.batch.empty()) {
      op.batch.PutVertex(kVertices + 20 + ops.size(), "person");
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

std::string Format(const Properties& props) {
  std::string out;
  for (const NamedProperty& p : props) {
    absl::StrAppend(&out, p.name, "=");
    if (const auto* i = std::get_if<int64_t>(&p.value)) {
      absl::StrAppend(&out, *i);
    } else if (const auto* s = std::get_if<std::string>(&p.value)) {
      absl::StrAppend(&out, *s);
    } else {
      out += "?";
    }
    out += ",";
  }
  return out;
}

// Everything a reader can see of the graph as of `as_of`: vertices with
// labels and properties, out-edges with theirs, and in-edges (which must
// mirror the out-edges).
absl::StatusOr<std::string> Fingerprint(const GraphDb& db, Timestamp as_of) {
  absl::StatusOr<GraphSnapshot> snap = db.GetSnapshot(as_of);
  if (!snap.ok()) return snap.status();
  absl::StatusOr<std::vector<VertexId>> ids = snap->VertexIds();
  if (!ids.ok()) return ids.status();
  std::string out;
  for (VertexId v : *ids) {
    absl::StatusOr<Vertex> vx = snap->GetVertex(v);
    if (!vx.ok()) return vx.status();
    absl::StatusOr<Properties> props = snap->VertexProperties(v);
    if (!props.ok()) return props.status();
    absl::StrAppend(&out, "v", v, ":", std::string(vx->label_name), ":",
                    Format(*props), "\n");
    absl::Status st;
    absl::Status s = snap->OutEdges(v, [&](const EdgeRef& e) {
      absl::StatusOr<Properties> ep = snap->EdgeProperties(e.key());
      if (!ep.ok()) {
        st = ep.status();
        return false;
      }
      absl::StrAppend(&out, "  -", e.label, "-> ", e.dst, " @", e.ts, " ",
                      Format(*ep), "\n");
      return true;
    });
    if (!s.ok()) return s;
    if (!st.ok()) return st;
    s = snap->InEdges(v, [&](const EdgeRef& e) {
      absl::StrAppend(&out, "  <-", e.label, "- ", e.src, "\n");
      return true;
    });
    if (!s.ok()) return s;
  }
  return out;
}

GraphOptions TestOptions(FaultEnv* env, kv::SyncMode mode) {
  GraphOptions o;
  o.kv.env = env;
  o.kv.sync_mode = mode;
  o.kv.background_compaction = false;
  o.kv.seal_threshold_bytes = uint64_t{1} << 30;
  o.kv.prefetch_threads = 0;
  return o;
}

// Runs ops until one fails; returns how many were acknowledged.
size_t RunOps(GraphDb* db, FaultEnv* env, const std::vector<Op>& ops,
              const std::string& edge_file) {
  for (size_t i = 0; i < ops.size(); ++i) {
    env->SetNow(OpTs(i));
    absl::Status s;
    switch (ops[i].kind) {
      case Op::Kind::kLoad:
        s = LoadEdgeList(db, EdgeListInput{edge_file, true}).status();
        break;
      case Op::Kind::kBatch:
        s = db->Apply(ops[i].batch).status();
        break;
      case Op::Kind::kSeal:
        s = db->kv()->Seal();
        break;
      case Op::Kind::kCompact:
        s = db->kv()->Compact();
        break;
    }
    if (!s.ok()) return i;
  }
  return ops.size();
}

enum class Loss { kKill9Torn, kPowerLoss };

class GraphCrashPointTest : public ::testing::TestWithParam<Loss> {};

TEST_P(GraphCrashPointTest, EveryWriteIsACrashPoint) {
  const Loss loss = GetParam();
  TempDir files;
  const std::string edge_file = files.Sub("edges.txt");
  const std::vector<Op> ops = Workload(edge_file, 11);
  // The clean run: the graph after each op, and how many writes it takes.
  std::vector<std::string> after(ops.size() + 1);
  int writes = 0;
  {
    TempDir dir;
    FaultEnv env;
    env.set_skip_syncs(true);
    env.SetNow(kBase);
    ASSERT_OK_AND_ASSIGN(
        auto db,
        GraphDb::Open(dir.Sub("db"), TestOptions(&env, kv::SyncMode::kAlways)));
    ASSERT_EQ(RunOps(db.get(), &env, ops, edge_file), ops.size());
    // Each prefix's graph, read back as of its last op's time.
    for (size_t k = 1; k <= ops.size(); ++k) {
      ASSERT_OK_AND_ASSIGN(after[k], Fingerprint(*db, OpTs(k - 1)));
    }
    ASSERT_OK_AND_ASSIGN(std::string latest, Fingerprint(*db, kv::kLatest));
    ASSERT_EQ(latest, after[ops.size()]);
    ASSERT_NE(after[1], "") << "the load loaded something";
    writes = env.writes();
  }
  ASSERT_GT(writes, static_cast<int>(ops.size()));
  int landed = 0, lost = 0, acked_lost = 0;
  for (int n = 1; n <= writes; ++n) {
    SCOPED_TRACE(absl::StrCat("crash after write ", n));
    TempDir dir;
    const std::string path = dir.Sub("db");
    FaultEnv env;
    env.set_skip_syncs(true);
    env.SetNow(kBase);
    env.CrashAfterWrites(n, loss == Loss::kKill9Torn ? 13 : 0);
    size_t acked = 0;
    {
      auto db = GraphDb::Open(path, TestOptions(&env, kv::SyncMode::kAlways));
      if (db.ok()) acked = RunOps(db->get(), &env, ops, edge_file);
      ASSERT_TRUE(env.crashed());
    }
    if (loss == Loss::kPowerLoss) env.LoseUnsyncedData();
    FaultEnv clean;
    auto db = GraphDb::Open(path, TestOptions(&clean, kv::SyncMode::kAlways));
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_OK((*db)->kv()->Verify());
    ASSERT_OK_AND_ASSIGN(std::string got, Fingerprint(**db, kv::kLatest));
    // The longest prefix it matches (seals and compactions change nothing).
    std::optional<size_t> found;
    for (size_t k = std::min(ops.size(), acked + 1) + 1; k-- > 0;) {
      if (after[k] == got) {
        found = k;
        break;
      }
    }
    ASSERT_TRUE(found.has_value())
        << "the graph is no prefix of the workload (" << acked
        << " ops acknowledged):\n" << got;
    if (*found < acked) ++acked_lost;
    EXPECT_GE(*found, acked) << "acknowledged operations lost";
    if (acked < ops.size() && (ops[acked].kind == Op::Kind::kLoad ||
                               ops[acked].kind == Op::Kind::kBatch)) {
      ++(*found > acked ? landed : lost);
    }
    // And as of each earlier op's time, what the clean run had then.
    for (size_t k = 1; k <= *found; ++k) {
      ASSERT_OK_AND_ASSIGN(std::string past, Fingerprint(**db, OpTs(k - 1)));
      EXPECT_EQ(past, after[k]) << "as of op " << k - 1;
    }
  }
  EXPECT_EQ(acked_lost, 0);
  EXPECT_GT(lost, 0);
  if (loss == Loss::kKill9Torn) EXPECT_GT(landed, 0);
  std::printf("%d crash points: op in flight landed %d, lost %d; "
              "acknowledged ops lost %d\n",
              writes, landed, lost, acked_lost);
}

INSTANTIATE_TEST_SUITE_P(Losses, GraphCrashPointTest,
                         ::testing::Values(Loss::kKill9Torn, Loss::kPowerLoss),
                         [](const auto& info) {
                           return info.param == Loss::kKill9Torn
                                      ? std::string("Kill9Torn")
                                      : std::string("PowerLoss");
                         });

}  // namespace
}  // namespace zverse::graph
