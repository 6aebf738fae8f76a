// The database lock (same process and another process) and the checks on
// caller input: size limits, timestamps, empty batches, use after Close.

#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
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
using ::zverse::testing::TempDir;

// Runs `fn` in a forked child (no exec) and returns its exit code.
template <typename Fn>
int RunInChild(Fn fn) {
  fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) _exit(fn());
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status)) << "child died: status " << status;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(LockTest, SecondOpenInSameProcessFails) {
  TempDir tmp;
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(tmp.path()));
  ASSERT_OK(db->Put("k", "v"));
  absl::StatusOr<std::unique_ptr<DB>> second = DB::Open(tmp.path());
  EXPECT_STATUS_CODE(second, absl::StatusCode::kFailedPrecondition);
  Options ro;
  ro.read_only = true;
  EXPECT_STATUS_CODE(DB::Open(tmp.path(), ro),
                     absl::StatusCode::kFailedPrecondition);
  // The failed opens did not disturb the holder.
  ASSERT_OK(db->Put("k2", "v2"));
  EXPECT_EQ(db->Get("k").value_or("?"), "v");

  ASSERT_OK(db->Close());
  {
    ASSERT_OK_AND_ASSIGN(auto again, DB::Open(tmp.path()));
    EXPECT_EQ(again->Get("k2").value_or("?"), "v2");
    EXPECT_STATUS_CODE(DB::Open(tmp.path()),
                       absl::StatusCode::kFailedPrecondition);
  }  // Destroyed without Close: the lock goes too.
  db.reset();
  ASSERT_OK_AND_ASSIGN(auto third, DB::Open(tmp.path()));
  EXPECT_EQ(third->Get("k").value_or("?"), "v");
}

TEST(LockTest, ReadOnlyOpensShareTheLockButNotWithAWriter) {
  TempDir tmp;
  {
    ASSERT_OK_AND_ASSIGN(auto db, DB::Open(tmp.path()));
    ASSERT_OK(db->Put("k", "v"));
  }
  Options ro;
  ro.read_only = true;
  ro.create_if_missing = false;
  ASSERT_OK_AND_ASSIGN(auto r1, DB::Open(tmp.path(), ro));
  ASSERT_OK_AND_ASSIGN(auto r2, DB::Open(tmp.path(), ro));
  EXPECT_EQ(r1->Get("k").value_or("?"), "v");
  EXPECT_EQ(r2->Get("k").value_or("?"), "v");
  EXPECT_STATUS_CODE(r1->Put("x", "y"), absl::StatusCode::kFailedPrecondition);
  // A writer waits for every reader to go.
  EXPECT_STATUS_CODE(DB::Open(tmp.path()), absl::StatusCode::kFailedPrecondition);
  // So does a writer in another process.
  const std::string path = tmp.path();
  EXPECT_EQ(RunInChild([&] { return DB::Open(path).ok() ? 0 : 7; }), 7);
  EXPECT_EQ(RunInChild([&] { return DB::Open(path, ro).ok() ? 0 : 7; }), 0);
  r1.reset();
  EXPECT_STATUS_CODE(DB::Open(tmp.path()), absl::StatusCode::kFailedPrecondition);
  r2.reset();
  ASSERT_OK_AND_ASSIGN(auto w, DB::Open(tmp.path()));
  EXPECT_STATUS_CODE(DB::Open(tmp.path(), ro), absl::StatusCode::kFailedPrecondition);
}

TEST(LockTest, OpenFromForkedChildFails) {
  TempDir tmp;
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(tmp.path()));
  ASSERT_OK(db->Put("parent", "1"));
  const int code = RunInChild([&] {
    absl::StatusOr<std::unique_ptr<DB>> child = DB::Open(tmp.path());
    return static_cast<int>(child.status().code());
  });
  EXPECT_EQ(code, static_cast<int>(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK(db->Close());
  // Released: now the child gets it and can write.
  const int code2 = RunInChild([&] {
    absl::StatusOr<std::unique_ptr<DB>> child = DB::Open(tmp.path());
    if (!child.ok()) return 100 + static_cast<int>(child.status().code());
    if (!(*child)->Put("child", "2").ok()) return 50;
    return (*child)->Close().ok() ? 0 : 51;
  });
  EXPECT_EQ(code2, 0);
  ASSERT_OK_AND_ASSIGN(auto reopened, DB::Open(tmp.path()));
  EXPECT_EQ(reopened->Get("parent").value_or("?"), "1");
  EXPECT_EQ(reopened->Get("child").value_or("?"), "2");
}

class InputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.SetNow(kBase);
    env_.set_skip_syncs(true);
    Options o;
    o.env = &env_;
    ASSERT_OK_AND_ASSIGN(db_, DB::Open(tmp_.path(), o));
    ASSERT_OK_AND_ASSIGN(first_ts_, db_->Put("existing", "value"));
  }

  // Nothing but the setup's commit reached the database.
  void ExpectUnchanged() {
    const Stats st = db_->GetStats();
    EXPECT_EQ(st.commits, 1u);
    EXPECT_EQ(st.entries, 1u);
    EXPECT_EQ(st.max_ts, first_ts_);
    ASSERT_OK_AND_ASSIGN(auto changes, db_->Changes(0, kLatest));
    EXPECT_EQ(changes,
              (std::vector<Entry>{{"existing", "value", first_ts_, false}}));
    EXPECT_OK(db_->Verify());
  }

  TempDir tmp_;
  FaultEnv env_;
  std::unique_ptr<DB> db_;
  Timestamp first_ts_ = 0;
};

