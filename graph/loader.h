// Bulk loaders: Graphalytics (EVLP .v/.e with a .properties file), LDBC SNB
// Interactive v1 CSV (csv_composite-longdateformatter) and plain edge lists.
//
// Every loader reads and checks its whole input before it writes anything: a
// malformed line is InvalidArgument naming the file and line ("f.e:17:
// expected 'src dst', got ..."), and then nothing was written. The checked
// data and the graph's metadata (GraphDb::GetMetadata) are then written as
// one bulk batch (GraphDb::Apply with ApplyOptions::bulk, and check_endpoints
// off since the loader checked them): sorted once into a segment of its own
// and all or nothing, whatever the size and whatever fails (a full disk, a
// crash). The price is memory: the whole graph is held while it is written
// (about 200 bytes an edge). LoadOptions::max_batch_ops trades that
// atomicity for bounded memory.
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
  uint64_t done = 0;     // Lines read or operations written so far.
  uint64_t total = 0;    // 0 when unknown (a bulk write reports done = 0,
                         // total = 0 as it starts, and done = total at the
                         // end).
};

struct LoadOptions {
  // Version timestamp for formats without times (Graphalytics, edge lists);
  // 0: the commit's timestamp.
  Timestamp ts = 0;
  // Called now and then during a long load (at most every 100 ms or so).
  std::function<void(const LoadProgress&)> progress;
  // 0 (the default): the whole load is one atomic bulk batch. Otherwise the
  // load goes through the log in batches of at most this many graph
  // operations (a vertex, or one direction of an edge; values above 2^20
  // count as 2^20), with the metadata written after them. That bounds the
  // memory a batch takes, but a failure between batches (a full disk)
  // leaves the earlier ones visible; the error says how many vertices and
  // edges were committed.
  uint64_t max_batch_ops = 0;
};

struct LoadStats {
  uint64_t vertices = 0;
  uint64_t edges = 0;        // Stored edges (an undirected edge counts twice).
  uint64_t input_edges = 0;  // Edge lines read.
  uint64_t batches = 0;      // GraphDb::Apply calls.
  double seconds = 0;         // The whole load (read_seconds + write_seconds
                              // + the metadata writes).
  double read_seconds = 0;    // Reading, parsing and checking the input.
  double write_seconds = 0;   // Building batches and GraphDb::Apply.
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
// .edge-properties.names; file names are relative to its directory). <name>
// is the file's name without ".properties" (or, if no key uses that, the one
// graph the file describes). Without vertex-file/edge-file keys the files are
// <name>.v and <name>.e beside it. The graph is weighted when
// edge-properties.names is "weight"; other edge properties are
// InvalidArgument (unsupported). NotFound if the file does not exist.
//
// Graphalytics input rules: the .v file holds one id a line, unique; the .e
// file "src dst" (or "src dst weight" when weighted, a double) a line, each
// endpoint declared in the .v file; blank lines are skipped. A repeated edge
// is written again (the later weight wins) and counted again in
// LoadStats::edges. A self-loop of an undirected graph is stored once.
absl::StatusOr<GraphalyticsInput> ReadGraphalyticsProperties(
    const std::string& properties_path);

absl::StatusOr<LoadStats> LoadGraphalytics(GraphDb* db,
                                           const GraphalyticsInput& input,
                                           const LoadOptions& options = {});

// Edge list: "src dst" or "src dst weight" per line (whitespace separated;
// blank lines and lines starting with '#' or '%' skipped). Vertices are the
// ids that appear. Labels as for Graphalytics. The first edge line decides
// whether the list is weighted; every other line must agree. An undirected
// list stores both directions of every edge. Metadata: "format" =
// "edgelist", "directed", "weighted".
//
// Timestamps (Graphalytics and edge lists): every version carries
// LoadOptions::ts, or, when it is 0, the (first) batch's commit timestamp,
// so that a load written in several batches still appears at one instant.
struct EdgeListInput {
  std::string path;
  bool directed = true;
};
absl::StatusOr<LoadStats> LoadEdgeList(GraphDb* db, const EdgeListInput& input,
                                       const LoadOptions& options = {});

// LDBC SNB Interactive v1, csv_composite-longdateformatter: `dir` holds
// static/ and dynamic/ with the 31 files *_0_0.csv (each must exist; its
// header must be exactly the expected one). Every entity and relationship is
// loaded:
//
// * Vertex ids: LdbcVertexId(type, LDBC id) (below). Post and Comment share
//   the Message id space: an id used by both is a duplicate (an error).
// * Vertex labels and properties (names as in the CSV headers; the id column
//   is not stored, it is LdbcOriginalId of the vertex id):
//     Person       firstName lastName gender (text), birthday creationDate
//                  (timestamp), locationIP browserUsed (text), speaks (text
//                  list, from the `language` column), email (text list)
//     Post         imageFile (text), creationDate (timestamp), locationIP
//                  browserUsed language content (text), length (int64)
//     Comment      creationDate (timestamp), locationIP browserUsed content
//                  (text), length (int64)
//     Forum        title (text), creationDate (timestamp)
//     Tag, TagClass  name url (text)
//     Place        name url type (text: city/country/continent)
//     Organisation type (text: company/university) name url (text)
// * Edge labels (source -> target as in the file name): knows (Person <->
//   Person, stored in BOTH directions, creationDate), hasCreator,
//   isLocatedIn, replyOf, containerOf, hasMember (joinDate), hasModerator,
//   hasTag, hasInterest, likes (creationDate), studyAt (classYear, int64),
//   workAt (workFrom, int64), isPartOf, isSubclassOf, hasType.
// * Empty fields: an empty text field (a Post's content and language when it
//   has an imageFile, its imageFile otherwise) or an empty `;`-list is
//   omitted: the property is absent rather than "". Numbers and dates must
//   not be empty.
// * Times: the CSV's epoch milliseconds become microseconds, both for
//   timestamp properties and for version timestamps. Each entity's version
//   carries its creationDate. A relationship with a date of its own (knows,
//   likes: creationDate; hasMember: joinDate) carries that date; one without
//   carries the later of its endpoints' version times. (A dated relationship
//   is also never earlier than its endpoints: if a data set dated one before
//   an endpoint's creation, it carries the endpoint's time, so that no edge
//   exists without its endpoints. The official data never does.) Static
//   entities (Tag, TagClass, Place, Organisation) and the relationships
//   among them carry the earliest version time of the dynamic data
//   (LoadOptions::ts is not used; if the dynamic files hold no rows, static
//   data gets LoadOptions::ts, or the commit time when that is 0).
// * Checks before anything is written: field counts, numbers, dates in
//   (0, now], duplicate ids, and every relationship's endpoints (which must
//   exist and have the right label); errors name FILE:LINE.
// * Metadata: "format" = "ldbc-snb", "directed" = "true".
//
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
