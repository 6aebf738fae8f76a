// Points in time as text: what the CLI's --as-of and --ts flags and the
// query syntax's date("...") accept.
//
// Thread safety: pure functions.

#ifndef ZVERSE_KV_TIMESTAMP_H_
#define ZVERSE_KV_TIMESTAMP_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "kv/db.h"

namespace zverse::kv {

// Parses a point in time: microseconds since the Unix epoch
// ("1704164645000000") or ISO-8601 in UTC ("2024-01-02",
// "2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123456Z"; a numeric offset such
// as "+01:00" may stand in for "Z"; digits beyond microseconds are truncated).
// The result is in [1, kMaxTimestamp]; anything else is InvalidArgument.
absl::StatusOr<Timestamp> ParseTimestamp(std::string_view text);

}  // namespace zverse::kv

#endif  // ZVERSE_KV_TIMESTAMP_H_
