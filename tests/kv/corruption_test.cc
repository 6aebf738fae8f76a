// Damaged files must never produce wrong answers. Single bit flips at many
// positions of sealed segments (header, entries, directory, hash table,
// footer; fixed seed): every read returns the exact right answer or an error,
// and Verify reports DataLoss naming the segment. A flip in the active log's
// committed data is found by Verify too.

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "kv/internal/format.h"
#include "tests/kv/fault_env.h"
#include "tests/kv/file_util.h"
#include "tests/kv/kv_model.h"
#include "tests/test_util.h"

namespace zverse::kv {
namespace {

using ::zverse::testing::BaseName;
using ::zverse::testing::CopyDir;
using ::zverse::testing::Describe;
using ::zverse::testing::Esc;
using ::zverse::testing::FaultEnv;
using ::zverse::testing::FilesWithSuffix;
using ::zverse::testing::kBase;
using ::zverse::testing::Model;
using ::zverse::testing::ReadAll;
using ::zverse::testing::TempDir;

uint64_t LoadU64(const std::string& bytes, size_t offset) {
  uint64_t v;
  std::memcpy(&v, bytes.data() + offset, 8);
  return v;
}

// The regions of a segment file (kv/FORMAT.md): header, data, directory,
// hash table, footer.
struct SegmentLayout {
  uint64_t size, dir, hash, footer;
  std::string RegionOf(uint64_t off) const {
    if (off < 64) return "header";
    if (off < dir) return "data";
    if (off < hash) return "directory";
    if (off < footer) return "hash table";
    return "footer";
  }
};

SegmentLayout ReadLayout(const std::string& bytes) {
  SegmentLayout l;
  l.size = bytes.size();
  l.footer = l.size - 128;
  l.dir = LoadU64(bytes, l.footer + 56);
  l.hash = LoadU64(bytes, l.footer + 64);
  return l;
}

class CorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.SetNow(kBase);
    env_.set_skip_syncs(true);
    using namespace std::string_literals;
    keys_ = {""s, "\0"s, "a"s, "abcdefg"s, "abcdefgh"s, "abcdefghi"s,
             "\xff\xff"s, "k\0k"s};
    for (int i = 0; i < 40; ++i) keys_.push_back(absl::StrFormat("key%03d", i));
    ASSERT_NO_FATAL_FAILURE(Build());
  }

  std::string ValueOf(size_t k, int phase) {
    return absl::StrCat("value ", k, " phase ", phase, ":",
                        std::string((k * 13 + phase * 7) % 90, 'a' + phase));
  }

  Timestamp Write(DB& db, const std::string& key, std::optional<std::string> v,
                  Timestamp ts = 0) {
    env_.Advance(1 + rng_() % 50);
    WriteOptions wo;
    wo.ts = ts;
    absl::StatusOr<Timestamp> r = v ? db.Put(key, *v, wo) : db.Delete(key, wo);
    EXPECT_OK(r);
    if (!r.ok()) return 0;
    model_.Apply(key, *r, std::move(v));
    return *r;
  }

  // Three sealed segments in which keys have versions in several segments
  // (including a (key, ts) rewritten in a later segment), plus a log.
  void Build() {
    Options o;
    o.env = &env_;
    o.seal_threshold_bytes = 64 << 20;
    ASSERT_OK_AND_ASSIGN(auto db, DB::Open(dir(), o));
    std::vector<Timestamp> phase1;
    for (size_t k = 0; k < keys_.size(); ++k) {
      phase1.push_back(Write(*db, keys_[k], ValueOf(k, 1)));
    }
    checkpoints_.push_back(model_.last_ts());
    ASSERT_OK(db->Seal());
    for (size_t k = 0; k < keys_.size(); k += 2) {
      Write(*db, keys_[k], ValueOf(k, 2));
    }
    for (size_t k = 1; k < keys_.size(); k += 7) Write(*db, keys_[k], std::nullopt);
    for (size_t k = 3; k < keys_.size(); k += 9) {
      // Rewrites a version sealed in the first segment.
      Write(*db, keys_[k], ValueOf(k, 20), phase1[k]);
    }
    Write(*db, keys_[5], ValueOf(5, 21), kBase - 1000);  // Before everything.
    checkpoints_.push_back(model_.last_ts());
    ASSERT_OK(db->Seal());
    for (size_t k = 0; k < keys_.size(); k += 3) {
      Write(*db, keys_[k], ValueOf(k, 3));
    }
    checkpoints_.push_back(model_.last_ts());
    ASSERT_OK(db->Seal());
    for (size_t k = 0; k < keys_.size(); k += 5) {
      Write(*db, keys_[k], ValueOf(k, 4));
    }
    checkpoints_.push_back(model_.last_ts());
    ASSERT_OK(db->Close());
    segments_ = FilesWithSuffix(dir(), ".seg");
    ASSERT_EQ(segments_.size(), 3u);
    // The pristine database answers exactly.
    ASSERT_OK_AND_ASSIGN(db, DB::Open(dir(), o));
    std::vector<std::string> problems;
    CheckReads(*db, /*index_damage=*/false, &problems);
    ASSERT_TRUE(problems.empty()) << problems.front();
    ASSERT_OK(db->Verify());
  }

