#include "cli/escape.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace zverse::cli {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

bool IsPlain(unsigned char c) { return c >= 0x20 && c <= 0x7e && c != '\\'; }

// Returns the value of hex digit `c`, or -1.
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void AppendEscaped(std::string_view bytes, std::string* out) {
  out->reserve(out->size() + bytes.size());
  for (char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsPlain(c)) {
      out->push_back(ch);
    } else {
      const char escaped[4] = {'\\', 'x', kHexDigits[c >> 4],
                               kHexDigits[c & 0xf]};
      out->append(escaped, sizeof(escaped));
    }
  }
}

std::string Escape(std::string_view bytes) {
  std::string out;
  AppendEscaped(bytes, &out);
  return out;
}

absl::StatusOr<std::string> Unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\\') {
      out.push_back('\\');
      ++i;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == 'x') {
      const int hi = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
      const int lo = i + 3 < text.size() ? HexValue(text[i + 3]) : -1;
      if (hi < 0 || lo < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "bad escape at offset ", i, ": \\x needs two hex digits"));
      }
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 3;
      continue;
    }
    return absl::InvalidArgumentError(
        absl::StrCat("bad escape at offset ", i,
                     ": a backslash starts \\xHH or \\\\ (write \\\\ for a "
                     "literal backslash)"));
  }
  return out;
}

}  // namespace zverse::cli
