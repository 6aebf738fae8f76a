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
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "cli/args.h"
#include "graph/graph_db.h"
#include "kv/db.h"

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

// --- Helpers shared by the command files ----------------------------------

// Prints "error: MESSAGE" and a pointer to --help; returns kExitUsage.
int UsageError(const Invocation& inv, std::string_view message);
int UsageError(const Invocation& inv, const absl::Status& status);
// Prints "error: MESSAGE"; returns kExitError.
int Error(const Invocation& inv, const absl::Status& status);
// Prints "not found"; returns kExitNotFound.
int NotFound(const Invocation& inv);
// Writes `text` to Io::out.
void Write(const Invocation& inv, std::string_view text);
// Positional argument `index` with its \xHH escapes decoded; `what` names it
// in errors.
absl::StatusOr<std::string> Arg(const Invocation& inv, size_t index,
                                std::string_view what);
// The timestamp flag `--name`, or `fallback` if it is absent.
absl::StatusOr<kv::Timestamp> TimestampFlag(const Invocation& inv,
                                            std::string_view name,
                                            kv::Timestamp fallback);
// The --db flag's value (ParseArgs guarantees it where it is required).
const std::string& DbDir(const Invocation& inv);
// Opens a database that must exist already (NotFound naming the directory
// otherwise), read-only or read-write.
absl::StatusOr<std::unique_ptr<kv::DB>> OpenExisting(const std::string& dir,
                                                     bool read_only);

// Opens a graph that must exist already, read-only (NotFound naming the
// directory otherwise). Defined in cli/graph_read_commands.cc.
// With `adaptive_prefetch`, the KV engine's adaptive prefetcher is on
// (kv::Options::adaptive_prefetch).
absl::StatusOr<std::unique_ptr<graph::GraphDb>> OpenGraphForRead(
    const std::string& dir, bool adaptive_prefetch = false);

// Commands defined in other files, appended to the table in this order.
// cli/graph_commands.cc: load, export.
std::vector<Command> GraphCommands();
// cli/graph_read_commands.cc: vertex, neighbors, diff.
std::vector<Command> GraphReadCommands();
// cli/algo_command.cc: algo.
std::vector<Command> AlgoCommands();
// cli/query_command.cc: query.
std::vector<Command> QueryCommands();

// Every command, in the order `zverse help` lists them.
absl::Span<const Command> Commands();

// The command called `name`, or nullptr.
const Command* FindCommand(std::string_view name);

}  // namespace zverse::cli

#endif  // ZVERSE_CLI_COMMANDS_H_
