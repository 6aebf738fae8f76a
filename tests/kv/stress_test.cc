// Concurrency stress: writer threads move amounts between accounts in
// optimistic transactions, retried on conflict (so the total never changes), an ingest thread adds bulk batches
// that keep their own sum, and a maintenance thread seals and compacts (with
// and without version GC) while reader threads check, without a lock:
//   * every snapshot sees the accounts' total unchanged (no partial batch);
//   * a snapshot repeats itself (a second read of it gives the same);
//   * a thread's successive snapshots never go back in time;
//   * as-of reads of a past time stay what they were once that time passed
//     (up to the GC horizon, which only moves on older than what is checked).
// stress_test (label stress) runs longer; the default suite runs a short
// version. Built by the tsan preset too.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "kv/env.h"
#include "tests/test_util.h"

namespace zverse::kv {
namespace {

using ::zverse::testing::TempDir;

#ifdef ZVERSE_STRESS_TEST_LONG
constexpr int kSeconds = 20;
#else
constexpr int kSeconds = 2;
#endif
constexpr int kAccounts = 64;
constexpr int64_t kStart = 1000;

std::string Account(int i) { return absl::StrFormat("acct/%03d", i); }

// The accounts' total as of the snapshot, or -1 on a read error.
int64_t Total(const Snapshot& s, int* seen) {
  int64_t total = 0;
  *seen = 0;
  absl::Status st = s.Scan("acct/", "acct0", [&](const Record& r) {
    int64_t v = 0;
    if (!absl::SimpleAtoi(absl::string_view(r.value.data(), r.value.size()),
                          &v)) {
      total = INT64_MIN;
      return false;
    }
    total += v;
    ++*seen;
    return true;
  });
  return st.ok() ? total : -1;
}

TEST(StressTest, ReadersSeeWholeBatchesWhileWritersAndCompactionRun) {
  TempDir dir;
  Options o;
  o.sync_mode = SyncMode::kNever;
  o.seal_threshold_bytes = 64 << 10;  // Seals often.
  // The background compaction merges too, beside the explicit ones.
  o.compaction_trigger_segments = 3;
  o.compaction_cpu_budget = 0.5;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DB> db, DB::Open(dir.path(), o));
  {
    WriteBatch b;
    for (int i = 0; i < kAccounts; ++i) b.Put(Account(i), absl::StrCat(kStart));
    ASSERT_OK(db->Write(b).status());
  }
  const int64_t want_total = kStart * kAccounts;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> commits{0}, reads{0}, ingests{0}, compactions{0};
  std::atomic<int> failures{0};
  auto fail = [&](const std::string& what) {
    if (failures.fetch_add(1) < 5) ADD_FAILURE() << what;
  };
  std::vector<std::thread> threads;