  std::string dir() const { return tmp_.Sub("db"); }
  std::string copy() const { return tmp_.Sub("copy"); }

  // Every read of every key, compared with the model: an answer must be the
  // right one; an error is acceptable, NotFound for a version that exists
  // only where the index (not the data) is damaged.
  void CheckReads(const DB& db, bool index_damage,
                  std::vector<std::string>* problems) {
    std::vector<Timestamp> times = {kLatest, 1, kBase - 500};
    times.insert(times.end(), checkpoints_.begin(), checkpoints_.end());
    std::vector<std::string> keys = keys_;
    keys.push_back("missing");
    for (const std::string& key : keys) {
      for (Timestamp t : times) {
        absl::StatusOr<std::string> got = db.Get(key, t);
        std::optional<Entry> want =
            model_.Find(key, t == kLatest ? kMaxTimestamp : t);
        const bool live = want.has_value() && !want->deleted;
        const std::string what = absl::StrCat("Get ", Esc(key), " as of ", t);
        if (got.ok()) {
          if (!live || *got != want->value) {
            problems->push_back(absl::StrCat(
                what, ": WRONG DATA ", Esc(*got), ", want ",
                live ? Esc(want->value) : "NotFound"));
          }
        } else if (absl::IsNotFound(got.status()) && live && !index_damage) {
          problems->push_back(absl::StrCat(what, ": NotFound (",
                                           got.status().message(),
                                           "), want ", Esc(want->value)));
        }
      }
      absl::StatusOr<std::vector<Entry>> h = db.History(key);
      if (h.ok() && Describe(*h) != Describe(model_.History(key, kMaxTimestamp))) {
        problems->push_back(absl::StrCat("History ", Esc(key), ": WRONG DATA ",
                                         Describe(*h)));
      }
    }
    for (Timestamp t : times) {
      absl::StatusOr<std::vector<Entry>> s = db.Scan("", "", t);
      if (s.ok() &&
          Describe(*s) !=
              Describe(model_.Scan("", "", t == kLatest ? kMaxTimestamp : t))) {
        problems->push_back(
            absl::StrCat("Scan as of ", t, ": WRONG DATA ", Describe(*s)));
      }
      absl::StatusOr<std::vector<Entry>> s2 = db.Scan("abcdefgh", "key020", t);
      if (s2.ok() &&
          Describe(*s2) != Describe(model_.Scan(
                               "abcdefgh", "key020",
                               t == kLatest ? kMaxTimestamp : t))) {
        problems->push_back(absl::StrCat("Scan [abcdefgh, key020) as of ", t,
                                         ": WRONG DATA ", Describe(*s2)));
      }
    }
    absl::StatusOr<std::vector<Entry>> c = db.Changes(0, kLatest);
    if (c.ok() && Describe(*c) != Describe(model_.Changes(0, kMaxTimestamp))) {
      problems->push_back(absl::StrCat("Changes: WRONG DATA ", Describe(*c)));
    }
  }

  TempDir tmp_;
  FaultEnv env_;
  std::mt19937_64 rng_{99};
  std::vector<std::string> keys_;
  Model model_;
  std::vector<Timestamp> checkpoints_;
  std::vector<std::string> segments_;
};

