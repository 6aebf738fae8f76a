// I/O faults injected through FaultEnv: failed syncs, a full disk, short
// writes, during commits, seals, compactions and bulk ingests; and group
// commit under load. The
// caller gets the error, later writes fail, reads keep working, and after a
// reopen with the real Env the database holds exactly the acknowledged
// commits (the failed one may or may not be there) and passes Verify.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "tests/kv/fault_env.h"
#include "tests/kv/file_util.h"
#include "tests/test_util.h"

namespace zverse::kv {
namespace {

using ::zverse::testing::FaultEnv;
using ::zverse::testing::TempDir;

std::string Key(int i) { return absl::StrFormat("key%05d", i); }
std::string Value(int i) {
  return absl::StrCat("value ", i, std::string(i % 97, '.'));
}

class FaultTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::unique_ptr<DB>> Open(Env* env, SyncMode mode,
                                           uint64_t seal = 64 << 20) {
    Options o;
    o.env = env;
    o.sync_mode = mode;
    o.seal_threshold_bytes = seal;
    return DB::Open(tmp_.path(), o);
  }

  // Writes keys [from, to) and records them as acknowledged.
  void WriteAcked(DB& db, int from, int to) {
    for (int i = from; i < to; ++i) {
      ASSERT_OK(db.Put(Key(i), Value(i)));
      acked_.insert(i);
    }
  }

  // After a failure: writes of every kind fail, reads still see exactly the
  // acknowledged data.
  void ExpectFailedButReadable(DB& db) {
    EXPECT_FALSE(db.Put("later", "x").ok());
    EXPECT_FALSE(db.Delete(Key(0)).ok());
    WriteBatch b;
    b.Put("later batch", "x");
    EXPECT_FALSE(db.Write(b).ok());
    EXPECT_STATUS_CODE(db.Get("later"), absl::StatusCode::kNotFound);
    ExpectExactlyAcked(db, /*maybe=*/-1);
  }

  // Writes keys [from, to) after a failure that may or may not have stopped
  // the database: every write that is acknowledged must survive.
  void WriteAfterFailure(DB& db, int from, int to) {
    for (int i = from; i < to; ++i) {
      if (db.Put(Key(i), Value(i)).ok()) acked_.insert(i);
    }
  }

  // The database holds the acknowledged keys, plus possibly key `maybe`
  // (the failed commit), and nothing else.
  void ExpectExactlyAcked(const DB& db, int maybe) {
    ASSERT_OK_AND_ASSIGN(std::vector<Entry> all, db.Scan("", ""));
    std::set<int> found;
    for (const Entry& e : all) {
      int i = -1;
      ASSERT_TRUE(absl::StartsWith(e.key, "key") &&
                  absl::SimpleAtoi(e.key.substr(3), &i))
          << "unexpected key " << e.key;
      EXPECT_EQ(e.value, Value(i)) << e.key;
      found.insert(i);
    }
    std::string lost, extra;
    for (int i : acked_) {
      if (found.count(i) == 0) absl::StrAppend(&lost, " ", Key(i));
    }
    for (int i : found) {
      if (acked_.count(i) == 0 && i != maybe) absl::StrAppend(&extra, " ", Key(i));
    }
    EXPECT_EQ(lost, "") << "acknowledged writes missing";
    EXPECT_EQ(extra, "") << "writes that were never acknowledged";
  }

  // Reopens with the real Env and checks the outcome.
  void ReopenAndCheck(int maybe, SyncMode mode = SyncMode::kAlways) {
    ASSERT_OK_AND_ASSIGN(auto db, Open(Env::Default(), mode));
    ASSERT_NO_FATAL_FAILURE(ExpectExactlyAcked(*db, maybe));
    EXPECT_OK(db->Verify());
    // And it takes writes again.
    ASSERT_OK(db->Put(Key(99999), Value(99999)));
    db.reset();
    ASSERT_OK_AND_ASSIGN(db, Open(Env::Default(), mode));
    EXPECT_EQ(db->Get(Key(99999)).value_or("<missing>"), Value(99999));
  }

