#include "kv/timestamp.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace zverse::kv {
namespace {

// The installed Abseil's string_view is its own type, not std::string_view.
absl::string_view ToAbsl(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// YYYY-MM-DD.
bool IsDateOnly(std::string_view s) {
  return s.size() == 10 && AllDigits(s.substr(0, 4)) && s[4] == '-' &&
         AllDigits(s.substr(5, 2)) && s[7] == '-' && AllDigits(s.substr(8, 2));
}

absl::Status BadTimestamp(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "bad timestamp '%s': %s (expected microseconds since the epoch, or "
      "ISO-8601 UTC such as 2024-01-02, 2024-01-02T03:04:05Z or "
      "2024-01-02T03:04:05.123456Z)",
      text, why));
}

absl::StatusOr<Timestamp> CheckRange(std::string_view text, int64_t us) {
  if (us < 1) return BadTimestamp(text, "must be after the Unix epoch");
  if (static_cast<uint64_t>(us) > kMaxTimestamp) {
    return BadTimestamp(text, "too large");
  }
  return static_cast<Timestamp>(us);
}

}  // namespace

absl::StatusOr<Timestamp> ParseTimestamp(std::string_view text) {
  if (text.empty()) return BadTimestamp(text, "empty");
  if (AllDigits(text)) {
    uint64_t us = 0;
    if (!absl::SimpleAtoi(ToAbsl(text), &us) || us > kMaxTimestamp) {
      return BadTimestamp(text, "too large");
    }
    if (us == 0) return BadTimestamp(text, "must be after the Unix epoch");
    return us;
  }
  // absl::ParseTime skips surrounding whitespace and accepts the words
  // "infinite-future" and "infinite-past"; insist on a plain date instead.
  if (!absl::ascii_isdigit(static_cast<unsigned char>(text[0]))) {
    return BadTimestamp(text, "not a number or a date");
  }
  for (char c : text) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      return BadTimestamp(text, "contains white space");
    }
  }
  absl::Time t;
  std::string err;
  if (IsDateOnly(text)) {
    if (!absl::ParseTime("%Y-%m-%d", ToAbsl(text), absl::UTCTimeZone(), &t,
                         &err)) {
      return BadTimestamp(text, err);
    }
  } else if (!absl::ParseTime(absl::RFC3339_full, ToAbsl(text),
                              absl::UTCTimeZone(), &t, &err)) {
    return BadTimestamp(
        text, text.find_first_of("Zz+") == std::string_view::npos &&
                      text.find('T') != std::string_view::npos
                  ? std::string_view("a time needs the zone, e.g. a trailing Z")
                  : std::string_view(err));
  }
  return CheckRange(text, absl::ToUnixMicros(t));
}

}  // namespace zverse::kv
