// Recovery: torn tails at every byte offset of the last commit, zero-filled
// and garbage tails, damage inside complete commits, interrupted seals, and
// the checks Open makes on the directory and its identity file.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "tests/kv/fault_env.h"
#include "tests/kv/file_util.h"
#include "tests/test_util.h"

namespace zverse::kv {
namespace {

using ::zverse::testing::BaseName;
using ::zverse::testing::CopyDir;
using ::zverse::testing::FaultEnv;
using ::zverse::testing::FilesWithSuffix;
using ::zverse::testing::LogGroup;
using ::zverse::testing::ParseLogGroups;
using ::zverse::testing::ReadAll;
using ::zverse::testing::TempDir;

std::string Describe(const std::vector<Entry>& entries) {
  std::string out;
  for (const Entry& e : entries) {
    absl::StrAppend(&out, absl::CHexEscape(e.key), "@", e.ts,
                    e.deleted ? " <del>" : " = " + absl::CHexEscape(e.value),
                    "\n");
  }
  return out;
}

// Every version in the database, in (ts, key) order: its whole content.
std::string Fingerprint(const DB& db) {
  auto changes = db.Changes(0, kLatest);
  if (!changes.ok()) return changes.status().ToString();
  return Describe(*changes);
}

enum class LastCommit { kSmallPut, kBatch, kDelete };

std::string LastCommitName(LastCommit c) {
  switch (c) {
    case LastCommit::kSmallPut:
      return "SmallPut";
    case LastCommit::kBatch:
      return "Batch";
    case LastCommit::kDelete:
      return "Delete";
  }
  return "?";
}

// A database of kCommits commits (synced), sealed after commit 7, so that the
// active log holds the commits after that, one group each.
class RecoveryTest : public ::testing::Test {
 protected:
  static constexpr int kCommits = 16;
  static constexpr int kSealAfter = 7;

  void Build(LastCommit last) {
    Options o;
    o.sync_mode = SyncMode::kAlways;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<DB> db, DB::Open(db_dir(), o));
    for (int i = 0; i < kCommits - 1; ++i) {
      const std::string key = absl::StrCat("key", i % 6);
      if (i % 5 == 4) {
        WriteBatch b;
        b.Put(key, absl::StrCat("batch value ", i));
        b.Put(absl::StrCat("other", i), std::string(i * 7, 'x'));
        b.Delete("key0");
        ASSERT_OK(db->Write(b));
      } else {
        ASSERT_OK(db->Put(key, absl::StrCat("value ", i, std::string(i, '.'))));
      }
      if (i == kSealAfter) {
        ASSERT_OK(db->Seal());
      }
    }
    before_ = Fingerprint(*db);
    switch (last) {
      case LastCommit::kSmallPut:
        ASSERT_OK(db->Put("key1", "last"));
        break;
      case LastCommit::kBatch: {
        WriteBatch b;
        b.Put("key2", std::string(100, 'L'));
        b.Put("", "empty key");
        b.Delete("key3");
        b.Put("newkey", "n");
        b.Put("key2", "replaced within the batch");
        ASSERT_OK(db->Write(b));
        break;
      }
      case LastCommit::kDelete:
        ASSERT_OK(db->Delete("key4"));
        break;
    }
    after_ = Fingerprint(*db);
    ASSERT_NE(before_, after_);
    ASSERT_OK(db->Close());

    const auto logs = FilesWithSuffix(db_dir(), ".log");
    ASSERT_EQ(logs.size(), 1u);
    log_name_ = BaseName(logs[0]);
    log_bytes_ = ReadAll(logs[0]);
    groups_ = ParseLogGroups(log_bytes_);
    ASSERT_EQ(groups_.size(), static_cast<size_t>(kCommits - kSealAfter - 1));
    ASSERT_EQ(groups_.back().offset + groups_.back().size, log_bytes_.size());
  }

  std::string db_dir() const { return tmp_.Sub("db"); }
  std::string copy_dir() const { return tmp_.Sub("copy"); }
  std::string copy_log() const { return copy_dir() + "/" + log_name_; }

  absl::StatusOr<std::unique_ptr<DB>> OpenCopy(bool read_only = false) {
    Options o;
    o.env = &env_;
    o.create_if_missing = false;
    o.read_only = read_only;
    return DB::Open(copy_dir(), o);
  }