  TempDir tmp_;
  std::set<int> acked_;
};

TEST_F(FaultTest, FailedSyncDuringCommit) {
  FaultEnv env;
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(&env, SyncMode::kAlways));
    ASSERT_NO_FATAL_FAILURE(WriteAcked(*db, 0, 20));
    env.FailSyncs(absl::InternalError("injected fdatasync failure (EIO)"),
                  ".log");
    absl::StatusOr<Timestamp> r = db->Put(Key(20), Value(20));
    EXPECT_STATUS_CODE(r, absl::StatusCode::kInternal);
    EXPECT_TRUE(absl::StrContains(r.status().message(), "injected")) << r.status();
    EXPECT_EQ(env.injected(), 1);
    env.ClearFaults();  // Even with the disk healthy again, the db stays failed.
    EXPECT_STATUS_CODE(db->Get(Key(20)), absl::StatusCode::kNotFound);
    ASSERT_NO_FATAL_FAILURE(ExpectFailedButReadable(*db));
  }
  ReopenAndCheck(/*maybe=*/20);
}

class DiskFullTest : public FaultTest,
                     public ::testing::WithParamInterface<SyncMode> {};

TEST_P(DiskFullTest, DuringCommit) {
  FaultEnv env;
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(&env, GetParam()));
    ASSERT_NO_FATAL_FAILURE(WriteAcked(*db, 0, 20));
    ASSERT_OK(db->Sync());
    env.FailAppends(absl::ResourceExhaustedError("injected ENOSPC"), ".log");
    absl::StatusOr<Timestamp> r = db->Put(Key(20), Value(20));
    EXPECT_STATUS_CODE(r, absl::StatusCode::kResourceExhausted);
    env.ClearFaults();
    ASSERT_NO_FATAL_FAILURE(ExpectFailedButReadable(*db));
  }
  ReopenAndCheck(/*maybe=*/-1, GetParam());  // Nothing of it was written.
}

// A short write leaves part of a group in the log; reopening drops it.
TEST_P(DiskFullTest, ShortWriteDuringCommit) {
  for (size_t prefix : {size_t{20}, size_t{45}}) {
    SCOPED_TRACE(absl::StrCat(prefix, " bytes written before ENOSPC"));
    acked_.clear();
    std::filesystem::remove_all(tmp_.path());
    FaultEnv env;
    {
      ASSERT_OK_AND_ASSIGN(auto db, Open(&env, GetParam()));
      ASSERT_NO_FATAL_FAILURE(WriteAcked(*db, 0, 10));
      ASSERT_OK(db->Sync());
      env.FailAppends(absl::ResourceExhaustedError("injected ENOSPC"), ".log",
                      prefix);
      WriteBatch b;
      b.Put(Key(10), Value(10));
      b.Put(Key(11), Value(11));
      EXPECT_STATUS_CODE(db->Write(b), absl::StatusCode::kResourceExhausted);
      env.ClearFaults();
      ASSERT_NO_FATAL_FAILURE(ExpectFailedButReadable(*db));
    }
    {
      ASSERT_OK_AND_ASSIGN(auto db, Open(Env::Default(), GetParam()));
      EXPECT_EQ(db->GetStats().recovered_dropped_bytes, prefix);
    }
    ReopenAndCheck(/*maybe=*/-1, GetParam());
  }
}

INSTANTIATE_TEST_SUITE_P(SyncModes, DiskFullTest,
                         ::testing::Values(SyncMode::kAlways, SyncMode::kNever),
                         [](const auto& info) {
                           return info.param == SyncMode::kAlways ? "Always"
                                                                  : "Never";
                         });

// Faults at each step of a Seal. The commits before it are durable whatever
// happens; the database refuses writes until reopened (kv/README.md).
struct SealFault {
  const char* name;
  void (*arm)(FaultEnv&);
};

void PrintTo(const SealFault& f, std::ostream* os) { *os << f.name; }

