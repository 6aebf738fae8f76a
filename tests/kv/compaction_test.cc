// Version GC (DB::Compact with CompactOptions::horizon): cases the model test
// reaches only by chance.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "tests/test_util.h"

namespace zverse::kv {
namespace {

using ::zverse::testing::TempDir;

class CompactionTest : public ::testing::Test {
 protected:
  void Open() {
    db_.reset();
    Options o;
    o.sync_mode = SyncMode::kNever;
    ASSERT_OK_AND_ASSIGN(db_, DB::Open(dir_.path(), o));
  }
  TempDir dir_;
  std::unique_ptr<DB> db_;
};

// Regression: dropping the newest commit (a deletion) must not move the
// clock back across a reopen.
TEST_F(CompactionTest, TheClockSurvivesDroppingTheNewestCommit) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK(db_->Put("a", "1").status());
  ASSERT_OK_AND_ASSIGN(Timestamp del, db_->Delete("a"));
  ASSERT_OK_AND_ASSIGN(CompactStats cs, db_->Compact(CompactOptions{del}));
  EXPECT_EQ(cs.versions_dropped, 2u);
  EXPECT_EQ(cs.versions_out, 0u);
  EXPECT_EQ(db_->GetStats().entries, 0u);
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK_AND_ASSIGN(Snapshot s, db_->GetSnapshot());
  EXPECT_EQ(s.as_of(), del);
  ASSERT_OK_AND_ASSIGN(Timestamp next, db_->Put("b", "2"));
  EXPECT_GT(next, del);
  EXPECT_STATUS_CODE(db_->Get("a"), absl::StatusCode::kNotFound);
  EXPECT_OK(db_->Verify());
}

// A crash after a compaction's rename but before it deleted its inputs
// leaves several superseded segments beside the merged one: opening deletes
// them all (regression: deciding while erasing read moved-from entries).
TEST_F(CompactionTest, OpenDeletesEverySupersededInput) {
  ASSERT_NO_FATAL_FAILURE(Open());
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(db_->Put(absl::StrCat("k", i), absl::StrCat("v", i)).status());
    ASSERT_OK(db_->Seal());
  }
  db_.reset();
  namespace fs = std::filesystem;
  const std::string saved = dir_.path() + "/saved";
  fs::create_directory(saved);
  for (const auto& e : fs::directory_iterator(dir_.path())) {
    if (e.path().extension() == ".seg") {
      fs::copy_file(e.path(), saved + "/" + e.path().filename().string());
    }
  }
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK(db_->Compact());
  // Newer segments after the merged one.
  for (int i = 4; i < 6; ++i) {
    ASSERT_OK(db_->Put(absl::StrCat("k", i), absl::StrCat("v", i)).status());
    ASSERT_OK(db_->Seal());
  }
  db_.reset();
  // The inputs come back, as if the crash hit before their deletion.
  int restored = 0;
  for (const auto& e : fs::directory_iterator(saved)) {
    const fs::path to = fs::path(dir_.path()) / e.path().filename();
    if (!fs::exists(to)) {
      fs::copy_file(e.path(), to);
      ++restored;
    }
  }
  fs::remove_all(saved);
  ASSERT_GE(restored, 3);
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(db_->GetStats().segments, 3u);
  int segs = 0;
  for (const auto& e : fs::directory_iterator(dir_.path())) {
    segs += e.path().extension() == ".seg";
  }
  EXPECT_EQ(segs, 3);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(*db_->Get(absl::StrCat("k", i)), absl::StrCat("v", i));
  }
  EXPECT_OK(db_->Verify());
}

TEST_F(CompactionTest, EarlierSnapshotsKeepReadingWhatTheyRead) {
  ASSERT_NO_FATAL_FAILURE(Open());
  std::vector<Timestamp> ts;
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK_AND_ASSIGN(Timestamp t, db_->Put("k", std::to_string(i)));
    ts.push_back(t);
    ASSERT_OK(db_->Seal());
  }
  ASSERT_OK_AND_ASSIGN(Snapshot old, db_->GetSnapshot(ts[1]));
  ASSERT_OK_AND_ASSIGN(CompactStats cs, db_->Compact(CompactOptions{ts[3]}));
  EXPECT_EQ(cs.segments_merged, 5u);
  EXPECT_EQ(cs.versions_dropped, 3u);  // 0, 1, 2; 3 is the newest at ts[3].
  // The old snapshot pinned the old files.
  ASSERT_OK_AND_ASSIGN(std::string_view v, old.Get("k"));
  EXPECT_EQ(v, "1");
  // New reads: as of the horizon and later unchanged; before it, the
  // version at the horizon is the oldest left.
  EXPECT_EQ(db_->Get("k", ts[3]).value_or("?"), "3");
  EXPECT_EQ(db_->Get("k").value_or("?"), "4");
  EXPECT_STATUS_CODE(db_->Get("k", ts[1]), absl::StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(std::vector<Entry> h, db_->History("k"));
  ASSERT_EQ(h.size(), 2u);
  // GC of the one segment left, again: nothing more to drop.
  ASSERT_OK_AND_ASSIGN(CompactStats again, db_->Compact(CompactOptions{ts[3]}));
  EXPECT_EQ(again.versions_dropped, 0u);
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(db_->Get("k", ts[3]).value_or("?"), "3");
  EXPECT_OK(db_->Verify());
}

}  // namespace
}  // namespace zverse::kv
