// Snapshot::Prefetch: the extents it advises, observed through an Env whose
// mappings record every WillNeed call, must cover every version of every key
// in the ranges given (checked against the entries' addresses in the
// mapping, which Scan and History hand out as views), be in physical order
// and disjoint, and stop when the hints are switched off.

#include <sys/mman.h>
#include <sys/statfs.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "kv/env.h"
#include "tests/test_util.h"

namespace zverse::kv {
namespace {

using ::zverse::testing::TempDir;

// Records the WillNeed calls on every mapping, with the mapping's address.
class RecordingEnv : public EnvWrapper {
 public:
  struct Call {
    const char* base;
    size_t offset;
    size_t length;
  };

  RecordingEnv() : EnvWrapper(Env::Default()) {}

  absl::StatusOr<std::unique_ptr<MappedRegion>> MapReadOnly(
      const std::string& path, uint64_t length) override {
    auto region = target()->MapReadOnly(path, length);
    if (!region.ok()) return region.status();
    return std::unique_ptr<MappedRegion>(
        new Region(this, std::move(region).value()));
  }

  std::vector<Call> TakeCalls() {
    std::lock_guard<std::mutex> l(mu_);
    return std::exchange(calls_, {});
  }
  // Advise calls (madvise other than WILLNEED), with their advice.
  struct AdviseCall {
    size_t offset;
    size_t length;
    MappedRegion::Advice advice;
  };
  std::vector<AdviseCall> TakeAdvice() {
    std::lock_guard<std::mutex> l(mu_);
    return std::exchange(advice_, {});
  }
  // Whether mappings answer Missing (mincore); by default they cannot tell
  // (-1), so that every prediction is advised and recorded.
  void set_forward_missing(bool on) { forward_missing_ = on; }

 private:
  class Region : public MappedRegion {
   public:
    Region(RecordingEnv* env, std::unique_ptr<MappedRegion> r)
        : env_(env), r_(std::move(r)) {}
    const char* data() const override { return r_->data(); }
    size_t size() const override { return r_->size(); }
    void WillNeed(size_t offset, size_t length) const override {
      {
        std::lock_guard<std::mutex> l(env_->mu_);
        env_->calls_.push_back(Call{r_->data(), offset, length});
      }
      r_->WillNeed(offset, length);
    }
    void DontNeed(size_t offset, size_t length) const override {
      r_->DontNeed(offset, length);
    }
    int Resident(size_t offset) const override { return r_->Resident(offset); }
    int64_t Missing(size_t offset, size_t length, size_t* first,
                    size_t* end) const override {
      if (!env_->forward_missing_) return -1;
      return r_->Missing(offset, length, first, end);
    }
    void Advise(size_t offset, size_t length, Advice advice) const override {
      {
        std::lock_guard<std::mutex> l(env_->mu_);
        env_->advice_.push_back(AdviseCall{offset, length, advice});
      }
      r_->Advise(offset, length, advice);
    }

   private:
    RecordingEnv* env_;
    std::unique_ptr<MappedRegion> r_;
  };

  std::mutex mu_;
  std::vector<Call> calls_;
  std::vector<AdviseCall> advice_;
  std::atomic<bool> forward_missing_{false};
};

std::string Key(int group, int i) {
  return absl::StrFormat("g%04d/%04d", group, i);
}

class PrefetchTest : public ::testing::Test {
 protected:
  void Open(bool hints = true, bool adaptive = false, uint32_t threads = 0) {
    db_.reset();
    Options o;
    o.prefetch_threads = threads;
    // These segments are small: read at random all the same, so that the
    // prefetcher's part is what is tested (see ...SmallSegmentsKeep...).
    o.random_access_min_bytes = random_min_bytes_;
    o.env = &env_;
    o.sync_mode = SyncMode::kNever;
    o.prefetch_hints = hints;
    o.adaptive_prefetch = adaptive;
    o.background_compaction = false;
    ASSERT_OK_AND_ASSIGN(db_, DB::Open(dir_.path(), o));
  }