const SealFault kSealFaults[] = {
    {"SegmentAppendFull",
     [](FaultEnv& e) {
       e.FailAppends(absl::ResourceExhaustedError("injected ENOSPC"), ".seg");
     }},
    {"SegmentShortWrite",
     [](FaultEnv& e) {
       e.FailAppends(absl::ResourceExhaustedError("injected ENOSPC"), ".seg",
                     100);
     }},
    {"SegmentSyncFails",
     [](FaultEnv& e) {
       e.FailSyncs(absl::InternalError("injected EIO"), ".seg");
     }},
    {"SegmentCreateFails",
     [](FaultEnv& e) {
       e.FailNewWritableFiles(absl::ResourceExhaustedError("injected ENOSPC"),
                              ".seg");
     }},
    {"NewLogCreateFails",
     [](FaultEnv& e) {
       e.FailNewWritableFiles(absl::ResourceExhaustedError("injected ENOSPC"),
                              "000002.log");
     }},
    {"NewLogHeaderWriteFails",
     [](FaultEnv& e) {
       e.FailAppends(absl::ResourceExhaustedError("injected ENOSPC"),
                     "000002.log");
     }},
    {"NewLogHeaderSyncFails",
     [](FaultEnv& e) {
       e.FailSyncs(absl::InternalError("injected EIO"), "000002.log");
     }},
    {"FirstSyncDirFails",
     [](FaultEnv& e) {
       e.FailSyncDirs(absl::InternalError("injected EIO"));
     }},
    {"SecondSyncDirFails",
     [](FaultEnv& e) {
       e.FailSyncDirs(absl::InternalError("injected EIO"), /*pass=*/1);
     }},
    {"OldLogSyncFails",
     [](FaultEnv& e) {
       e.FailSyncs(absl::InternalError("injected EIO"), "000001.log");
     }},
};

class SealFaultTest : public FaultTest,
                      public ::testing::WithParamInterface<SealFault> {};

TEST_P(SealFaultTest, ExplicitSeal) {
  FaultEnv env;
  env.set_skip_syncs(true);
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(&env, SyncMode::kNever));
    ASSERT_NO_FATAL_FAILURE(WriteAcked(*db, 0, 50));
    GetParam().arm(env);
    const absl::Status s = db->Seal();
    EXPECT_FALSE(s.ok());
    EXPECT_GE(env.injected(), 1);
    env.ClearFaults();
    // kv/README.md: after a failed seal the database refuses writes (they
    // could land in a log the half-done seal superseded); reads go on.
    ASSERT_NO_FATAL_FAILURE(ExpectFailedButReadable(*db));
    // Should a write get through anyway, it must survive.
    ASSERT_NO_FATAL_FAILURE(WriteAfterFailure(*db, 1000, 1010));
  }
  ReopenAndCheck(/*maybe=*/-1);
}

// An automatic seal that fails: the commit that triggered it is durable and
// acknowledged; the next write reports the failure.
TEST_P(SealFaultTest, AutomaticSeal) {
  FaultEnv env;
  env.set_skip_syncs(true);
  int i = 0;
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(&env, SyncMode::kAlways, 4 << 10));
    GetParam().arm(env);
    absl::StatusOr<Timestamp> r;
    for (; i < 1000; ++i) {
      r = db->Put(Key(i), Value(i));
      if (!r.ok()) break;
      acked_.insert(i);
    }
    ASSERT_FALSE(r.ok()) << "no seal was attempted";
    EXPECT_GE(env.injected(), 1);
    env.ClearFaults();
    ASSERT_NO_FATAL_FAILURE(ExpectFailedButReadable(*db));
  }
  // (Where the fault hits the log's own sync, write `i` is a failed commit.)
  ReopenAndCheck(/*maybe=*/i);
}

INSTANTIATE_TEST_SUITE_P(Faults, SealFaultTest, ::testing::ValuesIn(kSealFaults),
                         [](const auto& info) { return info.param.name; });

// Faults during Compact (after an explicit Seal, so only the merge runs):
// the data stays whole and reads go on. A merge that fails before its
// segment is renamed into place changes nothing, so writes go on too; once
// the rename may be on disk but its directory sync failed, writes are
// refused until reopen.
const SealFault kCompactFaults[] = {
    {"MergedAppendFull",
     [](FaultEnv& e) {
       e.FailAppends(absl::ResourceExhaustedError("injected ENOSPC"), ".seg");
     }},
    {"MergedSyncFails",
     [](FaultEnv& e) {
       e.FailSyncs(absl::InternalError("injected EIO"), ".seg");
     }},
    {"SyncDirAfterRenameFails",
     [](FaultEnv& e) {
       e.FailSyncDirs(absl::InternalError("injected EIO"));
     }},
    {"SyncDirAfterRemovalFails",
     [](FaultEnv& e) {
       e.FailSyncDirs(absl::InternalError("injected EIO"), /*pass=*/1);
     }},
};

class CompactFaultTest : public FaultTest,
                         public ::testing::WithParamInterface<SealFault> {};

