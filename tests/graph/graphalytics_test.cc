// Graphalytics conformance: every graph of DatasetsDir()/graphalytics is
// loaded with LoadGraphalytics into a fresh GraphDb, copied out of a snapshot
// into a CsrGraph, and every algorithm its .properties lists is run with the
// parameters from the .properties and compared with the reference output
// under the official rules (SOURCE.md, "How Graphalytics compares outputs"):
// exact for BFS and CDLP, equivalence for WCC, |r-s| <= 1e-4 |r| for PR, LCC
// and SSSP (infinity matches infinity only), the same vertex set in both.
//
// One test case per graph directory, so ctest lists each graph.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "graph/algorithms.h"
#include "graph/csr.h"
#include "graph/graph_db.h"
#include "graph/loader.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace zverse::graph {
namespace {

namespace fs = std::filesystem;
using ::zverse::testing::TempDir;

// DatasetsDir()/graphalytics. Test discovery (gtest_discover_tests) runs the
// binary without ctest's environment, so fall back to the data beside this
// source file's tree for the list of cases.
std::string GraphalyticsRoot() {
  std::error_code ec;
  std::string base = ::zverse::testing::DatasetsDir();
  if (base.empty()) {
    const fs::path beside =
        fs::path(__FILE__).parent_path() / ".." / ".." / ".." / "shared" /
        "datasets";
    if (fs::is_directory(beside, ec)) base = beside.string();
  }
  if (base.empty()) return "";
  const fs::path root = fs::path(base) / "graphalytics";
  return fs::is_directory(root, ec) ? root.string() : "";
}

constexpr const char* kNoData = "no_datasets";

std::vector<std::string> GraphNames() {
  std::vector<std::string> names;
  const std::string root = GraphalyticsRoot();
  std::error_code ec;
  if (!root.empty()) {
    for (const fs::directory_entry& e : fs::directory_iterator(root, ec)) {
      const std::string name = e.path().filename().string();
      if (e.is_directory(ec) &&
          fs::exists(e.path() / (name + ".properties"), ec)) {
        names.push_back(name);
      }
    }
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) names.push_back(kNoData);
  return names;
}

std::string Trim(absl::string_view s) {
  return std::string(absl::StripAsciiWhitespace(s));
}

// A Java properties file, the subset Graphalytics uses: "key = value"
// lines, '#' and '!' comments.
std::map<std::string, std::string> ReadProperties(const std::string& path) {
  std::map<std::string, std::string> props;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const std::string t = Trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '!') continue;
    const size_t eq = t.find_first_of("=:");
    if (eq == std::string::npos) continue;
    props[Trim(absl::string_view(t).substr(0, eq))] =
        Trim(absl::string_view(t).substr(eq + 1));
  }
  return props;
}

// "id value" lines, as strings; ADD_FAILURE on a malformed line.
std::map<VertexId, std::string> ReadOutput(const std::string& text,
                                           const std::string& what) {
  std::map<VertexId, std::string> out;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    VertexId id = 0;
    if (fields.size() != 2 || !absl::SimpleAtoi(fields[0], &id)) {
      ADD_FAILURE() << what << ":" << line_number << ": malformed line '"
                    << line << "'";
      continue;
    }
    if (!out.emplace(id, std::string(fields[1])).second) {
      ADD_FAILURE() << what << ":" << line_number << ": vertex " << id
                    << " twice";
    }
  }
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Parses a double the way the reference files write them ("infinity" in any
// case included: strtod accepts it).
bool ParseDouble(const std::string& s, double* out) {
  errno = 0;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end != s.c_str() && *end == '\0';
}

// Compares one algorithm's output with the reference under the official
// rule for that algorithm. Returns the number of violations (at most a few
// are reported in detail).
int Compare(Algorithm algorithm, const std::map<VertexId, std::string>& want,
            const std::map<VertexId, std::string>& got,
            const std::string& what) {
  int violations = 0;
  auto report = [&](VertexId v, const std::string& w, const std::string& g) {
    if (++violations <= 10) {
      ADD_FAILURE() << what << ": vertex " << v << ": reference " << w
                    << ", got " << g;
    }
  };
  // The same vertex set in both.
  for (const auto& [v, w] : want) {
    if (!got.count(v)) report(v, w, "(missing)");
  }
  for (const auto& [v, g] : got) {
    if (!want.count(v)) report(v, "(missing)", g);
  }
  // WCC: equivalence, a two-way mapping between the labellings.
  std::map<std::string, std::string> want_to_got;
  std::map<std::string, std::string> got_to_want;
  for (const auto& [v, w] : want) {
    auto it = got.find(v);
    if (it == got.end()) continue;
    const std::string& g = it->second;
    switch (algorithm) {
      case Algorithm::kBfs:
      case Algorithm::kCdlp: {
        // Exact match of the integer values.
        int64_t wi = 0;
        uint64_t wu = 0;
        int64_t gi = 0;
        uint64_t gu = 0;
        const bool same =
            (absl::SimpleAtoi(w, &wu) && absl::SimpleAtoi(g, &gu) &&
             wu == gu) ||
            (absl::SimpleAtoi(w, &wi) && absl::SimpleAtoi(g, &gi) &&
             wi == gi);
        if (!same) report(v, w, g);
        break;
      }
      case Algorithm::kWcc: {
        auto [a, a_new] = want_to_got.emplace(w, g);
        auto [b, b_new] = got_to_want.emplace(g, w);
        if (a->second != g || b->second != w) report(v, w, g);
        break;
      }
      case Algorithm::kPageRank:
      case Algorithm::kLcc:
      case Algorithm::kSssp: {
        double r = 0;
        double s = 0;
        if (!ParseDouble(w, &r) || !ParseDouble(g, &s)) {
          report(v, w, g);
          break;
        }
        const bool r_inf = std::isinf(r) && r > 0;
        const bool s_inf = std::isinf(s) && s > 0;
        if (r_inf || s_inf) {
          if (r_inf != s_inf) report(v, w, g);
        } else if (!(std::abs(r - s) <= 0.0001 * std::abs(r))) {
          report(v, w, g);
        }
        break;
      }
    }
  }
  return violations;
}

class GraphalyticsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GraphalyticsTest, MatchesReferenceOutputs) {
  const std::string& name = GetParam();
  const std::string root = GraphalyticsRoot();
  if (name == kNoData || root.empty()) {
    GTEST_SKIP() << "no Graphalytics data sets found: "
                 << ::zverse::testing::kDatasetsHint;
  }
  const std::string dir = root + "/" + name;
  const std::string properties_path = dir + "/" + name + ".properties";
  std::error_code ec;
  if (!fs::exists(properties_path, ec)) {
    GTEST_SKIP() << properties_path << " is missing: "
                 << ::zverse::testing::kDatasetsHint;
  }
  const std::map<std::string, std::string> props =
      ReadProperties(properties_path);
  const std::string prefix = "graph." + name + ".";
  auto prop = [&](const std::string& key) -> std::string {
    auto it = props.find(prefix + key);
    return it == props.end() ? "" : it->second;
  };