TEST_F(CorruptionTest, SegmentBitFlipsNeverServeWrongData) {
  std::mt19937_64 rng(20240601);
  Options o;
  o.env = &env_;
  o.create_if_missing = false;
  std::map<std::string, int> flips_per_region;
  std::map<std::string, int> kinds;  // Bad answers by region/API/kind.
  int bad_flips = 0;
  for (const std::string& seg : segments_) {
    const std::string bytes = ReadAll(seg);
    const SegmentLayout layout = ReadLayout(bytes);
    ASSERT_LT(64u, layout.dir);
    ASSERT_LT(layout.dir, layout.hash);
    ASSERT_LT(layout.hash, layout.footer);
    // Offsets in every region, weighted towards the data.
    std::vector<uint64_t> offsets;
    auto sample = [&](uint64_t lo, uint64_t hi, int n) {
      for (int i = 0; i < n; ++i) offsets.push_back(lo + rng() % (hi - lo));
    };
    sample(0, 64, 8);
    sample(64, layout.dir, 80);
    sample(layout.dir, layout.hash, 30);
    sample(layout.hash, layout.footer, 20);
    sample(layout.footer, layout.size, 12);
    for (uint64_t off : offsets) {
      const int bit = static_cast<int>(rng() % 8);
      const std::string region = layout.RegionOf(off);
      ++flips_per_region[region];
      const std::string where = absl::StrCat(BaseName(seg), " offset ", off,
                                             " (", region, ") bit ", bit);
      CopyDir(dir(), copy());
      const std::string damaged = copy() + "/" + BaseName(seg);
      zverse::testing::FlipBit(damaged, off, bit);
      std::vector<std::string> problems;
      absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(copy(), o);
      if (!db.ok()) {
        // Only the header and footer are checked at open.
        if (!absl::IsDataLoss(db.status()) ||
            !absl::StrContains(db.status().message(), BaseName(seg))) {
          problems.push_back(absl::StrCat("Open: ", db.status().ToString()));
        }
      } else {
        CheckReads(**db, region == "directory" || region == "hash table",
                   &problems);
        const absl::Status v = (*db)->Verify();
        if (!absl::IsDataLoss(v) ||
            !absl::StrContains(v.message(), BaseName(seg))) {
          problems.push_back(absl::StrCat("Verify: ", v.ToString()));
        }
      }
      for (const std::string& p : problems) {
        const std::string api = p.substr(0, p.find(' '));
        ++kinds[absl::StrCat(
            region, "/", api,
            absl::StrContains(p, "WRONG DATA")
                ? " wrong data"
                : (absl::StrContains(p, "NotFound") ? " NotFound" : " other"))];
      }
      if (!problems.empty()) {
        ++bad_flips;
        std::string msg = absl::StrCat("flip at ", where, ": ",
                                       problems.size(), " bad answers");
        for (size_t i = 0; i < problems.size() && i < 4; ++i) {
          absl::StrAppend(&msg, "\n  ", problems[i]);
        }
        if (bad_flips <= 12) ADD_FAILURE() << msg;
      }
    }
  }
  std::string summary;
  for (const auto& [region, n] : flips_per_region) {
    absl::StrAppend(&summary, region, ": ", n, " flips; ");
  }
  absl::StrAppend(&summary, "\nbad answers:");
  for (const auto& [kind, n] : kinds) absl::StrAppend(&summary, " ", kind, " x", n, ";");
  EXPECT_EQ(bad_flips, 0) << summary;
}

// A flip in the committed part of the active log, made while the database is
// open (the mapping sees it), is reported by Verify and never read as data.
TEST_F(CorruptionTest, LogBitFlipFoundByVerify) {
  Options o;
  o.env = &env_;
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(dir(), o));
  const auto logs = FilesWithSuffix(dir(), ".log");
  ASSERT_EQ(logs.size(), 1u);
  const auto groups = zverse::testing::ParseLogGroups(ReadAll(logs[0]));
  ASSERT_GE(groups.size(), 5u);
  int checked = 0;
  for (const auto& g : groups) {
    for (uint64_t rel : {uint64_t{3}, uint64_t{12}, uint64_t{33}, uint64_t{45},
                         g.size / 2, g.size - 1}) {
      const uint64_t off = g.offset + rel;
      SCOPED_TRACE(absl::StrCat("log offset ", off, " (group at ", g.offset,
                                ")"));
      zverse::testing::FlipBit(logs[0], off, 5);
      const absl::Status v = db->Verify();
      EXPECT_TRUE(absl::IsDataLoss(v)) << v;
      EXPECT_TRUE(absl::StrContains(v.message(), BaseName(logs[0]))) << v;
      std::vector<std::string> problems;
      CheckReads(*db, /*index_damage=*/false, &problems);
      for (const auto& p : problems) ADD_FAILURE() << p;
      zverse::testing::FlipBit(logs[0], off, 5);  // Repair.
      EXPECT_OK(db->Verify());
      ++checked;
    }
  }
  EXPECT_GE(checked, 30);
}


