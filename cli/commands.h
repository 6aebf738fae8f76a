// The zverse subcommands: one function per command, and the table that
// describes them (flags, arguments, help text) for the dispatcher in cli.cc.
//
// Every command writes its results to Io::out, one record a line, and its
// diagnostics to Io::err, and returns an ExitCode.
//
// Thread safety: commands are run from one thread.

#ifndef ZVERSE_CLI_COMMANDS_H_
#define ZVERSE_CLI_COMMANDS_H_

#include <cstddef>
#include <cstdio>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "cli/args.h"

namespace zverse::cli {

// The process exit codes. Scripts depend on them: do not change the values.
enum ExitCode : int {
  kExitOk = 0,
  kExitNotFound = 1,  // get/history of a missing key; verify found damage.
  kExitUsage = 2,     // Unknown command or flag, bad argument.
  kExitError = 3,     // Anything else (engine errors, I/O errors).
};

// Where a command reads and writes. Not owned.
struct Io {
  std::FILE* in = stdin;
  std::FILE* out = stdout;
  std::FILE* err = stderr;
};

struct Command;

// What a command runs with.
struct Invocation {
  const Command& command;
  const ParsedArgs& args;
  const Io& io;
};

struct Command {
  std::string_view name;
  std::string_view args;         // Positional arguments, e.g. "KEY VALUE".
  std::string_view summary;      // One line for the command list.
  std::string_view description;  // Paragraphs for `zverse CMD --help`.
  std::vector<FlagSpec> flags;
  size_t min_args = 0;
  size_t max_args = 0;
  int (*run)(const Invocation& inv) = nullptr;
};

// Every command, in the order `zverse help` lists them.
absl::Span<const Command> Commands();

// The command called `name`, or nullptr.
const Command* FindCommand(std::string_view name);

}  // namespace zverse::cli

#endif  // ZVERSE_CLI_COMMANDS_H_
