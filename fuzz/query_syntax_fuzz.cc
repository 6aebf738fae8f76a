// The textual query syntax (`zverse query`, query/syntax.h): any bytes give
// a parsed query or a clear error, never a crash; parsing is deterministic.

#include <string_view>

#include "fuzz/fuzz_target.h"
#include "query/syntax.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto first = zverse::query::ParseQuery(text);
  const auto again = zverse::query::ParseQuery(text);
  ZVERSE_FUZZ_CHECK(first.ok() == again.ok());
  if (first.ok()) {
    ZVERSE_FUZZ_CHECK(first->steps.size() == again->steps.size());
    ZVERSE_FUZZ_CHECK(first->terminal == again->terminal);
    ZVERSE_FUZZ_CHECK(first->columns == again->columns);
  } else {
    ZVERSE_FUZZ_CHECK(!first.status().message().empty());
  }
  return 0;
}
