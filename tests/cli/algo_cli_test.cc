// Tests of `zverse algo` through the real binary: load the Graphalytics
// example graphs with `zverse load`, run every kernel, and compare stdout
// with the reference outputs under the official Graphalytics rules; plus
// usage errors and --as-of.

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/cli/zverse_runner.h"
#include "tests/test_util.h"

namespace zverse::testing {
namespace {

// DatasetsDir()/graphalytics, or the data beside this file's source tree
// (the tests may run without $ZVERSE_SOURCE_DIR).
std::string GraphalyticsDir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string base = DatasetsDir();
  if (base.empty()) {
    const fs::path beside = fs::path(__FILE__).parent_path() / ".." / ".." /
                            ".." / "shared" / "datasets";
    if (fs::is_directory(beside, ec)) base = beside.string();
  }
  if (base.empty()) return "";
  const std::string root = base + "/graphalytics";
  return fs::is_directory(root, ec) ? root : "";
}

// "id value" lines.
std::map<uint64_t, std::string> ParseOutput(const std::string& text) {
  std::map<uint64_t, std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    std::vector<std::string> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    uint64_t id = 0;
    if (fields.size() != 2 || !absl::SimpleAtoi(fields[0], &id)) {
      ADD_FAILURE() << "malformed line '" << line << "'";
      continue;
    }
    EXPECT_TRUE(out.emplace(id, fields[1]).second) << "vertex " << id
                                                   << " twice";
  }
  return out;
}

// The Graphalytics rules: exact (bfs, cdlp), equivalence (wcc), epsilon
// 1e-4 relative with infinity == infinity (pr, lcc, sssp); the same vertex
// set.
void ExpectMatches(const std::string& algorithm, const std::string& want_text,
                   const std::string& got_text) {
  const std::map<uint64_t, std::string> want = ParseOutput(want_text);
  const std::map<uint64_t, std::string> got = ParseOutput(got_text);
  ASSERT_FALSE(want.empty());
  ASSERT_EQ(want.size(), got.size()) << got_text;
  std::map<std::string, std::string> forward;
  std::map<std::string, std::string> backward;
  for (const auto& [v, w] : want) {
    auto it = got.find(v);
    ASSERT_NE(it, got.end()) << "vertex " << v << " missing";
    const std::string& g = it->second;
    if (algorithm == "bfs" || algorithm == "cdlp") {
      EXPECT_EQ(w, g) << algorithm << " vertex " << v;
    } else if (algorithm == "wcc") {
      forward.emplace(w, g);
      backward.emplace(g, w);
      EXPECT_EQ(forward[w], g) << "wcc vertex " << v;
      EXPECT_EQ(backward[g], w) << "wcc vertex " << v;
    } else {
      const double r = std::strtod(w.c_str(), nullptr);
      const double s = std::strtod(g.c_str(), nullptr);
      if (std::isinf(r) || std::isinf(s)) {
        EXPECT_TRUE(std::isinf(r) && std::isinf(s) && r > 0 && s > 0)
            << algorithm << " vertex " << v << ": want " << w << ", got "
            << g;
      } else {
        EXPECT_LE(std::abs(r - s), 0.0001 * std::abs(r))
            << algorithm << " vertex " << v << ": want " << w << ", got "
            << g;
      }
    }
  }
}