TEST_F(InputTest, OversizedKeyIsRejected) {
  const std::string key(kMaxKeySize + 1, 'k');
  EXPECT_STATUS_CODE(db_->Put(key, "v"), absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(db_->Delete(key), absl::StatusCode::kInvalidArgument);
  WriteBatch b;
  b.Put("good", "g");
  b.Put(key, "v");
  EXPECT_STATUS_CODE(db_->Write(b), absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(db_->Get("good"), absl::StatusCode::kNotFound);
  ExpectUnchanged();
}

TEST_F(InputTest, OversizedValueIsRejected) {
  const std::string value(kMaxValueSize + 1, 'v');
  EXPECT_STATUS_CODE(db_->Put("k", value), absl::StatusCode::kInvalidArgument);
  WriteBatch b;
  b.Put("good", "g");
  b.Put("k", value);
  EXPECT_STATUS_CODE(db_->Write(b), absl::StatusCode::kInvalidArgument);
  ExpectUnchanged();
}

// A batch or a transaction past kMaxBatchBytes in all (each value within
// kMaxValueSize) is refused whole; the transaction refuses the write that
// passes the limit and keeps the ones before it.
TEST_F(InputTest, OversizedBatchAndTransactionAreRejected) {
  const std::string value(kMaxValueSize, 'v');
  const size_t n = kMaxBatchBytes / kMaxValueSize + 1;
  WriteBatch b;
  for (size_t i = 0; i < n; ++i) b.Put(absl::StrCat("big", i), value);
  EXPECT_STATUS_CODE(db_->Write(b), absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(db_->Get("big0"), absl::StatusCode::kNotFound);
  ExpectUnchanged();
  b.Clear();

  ASSERT_OK_AND_ASSIGN(Transaction txn, db_->BeginTransaction());
  absl::Status last;
  size_t accepted = 0;
  for (size_t i = 0; i < n; ++i) {
    last = txn.Put(absl::StrCat("txn", i), value);
    if (!last.ok()) break;
    ++accepted;
  }
  EXPECT_STATUS_CODE(last, absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(last.message(), "maximum batch")) << last;
  EXPECT_GT(accepted, 0u);
  EXPECT_LT(accepted, n);
  txn.Rollback();
  EXPECT_STATUS_CODE(db_->Get("txn0"), absl::StatusCode::kNotFound);
  ExpectUnchanged();
}

TEST_F(InputTest, FutureExplicitTimestampIsRejected) {
  env_.Advance(100);
  const Timestamp now = env_.NowMicros();
  EXPECT_STATUS_CODE(db_->Put("k", "v", {.ts = now + 1}),
                     absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(db_->Delete("existing", {.ts = now + 1000}),
                     absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(db_->Put("k", "v", {.ts = kMaxTimestamp}),
                     absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(db_->Put("k", "v", {.ts = kLatest}),
                     absl::StatusCode::kInvalidArgument);
  WriteBatch b;
  b.Put("k", "v");
  EXPECT_STATUS_CODE(db_->Write(b, {.ts = now + 1}),
                     absl::StatusCode::kInvalidArgument);
  ExpectUnchanged();
  // The boundary itself is fine.
  ASSERT_OK_AND_ASSIGN(Timestamp t, db_->Put("k", "v", {.ts = now}));
  EXPECT_EQ(t, now);
}

TEST_F(InputTest, SnapshotAtZeroIsRejected) {
  EXPECT_STATUS_CODE(db_->GetSnapshot(0), absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(db_->Get("existing", 0),
                     absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(db_->Scan("", "", 0), absl::StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(Snapshot s, db_->GetSnapshot(1));
  EXPECT_STATUS_CODE(s.Get("existing"), absl::StatusCode::kNotFound);
}

TEST_F(InputTest, EmptyBatchIsRejected) {
  WriteBatch b;
  EXPECT_STATUS_CODE(db_->Write(b), absl::StatusCode::kInvalidArgument);
  b.Put("k", "v");
  b.Clear();
  EXPECT_EQ(b.Count(), 0u);
  EXPECT_STATUS_CODE(db_->Write(b), absl::StatusCode::kInvalidArgument);
  ExpectUnchanged();
}

TEST_F(InputTest, CallsAfterCloseFail) {
  ASSERT_OK_AND_ASSIGN(Snapshot before, db_->GetSnapshot());
  ASSERT_OK(db_->Close());
  // Reads (db.h: "Further calls fail with FailedPrecondition") ...
  EXPECT_STATUS_CODE(db_->Get("existing"), absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(db_->GetSnapshot(), absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(db_->Scan("", ""), absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(db_->History("existing"),
                     absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(db_->Changes(0, kLatest),
                     absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(db_->Verify(), absl::StatusCode::kFailedPrecondition);
  // ... but a snapshot taken before stays readable.
  EXPECT_EQ(before.Get("existing").value_or("?"), "value");
  // And writes.
  EXPECT_STATUS_CODE(db_->Put("k", "v"), absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(db_->Delete("k"), absl::StatusCode::kFailedPrecondition);
  WriteBatch b;
  b.Put("k", "v");
  EXPECT_STATUS_CODE(db_->Write(b), absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(db_->Seal(), absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(db_->Sync(), absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(db_->Close(), absl::StatusCode::kFailedPrecondition);
  db_.reset();
  // Nothing of it reached the files.
  Options o;
  o.env = &env_;
  ASSERT_OK_AND_ASSIGN(db_, DB::Open(tmp_.path(), o));
  ASSERT_OK_AND_ASSIGN(auto changes, db_->Changes(0, kLatest));
  EXPECT_EQ(changes,
            (std::vector<Entry>{{"existing", "value", first_ts_, false}}));
}

// The largest key and large values round trip through the log, a sealed
// segment and a reopen.
TEST(LimitsTest, LargestKeyAndLargeValuesRoundTrip) {
  TempDir tmp;
  std::mt19937_64 rng(3);
  auto random_bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  };
  const std::string max_key = random_bytes(kMaxKeySize);
  const std::string mib_value = random_bytes(size_t{1} << 20);
  const std::string max_value = random_bytes(kMaxValueSize);
  const std::string other_key = random_bytes(kMaxKeySize);
  Options o;
  o.sync_mode = SyncMode::kNever;
  auto check = [&](const DB& db, const std::string& stage) {
    SCOPED_TRACE(stage);
    absl::StatusOr<std::string> v = db.Get(max_key);
    ASSERT_OK(v);
    EXPECT_TRUE(*v == mib_value) << "1 MiB value differs";
    absl::StatusOr<std::string> big = db.Get("big");
    ASSERT_OK(big);
    EXPECT_TRUE(*big == max_value) << "16 MiB value differs";
    absl::StatusOr<std::string> o2 = db.Get(other_key);
    ASSERT_OK(o2);
    EXPECT_TRUE(*o2 == max_key);
    ASSERT_OK_AND_ASSIGN(Snapshot s, db.GetSnapshot());
    ASSERT_OK_AND_ASSIGN(Record r, s.GetRecord(max_key));
    EXPECT_TRUE(r.key == max_key);
    EXPECT_EQ(r.value.size(), mib_value.size());
    // Values are 8-byte aligned in the mapping (FORMAT.md).
    EXPECT_EQ(reinterpret_cast<uintptr_t>(r.value.data()) % 8, 0u);
    ASSERT_OK_AND_ASSIGN(auto scan, db.Scan("", ""));
    EXPECT_EQ(scan.size(), 3u);
    EXPECT_OK(db.Verify());
  };
  {
    ASSERT_OK_AND_ASSIGN(auto db, DB::Open(tmp.path(), o));
    ASSERT_OK(db->Put(max_key, mib_value));
    WriteBatch b;
    b.Put("big", max_value);
    b.Put(other_key, max_key);
    ASSERT_OK(db->Write(b));
    ASSERT_NO_FATAL_FAILURE(check(*db, "in the log"));
    ASSERT_OK(db->Seal());
    ASSERT_NO_FATAL_FAILURE(check(*db, "sealed"));
  }
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(tmp.path(), o));
  ASSERT_NO_FATAL_FAILURE(check(*db, "reopened"));
}

}  // namespace
}  // namespace zverse::kv
