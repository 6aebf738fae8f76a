// The zverse command line: dispatch to a subcommand, help and usage errors.
//
//   zverse COMMAND --db DIR [FLAGS] [ARGS]
//   zverse help [COMMAND] | zverse --help | zverse COMMAND --help
//
// Results go to Io::out, one record a line; errors go to Io::err. The exit
// codes are listed in commands.h (ExitCode).

#ifndef ZVERSE_CLI_CLI_H_
#define ZVERSE_CLI_CLI_H_

#include <string>

#include "absl/types/span.h"
#include "cli/commands.h"

namespace zverse::cli {

// Runs the command line `args` (argv without the program name) and returns
// the process exit code.
int RunCli(absl::Span<const std::string> args, const Io& io);

}  // namespace zverse::cli

#endif  // ZVERSE_CLI_CLI_H_
