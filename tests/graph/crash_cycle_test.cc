// The crash-cycle test (after RocksDB's db_stress crash test): a forked child
// opens a KV database and a graph database, recovering whatever the last
// kill left, and runs a random mix until it is killed: puts and deletes
// (some of overflow size), write batches, optimistic transactions moving
// amounts between accounts, bulk ingests, graph batches (vertices with
// properties, edges, removals, some rejected as a whole), while a second
// thread seals and compacts both. Before each operation it sends its number
// through a pipe, after its acknowledgement the commit timestamp. The
// parent kills it with SIGKILL after a random delay (sometimes within
// milliseconds, during its recovery), reopens both databases and checks
// them against its model: every acknowledged operation is there, the one in
// flight is there whole or not at all, nothing else is; the accounts' total
// is unchanged; in- and out-edges mirror each other; Verify passes; and
// reads as of earlier acknowledged commits give what the model had then.
// Then the next cycle runs on the same directories, in every sync mode in
// turn (SIGKILL keeps what the OS was handed, so every mode keeps every
// acknowledged commit).
//
// The operations are a function of (cycle, number) and the model's state,
// so the parent regenerates them instead of being told. crash_cycle_test
// runs 24 cycles; crash_cycle_stress_test (label stress) 300, or
// $ZVERSE_CRASH_CYCLES.

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "graph/graph_db.h"
#include "kv/db.h"
#include "tests/test_util.h"