TEST_P(CompactFaultTest, Compact) {
  FaultEnv env;
  env.set_skip_syncs(true);
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(&env, SyncMode::kNever));
    for (int part = 0; part < 4; ++part) {
      ASSERT_NO_FATAL_FAILURE(WriteAcked(*db, part * 20, part * 20 + 20));
      // Rewrite some keys so that versions span segments.
      ASSERT_NO_FATAL_FAILURE(WriteAcked(*db, 0, 5));
      ASSERT_OK(db->Seal());
    }
    ASSERT_EQ(db->GetStats().segments, 4u);
    GetParam().arm(env);
    EXPECT_FALSE(db->Compact().ok());
    EXPECT_GE(env.injected(), 1);
    env.ClearFaults();
    const bool stops_writes =
        std::string_view(GetParam().name) == "SyncDirAfterRenameFails";
    if (stops_writes) {
      ASSERT_NO_FATAL_FAILURE(ExpectFailedButReadable(*db));  // kv/README.md
    } else {
      ASSERT_NO_FATAL_FAILURE(ExpectExactlyAcked(*db, /*maybe=*/-1));
      ASSERT_NO_FATAL_FAILURE(WriteAcked(*db, 2000, 2005));
      // And a second try, with the disk healthy, merges.
      ASSERT_OK(db->Compact());
      EXPECT_EQ(db->GetStats().segments, 1u);
      ASSERT_NO_FATAL_FAILURE(ExpectExactlyAcked(*db, /*maybe=*/-1));
    }
    ASSERT_NO_FATAL_FAILURE(WriteAfterFailure(*db, 1000, 1010));
  }
  ReopenAndCheck(/*maybe=*/-1);
}

INSTANTIATE_TEST_SUITE_P(Faults, CompactFaultTest,
                         ::testing::ValuesIn(kCompactFaults),
                         [](const auto& info) { return info.param.name; });

// Faults during a bulk Ingest (after an explicit Seal, so that the faults hit
// the ingested segment, file 2, and the log that follows it, file 3).
// Before the segment is renamed into place a fault fails the ingest cleanly:
// the database is unchanged and keeps taking writes. Between the rename and
// the directory sync the ingest fails and the database refuses writes until
// reopened, like a failed seal. After that, only the removal of the empty
// log it replaced is left, which Open would redo: the ingest succeeds.
// Either way the ingest is all or nothing after a reopen.
enum class IngestOutcome { kClean, kStopped, kDone };

struct IngestFault {
  const char* name;
  IngestOutcome outcome;
  void (*arm)(FaultEnv&);
};

void PrintTo(const IngestFault& f, std::ostream* os) { *os << f.name; }

const IngestFault kIngestFaults[] = {
    {"SegmentAppendFull", IngestOutcome::kClean,
     [](FaultEnv& e) {
       e.FailAppends(absl::ResourceExhaustedError("injected ENOSPC"), ".seg");
     }},
    {"SegmentShortWrite", IngestOutcome::kClean,
     [](FaultEnv& e) {
       e.FailAppends(absl::ResourceExhaustedError("injected ENOSPC"), ".seg",
                     100);
     }},
    {"SegmentSyncFails", IngestOutcome::kClean,
     [](FaultEnv& e) {
       e.FailSyncs(absl::InternalError("injected EIO"), ".seg");
     }},
    {"SegmentCreateFails", IngestOutcome::kClean,
     [](FaultEnv& e) {
       e.FailNewWritableFiles(absl::ResourceExhaustedError("injected ENOSPC"),
                              ".seg");
     }},
    {"NextLogCreateFails", IngestOutcome::kClean,
     [](FaultEnv& e) {
       e.FailNewWritableFiles(absl::ResourceExhaustedError("injected ENOSPC"),
                              "000003.log");
     }},
    {"NextLogHeaderWriteFails", IngestOutcome::kClean,
     [](FaultEnv& e) {
       e.FailAppends(absl::ResourceExhaustedError("injected ENOSPC"),
                     "000003.log");
     }},
    {"SyncDirBeforeRenameFails", IngestOutcome::kClean,
     [](FaultEnv& e) {
       e.FailSyncDirs(absl::InternalError("injected EIO"));
     }},
    {"SyncDirAfterRenameFails", IngestOutcome::kStopped,
     [](FaultEnv& e) {
       e.FailSyncDirs(absl::InternalError("injected EIO"), /*pass=*/1);
     }},
    {"SyncDirAfterLogRemovalFails", IngestOutcome::kDone,
     [](FaultEnv& e) {
       e.FailSyncDirs(absl::InternalError("injected EIO"), /*pass=*/2);
     }},
};

