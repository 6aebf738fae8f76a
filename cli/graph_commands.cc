// The graph commands: load and export.

#include <vector>

#include "cli/commands.h"

namespace zverse::cli {

std::vector<Command> GraphCommands() { return {}; }

}  // namespace zverse::cli
