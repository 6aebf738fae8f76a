// The locality manager's bookkeeping and predictions (kv/internal/locality.h).

#include "kv/internal/locality.h"

#include <atomic>
#include <cstdint>
#include <random>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace zverse::kv::internal {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kFile = uint64_t{64} << 20;

TEST(LocalityTest, ASequentialScanIsPredictedWithAGrowingWindow) {
  LocalityManager m;
  const uint32_t f = m.Register(kFile);
  std::vector<LocalityManager::Prediction> preds;
  for (uint64_t off = 0; off < 4096 * kPage; off += kPage) {
    LocalityManager::Prediction p = m.Record(f, off, kPage);
    if (!p.range.empty()) {
      EXPECT_EQ(p.pattern, LocalityManager::Pattern::kSequential);
      EXPECT_EQ(p.range.offset, off + kPage) << "starts where the access ended";
      preds.push_back(p);
    }
  }
  ASSERT_GE(preds.size(), 3u);
  // The first window is as long as the scan so far (min_run pages).
  EXPECT_EQ(preds[0].range.length, m.config().min_run * kPage);
  // Hits double the window, up to the maximum.
  for (size_t i = 1; i < preds.size(); ++i) {
    EXPECT_GE(preds[i].range.length, preds[i - 1].range.length);
  }
  EXPECT_EQ(preds.back().range.length, m.config().max_window);
  const auto c = m.counters();
  EXPECT_EQ(c.records, 4096u);
  EXPECT_EQ(c.sequential, preds.size());
  EXPECT_EQ(c.frontier, 0u);
  // Almost every access after the first predictions landed in one.
  EXPECT_GT(c.hits, 4000u);
  // Not one prediction per access: a prediction covers many.
  EXPECT_LT(preds.size(), 40u);
}

TEST(LocalityTest, ADenseAscendingFrontierIsPredictedFromItsGaps) {
  LocalityManager m;
  const uint32_t f = m.Register(kFile);
  // Adjacency runs of 1 page, 2 pages apart: a dense frontier in physical
  // order.
  int predicted = 0;
  for (uint64_t i = 0; i < 200; ++i) {
    LocalityManager::Prediction p = m.Record(f, i * 3 * kPage, kPage);
    if (!p.range.empty()) {
      EXPECT_EQ(p.pattern, LocalityManager::Pattern::kFrontier);
      // Several gaps ahead.
      EXPECT_GE(p.range.length, 8 * 2 * kPage);
      ++predicted;
    }
  }
  EXPECT_GT(predicted, 2);
  EXPECT_EQ(m.counters().frontier, static_cast<uint64_t>(predicted));
}

TEST(LocalityTest, ASparseFrontierIsLeftToTheHints) {
  LocalityManager m;
  const uint32_t f = m.Register(kFile);
  // 10 pages between the runs: a guess from offsets would read mostly
  // pages nobody wants (the executor's hints name the right ones).
  for (uint64_t i = 0; i < 200; ++i) {
    EXPECT_TRUE(m.Record(f, i * 12 * kPage, 2 * kPage).range.empty());
  }
  EXPECT_EQ(m.counters().frontier, 0u);
}

TEST(LocalityTest, RandomAccessesPredictNothing) {
  LocalityManager m;
  const uint32_t f = m.Register(kFile);
  std::mt19937_64 rng(1);
  int predicted = 0;
  for (int i = 0; i < 10000; ++i) {
    const uint64_t off = (rng() % (kFile / kPage)) * kPage;
    predicted += !m.Record(f, off, 100).range.empty();
  }
  // An ascending run of 3 by chance happens, rarely.
  EXPECT_LT(predicted, 10000 / 50);
}

TEST(LocalityTest, APatternBrokenResetsTheWindow) {
  LocalityManager m;
  const uint32_t f = m.Register(kFile);
  for (uint64_t off = 0; off < 200 * kPage; off += kPage) m.Record(f, off, kPage);
  // Jump back: the scan is over.
  EXPECT_TRUE(m.Record(f, 10 * kPage, kPage).range.empty());
  // A new scan starts over at the smallest window.
  LocalityManager::Prediction first;
  for (uint64_t off = 11 * kPage; first.range.empty(); off += kPage) {
    first = m.Record(f, off, kPage);
  }
  EXPECT_EQ(first.range.length, m.config().min_run * kPage);
}

