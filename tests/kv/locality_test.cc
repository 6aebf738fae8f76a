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
  EXPECT_EQ(preds[0].range.length, m.config().min_window);
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

TEST(LocalityTest, AnAscendingFrontierIsPredictedFromItsGaps) {
  LocalityManager m;
  const uint32_t f = m.Register(kFile);
  // Adjacency runs of 2 pages, 10 pages apart: a frontier in physical order.
  LocalityManager::Prediction last;
  int predicted = 0;
  for (uint64_t i = 0; i < 50; ++i) {
    LocalityManager::Prediction p = m.Record(f, i * 12 * kPage, 2 * kPage);
    if (!p.range.empty()) {
      EXPECT_EQ(p.pattern, LocalityManager::Pattern::kFrontier);
      // At least four gaps ahead.
      EXPECT_GE(p.range.length, 4 * 10 * kPage);
      last = p;
      ++predicted;
    }
  }
  EXPECT_GT(predicted, 2);
  EXPECT_EQ(m.counters().frontier, static_cast<uint64_t>(predicted));
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
  // A new scan starts over at the minimum window.
  LocalityManager::Prediction first;
  for (uint64_t off = 11 * kPage; first.range.empty(); off += kPage) {
    first = m.Record(f, off, kPage);
  }
  EXPECT_EQ(first.range.length, m.config().min_window);
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

}  // namespace
}  // namespace zverse::kv::internal
