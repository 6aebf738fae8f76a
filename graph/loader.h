// Bulk loaders: Graphalytics (EVLP .v/.e with a .properties file), LDBC SNB
// Interactive v1 CSV (csv_composite-longdateformatter) and plain edge lists.
//
// Every loader reads and checks its whole input before it writes anything: a
// malformed line is InvalidArgument naming the file and line ("f.e:17:
// expected 'src dst', got ..."), and then nothing was written. The checked
// data is written in atomic batches; an input that fits in one batch (the
// engine's kv::kMaxBatchBytes) is therefore all-or-nothing. A larger one is
// written in several batches, and an I/O failure between them (a full disk)
// leaves the earlier batches visible; the error says how many edges were
// committed.
//
// Thread safety: one load at a time per GraphDb (they serialize on Apply).

#ifndef ZVERSE_GRAPH_LOADER_H_
#define ZVERSE_GRAPH_LOADER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "graph/graph_db.h"

namespace zverse::graph {

struct LoadProgress {
  std::string phase;     // "reading", "writing".
  uint64_t done = 0;     // Lines read or records written so far.
  uint64_t total = 0;    // 0 when unknown.
};

struct LoadOptions {
  // Version timestamp for formats without times (Graphalytics, edge lists);
  // 0: the commit's timestamp.
  Timestamp ts = 0;
  // Called now and then during a long load (at most every 100 ms or so).
  std::function<void(const LoadProgress&)> progress;
};

struct LoadStats {
  uint64_t vertices = 0;
  uint64_t edges = 0;        // Stored edges (an undirected edge counts twice).
  uint64_t input_edges = 0;  // Edge lines read.
  uint64_t batches = 0;
  double seconds = 0;
  Timestamp first_ts = 0;    // Smallest and largest version timestamps.
  Timestamp last_ts = 0;
};

// Graphalytics: vertex label "vertex", edge label "edge". An undirected
// graph stores both directions of every edge. A weighted graph stores the
// weight as the float64 edge property "weight". The graph's metadata records
// "directed" ("true"/"false") and "format" ("graphalytics").
struct GraphalyticsInput {
  std::string vertex_file;
  std::string edge_file;
  bool directed = true;
  bool weighted = false;
};

// Reads `properties_path` (graph.<name>.directed, .vertex-file, .edge-file,
// .edge-properties.names; file names are relative to its directory).
absl::StatusOr<GraphalyticsInput> ReadGraphalyticsProperties(
    const std::string& properties_path);

absl::StatusOr<LoadStats> LoadGraphalytics(GraphDb* db,
                                           const GraphalyticsInput& input,
                                           const LoadOptions& options = {});

// Edge list: "src dst" or "src dst weight" per line (whitespace separated;
// blank lines and lines starting with '#' or '%' skipped). Vertices are the
// ids that appear. Labels as for Graphalytics.
struct EdgeListInput {
  std::string path;
  bool directed = true;
};
absl::StatusOr<LoadStats> LoadEdgeList(GraphDb* db, const EdgeListInput& input,
                                       const LoadOptions& options = {});

// LDBC SNB Interactive v1, csv_composite-longdateformatter: `dir` holds
// static/ and dynamic/. Every entity and relationship is loaded; see
// graph/README.md for the mapping (vertex ids, labels, property names).
// Versions carry creationDate (ms -> µs); relationships without a date of
// their own carry the later of their endpoints' times; static data carries
// the earliest time of the data set.
absl::StatusOr<LoadStats> LoadLdbcSnb(GraphDb* db, const std::string& dir,
                                      const LoadOptions& options = {});

// The vertex id of an LDBC entity: (type << 56) | id. Persons keep their
// LDBC id (type 0); Posts and Comments share the Message id space.
enum class LdbcType : uint8_t {
  kPerson = 0,
  kMessage = 1,  // Post and Comment.
  kForum = 2,
  kTag = 3,
  kTagClass = 4,
  kPlace = 5,
  kOrganisation = 6,
};
inline constexpr VertexId LdbcVertexId(LdbcType type, uint64_t id) {
  return (static_cast<VertexId>(type) << 56) | id;
}
inline constexpr uint64_t LdbcOriginalId(VertexId v) {
  return v & ((VertexId{1} << 56) - 1);
}

}  // namespace zverse::graph

#endif  // ZVERSE_GRAPH_LOADER_H_
