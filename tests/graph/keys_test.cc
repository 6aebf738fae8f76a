#include "graph/keys.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "kv/interleave.h"
#include "tests/test_util.h"

namespace zverse::graph {
namespace {

std::string Hex(const std::string& s) { return absl::BytesToHexString(s); }

// Golden vectors computed independently of this code: the buckets by the
// xxhsum tool (XXH3_64 of the big-endian id, top 24 bits), the keys by a
// script following graph/FORMAT.md. They freeze the on-disk format.
TEST(GraphKeysTest, GoldenBuckets) {
  EXPECT_EQ(Bucket(0), 0xc77b3au);
  EXPECT_EQ(Bucket(1), 0xf36b4au);
  EXPECT_EQ(Bucket(933), 0x2e2532u);
  EXPECT_EQ(Bucket(4139), 0xb3a679u);
  EXPECT_EQ(Bucket(2199023256077), 0xb3e6f8u);
  EXPECT_EQ(Bucket(UINT64_MAX), 0x5111c7u);
}

TEST(GraphKeysTest, GoldenKeys) {
  EXPECT_EQ(Hex(VertexKey(933)), "2e25325600000000000003a5");
  EXPECT_EQ(Hex(OutEdgeKey(933, 7, 4139)),
            "2e25324f00000000000003a500000007000000000000102b");
  EXPECT_EQ(Hex(InEdgeKey(4139, 7, 933)),
            "b3a67949000000000000102b0000000700000000000003a5");
  EXPECT_EQ(Hex(LabelIndexKey(7, 933)), "f8c0124c0000000700000000000003a5");
  EXPECT_EQ(Hex(NameToIdKey(DictionaryKind::kLabel, "knows")),
            "000000446c6b6e6f7773");
  EXPECT_EQ(Hex(IdToNameKey(DictionaryKind::kProperty, 5)), "0000004e7000000005");
}

TEST(GraphKeysTest, DecodeRoundTrips) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t a = rng(), b = rng();
    const uint32_t l = static_cast<uint32_t>(rng());
    ASSERT_OK_AND_ASSIGN(DecodedKey v, DecodeKey(VertexKey(a)));
    EXPECT_EQ(v.tag, KeyTag::kVertex);
    EXPECT_EQ(v.first, a);
    ASSERT_OK_AND_ASSIGN(DecodedKey o, DecodeKey(OutEdgeKey(a, l, b)));
    EXPECT_EQ(o.tag, KeyTag::kOutEdge);
    EXPECT_EQ(o.first, a);
    EXPECT_EQ(o.label, l);
    EXPECT_EQ(o.second, b);
    ASSERT_OK_AND_ASSIGN(DecodedKey in, DecodeKey(InEdgeKey(b, l, a)));
    EXPECT_EQ(in.tag, KeyTag::kInEdge);
    EXPECT_EQ(in.first, b);
    EXPECT_EQ(in.second, a);
    ASSERT_OK_AND_ASSIGN(DecodedKey li, DecodeKey(LabelIndexKey(l, a)));
    EXPECT_EQ(li.label, l);
    EXPECT_EQ(li.second, a);
  }
  ASSERT_OK_AND_ASSIGN(DecodedKey d,
                       DecodeKey(NameToIdKey(DictionaryKind::kProperty, "firstName")));
  EXPECT_EQ(d.tag, KeyTag::kNameToId);
  EXPECT_EQ(d.kind, DictionaryKind::kProperty);
  EXPECT_EQ(d.name, "firstName");
  ASSERT_OK_AND_ASSIGN(DecodedKey n, DecodeKey(IdToNameKey(DictionaryKind::kLabel, 77)));
  EXPECT_EQ(n.first, 77u);
}

TEST(GraphKeysTest, MalformedKeysAreDataLoss) {
  std::string v = VertexKey(933);
  EXPECT_STATUS_CODE(DecodeKey(v.substr(0, 11)), absl::StatusCode::kDataLoss);
  std::string wrong_bucket = v;
  wrong_bucket[0] ^= 1;
  EXPECT_STATUS_CODE(DecodeKey(wrong_bucket), absl::StatusCode::kDataLoss);
  std::string unknown_tag = v;
  unknown_tag[3] = 'Z';
  EXPECT_STATUS_CODE(DecodeKey(unknown_tag), absl::StatusCode::kDataLoss);
  EXPECT_STATUS_CODE(DecodeKey(""), absl::StatusCode::kDataLoss);
}