  // Writes `groups` groups of keys, each key with several versions spread
  // over time, in several segments.
  void Fill(int groups) {
    std::mt19937_64 rng(7);
    for (int round = 0; round < 3; ++round) {
      WriteBatch b;
      for (int g = 0; g < groups; ++g) {
        const int n = 1 + static_cast<int>(rng() % 12);
        for (int i = 0; i < n; ++i) {
          b.Put(Key(g, i), std::string(rng() % 300, 'v'));
        }
      }
      ASSERT_OK(db_->Write(b));
      ASSERT_OK(db_->Seal());
    }
  }

  // Keys k000000 ... k019999, one version each, 200-byte values, in one
  // sealed segment (about 1,200 pages).
  void FillKeys() {
    WriteBatch b;
    for (int i = 0; i < 20000; ++i) {
      b.Put(absl::StrFormat("k%06d", i), std::string(200, 'a' + i % 26));
    }
    ASSERT_OK(db_->Write(b));
    ASSERT_OK(db_->Seal());
  }

  // Entry addresses of every version of every key in [start, end).
  std::vector<const char*> EntriesIn(const Snapshot& snap,
                                     const std::string& start,
                                     const std::string& end) {
    std::vector<std::string> keys;
    EXPECT_OK(snap.Scan(start, end, [&](const Record& r) {
      keys.emplace_back(r.key);
      return true;
    }));
    std::vector<const char*> out;
    for (const std::string& k : keys) {
      EXPECT_OK(snap.History(k, [&](const Record& r) {
        out.push_back(r.key.data());  // Inside the entry, after its header.
        return true;
      }));
    }
    return out;
  }

  RecordingEnv env_;
  TempDir dir_;
  std::unique_ptr<DB> db_;
  uint64_t random_min_bytes_ = 1;
};

TEST_F(PrefetchTest, AdvisedExtentsCoverEveryVersionInTheRanges) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(Fill(400));
  ASSERT_EQ(db_->GetStats().segments, 3u);
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<std::string> bounds;
    const int n = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < n; ++i) {
      const int g = static_cast<int>(rng() % 420);  // Some groups are empty.
      bounds.push_back(absl::StrFormat("g%04d/", g));
      bounds.push_back(absl::StrFormat("g%04d0", g));
    }
    std::vector<KeyRange> ranges;
    for (int i = 0; i < n; ++i) {
      ranges.push_back(KeyRange{bounds[2 * i], bounds[2 * i + 1]});
    }
    env_.TakeCalls();
    const PrefetchStats stats = snap.Prefetch(ranges);
    std::vector<RecordingEnv::Call> calls = env_.TakeCalls();
    EXPECT_EQ(stats.ranges, static_cast<uint64_t>(n));
    EXPECT_EQ(stats.extents, calls.size());
    uint64_t bytes = 0;
    for (const auto& c : calls) {
      EXPECT_EQ(c.offset % 4096, 0u);
      EXPECT_EQ(c.length % 4096, 0u);
      bytes += c.length;
    }
    EXPECT_EQ(stats.bytes, bytes);
    // In physical order within a file, and disjoint.
    std::map<const char*, std::vector<std::pair<size_t, size_t>>> by_file;
    for (const auto& c : calls) {
      by_file[c.base].emplace_back(c.offset, c.offset + c.length);
    }
    for (auto& [base, v] : by_file) {
      for (size_t i = 1; i < v.size(); ++i) {
        EXPECT_LT(v[i - 1].second, v[i].first + 1) << "overlapping extents";
        EXPECT_LT(v[i - 1].first, v[i].first) << "not in physical order";
      }
    }
    // Every version of every key in the ranges lies in an advised extent.
    size_t checked = 0;
    for (int i = 0; i < n; ++i) {
      for (const char* p : EntriesIn(snap, bounds[2 * i], bounds[2 * i + 1])) {
        ++checked;
        const bool covered = std::any_of(
            calls.begin(), calls.end(), [&](const RecordingEnv::Call& c) {
              return p >= c.base + c.offset && p < c.base + c.offset + c.length;
            });
        EXPECT_TRUE(covered) << "an entry of range " << i << " is not advised";
      }
    }
    if (checked == 0) {
      EXPECT_EQ(calls.size(), 0u);
    }
  }
  const Stats st = db_->GetStats();
  EXPECT_EQ(st.prefetch_calls, 50u);
  EXPECT_GT(st.prefetch_bytes, 0u);
}

