// Large values (the overflow area): values of kOverflowValueSize bytes or
// more live in blob files, compressed where that pays. They read back
// exactly through Get, Scan, History and the stream (OpenValue), across
// seals, compactions, version GC and reopens; damage is DataLoss; the blob
// files no version refers to go.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "kv/status_macros.h"
#include "tests/test_util.h"

namespace zverse::kv {
namespace {

using ::zverse::testing::TempDir;

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

// Text-like: compresses several times over.
std::string Compressible(size_t n, uint64_t seed) {
  static const char* kWords[] = {"temporal ", "graph ", "vertex ", "edge ",
                                 "version ", "snapshot ", "zverse ", "\n"};
  std::mt19937_64 rng(seed);
  std::string s;
  s.reserve(n + 16);
  while (s.size() < n) s += kWords[rng() % 8];
  s.resize(n);
  return s;
}

// Sum of the sizes of the directory's files with `ext`, and their count.
std::pair<uint64_t, int> FilesWith(const std::string& dir,
                                   const std::string& ext) {
  uint64_t bytes = 0;
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ext) {
      bytes += e.file_size();
      ++n;
    }
  }
  return {bytes, n};
}

// Reads the whole value through the stream, `chunk` bytes at a time.
absl::StatusOr<std::string> Stream(const Snapshot& s, std::string_view key,
                                   size_t chunk) {
  ZVERSE_ASSIGN_OR_RETURN(ValueReader r, s.OpenValue(key));
  std::string out;
  std::string buf(chunk, '\0');
  for (;;) {
    ZVERSE_ASSIGN_OR_RETURN(size_t n, r.Read(buf.data(), buf.size()));
    if (n == 0) break;
    out.append(buf.data(), n);
  }
  if (out.size() != r.size()) {
    return absl::InternalError("stream length differs from size()");
  }
  return out;
}

class LargeValueTest : public ::testing::Test {
 protected:
  void Open(Options o = {}) {
    db_.reset();
    o.sync_mode = SyncMode::kNever;
    o.background_compaction = false;  // Files are counted.
    ASSERT_OK_AND_ASSIGN(db_, DB::Open(dir_.path(), o));
  }
  // Every value of the model reads back, by every path.
  void ExpectAll(const std::map<std::string, std::string>& want) {
    ASSERT_OK_AND_ASSIGN(Snapshot s, db_->GetSnapshot());
    for (const auto& [k, v] : want) {
      SCOPED_TRACE(k);
      ASSERT_OK_AND_ASSIGN(std::string_view got, s.Get(k));
      ASSERT_EQ(got.size(), v.size());
      EXPECT_TRUE(got == v);
      for (size_t chunk : {size_t{1} << 20, size_t{4093}}) {
        ASSERT_OK_AND_ASSIGN(std::string streamed, Stream(s, k, chunk));
        EXPECT_TRUE(streamed == v) << "chunk " << chunk;
      }
    }
    std::map<std::string, std::string> scanned;
    ASSERT_OK(s.Scan("", "", [&](const Record& r) {
      scanned[std::string(r.key)] = std::string(r.value);
      return true;
    }));
    EXPECT_TRUE(scanned == want) << "scan";
  }
  TempDir dir_;
  std::unique_ptr<DB> db_;
};