TEST(LocalityTest, PredictionsStopAtTheEndOfTheFile) {
  LocalityManager m;
  const uint32_t f = m.Register(100 * kPage);
  for (uint64_t off = 0; off + kPage <= 100 * kPage; off += kPage) {
    LocalityManager::Prediction p = m.Record(f, off, kPage);
    EXPECT_LE(p.range.offset + p.range.length, 100 * kPage);
  }
}

TEST(LocalityTest, HeatFindsHotAndColdRegionsAndDecays) {
  LocalityManager::Config c;
  c.region_shift = 16;  // 64 KiB regions.
  c.decay_every = 1024;
  LocalityManager m(c);
  const uint32_t f = m.Register(uint64_t{1} << 20);  // 16 regions.
  std::mt19937_64 rng(2);
  for (int i = 0; i < 900; ++i) {
    // Region 3 and 4 are hot; the rest gets a few touches.
    const uint64_t off = (i % 10 < 8) ? (3 << 16) + (rng() % (2 << 16))
                                      : rng() % (uint64_t{1} << 20);
    m.Record(f, off, 64);
  }
  EXPECT_GT(m.Heat(f, 3 << 16), 200u);
  const auto hot = m.HotRanges(f, 200);
  ASSERT_EQ(hot.size(), 1u);
  EXPECT_EQ(hot[0].offset, uint64_t{3} << 16);
  EXPECT_EQ(hot[0].length, uint64_t{2} << 16);
  const auto cold = m.ColdRanges(f, 50);
  ASSERT_EQ(cold.size(), 2u);
  EXPECT_EQ(cold[0].offset, 0u);
  EXPECT_EQ(cold[1].offset, uint64_t{5} << 16);
  const uint32_t before = m.Heat(f, 3 << 16);
  for (int i = 0; i < 124; ++i) m.Record(f, 15 << 16, 64);  // Reaches 1024.
  EXPECT_LE(m.Heat(f, 3 << 16), before / 2 + 1) << "heat halves";
}

TEST(LocalityTest, TheRingKeepsTheNewestAccesses) {
  LocalityManager::Config c;
  c.ring_entries = 8;
  c.ring_sample = 1;  // Every access.
  LocalityManager m(c);
  const uint32_t a = m.Register(kFile), b = m.Register(kFile);
  EXPECT_NE(a, b);
  for (uint64_t i = 0; i < 20; ++i) m.Record(i % 2 ? b : a, i * 100, i + 1);
  const auto recent = m.Recent(100);
  ASSERT_EQ(recent.size(), 8u);
  EXPECT_EQ(recent[0].offset, 1900u);
  EXPECT_EQ(recent[0].file, b);
  EXPECT_EQ(recent[0].length, 20u);
  EXPECT_EQ(recent[7].offset, 1200u);
  // Ids are reused after Unregister; the state starts over.
  m.Unregister(a);
  const uint32_t c2 = m.Register(kFile);
  EXPECT_EQ(c2, a);
  EXPECT_EQ(m.Heat(c2, 0), 0u);
}

TEST(LocalityTest, TheRingSamplesAccesses) {
  LocalityManager::Config c;
  c.ring_sample = 16;
  LocalityManager m(c);
  const uint32_t f = m.Register(kFile);
  for (uint64_t i = 1; i <= 1600; ++i) m.Record(f, i * 8, 1);
  const auto recent = m.Recent(1000);
  ASSERT_EQ(recent.size(), 100u);
  EXPECT_EQ(recent[0].offset, 1600u * 8);
  EXPECT_EQ(recent[1].offset, 1584u * 8);
}