TEST_F(PrefetchTest, OneKeyRangesAdviseTheVersionAsOfTheSnapshot) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(Fill(300));
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  std::mt19937_64 rng(5);
  int checked = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const std::string key = Key(static_cast<int>(rng() % 320),
                                static_cast<int>(rng() % 12));
    const std::string end = key + std::string(1, '\0');
    env_.TakeCalls();
    const PrefetchStats stats = snap.Prefetch({KeyRange{key, end}});
    const std::vector<RecordingEnv::Call> calls = env_.TakeCalls();
    absl::StatusOr<Record> r = snap.GetRecord(key);
    if (!r.ok()) {
      EXPECT_EQ(stats.extents, 0u) << key;
      continue;
    }
    ++checked;
    const char* p = r->key.data();
    EXPECT_TRUE(std::any_of(calls.begin(), calls.end(),
                            [&](const RecordingEnv::Call& c) {
                              return p >= c.base + c.offset &&
                                     p < c.base + c.offset + c.length;
                            }))
        << key;
  }
  EXPECT_GT(checked, 50);
}

TEST_F(PrefetchTest, SwitchedOffItAdvisesNothing) {
  ASSERT_NO_FATAL_FAILURE(Open(/*hints=*/false));
  ASSERT_NO_FATAL_FAILURE(Fill(50));
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  const std::vector<KeyRange> all = {KeyRange{"", ""}};
  env_.TakeCalls();
  EXPECT_EQ(snap.Prefetch(all).extents, 0u);
  EXPECT_TRUE(env_.TakeCalls().empty());
  // Switched on at run time, for snapshots taken before too.
  db_->SetPrefetchHints(true);
  const PrefetchStats on = snap.Prefetch(all);
  EXPECT_GT(on.extents, 0u);
  EXPECT_EQ(env_.TakeCalls().size(), on.extents);
  db_->SetPrefetchHints(false);
  EXPECT_EQ(snap.Prefetch(all).extents, 0u);
  EXPECT_EQ(db_->GetStats().prefetch_calls, 1u);
}

TEST_F(PrefetchTest, UnsealedDataAndPastSnapshotsNeedNoPages) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_OK(db_->Put("a", "1"));
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  env_.TakeCalls();
  EXPECT_EQ(snap.Prefetch({KeyRange{"", ""}}).extents, 0u)
      << "the log's entries are in memory";
  ASSERT_OK(db_->Seal());
  ASSERT_OK_AND_ASSIGN(Snapshot sealed, db_->GetSnapshot());
  EXPECT_EQ(sealed.Prefetch({KeyRange{"", ""}}).extents, 1u);
  // A snapshot older than every version in the segment skips it.
  ASSERT_OK_AND_ASSIGN(Snapshot before, db_->GetSnapshot(1));
  EXPECT_EQ(before.Prefetch({KeyRange{"", ""}}).extents, 0u);
  EXPECT_EQ(Snapshot().Prefetch({KeyRange{"", ""}}).extents, 0u);
}

// Pages of `path` in the page cache, by mincore on a mapping of our own
// (which touches nothing).
size_t ResidentPages(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return 0;
  const size_t size = static_cast<size_t>(::lseek(fd, 0, SEEK_END));
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) return 0;
  const size_t pages = (size + 4095) / 4096;
  std::vector<unsigned char> v(pages);
  ::mincore(p, size, v.data());
  ::munmap(p, size);
  size_t n = 0;
  for (unsigned char c : v) n += c & 1;
  return n;
}