  ASSERT_OK_AND_ASSIGN(GraphalyticsInput input,
                       ReadGraphalyticsProperties(properties_path));
  const bool directed = prop("directed") == "true";
  EXPECT_EQ(input.directed, directed);
  const bool weighted = !prop("edge-properties.names").empty();
  EXPECT_EQ(input.weighted, weighted);

  TempDir tmp;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<GraphDb> db,
                       GraphDb::Open(tmp.Sub("db")));
  ASSERT_OK_AND_ASSIGN(LoadStats stats, LoadGraphalytics(db.get(), input));
  uint64_t meta_vertices = 0;
  uint64_t meta_edges = 0;
  if (absl::SimpleAtoi(prop("meta.vertices"), &meta_vertices)) {
    EXPECT_EQ(stats.vertices, meta_vertices);
  }
  if (absl::SimpleAtoi(prop("meta.edges"), &meta_edges)) {
    EXPECT_EQ(stats.input_edges, meta_edges);
    EXPECT_EQ(stats.edges, directed ? meta_edges : 2 * meta_edges);
  }
  ASSERT_OK_AND_ASSIGN(std::string directed_meta,
                       db->GetMetadata("directed"));
  EXPECT_EQ(directed_meta, directed ? "true" : "false");

  ASSERT_OK_AND_ASSIGN(GraphSnapshot snap, db->GetSnapshot());
  CsrOptions options;
  if (weighted) {
    const std::string sssp_weight = prop("sssp.weight-property");
    options.weight_property = sssp_weight.empty() ? "weight" : sssp_weight;
  }
  ASSERT_OK_AND_ASSIGN(CsrGraph csr, CsrGraph::FromSnapshot(snap, options));
  EXPECT_EQ(csr.num_vertices(), stats.vertices);
  EXPECT_EQ(csr.num_edges(), stats.edges);

  const std::string algorithms = prop("algorithms");
  ASSERT_FALSE(algorithms.empty()) << "no algorithms listed";
  int checked = 0;
  for (absl::string_view a :
       absl::StrSplit(algorithms, ',', absl::SkipWhitespace())) {
    const std::string algo_name = Trim(a);
    SCOPED_TRACE(name + " " + algo_name);
    ASSERT_OK_AND_ASSIGN(Algorithm algorithm, ParseAlgorithm(algo_name));
    AlgorithmParams params;
    params.algorithm = algorithm;
    params.directed = directed;
    switch (algorithm) {
      case Algorithm::kBfs: {
        VertexId source = 0;
        ASSERT_TRUE(absl::SimpleAtoi(prop("bfs.source-vertex"), &source));
        params.source = source;
        break;
      }
      case Algorithm::kSssp: {
        VertexId source = 0;
        ASSERT_TRUE(absl::SimpleAtoi(prop("sssp.source-vertex"), &source));
        params.source = source;
        break;
      }
      case Algorithm::kCdlp:
        ASSERT_TRUE(absl::SimpleAtoi(prop("cdlp.max-iterations"),
                                     &params.iterations));
        break;
      case Algorithm::kPageRank:
        ASSERT_TRUE(absl::SimpleAtoi(prop("pr.num-iterations"),
                                     &params.iterations));
        ASSERT_TRUE(
            absl::SimpleAtod(prop("pr.damping-factor"), &params.damping));
        break;
      case Algorithm::kWcc:
      case Algorithm::kLcc:
        break;
    }
    ASSERT_OK_AND_ASSIGN(AlgorithmResult result, RunAlgorithm(csr, params));

    std::string upper = algo_name;
    absl::AsciiStrToUpper(&upper);
    const std::string reference_path = dir + "/" + name + "-" + upper;
    ASSERT_TRUE(fs::exists(reference_path, ec))
        << "no reference output " << reference_path;
    const std::map<VertexId, std::string> want =
        ReadOutput(ReadFile(reference_path), reference_path);
    const std::map<VertexId, std::string> got =
        ReadOutput(FormatResult(csr, result), "output");
    ASSERT_FALSE(want.empty());
    EXPECT_EQ(Compare(algorithm, want, got, name + "-" + upper), 0);
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(
    Graphs, GraphalyticsTest, ::testing::ValuesIn(GraphNames()),
    [](const ::testing::TestParamInfo<std::string>& info) {
      std::string n = info.param;
      for (char& c : n) {
        if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return n;
    });

}  // namespace
}  // namespace zverse::graph
