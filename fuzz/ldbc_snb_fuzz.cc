// The LDBC SNB loader (graph::LoadLdbcSnb, `zverse load --format ldbc-snb`):
// a damaged data set gives a loaded graph or a clear error, and a failed
// load leaves nothing visible; a successful one holds the vertices it
// reports, no more arcs than it reports, and every knows edge both ways.
//
// A tiny data set (zverse_snbgen's generator, 100 persons: every one of the
// 31 files with its header and a few rows) is made once; each input damages
// one of its files as fuzz/damage.h describes (bytes replaced, overwritten,
// XORed, truncated, extended; the file deleted, swapped with another,
// renamed over another, copied under another name, or a stray file added).

#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "datasets/snbgen/generator.h"
#include "fuzz/damage.h"
#include "fuzz/fuzz_target.h"
#include "fuzz/fuzz_util.h"
#include "graph/graph_db.h"
#include "graph/loader.h"

namespace {

namespace fs = std::filesystem;

struct Template {
  std::string root;
  zverse::fuzz::Files files;  // Paths relative to the data set.
};

const Template& GetTemplate() {
  static const Template* t = [] {
    auto* t = new Template;
    t->root = zverse::fuzz::ScratchDir("ldbc-fuzz");
    zverse::datasets::SnbGenOptions o;
    o.persons = zverse::datasets::kSnbMinPersons;
    o.knows_per_person = 2;
    const std::string out = t->root + "/template";
    ZVERSE_FUZZ_CHECK(zverse::datasets::GenerateSnb(out, o).ok());
    for (const std::string& name : zverse::datasets::SnbFiles()) {
      std::ifstream in(out + "/" + name, std::ios::binary);
      ZVERSE_FUZZ_CHECK(in.good());
      t->files.emplace_back(name,
                            std::string(std::istreambuf_iterator<char>(in), {}));
    }
    return t;
  }();
  return *t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Template& t = GetTemplate();
  zverse::fuzz::Files files = t.files;
  static const std::vector<std::string> kStrays = {
      "dynamic/person_0_1.csv", "static/notes.txt",
      "dynamic/person_0_0.csv.bak"};
  if (!zverse::fuzz::ApplyDamage(data, size, kStrays, &files)) return 0;
  const std::string dir = t.root + "/work";
  std::error_code ec;
  fs::remove_all(dir, ec);
  for (const auto& [name, bytes] : files) {
    const fs::path p = fs::path(dir) / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  auto db = zverse::fuzz::FreshGraph(dir + "/db");
  zverse::fuzz::CheckLoad(
      *db, zverse::graph::LoadLdbcSnb(db.get(), dir),
      [](const zverse::graph::GraphSnapshot& snap,
         const zverse::graph::EdgeRef& e) {
        // knows is stored both ways.
        auto knows = snap.LabelIdOf("knows");
        if (knows.ok() && e.label == *knows) {
          ZVERSE_FUZZ_CHECK(snap.GetEdge({e.dst, e.label, e.src}).ok());
        }
      });
  return 0;
}