// The adaptive prefetcher (Options::adaptive_prefetch) sees a full scan
// walk a segment page by page and advises the pages ahead of it; the scan's
// results do not change.
TEST_F(PrefetchTest, TheAdaptivePrefetcherAdvisesAheadOfAScan) {
  ASSERT_NO_FATAL_FAILURE(Open(/*hints=*/true, /*adaptive=*/true));
  ASSERT_NO_FATAL_FAILURE(FillKeys());
  env_.TakeCalls();
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  std::vector<std::string> with;
  ASSERT_OK(snap.Scan("", "", [&](const Record& r) {
    with.emplace_back(r.key);
    return true;
  }));
  std::vector<RecordingEnv::Call> calls = env_.TakeCalls();
  const Stats st = db_->GetStats();
  ASSERT_EQ(st.segments, 1u);
  // The first advice is the segment's fence block, which ends at the
  // footer; the rest are the predictions.
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls[0].offset + calls[0].length, st.segment_bytes - 128);
  EXPECT_GT(calls[0].offset, st.segment_bytes - st.index_bytes);
  calls.erase(calls.begin());
  // About once per data page (the index follows the data).
  EXPECT_GE(st.locality_records, (st.segment_bytes - st.index_bytes) / 4096 - 4);
  EXPECT_LE(st.locality_records, st.segment_bytes / 4096 + 1);
  EXPECT_GT(st.adaptive_predictions, 2u);
  EXPECT_GT(st.adaptive_hits, st.locality_records / 2)
      << "most pages were inside a prediction";
  EXPECT_EQ(calls.size(), st.adaptive_predictions);
  // Ascending, each starting past the last, inside the file.
  for (size_t i = 1; i < calls.size(); ++i) {
    EXPECT_GT(calls[i].offset, calls[i - 1].offset);
    EXPECT_LE(calls[i].offset + calls[i].length, st.segment_bytes);
  }
  EXPECT_GT(st.resident_samples, 0u);
  // Off: the same answer, and nothing advised.
  db_->SetAdaptivePrefetch(false);
  std::vector<std::string> without;
  ASSERT_OK(snap.Scan("", "", [&](const Record& r) {
    without.emplace_back(r.key);
    return true;
  }));
  EXPECT_EQ(with, without);
  EXPECT_TRUE(env_.TakeCalls().empty());
  EXPECT_EQ(db_->GetStats().locality_records, st.locality_records);
}

TEST_F(PrefetchTest, ABoundedScanIsNotPredictedPastItsEnd) {
  ASSERT_NO_FATAL_FAILURE(Open(/*hints=*/true, /*adaptive=*/true));
  ASSERT_NO_FATAL_FAILURE(FillKeys());
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  env_.TakeCalls();
  uint64_t last = 0;
  size_t n = 0;
  // Long enough to be predicted (about 120 pages), and bounded.
  ASSERT_OK(snap.Scan("k001000", "k003000", [&](const Record& r) {
    ++n;
    last = std::max(last, reinterpret_cast<uint64_t>(r.key.data()));
    return true;
  }));
  EXPECT_EQ(n, 2000u);
  const Stats st = db_->GetStats();
  EXPECT_GT(st.adaptive_predictions, 0u);
  uint64_t predicted_end = 0;
  for (const RecordingEnv::Call& c : env_.TakeCalls()) {
    if (c.offset + c.length == st.segment_bytes - 128) continue;  // Fence.
    const uint64_t end = reinterpret_cast<uint64_t>(c.base) + c.offset + c.length;
    predicted_end = std::max(predicted_end, end);
  }
  ASSERT_GT(predicted_end, 0u);
  EXPECT_LE(predicted_end, (last | 4095) + 1)
      << "a prediction reached past the scan's last entry's page";
}

TEST_F(PrefetchTest, RandomGetsPredictLittle) {
  ASSERT_NO_FATAL_FAILURE(Open(/*hints=*/true, /*adaptive=*/true));
  ASSERT_NO_FATAL_FAILURE(FillKeys());
  std::mt19937_64 rng(3);
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  for (int i = 0; i < 5000; ++i) {
    ASSERT_OK(snap.Get(absl::StrFormat("k%06d", rng() % 20000)).status());
  }
  const Stats st = db_->GetStats();
  EXPECT_EQ(st.locality_records, 5000u);
  EXPECT_LT(st.adaptive_predictions, 5000u / 50);
}

