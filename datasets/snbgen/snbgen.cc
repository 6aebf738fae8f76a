// zverse_snbgen: writes an LDBC-SNB-like social network that
// `zverse load --format ldbc-snb` reads. See datasets/README.md and
// `zverse_snbgen --help`.

#include <iostream>
#include <string>
#include <vector>

#include "datasets/snbgen/snbgen_cli.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return zverse::datasets::RunSnbGen(args, std::cout, std::cerr);
}
