// Import batches: WriteBatch::PutAt/DeleteAt give entries their own
// timestamps inside one atomic commit (bulk loads that keep creation times).

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kv/db.h"
#include "tests/test_util.h"

namespace zverse::kv {
namespace {

using ::zverse::testing::TempDir;

std::vector<Timestamp> VersionTimes(const DB& db, const std::string& key) {
  std::vector<Timestamp> out;
  auto h = db.History(key);
  EXPECT_TRUE(h.ok()) << h.status();
  if (!h.ok()) return out;
  for (const Entry& e : *h) out.push_back(e.ts);
  return out;
}

void CheckImported(const DB& db) {
  EXPECT_EQ(VersionTimes(db, "a"), (std::vector<Timestamp>{300, 200, 100}));
  EXPECT_EQ(*db.Get("a", 150), "a100");
  EXPECT_EQ(*db.Get("a", 250), "a200");
  EXPECT_EQ(*db.Get("a"), "a300");
  EXPECT_EQ(*db.Get("b", 150), "b-now");  // Took the commit's timestamp?
  EXPECT_EQ(db.Get("c", 200).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*db.Get("c", 120), "c110");
  EXPECT_EQ(db.Get("c", 100).status().code(), absl::StatusCode::kNotFound);
}

TEST(ImportBatchTest, EntriesKeepTheirOwnTimestamps) {
  TempDir dir;
  Options options;
  {
    ASSERT_OK_AND_ASSIGN(auto db, DB::Open(dir.path(), options));
    WriteBatch batch;
    batch.PutAt("a", "a200", 200);
    batch.PutAt("a", "a100", 100);
    batch.PutAt("a", "a300", 300);
    batch.PutAt("b", "b-now", 140);
    batch.PutAt("c", "c110", 110);
    batch.DeleteAt("c", 190);
    ASSERT_OK_AND_ASSIGN(Timestamp ts, db->Write(batch));
    EXPECT_EQ(ts, 300u);  // Every entry has its own: the largest.
    CheckImported(*db);
    ASSERT_OK(db->Seal());
    CheckImported(*db);
  }
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(dir.path(), options));
  CheckImported(*db);
}

TEST(ImportBatchTest, SurvivesRecoveryFromTheLog) {
  TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(auto db, DB::Open(dir.path()));
    WriteBatch batch;
    batch.PutAt("a", "a100", 100);
    batch.PutAt("a", "a300", 300);
    batch.PutAt("a", "a200", 200);
    batch.PutAt("b", "b-now", 140);
    batch.PutAt("c", "c110", 110);
    batch.DeleteAt("c", 190);
    ASSERT_OK(db->Write(batch).status());
    ASSERT_OK(db->Close());
  }
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(dir.path()));
  CheckImported(*db);
}

TEST(ImportBatchTest, MixedEntriesTakeTheCommitTimestamp) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(dir.path()));
  WriteBatch batch;
  batch.PutAt("old", "v", 5);
  batch.Put("new", "w");
  ASSERT_OK_AND_ASSIGN(Timestamp ts, db->Write(batch));
  EXPECT_GT(ts, 5u);
  EXPECT_EQ(VersionTimes(*db, "old"), std::vector<Timestamp>{5});
  EXPECT_EQ(VersionTimes(*db, "new"), std::vector<Timestamp>{ts});
  // The same key at the same timestamp twice: the later write wins.
  WriteBatch twice;
  twice.PutAt("k", "first", 7);
  twice.PutAt("k", "second", 7);
  ASSERT_OK(db->Write(twice).status());
  EXPECT_EQ(*db->Get("k"), "second");
  EXPECT_EQ(VersionTimes(*db, "k"), std::vector<Timestamp>{7});
}

TEST(ImportBatchTest, FutureTimestampRejectsTheWholeBatch) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(dir.path()));
  WriteBatch batch;
  batch.PutAt("a", "v", 100);
  batch.PutAt("b", "v", kMaxTimestamp);
  EXPECT_STATUS_CODE(db->Write(batch).status(),
                     absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db->Get("a").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(db->GetStats().entries, 0u);
}

}  // namespace
}  // namespace zverse::kv