namespace zverse::graph {
namespace {

using ::zverse::testing::TempDir;

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kSlowdown = 6;
#else
constexpr int kSlowdown = 1;
#endif

#ifdef ZVERSE_CRASH_CYCLE_STRESS
constexpr int kDefaultCycles = 300;
#else
constexpr int kDefaultCycles = 24;
#endif

constexpr int kKeys = 48;
constexpr int kAccounts = 8;
constexpr int64_t kOpening = 1000;  // Each account's opening balance.
constexpr VertexId kVertices = 40;

std::string Key(int k) { return absl::StrCat("k/", k / 10, k % 10); }
std::string Account(int a) { return absl::StrCat("acct/", a); }

// --- The model -------------------------------------------------------------

struct VertexState {
  std::string label;
  std::string name;
  int64_t rank = 0;
  friend bool operator==(const VertexState&, const VertexState&) = default;
};

struct State {
  std::map<std::string, std::string> kv;  // Live keys.
  std::map<VertexId, VertexState> vertices;
  std::map<std::pair<VertexId, VertexId>, int64_t> edges;  // "knows", w.
};

// One operation. Graph ops: PutVertex (a), PutEdge (a -> b, w), RemoveEdge,
// RemoveVertex, in order, as one batch.
struct GraphOp {
  enum class Kind { kPutVertex, kPutEdge, kRemoveEdge, kRemoveVertex } kind;
  VertexId a = 0, b = 0;
  VertexState vertex;
  int64_t w = 0;
};
struct Op {
  enum class Kind { kWrite, kIngest, kTransfer, kGraph } kind;
  std::vector<std::pair<std::string, std::optional<std::string>>> writes;
  int from = 0, to = 0;
  int64_t amount = 0;
  std::vector<GraphOp> graph;
  bool kv_side() const { return kind != Kind::kGraph; }
};

Op MakeOp(uint64_t cycle_seed, uint32_t n) {
  std::mt19937_64 rng(cycle_seed * 0x9E3779B97F4A7C15ull + n);
  Op op;
  const uint64_t r = rng() % 100;
  auto value = [&](int k) {
    std::string v = absl::StrCat("c", cycle_seed, "/", n, "/", k, ":");
    const size_t size =
        rng() % 10 == 0 ? kv::kOverflowValueSize + rng() % 2000 : rng() % 150;
    while (v.size() < size) v.push_back(static_cast<char>('a' + rng() % 26));
    return v;
  };
  if (r < 40) {
    op.kind = r < 34 ? Op::Kind::kWrite : Op::Kind::kIngest;
    const int count = r < 20 ? 1 : 2 + static_cast<int>(rng() % 6);
    std::set<int> used;
    for (int j = 0; j < count; ++j) {
      const int k = static_cast<int>(rng() % kKeys);
      if (!used.insert(k).second) continue;
      if (rng() % 5 == 0) {
        op.writes.emplace_back(Key(k), std::nullopt);
      } else {
        op.writes.emplace_back(Key(k), value(k));
      }
    }
  } else if (r < 60) {
    op.kind = Op::Kind::kTransfer;
    op.from = static_cast<int>(rng() % kAccounts);
    op.to = static_cast<int>((op.from + 1 + rng() % (kAccounts - 1)) % kAccounts);
    op.amount = 1 + static_cast<int64_t>(rng() % 50);
  } else {
    op.kind = Op::Kind::kGraph;
    const int count = 1 + static_cast<int>(rng() % 6);
    for (int j = 0; j < count; ++j) {
      GraphOp g;
      g.a = 1 + rng() % kVertices;
      g.b = 1 + (g.a + rng() % (kVertices - 1)) % kVertices;  // != a.
      const uint64_t k = rng() % 10;
      g.kind = k < 4   ? GraphOp::Kind::kPutVertex
               : k < 8 ? GraphOp::Kind::kPutEdge
               : k < 9 ? GraphOp::Kind::kRemoveEdge
                       : GraphOp::Kind::kRemoveVertex;
      g.vertex = {rng() % 3 == 0 ? "place" : "person",
                  absl::StrCat("v", g.a, "@", cycle_seed, "/", n),
                  static_cast<int64_t>(rng() % 1000)};
      g.w = static_cast<int64_t>(rng() % 100);
      op.graph.push_back(g);
    }
  }
  return op;
}

// Applies `op` to `s` as the databases do. False when the graph batch is
// rejected (NotFound or FailedPrecondition), which changes nothing.
bool Apply(const Op& op, State* s) {
  switch (op.kind) {
    case Op::Kind::kWrite:
    case Op::Kind::kIngest:
      for (const auto& [key, v] : op.writes) {
        if (v.has_value()) {
          s->kv[key] = *v;
        } else {
          s->kv.erase(key);
        }
      }
      return true;
    case Op::Kind::kTransfer: {
      const int64_t a = std::stoll(s->kv[Account(op.from)]);
      const int64_t b = std::stoll(s->kv[Account(op.to)]);
      s->kv[Account(op.from)] = absl::StrCat(a - op.amount);
      s->kv[Account(op.to)] = absl::StrCat(b + op.amount);
      return true;
    }
    case Op::Kind::kGraph: {
      State next = *s;
      for (const GraphOp& g : op.graph) {
        switch (g.kind) {
          case GraphOp::Kind::kPutVertex:
            next.vertices[g.a] = g.vertex;
            break;
          case GraphOp::Kind::kPutEdge:
            if (!next.vertices.count(g.a) || !next.vertices.count(g.b)) {
              return false;
            }
            next.edges[{g.a, g.b}] = g.w;
            break;
          case GraphOp::Kind::kRemoveEdge:
            if (next.edges.erase({g.a, g.b}) == 0) return false;
            break;
          case GraphOp::Kind::kRemoveVertex:
            if (next.vertices.erase(g.a) == 0) return false;
            std::erase_if(next.edges, [&](const auto& e) {
              return e.first.first == g.a || e.first.second == g.a;
            });
            break;
        }
      }
      *s = std::move(next);
      return true;
    }
  }
  return false;
}

std::string KvFingerprint(const std::map<std::string, std::string>& kv) {
  std::string out;
  for (const auto& [k, v] : kv) absl::StrAppend(&out, k, "=", v, "\n");
  return out;
}

std::string GraphFingerprint(const State& s) {
  std::string out;
  for (const auto& [v, x] : s.vertices) {
    absl::StrAppend(&out, v, " ", x.label, " name=", x.name,
                    " rank=", x.rank, "\n");
    for (const auto& [e, w] : s.edges) {
      if (e.first == v) absl::StrAppend(&out, "  -> ", e.second, " w=", w, "\n");
    }
    for (const auto& [e, w] : s.edges) {
      if (e.second == v) absl::StrAppend(&out, "  <- ", e.first, "\n");
    }
  }
  return out;
}

// --- What the databases hold -------------------------------------------------

absl::StatusOr<std::string> KvFingerprint(const kv::DB& db, kv::Timestamp at) {
  absl::StatusOr<std::vector<kv::Entry>> scan = db.Scan("", "", at);
  if (!scan.ok()) return scan.status();
  std::map<std::string, std::string> m;
  for (const kv::Entry& e : *scan) m[e.key] = e.value;
  return KvFingerprint(m);
}

absl::StatusOr<std::string> GraphFingerprint(const GraphDb& db,
                                             kv::Timestamp at) {
  absl::StatusOr<GraphSnapshot> snap = db.GetSnapshot(at);
  if (!snap.ok()) return snap.status();
  absl::StatusOr<std::vector<VertexId>> ids = snap->VertexIds();
  if (!ids.ok()) return ids.status();
  std::string out;
  absl::Status st;
  for (VertexId v : *ids) {
    absl::StatusOr<Vertex> vx = snap->GetVertex(v);
    absl::StatusOr<Properties> props = snap->VertexProperties(v);
    if (!vx.ok()) return vx.status();
    if (!props.ok()) return props.status();
    std::string name;
    int64_t rank = -1;
    for (const NamedProperty& p : *props) {
      if (p.name == "name") name = std::get<std::string>(p.value);
      if (p.name == "rank") rank = std::get<int64_t>(p.value);
    }
    absl::StrAppend(&out, v, " ", std::string(vx->label_name), " name=", name,
                    " rank=", rank, "\n");
    absl::Status s = snap->OutEdges(v, [&](const EdgeRef& e) {
      absl::StatusOr<Properties> ep = snap->EdgeProperties(e.key());
      if (!ep.ok() || ep->size() != 1) {
        st = ep.ok() ? absl::DataLossError("edge properties") : ep.status();
        return false;
      }
      absl::StrAppend(&out, "  -> ", e.dst, " w=",
                      std::get<int64_t>((*ep)[0].value), "\n");
      return true;
    });
    if (!s.ok()) return s;
    if (!st.ok()) return st;
    s = snap->InEdges(v, [&](const EdgeRef& e) {
      absl::StrAppend(&out, "  <- ", e.src, "\n");
      return true;
    });
    if (!s.ok()) return s;
  }
  return out;
}

kv::Options KvOptions(kv::SyncMode mode, bool background, bool for_child) {
  kv::Options o;
  o.sync_mode = mode;
  o.sync_interval_ms = 5;
  o.background_compaction = background;
  o.compaction_trigger_segments = 3;
  o.compaction_cpu_budget = 1.0;
  // Small logs: seals (and in the child, compactions) happen all the time.
  o.seal_threshold_bytes = for_child ? (16 << 10) : (1 << 20);
  o.prefetch_threads = 0;
  return o;
}

// --- The child ---------------------------------------------------------------

struct Msg {
  enum Kind : uint32_t { kIntent = 1, kAck = 2, kRejected = 3, kError = 4 };
  uint32_t kind;
  uint32_t n;
  uint64_t ts;
  char text[112];
};
static_assert(sizeof(Msg) <= PIPE_BUF);

void Send(int fd, const Msg& m) {
  if (write(fd, &m, sizeof(m)) != sizeof(m)) _exit(9);
}

[[noreturn]] void Fail(int fd, uint32_t n, const std::string& what) {
  Msg m{Msg::kError, n, 0, {}};
  std::snprintf(m.text, sizeof(m.text), "%s", what.c_str());
  Send(fd, m);
  _exit(8);
}

[[noreturn]] void ChildMain(const std::string& dir, uint64_t cycle_seed,
                            kv::SyncMode mode, bool background, int fd) {
  auto db = kv::DB::Open(dir + "/kv", KvOptions(mode, background, true));
  if (!db.ok()) Fail(fd, 0, absl::StrCat("kv open: ", db.status().ToString()));
  GraphOptions go;
  go.kv = KvOptions(mode, background, true);
  auto g = GraphDb::Open(dir + "/graph", go);
  if (!g.ok()) Fail(fd, 0, absl::StrCat("graph open: ", g.status().ToString()));
  // Seals and compactions at random moments, beside the writer.
  std::thread maintainer([&] {
    std::mt19937_64 rng(cycle_seed);
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1 + rng() % 20));
      const uint64_t r = rng() % 4;
      absl::Status s = r == 0   ? (*db)->Compact()
                       : r == 1 ? (*db)->Seal()
                       : r == 2 ? (*g)->kv()->Compact()
                                : (*g)->kv()->Seal();
      if (!s.ok()) Fail(fd, 0, absl::StrCat("maintenance: ", s.ToString()));
    }
  });
  for (uint32_t n = 0;; ++n) {
    const Op op = MakeOp(cycle_seed, n);
    Send(fd, Msg{Msg::kIntent, n, 0, {}});
    absl::StatusOr<kv::Timestamp> ts = kv::Timestamp{0};
    switch (op.kind) {
      case Op::Kind::kWrite:
      case Op::Kind::kIngest: {
        kv::WriteBatch b;
        for (const auto& [key, v] : op.writes) {
          if (v.has_value()) {
            b.Put(key, *v);
          } else {
            b.Delete(key);
          }
        }
        ts = op.kind == Op::Kind::kWrite ? (*db)->Write(b) : (*db)->Ingest(b);
        break;
      }
      case Op::Kind::kTransfer: {
        auto txn = (*db)->BeginTransaction();
        if (!txn.ok()) Fail(fd, n, txn.status().ToString());
        auto a = txn->Get(Account(op.from));
        auto b = txn->Get(Account(op.to));
        if (!a.ok() || !b.ok()) Fail(fd, n, "transfer: an account is missing");
        absl::Status s = txn->Put(Account(op.from),
                                  absl::StrCat(std::stoll(*a) - op.amount));
        if (s.ok()) {
          s = txn->Put(Account(op.to), absl::StrCat(std::stoll(*b) + op.amount));
        }
        if (!s.ok()) Fail(fd, n, s.ToString());
        ts = txn->Commit();
        break;
      }
      case Op::Kind::kGraph: {
        GraphBatch batch;
        for (const GraphOp& x : op.graph) {
          switch (x.kind) {
            case GraphOp::Kind::kPutVertex:
              batch.PutVertex(x.a, x.vertex.label,
                              {{"name", x.vertex.name}, {"rank", x.vertex.rank}});
              break;
            case GraphOp::Kind::kPutEdge:
              batch.PutEdge(x.a, "knows", x.b, {{"w", x.w}});
              break;
            case GraphOp::Kind::kRemoveEdge:
              batch.RemoveEdge(x.a, "knows", x.b);
              break;
            case GraphOp::Kind::kRemoveVertex:
              batch.RemoveVertex(x.a);
              break;
          }
        }
        ts = (*g)->Apply(batch);
        if (absl::IsNotFound(ts.status()) ||
            absl::IsFailedPrecondition(ts.status())) {
          Send(fd, Msg{Msg::kRejected, n, 0, {}});
          continue;
        }
        break;
      }
    }
    if (!ts.ok()) Fail(fd, n, ts.status().ToString());
    Send(fd, Msg{Msg::kAck, n, *ts, {}});
  }
}

