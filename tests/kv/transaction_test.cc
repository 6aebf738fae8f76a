// Optimistic read-write transactions (kv::Transaction): own writes, snapshot
// reads, atomic commits, conflicts (Aborted) decided exactly as an
// independent oracle decides them, lost updates impossible under threads.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "tests/test_util.h"

namespace zverse::kv {
namespace {

using ::zverse::testing::TempDir;

class TransactionTest : public ::testing::Test {
 protected:
  void Open(Options o = {}) {
    db_.reset();
    o.sync_mode = SyncMode::kNever;
    ASSERT_OK_AND_ASSIGN(db_, DB::Open(dir_.path(), o));
  }
  // Every live key and value, as a map.
  std::map<std::string, std::string> All() {
    std::map<std::string, std::string> m;
    auto all = db_->Scan("", "");
    EXPECT_OK(all.status());
    if (all.ok()) {
      for (const Entry& e : *all) m[e.key] = e.value;
    }
    return m;
  }
  TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST_F(TransactionTest, ReadsItsOwnWritesAndASnapshot) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK(db_->Put("a", "1").status());
  ASSERT_OK(db_->Put("c", "3").status());
  ASSERT_OK(db_->Put("e", "5").status());
  ASSERT_OK_AND_ASSIGN(Transaction t, db_->BeginTransaction());
  EXPECT_TRUE(t.is_open());
  ASSERT_OK_AND_ASSIGN(Snapshot now, db_->GetSnapshot());
  EXPECT_EQ(t.read_ts(), now.as_of());
  // A commit after the transaction began is invisible to it.
  ASSERT_OK(db_->Put("d", "4").status());
  ASSERT_OK(t.Put("b", "2"));
  ASSERT_OK(t.Put("c", "33"));
  ASSERT_OK(t.Delete("e"));
  ASSERT_OK(t.Put("f", "6"));
  EXPECT_EQ(*t.Get("a"), "1");
  EXPECT_EQ(*t.Get("b"), "2");
  EXPECT_EQ(*t.Get("c"), "33");
  EXPECT_STATUS_CODE(t.Get("e"), absl::StatusCode::kNotFound);
  // (Scan below shows that "d" is invisible: a Get of it would make the
  // later commit of "d" a conflict, see ReadConflictAborts.)
  std::vector<std::pair<std::string, std::string>> seen;
  ASSERT_OK(t.Scan("", "", [&](const Record& r) {
    seen.emplace_back(std::string(r.key), std::string(r.value));
    return true;
  }));
  const std::vector<std::pair<std::string, std::string>> want = {
      {"a", "1"}, {"b", "2"}, {"c", "33"}, {"f", "6"}};
  EXPECT_EQ(seen, want);
  // Bounded and stopped early.
  seen.clear();
  ASSERT_OK(t.Scan("b", "f", [&](const Record& r) {
    seen.emplace_back(std::string(r.key), std::string(r.value));
    return seen.size() < 1;
  }));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, "b");
  // Nothing is visible before the commit.
  EXPECT_STATUS_CODE(db_->Get("b"), absl::StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(Timestamp ts, t.Commit());
  EXPECT_FALSE(t.is_open());
  EXPECT_GT(ts, now.as_of());
  const std::map<std::string, std::string> want_db = {
      {"a", "1"}, {"b", "2"}, {"c", "33"}, {"d", "4"}, {"f", "6"}};
  EXPECT_EQ(All(), want_db);
  // One commit: every write carries its timestamp.
  for (const char* k : {"b", "c", "f"}) {
    ASSERT_OK_AND_ASSIGN(std::vector<Entry> h, db_->History(k));
    EXPECT_EQ(h.front().ts, ts) << k;
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Entry> he, db_->History("e"));
  EXPECT_TRUE(he.front().deleted);
  EXPECT_EQ(he.front().ts, ts);
  // Closed now.
  EXPECT_STATUS_CODE(t.Get("a"), absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(t.Put("a", "x"), absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(t.Commit(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(db_->GetStats().transactions, 1u);
}

TEST_F(TransactionTest, ReadConflictAborts) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK(db_->Put("x", "1").status());
  ASSERT_OK_AND_ASSIGN(Transaction t, db_->BeginTransaction());
  ASSERT_OK_AND_ASSIGN(std::string v, t.Get("x"));
  ASSERT_OK(t.Put("y", v + "0"));
  ASSERT_OK(db_->Put("x", "2").status());  // Overwrites what t read.
  EXPECT_STATUS_CODE(t.Commit(), absl::StatusCode::kAborted);
  EXPECT_STATUS_CODE(db_->Get("y"), absl::StatusCode::kNotFound);
  EXPECT_EQ(db_->GetStats().transaction_aborts, 1u);
  // Reading that a key is absent counts too.
  {
    ASSERT_OK_AND_ASSIGN(Transaction t3, db_->BeginTransaction());
    EXPECT_STATUS_CODE(t3.Get("new"), absl::StatusCode::kNotFound);
    ASSERT_OK(t3.Put("z", "1"));
    ASSERT_OK(db_->Put("new", "1").status());
    EXPECT_STATUS_CODE(t3.Commit(), absl::StatusCode::kAborted);
  }
  // A retry succeeds.
  ASSERT_OK_AND_ASSIGN(Transaction t2, db_->BeginTransaction());
  ASSERT_OK_AND_ASSIGN(std::string v2, t2.Get("x"));
  ASSERT_OK(t2.Put("y", v2 + "0"));
  ASSERT_OK(t2.Commit().status());
  EXPECT_EQ(*db_->Get("y"), "20");
}

TEST_F(TransactionTest, WriteWriteConflictAbortsTheLaterCommit) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK_AND_ASSIGN(Transaction a, db_->BeginTransaction());
  ASSERT_OK_AND_ASSIGN(Transaction b, db_->BeginTransaction());
  ASSERT_OK(a.Put("k", "a"));
  ASSERT_OK(b.Put("k", "b"));
  ASSERT_OK(b.Put("other", "b"));
  ASSERT_OK(a.Commit().status());
  EXPECT_STATUS_CODE(b.Commit(), absl::StatusCode::kAborted);
  EXPECT_EQ(*db_->Get("k"), "a");
  EXPECT_STATUS_CODE(db_->Get("other"), absl::StatusCode::kNotFound);
}

TEST_F(TransactionTest, ScannedKeysConflictButNewKeysInTheRangeDoNot) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK(db_->Put("r/1", "1").status());
  ASSERT_OK(db_->Put("r/2", "2").status());
  {
    ASSERT_OK_AND_ASSIGN(Transaction t, db_->BeginTransaction());
    ASSERT_OK(t.Scan("r/", "r0", [](const Record&) { return true; }));
    ASSERT_OK(t.Put("sum", "3"));
    ASSERT_OK(db_->Put("r/2", "20").status());
    EXPECT_STATUS_CODE(t.Commit(), absl::StatusCode::kAborted);
  }
  {
    // Documented: no phantom protection.
    ASSERT_OK_AND_ASSIGN(Transaction t, db_->BeginTransaction());
    ASSERT_OK(t.Scan("r/", "r0", [](const Record&) { return true; }));
    ASSERT_OK(t.Put("sum", "21"));
    ASSERT_OK(db_->Put("r/3", "3").status());
    EXPECT_OK(t.Commit().status());
  }
}

TEST_F(TransactionTest, IngestsAndExplicitTimestampsConflictToo) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK(db_->Put("k", "1").status());
  {
    ASSERT_OK_AND_ASSIGN(Transaction t, db_->BeginTransaction());
    ASSERT_OK(t.Get("k").status());
    ASSERT_OK(t.Put("out", "x"));
    WriteBatch b;
    b.Put("k", "ingested");
    ASSERT_OK(db_->Ingest(b).status());
    EXPECT_STATUS_CODE(t.Commit(), absl::StatusCode::kAborted);
  }
  {
    // An import of an old version is a write of the key after the
    // transaction began, though its timestamp is older.
    ASSERT_OK_AND_ASSIGN(Transaction t, db_->BeginTransaction());
    ASSERT_OK(t.Get("k").status());
    ASSERT_OK(t.Put("out", "x"));
    WriteOptions wo;
    wo.ts = 5;
    ASSERT_OK(db_->Put("k", "old", wo).status());
    EXPECT_STATUS_CODE(t.Commit(), absl::StatusCode::kAborted);
  }
}

TEST_F(TransactionTest, RollbackAndDestructionLeaveNothing) {
  ASSERT_NO_FATAL_FAILURE(Open());
  {
    ASSERT_OK_AND_ASSIGN(Transaction t, db_->BeginTransaction());
    ASSERT_OK(t.Put("a", "1"));
    t.Rollback();
    EXPECT_FALSE(t.is_open());
    EXPECT_STATUS_CODE(t.Commit(), absl::StatusCode::kFailedPrecondition);
  }
  {
    ASSERT_OK_AND_ASSIGN(Transaction t, db_->BeginTransaction());
    ASSERT_OK(t.Put("b", "1"));
  }  // Destroyed open: rolled back.
  {
    // Read-only: commits at its read time, writes nothing.
    ASSERT_OK_AND_ASSIGN(Transaction t, db_->BeginTransaction());
    EXPECT_STATUS_CODE(t.Get("a"), absl::StatusCode::kNotFound);
    ASSERT_OK_AND_ASSIGN(Timestamp ts, t.Commit());
    EXPECT_EQ(ts, t.read_ts());
  }
  EXPECT_TRUE(All().empty());
  EXPECT_EQ(db_->GetStats().commits, 0u);
  Transaction empty;
  EXPECT_FALSE(empty.is_open());
  EXPECT_STATUS_CODE(empty.Get("a"), absl::StatusCode::kFailedPrecondition);
}

TEST_F(TransactionTest, LimitsAndClosedDatabases) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK_AND_ASSIGN(Transaction t, db_->BeginTransaction());
  EXPECT_STATUS_CODE(t.Put(std::string(kMaxKeySize + 1, 'k'), "v"),
                     absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(t.Delete(std::string(kMaxKeySize + 1, 'k')),
                     absl::StatusCode::kInvalidArgument);
  ASSERT_OK(t.Put("kept", "1"));
  ASSERT_OK(db_->Close());
  EXPECT_STATUS_CODE(t.Commit(), absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(db_->BeginTransaction(),
                     absl::StatusCode::kFailedPrecondition);
  Options ro;
  ro.read_only = true;
  db_.reset();
  ASSERT_OK_AND_ASSIGN(db_, DB::Open(dir_.path(), ro));
  EXPECT_STATUS_CODE(db_->BeginTransaction(),
                     absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(db_->Get("kept"), absl::StatusCode::kNotFound);
}

TEST_F(TransactionTest, CommittedTransactionsSurviveReopen) {
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK_AND_ASSIGN(Transaction t, db_->BeginTransaction());
    ASSERT_OK(t.Put(absl::StrCat("k", i), absl::StrCat(i)));
    if (i % 3 == 0) {
      ASSERT_OK(t.Delete(absl::StrCat("k", i - 1)));
    }
    ASSERT_OK(t.Commit().status());
  }
  const auto before = All();
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(All(), before);
}

// Interleaved transactions, one thread, random operations; an independent
// oracle applies each commit to a std::map in commit order and decides
// conflicts from the keys each transaction read and wrote: the DB must
// abort exactly the transactions the oracle aborts, and every read must
// return what the oracle's snapshot plus own writes says.
TEST_F(TransactionTest, MatchesASerialOracle) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    TempDir dir;
    Options o;
    o.sync_mode = SyncMode::kNever;
    o.seal_threshold_bytes = 8 << 10;  // Seals (and merges) under the test.
    o.compaction_trigger_segments = 3;
    o.compaction_cpu_budget = 1.0;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<DB> db, DB::Open(dir.path(), o));
    std::mt19937_64 rng(seed);
    using Map = std::map<std::string, std::string>;
    Map state;                               // Committed state.
    std::map<std::string, uint64_t> written;  // Key -> commit number.
    uint64_t commit_no = 0;
    struct Open {
      Transaction t;
      Map snapshot;
      uint64_t began = 0;  // commit_no when it began.
      std::map<std::string, std::optional<std::string>> own;
      std::set<std::string> touched;  // Read from the snapshot, or written.
    };
    std::vector<std::unique_ptr<Open>> open;
    auto key = [&] { return absl::StrFormat("k%02d", rng() % 24); };
    int commits = 0, aborts = 0;
    for (int step = 0; step < 3000; ++step) {
      const uint64_t r = rng() % 100;
      if (open.empty() || (r < 10 && open.size() < 5)) {
        auto x = std::make_unique<Open>();
        ASSERT_OK_AND_ASSIGN(x->t, db->BeginTransaction());
        x->snapshot = state;
        x->began = commit_no;
        open.push_back(std::move(x));
        continue;
      }
      Open& x = *open[rng() % open.size()];
      if (r < 35) {
        const std::string k = key();
        absl::StatusOr<std::string> got = x.t.Get(k);
        std::optional<std::string> want;
        if (auto it = x.own.find(k); it != x.own.end()) {
          want = it->second;
        } else {
          x.touched.insert(k);
          if (auto s = x.snapshot.find(k); s != x.snapshot.end()) {
            want = s->second;
          }
        }
        if (want.has_value()) {
          ASSERT_OK(got.status()) << k;
          EXPECT_EQ(*got, *want) << k;
        } else {
          EXPECT_STATUS_CODE(got, absl::StatusCode::kNotFound);
        }
      } else if (r < 42) {
        std::string lo = key(), hi = key();
        if (hi < lo) std::swap(lo, hi);
        Map want = x.snapshot;
        for (const auto& [k, v] : x.own) {
          if (v.has_value()) {
            want[k] = *v;
          } else {
            want.erase(k);
          }
        }
        Map got;
        ASSERT_OK(x.t.Scan(lo, hi, [&](const Record& rec) {
          got[std::string(rec.key)] = std::string(rec.value);
          return true;
        }));
        Map expect(want.lower_bound(lo), want.lower_bound(hi));
        EXPECT_EQ(got, expect);
        for (const auto& [k, v] : expect) {
          if (!x.own.contains(k)) x.touched.insert(k);
        }
      } else if (r < 70) {
        const std::string k = key();
        if (rng() % 4 == 0) {
          ASSERT_OK(x.t.Delete(k));
          x.own[k] = std::nullopt;
        } else {
          const std::string v = absl::StrCat("v", step);
          ASSERT_OK(x.t.Put(k, v));
          x.own[k] = v;
        }
        x.touched.insert(k);
      } else if (r < 80) {
        // A plain write beside the transactions.
        const std::string k = key();
        const std::string v = absl::StrCat("p", step);
        ASSERT_OK(db->Put(k, v).status());
        state[k] = v;
        written[k] = ++commit_no;
      } else {
        // Commit (or, now and then, roll back) a random open one.
        const size_t i = rng() % open.size();
        Open& y = *open[i];
        if (rng() % 8 == 0) {
          y.t.Rollback();
        } else {
          bool conflict = false;
          for (const std::string& k : y.touched) {
            auto w = written.find(k);
            conflict |= w != written.end() && w->second > y.began;
          }
          absl::StatusOr<Timestamp> ts = y.t.Commit();
          if (y.own.empty()) {
            EXPECT_OK(ts.status()) << "a read-only transaction commits";
          } else if (conflict) {
            EXPECT_STATUS_CODE(ts, absl::StatusCode::kAborted);
            ++aborts;
          } else {
            ASSERT_OK(ts.status()) << "no conflict, step " << step;
            ++commit_no;
            for (const auto& [k, v] : y.own) {
              if (v.has_value()) {
                state[k] = *v;
              } else {
                state.erase(k);
              }
              written[k] = commit_no;
            }
            ++commits;
          }
        }
        open.erase(open.begin() + static_cast<ptrdiff_t>(i));
      }
      if (::testing::Test::HasFailure()) return;
    }
    open.clear();
    ASSERT_OK_AND_ASSIGN(std::vector<Entry> all, db->Scan("", ""));
    Map got;
    for (const Entry& e : all) got[e.key] = e.value;
    EXPECT_EQ(got, state);
    EXPECT_GT(commits, 50);
    EXPECT_GT(aborts, 20);
    EXPECT_EQ(db->GetStats().transactions, static_cast<uint64_t>(commits));
    EXPECT_EQ(db->GetStats().transaction_aborts, static_cast<uint64_t>(aborts));
  }
}

