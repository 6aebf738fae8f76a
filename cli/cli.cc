#include "cli/cli.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "cli/args.h"
#include "cli/commands.h"

namespace zverse::cli {
namespace {

constexpr std::string_view kFooter =
    R"(Timestamps (T):
  Microseconds since the Unix epoch (e.g. 1704164645123456), or ISO-8601 in
  UTC: 2024-01-02, 2024-01-02T03:04:05Z, 2024-01-02T03:04:05.123456Z (a
  numeric offset such as +01:00 may replace the Z).

Keys and values:
  Text. On output every byte that is not printable ASCII, and the backslash,
  is written \xHH (lowercase hex), so each record stays on one line (get
  --stream writes a value's raw bytes instead). In arguments and ingest
  input, \xHH is decoded to the byte and \\ is a backslash. Put -- before
  a KEY or VALUE that starts with '-'.

Exit codes:
  0  success
  1  not found (get, history), or verify found damage
  2  usage error (unknown command or flag, bad argument or timestamp)
  3  any other error (locked database, not a database, I/O error, ...)
)";

// "--name VALUE", or "--name" for a flag without a value.
std::string FlagText(const FlagSpec& flag) {
  return flag.value_name.empty()
             ? absl::StrFormat("--%s", flag.name)
             : absl::StrFormat("--%s %s", flag.name, flag.value_name);
}

std::string Synopsis(const Command& command) {
  std::string out = absl::StrFormat("zverse %s", command.name);
  for (const FlagSpec& flag : command.flags) {
    if (flag.required) {
      absl::StrAppendFormat(&out, " %s", FlagText(flag));
    } else {
      absl::StrAppendFormat(&out, " [%s]", FlagText(flag));
    }
  }
  if (!command.args.empty()) absl::StrAppendFormat(&out, " %s", command.args);
  return out;
}

void PrintUsage(std::FILE* out) {
  absl::FPrintF(out,
                "zverse: the command line of ZVerse, the temporal graph "
                "database\n\n"
                "Usage:\n");
  for (const Command& command : Commands()) {
    absl::FPrintF(out, "  %s\n", Synopsis(command));
  }
  absl::FPrintF(out,
                "  zverse help [COMMAND]    (or zverse COMMAND --help)\n\n"
                "Commands:\n");
  for (const Command& command : Commands()) {
    absl::FPrintF(out, "  %-10s %s\n", command.name, command.summary);
  }
  absl::FPrintF(out,
                "\nReads (get, history, scan, stats, verify, export, vertex,\n"
                "neighbors, diff, algo, query) never create a database;\n"
                "writes (put, del, ingest, load) create DIR if it is missing;\n"
                "compact needs an existing one.\n\n%s",
                kFooter);
}

void PrintCommandHelp(const Command& command, std::FILE* out) {
  absl::FPrintF(out, "Usage: %s\n\n%s\n\nFlags:\n", Synopsis(command),
                command.description);
  for (const FlagSpec& flag : command.flags) {
    // Continuation lines of a flag's help line up under its first line.
    const std::string help = absl::StrReplaceAll(
        absl::string_view(flag.help.data(), flag.help.size()),
        {{"\n", "\n               "}});
    absl::FPrintF(out, "  %-12s %s\n", FlagText(flag), help);
  }
  absl::FPrintF(out, "  %-12s %s\n\n%s", "--help, -h", "show this help",
                kFooter);
}

int UsageError(std::FILE* err, std::string_view message,
               std::string_view hint_command) {
  absl::FPrintF(err, "error: %s\nRun 'zverse %s' for usage.\n", message,
                hint_command);
  return kExitUsage;
}

int RunHelp(absl::Span<const std::string> args, const Io& io) {
  if (args.empty()) {
    PrintUsage(io.out);
    return kExitOk;
  }
  if (args.size() > 1) {
    return UsageError(io.err, "help takes at most one COMMAND", "help");
  }
  const Command* command = FindCommand(args[0]);
  if (command == nullptr) {
    return UsageError(io.err, absl::StrFormat("unknown command '%s'", args[0]),
                      "help");
  }
  PrintCommandHelp(*command, io.out);
  return kExitOk;
}

int RunCommand(const Command& command, absl::Span<const std::string> words,
               const Io& io) {
  const std::string help_hint = absl::StrFormat("%s --help", command.name);
  absl::StatusOr<ParsedArgs> args = ParseArgs(words, command.flags);
  if (!args.ok()) {
    return UsageError(io.err, std::string(args.status().message()), help_hint);
  }
  if (args->help()) {
    PrintCommandHelp(command, io.out);
    return kExitOk;
  }
  const size_t n = args->positional().size();
  if (n < command.min_args || n > command.max_args) {
    const std::string expected =
        command.args.empty()
            ? std::string("no arguments")
            : absl::StrFormat("%d argument%s (%s)", command.max_args,
                              command.max_args == 1 ? "" : "s", command.args);
    return UsageError(
        io.err,
        absl::StrFormat("%s takes %s, got %d", command.name, expected, n),
        help_hint);
  }
  if (const std::string* db = args->Find("db"); db != nullptr && db->empty()) {
    return UsageError(io.err, "--db needs a directory", help_hint);
  }
  return command.run(Invocation{command, *args, io});
}

}  // namespace

int RunCli(absl::Span<const std::string> args, const Io& io) {
  int code;
  if (args.empty()) {
    PrintUsage(io.err);
    code = kExitUsage;
  } else if (args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    code = RunHelp(args.subspan(1), io);
  } else if (const Command* command = FindCommand(args[0]);
             command != nullptr) {
    code = RunCommand(*command, args.subspan(1), io);
  } else {
    code = UsageError(io.err, absl::StrFormat("unknown command '%s'", args[0]),
                      "help");
  }
  // Results may still sit in stdio's buffer; a failure to write them (a full
  // disk behind a redirect) must not pass for success.
  if (std::fflush(io.out) != 0 || std::ferror(io.out)) {
    absl::FPrintF(io.err, "error: writing output: %s\n", std::strerror(errno));
    if (code == kExitOk) code = kExitError;
  }
  return code;
}

}  // namespace zverse::cli