  TempDir tmp_;
  FaultEnv env_;  // Real clock; syncs skipped where only logic is checked.
  std::string before_, after_;
  std::string log_name_;
  std::string log_bytes_;
  std::vector<LogGroup> groups_;
};

class TornTailTest : public RecoveryTest,
                     public ::testing::WithParamInterface<LastCommit> {};

// Cutting the log anywhere inside the last commit group drops exactly that
// commit; the database then takes new writes that survive another reopen.
TEST_P(TornTailTest, EveryOffsetInsideTheLastCommit) {
  ASSERT_NO_FATAL_FAILURE(Build(GetParam()));
  env_.set_skip_syncs(true);
  const LogGroup last = groups_.back();
  const uint64_t end = last.offset + last.size;
  for (uint64_t off = last.offset; off <= end; ++off) {
    SCOPED_TRACE(absl::StrCat("log cut at ", off, " (last group at ",
                              last.offset, ", ", last.size, " bytes)"));
    CopyDir(db_dir(), copy_dir());
    std::filesystem::resize_file(copy_log(), off);
    const std::string& want = off == end ? after_ : before_;
    if (off % 16 == 3) {
      // Read-only: the tail is ignored, the file left alone.
      ASSERT_OK_AND_ASSIGN(auto ro, OpenCopy(/*read_only=*/true));
      EXPECT_EQ(Fingerprint(*ro), want);
      ro.reset();
      EXPECT_EQ(std::filesystem::file_size(copy_log()), off);
    }
    {
      ASSERT_OK_AND_ASSIGN(auto db, OpenCopy());
      EXPECT_EQ(Fingerprint(*db), want);
      EXPECT_EQ(db->GetStats().recovered_dropped_bytes,
                off == end ? 0 : off - last.offset);
      ASSERT_OK(db->Put("after recovery", absl::StrCat("cut ", off)));
      ASSERT_OK(db->Close());
    }
    {
      ASSERT_OK_AND_ASSIGN(auto db, OpenCopy());
      EXPECT_EQ(db->GetStats().recovered_dropped_bytes, 0u);
      EXPECT_EQ(db->Get("after recovery").value_or("<missing>"),
                absl::StrCat("cut ", off));
      ASSERT_OK_AND_ASSIGN(std::vector<Entry> changes,
                           db->Changes(0, kLatest));
      ASSERT_FALSE(changes.empty());
      changes.pop_back();  // The new write is the newest.
      EXPECT_EQ(Describe(changes), want);
      EXPECT_OK(db->Verify());
    }
    if (HasFailure()) break;
  }
}

INSTANTIATE_TEST_SUITE_P(LastCommits, TornTailTest,
                         ::testing::Values(LastCommit::kSmallPut,
                                           LastCommit::kBatch,
                                           LastCommit::kDelete),
                         [](const auto& info) {
                           return LastCommitName(info.param);
                         });

TEST_F(RecoveryTest, ZeroFilledTailIsDropped) {
  ASSERT_NO_FATAL_FAILURE(Build(LastCommit::kBatch));
  for (size_t zeros : {size_t{1}, size_t{31}, size_t{32}, size_t{4096}}) {
    SCOPED_TRACE(absl::StrCat(zeros, " zero bytes appended"));
    CopyDir(db_dir(), copy_dir());
    zverse::testing::AppendAll(copy_log(), std::string(zeros, '\0'));
    {
      ASSERT_OK_AND_ASSIGN(auto db, OpenCopy());
      EXPECT_EQ(Fingerprint(*db), after_);
      EXPECT_EQ(db->GetStats().recovered_dropped_bytes, zeros);
      ASSERT_OK(db->Put("k", "v"));
    }
    ASSERT_OK_AND_ASSIGN(auto db, OpenCopy());
    EXPECT_EQ(db->Get("k").value_or("<missing>"), "v");
    EXPECT_OK(db->Verify());
    db.reset();
    // The zeros are gone: the new commit follows the old ones directly.
    const std::string bytes = ReadAll(copy_log());
    const auto groups = ParseLogGroups(bytes);
    ASSERT_EQ(groups.size(), groups_.size() + 1);
    EXPECT_EQ(groups.back().offset, log_bytes_.size());
    EXPECT_EQ(groups.back().offset + groups.back().size, bytes.size());
  }
}

TEST_F(RecoveryTest, GarbageTailIsDropped) {
  ASSERT_NO_FATAL_FAILURE(Build(LastCommit::kSmallPut));
  std::mt19937_64 rng(17);
  std::string garbage(777, '\0');
  for (char& c : garbage) c = static_cast<char>(rng());
  // A group header that promises more body than there is.
  const std::string header_only =
      log_bytes_.substr(groups_.back().offset, 40);
  for (const std::string& tail : {garbage, header_only}) {
    CopyDir(db_dir(), copy_dir());
    zverse::testing::AppendAll(copy_log(), tail);
    ASSERT_OK_AND_ASSIGN(auto db, OpenCopy());
    EXPECT_EQ(Fingerprint(*db), after_);
    EXPECT_EQ(db->GetStats().recovered_dropped_bytes, tail.size());
  }
}

// Damage inside a complete group that valid groups follow is corruption, not
// a torn tail: DataLoss naming the log and the damaged group's offset.
TEST_F(RecoveryTest, BitFlipInEarlierGroupIsDataLoss) {
  ASSERT_NO_FATAL_FAILURE(Build(LastCommit::kBatch));
  for (size_t g = 0; g + 1 < groups_.size(); ++g) {
    const LogGroup grp = groups_[g];
    for (uint64_t rel : {uint64_t{0}, uint64_t{9}, uint64_t{16}, uint64_t{23},
                         uint64_t{24}, uint64_t{40}, grp.size / 2,
                         grp.size - 1}) {
      for (int bit : {0, 7}) {
        SCOPED_TRACE(absl::StrCat("group ", g, " at ", grp.offset,
                                  ", byte +", rel, " bit ", bit));
        CopyDir(db_dir(), copy_dir());
        zverse::testing::FlipBit(copy_log(), grp.offset + rel, bit);
        absl::StatusOr<std::unique_ptr<DB>> db = OpenCopy();
        EXPECT_STATUS_CODE(db, absl::StatusCode::kDataLoss);
        const std::string msg(db.status().message());
        EXPECT_TRUE(absl::StrContains(msg, log_name_)) << msg;
        EXPECT_TRUE(absl::StrContains(msg, absl::StrCat("offset ", grp.offset)))
            << msg;
        // Read-only opens refuse it too.
        EXPECT_STATUS_CODE(OpenCopy(/*read_only=*/true),
                           absl::StatusCode::kDataLoss);
      }
    }
  }
}

// Damage in the last group cannot be told from a torn write: that commit is
// dropped (log.h), nothing else.
TEST_F(RecoveryTest, BitFlipInLastGroupDropsOnlyIt) {
  ASSERT_NO_FATAL_FAILURE(Build(LastCommit::kBatch));
  const LogGroup last = groups_.back();
  for (uint64_t rel : {uint64_t{0}, uint64_t{12}, last.size / 2, last.size - 1}) {
    SCOPED_TRACE(absl::StrCat("byte +", rel));
    CopyDir(db_dir(), copy_dir());
    zverse::testing::FlipBit(copy_log(), last.offset + rel, 3);
    ASSERT_OK_AND_ASSIGN(auto db, OpenCopy());
    EXPECT_EQ(Fingerprint(*db), before_);
    EXPECT_EQ(db->GetStats().recovered_dropped_bytes, last.size);
  }
}

TEST_F(RecoveryTest, DamagedLogHeaderIsDataLoss) {
  ASSERT_NO_FATAL_FAILURE(Build(LastCommit::kSmallPut));
  for (uint64_t off : {uint64_t{0}, uint64_t{8}, uint64_t{17}, uint64_t{60}}) {
    CopyDir(db_dir(), copy_dir());
    zverse::testing::FlipBit(copy_log(), off, 1);
    absl::StatusOr<std::unique_ptr<DB>> db = OpenCopy();
    EXPECT_STATUS_CODE(db, absl::StatusCode::kDataLoss) << "byte " << off;
    EXPECT_TRUE(absl::StrContains(db.status().message(), log_name_))
        << db.status();
  }
}

// The states a crash during Seal can leave behind.
TEST_F(RecoveryTest, InterruptedSeal) {
  Options o;
  o.env = &env_;
  env_.set_skip_syncs(true);
  std::string want;
  std::string old_log_path, old_log_bytes;
  {
    ASSERT_OK_AND_ASSIGN(auto db, DB::Open(db_dir(), o));
    for (int i = 0; i < 30; ++i) {
      ASSERT_OK(db->Put(absl::StrCat("k", i % 9), absl::StrCat("v", i)));
    }
    const auto logs = FilesWithSuffix(db_dir(), ".log");
    ASSERT_EQ(logs.size(), 1u);
    old_log_path = logs[0];
    old_log_bytes = ReadAll(old_log_path);
    ASSERT_OK(db->Seal());
    ASSERT_OK(db->Put("after seal", "x"));
    want = Fingerprint(*db);
  }
  const auto segs = FilesWithSuffix(db_dir(), ".seg");
  ASSERT_EQ(segs.size(), 1u);
  const std::string seg_name = BaseName(segs[0]);
  const std::string log_name = BaseName(old_log_path);

  // 1. The segment was renamed into place but the sealed log not yet
  //    removed: the log is superseded and must not be replayed twice.
  CopyDir(db_dir(), copy_dir());
  zverse::testing::WriteAll(copy_dir() + "/" + log_name, old_log_bytes);
  {
    ASSERT_OK_AND_ASSIGN(auto db, OpenCopy());
    EXPECT_EQ(Fingerprint(*db), want);
    EXPECT_OK(db->Verify());
  }
  EXPECT_FALSE(std::filesystem::exists(copy_dir() + "/" + log_name));

  // 2. The segment was still a temporary file: the old log is sealed again
  //    at open and the temporary removed.
  CopyDir(db_dir(), copy_dir());
  std::filesystem::remove(copy_dir() + "/" + seg_name);
  zverse::testing::WriteAll(copy_dir() + "/" + log_name, old_log_bytes);
  zverse::testing::WriteAll(copy_dir() + "/" + seg_name + ".tmp",
                            ReadAll(segs[0]).substr(0, 100));
  {
    // Read-only cannot finish the seal; it may refuse, never answer wrong.
    absl::StatusOr<std::unique_ptr<DB>> ro = OpenCopy(/*read_only=*/true);
    if (ro.ok()) {
      EXPECT_EQ(Fingerprint(**ro), want);
    }
  }
  {
    ASSERT_OK_AND_ASSIGN(auto db, OpenCopy());
    EXPECT_EQ(Fingerprint(*db), want);
    EXPECT_OK(db->Verify());
    EXPECT_EQ(db->GetStats().log_files, 1u);
    EXPECT_EQ(db->GetStats().segments, 1u);
  }
  EXPECT_FALSE(std::filesystem::exists(copy_dir() + "/" + seg_name + ".tmp"));
  EXPECT_TRUE(std::filesystem::exists(copy_dir() + "/" + seg_name));
  {
    ASSERT_OK_AND_ASSIGN(auto db, OpenCopy());
    EXPECT_EQ(Fingerprint(*db), want);
  }
}

// A crash while a new log file is being created (Seal creates the next log
// before it writes the segment; Open creates the first log) can leave that
// file empty or with part of its 64-byte header. Nothing in it was ever
// acknowledged, so Open must treat it as an empty log, not as damage.
TEST_F(RecoveryTest, CrashWhileCreatingNextLog) {
  ASSERT_NO_FATAL_FAILURE(Build(LastCommit::kSmallPut));
  ASSERT_EQ(log_name_, "000002.log");
  for (size_t size : {size_t{0}, size_t{30}, size_t{63}}) {
    SCOPED_TRACE(absl::StrCat("next log with ", size, " bytes"));
    CopyDir(db_dir(), copy_dir());
    zverse::testing::WriteAll(copy_dir() + "/000003.log",
                              log_bytes_.substr(0, size));
    absl::StatusOr<std::unique_ptr<DB>> db = OpenCopy();
    ASSERT_OK(db);
    EXPECT_EQ(Fingerprint(**db), after_);
    ASSERT_OK((*db)->Put("k", "v"));
    db->reset();
    ASSERT_OK_AND_ASSIGN(auto again, OpenCopy());
    EXPECT_EQ(again->Get("k").value_or("<missing>"), "v");
  }
}

TEST(CrashWhileCreatingTest, EmptyFirstLog) {
  TempDir tmp;
  { ASSERT_OK(DB::Open(tmp.path())); }
  const auto logs = FilesWithSuffix(tmp.path(), ".log");
  ASSERT_EQ(logs.size(), 1u);
  std::filesystem::resize_file(logs[0], 0);  // Killed before the header.
  absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(tmp.path());
  ASSERT_OK(db);
  EXPECT_OK((*db)->Put("k", "v"));
}

// Open writes the identity file as ZVERSE.tmp and renames it; a crash in
// between leaves a directory holding only that temporary file.
TEST(CrashWhileCreatingTest, LeftoverIdentityTempFile) {
  TempDir tmp;
  zverse::testing::WriteAll(tmp.Sub("ZVERSE.tmp"), "ZVerse data");
  absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(tmp.path());
  ASSERT_OK(db);
  EXPECT_OK((*db)->Put("k", "v"));
}

// --- Open's checks on the directory.

TEST(OpenTest, UnknownFormatVersionIsUnimplemented) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  { ASSERT_OK(DB::Open(dir)); }
  const std::string identity = dir + "/ZVERSE";
  ASSERT_EQ(ReadAll(identity), "ZVerse database\nformat 1\n");
  zverse::testing::WriteAll(identity, "ZVerse database\nformat 99\n");
  absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(dir);
  EXPECT_STATUS_CODE(db, absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(absl::StrContains(db.status().message(), "99")) << db.status();
  // Restoring the identity makes it open again.
  zverse::testing::WriteAll(identity, "ZVerse database\nformat 1\n");
  EXPECT_OK(DB::Open(dir));
}

TEST(OpenTest, ForeignIdentityFileIsInvalidArgument) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  { ASSERT_OK(DB::Open(dir)); }
  zverse::testing::WriteAll(dir + "/ZVERSE", "Something else\n");
  EXPECT_STATUS_CODE(DB::Open(dir), absl::StatusCode::kInvalidArgument);
  zverse::testing::WriteAll(dir + "/ZVERSE", "ZVerse database\nformat x\n");
  EXPECT_STATUS_CODE(DB::Open(dir), absl::StatusCode::kInvalidArgument);
}

