#include "kv/interleave.h"

#include <random>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace zverse::kv {
namespace {

// 2023-11-14T22:13:20.123456Z; big-endian bytes 00 06 0a 24 18 20 22 40.
constexpr uint64_t kTs = 1700000000123456;

std::string Hex(const std::string& s) { return absl::BytesToHexString(s); }

// Golden vectors computed independently of this code (by a script applying
// the rule in kv/FORMAT.md). They freeze the on-disk order.
TEST(InterleaveTest, GoldenVectors) {
  EXPECT_EQ(Hex(Interleave("", kTs)), "00060a2418202240");
  EXPECT_EQ(Hex(Interleave("a", kTs)), "6100060a2418202240");
  EXPECT_EQ(Hex(Interleave("abcdefg", kTs)),
            "61006206630a642465186620672240");
  EXPECT_EQ(Hex(Interleave("abcdefgh", kTs)),
            "61006206630a64246518662067226840");
  EXPECT_EQ(Hex(Interleave("abcdefghi", kTs)),
            "61006206630a642465186620672268406900");
}

TEST(InterleaveTest, GoldenOneKibKey) {
  std::string key(1024, '\0');
  for (size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<char>((i * 7 + 3) % 256);
  }
  const std::string e = Interleave(key, kTs);
  ASSERT_EQ(e.size(), 2048u);
  EXPECT_EQ(Hex(e.substr(0, 32)),
            "03000a06110a18241f1826202d2234403b004206490a502457185e2065226c40");
  EXPECT_EQ(Hex(e.substr(e.size() - 32)),
            "93009a06a10aa824af18b620bd22c440cb00d206d90ae024e718ee20f522fc40");
}

TEST(InterleaveTest, SizeRule) {
  for (size_t n = 0; n < 40; ++n) {
    EXPECT_EQ(Interleave(std::string(n, 'x'), 1).size(), n < 8 ? n + 8 : 2 * n);
  }
}

TEST(InterleaveTest, RoundTripsAndRejectsInvalid) {
  std::mt19937_64 rng(7);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string key(rng() % 40, '\0');
    for (char& c : key) c = static_cast<char>(rng());
    const uint64_t ts = rng() >> 1;
    std::string back;
    uint64_t back_ts = 0;
    ASSERT_TRUE(Deinterleave(Interleave(key, ts), &back, &back_ts));
    EXPECT_EQ(back, key);
    EXPECT_EQ(back_ts, ts);
  }
  std::string key;
  uint64_t ts;
  EXPECT_FALSE(Deinterleave("short", &key, &ts));
  EXPECT_FALSE(Deinterleave(std::string(17, 'a'), &key, &ts));  // odd, >= 16
  // Timestamp byte 0 is repeated at positions 1 and 17 of a 9-byte key.
  std::string bad = Interleave("abcdefghi", kTs);
  bad[17] = '\x7f';
  EXPECT_FALSE(Deinterleave(bad, &key, &ts));
}

// CompareInterleaved must agree with comparing the materialized encodings,
// with ties broken by key and then timestamp.
TEST(InterleaveTest, CompareMatchesMaterializedOrder) {
  std::mt19937_64 rng(11);
  auto random_key = [&] {
    std::string k(rng() % 12, '\0');
    for (char& c : k) c = static_cast<char>('a' + rng() % 3);
    return k;
  };
  for (int iter = 0; iter < 20000; ++iter) {
    const std::string ka = random_key(), kb = random_key();
    const uint64_t ta = rng() % 4, tb = rng() % 4;
    int want = Interleave(ka, ta).compare(Interleave(kb, tb));
    if (want == 0) want = ka.compare(kb);
    if (want == 0) want = ta < tb ? -1 : (ta > tb ? 1 : 0);
    want = want < 0 ? -1 : (want > 0 ? 1 : 0);
    ASSERT_EQ(CompareInterleaved(ka, ta, kb, tb), want)
        << ka << "@" << ta << " vs " << kb << "@" << tb;
  }
}

}  // namespace
}  // namespace zverse::kv