// Regression test for a flipped key byte in a sealed entry: the lookup hash
// table compares the key read *without* its checksum, so the damaged newest
// version is skipped and an older version from an older segment is served.
TEST(SegmentKeyDamageTest, FlippedKeyByteIsNotServedAsStaleData) {
  TempDir tmp;
  FaultEnv env;
  env.set_skip_syncs(true);
  Options o;
  o.env = &env;
  Timestamp new_ts = 0;
  {
    ASSERT_OK_AND_ASSIGN(auto db, DB::Open(tmp.path(), o));
    ASSERT_OK(db->Put("k", "old"));
    ASSERT_OK(db->Seal());
    ASSERT_OK_AND_ASSIGN(new_ts, db->Put("k", "new"));
    ASSERT_OK(db->Seal());
  }
  const auto segs = FilesWithSuffix(tmp.path(), ".seg");
  ASSERT_EQ(segs.size(), 2u);
  // The newer segment holds one entry at offset 64; its key starts 32 bytes
  // into the entry (kv/FORMAT.md).
  const std::string newer = segs[1];
  ASSERT_EQ(ReadAll(newer).substr(64 + 32, 1), "k");
  zverse::testing::FlipBit(newer, 64 + 32, 0);  // "k" -> "j"
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(tmp.path(), o));
  EXPECT_TRUE(absl::IsDataLoss(db->Verify()));
  absl::StatusOr<std::string> got = db->Get("k");
  EXPECT_FALSE(got.ok() && *got == "old")
      << "Get served the stale older version; want \"new\" or DataLoss";
  EXPECT_TRUE(absl::IsDataLoss(got.status())) << got.status();
  absl::StatusOr<std::vector<Entry>> h = db->History("k");
  EXPECT_FALSE(h.ok() && h->size() == 1)
      << "History silently lost the damaged version: " << Describe(*h);
  absl::StatusOr<std::vector<Entry>> s = db->Scan("", "");
  const std::vector<Entry> want_scan = {Entry{"k", "new", new_ts, false}};
  EXPECT_TRUE(!s.ok() || *s == want_scan)
      << "Scan: " << (s.ok() ? Describe(*s) : s.status().ToString());
}

// A sealed entry's checksum is verified the first time it is read through
// the mapping (Segment::EntryAt remembers it), not on every read. A damaged
// entry is DataLoss on every read (nothing remembers a failure as good);
// damage made under an open database after an entry was read is what Verify
// (which reads everything again) finds.
TEST(SegmentEntryVerifyTest, ChecksumsAreVerifiedOnFirstReadAndByVerify) {
  TempDir tmp;
  FaultEnv env;
  env.set_skip_syncs(true);
  Options o;
  o.env = &env;
  o.background_compaction = false;
  {
    ASSERT_OK_AND_ASSIGN(auto db, DB::Open(tmp.path(), o));
    WriteBatch b;
    b.Put("a", "first value");
    b.Put("b", "second value");
    ASSERT_OK(db->Write(b));
    ASSERT_OK(db->Seal());
  }
  const auto segs = FilesWithSuffix(tmp.path(), ".seg");
  ASSERT_EQ(segs.size(), 1u);
  // Each entry: 32-byte header, the key padded to 8, then the value.
  const std::string bytes = ReadAll(segs[0]);
  const size_t a_value = bytes.find("first value");
  const size_t b_value = bytes.find("second value");
  ASSERT_NE(a_value, std::string::npos);
  ASSERT_NE(b_value, std::string::npos);
  zverse::testing::FlipBit(segs[0], b_value, 1);  // Damaged before any read.
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(tmp.path(), o));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(db->Get("a").value_or("?"), "first value") << i;
    const absl::StatusOr<std::string> got = db->Get("b");
    EXPECT_TRUE(absl::IsDataLoss(got.status())) << i << ": " << got.status();
    const absl::StatusOr<std::vector<Entry>> scan = db->Scan("", "");
    EXPECT_TRUE(absl::IsDataLoss(scan.status())) << i << ": " << scan.status();
  }
  // "a" was verified; damage it now, under the open database: Verify finds
  // it, and a reopened database refuses to serve it.
  zverse::testing::FlipBit(segs[0], a_value, 1);
  const absl::Status v = db->Verify();
  EXPECT_TRUE(absl::IsDataLoss(v)) << v;
  db.reset();
  ASSERT_OK_AND_ASSIGN(db, DB::Open(tmp.path(), o));
  EXPECT_TRUE(absl::IsDataLoss(db->Get("a").status()));
}

