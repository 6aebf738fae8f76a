// Helpers the file-writing targets share: a scratch directory removed at
// exit, and, for the loader targets, a fresh graph and the invariants every
// load must keep.

#ifndef ZVERSE_FUZZ_FUZZ_UTIL_H_
#define ZVERSE_FUZZ_FUZZ_UTIL_H_

#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "fuzz/fuzz_target.h"
#include "graph/graph_db.h"
#include "graph/loader.h"

namespace zverse::fuzz {

// The directories ScratchDir made, removed at exit.
inline std::vector<std::string>& ScratchDirs() {
  static auto* dirs = [] {
    auto* d = new std::vector<std::string>;
    std::atexit([] {
      std::error_code ec;
      for (const std::string& dir : ScratchDirs()) {
        std::filesystem::remove_all(dir, ec);
      }
    });
    return d;
  }();
  return *dirs;
}

// A fresh directory under /dev/shm (or /tmp), "zverse-<name>-XXXXXX",
// removed when the process exits.
inline std::string ScratchDir(const std::string& name) {
  const char* base =
      std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
  std::string dir = std::string(base) + "/zverse-" + name + "-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) std::abort();
  ScratchDirs().push_back(dir);
  return dir;
}

// An empty graph at `dir` (whatever was there is removed), for one load.
inline std::unique_ptr<graph::GraphDb> FreshGraph(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  graph::GraphOptions options;
  options.kv.background_compaction = false;
  options.kv.sync_mode = kv::SyncMode::kNever;
  auto db = graph::GraphDb::Open(dir, options);
  ZVERSE_FUZZ_CHECK(db.ok());
  return std::move(db).value();
}

// What every load must keep: a failed one has an error message and left no
// vertex visible; a successful one holds the vertices it reports and no more
// arcs than it reports (a repeated edge counts again). `per_edge` sees every
// stored edge of a successful load. Closes `db`.
inline void CheckLoad(
    graph::GraphDb& db, const absl::StatusOr<graph::LoadStats>& stats,
    absl::FunctionRef<void(const graph::GraphSnapshot&, const graph::EdgeRef&)>
        per_edge) {
  auto snap = db.GetSnapshot();
  ZVERSE_FUZZ_CHECK(snap.ok());
  auto ids = snap->VertexIds();
  ZVERSE_FUZZ_CHECK(ids.ok());
  if (!stats.ok()) {
    ZVERSE_FUZZ_CHECK(!stats.status().message().empty());
    ZVERSE_FUZZ_CHECK(ids->empty());
  } else {
    ZVERSE_FUZZ_CHECK(ids->size() == stats->vertices);
    uint64_t arcs = 0;
    ZVERSE_FUZZ_CHECK(snap->Edges([&](const graph::EdgeRef& e) {
                             ++arcs;
                             per_edge(*snap, e);
                             return true;
                           }).ok());
    ZVERSE_FUZZ_CHECK(arcs <= stats->edges);
  }
  ZVERSE_FUZZ_CHECK(db.Close().ok());
}

}  // namespace zverse::fuzz

#endif  // ZVERSE_FUZZ_FUZZ_UTIL_H_