TEST_F(LargeValueTest, RoundTripsAtEverySizeThroughSealCompactAndReopen) {
  ASSERT_NO_FATAL_FAILURE(Open());
  std::map<std::string, std::string> want;
  const size_t sizes[] = {0, 1, 4095, 4096, 4097, 100'000, 1'000'003,
                          kMaxValueSize};
  uint64_t seed = 1;
  for (size_t n : sizes) {
    for (int compressible = 0; compressible < 2; ++compressible) {
      const std::string k = absl::StrCat("v", n, compressible ? "c" : "r");
      want[k] = compressible ? Compressible(n, seed) : RandomBytes(n, seed);
      ++seed;
      ASSERT_OK(db_->Put(k, want[k]).status());
    }
  }
  // A batch and a transaction with large values too.
  WriteBatch b;
  want["batch"] = Compressible(50'000, 99);
  b.Put("batch", want["batch"]);
  ASSERT_OK(db_->Write(b).status());
  ASSERT_OK_AND_ASSIGN(Transaction t, db_->BeginTransaction());
  want["txn"] = RandomBytes(9000, 98);
  ASSERT_OK(t.Put("txn", want["txn"]));
  ASSERT_OK(t.Commit().status());
  EXPECT_EQ(FilesWith(dir_.path(), ".blob").second, 1);
  // Compressed where it pays: the blob file is smaller than the values.
  uint64_t raw = 0;
  for (const auto& [k, v] : want) raw += v.size();
  EXPECT_LT(FilesWith(dir_.path(), ".blob").first, raw * 3 / 4);
  ASSERT_NO_FATAL_FAILURE(ExpectAll(want));
  ASSERT_NO_FATAL_FAILURE(Open());  // Reopen: from the log and its blob.
  ASSERT_NO_FATAL_FAILURE(ExpectAll(want));
  ASSERT_OK(db_->Seal());
  ASSERT_NO_FATAL_FAILURE(ExpectAll(want));
  // More, in a second log and blob file, then a merge of both.
  want["later"] = RandomBytes(20'000, 97);
  ASSERT_OK(db_->Put("later", want["later"]).status());
  ASSERT_OK(db_->Seal());
  EXPECT_EQ(FilesWith(dir_.path(), ".blob").second, 2);
  ASSERT_OK(db_->Compact());
  EXPECT_EQ(FilesWith(dir_.path(), ".blob").second, 1)
      << "the inputs' blob files go";
  ASSERT_NO_FATAL_FAILURE(ExpectAll(want));
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(ExpectAll(want));
  EXPECT_OK(db_->Verify());
}

TEST_F(LargeValueTest, HistoryAndAsOfReadsSeeEachVersion) {
  ASSERT_NO_FATAL_FAILURE(Open());
  std::vector<std::pair<Timestamp, std::string>> versions;
  for (int i = 0; i < 5; ++i) {
    std::string v = i % 2 ? Compressible(6000 + i, i) : RandomBytes(6000 + i, i);
    ASSERT_OK_AND_ASSIGN(Timestamp ts, db_->Put("k", v));
    versions.emplace_back(ts, std::move(v));
    if (i == 2) {
      ASSERT_OK(db_->Seal());
    }
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Entry> h, db_->History("k"));
  ASSERT_EQ(h.size(), versions.size());
  for (size_t i = 0; i < h.size(); ++i) {
    EXPECT_EQ(h[i].ts, versions[versions.size() - 1 - i].first);
    EXPECT_TRUE(h[i].value == versions[versions.size() - 1 - i].second);
  }
  for (const auto& [ts, v] : versions) {
    ASSERT_OK_AND_ASSIGN(Snapshot s, db_->GetSnapshot(ts));
    ASSERT_OK_AND_ASSIGN(std::string streamed, Stream(s, "k", 1000));
    EXPECT_TRUE(streamed == v);
    ASSERT_OK_AND_ASSIGN(std::string got, db_->Get("k", ts));
    EXPECT_TRUE(got == v);
  }
  // A deleted large value: NotFound by every path.
  ASSERT_OK(db_->Delete("k").status());
  ASSERT_OK_AND_ASSIGN(Snapshot s, db_->GetSnapshot());
  EXPECT_STATUS_CODE(s.Get("k"), absl::StatusCode::kNotFound);
  EXPECT_STATUS_CODE(s.OpenValue("k"), absl::StatusCode::kNotFound);
  EXPECT_STATUS_CODE(s.OpenValue("none"), absl::StatusCode::kNotFound);
}

TEST_F(LargeValueTest, VersionGcReclaimsOverflowSpace) {
  ASSERT_NO_FATAL_FAILURE(Open());
  // 10 keys, each rewritten 10 times with 64 KiB of incompressible bytes.
  std::map<std::string, std::string> want;
  Timestamp last = 0;
  for (int round = 0; round < 10; ++round) {
    for (int k = 0; k < 10; ++k) {
      const std::string key = absl::StrCat("key", k);
      want[key] = RandomBytes(64 << 10, round * 100 + k);
      ASSERT_OK_AND_ASSIGN(last, db_->Put(key, want[key]));
    }
    ASSERT_OK(db_->Seal());
  }
  const uint64_t before = FilesWith(dir_.path(), ".blob").first;
  EXPECT_GE(before, 100u * (64 << 10));
  CompactOptions gc;
  gc.horizon = last;
  ASSERT_OK_AND_ASSIGN(CompactStats st, db_->Compact(gc));
  EXPECT_EQ(st.versions_dropped, 90u);
  const auto [after, files] = FilesWith(dir_.path(), ".blob");
  EXPECT_EQ(files, 1);
  // Only the live values remain, plus record headers.
  EXPECT_LE(after, 10u * ((64 << 10) + 4096));
  EXPECT_GE(after, 10u * (64 << 10));
  ASSERT_NO_FATAL_FAILURE(ExpectAll(want));
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(ExpectAll(want));
}

TEST_F(LargeValueTest, IngestedLargeValuesMoveToTheOverflowAreaOnCompaction) {
  ASSERT_NO_FATAL_FAILURE(Open());
  std::map<std::string, std::string> want;
  WriteBatch b;
  for (int i = 0; i < 20; ++i) {
    const std::string k = absl::StrCat("i", i);
    want[k] = i % 2 ? Compressible(5000 + i * 1000, i) : RandomBytes(5000, i);
    b.Put(k, want[k]);
  }
  ASSERT_OK(db_->Ingest(b).status());
  EXPECT_EQ(FilesWith(dir_.path(), ".blob").second, 0) << "inline in the segment";
  ASSERT_NO_FATAL_FAILURE(ExpectAll(want));
  want["x"] = "small";
  ASSERT_OK(db_->Put("x", "small").status());
  ASSERT_OK(db_->Compact());
  EXPECT_EQ(FilesWith(dir_.path(), ".blob").second, 1);
  ASSERT_NO_FATAL_FAILURE(ExpectAll(want));
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(ExpectAll(want));
  EXPECT_OK(db_->Verify());
}

// Flips a byte of every blob record's stored bytes in turn: reads of that
// value fail with DataLoss naming the blob file, never return wrong bytes.
TEST_F(LargeValueTest, DamagedBlobsAreDataLoss) {
  const std::string random = RandomBytes(10'000, 5);
  const std::string text = Compressible(200'000, 6);
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK(db_->Put("r", random).status());
  ASSERT_OK(db_->Put("t", text).status());
  ASSERT_OK(db_->Compact());
  db_.reset();
  std::string blob;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    if (e.path().extension() == ".blob") blob = e.path().string();
  }
  ASSERT_FALSE(blob.empty());
  const uint64_t size = std::filesystem::file_size(blob);
  std::mt19937_64 rng(7);
  int total_damaged = 0;
  for (int trial = 0; trial < 12; ++trial) {
    // Somewhere past the file header.
    const uint64_t at = 64 + rng() % (size - 64);
    {
      std::fstream f(blob, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(static_cast<std::streamoff>(at));
      char c;
      f.read(&c, 1);
      c ^= 0x20;
      f.seekp(static_cast<std::streamoff>(at));
      f.write(&c, 1);
    }
    SCOPED_TRACE(absl::StrCat("byte ", at, " flipped"));
    ASSERT_NO_FATAL_FAILURE(Open());
    ASSERT_OK_AND_ASSIGN(Snapshot s, db_->GetSnapshot());
    int damaged = 0;
    for (const char* k : {"r", "t"}) {
      const std::string& want = k[0] == 'r' ? random : text;
      absl::StatusOr<std::string_view> got = s.Get(k);
      absl::StatusOr<std::string> streamed = Stream(s, k, 4096);
      if (got.ok()) {
        EXPECT_TRUE(*got == want) << k << ": wrong bytes served";
        ASSERT_OK(streamed.status());
        EXPECT_TRUE(*streamed == want);
      } else {
        ++damaged;
        EXPECT_STATUS_CODE(got, absl::StatusCode::kDataLoss);
        EXPECT_TRUE(absl::StrContains(got.status().message(), ".blob"))
            << got.status();
        EXPECT_STATUS_CODE(streamed, absl::StatusCode::kDataLoss);
      }
    }
    // (A flip in a record's zero padding harms nothing.)
    total_damaged += damaged;
    if (damaged > 0) {
      EXPECT_STATUS_CODE(db_->Verify(), absl::StatusCode::kDataLoss);
    }
    db_.reset();
    // Undo, for the next trial.
    std::fstream f(blob, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    char c;
    f.read(&c, 1);
    c ^= 0x20;
    f.seekp(static_cast<std::streamoff>(at));
    f.write(&c, 1);
  }
  EXPECT_GE(total_damaged, 9);
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK_AND_ASSIGN(std::string got, db_->Get("t"));
  EXPECT_TRUE(got == text);
  EXPECT_OK(db_->Verify());
}

// A commit torn off the log's tail leaves its blob record behind, unused;
// an ingest then takes the (empty) log's number. Later large values must
// not go to that blob file, which nothing refers to any more.
TEST_F(LargeValueTest, ATornLargeCommitThenAnIngestLoseNothingLater) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK(db_->Put("torn", RandomBytes(8000, 1)).status());
  db_.reset();
  std::string log;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    if (e.path().extension() == ".log") log = e.path().string();
  }
  ASSERT_FALSE(log.empty());
  std::filesystem::resize_file(log, 64);  // Only the header is left.
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_STATUS_CODE(db_->Get("torn"), absl::StatusCode::kNotFound);
  WriteBatch b;
  b.Put("ingested", "x");
  ASSERT_OK(db_->Ingest(b).status());
  const std::string later = RandomBytes(9000, 2);
  ASSERT_OK(db_->Put("later", later).status());
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK_AND_ASSIGN(std::string v, db_->Get("later"));
  EXPECT_TRUE(v == later);
  EXPECT_OK(db_->Verify());
}

TEST_F(LargeValueTest, OrphanBlobFilesAreRemovedAtOpen) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK(db_->Put("a", RandomBytes(5000, 1)).status());
  db_.reset();
  // A compaction's blob file that never got its segment, and an empty one
  // (a crash while it was created).
  std::string live;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    if (e.path().extension() == ".blob") live = e.path().string();
  }
  ASSERT_FALSE(live.empty());
  const std::string orphan = dir_.path() + "/000900.blob";
  std::filesystem::copy_file(live, orphan);
  { std::ofstream(dir_.path() + "/000901.blob"); }
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_FALSE(std::filesystem::exists(orphan));
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/000901.blob"));
  ASSERT_OK_AND_ASSIGN(std::string v, db_->Get("a"));
  EXPECT_TRUE(v == RandomBytes(5000, 1));
}

}  // namespace
}  // namespace zverse::kv
