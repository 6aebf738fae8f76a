// Tests of the bulk loaders (graph/loader.h): Graphalytics, edge lists and
// LDBC SNB Interactive v1, including that a malformed input names FILE:LINE
// and leaves nothing behind.

#include "graph/loader.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "graph/graph_db.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace zverse::graph {
namespace {

namespace fs = std::filesystem;
using ::zverse::testing::DatasetsDir;
using ::zverse::testing::kDatasetsHint;
using ::zverse::testing::TempDir;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::unique_ptr<GraphDb> OpenDb(const std::string& dir) {
  GraphOptions options;
  options.kv.sync_mode = kv::SyncMode::kNever;
  absl::StatusOr<std::unique_ptr<GraphDb>> db = GraphDb::Open(dir, options);
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? *std::move(db) : nullptr;
}

Timestamp NowMicros() {
  return static_cast<Timestamp>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

// The out-neighbours of every vertex with label `label`, as (src, dst).
std::set<std::pair<VertexId, VertexId>> Arcs(const GraphSnapshot& snap,
                                             std::string_view label) {
  std::set<std::pair<VertexId, VertexId>> arcs;
  absl::StatusOr<LabelId> id = snap.LabelIdOf(label);
  if (!id.ok()) return arcs;
  absl::Status s = snap.Edges([&](const EdgeRef& e) {
    if (e.label == *id) arcs.emplace(e.src, e.dst);
    return true;
  });
  EXPECT_TRUE(s.ok()) << s;
  return arcs;
}

std::vector<VertexId> Ids(const GraphSnapshot& snap) {
  absl::StatusOr<std::vector<VertexId>> ids = snap.VertexIds();
  EXPECT_TRUE(ids.ok()) << ids.status();
  return ids.ok() ? *ids : std::vector<VertexId>{};
}

std::string Metadata(const GraphDb& db, std::string_view name) {
  absl::StatusOr<std::string> v = db.GetMetadata(name);
  return v.ok() ? *v : absl::StrCat("<", v.status().ToString(), ">");
}

double Weight(const GraphSnapshot& snap, VertexId src, VertexId dst) {
  absl::StatusOr<LabelId> label = snap.LabelIdOf("edge");
  if (!label.ok()) return -1;
  absl::StatusOr<Properties> props =
      snap.EdgeProperties(EdgeKey{src, *label, dst});
  if (!props.ok()) return -1;
  for (const NamedProperty& p : *props) {
    if (p.name == "weight") return std::get<double>(p.value);
  }
  return -2;
}

// --- Graphalytics ----------------------------------------------------------

class GraphalyticsTest : public ::testing::Test {
 protected:
  // A small graph: vertices 1, 2, 3, 5, 8; edges as given.
  GraphalyticsInput Write(const std::string& edges, bool directed,
                          bool weighted) {
    WriteFile(dir_.Sub("g.v"), "1\n2\n3\n5\n8\n");
    WriteFile(dir_.Sub("g.e"), edges);
    return GraphalyticsInput{dir_.Sub("g.v"), dir_.Sub("g.e"), directed,
                             weighted};
  }

  TempDir dir_;
};

TEST_F(GraphalyticsTest, DirectedWeightedViaProperties) {
  WriteFile(dir_.Sub("g.v"), "1\n2\n3\n5\n8\n");
  WriteFile(dir_.Sub("g.e"), "1 2 0.5\n1 3 1.25\n2 8 3e2\n5 1 0\n");
  WriteFile(dir_.Sub("tiny.properties"),
            "# A comment\n"
            "graph.tiny.vertex-file = g.v\n"
            "graph.tiny.edge-file = g.e\n"
            "graph.tiny.directed = true\n"
            "graph.tiny.edge-properties.names = weight\n"
            "graph.tiny.edge-properties.types = real\n");
  ASSERT_OK_AND_ASSIGN(GraphalyticsInput input,
                       ReadGraphalyticsProperties(dir_.Sub("tiny.properties")));
  EXPECT_EQ(input.vertex_file, dir_.Sub("g.v"));
  EXPECT_EQ(input.edge_file, dir_.Sub("g.e"));
  EXPECT_TRUE(input.directed);
  EXPECT_TRUE(input.weighted);

  std::unique_ptr<GraphDb> db = OpenDb(dir_.Sub("db"));
  ASSERT_NE(db, nullptr);
  std::vector<LoadProgress> reports;
  LoadOptions options;
  options.progress = [&](const LoadProgress& p) { reports.push_back(p); };
  ASSERT_OK_AND_ASSIGN(LoadStats stats, LoadGraphalytics(db.get(), input,
                                                         options));
  EXPECT_EQ(stats.vertices, 5u);
  EXPECT_EQ(stats.edges, 4u);
  EXPECT_EQ(stats.input_edges, 4u);
  EXPECT_EQ(stats.batches, 1u);
  EXPECT_GT(stats.first_ts, 0u);
  EXPECT_EQ(stats.first_ts, stats.last_ts);
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.back().phase, "writing");
  EXPECT_EQ(reports.back().done, reports.back().total);

  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db->GetSnapshot());
  EXPECT_EQ(Ids(snap), (std::vector<VertexId>{1, 2, 3, 5, 8}));
  ASSERT_OK_AND_ASSIGN(Vertex v, snap.GetVertex(8));
  EXPECT_EQ(v.label_name, "vertex");
  EXPECT_EQ(v.ts, stats.first_ts);
  EXPECT_EQ(Arcs(snap, "edge"),
            (std::set<std::pair<VertexId, VertexId>>{
                {1, 2}, {1, 3}, {2, 8}, {5, 1}}));
  EXPECT_EQ(Weight(snap, 1, 2), 0.5);
  EXPECT_EQ(Weight(snap, 1, 3), 1.25);
  EXPECT_EQ(Weight(snap, 2, 8), 300.0);
  EXPECT_EQ(Weight(snap, 5, 1), 0.0);
  EXPECT_EQ(Metadata(*db, "format"), "graphalytics");
  EXPECT_EQ(Metadata(*db, "directed"), "true");
  EXPECT_EQ(Metadata(*db, "weighted"), "true");
  // Nothing before the load.
  ASSERT_OK_AND_ASSIGN(GraphSnapshot before,
                       db->GetSnapshot(stats.first_ts - 1));
  EXPECT_TRUE(Ids(before).empty());
}