// Patterns are per thread: two threads scanning the same file at once each
// get their own predictions.
TEST(LocalityTest, InterleavedScansOfTwoThreadsAreBothSeen) {
  LocalityManager m;
  const uint32_t f = m.Register(kFile);
  std::atomic<int> predicted[2] = {0, 0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      const uint64_t base = t * (kFile / 2);
      for (uint64_t off = 0; off < 2000 * kPage; off += kPage) {
        predicted[t] += !m.Record(f, base + off, kPage).range.empty();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_GT(predicted[0].load(), 3);
  EXPECT_GT(predicted[1].load(), 3);
}

TEST(LocalityTest, ThreadsRecordWithoutBlocking) {
  LocalityManager m;
  const uint32_t f = m.Register(kFile);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t off = 0; off < 20000 * kPage; off += kPage) {
        m.Record(f, off + t, kPage);
        (void)m.Heat(f, off);
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto c = m.counters();
  EXPECT_EQ(c.records, 80000u);
  // Each thread followed its own scan.
  EXPECT_GE(c.sequential, 4u);
  // (The scans run past the 64 MiB file: nothing is predicted there.)
  EXPECT_GT(c.hits, 4 * 16000u);
}

TEST(LocalityTest, ClaimsCountEachPageOnceUntilTouchedOrExpired) {
  LocalityManager::Config c;
  c.decay_every = 1024;  // The claim window turns over with the heat.
  LocalityManager m(c);
  const uint32_t f = m.Register(kFile);
  // Pages 10..19 claimed: all new.
  LocalityManager::Range r = m.Claim(f, 10 * kPage, 10 * kPage);
  EXPECT_EQ(r.offset, 10 * kPage);
  EXPECT_EQ(r.length, 10 * kPage);
  EXPECT_EQ(m.counters().advised_pages, 10u);
  // Claimed again: nothing new to advise.
  EXPECT_TRUE(m.Claim(f, 10 * kPage, 10 * kPage).empty());
  // 15..24: only 20..24 are new, and that is what comes back.
  r = m.Claim(f, 15 * kPage, 10 * kPage);
  EXPECT_EQ(r.offset, 20 * kPage);
  EXPECT_EQ(r.length, 5 * kPage);
  EXPECT_EQ(m.counters().advised_pages, 15u);
  // Touching claimed pages uses them, once each; other pages count nothing.
  m.Record(f, 12 * kPage, 2 * kPage, /*predict=*/false);  // 12, 13.
  m.Record(f, 12 * kPage + 100, 8, /*predict=*/false);     // 12 again.
  m.Record(f, 500 * kPage, kPage, /*predict=*/false);
  EXPECT_EQ(m.counters().used_pages, 2u);
  // A used page can be claimed again.
  r = m.Claim(f, 12 * kPage, kPage);
  EXPECT_EQ(r.length, kPage);
  EXPECT_EQ(m.counters().advised_pages, 16u);
  // The first turn of the window keeps the claims (one more window to be
  // touched in); the second expires what is left: 16 - 2 = 14 pages...
  for (int i = 0; i < 1024; ++i) m.Record(f, 900 * kPage, 8, false);
  EXPECT_EQ(m.counters().expired_pages, 0u);
  m.Record(f, 14 * kPage, 8, false);  // ... less this one, used in time.
  EXPECT_EQ(m.counters().used_pages, 3u);
  for (int i = 0; i < 1024; ++i) m.Record(f, 900 * kPage, 8, false);
  EXPECT_EQ(m.counters().expired_pages, 13u);
  m.Record(f, 15 * kPage, 8, false);  // Too late: not used.
  EXPECT_EQ(m.counters().used_pages, 3u);
  // ExpireClaims (the caller dropped the pages) and Unregister expire all.
  EXPECT_FALSE(m.Claim(f, 0, 4 * kPage).empty());
  m.ExpireClaims();
  EXPECT_EQ(m.counters().expired_pages, 17u);
  EXPECT_FALSE(m.Claim(f, 0, 2 * kPage).empty());
  m.Unregister(f);
  EXPECT_EQ(m.counters().expired_pages, 19u);
  const auto k = m.counters();
  EXPECT_EQ(k.advised_pages, k.used_pages + k.expired_pages);
}

TEST(LocalityTest, ClaimsStayInsideTheFileAndTheRange) {
  LocalityManager m;
  const uint32_t f = m.Register(10 * kPage + 100);
  const LocalityManager::Range r = m.Claim(f, 9 * kPage + 50, 100 * kPage);
  EXPECT_EQ(r.offset, 9 * kPage + 50);
  EXPECT_EQ(r.offset + r.length, 10 * kPage + 100);
  EXPECT_EQ(m.counters().advised_pages, 2u);
  EXPECT_TRUE(m.Claim(f, 20 * kPage, kPage).empty());
  // Across bitmap words (64 pages each).
  const LocalityManager::Range w = m.Claim(f, 0, 9 * kPage);
  EXPECT_EQ(w.length, 9 * kPage);
  LocalityManager big;
  const uint32_t g = big.Register(kFile);
  const LocalityManager::Range x = big.Claim(g, 60 * kPage, 200 * kPage);
  EXPECT_EQ(x.length, 200 * kPage);
  EXPECT_EQ(big.counters().advised_pages, 200u);
  const LocalityManager::Range y = big.Claim(g, 0, 300 * kPage);
  EXPECT_EQ(big.counters().advised_pages, 300u);
  EXPECT_EQ(y.offset, 0u);  // 0..59 and 260..299 are new: the span of both.
  EXPECT_EQ(y.length, 300 * kPage);
}

// A sequential scan of 8000 pages whose every prediction the caller finds
// resident (or not): the predictions handed out.
uint64_t ScanWithFeedback(LocalityManager* m, bool all_resident) {
  const uint32_t f = m->Register(kFile);
  uint64_t given = 0;
  for (uint64_t off = 0; off < 8000 * kPage; off += kPage) {
    if (!m->Record(f, off, kPage).range.empty()) {
      ++given;
      m->Feedback(f, all_resident);
    }
  }
  return given;
}

TEST(LocalityTest, PredictionsFoundResidentBackOffExponentially) {
  LocalityManager m;
  const uint64_t given = ScanWithFeedback(&m, /*all_resident=*/true);
  const auto c = m.counters();
  EXPECT_GT(c.suppressed, 0u);
  // Skips of 1, 2, 4, ... 64 after each prediction handed out.
  ASSERT_GE(given, 2u);
  EXPECT_GE(c.suppressed + 1, uint64_t{1} << (given - 1));
  EXPECT_EQ(c.predictions, given);
  // Pages that were not resident end the back-off at once.
  LocalityManager n;
  const uint64_t given_n = ScanWithFeedback(&n, /*all_resident=*/false);
  EXPECT_EQ(n.counters().suppressed, 0u);
  EXPECT_GT(given_n, given);
}

TEST(LocalityTest, ALongScanIsAdvisedSequentialUntilItEnds) {
  LocalityManager m;
  const uint32_t f = m.Register(kFile);
  int sequential = 0;
  uint64_t from = 0;
  for (uint64_t i = 0; i < 200; ++i) {
    const LocalityManager::Prediction p = m.Record(f, i * kPage, kPage);
    EXPECT_TRUE(p.normal.empty());
    if (!p.sequential.empty()) {
      ++sequential;
      from = p.sequential.offset;
      EXPECT_EQ(p.sequential.offset + p.sequential.length, kFile);
      EXPECT_GE(i, m.config().long_scan_run);
    }
  }
  EXPECT_EQ(sequential, 1) << "once per scan";
  EXPECT_EQ(m.counters().long_scans, 1u);
  // A jump elsewhere ends it: the same range goes back to normal.
  const LocalityManager::Prediction p = m.Record(f, 10000 * kPage, kPage);
  EXPECT_EQ(p.normal.offset, from);
  EXPECT_EQ(p.normal.offset + p.normal.length, kFile);
  // A short scan never counts as long.
  LocalityManager n;
  const uint32_t g = n.Register(kFile);
  for (uint64_t i = 0; i + 1 < n.config().long_scan_run; ++i) {
    EXPECT_TRUE(n.Record(g, i * kPage, kPage).sequential.empty());
  }
}

TEST(LocalityTest, RegionsThatCoolDownAreHandedOutOnce) {
  LocalityManager::Config c;
  c.region_shift = 16;  // 64 KiB regions.
  c.decay_every = 256;
  LocalityManager m(c);
  const uint32_t f = m.Register(uint64_t{1} << 20);  // 16 regions.
  // Regions 2 and 3 touched a little (heat 1 each after a period), region
  // 8 a lot; then only region 8.
  for (int i = 0; i < 2; ++i) {
    m.Record(f, 2 << 16, 64, false);
    m.Record(f, 3 << 16, 64, false);
  }
  for (int i = 0; i < 252; ++i) m.Record(f, 8 << 16, 64, false);  // 256: decay.
  EXPECT_FALSE(m.HasCold(f)) << "2 -> 1 and 2 -> 1: not cold yet";
  for (int i = 0; i < 256; ++i) m.Record(f, 8 << 16, 64, false);
  ASSERT_TRUE(m.HasCold(f));
  const std::vector<LocalityManager::Range> cold = m.TakeCold(f);
  ASSERT_EQ(cold.size(), 1u) << "adjacent regions merge";
  EXPECT_EQ(cold[0].offset, uint64_t{2} << 16);
  EXPECT_EQ(cold[0].length, uint64_t{2} << 16);
  EXPECT_EQ(m.counters().cooled_bytes, uint64_t{2} << 16);
  EXPECT_FALSE(m.HasCold(f));
  EXPECT_TRUE(m.TakeCold(f).empty());
  // Region 8 stays hot; nothing else cools again.
  for (int i = 0; i < 1024; ++i) m.Record(f, 8 << 16, 64, false);
  EXPECT_FALSE(m.HasCold(f));
}

}  // namespace
}  // namespace zverse::kv::internal