  // Writers: transfers between any two accounts, each an optimistic
  // transaction (read both, write both), retried when it conflicts. A lost
  // update would change the total. The commits of different writers share
  // groups.
  std::atomic<uint64_t> aborts{0};
  for (int w = 0; w < 3; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937_64 rng(w + 1);
      while (!stop.load()) {
        const int x = static_cast<int>(rng() % kAccounts);
        const int y = static_cast<int>(rng() % kAccounts);
        if (x == y) continue;
        const int64_t amount = static_cast<int64_t>(rng() % 50);
        for (;;) {
          absl::StatusOr<Transaction> t = db->BeginTransaction();
          if (!t.ok()) {
            fail("begin failed");
            return;
          }
          int64_t vx = 0, vy = 0;
          auto gx = t->Get(Account(x));
          auto gy = t->Get(Account(y));
          if (!gx.ok() || !gy.ok() || !absl::SimpleAtoi(*gx, &vx) ||
              !absl::SimpleAtoi(*gy, &vy)) {
            fail("transaction read failed");
            return;
          }
          if (!t->Put(Account(x), absl::StrCat(vx - amount)).ok() ||
              !t->Put(Account(y), absl::StrCat(vy + amount)).ok()) {
            fail("transaction put failed");
            return;
          }
          absl::StatusOr<Timestamp> c = t->Commit();
          if (c.ok()) break;
          if (!absl::IsAborted(c.status())) {
            fail(absl::StrCat("commit failed: ", c.status().ToString()));
            return;
          }
          aborts.fetch_add(1);
        }
        commits.fetch_add(1);
      }
    });
  }
  // Bulk ingests of unrelated keys.
  threads.emplace_back([&] {
    for (int n = 0; !stop.load(); ++n) {
      WriteBatch b;
      for (int i = 0; i < 200; ++i) {
        b.Put(absl::StrFormat("bulk/%06d/%03d", n, i), "x");
      }
      if (!db->Ingest(std::move(b)).ok()) {
        fail("ingest failed");
        return;
      }
      ingests.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  // Maintenance: seals, compactions, version GC up to a second ago.
  threads.emplace_back([&] {
    for (int n = 0; !stop.load(); ++n) {
      absl::Status s;
      if (n % 3 == 0) {
        s = db->Seal();
      } else {
        CompactOptions gc;
        if (n % 3 == 2) gc.horizon = Env::Default()->NowMicros() - 1'000'000;
        s = db->Compact(gc).status();
        compactions.fetch_add(1);
      }
      if (!s.ok()) {
        fail(absl::StrCat("maintenance failed: ", s.ToString()));
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  // Readers.
  for (int r = 0; r < 3; ++r) {
    threads.emplace_back([&] {
      Timestamp last = 0;
      while (!stop.load()) {
        absl::StatusOr<Snapshot> s = db->GetSnapshot();
        if (!s.ok()) {
          fail("snapshot failed");
          return;
        }
        if (s->as_of() < last) fail("a reader went back in time");
        last = s->as_of();
        int seen = 0, seen2 = 0;
        const int64_t total = Total(*s, &seen);
        if (total != want_total || seen != kAccounts) {
          fail(absl::StrCat("total ", total, " over ", seen,
                            " accounts, want ", want_total));
        }
        // The snapshot repeats itself, even after more commits.
        if (Total(*s, &seen2) != total || seen2 != seen) {
          fail("a snapshot did not repeat itself");
        }
        // A fresh snapshot as of that (recent) time reads the same total:
        // version GC only drops history older than a second.
        absl::StatusOr<Snapshot> past = db->GetSnapshot(s->as_of());
        if (past.ok()) {
          int p = 0;
          if (Total(*past, &p) != want_total) fail("as-of total changed");
        }
        reads.fetch_add(1);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(kSeconds));
  stop.store(true);
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(commits.load(), 50u);
  EXPECT_GT(reads.load(), 50u);
  EXPECT_GT(ingests.load(), 5u);
  EXPECT_GE(compactions.load(), 1u);
  const Stats st = db->GetStats();
  EXPECT_EQ(st.transactions, commits.load());
  EXPECT_EQ(st.transaction_aborts, aborts.load());
  EXPECT_GE(st.compactions, 3u);
  EXPECT_GT(st.background_compactions, 0u);
  ASSERT_OK(db->Verify());
  // Everything survives a reopen.
  ASSERT_OK(db->Close());
  db.reset();
  ASSERT_OK_AND_ASSIGN(db, DB::Open(dir.path(), o));
  ASSERT_OK_AND_ASSIGN(Snapshot s, db->GetSnapshot());
  int seen = 0;
  EXPECT_EQ(Total(s, &seen), want_total);
  printf("%llu aborted transactions; ", static_cast<unsigned long long>(aborts.load()));
  printf("%llu commits, %llu reads, %llu ingests, %llu compactions\n",
         static_cast<unsigned long long>(commits.load()),
         static_cast<unsigned long long>(reads.load()),
         static_cast<unsigned long long>(ingests.load()),
         static_cast<unsigned long long>(compactions.load()));
}

}  // namespace
}  // namespace zverse::kv
