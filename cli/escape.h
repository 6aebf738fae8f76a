// Text escaping for keys and values on the command line.
//
// Keys and values are arbitrary bytes, but the CLI prints one record per line
// with fields separated by tabs. On output every byte that is not printable
// ASCII (0x20..0x7e), and the backslash itself, is written as `\xHH` with two
// lowercase hex digits; everything else is written as is. On input (command
// line arguments and `ingest` lines) `\xHH` (either case) decodes to the byte
// and `\\` to a backslash; any other use of a backslash is an error.
//
// So Unescape(Escape(s)) == s for every byte string s, and Escape(s) never
// contains a tab, a newline or a carriage return.
//
// Thread safety: pure functions.

#ifndef ZVERSE_CLI_ESCAPE_H_
#define ZVERSE_CLI_ESCAPE_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace zverse::cli {

// Returns `bytes` with non-printable bytes and backslashes written as `\xHH`.
std::string Escape(std::string_view bytes);

// Appends Escape(bytes) to `out`.
void AppendEscaped(std::string_view bytes, std::string* out);

// Decodes `\xHH` and `\\`. InvalidArgument, naming the offset, for a
// backslash followed by anything else or a truncated `\x` sequence.
absl::StatusOr<std::string> Unescape(std::string_view text);

}  // namespace zverse::cli

#endif  // ZVERSE_CLI_ESCAPE_H_