// Two versions whose interleaved order and key-major order differ: "k001"
// at ts 1 sorts first interleaved (its timestamp byte 2, 0x00, comes before
// the key's last byte), "k000" at ts 2^40 first by key.
void WriteOrderProbe(const std::string& dir, Options::PhysicalOrder order) {
  Options o;
  o.physical_order = order;
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(dir, o));
  WriteOptions w;
  w.ts = uint64_t{1} << 40;
  ASSERT_OK(db->Put("k000", "a", w).status());
  w.ts = 1;
  ASSERT_OK(db->Put("k001", "b", w).status());
  ASSERT_OK(db->Seal());
  EXPECT_EQ(db->GetStats().key_major_segments,
            order == Options::PhysicalOrder::kKeyMajor ? 1u : 0u);
  ASSERT_OK(db->Verify());
}

TEST(SegmentOrderTest, EachOrderIsWhatTheFileHolds) {
  for (const auto order : {Options::PhysicalOrder::kInterleaved,
                           Options::PhysicalOrder::kKeyMajor}) {
    TempDir tmp;
    ASSERT_NO_FATAL_FAILURE(WriteOrderProbe(tmp.path(), order));
    const auto segs = FilesWithSuffix(tmp.path(), ".seg");
    ASSERT_EQ(segs.size(), 1u);
    const std::string data = ReadAll(segs[0]);
    const size_t k000 = data.find("k000"), k001 = data.find("k001");
    ASSERT_NE(k000, std::string::npos);
    ASSERT_NE(k001, std::string::npos);
    const bool key_major = order == Options::PhysicalOrder::kKeyMajor;
    EXPECT_EQ(k000 < k001, key_major);
    EXPECT_EQ(static_cast<unsigned char>(data[12]), key_major ? 1 : 0);
    // Reopened under the other order, the segment keeps its own.
    Options o;
    o.physical_order = key_major ? Options::PhysicalOrder::kInterleaved
                                 : Options::PhysicalOrder::kKeyMajor;
    ASSERT_OK_AND_ASSIGN(auto db, DB::Open(tmp.path(), o));
    EXPECT_EQ(db->GetStats().key_major_segments, key_major ? 1u : 0u);
    ASSERT_OK(db->Verify());
    ASSERT_OK_AND_ASSIGN(std::vector<Entry> all, db->Scan("", ""));
    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].key, "k000");
    EXPECT_EQ(all[1].key, "k001");
  }
}

TEST(SegmentOrderTest, UnknownSegmentFlagsAreUnimplemented) {
  TempDir tmp;
  ASSERT_NO_FATAL_FAILURE(
      WriteOrderProbe(tmp.path(), Options::PhysicalOrder::kKeyMajor));
  const auto segs = FilesWithSuffix(tmp.path(), ".seg");
  ASSERT_EQ(segs.size(), 1u);
  std::string data = ReadAll(segs[0]);
  data[12] = 3;  // Key-major and a bit no build knows.
  const uint64_t sum = internal::Checksum(data.data(), 56);
  std::memcpy(data.data() + 56, &sum, 8);  // Little-endian (x86, arm64).
  zverse::testing::WriteAll(segs[0], data);
  absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(tmp.path());
  ASSERT_FALSE(db.ok());
  EXPECT_TRUE(absl::IsUnimplemented(db.status())) << db.status();
  EXPECT_TRUE(absl::StrContains(db.status().message(), segs[0]))
      << db.status();
}