TEST_F(PrefetchTest, HintsCountForTheAccuracyAndAreNotAdvisedTwice) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(Fill(400));
  db_->SetLocalityStats(true);
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  std::vector<std::string> keys;  // (KeyRange holds views.)
  for (int g = 0; g < 400; g += 8) {
    keys.push_back(Key(g, 0));
    keys.push_back(Key(g, 0) + std::string(1, '\0'));
  }
  std::vector<KeyRange> ranges;
  for (size_t i = 0; i < keys.size(); i += 2) {
    ranges.push_back(KeyRange{keys[i], keys[i + 1]});
  }
  env_.TakeCalls();
  const PrefetchStats first = snap.Prefetch(ranges);
  EXPECT_GT(first.bytes, 0u);
  const Stats a = db_->GetStats();
  EXPECT_EQ(a.prefetched_pages * 4096, first.bytes)
      << "every advised page is claimed once";
  ASSERT_FALSE(env_.TakeCalls().empty());
  // The same hints again: their pages are claimed, nothing is advised.
  const PrefetchStats again = snap.Prefetch(ranges);
  EXPECT_EQ(again.bytes, 0u);
  EXPECT_TRUE(env_.TakeCalls().empty());
  EXPECT_EQ(db_->GetStats().prefetched_pages, a.prefetched_pages);
  // Reading the keys uses the pages: the hint named only the version a read
  // takes (one segment of the three), so most pages are used.
  for (const KeyRange& r : ranges) ASSERT_OK(snap.Get(r.start).status());
  const Stats b = db_->GetStats();
  EXPECT_GT(b.prefetch_used_pages, 0u);
  EXPECT_LE(b.prefetch_used_pages, b.prefetched_pages);
  EXPECT_GE(2 * b.prefetch_used_pages, b.prefetched_pages)
      << "used " << b.prefetch_used_pages << " of " << b.prefetched_pages;
  // Dropped from memory, the claims expire, and the hints advise again.
  ASSERT_OK(db_->DropCaches());
  EXPECT_EQ(db_->GetStats().prefetch_expired_pages,
            b.prefetched_pages - b.prefetch_used_pages);
  EXPECT_GT(snap.Prefetch(ranges).bytes, 0u);
  // Without statistics nothing is claimed, and everything is advised.
  db_->SetLocalityStats(false);
  EXPECT_EQ(snap.Prefetch(ranges).bytes, first.bytes);
}

TEST_F(PrefetchTest, OneKeyHintsSkipKeysWhoseNewestVersionIsUnsealed) {
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(Fill(50));
  ASSERT_OK(db_->Put(Key(7, 0), "newer, in the log"));
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  const std::string k = Key(7, 0), k_end = k + std::string(1, '\0');
  EXPECT_EQ(snap.Prefetch({KeyRange{k, k_end}}).bytes, 0u);
  const std::string other = Key(8, 0), other_end = other + std::string(1, '\0');
  EXPECT_GT(snap.Prefetch({KeyRange{other, other_end}}).bytes, 0u);
}

TEST_F(PrefetchTest, WarmPagesAreNotAdvisedAndThePredictionsBackOff) {
  env_.set_forward_missing(true);
  ASSERT_NO_FATAL_FAILURE(Open(/*hints=*/true, /*adaptive=*/true));
  ASSERT_NO_FATAL_FAILURE(FillKeys());
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  size_t n = 0;
  auto scan = [&] {
    return snap.Scan("", "", [&](const Record&) {
      ++n;
      return true;
    });
  };
  ASSERT_OK(scan());  // Now every page is in memory.
  env_.TakeCalls();
  env_.TakeAdvice();
  const Stats before = db_->GetStats();
  ASSERT_OK(scan());
  const Stats after = db_->GetStats();
  EXPECT_EQ(n, 40000u);
  const uint64_t handed = after.adaptive_predictions - before.adaptive_predictions;
  const uint64_t skipped = after.adaptive_suppressed - before.adaptive_suppressed;
  EXPECT_GT(handed + skipped, 2u);
  EXPECT_GT(skipped, 0u) << "resident predictions back off";
  EXPECT_TRUE(env_.TakeCalls().empty()) << "nothing to read: nothing advised";
  EXPECT_EQ(after.adaptive_prefetch_bytes, before.adaptive_prefetch_bytes);
  // The scan is long: its part of the file was advised sequential (once per
  // scan), and a read elsewhere ends that.
  EXPECT_GE(after.sequential_advice, 2u);
  // (The second scan's first page ended the first scan's advice.)
  std::vector<RecordingEnv::AdviseCall> advice = env_.TakeAdvice();
  ASSERT_EQ(advice.size(), 2u);
  // (Random: what the prefetcher keeps its files at, see the next test.)
  EXPECT_EQ(advice[0].advice, MappedRegion::Advice::kRandom);
  EXPECT_EQ(advice[1].advice, MappedRegion::Advice::kSequential);
  EXPECT_EQ(advice[1].offset + advice[1].length, advice[0].offset + advice[0].length)
      << "to the end of the file";
  ASSERT_OK(snap.Get("k000000").status());
  advice = env_.TakeAdvice();
  ASSERT_EQ(advice.size(), 1u);
  EXPECT_EQ(advice[0].advice, MappedRegion::Advice::kRandom);
}