TEST_F(GraphalyticsTest, UndirectedStoresBothDirections) {
  GraphalyticsInput input =
      Write("1 2\n1 3\n2 3\n3 8\n", /*directed=*/false, /*weighted=*/false);
  std::unique_ptr<GraphDb> db = OpenDb(dir_.Sub("db"));
  ASSERT_NE(db, nullptr);
  ASSERT_OK_AND_ASSIGN(LoadStats stats, LoadGraphalytics(db.get(), input));
  EXPECT_EQ(stats.vertices, 5u);
  EXPECT_EQ(stats.edges, 8u);
  EXPECT_EQ(stats.input_edges, 4u);
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db->GetSnapshot());
  EXPECT_EQ(Arcs(snap, "edge"), (std::set<std::pair<VertexId, VertexId>>{
                                    {1, 2}, {2, 1}, {1, 3}, {3, 1},
                                    {2, 3}, {3, 2}, {3, 8}, {8, 3}}));
  ASSERT_OK_AND_ASSIGN(std::vector<VertexId> in3, snap.InNeighbors(3));
  EXPECT_EQ(in3, (std::vector<VertexId>{1, 2, 8}));
  ASSERT_OK_AND_ASSIGN(size_t degree5, snap.OutDegree(5));
  EXPECT_EQ(degree5, 0u);  // Isolated, but present.
  EXPECT_EQ(Metadata(*db, "directed"), "false");
  EXPECT_EQ(Metadata(*db, "weighted"), "false");
  // An unweighted edge has no properties.
  ASSERT_OK_AND_ASSIGN(LabelId edge, snap.LabelIdOf("edge"));
  ASSERT_OK_AND_ASSIGN(Properties props, snap.EdgeProperties({2, edge, 1}));
  EXPECT_TRUE(props.empty());
}

TEST_F(GraphalyticsTest, UndirectedWeightedBothDirectionsCarryTheWeight) {
  GraphalyticsInput input =
      Write("1 2 0.25\n3 8 7\n", /*directed=*/false, /*weighted=*/true);
  std::unique_ptr<GraphDb> db = OpenDb(dir_.Sub("db"));
  ASSERT_NE(db, nullptr);
  ASSERT_OK_AND_ASSIGN(LoadStats stats, LoadGraphalytics(db.get(), input));
  EXPECT_EQ(stats.edges, 4u);
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db->GetSnapshot());
  EXPECT_EQ(Weight(snap, 1, 2), 0.25);
  EXPECT_EQ(Weight(snap, 2, 1), 0.25);
  EXPECT_EQ(Weight(snap, 8, 3), 7.0);
}

TEST_F(GraphalyticsTest, PropertiesDefaultsAndUndirected) {
  // No vertex-file/edge-file keys: <name>.v and <name>.e beside the file.
  WriteFile(dir_.Sub("small.v"), "4\n7\n");
  WriteFile(dir_.Sub("small.e"), "4 7\n");
  WriteFile(dir_.Sub("small.properties"),
            "graph.small.directed: false\n"
            "graph.small.algorithms = bfs, \\\n    wcc\n");
  ASSERT_OK_AND_ASSIGN(GraphalyticsInput input,
                       ReadGraphalyticsProperties(dir_.Sub("small.properties")));
  EXPECT_EQ(input.vertex_file, dir_.Sub("small.v"));
  EXPECT_EQ(input.edge_file, dir_.Sub("small.e"));
  EXPECT_FALSE(input.directed);
  EXPECT_FALSE(input.weighted);
}

TEST_F(GraphalyticsTest, PropertiesErrors) {
  EXPECT_STATUS_CODE(ReadGraphalyticsProperties(dir_.Sub("none.properties")),
                     absl::StatusCode::kNotFound);
  WriteFile(dir_.Sub("a.properties"), "graph.a.vertex-file = a.v\n");
  absl::StatusOr<GraphalyticsInput> r =
      ReadGraphalyticsProperties(dir_.Sub("a.properties"));
  EXPECT_STATUS_CODE(r, absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "graph.a.directed"))
      << r.status();
  WriteFile(dir_.Sub("b.properties"),
            "graph.b.directed = true\ngraph.b.directed = maybe\n");
  r = ReadGraphalyticsProperties(dir_.Sub("b.properties"));
  EXPECT_STATUS_CODE(r, absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "b.properties:2:"))
      << r.status();
}