// Threads increment shared counters through transactions, retrying on
// Aborted: no increment is lost, and every abort was retried.
TEST_F(TransactionTest, NoLostUpdatesUnderThreads) {
  Options o;
  o.seal_threshold_bytes = 16 << 10;
  o.compaction_trigger_segments = 3;
  ASSERT_NO_FATAL_FAILURE(Open(o));
  constexpr int kCounters = 4;
  constexpr int kThreads = 4;
  constexpr int kIncrements = 300;
  for (int c = 0; c < kCounters; ++c) {
    ASSERT_OK(db_->Put(absl::StrCat("c", c), "0").status());
  }
  std::atomic<int> failures{0};
  std::atomic<uint64_t> retries{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t + 1);
      for (int i = 0; i < kIncrements; ++i) {
        const std::string k = absl::StrCat("c", rng() % kCounters);
        for (;;) {
          absl::StatusOr<Transaction> tx = db_->BeginTransaction();
          if (!tx.ok()) {
            failures.fetch_add(1);
            return;
          }
          absl::StatusOr<std::string> v = tx->Get(k);
          int64_t n = 0;
          if (!v.ok() || !absl::SimpleAtoi(*v, &n) ||
              !tx->Put(k, absl::StrCat(n + 1)).ok()) {
            failures.fetch_add(1);
            return;
          }
          absl::StatusOr<Timestamp> ts = tx->Commit();
          if (ts.ok()) break;
          if (!absl::IsAborted(ts.status())) {
            failures.fetch_add(1);
            return;
          }
          retries.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  int64_t total = 0;
  for (int c = 0; c < kCounters; ++c) {
    ASSERT_OK_AND_ASSIGN(std::string v, db_->Get(absl::StrCat("c", c)));
    int64_t n = 0;
    ASSERT_TRUE(absl::SimpleAtoi(v, &n));
    total += n;
  }
  EXPECT_EQ(total, kThreads * kIncrements);
  EXPECT_EQ(db_->GetStats().transaction_aborts, retries.load());
  EXPECT_EQ(db_->GetStats().transactions,
            static_cast<uint64_t>(kThreads * kIncrements));
  printf("%llu retries\n", static_cast<unsigned long long>(retries.load()));
}

}  // namespace
}  // namespace zverse::kv
