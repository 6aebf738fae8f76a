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
#include "graph/graph_db.h"
#include "graph/loader.h"

namespace {

namespace fs = std::filesystem;

const std::string& Root() {
  static const std::string* root = [] {
    const char* base = fs::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    auto* dir = new std::string(std::string(base) +
                                "/zverse-edge-list-fuzz-XXXXXX");
    if (mkdtemp(dir->data()) == nullptr) std::abort();
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(Root(), ec);
    });
    return dir;
  }();
  return *root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string file = Root() + "/edges.txt";
  const std::string db_dir = Root() + "/db";
  std::error_code ec;
  fs::remove_all(db_dir, ec);
  std::ofstream(file, std::ios::binary)
      .write(reinterpret_cast<const char*>(data) + 1,
             static_cast<std::streamsize>(size - 1));
  zverse::graph::GraphOptions options;
  options.kv.background_compaction = false;
  options.kv.sync_mode = zverse::kv::SyncMode::kNever;
  auto db = zverse::graph::GraphDb::Open(db_dir, options);
  ZVERSE_FUZZ_CHECK(db.ok());
  zverse::graph::EdgeListInput input;
  input.path = file;
  input.directed = data[0] % 2 == 0;
  auto stats = zverse::graph::LoadEdgeList(db->get(), input);
  auto snap = (*db)->GetSnapshot();
  ZVERSE_FUZZ_CHECK(snap.ok());
  auto ids = snap->VertexIds();
  ZVERSE_FUZZ_CHECK(ids.ok());
  if (!stats.ok()) {
    ZVERSE_FUZZ_CHECK(!stats.status().message().empty());
    ZVERSE_FUZZ_CHECK(ids->empty());  // Nothing of a failed load is visible.
  } else {
    ZVERSE_FUZZ_CHECK(ids->size() == stats->vertices);
    uint64_t arcs = 0;
    ZVERSE_FUZZ_CHECK(snap->Edges([&](const zverse::graph::EdgeRef&) {
                             ++arcs;
                             return true;
                           }).ok());
    ZVERSE_FUZZ_CHECK(arcs <= stats->edges);  // Repeated edges count again.
  }
  ZVERSE_FUZZ_CHECK((*db)->Close().ok());
  return 0;
}