class IngestFaultTest : public FaultTest,
                        public ::testing::WithParamInterface<IngestFault> {};

TEST_P(IngestFaultTest, Ingest) {
  constexpr int kFirst = 500, kLast = 700;
  const IngestOutcome outcome = GetParam().outcome;
  FaultEnv env;
  env.set_skip_syncs(true);
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(&env, SyncMode::kNever));
    ASSERT_NO_FATAL_FAILURE(WriteAcked(*db, 0, 50));
    ASSERT_OK(db->Seal());
    WriteBatch batch;
    for (int i = kFirst; i < kLast; ++i) batch.Put(Key(i), Value(i));
    GetParam().arm(env);
    const absl::Status s = db->Ingest(batch).status();
    EXPECT_GE(env.injected(), 1);
    env.ClearFaults();
    switch (outcome) {
      case IngestOutcome::kClean: {
        EXPECT_FALSE(s.ok());
        // Nothing changed: the batch is invisible, writes go on.
        ASSERT_NO_FATAL_FAILURE(ExpectExactlyAcked(*db, -1));
        ASSERT_NO_FATAL_FAILURE(WriteAcked(*db, 50, 60));
        WriteBatch more;
        more.Put(Key(60), Value(60));
        ASSERT_OK(db->Ingest(more));
        acked_.insert(60);
        break;
      }
      case IngestOutcome::kStopped:
        EXPECT_FALSE(s.ok());
        ASSERT_NO_FATAL_FAILURE(ExpectFailedButReadable(*db));
        EXPECT_FALSE(db->Ingest(batch).ok());
        break;
      case IngestOutcome::kDone:
        EXPECT_OK(s);
        for (int i = kFirst; i < kLast; ++i) acked_.insert(i);
        ASSERT_NO_FATAL_FAILURE(ExpectExactlyAcked(*db, -1));
        ASSERT_NO_FATAL_FAILURE(WriteAcked(*db, 50, 60));
        break;
    }
  }
  if (outcome == IngestOutcome::kClean) {
    for (const auto& f : std::filesystem::directory_iterator(tmp_.path())) {
      EXPECT_FALSE(absl::EndsWith(f.path().string(), ".tmp")) << f.path();
    }
  }
  // After a reopen: all of the batch or none of it.
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(Env::Default(), SyncMode::kAlways));
    int found = 0;
    for (int i = kFirst; i < kLast; ++i) found += db->Get(Key(i)).ok();
    EXPECT_TRUE(found == 0 || found == kLast - kFirst) << found;
    if (outcome == IngestOutcome::kClean) {
      EXPECT_EQ(found, 0);
    }
    if (outcome == IngestOutcome::kDone) {
      EXPECT_EQ(found, kLast - kFirst);
    }
    if (found != 0) {
      for (int i = kFirst; i < kLast; ++i) acked_.insert(i);
    }
  }
  ReopenAndCheck(/*maybe=*/-1);
}

INSTANTIATE_TEST_SUITE_P(Faults, IngestFaultTest,
                         ::testing::ValuesIn(kIngestFaults),
                         [](const auto& info) { return info.param.name; });

// Minimal reproduction: Seal fails after the segment was renamed into place
// (the directory sync fails). The database keeps accepting writes into the
// log that segment now supersedes, and the next Open deletes that log with
// the acknowledged writes in it.
TEST_F(FaultTest, WritesAfterFailedSealSurviveReopen) {
  FaultEnv env;
  env.set_skip_syncs(true);
  bool after_acked = false;
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(&env, SyncMode::kAlways));
    ASSERT_OK(db->Put("before", "1"));
    env.FailSyncDirs(absl::InternalError("injected EIO"), /*pass=*/1);
    EXPECT_FALSE(db->Seal().ok());
    env.ClearFaults();
    // Refusing writes after a failed Seal would be a correct answer too.
    after_acked = db->Put("after", "2").ok();
    if (after_acked) {
      EXPECT_EQ(db->Get("after").value_or("<missing>"), "2");
    }
  }
  ASSERT_OK_AND_ASSIGN(auto db, Open(Env::Default(), SyncMode::kAlways));
  EXPECT_EQ(db->Get("before").value_or("<missing>"), "1");
  if (after_acked) {
    EXPECT_EQ(db->Get("after").value_or("<missing>"), "2")
        << "an acknowledged write was lost";
  }
}

