// The edge-list loader (graph::LoadEdgeList, `zverse load --format
// edgelist`): any file gives a loaded graph or a clear error, and a failed
// load leaves nothing visible; a successful one stores as many arcs as it
// reports. Byte 0 of the input picks directed (even) or undirected (odd);
// the rest is the file.

#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz/fuzz_target.h"
#include "fuzz/fuzz_util.h"
#include "graph/graph_db.h"
#include "graph/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const std::string root = zverse::fuzz::ScratchDir("edge-list-fuzz");
  const std::string file = root + "/edges.txt";
  std::ofstream(file, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data) + 1,
             static_cast<std::streamsize>(size - 1));
  auto db = zverse::fuzz::FreshGraph(root + "/db");
  zverse::graph::EdgeListInput input;
  input.path = file;
  input.directed = data[0] % 2 == 0;
  zverse::fuzz::CheckLoad(*db, zverse::graph::LoadEdgeList(db.get(), input),
                          [](const auto&, const auto&) {});
  return 0;
}
