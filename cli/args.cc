#include "cli/args.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace zverse::cli {
namespace {

const FlagSpec* FindSpec(absl::Span<const FlagSpec> specs,
                         std::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

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

absl::StatusOr<kv::Timestamp> CheckRange(std::string_view text, int64_t us) {
  if (us < 1) return BadTimestamp(text, "must be after the Unix epoch");
  if (static_cast<uint64_t>(us) > kv::kMaxTimestamp) {
    return BadTimestamp(text, "too large");
  }
  return static_cast<kv::Timestamp>(us);
}

}  // namespace

bool ParsedArgs::Has(std::string_view name) const {
  return flags_.find(name) != flags_.end();
}

const std::string* ParsedArgs::Find(std::string_view name) const {
  auto it = flags_.find(name);
  return it == flags_.end() ? nullptr : &it->second;
}

absl::StatusOr<ParsedArgs> ParseArgs(absl::Span<const std::string> args,
                                     absl::Span<const FlagSpec> specs) {
  ParsedArgs parsed;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-') {
      parsed.positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      parsed.help_ = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "unknown flag '%s' (flags are spelled --name; use -- before an "
          "argument that starts with '-')",
          arg));
    }
    std::string_view body = std::string_view(arg).substr(2);
    std::string_view name = body;
    std::string_view inline_value;
    const size_t eq = body.find('=');
    const bool has_inline_value = eq != std::string_view::npos;
    if (has_inline_value) {
      name = body.substr(0, eq);
      inline_value = body.substr(eq + 1);
    }
    const FlagSpec* spec = FindSpec(specs, name);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrFormat("unknown flag '--%s'", name));
    }
    if (parsed.flags_.count(name) > 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("flag '--%s' given more than once", name));
    }
    std::string value;
    if (spec->value_name.empty()) {
      if (has_inline_value) {
        return absl::InvalidArgumentError(
            absl::StrFormat("flag '--%s' takes no value", name));
      }
    } else if (has_inline_value) {
      value = std::string(inline_value);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrFormat(
          "flag '--%s' needs a value (--%s %s)", name, name, spec->value_name));
    }
    parsed.flags_.emplace(std::string(name), std::move(value));
  }
  if (!parsed.help_) {
    for (const FlagSpec& spec : specs) {
      if (spec.required && !parsed.Has(spec.name)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "missing required flag --%s %s", spec.name, spec.value_name));
      }
    }
  }
  return parsed;
}

absl::StatusOr<kv::Timestamp> ParseTimestamp(std::string_view text) {
  if (text.empty()) return BadTimestamp(text, "empty");
  if (AllDigits(text)) {
    uint64_t us = 0;
    if (!absl::SimpleAtoi(ToAbsl(text), &us) || us > kv::kMaxTimestamp) {
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

absl::StatusOr<kv::SyncMode> ParseSyncMode(std::string_view text) {
  if (text == "always") return kv::SyncMode::kAlways;
  if (text == "interval") return kv::SyncMode::kInterval;
  if (text == "never") return kv::SyncMode::kNever;
  return absl::InvalidArgumentError(absl::StrFormat(
      "bad sync mode '%s' (expected always, interval or never)", text));
}

}  // namespace zverse::cli
