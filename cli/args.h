// Command-line parsing for the zverse subcommands: a small flag parser and
// the parsers for flag values (timestamps, sync modes).
//
// Flags are `--name VALUE` or `--name=VALUE` (or a bare `--name` for a flag
// that takes no value) and may appear before, between or after positional
// arguments. `--` ends the flags: everything after it is positional, so a KEY
// may start with '-'. `-h` is short for `--help`.
//
// Thread safety: pure functions; a ParsedArgs is a plain value.

#ifndef ZVERSE_CLI_ARGS_H_
#define ZVERSE_CLI_ARGS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "kv/db.h"
#include "kv/timestamp.h"

namespace zverse::cli {

// One flag a command accepts.
struct FlagSpec {
  std::string_view name;        // Without the leading "--".
  std::string_view value_name;  // E.g. "DIR"; empty for a flag with no value.
  std::string_view help;        // For `--help`; may hold '\n'.
  bool required = false;        // ParseArgs fails if it is missing.
};

class ParsedArgs {
 public:
  // True if `--name` was given.
  bool Has(std::string_view name) const;
  // The value of `--name`, or nullptr if it was not given (or takes none).
  const std::string* Find(std::string_view name) const;
  const std::vector<std::string>& positional() const { return positional_; }
  // True if `--help` or `-h` was given.
  bool help() const { return help_; }

 private:
  friend absl::StatusOr<ParsedArgs> ParseArgs(
      absl::Span<const std::string> args, absl::Span<const FlagSpec> specs);
  std::map<std::string, std::string, std::less<>> flags_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

// Parses `args` (the words after the command name) against `specs`.
// InvalidArgument for an unknown flag, a flag given twice, a missing value, a
// value given to a flag that takes none, or a missing required flag (not
// checked when `--help` is given). `--help` is always accepted.
absl::StatusOr<ParsedArgs> ParseArgs(absl::Span<const std::string> args,
                                     absl::Span<const FlagSpec> specs);

// ParseTimestamp (kv/timestamp.h): microseconds or ISO-8601.
using kv::ParseTimestamp;

// A duration in microseconds: a number with a unit, "90s", "15m", "12h",
// "30d", "2w" (also "500ms", "250us"); InvalidArgument otherwise.
absl::StatusOr<uint64_t> ParseDuration(std::string_view text);

// A size in bytes: a number, optionally with a binary unit, "4096", "64K",
// "512M", "2G", "1T" (also "KiB", "MiB", "GiB", "TiB"); InvalidArgument
// otherwise (and for sizes of 2^64 bytes or more).
absl::StatusOr<uint64_t> ParseByteSize(std::string_view text);

// "always", "interval" or "never".
absl::StatusOr<kv::SyncMode> ParseSyncMode(std::string_view text);

}  // namespace zverse::cli

#endif  // ZVERSE_CLI_ARGS_H_
