// Runs `zverse load` and `zverse export` as a user would.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/cli/zverse_runner.h"
#include "tests/test_util.h"

namespace zverse::testing {
namespace {

namespace fs = std::filesystem;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

std::string GraphalyticsDir() {
  const std::string root = DatasetsDir();
  if (root.empty()) return "";
  std::error_code ec;
  const std::string dir = root + "/graphalytics";
  return fs::is_directory(dir, ec) ? dir : "";
}

// "src dst" lines of a Graphalytics .e file (weights dropped), sorted.
std::string SortedPairs(const std::string& edge_file, bool both_ways) {
  std::vector<std::pair<uint64_t, uint64_t>> pairs;
  for (absl::string_view line :
       absl::StrSplit(ReadWholeFile(edge_file), '\n', absl::SkipEmpty())) {
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    const uint64_t a = std::stoull(f[0]), b = std::stoull(f[1]);
    pairs.emplace_back(a, b);
    if (both_ways) pairs.emplace_back(b, a);
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [a, b] : pairs) absl::StrAppend(&out, a, " ", b, "\n");
  return out;
}

TEST(GraphCliTest, LoadPropertiesAndExportEdgeList) {
  const std::string graphs = GraphalyticsDir();
  if (graphs.empty()) GTEST_SKIP() << kDatasetsHint;
  TempDir dir;
  const std::string db = dir.Sub("db");
  RunResult r = RunZverse(
      {"load", "--db", db, "--format", "graphalytics",
       graphs + "/example-directed/example-directed.properties"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(absl::StartsWith(r.out, "loaded 10 vertices, 17 edges in "))
      << r;
  EXPECT_TRUE(absl::StrContains(r.out, "edges/s")) << r;
  EXPECT_TRUE(r.err.empty()) << r;  // No progress when stderr is a file.

  r = RunZverse({"export", "--db", db, "--format", "edgelist"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out,
            SortedPairs(graphs + "/example-directed/example-directed.e",
                        /*both_ways=*/false));

  r = RunZverse({"export", "--db", db, "--format", "graphviz"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(absl::StartsWith(r.out, "digraph zverse {\n")) << r;
  EXPECT_TRUE(absl::EndsWith(r.out, "}\n")) << r;
  EXPECT_TRUE(absl::StrContains(r.out, "  1 [label=\"1\\nvertex\"];\n")) << r;
  EXPECT_TRUE(absl::StrContains(r.out, "  1 -> 3 [label=\"edge\"];\n")) << r;

  r = RunZverse(
      {"export", "--db", db, "--format", "edgelist", "--label", "edge"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 17);
  r = RunZverse(
      {"export", "--db", db, "--format", "edgelist", "--label", "nope"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "");
}

TEST(GraphCliTest, ExportAsOfBeforeTheLoadPrintsNothing) {
  const std::string graphs = GraphalyticsDir();
  if (graphs.empty()) GTEST_SKIP() << kDatasetsHint;
  TempDir dir;
  const std::string db = dir.Sub("db");
  const std::string base = graphs + "/example-undirected/example-undirected";
  RunResult r = RunZverse({"load", "--db", db, "--format", "graphalytics",
                           "--vertices", base + ".v", "--edges", base + ".e",
                           "--undirected", "--weighted", "--ts",
                           "2020-01-01"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(absl::StartsWith(r.out, "loaded 9 vertices, 24 edges")) << r;

  r = RunZverse({"export", "--db", db, "--format", "edgelist", "--as-of",
                 "2019-12-31T23:59:59.999999Z"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "");
  r = RunZverse({"export", "--db", db, "--format", "edgelist", "--as-of",
                 "2020-01-01"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, SortedPairs(base + ".e", /*both_ways=*/true));
  r = RunZverse({"export", "--db", db, "--format", "graphviz", "--as-of",
                 "2019-01-01"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "digraph zverse {\n}\n");
}

TEST(GraphCliTest, EdgeListLoad) {
  TempDir dir;
  WriteFile(dir.Sub("g.txt"), "# comment\n1 2\n2 3\n");
  RunResult r = RunZverse({"load", "--db", dir.Sub("db"), "--format",
                           "edgelist", "--undirected", dir.Sub("g.txt")});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(absl::StartsWith(r.out, "loaded 3 vertices, 4 edges")) << r;
  r = RunZverse({"export", "--db", dir.Sub("db"), "--format", "edgelist"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "1 2\n2 1\n2 3\n3 2\n");
  // In batches of at most 2 operations (bounded memory): the same graph.
  r = RunZverse({"load", "--db", dir.Sub("db2"), "--format", "edgelist",
                 "--undirected", "--batch-ops", "2", dir.Sub("g.txt")});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(absl::StartsWith(r.out, "loaded 3 vertices, 4 edges")) << r;
  r = RunZverse({"export", "--db", dir.Sub("db2"), "--format", "edgelist"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "1 2\n2 1\n2 3\n3 2\n");
}

TEST(GraphCliTest, LoadErrorNamesFileAndLineAndExits3) {
  TempDir dir;
  WriteFile(dir.Sub("g.v"), "1\n2\n3\n");
  WriteFile(dir.Sub("g.e"), "1 2\n2 7\n");
  const std::string db = dir.Sub("db");
  RunResult r = RunZverse({"load", "--db", db, "--format", "graphalytics",
                           "--vertices", dir.Sub("g.v"), "--edges",
                           dir.Sub("g.e")});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_TRUE(absl::StartsWith(r.err, "error: " + dir.Sub("g.e") + ":2: "))
      << r;
  EXPECT_TRUE(absl::StrContains(r.err, "vertex 7")) << r;
  EXPECT_EQ(r.out, "");
  // The database the failed load created is gone again.
  EXPECT_FALSE(fs::exists(db));

  // Into an existing database: it stays, with nothing loaded.
  WriteFile(dir.Sub("ok.txt"), "5 6\n");
  r = RunZverse({"load", "--db", db, "--format", "edgelist", dir.Sub("ok.txt")});
  ASSERT_EQ(r.exit_code, 0) << r;
  WriteFile(dir.Sub("bad.txt"), "7 8\n7 eight\n");
  r = RunZverse(
      {"load", "--db", db, "--format", "edgelist", dir.Sub("bad.txt")});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_TRUE(absl::StrContains(r.err, dir.Sub("bad.txt") + ":2: ")) << r;
  EXPECT_TRUE(fs::exists(db));
  r = RunZverse({"export", "--db", db, "--format", "edgelist"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "5 6\n");

  // A missing input file.
  r = RunZverse({"load", "--db", dir.Sub("db2"), "--format", "edgelist",
                 dir.Sub("missing.txt")});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_TRUE(absl::StrContains(r.err, "missing.txt")) << r;
}

TEST(GraphCliTest, LdbcLoad) {
  const std::string root = DatasetsDir();
  const std::string snb =
      root + "/ldbc-snb/interactive-v1-tiny/csv_composite-longdateformatter";
  std::error_code ec;
  if (root.empty() || !fs::is_directory(snb, ec)) GTEST_SKIP() << kDatasetsHint;
  TempDir dir;
  RunResult r = RunZverse(
      {"load", "--db", dir.Sub("db"), "--format", "ldbc-snb", snb});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(absl::StrContains(r.out, "loaded ")) << r;
  // 825 friendships, stored both ways; none existed in 2009.
  r = RunZverse({"export", "--db", dir.Sub("db"), "--format", "edgelist",
                 "--label", "knows"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1650);
  r = RunZverse({"export", "--db", dir.Sub("db"), "--format", "edgelist",
                 "--label", "knows", "--as-of", "2010-01-01"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "");
}

TEST(GraphCliTest, UsageErrorsExit2) {
  TempDir dir;
  const std::string db = dir.Sub("db");
  const std::vector<std::vector<std::string>> cases = {
      {"load", "--db", db, "--format", "csv", "x"},
      {"load", "--db", db, "x"},  // --format is required.
      {"load", "--db", db, "--format", "edgelist"},
      {"load", "--db", db, "--format", "edgelist", "--weighted", "x"},
      {"load", "--db", db, "--format", "graphalytics", "--vertices", "a.v"},
      {"load", "--db", db, "--format", "graphalytics", "--directed", "x"},
      {"load", "--db", db, "--format", "graphalytics", "--vertices", "a.v",
       "--edges", "a.e", "--directed", "--undirected"},
      {"load", "--db", db, "--format", "ldbc-snb", "--ts", "2020-01-01", "d"},
      {"load", "--db", db, "--format", "edgelist", "--ts", "yesterday", "x"},
      {"load", "--db", db, "--format", "edgelist", "--batch-ops", "0", "x"},
      {"load", "--db", db, "--format", "edgelist", "--batch-ops", "many", "x"},
      {"export", "--db", db, "--format", "json"},
      {"export", "--db", db, "--format", "edgelist", "--as-of", "soon"},
  };
  for (const auto& args : cases) {
    RunResult r = RunZverse(args);
    EXPECT_EQ(r.exit_code, 2) << absl::StrJoin(args, " ") << "\n" << r;
    EXPECT_TRUE(absl::StartsWith(r.err, "error: ")) << r;
  }
  EXPECT_FALSE(fs::exists(db));
}

TEST(GraphCliTest, ExportOfAMissingDatabase) {
  TempDir dir;
  RunResult r =
      RunZverse({"export", "--db", dir.Sub("none"), "--format", "edgelist"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_TRUE(absl::StrContains(r.err, "does not exist")) << r;
  EXPECT_FALSE(fs::exists(dir.Sub("none")));
}

TEST(GraphCliTest, Help) {
  for (const char* command : {"load", "export"}) {
    RunResult r = RunZverse({command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_TRUE(absl::StrContains(r.out, "Examples:")) << r;
    EXPECT_TRUE(absl::StrContains(r.out, "--format")) << r;
  }
  RunResult r = RunZverse({"help"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_TRUE(absl::StrContains(r.out, "load")) << r;
  EXPECT_TRUE(absl::StrContains(r.out, "export")) << r;
}

}  // namespace
}  // namespace zverse::testing