TEST_F(PrefetchTest, ThePrefetcherTakesOverReadAheadAndHandsItBack) {
  ASSERT_NO_FATAL_FAILURE(Open(/*hints=*/true, /*adaptive=*/false));
  ASSERT_NO_FATAL_FAILURE(Fill(300));
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  env_.TakeAdvice();
  ASSERT_OK(snap.Get(Key(1, 0)).status());
  EXPECT_TRUE(env_.TakeAdvice().empty()) << "off: the kernel's defaults";
  // On: each segment a read touches goes random, whole, once.
  db_->SetAdaptivePrefetch(true);
  for (int i = 0; i < 20; ++i) ASSERT_OK(snap.Get(Key(i, 0)).status());
  std::vector<RecordingEnv::AdviseCall> advice = env_.TakeAdvice();
  const Stats st = db_->GetStats();
  ASSERT_GE(st.segments, 1u);
  ASSERT_LE(advice.size(), st.segments);
  ASSERT_FALSE(advice.empty());
  for (const auto& a : advice) {
    EXPECT_EQ(a.advice, MappedRegion::Advice::kRandom);
    EXPECT_EQ(a.offset, 0u);
  }
  // Off again: back to normal, once.
  db_->SetAdaptivePrefetch(false);
  for (int i = 0; i < 20; ++i) ASSERT_OK(snap.Get(Key(i, 0)).status());
  const std::vector<RecordingEnv::AdviseCall> back = env_.TakeAdvice();
  ASSERT_EQ(back.size(), advice.size());
  for (const auto& a : back) EXPECT_EQ(a.advice, MappedRegion::Advice::kNormal);
}

TEST_F(PrefetchTest, BackgroundHintsAdviseWhatTheCallerWouldHave) {
  ASSERT_NO_FATAL_FAILURE(Open(/*hints=*/true, /*adaptive=*/true, /*threads=*/4));
  ASSERT_NO_FATAL_FAILURE(Fill(600));
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  std::vector<std::string> keys;
  for (int g = 0; g < 600; g += 3) {
    keys.push_back(Key(g, 0));
    keys.push_back(Key(g, 0) + "~");
  }
  std::vector<KeyRange> ranges;
  for (size_t i = 0; i < keys.size(); i += 2) {
    ranges.push_back(KeyRange{keys[i], keys[i + 1]});
  }
  ASSERT_TRUE(snap.PrefetchesInBackground());
  env_.TakeCalls();
  const PrefetchStats bg = snap.Prefetch(ranges);
  EXPECT_EQ(bg.queued, ranges.size());
  EXPECT_EQ(bg.dropped, 0u);
  EXPECT_EQ(bg.bytes, 0u) << "counted by the workers, in Stats";
  db_->WaitForHints();
  const Stats a = db_->GetStats();
  EXPECT_EQ(a.prefetch_queued, ranges.size());
  EXPECT_GT(a.prefetch_calls, 1u) << "split among the workers";
  EXPECT_GT(a.prefetch_bytes, 0u);
  EXPECT_EQ(a.prefetch_bytes, a.prefetched_pages * 4096);
  // The same hints on the caller's thread, claims forgotten: the same pages.
  ASSERT_OK(db_->DropCaches());
  db_->SetAdaptivePrefetch(false);
  db_->SetLocalityStats(true);
  ASSERT_FALSE(snap.PrefetchesInBackground());
  const PrefetchStats fg = snap.Prefetch(ranges);
  EXPECT_EQ(fg.queued, 0u);
  EXPECT_EQ(fg.bytes, a.prefetch_bytes);
  EXPECT_EQ(db_->GetStats().prefetched_pages, 2 * a.prefetched_pages);
}