// Group commit: concurrent committers share syncs. Only correctness is
// asserted: every write acknowledged, readable, timestamps unique and
// increasing per thread; syncs never exceed commits.
TEST_F(FaultTest, GroupCommitUnderLoad) {
  constexpr int kThreads = 8, kPerThread = 500;
  ASSERT_OK_AND_ASSIGN(auto db, Open(Env::Default(), SyncMode::kAlways));
  std::vector<std::vector<Timestamp>> stamps(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const int k = t * kPerThread + i;
        absl::StatusOr<Timestamp> r = db->Put(Key(k), Value(k));
        if (!r.ok()) {
          errors.fetch_add(1);
          return;
        }
        stamps[t].push_back(*r);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(errors.load(), 0);
  std::set<Timestamp> all;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(stamps[t].size(), static_cast<size_t>(kPerThread));
    for (int i = 1; i < kPerThread; ++i) {
      EXPECT_LT(stamps[t][i - 1], stamps[t][i]) << "thread " << t;
    }
    all.insert(stamps[t].begin(), stamps[t].end());
    for (int i = 0; i < kPerThread; ++i) acked_.insert(t * kPerThread + i);
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread))
      << "commit timestamps must be unique";
  const Stats st = db->GetStats();
  EXPECT_EQ(st.commits, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_LE(st.syncs, st.commits);
  EXPECT_GE(st.syncs, 1u);
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyAcked(*db, -1));
  db.reset();
  ASSERT_OK_AND_ASSIGN(db, Open(Env::Default(), SyncMode::kAlways));
  ASSERT_NO_FATAL_FAILURE(ExpectExactlyAcked(*db, -1));
  EXPECT_OK(db->Verify());
}

// A sync failure in the middle of concurrent commits: every writer in the
// failed group gets the error, no later write succeeds, and after reopen each
// writer has exactly its acknowledged writes, plus at most the one that
// failed.
TEST_F(FaultTest, SyncFailureUnderConcurrentCommits) {
  constexpr int kThreads = 4, kMaxPerThread = 10000;
  FaultEnv env;
  env.set_skip_syncs(true);  // Fast; the fault is what matters here.
  std::vector<int> acked(kThreads, 0);
  std::vector<absl::Status> first_error(kThreads);
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(&env, SyncMode::kAlways));
    std::atomic<int> total{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kMaxPerThread; ++i) {
          if (total.fetch_add(1) == 800) {
            env.FailSyncs(absl::InternalError("injected EIO"), ".log");
          }
          const int k = t * kMaxPerThread + i;
          absl::Status s = db->Put(Key(k), Value(k)).status();
          if (!s.ok()) {
            first_error[t] = s;
            return;
          }
          acked[t] = i + 1;
        }
      });
    }
    for (auto& th : threads) th.join();
    for (int t = 0; t < kThreads; ++t) {
      EXPECT_STATUS_CODE(first_error[t], absl::StatusCode::kInternal)
          << "thread " << t;
      for (int i = 0; i < acked[t]; ++i) acked_.insert(t * kMaxPerThread + i);
    }
    env.ClearFaults();
    ASSERT_NO_FATAL_FAILURE(ExpectFailedButReadable(*db));
  }
  ASSERT_OK_AND_ASSIGN(auto db, Open(Env::Default(), SyncMode::kAlways));
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_OK_AND_ASSIGN(
        std::vector<Entry> found,
        db->Scan(Key(t * kMaxPerThread), Key((t + 1) * kMaxPerThread)));
    EXPECT_GE(found.size(), static_cast<size_t>(acked[t])) << "thread " << t;
    EXPECT_LE(found.size(), static_cast<size_t>(acked[t] + 1)) << "thread " << t;
    for (size_t i = 0; i < found.size(); ++i) {
      EXPECT_EQ(found[i].key, Key(t * kMaxPerThread + static_cast<int>(i)));
    }
  }
  EXPECT_OK(db->Verify());
}

}  // namespace
}  // namespace zverse::kv
