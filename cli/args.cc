#include "cli/args.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"

namespace zverse::cli {
namespace {

const FlagSpec* FindSpec(absl::Span<const FlagSpec> specs,
                         std::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
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

absl::StatusOr<uint64_t> ParseDuration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    ++digits;
  }
  const std::string_view unit = text.substr(digits);
  struct Unit {
    std::string_view name;
    uint64_t micros;
  };
  constexpr Unit kUnits[] = {{"us", 1},
                             {"ms", 1000},
                             {"s", 1000000},
                             {"m", 60000000},
                             {"h", 3600000000},
                             {"d", 86400000000},
                             {"w", 604800000000}};
  uint64_t n = 0;
  bool ok = digits > 0 && digits <= 12;
  for (size_t i = 0; ok && i < digits; ++i) n = n * 10 + (text[i] - '0');
  for (const Unit& u : kUnits) {
    if (ok && unit == u.name) return n * u.micros;
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "bad duration '%s' (expected a number and a unit: us ms s m h d w, "
      "e.g. 30d)",
      text));
}

absl::StatusOr<uint64_t> ParseByteSize(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
    ++digits;
  }
  const std::string_view unit = text.substr(digits);
  struct Unit {
    std::string_view short_name, long_name;
    int shift;
  };
  constexpr Unit kUnits[] = {{"", "B", 0},
                             {"K", "KiB", 10},
                             {"M", "MiB", 20},
                             {"G", "GiB", 30},
                             {"T", "TiB", 40}};
  uint64_t n = 0;
  bool ok = digits > 0 && digits <= 15;
  for (size_t i = 0; ok && i < digits; ++i) n = n * 10 + (text[i] - '0');
  for (const Unit& u : kUnits) {
    if (ok && (unit == u.short_name || unit == u.long_name) &&
        n <= (~uint64_t{0} >> u.shift)) {
      return n << u.shift;
    }
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "bad size '%s' (expected a number of bytes, optionally with K, M, G or "
      "T, e.g. 512M)",
      text));
}

absl::StatusOr<kv::SyncMode> ParseSyncMode(std::string_view text) {
  if (text == "always") return kv::SyncMode::kAlways;
  if (text == "interval") return kv::SyncMode::kInterval;
  if (text == "never") return kv::SyncMode::kNever;
  return absl::InvalidArgumentError(absl::StrFormat(
      "bad sync mode '%s' (expected always, interval or never)", text));
}

}  // namespace zverse::cli