TEST_F(PrefetchTest, SmallSegmentsKeepTheKernelsReadAround) {
  random_min_bytes_ = uint64_t{1} << 40;
  ASSERT_NO_FATAL_FAILURE(Open(/*hints=*/true, /*adaptive=*/true));
  ASSERT_NO_FATAL_FAILURE(Fill(300));
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  env_.TakeAdvice();
  for (int i = 0; i < 20; ++i) ASSERT_OK(snap.Get(Key(i, 0)).status());
  for (const auto& a : env_.TakeAdvice()) {
    EXPECT_NE(a.advice, MappedRegion::Advice::kRandom);
  }
}

TEST_F(PrefetchTest, HintsOnResidentPagesBackOffUntilTheCachesDrop) {
  env_.set_forward_missing(true);
  ASSERT_NO_FATAL_FAILURE(Open(/*hints=*/true, /*adaptive=*/true, /*threads=*/2));
  ASSERT_NO_FATAL_FAILURE(Fill(300));
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  ASSERT_OK(snap.Scan("", "", [](const Record&) { return true; }));
  const std::string from = Key(10, 0), to = Key(20, 0);
  const std::vector<KeyRange> ranges(4, KeyRange{from, to});
  env_.TakeCalls();
  // Everything is in memory: the workers advise nothing, and the hints
  // that follow are skipped, more of them each time.
  uint64_t skipped = 0;
  for (int i = 0; i < 40; ++i) {
    skipped += snap.Prefetch(ranges).skipped;
    db_->WaitForHints();
  }
  EXPECT_GT(skipped, 20 * ranges.size());
  EXPECT_EQ(db_->GetStats().prefetch_skipped, skipped);
  EXPECT_EQ(db_->GetStats().prefetch_bytes, 0u);
  // (The fence block was advised once when the prefetcher first saw the
  // segments; no hint advised anything.)
  for (const auto& call : env_.TakeCalls()) {
    EXPECT_GT(call.offset, db_->GetStats().segment_bytes / 2);
  }
  // Dropped caches end the back-off, and the pages get advised.
  struct statfs fs;
  ASSERT_EQ(::statfs(dir_.path().c_str(), &fs), 0);
  if (fs.f_type == 0x01021994) GTEST_SKIP() << "tmpfs keeps its pages";
  ASSERT_OK(db_->DropCaches());
  EXPECT_EQ(snap.Prefetch(ranges).skipped, 0u);
  db_->WaitForHints();
  EXPECT_GT(db_->GetStats().prefetch_bytes, 0u);
}