TEST_F(GraphalyticsTest, ExplicitTimestampAndMultipleBatches) {
  GraphalyticsInput input =
      Write("1 2\n1 3\n2 3\n3 8\n5 8\n", /*directed=*/true, false);
  std::unique_ptr<GraphDb> db = OpenDb(dir_.Sub("db"));
  ASSERT_NE(db, nullptr);
  const Timestamp t = 1'600'000'000'000'000;
  LoadOptions options;
  options.ts = t;
  options.max_batch_ops = 3;
  ASSERT_OK_AND_ASSIGN(LoadStats stats,
                       LoadGraphalytics(db.get(), input, options));
  EXPECT_EQ(stats.batches, 4u);  // 10 operations, 3 a batch.
  EXPECT_EQ(stats.vertices, 5u);
  EXPECT_EQ(stats.edges, 5u);
  EXPECT_EQ(stats.first_ts, t);
  EXPECT_EQ(stats.last_ts, t);
  ASSERT_OK_AND_ASSIGN(GraphSnapshot at, db->GetSnapshot(t));
  EXPECT_EQ(Ids(at).size(), 5u);
  EXPECT_EQ(Arcs(at, "edge").size(), 5u);
  ASSERT_OK_AND_ASSIGN(GraphSnapshot before, db->GetSnapshot(t - 1));
  EXPECT_TRUE(Ids(before).empty());
  EXPECT_TRUE(Arcs(before, "edge").empty());
}

TEST_F(GraphalyticsTest, SeveralBatchesWithoutTsShareTheFirstCommitTime) {
  GraphalyticsInput input = Write("1 2\n1 3\n2 3\n3 8\n", true, false);
  std::unique_ptr<GraphDb> db = OpenDb(dir_.Sub("db"));
  ASSERT_NE(db, nullptr);
  LoadOptions options;
  options.max_batch_ops = 2;
  ASSERT_OK_AND_ASSIGN(LoadStats stats,
                       LoadGraphalytics(db.get(), input, options));
  EXPECT_EQ(stats.batches, 5u);
  EXPECT_EQ(stats.first_ts, stats.last_ts);
  ASSERT_OK_AND_ASSIGN(GraphSnapshot at, db->GetSnapshot(stats.first_ts));
  EXPECT_EQ(Ids(at).size(), 5u);
  EXPECT_EQ(Arcs(at, "edge").size(), 4u);
}

TEST_F(GraphalyticsTest, FutureTimestampIsRejectedBeforeWriting) {
  GraphalyticsInput input = Write("1 2\n", true, false);
  std::unique_ptr<GraphDb> db = OpenDb(dir_.Sub("db"));
  ASSERT_NE(db, nullptr);
  const uint64_t entries = db->kv()->GetStats().entries;
  LoadOptions options;
  options.ts = NowMicros() + 3'600'000'000;
  EXPECT_STATUS_CODE(LoadGraphalytics(db.get(), input, options),
                     absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db->kv()->GetStats().entries, entries);
}

TEST(GraphalyticsDatasetTest, ExampleDirectedAndUndirected) {
  const std::string root = DatasetsDir();
  if (root.empty()) GTEST_SKIP() << kDatasetsHint;
  for (const char* name : {"example-directed", "example-undirected"}) {
    SCOPED_TRACE(name);
    const std::string base =
        absl::StrCat(root, "/graphalytics/", name, "/", name);
    ASSERT_OK_AND_ASSIGN(GraphalyticsInput input,
                         ReadGraphalyticsProperties(base + ".properties"));
    EXPECT_TRUE(input.weighted);
    TempDir dir;
    std::unique_ptr<GraphDb> db = OpenDb(dir.Sub("db"));
    ASSERT_NE(db, nullptr);
    ASSERT_OK_AND_ASSIGN(LoadStats stats, LoadGraphalytics(db.get(), input));
    // Count independently from the files.
    std::set<VertexId> vertices;
    for (absl::string_view line :
         absl::StrSplit(ReadFile(base + ".v"), '\n', absl::SkipEmpty())) {
      vertices.insert(std::stoull(std::string(line)));
    }
    std::set<std::pair<VertexId, VertexId>> arcs;
    for (absl::string_view line :
         absl::StrSplit(ReadFile(base + ".e"), '\n', absl::SkipEmpty())) {
      std::vector<std::string> f = absl::StrSplit(line, ' ');
      ASSERT_EQ(f.size(), 3u);
      const VertexId a = std::stoull(f[0]), b = std::stoull(f[1]);
      arcs.emplace(a, b);
      if (!input.directed) arcs.emplace(b, a);
    }
    EXPECT_EQ(stats.vertices, vertices.size());
    EXPECT_EQ(stats.edges, arcs.size());
    ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db->GetSnapshot());
    std::vector<VertexId> ids = Ids(snap);
    EXPECT_EQ(std::set<VertexId>(ids.begin(), ids.end()), vertices);
    EXPECT_EQ(Arcs(snap, "edge"), arcs);
  }
}

// --- Edge lists ------------------------------------------------------------

TEST(EdgeListTest, CommentsBlankLinesAndImplicitVertices) {
  TempDir dir;
  WriteFile(dir.Sub("g.txt"),
            "# a comment\n% another\n\n10 20\n20\t30\r\n  10   30  \n\n"
            "40 10\n");
  std::unique_ptr<GraphDb> db = OpenDb(dir.Sub("db"));
  ASSERT_NE(db, nullptr);
  ASSERT_OK_AND_ASSIGN(LoadStats stats,
                       LoadEdgeList(db.get(), {dir.Sub("g.txt"), true}));
  EXPECT_EQ(stats.vertices, 4u);
  EXPECT_EQ(stats.edges, 4u);
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db->GetSnapshot());
  EXPECT_EQ(Ids(snap), (std::vector<VertexId>{10, 20, 30, 40}));
  EXPECT_EQ(Arcs(snap, "edge"),
            (std::set<std::pair<VertexId, VertexId>>{
                {10, 20}, {20, 30}, {10, 30}, {40, 10}}));
  EXPECT_EQ(Metadata(*db, "format"), "edgelist");
  EXPECT_EQ(Metadata(*db, "directed"), "true");
  EXPECT_EQ(Metadata(*db, "weighted"), "false");
}