TEST(OpenTest, DirectoryWithUnrelatedFileIsInvalidArgument) {
  TempDir tmp;
  zverse::testing::WriteAll(tmp.Sub("notes.txt"), "my data");
  EXPECT_STATUS_CODE(DB::Open(tmp.path()), absl::StatusCode::kInvalidArgument);
  // And Open left it alone.
  EXPECT_FALSE(std::filesystem::exists(tmp.Sub("ZVERSE")));
  EXPECT_EQ(ReadAll(tmp.Sub("notes.txt")), "my data");
}

TEST(OpenTest, RegularFileIsInvalidArgument) {
  TempDir tmp;
  zverse::testing::WriteAll(tmp.Sub("file"), "x");
  EXPECT_STATUS_CODE(DB::Open(tmp.Sub("file")),
                     absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadAll(tmp.Sub("file")), "x");
}

TEST(OpenTest, MissingDirectoryWithoutCreateIsNotFound) {
  TempDir tmp;
  Options o;
  o.create_if_missing = false;
  EXPECT_STATUS_CODE(DB::Open(tmp.Sub("missing"), o),
                     absl::StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(tmp.Sub("missing")));
}

TEST(OpenTest, ErrorIfExistsIsAlreadyExists) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  Options o;
  o.error_if_exists = true;
  {
    ASSERT_OK_AND_ASSIGN(auto db, DB::Open(dir, o));  // Created: fine.
    ASSERT_OK(db->Put("k", "v"));
  }
  EXPECT_STATUS_CODE(DB::Open(dir, o), absl::StatusCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(dir));
  EXPECT_EQ(db->Get("k").value_or("?"), "v");
}

TEST(OpenTest, EmptyDirectoryIsCreated) {
  TempDir tmp;
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(tmp.path()));
  ASSERT_OK(db->Put("k", "v"));
  EXPECT_TRUE(std::filesystem::exists(tmp.Sub("ZVERSE")));
}

}  // namespace
}  // namespace zverse::kv