TEST_F(PrefetchTest, HintsOnTheCallersThreadBackOffOnResidentPagesToo) {
  env_.set_forward_missing(true);
  ASSERT_NO_FATAL_FAILURE(Open(/*hints=*/true, /*adaptive=*/false));
  ASSERT_NO_FATAL_FAILURE(Fill(300));
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  ASSERT_OK(snap.Scan("", "", [](const Record&) { return true; }));
  ASSERT_FALSE(snap.PrefetchesInBackground());
  const std::string from = Key(10, 0), to = Key(20, 0);
  const std::vector<KeyRange> ranges(4, KeyRange{from, to});
  env_.TakeCalls();
  // The first hint is resolved and advised whole (the prefetcher is off:
  // nothing is trimmed); its pages were in memory, so the next calls skip,
  // more of them each time, and skipping builds nothing.
  const PrefetchStats first = snap.Prefetch(ranges);
  EXPECT_EQ(first.skipped, 0u);
  EXPECT_GT(first.bytes, 0u);
  EXPECT_EQ(env_.TakeCalls().size(), first.extents);
  const uint64_t skipped_before = db_->GetStats().prefetch_skipped;
  uint64_t skipped = 0, resolved = 0, advised = 0;
  for (int i = 0; i < 100; ++i) {
    const PrefetchStats st = snap.Prefetch(ranges);
    skipped += st.skipped;
    if (st.skipped == 0) ++resolved;
    advised += st.bytes;
  }
  EXPECT_GT(skipped, 80 * ranges.size());
  EXPECT_EQ(skipped + resolved * ranges.size(), 100 * ranges.size());
  EXPECT_EQ(advised, resolved * first.bytes);
  EXPECT_EQ(env_.TakeCalls().size(), resolved * first.extents);
  EXPECT_EQ(db_->GetStats().prefetch_skipped - skipped_before, skipped);
  // A caller that asks first (SkipNextHint) need not build a skipped
  // hint's ranges: right after a resolved hint that found memory, it may.
  int spins = 0;
  while (snap.Prefetch(ranges).skipped > 0) ASSERT_LT(++spins, 100);
  EXPECT_TRUE(snap.SkipNextHint()) << "the hint just resolved found memory";
  // Without residency answers (an Env that cannot tell) nothing backs off.
  env_.set_forward_missing(false);
  ASSERT_OK(db_->DropCaches());
  for (int i = 0; i < 10; ++i) {
    const PrefetchStats st = snap.Prefetch(ranges);
    EXPECT_EQ(st.skipped, 0u) << i;
    EXPECT_EQ(st.bytes, first.bytes) << i;
  }
}

TEST_F(PrefetchTest, CloseDropsQueuedHintsAndLaterSnapshotsHintThemselves) {
  ASSERT_NO_FATAL_FAILURE(Open(/*hints=*/true, /*adaptive=*/true, /*threads=*/2));
  ASSERT_NO_FATAL_FAILURE(Fill(300));
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  const std::string from = Key(0, 0), to = Key(299, 99);
  const std::vector<KeyRange> ranges(64, KeyRange{from, to});
  for (int i = 0; i < 50; ++i) snap.Prefetch(ranges);
  ASSERT_OK(db_->Close());
  // The snapshot outlives the database: its hints resolve on its thread.
  EXPECT_FALSE(snap.PrefetchesInBackground());
  const PrefetchStats after = snap.Prefetch(ranges);
  EXPECT_EQ(after.queued, 0u);
  db_.reset();
  EXPECT_EQ(snap.Prefetch(ranges).queued, 0u);
}

TEST_F(PrefetchTest, DropCachesEvictsTheFilesPages) {
  struct statfs fs;
  ASSERT_EQ(::statfs(dir_.path().c_str(), &fs), 0);
  if (fs.f_type == 0x01021994) GTEST_SKIP() << "tmpfs keeps its pages";
  ASSERT_NO_FATAL_FAILURE(Open());
  ASSERT_NO_FATAL_FAILURE(Fill(2000));
  ASSERT_OK(db_->Sync());
  ASSERT_OK_AND_ASSIGN(Snapshot snap, db_->GetSnapshot());
  auto read_all = [&] {
    size_t n = 0;
    EXPECT_OK(snap.Scan("", "", [&](const Record& r) {
      n += r.value.size();
      return true;
    }));
    return n;
  };
  const size_t bytes = read_all();
  std::vector<std::string> segs;
  for (const auto& f : std::filesystem::directory_iterator(dir_.path())) {
    if (f.path().extension() == ".seg") segs.push_back(f.path().string());
  }
  ASSERT_FALSE(segs.empty());
  size_t before = 0, after = 0;
  for (const auto& s : segs) before += ResidentPages(s);
  ASSERT_OK(db_->DropCaches());
  for (const auto& s : segs) after += ResidentPages(s);
  EXPECT_GT(before, 10u);
  EXPECT_LT(after, before / 10) << "before " << before << ", after " << after;
  // And everything reads back the same.
  EXPECT_EQ(read_all(), bytes);
}

}  // namespace
}  // namespace zverse::kv
