// ParseTimestamp (kv/timestamp.h): microseconds and ISO-8601 forms, and the
// malformed ones.

#include "kv/timestamp.h"

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "tests/test_util.h"

namespace zverse::kv {
namespace {

TEST(TimestampTest, Micros) {
  ASSERT_OK_AND_ASSIGN(Timestamp ts, ParseTimestamp("1704164645123456"));
  EXPECT_EQ(ts, 1704164645123456u);
  ASSERT_OK_AND_ASSIGN(Timestamp one, ParseTimestamp("1"));
  EXPECT_EQ(one, 1u);
  ASSERT_OK_AND_ASSIGN(Timestamp max,
                       ParseTimestamp(std::to_string(kMaxTimestamp)));
  EXPECT_EQ(max, kMaxTimestamp);
}

TEST(TimestampTest, Iso8601) {
  struct Case {
    const char* text;
    Timestamp want;
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
    ASSERT_OK_AND_ASSIGN(Timestamp ts, ParseTimestamp(c.text));
    EXPECT_EQ(ts, c.want);
  }
}

TEST(TimestampTest, Errors) {
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

}  // namespace
}  // namespace zverse::kv
