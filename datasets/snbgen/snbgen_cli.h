// The zverse_snbgen command line: flag parsing, progress and the summary.
// snbgen.cc only hands argv to RunSnbGen, so tests can run it in-process.
//
// Thread safety: RunSnbGen may run concurrently for different output
// directories.

#ifndef ZVERSE_DATASETS_SNBGEN_SNBGEN_CLI_H_
#define ZVERSE_DATASETS_SNBGEN_SNBGEN_CLI_H_

#include <ostream>
#include <string>
#include <vector>

namespace zverse::datasets {

// Exit statuses of RunSnbGen (and of zverse_snbgen).
inline constexpr int kSnbGenOk = 0;
inline constexpr int kSnbGenFailed = 1;      // The generation failed.
inline constexpr int kSnbGenUsageError = 2;  // Bad flags; nothing written.

// Runs the tool with `args` (argv without argv[0]). Writes --help and the
// summary to `out`, progress and errors to `err`.
int RunSnbGen(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err);

}  // namespace zverse::datasets

#endif  // ZVERSE_DATASETS_SNBGEN_SNBGEN_CLI_H_