TEST(EdgeListTest, UndirectedWeighted) {
  TempDir dir;
  WriteFile(dir.Sub("g.txt"), "1 2 1.5\n2 3 -2\n3 3 4\n");
  std::unique_ptr<GraphDb> db = OpenDb(dir.Sub("db"));
  ASSERT_NE(db, nullptr);
  ASSERT_OK_AND_ASSIGN(LoadStats stats,
                       LoadEdgeList(db.get(), {dir.Sub("g.txt"), false}));
  EXPECT_EQ(stats.vertices, 3u);
  EXPECT_EQ(stats.edges, 5u);  // The self-loop is stored once.
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db->GetSnapshot());
  EXPECT_EQ(Weight(snap, 2, 1), 1.5);
  EXPECT_EQ(Weight(snap, 3, 2), -2.0);
  EXPECT_EQ(Weight(snap, 3, 3), 4.0);
  EXPECT_EQ(Metadata(*db, "directed"), "false");
  EXPECT_EQ(Metadata(*db, "weighted"), "true");
}

TEST(EdgeListTest, EmptyListLoadsNothing) {
  TempDir dir;
  WriteFile(dir.Sub("g.txt"), "# nothing here\n");
  std::unique_ptr<GraphDb> db = OpenDb(dir.Sub("db"));
  ASSERT_NE(db, nullptr);
  ASSERT_OK_AND_ASSIGN(LoadStats stats,
                       LoadEdgeList(db.get(), {dir.Sub("g.txt"), true}));
  EXPECT_EQ(stats.vertices, 0u);
  EXPECT_EQ(stats.edges, 0u);
  EXPECT_EQ(stats.batches, 1u);  // The metadata.
  EXPECT_EQ(Metadata(*db, "format"), "edgelist");
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db->GetSnapshot());
  EXPECT_EQ(Ids(snap), std::vector<VertexId>{});
}

// --- Malformed input: an error naming FILE:LINE, and nothing written --------

struct BadInput {
  const char* name;
  const char* format;  // "graphalytics" or "edgelist".
  const char* vertices;
  const char* edges;
  bool weighted;
  absl::StatusCode code;
  const char* file;  // The file the message must name ("g.v", "g.e").
  int line;          // 0: no line number expected.
  const char* also;  // More text the message must contain.
};

// Keeps the generated test names short (ctest lists them).
void PrintTo(const BadInput& p, std::ostream* os) { *os << p.name; }

class BadInputTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputTest, FailsNamingFileAndLineWithNothingVisible) {
  const BadInput& p = GetParam();
  TempDir dir;
  if (p.vertices != nullptr) WriteFile(dir.Sub("g.v"), p.vertices);
  if (p.edges != nullptr) WriteFile(dir.Sub("g.e"), p.edges);
  std::unique_ptr<GraphDb> db = OpenDb(dir.Sub("db"));
  ASSERT_NE(db, nullptr);
  const uint64_t entries = db->kv()->GetStats().entries;

  absl::StatusOr<LoadStats> stats;
  if (std::string_view(p.format) == "graphalytics") {
    stats = LoadGraphalytics(
        db.get(), {dir.Sub("g.v"), dir.Sub("g.e"), true, p.weighted});
  } else {
    stats = LoadEdgeList(db.get(), {dir.Sub("g.e"), true});
  }
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.status().code(), p.code) << stats.status();
  const std::string where =
      p.line > 0 ? absl::StrCat(dir.Sub(p.file), ":", p.line, ": ")
                 : dir.Sub(p.file);
  EXPECT_TRUE(absl::StrContains(stats.status().message(), where))
      << stats.status() << "\nwant: " << where;
  EXPECT_TRUE(absl::StrContains(stats.status().message(), p.also))
      << stats.status() << "\nwant: " << p.also;

  EXPECT_EQ(db->kv()->GetStats().entries, entries);
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db->GetSnapshot());
  EXPECT_TRUE(Ids(snap).empty());
  EXPECT_TRUE(Arcs(snap, "edge").empty());
  EXPECT_STATUS_CODE(db->GetMetadata("format"), absl::StatusCode::kNotFound);
}

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
INSTANTIATE_TEST_SUITE_P(
    Loader, BadInputTest,
    ::testing::Values(
        BadInput{"BadNumberInEdge", "graphalytics", "1\n2\n3\n",
                 "1 2\n2 x3\n", false, kInvalid, "g.e", 2, "x3"},
        BadInput{"NegativeId", "graphalytics", "1\n2\n", "1 2\n-1 2\n", false,
                 kInvalid, "g.e", 2, "-1"},
        BadInput{"IdTooLarge", "graphalytics", "1\n2\n",
                 "1 18446744073709551616\n", false, kInvalid, "g.e", 1,
                 "18446744073709551616"},
        BadInput{"BadNumberInVertex", "graphalytics", "1\n2\n3a\n", "1 2\n",
                 false, kInvalid, "g.v", 3, "3a"},
        BadInput{"TooManyFields", "graphalytics", "1\n2\n3\n",
                 "1 2\n1 3 0.5\n", false, kInvalid, "g.e", 2, "src dst"},
        BadInput{"MissingWeight", "graphalytics", "1\n2\n3\n",
                 "1 2 1\n1 3\n", true, kInvalid, "g.e", 2, "weight"},
        BadInput{"BadWeight", "graphalytics", "1\n2\n3\n", "1 2 1\n1 3 abc\n",
                 true, kInvalid, "g.e", 2, "abc"},
        BadInput{"TwoVertexIdsOnALine", "graphalytics", "1\n2 3\n", "1 2\n",
                 false, kInvalid, "g.v", 2, "2 3"},
        BadInput{"EdgeToUnknownVertex", "graphalytics", "1\n2\n3\n",
                 "1 2\n2 3\n3 4\n", false, kInvalid, "g.e", 3, "vertex 4"},
        BadInput{"EdgeFromUnknownVertex", "graphalytics", "1\n2\n3\n",
                 "1 2\n9 3\n", false, kInvalid, "g.e", 2, "vertex 9"},
        BadInput{"DuplicateVertex", "graphalytics", "1\n2\n3\n2\n", "1 2\n",
                 false, kInvalid, "g.v", 4, "line 2"},
        BadInput{"MissingEdgeFile", "graphalytics", "1\n2\n", nullptr, false,
                 absl::StatusCode::kNotFound, "g.e", 0, ""},
        BadInput{"MissingVertexFile", "graphalytics", nullptr, "1 2\n", false,
                 absl::StatusCode::kNotFound, "g.v", 0, ""},
        BadInput{"EdgeListOneField", "edgelist", nullptr, "1 2\n3\n", false,
                 kInvalid, "g.e", 2, "'3'"},
        BadInput{"EdgeListWeightsNotAllOrNone", "edgelist", nullptr,
                 "# c\n1 2 0.5\n2 3\n", false, kInvalid, "g.e", 3,
                 "first edge line"},
        BadInput{"EdgeListBadNumber", "edgelist", nullptr, "1 2\n1 0x10\n",
                 false, kInvalid, "g.e", 2, "0x10"},
        BadInput{"EdgeListMissing", "edgelist", nullptr, nullptr, false,
                 absl::StatusCode::kNotFound, "g.e", 0, ""}),
    [](const ::testing::TestParamInfo<BadInput>& info) {
      return std::string(info.param.name);
    });

