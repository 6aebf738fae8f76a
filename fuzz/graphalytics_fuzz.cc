// The Graphalytics loader (graph::ReadGraphalyticsProperties and
// graph::LoadGraphalytics, `zverse load --format graphalytics`): any
// properties, vertex and edge files give a loaded graph or a clear error,
// and a failed load leaves nothing visible; a successful one holds the
// vertices it reports and no more arcs than it reports.
//
// Input: byte 0 holds flags: bit 0 directed, bit 1 weighted, bit 2 the
// properties file is taken from the input rather than written from the
// flags. The rest is split at 0xFF bytes into [the properties file,] the
// vertex file (g.v) and the edge file (g.e); missing parts are empty files.
// A properties file from the input that names files outside the scratch
// directory is not loaded (the loader reads what it is told to).

#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_target.h"
#include "fuzz/fuzz_util.h"
#include "graph/graph_db.h"
#include "graph/loader.h"

namespace {

namespace fs = std::filesystem;

void Write(const std::string& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

bool Inside(const std::string& path, const std::string& dir) {
  const std::string p = fs::weakly_canonical(path).string();
  return p.rfind(dir + "/", 0) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::vector<std::string_view> parts;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  while (true) {
    const size_t cut = rest.find('\xff');
    parts.push_back(rest.substr(0, cut));
    if (cut == std::string_view::npos) break;
    rest.remove_prefix(cut + 1);
  }
  const bool own_properties = (flags & 4) != 0;
  const size_t first = own_properties ? 1 : 0;
  const auto part = [&](size_t i) {
    return i < parts.size() ? parts[i] : std::string_view();
  };
  static const std::string dir = fs::weakly_canonical(
      zverse::fuzz::ScratchDir("graphalytics-fuzz")).string();
  const std::string props = dir + "/g.properties";
  if (own_properties) {
    Write(props, part(0));
  } else {
    std::string text = std::string("graph.g.directed = ") +
                       ((flags & 1) ? "true" : "false") + "\n";
    if (flags & 2) text += "graph.g.edge-properties.names = weight\n";
    Write(props, text);
  }
  Write(dir + "/g.v", part(first));
  Write(dir + "/g.e", part(first + 1));

  absl::StatusOr<zverse::graph::GraphalyticsInput> input =
      zverse::graph::ReadGraphalyticsProperties(props);
  if (!input.ok()) {
    ZVERSE_FUZZ_CHECK(!input.status().message().empty());
    return 0;
  }
  if (!Inside(input->vertex_file, dir) || !Inside(input->edge_file, dir) ||
      fs::is_directory(input->vertex_file) ||
      fs::is_directory(input->edge_file)) {
    return 0;
  }
  auto db = zverse::fuzz::FreshGraph(dir + "/db");
  zverse::fuzz::CheckLoad(*db, zverse::graph::LoadGraphalytics(db.get(), *input),
                          [](const auto&, const auto&) {});
  return 0;
}
