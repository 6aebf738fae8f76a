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

TEST(ArgsTest, TimestampMicros) {
  ASSERT_OK_AND_ASSIGN(kv::Timestamp ts, ParseTimestamp("1704164645123456"));
  EXPECT_EQ(ts, 1704164645123456u);
  ASSERT_OK_AND_ASSIGN(kv::Timestamp one, ParseTimestamp("1"));
  EXPECT_EQ(one, 1u);
  ASSERT_OK_AND_ASSIGN(kv::Timestamp max,
                       ParseTimestamp(std::to_string(kv::kMaxTimestamp)));
  EXPECT_EQ(max, kv::kMaxTimestamp);
}

TEST(ArgsTest, TimestampIso8601) {
  struct Case {
    const char* text;
    kv::Timestamp want;
  };
  const Case cases[] = {
      {"2024-01-02T03:04:05Z", 1704164645000000},
      {"2024-01-02T03:04:05.123456Z", 1704164645123456},
      {"2024-01-02T03:04:05.5Z", 1704164645500000},
      {"2024-01-02T03:04:05.1234569Z", 1704164645123456},  // Truncated.
      {"2024-01-02T04:04:05+01:00", 1704164645000000},
      {"2024-01-02", 1704153600000000},
      {"1970-01-01T00:00:00.000001Z", 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    ASSERT_OK_AND_ASSIGN(kv::Timestamp ts, ParseTimestamp(c.text));
    EXPECT_EQ(ts, c.want);
  }
}

TEST(ArgsTest, TimestampErrors) {
  for (const char* bad :
       {"", "0", "-5", "abc", "now", "2024-01-02T03:04:05",
        " 2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z ", "2024-13-02",
        "2024-01-02T25:00:00Z", "infinite-future", "infinite-past",
        "1969-12-31T23:59:59Z", "1970-01-01", "99999999999999999999",
        "9223372036854775808", "12ab"}) {
    SCOPED_TRACE(bad);
    EXPECT_STATUS_CODE(ParseTimestamp(bad), absl::StatusCode::kInvalidArgument);
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
