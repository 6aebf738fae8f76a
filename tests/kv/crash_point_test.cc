// A crash after every write: a fixed workload (puts, large values, deletes,
// batches, transactions, ingests, seals, compactions, syncs) runs on a
// FaultEnv that stops the "process" after its N-th mutating file-system call,
// for every N the workload makes. Then, as a kill -9 would leave it (the
// N-th write possibly torn) or as a power loss would (every file back to
// its last sync, directory changes no SyncDir made durable undone), the
// database must reopen, pass Verify, hold exactly the state of a prefix of
// the workload that includes every acknowledged operation (and the one in
// flight, or not: all or nothing), leave no temporary file, and take writes
// again. Some crashes are followed by a second one during recovery.
//
// Commit timestamps are made deterministic with the fake clock (op i
// commits at kBase + (i + 1) * 1000), so the oracle (tests/kv/kv_model.h)
// knows every version's timestamp without being told.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "tests/kv/fault_env.h"
#include "tests/kv/kv_model.h"
#include "tests/test_util.h"

namespace zverse::kv {
namespace {

using ::zverse::testing::FaultEnv;
using ::zverse::testing::kBase;
using ::zverse::testing::Model;
using ::zverse::testing::TempDir;

struct Op {
  enum class Kind {
    kPut, kDelete, kBatch, kTransaction, kIngest, kSeal, kCompact, kSync
  };
  Kind kind;
  // What it writes (nullopt: a deletion), all at the op's timestamp.
  std::vector<std::pair<std::string, std::optional<std::string>>> writes;
};

constexpr int kKeys = 12;

// Under ThreadSanitizer (10x slower here) every third crash point is tried.
#if defined(__SANITIZE_THREAD__)
constexpr int kStride = 3;
#else
constexpr int kStride = 1;
#endif

std::string Key(int k) { return absl::StrCat("key", k / 10, k % 10); }

Timestamp OpTs(size_t i) { return kBase + (i + 1) * 1000; }

// The workload: every kind of operation, values small and large (the
// overflow area), a deletion of a key that exists and of one that does not.
std::vector<Op> Workload(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Op> ops;
  auto value = [&](size_t i, int k) {
    std::string v = absl::StrCat("v", i, "/", k, ":");
    // One value in five is large enough for the overflow area.
    const size_t size = rng() % 5 == 0 ? kOverflowValueSize + rng() % 3000
                                       : rng() % 200;
    while (v.size() < size) v.push_back(static_cast<char>('a' + rng() % 26));
    return v;
  };
  using K = Op::Kind;
  const K plan[] = {K::kPut,   K::kPut,     K::kBatch,   K::kDelete,
                    K::kPut,   K::kTransaction, K::kSync, K::kBatch,
                    K::kSeal,  K::kPut,     K::kIngest,  K::kBatch,
                    K::kDelete, K::kTransaction, K::kPut, K::kSeal,
                    K::kBatch, K::kCompact, K::kPut,     K::kIngest,
                    K::kSync,  K::kBatch,   K::kDelete,  K::kPut,
                    K::kTransaction, K::kBatch, K::kPut};
  for (K kind : plan) {
    Op op{kind, {}};
    const size_t i = ops.size();
    const int k = static_cast<int>(rng() % kKeys);
    switch (kind) {
      case K::kPut:
        op.writes.emplace_back(Key(k), value(i, k));
        break;
      case K::kDelete:
        op.writes.emplace_back(Key(k), std::nullopt);
        break;
      case K::kBatch:
      case K::kIngest:
      case K::kTransaction: {
        const int n = 2 + static_cast<int>(rng() % 5);
        std::vector<bool> used(kKeys);
        for (int j = 0; j < n; ++j) {
          const int key = static_cast<int>(rng() % kKeys);
          if (used[key]) continue;
          used[key] = true;
          if (kind == K::kBatch && rng() % 4 == 0) {
            op.writes.emplace_back(Key(key), std::nullopt);
          } else {
            op.writes.emplace_back(Key(key), value(i, key));
          }
        }
        break;
      }
      case K::kSeal:
      case K::kCompact:
      case K::kSync:
        break;
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

Model ModelAfter(const std::vector<Op>& ops, size_t k) {
  Model m;
  for (size_t i = 0; i < k; ++i) {
    for (const auto& [key, v] : ops[i].writes) m.Apply(key, OpTs(i), v);
  }
  return m;
}

// Runs ops until one fails; returns how many were acknowledged. Each write
// must get the op's timestamp (the oracle relies on it).
size_t RunOps(DB* db, FaultEnv* env, const std::vector<Op>& ops) {
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    env->SetNow(OpTs(i));
    absl::StatusOr<Timestamp> ts = Timestamp{0};
    absl::Status s;
    WriteBatch batch;
    for (const auto& [key, v] : op.writes) {
      if (v.has_value()) {
        batch.Put(key, *v);
      } else {
        batch.Delete(key);
      }
    }
    switch (op.kind) {
      case Op::Kind::kPut:
      case Op::Kind::kDelete:
      case Op::Kind::kBatch:
        ts = db->Write(batch);
        break;
      case Op::Kind::kIngest:
        ts = db->Ingest(batch);
        break;
      case Op::Kind::kTransaction: {
        absl::StatusOr<Transaction> txn = db->BeginTransaction();
        if (!txn.ok()) return i;
        for (const auto& [key, v] : op.writes) {
          // Read before writing, as a read-modify-write would.
          (void)txn->Get(key);
          s = v.has_value() ? txn->Put(key, *v) : txn->Delete(key);
          if (!s.ok()) return i;
        }
        ts = txn->Commit();
        break;
      }
      case Op::Kind::kSeal:
        s = db->Seal();
        break;
      case Op::Kind::kCompact:
        s = db->Compact();
        break;
      case Op::Kind::kSync:
        s = db->Sync();
        break;
    }
    if (!s.ok() || !ts.ok()) return i;
    if (!op.writes.empty()) {
      EXPECT_EQ(*ts, OpTs(i)) << "op " << i << ": the oracle's timestamps";
    }
  }
  return ops.size();
}

Options TestOptions(FaultEnv* env, SyncMode mode) {
  Options o;
  o.env = env;
  o.sync_mode = mode;
  o.background_compaction = false;
  o.seal_threshold_bytes = uint64_t{1} << 30;  // Seals only when told.
  o.prefetch_threads = 0;
  return o;
}

// Whether the database holds exactly `m`: every version of every key, and
// the latest scan.
bool Holds(DB* db, const Model& m, std::string* why) {
  for (int k = 0; k < kKeys; ++k) {
    absl::StatusOr<std::vector<Entry>> h = db->History(Key(k));
    if (!h.ok()) {
      *why = absl::StrCat("History(", Key(k), "): ", h.status().ToString());
      return false;
    }
    const std::vector<Entry> want = m.History(Key(k), kLatest);
    if (h->size() != want.size()) {
      *why = absl::StrCat(Key(k), ": ", h->size(), " versions, want ",
                          want.size());
      return false;
    }
    for (size_t i = 0; i < want.size(); ++i) {
      const Entry& a = (*h)[i];
      const Entry& b = want[i];
      if (a.ts != b.ts || a.deleted != b.deleted || a.value != b.value) {
        *why = absl::StrCat(Key(k), " version ", i, ": ",
                            zverse::testing::Describe(a), ", want ",
                            zverse::testing::Describe(b));
        return false;
      }
    }
  }
  absl::StatusOr<std::vector<Entry>> scan = db->Scan("", "");
  if (!scan.ok() || scan->size() != m.Scan("", "", kLatest).size()) {
    *why = "latest scan differs";
    return false;
  }
  return true;
}

enum class Loss { kKill9, kKill9Torn, kPowerLoss };

struct Outcome {
  int crash_points = 0;
  int in_flight_landed = 0;
  int in_flight_lost = 0;
  int acked_lost = 0;  // Must stay 0.
};

// One crash at write `n`; checks the reopened database. `second` > 0 crashes
// recovery too, after its `second`-th write (followed by a power loss for
// kPowerLoss).
void CrashAt(const std::vector<Op>& ops, SyncMode mode, Loss loss, int n,
             int second, Outcome* out) {
  SCOPED_TRACE(absl::StrCat("crash after write ", n, ", mode ",
                            static_cast<int>(mode), ", loss ",
                            static_cast<int>(loss), ", second ", second));
  TempDir dir;
  const std::string path = dir.Sub("db");
  FaultEnv env;
  env.set_skip_syncs(true);  // Durability is simulated, not needed.
  env.SetNow(kBase);
  env.CrashAfterWrites(n, loss == Loss::kKill9Torn ? 11 : 0);
  size_t acked = 0;
  // The point after which nothing acknowledged may be lost, for the power
  // loss of a database that does not sync every commit: the last explicit
  // Sync or Ingest.
  size_t durable = 0;
  {
    absl::StatusOr<std::unique_ptr<DB>> db =
        DB::Open(path, TestOptions(&env, mode));
    if (db.ok()) {
      acked = RunOps(db->get(), &env, ops);
      ASSERT_TRUE(env.crashed()) << "the workload ended before write " << n;
    }
  }  // The DB goes; what it tries on the way out fails (the process is gone).
  if (mode == SyncMode::kAlways) {
    durable = acked;
  } else {
    for (size_t i = 0; i < acked; ++i) {
      if (ops[i].kind == Op::Kind::kSync || ops[i].kind == Op::Kind::kIngest) {
        durable = i + 1;
      }
    }
  }
  if (loss != Loss::kPowerLoss) durable = acked;  // The OS keeps it all.
  if (loss == Loss::kPowerLoss) env.LoseUnsyncedData();
  if (second > 0) {
    env.CrashAfterWrites(second);
    (void)DB::Open(path, TestOptions(&env, mode));
    if (loss == Loss::kPowerLoss) {
      env.LoseUnsyncedData();
    } else {
      env.ClearCrash();
    }
  }
  FaultEnv clean;
  clean.SetNow(kBase + 1000 * 1000);
  absl::StatusOr<std::unique_ptr<DB>> db =
      DB::Open(path, TestOptions(&clean, mode));
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_OK((*db)->Verify());
  // The state of which prefix?
  const size_t hi = std::min(ops.size(), acked + 1);
  std::optional<size_t> found;
  std::string why, first_why;
  for (size_t k = hi + 1; k-- > 0;) {
    if (Holds(db->get(), ModelAfter(ops, k), &why)) {
      found = k;
      break;
    }
    if (first_why.empty()) first_why = why;
  }
  ASSERT_TRUE(found.has_value())
      << "no prefix of the workload matches; vs " << hi << " ops: "
      << first_why;
  // The ops in [found, hi) that change nothing match the same state: the
  // longest matching prefix is what survived.
  EXPECT_GE(*found, durable) << "lost acknowledged operations ("
                             << acked << " acknowledged, " << durable
                             << " durable)";
  if (*found < durable) ++out->acked_lost;
  if (acked < ops.size() && !ops[acked].writes.empty()) {
    ++(*found > acked ? out->in_flight_landed : out->in_flight_lost);
  }
  ++out->crash_points;
  for (const auto& e : std::filesystem::directory_iterator(path)) {
    EXPECT_FALSE(absl::EndsWith(e.path().filename().string(), ".tmp"))
        << "left behind: " << e.path();
  }
  // It takes writes again, and they last.
  ASSERT_OK((*db)->Put("after", "crash").status());
  ASSERT_OK((*db)->Close());
  db = DB::Open(path, TestOptions(&clean, mode));
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ((*db)->Get("after").value_or("?"), "crash");
}

// The number of mutating calls the whole workload makes.
int CountWrites(const std::vector<Op>& ops, SyncMode mode) {
  TempDir dir;
  FaultEnv env;
  env.set_skip_syncs(true);
  env.SetNow(kBase);
  auto db = DB::Open(dir.Sub("db"), TestOptions(&env, mode));
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return 0;
  EXPECT_EQ(RunOps(db->get(), &env, ops), ops.size());
  // The clean run holds the whole workload.
  std::string why;
  EXPECT_TRUE(Holds(db->get(), ModelAfter(ops, ops.size()), &why)) << why;
  return env.writes();
}

class CrashPointTest
    : public ::testing::TestWithParam<std::tuple<SyncMode, Loss>> {};

TEST_P(CrashPointTest, EveryWriteIsACrashPoint) {
  const auto [mode, loss] = GetParam();
  const std::vector<Op> ops = Workload(7);
  const int writes = CountWrites(ops, mode);
  ASSERT_GT(writes, static_cast<int>(ops.size()));
  Outcome out;
  for (int n = 1; n <= writes; n += kStride) {
    // Every 7th crash point crashes recovery too, after 1 to 3 writes.
    const int second = n % 7 == 3 ? 1 + n % 3 : 0;
    ASSERT_NO_FATAL_FAILURE(CrashAt(ops, mode, loss, n, second, &out));
  }
  EXPECT_EQ(out.acked_lost, 0);
  EXPECT_EQ(out.crash_points, (writes + kStride - 1) / kStride);
  // Crashes in the middle of commits happen, and both outcomes of the op in
  // flight are seen (a crash before its log write, one after).
  EXPECT_GT(out.in_flight_lost, 0);
  // After a power loss it never lands: the crash comes before its sync
  // (nothing is written between a commit's sync and its acknowledgement).
  if (loss == Loss::kPowerLoss) {
    EXPECT_EQ(out.in_flight_landed, 0);
  } else {
    EXPECT_GT(out.in_flight_landed, 0);
  }
  std::printf("%d crash points (%d writes of %zu ops): op in flight landed "
              "%d, lost %d; acknowledged ops lost %d\n",
              out.crash_points, writes, ops.size(), out.in_flight_landed,
              out.in_flight_lost, out.acked_lost);
  RecordProperty("crash_points", out.crash_points);
  RecordProperty("acked_lost", out.acked_lost);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, CrashPointTest,
    ::testing::Values(std::make_tuple(SyncMode::kAlways, Loss::kKill9),
                      std::make_tuple(SyncMode::kAlways, Loss::kKill9Torn),
                      std::make_tuple(SyncMode::kAlways, Loss::kPowerLoss),
                      std::make_tuple(SyncMode::kNever, Loss::kKill9Torn),
                      std::make_tuple(SyncMode::kNever, Loss::kPowerLoss)),
    [](const auto& info) {
      const SyncMode mode = std::get<0>(info.param);
      const Loss loss = std::get<1>(info.param);
      return absl::StrCat(mode == SyncMode::kAlways ? "Always" : "Never",
                          loss == Loss::kKill9       ? "Kill9"
                          : loss == Loss::kKill9Torn ? "Kill9Torn"
                                                     : "PowerLoss");
    });

// A read that fails (EIO, a failed mmap) while opening: a clear error, and
// nothing changed; the same database opens once the fault clears.
TEST(ReadFaultTest, FailedMapsAndReadsAtOpen) {
  TempDir dir;
  const std::string path = dir.Sub("db");
  FaultEnv env;
  env.set_skip_syncs(true);
  env.SetNow(kBase);
  const std::vector<Op> ops = Workload(3);
  {
    auto db = DB::Open(path, TestOptions(&env, SyncMode::kAlways));
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_EQ(RunOps(db->get(), &env, ops), ops.size());
    ASSERT_OK((*db)->Close());
  }
  const Model want = ModelAfter(ops, ops.size());
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(path)) {
    names.push_back(e.path().filename().string());
  }
  ASSERT_GE(names.size(), 3u);
  int failed_opens = 0;
  for (const std::string& name : names) {
    for (int pass = 0; pass < 2; ++pass) {
      SCOPED_TRACE(absl::StrCat(name, " pass ", pass));
      env.FailReads(absl::InternalError("injected EIO"), "/" + name, pass);
      for (bool read_only : {true, false}) {
        Options o = TestOptions(&env, SyncMode::kAlways);
        o.read_only = read_only;
        absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(path, o);
        if (!db.ok()) {
          ++failed_opens;
          EXPECT_TRUE(absl::StrContains(db.status().message(), "injected EIO"))
              << db.status();
          continue;
        }
        // Opened (the fault hit nothing it reads, or a retry): it must
        // serve the whole state.
        std::string why;
        EXPECT_TRUE(Holds(db->get(), want, &why)) << why;
      }
      env.ClearFaults();
      auto db = DB::Open(path, TestOptions(&env, SyncMode::kAlways));
      ASSERT_TRUE(db.ok()) << db.status();
      std::string why;
      EXPECT_TRUE(Holds(db->get(), want, &why)) << why;
    }
  }
  EXPECT_GT(failed_opens, 0);
}

// A map that fails while the database runs (the new segment of a seal, a
// compaction or an ingest): that call fails, nothing acknowledged is lost,
// and the database reopens with everything.
TEST(ReadFaultTest, FailedMapOfANewSegment) {
  for (Op::Kind kind :
       {Op::Kind::kSeal, Op::Kind::kCompact, Op::Kind::kIngest}) {
    SCOPED_TRACE(static_cast<int>(kind));
    TempDir dir;
    const std::string path = dir.Sub("db");
    FaultEnv env;
    env.set_skip_syncs(true);
    env.SetNow(kBase);
    std::vector<Op> ops = Workload(5);
    ops.resize(8);  // Writes only (and a Sync), no segment yet.
    auto db = DB::Open(path, TestOptions(&env, SyncMode::kAlways));
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_EQ(RunOps(db->get(), &env, ops), ops.size());
    env.FailReads(absl::InternalError("injected EIO"), ".seg");
    env.SetNow(OpTs(ops.size()));
    absl::Status s;
    if (kind == Op::Kind::kSeal) s = (*db)->Seal();
    if (kind == Op::Kind::kCompact) s = (*db)->Compact();
    if (kind == Op::Kind::kIngest) {
      WriteBatch b;
      b.Put("ingested", "x");
      s = (*db)->Ingest(b).status();
    }
    EXPECT_FALSE(s.ok());
    EXPECT_TRUE(absl::StrContains(s.message(), "injected EIO")) << s;
    env.ClearFaults();
    // Whatever the database does after the failure (it may refuse writes),
    // it serves what it acknowledged, and all of it comes back on reopen.
    std::string why;
    EXPECT_TRUE(Holds(db->get(), ModelAfter(ops, ops.size()), &why)) << why;
    db->reset();
    db = DB::Open(path, TestOptions(&env, SyncMode::kAlways));
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_OK((*db)->Verify());
    EXPECT_TRUE(Holds(db->get(), ModelAfter(ops, ops.size()), &why)) << why;
    // The failed ingest is not acknowledged: there or not, but whole.
    absl::StatusOr<std::string> got = (*db)->Get("ingested");
    EXPECT_TRUE(absl::IsNotFound(got.status()) || *got == "x") << got.status();
  }
}

}  // namespace
}  // namespace zverse::kv
