// The algo command: Graphalytics kernels on a snapshot.

#include <vector>

#include "cli/commands.h"

namespace zverse::cli {

std::vector<Command> AlgoCommands() { return {}; }

}  // namespace zverse::cli