// Seeks go through the fence block (every 32nd directory key) and then one
// stride of the directory: every start key, at and around the strides'
// boundaries, must land where a sorted map says, in both physical orders.
TEST(SegmentFenceTest, SeeksMatchASortedMapAtEveryStride) {
  for (const auto order : {Options::PhysicalOrder::kInterleaved,
                           Options::PhysicalOrder::kKeyMajor}) {
    TempDir tmp;
    Options o;
    o.physical_order = order;
    ASSERT_OK_AND_ASSIGN(auto db, DB::Open(tmp.path(), o));
    std::map<std::string, int> model;
    std::mt19937_64 rng(11);
    WriteBatch b;
    for (int i = 0; i < 3000; ++i) {
      const std::string k = absl::StrFormat("k%05d", static_cast<int>(rng() % 5000));
      b.Put(k, "v");  // Some keys twice: runs of versions cross strides.
      model[k] = 1;
    }
    ASSERT_OK(db->Write(b));
    ASSERT_OK(db->Put("k00100", "again"));
    ASSERT_OK(db->Seal());
    ASSERT_OK(db->Verify());
    ASSERT_OK_AND_ASSIGN(Snapshot snap, db->GetSnapshot());
    int checked = 0;
    for (int probe = 0; probe <= 5000; ++probe) {
      for (const std::string& start :
           {absl::StrFormat("k%05d", probe), absl::StrFormat("k%05d!", probe)}) {
        std::string got;
        ASSERT_OK(snap.Scan(start, "", [&](const Record& r) {
          got = std::string(r.key);
          return false;
        }));
        const auto it = model.lower_bound(start);
        ASSERT_EQ(got, it == model.end() ? "" : it->first) << "from " << start;
        ++checked;
      }
    }
    EXPECT_EQ(checked, 10002);
    // The segment has a fence block: the footer says so.
    const auto segs = FilesWithSuffix(tmp.path(), ".seg");
    ASSERT_EQ(segs.size(), 1u);
    const std::string data = ReadAll(segs[0]);
    EXPECT_EQ(static_cast<unsigned char>(data[data.size() - 128 + 12]), 1);
  }
}

TEST(SegmentFenceTest, ADamagedFenceKeyIsFoundByVerify) {
  TempDir tmp;
  {
    ASSERT_OK_AND_ASSIGN(auto db, DB::Open(tmp.path()));
    WriteBatch b;
    for (int i = 0; i < 100; ++i) b.Put(absl::StrFormat("key%03d", i), "v");
    ASSERT_OK(db->Write(b));
    ASSERT_OK(db->Seal());
  }
  const auto segs = FilesWithSuffix(tmp.path(), ".seg");
  ASSERT_EQ(segs.size(), 1u);
  std::string data = ReadAll(segs[0]);
  const size_t fo = data.size() - 128;
  auto u64 = [&](size_t at) {
    uint64_t v;
    std::memcpy(&v, data.data() + at, 8);
    return v;
  };
  const uint64_t dir_offset = u64(fo + 56);
  const uint64_t fence = u64(fo + 64) + 32 * u64(fo + 72);
  uint32_t count;
  std::memcpy(&count, data.data() + fence + 4, 4);
  ASSERT_EQ(count, 4u);  // Keys 0, 32, 64, 96.
  const size_t keys_at = fence + 8 + 4 * (count + 1);
  ASSERT_EQ(data.substr(keys_at, 6), "key000");
  data[keys_at] = 'j';  // Still sorts first: no seek goes wrong, but...
  // ...with the checksums made to match, only Verify can tell.
  const uint64_t index_sum =
      internal::Checksum(data.data() + dir_offset, fo - dir_offset);
  std::memcpy(data.data() + fo + 112, &index_sum, 8);
  const uint64_t footer_sum = internal::Checksum(data.data() + fo, 120);
  std::memcpy(data.data() + fo + 120, &footer_sum, 8);
  zverse::testing::WriteAll(segs[0], data);
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(tmp.path()));
  const absl::Status v = db->Verify();
  EXPECT_TRUE(absl::IsDataLoss(v)) << v;
  EXPECT_TRUE(absl::StrContains(v.message(), "fence key")) << v;
  EXPECT_EQ(*db->Get("key050"), "v");
}

}  // namespace
}  // namespace zverse::kv
