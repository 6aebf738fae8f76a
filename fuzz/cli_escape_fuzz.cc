// The CLI's escapes (cli/escape.h): Unescape takes any bytes (a string or a
// clear error), Escape's output is one printable field that Unescape turns
// back into the same bytes.

#include <string>
#include <string_view>

#include "cli/escape.h"
#include "fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // Escape then Unescape is the identity on every byte string.
  const std::string escaped = zverse::cli::Escape(bytes);
  for (char c : escaped) {
    ZVERSE_FUZZ_CHECK(c >= 0x20 && c <= 0x7e);
  }
  const auto back = zverse::cli::Unescape(escaped);
  ZVERSE_FUZZ_CHECK(back.ok() && *back == bytes);
  // The input as escaped text: decoded, it escapes to text that decodes to
  // the same bytes again.
  const auto decoded = zverse::cli::Unescape(bytes);
  if (decoded.ok()) {
    const auto twice = zverse::cli::Unescape(zverse::cli::Escape(*decoded));
    ZVERSE_FUZZ_CHECK(twice.ok() && *twice == *decoded);
  } else {
    ZVERSE_FUZZ_CHECK(!decoded.status().message().empty());
  }
  return 0;
}
