// The zverse command-line tool. See cli/cli.h and `zverse --help`.

#include <string>
#include <vector>

#include "cli/cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return zverse::cli::RunCli(args, zverse::cli::Io{});
}