TEST(LoaderMessageTest, LongLinesAreTruncatedInTheMessage) {
  TempDir dir;
  WriteFile(dir.Sub("g.e"), "1 2\n" + std::string(500, '7') + " x\n");
  std::unique_ptr<GraphDb> db = OpenDb(dir.Sub("db"));
  ASSERT_NE(db, nullptr);
  absl::StatusOr<LoadStats> stats = LoadEdgeList(db.get(), {dir.Sub("g.e")});
  EXPECT_STATUS_CODE(stats, kInvalid);
  EXPECT_LT(stats.status().message().size(), 250u) << stats.status();
  EXPECT_TRUE(absl::StrContains(stats.status().message(), "...")) << stats.status();
}

// --- LDBC SNB Interactive v1 -----------------------------------------------

std::string LdbcTinyDir() {
  const std::string root = DatasetsDir();
  if (root.empty()) return "";
  const std::string dir =
      root + "/ldbc-snb/interactive-v1-tiny/csv_composite-longdateformatter";
  std::error_code ec;
  return fs::is_directory(dir, ec) ? dir : "";
}

// The rows of a CSV file, header excluded, split at '|'.
std::vector<std::vector<std::string>> Rows(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  bool header = true;
  for (absl::string_view line :
       absl::StrSplit(ReadFile(path), '\n', absl::SkipEmpty())) {
    if (header) {
      header = false;
      continue;
    }
    rows.push_back(absl::StrSplit(line, '|'));
  }
  return rows;
}

size_t CountLabel(const GraphSnapshot& snap, std::string_view label) {
  absl::StatusOr<LabelId> id = snap.LabelIdOf(label);
  if (!id.ok()) return 0;
  size_t n = 0;
  absl::Status s = snap.Vertices(*id, [&](VertexId) {
    ++n;
    return true;
  });
  EXPECT_TRUE(s.ok()) << s;
  return n;
}

const PropertyValue* Find(const Properties& props, std::string_view name) {
  for (const NamedProperty& p : props) {
    if (p.name == name) return &p.value;
  }
  return nullptr;
}

class LdbcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dataset_ = LdbcTinyDir();
    if (dataset_.empty()) return;
    dir_ = new TempDir;
    db_ = OpenDb(dir_->Sub("db")).release();
    ASSERT_NE(db_, nullptr);
    absl::StatusOr<LoadStats> stats = LoadLdbcSnb(db_, dataset_);
    ASSERT_TRUE(stats.ok()) << stats.status();
    stats_ = new LoadStats(*stats);
  }
  static void TearDownTestSuite() {
    delete stats_;
    delete db_;
    delete dir_;
    stats_ = nullptr;
    db_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (dataset_.empty()) GTEST_SKIP() << kDatasetsHint;
    ASSERT_NE(stats_, nullptr);
  }
  std::string File(const std::string& name) const {
    return dataset_ + "/" + name;
  }

  static std::string dataset_;
  static TempDir* dir_;
  static GraphDb* db_;
  static LoadStats* stats_;
};
std::string LdbcTest::dataset_;
TempDir* LdbcTest::dir_ = nullptr;
GraphDb* LdbcTest::db_ = nullptr;
LoadStats* LdbcTest::stats_ = nullptr;

TEST_F(LdbcTest, OneAtomicBatchWithEveryRow) {
  EXPECT_EQ(stats_->batches, 1u);
  // Independent counts from the CSV files.
  uint64_t vertices = 0, relationship_rows = 0, arcs = 0;
  for (const char* sub : {"static", "dynamic"}) {
    for (const auto& entry : fs::directory_iterator(File(sub))) {
      const std::string name = entry.path().filename().string();
      const size_t rows = Rows(entry.path().string()).size();
      const size_t underscores = std::count(name.begin(), name.end(), '_');
      if (underscores == 2) {  // person_0_0.csv
        vertices += rows;
      } else {  // person_knows_person_0_0.csv
        relationship_rows += rows;
        arcs += absl::StartsWith(name, "person_knows_person") ? 2 * rows : rows;
      }
    }
  }
  EXPECT_EQ(stats_->vertices, vertices);
  EXPECT_EQ(stats_->input_edges, relationship_rows);
  EXPECT_EQ(stats_->edges, arcs);
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  EXPECT_EQ(Ids(snap).size(), vertices);
  uint64_t stored = 0;
  ASSERT_OK(snap.Edges([&](const EdgeRef&) {
    ++stored;
    return true;
  }));
  EXPECT_EQ(stored, arcs);
  EXPECT_EQ(Metadata(*db_, "format"), "ldbc-snb");
  EXPECT_EQ(Metadata(*db_, "directed"), "true");
}

