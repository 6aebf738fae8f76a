#include "cli/args.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "tests/test_util.h"

namespace zverse::cli {
namespace {

constexpr FlagSpec kSpecs[] = {
    {"db", "DIR", "the database", /*required=*/true},
    {"as-of", "T", "a time"},
    {"verbose", "", "no value"},
};

absl::StatusOr<ParsedArgs> Parse(std::vector<std::string> words) {
  return ParseArgs(words, kSpecs);
}

TEST(ArgsTest, FlagsAndPositionalsInAnyOrder) {
  ASSERT_OK_AND_ASSIGN(ParsedArgs args, Parse({"k", "--db", "/d", "v",
                                               "--as-of=5", "--verbose"}));
  ASSERT_NE(args.Find("db"), nullptr);
  EXPECT_EQ(*args.Find("db"), "/d");
  ASSERT_NE(args.Find("as-of"), nullptr);
  EXPECT_EQ(*args.Find("as-of"), "5");
  EXPECT_TRUE(args.Has("verbose"));
  EXPECT_EQ(args.positional(), (std::vector<std::string>{"k", "v"}));
  EXPECT_FALSE(args.help());
}

TEST(ArgsTest, DoubleDashEndsFlags) {
  ASSERT_OK_AND_ASSIGN(ParsedArgs args,
                       Parse({"--db", "/d", "--", "--as-of", "-x", ""}));
  EXPECT_FALSE(args.Has("as-of"));
  EXPECT_EQ(args.positional(), (std::vector<std::string>{"--as-of", "-x", ""}));
}

TEST(ArgsTest, SingleDashAndEmptyArePositional) {
  ASSERT_OK_AND_ASSIGN(ParsedArgs args, Parse({"--db", "/d", "-", ""}));
  EXPECT_EQ(args.positional(), (std::vector<std::string>{"-", ""}));
}

TEST(ArgsTest, EmptyInlineValue) {
  ASSERT_OK_AND_ASSIGN(ParsedArgs args, Parse({"--db="}));
  EXPECT_EQ(*args.Find("db"), "");
}

TEST(ArgsTest, Help) {
  ASSERT_OK_AND_ASSIGN(ParsedArgs a, Parse({"--help"}));
  EXPECT_TRUE(a.help());  // --db is not required with --help.
  ASSERT_OK_AND_ASSIGN(ParsedArgs b, Parse({"-h", "--db", "/d"}));
  EXPECT_TRUE(b.help());
}

TEST(ArgsTest, Errors) {
  const std::vector<std::vector<std::string>> bad = {
      {"--db", "/d", "--nope"},       // Unknown flag.
      {"--db", "/d", "--nope=1"},     // Unknown flag with a value.
      {"--db", "/d", "-x"},           // Unknown short flag.
      {"--db", "/d", "--db", "/e"},   // Given twice.
      {"--db", "/d", "--as-of"},      // Missing value.
      {"--db", "/d", "--verbose=1"},  // Value for a flag without one.
      {"k", "v"},                     // Missing required --db.
  };
  for (const auto& words : bad) {
    SCOPED_TRACE(::testing::PrintToString(words));
    EXPECT_STATUS_CODE(Parse(words), absl::StatusCode::kInvalidArgument);
  }
}

TEST(ArgsTest, Duration) {
  ASSERT_OK_AND_ASSIGN(uint64_t d, ParseDuration("30d"));
  EXPECT_EQ(d, 30ull * 86400 * 1000000);
  ASSERT_OK_AND_ASSIGN(uint64_t ms, ParseDuration("500ms"));
  EXPECT_EQ(ms, 500000u);
  ASSERT_OK_AND_ASSIGN(uint64_t w, ParseDuration("2w"));
  EXPECT_EQ(w, 14ull * 86400 * 1000000);
  ASSERT_OK_AND_ASSIGN(uint64_t s, ParseDuration("0s"));
  EXPECT_EQ(s, 0u);
  for (const char* bad : {"", "30", "s", "1y", "-1d", "1.5h", "1000000000000000d"}) {
    EXPECT_STATUS_CODE(ParseDuration(bad), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(ArgsTest, ByteSize) {
  const std::pair<const char*, uint64_t> good[] = {
      {"0", 0},          {"4096", 4096},        {"64K", 64 << 10},
      {"64KiB", 64 << 10}, {"512M", 512ull << 20}, {"2G", 2ull << 30},
      {"3GiB", 3ull << 30}, {"1T", 1ull << 40},  {"7B", 7}};
  for (const auto& [text, want] : good) {
    ASSERT_OK_AND_ASSIGN(uint64_t got, ParseByteSize(text));
    EXPECT_EQ(got, want) << text;
  }
  for (const char* bad : {"", "M", "1.5G", "-1", "12Q", "1 G", "1g",
                          "99999999999999T", "1234567890123456"}) {
    EXPECT_STATUS_CODE(ParseByteSize(bad), absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(ArgsTest, SyncMode) {
  ASSERT_OK_AND_ASSIGN(kv::SyncMode always, ParseSyncMode("always"));
  EXPECT_EQ(always, kv::SyncMode::kAlways);
  ASSERT_OK_AND_ASSIGN(kv::SyncMode interval, ParseSyncMode("interval"));
  EXPECT_EQ(interval, kv::SyncMode::kInterval);
  ASSERT_OK_AND_ASSIGN(kv::SyncMode never, ParseSyncMode("never"));
  EXPECT_EQ(never, kv::SyncMode::kNever);
  EXPECT_STATUS_CODE(ParseSyncMode("sometimes"),
                     absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace zverse::cli