TEST(GraphKeysTest, PrefixRangesHoldExactlyTheirKeys) {
  EXPECT_EQ(PrefixEnd(std::string("ab\xff\xff", 4)), "ac");
  EXPECT_EQ(PrefixEnd(std::string("\xff\xff", 2)), "");
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    const uint64_t src = rng() % 50, dst = rng() % 50;
    const uint32_t label = static_cast<uint32_t>(rng() % 3);
    const std::string key = OutEdgeKey(src, label, dst);
    for (uint64_t s = 0; s < 50; s += 7) {
      for (uint32_t l = 0; l < 3; ++l) {
        const std::string p = OutEdgePrefix(s, l);
        const bool in = key >= p && key < PrefixEnd(p);
        EXPECT_EQ(in, s == src && l == label);
      }
      const std::string p = OutEdgePrefix(s);
      EXPECT_EQ(key >= p && key < PrefixEnd(p), s == src);
    }
  }
}

// How many separate runs a vertex's keys form in the engine's physical order
// (the interleaved order of sealed segments), for edges written at random
// moments over two years.
std::map<uint64_t, int> RunsPerVertex(
    const std::vector<std::pair<std::string, uint64_t>>& versions,
    const std::vector<uint64_t>& owner) {
  std::vector<size_t> order(versions.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return kv::CompareInterleaved(versions[a].first, versions[a].second,
                                  versions[b].first, versions[b].second) < 0;
  });
  std::map<uint64_t, int> runs;
  for (size_t i = 0; i < order.size(); ++i) {
    const uint64_t v = owner[order[i]];
    if (i == 0 || owner[order[i - 1]] != v) ++runs[v];
  }
  return runs;
}

TEST(GraphKeysTest, AVertexsKeysFormOneContiguousRunWhateverTheirTimes) {
  constexpr uint64_t kVertices = 300;
  constexpr uint64_t kTwoYears = 2ull * 365 * 24 * 3600 * 1000000;
  const uint64_t t0 = 1700000000000000;
  std::mt19937_64 rng(11);
  std::vector<std::pair<std::string, uint64_t>> hashed, naive;
  std::vector<uint64_t> owner;
  auto naive_key = [](char tag, uint64_t v, uint64_t other) {
    std::string k(1, tag);
    for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>(v >> (8 * i)));
    for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>(other >> (8 * i)));
    return k;
  };
  for (uint64_t v = 0; v < kVertices; ++v) {
    hashed.emplace_back(VertexKey(v), t0 + rng() % kTwoYears);
    naive.emplace_back(naive_key('V', v, 0), hashed.back().second);
    owner.push_back(v);
    for (int e = 0; e < 8; ++e) {
      const uint64_t dst = rng() % kVertices;
      const uint64_t ts = t0 + rng() % kTwoYears;
      hashed.emplace_back(OutEdgeKey(v, 1, dst), ts);
      naive.emplace_back(naive_key('O', v, dst), ts);
      owner.push_back(v);
    }
  }
  // Distinct vertices may share a bucket; their keys then mix, but the
  // bucket as a whole stays one run.
  std::map<uint32_t, int> per_bucket;
  for (uint64_t v = 0; v < kVertices; ++v) ++per_bucket[Bucket(v)];
  const std::map<uint64_t, int> runs = RunsPerVertex(hashed, owner);
  for (uint64_t v = 0; v < kVertices; ++v) {
    if (per_bucket[Bucket(v)] == 1) {
      EXPECT_EQ(runs.at(v), 1) << "vertex " << v;
    }
  }
  // The naive big-endian layout becomes time-major: its runs fragment.
  const std::map<uint64_t, int> naive_runs = RunsPerVertex(naive, owner);
  double avg = 0;
  for (const auto& [v, n] : naive_runs) avg += n;
  avg /= naive_runs.size();
  std::printf("naive layout: %.2f runs per vertex (hashed buckets: 1)\n", avg);
  EXPECT_GT(avg, 4.0) << "the naive layout was expected to fragment";
}

}  // namespace
}  // namespace zverse::graph