TEST_F(LdbcTest, VertexCountsPerLabel) {
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  const std::pair<const char*, const char*> files[] = {
      {"Person", "dynamic/person_0_0.csv"},
      {"Post", "dynamic/post_0_0.csv"},
      {"Comment", "dynamic/comment_0_0.csv"},
      {"Forum", "dynamic/forum_0_0.csv"},
      {"Tag", "static/tag_0_0.csv"},
      {"TagClass", "static/tagclass_0_0.csv"},
      {"Place", "static/place_0_0.csv"},
      {"Organisation", "static/organisation_0_0.csv"},
  };
  for (const auto& [label, file] : files) {
    EXPECT_EQ(CountLabel(snap, label), Rows(File(file)).size()) << label;
  }
  EXPECT_EQ(CountLabel(snap, "Person"), 222u);
}

TEST_F(LdbcTest, KnowsIsStoredBothWays) {
  const auto rows = Rows(File("dynamic/person_knows_person_0_0.csv"));
  EXPECT_EQ(rows.size(), 825u);
  std::set<std::pair<VertexId, VertexId>> want;
  for (const auto& r : rows) {
    const VertexId a = LdbcVertexId(LdbcType::kPerson, std::stoull(r[0]));
    const VertexId b = LdbcVertexId(LdbcType::kPerson, std::stoull(r[1]));
    want.emplace(a, b);
    want.emplace(b, a);
  }
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  EXPECT_EQ(Arcs(snap, "knows"), want);
  EXPECT_EQ(want.size(), 1650u);
}

TEST_F(LdbcTest, PersonProperties) {
  const auto rows = Rows(File("dynamic/person_0_0.csv"));
  ASSERT_FALSE(rows.empty());
  // id|firstName|lastName|gender|birthday|creationDate|locationIP|
  // browserUsed|language|email
  const auto& r = rows.front();
  ASSERT_EQ(r.size(), 10u);
  const VertexId v = LdbcVertexId(LdbcType::kPerson, std::stoull(r[0]));
  EXPECT_EQ(LdbcOriginalId(v), std::stoull(r[0]));
  const Timestamp created = std::stoull(r[5]) * 1000;
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  ASSERT_OK_AND_ASSIGN(Vertex vertex, snap.GetVertex(v));
  EXPECT_EQ(vertex.label_name, "Person");
  EXPECT_EQ(vertex.ts, created);
  ASSERT_OK_AND_ASSIGN(Properties props, snap.VertexProperties(v));
  auto text = [&](const char* name) -> std::string {
    const PropertyValue* p = Find(props, name);
    return p != nullptr && std::holds_alternative<std::string>(*p)
               ? std::get<std::string>(*p)
               : "<missing>";
  };
  EXPECT_EQ(text("firstName"), r[1]);
  EXPECT_EQ(text("lastName"), r[2]);
  EXPECT_EQ(text("gender"), r[3]);
  EXPECT_EQ(text("locationIP"), r[6]);
  EXPECT_EQ(text("browserUsed"), r[7]);
  const PropertyValue* birthday = Find(props, "birthday");
  ASSERT_NE(birthday, nullptr);
  EXPECT_EQ(std::get<TimestampValue>(*birthday).micros,
            std::stoll(r[4]) * 1000);
  const PropertyValue* creation = Find(props, "creationDate");
  ASSERT_NE(creation, nullptr);
  EXPECT_EQ(std::get<TimestampValue>(*creation).micros,
            static_cast<int64_t>(created));
  const PropertyValue* speaks = Find(props, "speaks");
  ASSERT_NE(speaks, nullptr);
  EXPECT_EQ(std::get<std::vector<std::string>>(*speaks),
            std::vector<std::string>(absl::StrSplit(r[8], ';')));
  const PropertyValue* email = Find(props, "email");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ(std::get<std::vector<std::string>>(*email),
            std::vector<std::string>(absl::StrSplit(r[9], ';')));
  EXPECT_EQ(Find(props, "language"), nullptr);
  EXPECT_EQ(Find(props, "id"), nullptr);
  EXPECT_EQ(props.size(), 9u);

  // The person does not exist before its creationDate.
  ASSERT_OK_AND_ASSIGN(GraphSnapshot before, db_->GetSnapshot(created - 1));
  ASSERT_OK_AND_ASSIGN(bool exists, before.HasVertex(v));
  EXPECT_FALSE(exists);
  ASSERT_OK_AND_ASSIGN(GraphSnapshot at, db_->GetSnapshot(created));
  ASSERT_OK_AND_ASSIGN(exists, at.HasVertex(v));
  EXPECT_TRUE(exists);
}