// --- The parent ----------------------------------------------------------------

int Cycles() {
  const char* env = std::getenv("ZVERSE_CRASH_CYCLES");
  return env != nullptr && std::atoi(env) > 0 ? std::atoi(env) : kDefaultCycles;
}

struct Checkpoint {
  bool kv_side;
  kv::Timestamp ts;
  std::string fingerprint;
};

TEST(CrashCycleTest, KilledAtRandomNothingAcknowledgedIsLost) {
  TempDir tmp;
  const std::string dir = tmp.path();
  const int cycles = Cycles();
  std::mt19937_64 rng(20261204);
  State model;
  // The accounts, opened before the first cycle.
  {
    ASSERT_OK_AND_ASSIGN(auto db, kv::DB::Open(dir + "/kv", KvOptions(
                                                   kv::SyncMode::kAlways,
                                                   false, false)));
    kv::WriteBatch b;
    for (int a = 0; a < kAccounts; ++a) {
      b.Put(Account(a), absl::StrCat(kOpening));
      model.kv[Account(a)] = absl::StrCat(kOpening);
    }
    ASSERT_OK(db->Write(b).status());
    ASSERT_OK(db->Close());
  }
  std::vector<Checkpoint> checkpoints;
  uint64_t acked_total = 0, rejected_total = 0, landed = 0, not_landed = 0;
  uint64_t lost = 0, killed_in_recovery = 0;
  const kv::SyncMode modes[] = {kv::SyncMode::kAlways, kv::SyncMode::kInterval,
                                kv::SyncMode::kNever};
  for (int cycle = 0; cycle < cycles; ++cycle) {
    const uint64_t seed = 1000 + static_cast<uint64_t>(cycle);
    const kv::SyncMode mode = modes[cycle % 3];
    const bool background = cycle % 2 == 1;
    const int delay_ms =
        (rng() % 8 == 0 ? static_cast<int>(rng() % 4)
                        : 5 + static_cast<int>(rng() % 200)) * kSlowdown;
    SCOPED_TRACE(absl::StrCat("cycle ", cycle, ", sync mode ",
                              static_cast<int>(mode),
                              background ? ", background compaction" : "",
                              ", killed after ", delay_ms, " ms"));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    fflush(nullptr);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      ChildMain(dir, seed, mode, background, fds[1]);
    }
    close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    // What it said, up to the kill.
    std::vector<Msg> msgs;
    for (;;) {
      Msg m;
      const ssize_t got = read(fds[0], &m, sizeof(m));
      if (got <= 0) break;
      ASSERT_EQ(got, static_cast<ssize_t>(sizeof(m)));
      msgs.push_back(m);
    }
    close(fds[0]);
    for (const Msg& m : msgs) {
      ASSERT_NE(m.kind, Msg::kError) << "child: op " << m.n << ": " << m.text;
    }
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child ended on its own, status " << status;
    // Replay what was acknowledged; at most one op is in flight.
    std::optional<uint32_t> in_flight;
    uint32_t next = 0;
    for (const Msg& m : msgs) {
      if (m.kind == Msg::kIntent) {
        ASSERT_EQ(m.n, next);
        in_flight = m.n;
        continue;
      }
      ASSERT_TRUE(in_flight.has_value() && *in_flight == m.n);
      const Op op = MakeOp(seed, m.n);
      const bool applied = Apply(op, &model);
      ASSERT_EQ(applied, m.kind == Msg::kAck)
          << "op " << m.n << ": the model and the graph disagree on "
          << "whether the batch is valid";
      if (applied) {
        ++acked_total;
        checkpoints.push_back(
            {op.kv_side(), m.ts,
             op.kv_side() ? KvFingerprint(model.kv) : GraphFingerprint(model)});
      } else {
        ++rejected_total;
      }
      in_flight.reset();
      ++next;
    }
    if (msgs.empty()) ++killed_in_recovery;

    // Reopen and compare.
    ASSERT_OK_AND_ASSIGN(auto db, kv::DB::Open(dir + "/kv",
                                               KvOptions(mode, false, false)));
    GraphOptions go;
    go.kv = KvOptions(mode, false, false);
    ASSERT_OK_AND_ASSIGN(auto g, GraphDb::Open(dir + "/graph", go));
    ASSERT_OK(db->Verify());
    ASSERT_OK(g->kv()->Verify());
    ASSERT_OK_AND_ASSIGN(std::string kv_now, KvFingerprint(*db, kv::kLatest));
    ASSERT_OK_AND_ASSIGN(std::string graph_now,
                         GraphFingerprint(*g, kv::kLatest));
    State with = model;
    bool in_flight_changes = false;
    if (in_flight.has_value()) {
      in_flight_changes = Apply(MakeOp(seed, *in_flight), &with);
    }
    const bool as_acked = kv_now == KvFingerprint(model.kv) &&
                          graph_now == GraphFingerprint(model);
    const bool with_in_flight = kv_now == KvFingerprint(with.kv) &&
                                graph_now == GraphFingerprint(with);
    if (!as_acked && !with_in_flight) {
      ++lost;
      ADD_FAILURE() << "the databases hold neither the acknowledged state "
                    << "nor it plus the op in flight\nkv:\n"
                    << kv_now << "\nwant:\n" << KvFingerprint(model.kv)
                    << "\ngraph:\n" << graph_now << "\nwant:\n"
                    << GraphFingerprint(model);
      break;
    }
    if (in_flight_changes) ++(as_acked ? not_landed : landed);
    if (!as_acked) model = std::move(with);
    int64_t total = 0;
    for (int a = 0; a < kAccounts; ++a) {
      total += std::stoll(model.kv.at(Account(a)));
    }
    EXPECT_EQ(total, kOpening * kAccounts);
    // Time travel: as of a few earlier acknowledged commits (and the
    // latest), what the model had then.
    std::vector<size_t> picks;
    if (!checkpoints.empty()) picks.push_back(checkpoints.size() - 1);
    for (int i = 0; i < 3 && !checkpoints.empty(); ++i) {
      picks.push_back(rng() % checkpoints.size());
    }
    for (size_t i : picks) {
      const Checkpoint& c = checkpoints[i];
      absl::StatusOr<std::string> then =
          c.kv_side ? KvFingerprint(*db, c.ts) : GraphFingerprint(*g, c.ts);
      ASSERT_OK(then.status());
      EXPECT_EQ(*then, c.fingerprint)
          << (c.kv_side ? "kv" : "graph") << " as of " << c.ts;
    }
    ASSERT_OK(db->Close());
    ASSERT_OK(g->Close());
    if (::testing::Test::HasFatalFailure()) break;
  }
  std::printf("%d cycles: %llu ops acknowledged (%llu graph batches "
              "rejected as a whole), op in flight landed %llu / not %llu, "
              "%llu kills during recovery, lost %llu\n",
              cycles, static_cast<unsigned long long>(acked_total),
              static_cast<unsigned long long>(rejected_total),
              static_cast<unsigned long long>(landed),
              static_cast<unsigned long long>(not_landed),
              static_cast<unsigned long long>(killed_in_recovery),
              static_cast<unsigned long long>(lost));
  RecordProperty("cycles", cycles);
  RecordProperty("acknowledged", static_cast<int>(acked_total));
  RecordProperty("lost", static_cast<int>(lost));
  EXPECT_EQ(lost, 0u);
  EXPECT_GT(acked_total, static_cast<uint64_t>(cycles));
}

}  // namespace
}  // namespace zverse::graph