class AlgoCliTest : public ::testing::Test {
 protected:
  // Loads graphalytics/<name> into a fresh database; false (and a skip) if
  // the data sets are absent.
  bool Load(const std::string& name, const std::vector<std::string>& extra = {}) {
    const std::string root = GraphalyticsDir();
    if (root.empty()) return false;
    graph_dir_ = root + "/" + name;
    name_ = name;
    std::vector<std::string> args = {"load",   "--db",
                                     db(),     "--format",
                                     "graphalytics"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(graph_dir_ + "/" + name + ".properties");
    const RunResult r = RunZverse(args);
    EXPECT_EQ(r.exit_code, 0) << r;
    return r.exit_code == 0;
  }

  std::string Reference(const std::string& algo) {
    return ReadWholeFile(graph_dir_ + "/" + name_ + "-" +
                         absl::AsciiStrToUpper(algo));
  }

  std::string db() const { return dir_.Sub("db"); }

  TempDir dir_;
  std::string graph_dir_;
  std::string name_;
};

#define LOAD_OR_SKIP(name, ...)                                   \
  do {                                                            \
    if (GraphalyticsDir().empty()) {                              \
      GTEST_SKIP() << "no data sets: " << kDatasetsHint;          \
    }                                                             \
    ASSERT_TRUE(Load(name, ##__VA_ARGS__));                       \
  } while (0)

struct Case {
  std::string algorithm;
  std::vector<std::string> flags;
};

TEST_F(AlgoCliTest, ExampleDirectedMatchesReference) {
  LOAD_OR_SKIP("example-directed");
  const std::vector<Case> cases = {
      {"bfs", {"--source", "1"}},
      {"cdlp", {"--iterations", "2"}},
      {"lcc", {}},
      {"pr", {"--iterations", "2", "--damping", "0.85"}},
      {"sssp", {"--source", "1", "--weight", "weight"}},
      {"wcc", {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.algorithm);
    std::vector<std::string> args = {"algo", "--db", db(), c.algorithm};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    const RunResult r = RunZverse(args);
    ASSERT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.err, "");
    ExpectMatches(c.algorithm, Reference(c.algorithm), r.out);
  }
}

TEST_F(AlgoCliTest, ExampleUndirectedMatchesReference) {
  LOAD_OR_SKIP("example-undirected");
  // Directedness comes from the metadata the loader wrote; the defaults
  // (weight property 'weight') are used where the flags are left out.
  const std::vector<Case> cases = {
      {"bfs", {"--source", "2"}},
      {"cdlp", {"--iterations", "2"}},
      {"lcc", {}},
      {"pr", {"--iterations", "2"}},
      {"sssp", {"--source", "2"}},
      {"wcc", {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.algorithm);
    std::vector<std::string> args = {"algo", "--db", db(), c.algorithm};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    const RunResult r = RunZverse(args);
    ASSERT_EQ(r.exit_code, 0) << r;
    ExpectMatches(c.algorithm, Reference(c.algorithm), r.out);
  }
  // Forcing --directed on the undirected graph changes CDLP (each
  // neighbour then counts twice, once per arc): it must still run.
  const RunResult forced =
      RunZverse({"algo", "--db", db(), "cdlp", "--iterations", "2",
                 "--directed"});
  EXPECT_EQ(forced.exit_code, 0) << forced;
}

TEST_F(AlgoCliTest, OverrideDirectednessAndTiming) {
  LOAD_OR_SKIP("example-directed");
  const RunResult directed = RunZverse({"algo", "--db", db(), "lcc"});
  ASSERT_EQ(directed.exit_code, 0) << directed;
  const RunResult undirected =
      RunZverse({"algo", "--db", db(), "lcc", "--undirected", "--timing"});
  ASSERT_EQ(undirected.exit_code, 0) << undirected;
  EXPECT_NE(directed.out, undirected.out);
  EXPECT_NE(undirected.err.find("undirected"), std::string::npos)
      << undirected;
  EXPECT_NE(undirected.err.find("kernel"), std::string::npos) << undirected;
}

TEST_F(AlgoCliTest, AsOfBeforeTheLoadSeesAnEmptyGraph) {
  // Version the graph at a fixed past time.
  LOAD_OR_SKIP("example-directed", {"--ts", "2020-01-01"});
  const RunResult before = RunZverse(
      {"algo", "--db", db(), "pr", "--as-of", "2019-12-31"});
  ASSERT_EQ(before.exit_code, 0) << before;
  EXPECT_EQ(before.out, "");
  const RunResult at = RunZverse(
      {"algo", "--db", db(), "wcc", "--as-of", "2020-01-01"});
  ASSERT_EQ(at.exit_code, 0) << at;
  ExpectMatches("wcc", Reference("wcc"), at.out);
  // The source did not exist yet: not found, exit 1.
  const RunResult bfs = RunZverse(
      {"algo", "--db", db(), "bfs", "--source", "1", "--as-of", "2019-12-31"});
  EXPECT_EQ(bfs.exit_code, 1) << bfs;
  EXPECT_NE(bfs.err.find("source vertex 1"), std::string::npos) << bfs;
}

TEST_F(AlgoCliTest, FiltersAndBadNames) {
  LOAD_OR_SKIP("example-directed");
  // The loader labels vertices 'vertex' and edges 'edge': filtering on them
  // keeps everything.
  const RunResult filtered = RunZverse({"algo", "--db", db(), "wcc", "--label",
                                        "vertex", "--edge-label", "edge"});
  ASSERT_EQ(filtered.exit_code, 0) << filtered;
  ExpectMatches("wcc", Reference("wcc"), filtered.out);

  const RunResult label =
      RunZverse({"algo", "--db", db(), "wcc", "--label", "Person"});
  EXPECT_EQ(label.exit_code, 3) << label;
  EXPECT_NE(label.err.find("Person"), std::string::npos) << label;
  const RunResult weight = RunZverse(
      {"algo", "--db", db(), "sssp", "--source", "1", "--weight", "length"});
  EXPECT_EQ(weight.exit_code, 3) << weight;
  EXPECT_NE(weight.err.find("length"), std::string::npos) << weight;
  const RunResult source =
      RunZverse({"algo", "--db", db(), "bfs", "--source", "12345"});
  EXPECT_EQ(source.exit_code, 1) << source;
  EXPECT_NE(source.err.find("12345"), std::string::npos) << source;
}

TEST_F(AlgoCliTest, UsageErrors) {
  // Usage errors are found before the database is opened: no database
  // needed.
  const std::string db_path = dir_.Sub("nodb");
  auto expect_usage = [&](const std::vector<std::string>& args,
                          const std::string& needle) {
    const RunResult r = RunZverse(args);
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r;
    EXPECT_EQ(r.out, "");
  };
  expect_usage({"algo", "--db", db_path, "bfs"}, "--source");
  expect_usage({"algo", "--db", db_path, "sssp"}, "--source");
  expect_usage({"algo", "--db", db_path, "dfs"}, "unknown algorithm 'dfs'");
  expect_usage({"algo", "--db", db_path}, "argument");
  expect_usage({"algo", "--db", db_path, "bfs", "pr"}, "argument");
  expect_usage({"algo", "bfs", "--source", "1"}, "--db");
  expect_usage({"algo", "--db", db_path, "bfs", "--source", "x"}, "'x'");
  expect_usage({"algo", "--db", db_path, "bfs", "--source", "-1"}, "'-1'");
  expect_usage({"algo", "--db", db_path, "pr", "--source", "1"},
               "--source applies only to bfs and sssp");
  expect_usage({"algo", "--db", db_path, "wcc", "--iterations", "3"},
               "--iterations");
  expect_usage({"algo", "--db", db_path, "pr", "--iterations", "-3"},
               "--iterations");
  expect_usage({"algo", "--db", db_path, "pr", "--damping", "1.5"},
               "--damping");
  expect_usage({"algo", "--db", db_path, "bfs", "--source", "1", "--weight",
                "w"},
               "--weight");
  expect_usage({"algo", "--db", db_path, "lcc", "--directed", "--undirected"},
               "exclude");
  expect_usage({"algo", "--db", db_path, "pr", "--as-of", "yesterday"},
               "--as-of");
  expect_usage({"algo", "--db", db_path, "pr", "--bogus"}, "bogus");
  // A database that does not exist: a clear error, and nothing created.
  const RunResult missing = RunZverse({"algo", "--db", db_path, "wcc"});
  EXPECT_EQ(missing.exit_code, 3) << missing;
  EXPECT_NE(missing.err.find("no database at"), std::string::npos) << missing;
  EXPECT_NE(missing.err.find(db_path), std::string::npos) << missing;
  EXPECT_FALSE(std::filesystem::exists(db_path));
}

TEST_F(AlgoCliTest, Help) {
  const RunResult r = RunZverse({"algo", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_NE(r.out.find("zverse algo --db DIR"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Examples:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--source V"), std::string::npos) << r.out;
  const RunResult list = RunZverse({"help"});
  EXPECT_NE(list.out.find("algo"), std::string::npos) << list.out;
}

}  // namespace
}  // namespace zverse::testing