TEST_F(LdbcTest, EmptyFieldsAreOmitted) {
  // A Post with an imageFile has no content and language; one without has
  // no imageFile.
  int with_image = 0, without_image = 0;
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  for (const auto& r : Rows(File("dynamic/post_0_0.csv"))) {
    // id|imageFile|creationDate|locationIP|browserUsed|language|content|length
    const bool image = !r[1].empty();
    if ((image ? with_image : without_image) >= 3) continue;
    ++(image ? with_image : without_image);
    const VertexId v = LdbcVertexId(LdbcType::kMessage, std::stoull(r[0]));
    ASSERT_OK_AND_ASSIGN(Properties props, snap.VertexProperties(v));
    ASSERT_OK_AND_ASSIGN(Vertex vertex, snap.GetVertex(v));
    EXPECT_EQ(vertex.label_name, "Post");
    EXPECT_EQ(Find(props, "imageFile") != nullptr, image) << r[0];
    EXPECT_EQ(Find(props, "content") != nullptr, !r[6].empty()) << r[0];
    EXPECT_EQ(Find(props, "language") != nullptr, !r[5].empty()) << r[0];
    const PropertyValue* length = Find(props, "length");
    ASSERT_NE(length, nullptr);
    EXPECT_EQ(std::get<int64_t>(*length), std::stoll(r[7]));
  }
  EXPECT_GT(with_image, 0);
  EXPECT_GT(without_image, 0);
}

TEST_F(LdbcTest, KnowsTimeTravel) {
  const auto rows = Rows(File("dynamic/person_knows_person_0_0.csv"));
  ASSERT_FALSE(rows.empty());
  const auto& r = rows[rows.size() / 2];
  const VertexId a = LdbcVertexId(LdbcType::kPerson, std::stoull(r[0]));
  const VertexId b = LdbcVertexId(LdbcType::kPerson, std::stoull(r[1]));
  const Timestamp t = std::stoull(r[2]) * 1000;
  ASSERT_OK_AND_ASSIGN(GraphSnapshot latest, db_->GetSnapshot());
  ASSERT_OK_AND_ASSIGN(LabelId knows, latest.LabelIdOf("knows"));

  ASSERT_OK_AND_ASSIGN(GraphSnapshot before, db_->GetSnapshot(t - 1));
  EXPECT_STATUS_CODE(before.GetEdge({a, knows, b}), absl::StatusCode::kNotFound);
  EXPECT_STATUS_CODE(before.GetEdge({b, knows, a}), absl::StatusCode::kNotFound);

  ASSERT_OK_AND_ASSIGN(GraphSnapshot at, db_->GetSnapshot(t));
  ASSERT_OK_AND_ASSIGN(bool has_a, at.HasVertex(a));
  EXPECT_TRUE(has_a);
  ASSERT_OK_AND_ASSIGN(Edge ab, at.GetEdge({a, knows, b}));
  EXPECT_EQ(ab.ts, t);
  ASSERT_OK_AND_ASSIGN(Edge ba, at.GetEdge({b, knows, a}));
  EXPECT_EQ(ba.ts, t);
  ASSERT_OK_AND_ASSIGN(Properties props, at.EdgeProperties({b, knows, a}));
  ASSERT_EQ(props.size(), 1u);
  EXPECT_EQ(props[0].name, "creationDate");
  EXPECT_EQ(std::get<TimestampValue>(props[0].value).micros,
            static_cast<int64_t>(t));
}

TEST_F(LdbcTest, RelationshipTimesAndProperties) {
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db_->GetSnapshot());
  // hasCreator has no date: the later endpoint, i.e. the post's creation.
  const auto posts = Rows(File("dynamic/post_0_0.csv"));
  std::map<std::string, Timestamp> post_ts;
  for (const auto& r : posts) post_ts[r[0]] = std::stoull(r[2]) * 1000;
  const auto creators = Rows(File("dynamic/post_hasCreator_person_0_0.csv"));
  ASSERT_FALSE(creators.empty());
  ASSERT_OK_AND_ASSIGN(LabelId has_creator, snap.LabelIdOf("hasCreator"));
  const VertexId post =
      LdbcVertexId(LdbcType::kMessage, std::stoull(creators[0][0]));
  const VertexId person =
      LdbcVertexId(LdbcType::kPerson, std::stoull(creators[0][1]));
  ASSERT_OK_AND_ASSIGN(Edge e, snap.GetEdge({post, has_creator, person}));
  EXPECT_EQ(e.ts, post_ts[creators[0][0]]);

  // studyAt carries classYear as an int64.
  const auto study = Rows(File("dynamic/person_studyAt_organisation_0_0.csv"));
  ASSERT_FALSE(study.empty());
  ASSERT_OK_AND_ASSIGN(LabelId study_at, snap.LabelIdOf("studyAt"));
  ASSERT_OK_AND_ASSIGN(
      Properties props,
      snap.EdgeProperties(
          {LdbcVertexId(LdbcType::kPerson, std::stoull(study[0][0])), study_at,
           LdbcVertexId(LdbcType::kOrganisation, std::stoull(study[0][1]))}));
  ASSERT_EQ(props.size(), 1u);
  EXPECT_EQ(props[0].name, "classYear");
  EXPECT_EQ(std::get<int64_t>(props[0].value), std::stoll(study[0][2]));

  // Static data: the earliest time of the dynamic data.
  Timestamp earliest = UINT64_MAX;
  for (const auto& [file, column] :
       std::vector<std::pair<const char*, int>>{
           {"dynamic/person_0_0.csv", 5},
           {"dynamic/forum_0_0.csv", 2},
           {"dynamic/post_0_0.csv", 2},
           {"dynamic/comment_0_0.csv", 1},
           {"dynamic/person_knows_person_0_0.csv", 2},
           {"dynamic/person_likes_post_0_0.csv", 2},
           {"dynamic/person_likes_comment_0_0.csv", 2},
           {"dynamic/forum_hasMember_person_0_0.csv", 2}}) {
    for (const auto& r : Rows(File(file))) {
      earliest = std::min<Timestamp>(earliest, std::stoull(r[column]) * 1000);
    }
  }
  const auto tags = Rows(File("static/tag_0_0.csv"));
  ASSERT_FALSE(tags.empty());
  const VertexId tag = LdbcVertexId(LdbcType::kTag, std::stoull(tags[0][0]));
  ASSERT_OK_AND_ASSIGN(Vertex t, snap.GetVertex(tag));
  EXPECT_EQ(t.label_name, "Tag");
  EXPECT_EQ(t.ts, earliest);
  EXPECT_EQ(stats_->first_ts, earliest);
  const auto places = Rows(File("static/place_0_0.csv"));
  ASSERT_OK_AND_ASSIGN(
      Properties place_props,
      snap.VertexProperties(
          LdbcVertexId(LdbcType::kPlace, std::stoull(places[0][0]))));
  const PropertyValue* type = Find(place_props, "type");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(std::get<std::string>(*type), places[0][3]);
}

// Copies the data set to a scratch directory and damages one file.
class LdbcDamageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string src = LdbcTinyDir();
    if (src.empty()) GTEST_SKIP() << kDatasetsHint;
    fs::copy(src, dir_.Sub("snb"), fs::copy_options::recursive);
  }

  // Replaces line `line` (1-based, the header is line 1) of `file`.
  void ReplaceLine(const std::string& file, int line,
                   const std::string& text) {
    const std::string path = dir_.Sub("snb/" + file);
    std::vector<std::string> lines = absl::StrSplit(ReadFile(path), '\n');
    ASSERT_LT(line - 1, static_cast<int>(lines.size()));
    lines[line - 1] = text;
    WriteFile(path, absl::StrJoin(lines, "\n"));
  }

  // Loads and expects a failure naming `file`:`line`, with nothing visible.
  void ExpectFailure(const std::string& file, int line,
                     const std::string& also) {
    std::unique_ptr<GraphDb> db = OpenDb(dir_.Sub("db"));
    ASSERT_NE(db, nullptr);
    const uint64_t entries = db->kv()->GetStats().entries;
    absl::StatusOr<LoadStats> stats = LoadLdbcSnb(db.get(), dir_.Sub("snb"));
    ASSERT_FALSE(stats.ok());
    EXPECT_EQ(stats.status().code(), absl::StatusCode::kInvalidArgument)
        << stats.status();
    const std::string where =
        absl::StrCat(dir_.Sub("snb/" + file), ":", line, ": ");
    EXPECT_TRUE(absl::StrContains(stats.status().message(), where))
        << stats.status() << "\nwant: " << where;
    EXPECT_TRUE(absl::StrContains(stats.status().message(), also))
        << stats.status() << "\nwant: " << also;
    EXPECT_EQ(db->kv()->GetStats().entries, entries);
    ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db->GetSnapshot());
    EXPECT_TRUE(Ids(snap).empty());
  }

  TempDir dir_;
};

TEST_F(LdbcDamageTest, TruncatedLine) {
  const std::string file = "dynamic/person_knows_person_0_0.csv";
  const auto rows = Rows(dir_.Sub("snb/" + file));
  ReplaceLine(file, 101, rows[99][0] + "|" + rows[99][1].substr(0, 3));
  ExpectFailure(file, 101, "3 '|'-separated fields");
}

TEST_F(LdbcDamageTest, BadDate) {
  const std::string file = "dynamic/comment_0_0.csv";
  const auto rows = Rows(dir_.Sub("snb/" + file));
  std::vector<std::string> r = rows[41];
  r[1] = "12x45";
  ReplaceLine(file, 43, absl::StrJoin(r, "|"));
  ExpectFailure(file, 43, "12x45");
}

TEST_F(LdbcDamageTest, RelationshipToMissingEntity) {
  const std::string file = "dynamic/forum_hasMember_person_0_0.csv";
  const auto rows = Rows(dir_.Sub("snb/" + file));
  ReplaceLine(file, 7, rows[5][0] + "|999999999|" + rows[5][2]);
  ExpectFailure(file, 7, "Person 999999999 does not exist");
}

TEST_F(LdbcDamageTest, RelationshipToEntityOfTheWrongKind) {
  // A comment replying to a "post" that is really a comment.
  const std::string file = "dynamic/comment_replyOf_post_0_0.csv";
  const auto comments = Rows(dir_.Sub("snb/dynamic/comment_0_0.csv"));
  const auto rows = Rows(dir_.Sub("snb/" + file));
  ReplaceLine(file, 2, rows[0][0] + "|" + comments[0][0]);
  ExpectFailure(file, 2, "is a Comment");
}

TEST_F(LdbcDamageTest, DuplicateId) {
  const std::string file = "static/tag_0_0.csv";
  const auto rows = Rows(dir_.Sub("snb/" + file));
  ReplaceLine(file, 10, absl::StrJoin(rows[0], "|"));
  ExpectFailure(file, 10, "duplicate Tag id");
}

TEST_F(LdbcDamageTest, WrongHeader) {
  ReplaceLine("static/place_0_0.csv", 1, "id|name|type|url");
  ExpectFailure("static/place_0_0.csv", 1, "id|name|url|type");
}

TEST_F(LdbcDamageTest, MissingFile) {
  fs::remove(dir_.Sub("snb/dynamic/post_hasTag_tag_0_0.csv"));
  std::unique_ptr<GraphDb> db = OpenDb(dir_.Sub("db"));
  ASSERT_NE(db, nullptr);
  absl::StatusOr<LoadStats> stats = LoadLdbcSnb(db.get(), dir_.Sub("snb"));
  EXPECT_STATUS_CODE(stats, absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(stats.status().message(),
                                "post_hasTag_tag_0_0.csv"))
      << stats.status();
  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db->GetSnapshot());
  EXPECT_TRUE(Ids(snap).empty());
}

}  // namespace
}  // namespace zverse::graph
