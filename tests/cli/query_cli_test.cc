// Runs `zverse query` as a user would: on an edge list loaded with
// `zverse load` at a known time, and on the LDBC tiny set where present.

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/cli/zverse_runner.h"
#include "tests/test_util.h"

namespace zverse::testing {
namespace {

class QueryCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.Sub("g.txt")) << "1 2\n1 3\n2 4\n3 4\n4 5\n";
    RunResult r = RunZverse({"load", "--db", db_, "--format", "edgelist",
                             "--ts", "2020-01-01", dir_.Sub("g.txt")});
    ASSERT_EQ(r.exit_code, 0) << r;
  }

  RunResult Query(std::vector<std::string> extra) {
    std::vector<std::string> args = {"query", "--db", db_};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunZverse(args);
  }

  TempDir dir_;
  const std::string db_ = dir_.Sub("db");
};

TEST_F(QueryCliTest, RowsColumnsAndTerminals) {
  RunResult r = Query({"V(1).out(edge).out(edge)"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "4\n4\n");
  r = Query({"V(1).out(edge).out(edge).dedup().values(id, label)"});
  EXPECT_EQ(r.out, "4|vertex\n") << r;
  r = Query({"--header", "V(1).repeat(out, 1, 9).values(id, distance)"});
  EXPECT_EQ(r.out, "id|distance\n2|1\n3|1\n4|2\n5|3\n") << r;
  r = Query({"V(1).repeat(out, edge, 3, 3).paths()"});
  EXPECT_EQ(r.out, "1|2|4|5\n") << r;
  r = Query({"V().count()"});
  EXPECT_EQ(r.out, "5\n") << r;
  r = Query({"V(5).in().in().orderby(id, desc).limit(1)"});
  EXPECT_EQ(r.out, "3\n") << r;
}

TEST_F(QueryCliTest, AsOf) {
  RunResult r = Query({"--as-of", "2019-12-31", "V().count()"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "0\n");
  r = Query({"--as-of", "2020-01-01", "V().count()"});
  EXPECT_EQ(r.out, "5\n") << r;
  r = Query({"--as-of", "yesterday", "V()"});
  EXPECT_EQ(r.exit_code, 2) << r;
}

TEST_F(QueryCliTest, ErrorsPointAtTheColumn) {
  RunResult r = Query({"V(1).out(edge"});
  EXPECT_EQ(r.exit_code, 2) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("column 14"), std::string::npos) << r;
  // The query, then a caret under column 14.
  EXPECT_NE(r.err.find("  V(1).out(edge\n               ^\n"), std::string::npos)
      << r;
  r = Query({"V(1).out(knows)"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_NE(r.err.find("unknown label 'knows'"), std::string::npos) << r;
  r = Query({"V(1).values(nope)"});
  EXPECT_EQ(r.exit_code, 3) << r;
  r = RunZverse({"query", "--db", dir_.Sub("missing"), "V()"});
  EXPECT_EQ(r.exit_code, 3) << r;
  r = RunZverse({"query", "--db", db_});
  EXPECT_EQ(r.exit_code, 2) << r;
}

// --timeout and --memory-limit: a run past either stops with an error and
// prints no rows; one within both prints what an unlimited run prints.
TEST_F(QueryCliTest, TimeoutAndMemoryLimit) {
  const std::string q = "V().both().both().values(id, label)";
  RunResult want = Query({q});
  ASSERT_EQ(want.exit_code, 0) << want;
  RunResult r = Query({"--timeout", "1h", "--memory-limit", "64M", q});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, want.out);
  r = Query({"--timeout", "0us", q});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(absl::StrContains(r.err, "deadline")) << r;
  r = Query({"--memory-limit", "100", q});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(absl::StrContains(r.err, "memory budget of 100 bytes")) << r;
  for (const char* bad : {"soon", "-5s"}) {
    r = Query({"--timeout", bad, q});
    EXPECT_EQ(r.exit_code, 2) << r;
  }
  for (const char* bad : {"0", "12Q", "99999999999999T"}) {
    r = Query({"--memory-limit", bad, q});
    EXPECT_EQ(r.exit_code, 2) << r;
  }
}

TEST_F(QueryCliTest, StatsAndPrefetchSwitch) {
  // A frontier of more than one chunk (256 vertices) gets hints.
  {
    std::ofstream big(dir_.Sub("big.txt"));
    for (int i = 0; i < 2000; ++i) big << i << ' ' << (i * 7 + 1) % 2000 << '\n';
  }
  RunResult load = RunZverse({"load", "--db", dir_.Sub("big"), "--format",
                              "edgelist", dir_.Sub("big.txt")});
  ASSERT_EQ(load.exit_code, 0) << load;
  auto big = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"query", "--db", dir_.Sub("big")};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunZverse(args);
  };
  RunResult on = big({"--stats", "V().out().out()"});
  RunResult off = big({"--stats", "--no-prefetch", "V().out().out()"});
  EXPECT_EQ(on.exit_code, 0) << on;
  EXPECT_EQ(on.out, off.out);
  EXPECT_NE(on.err.find("prefetch calls"), std::string::npos) << on;
  EXPECT_NE(off.err.find("prefetch calls 0 "), std::string::npos) << off;
  EXPECT_EQ(on.err.find("prefetch calls 0 "), std::string::npos) << on;
  // The adaptive prefetcher: the same rows; what it saw is counted.
  RunResult adaptive = big({"--stats", "--prefetcher", "on", "V().out().out()"});
  EXPECT_EQ(adaptive.exit_code, 0) << adaptive;
  EXPECT_EQ(adaptive.out, on.out);
  EXPECT_NE(adaptive.err.find("kv: hint calls"), std::string::npos) << adaptive;
  EXPECT_EQ(adaptive.err.find(" of 0 sampled"), std::string::npos) << adaptive;
  EXPECT_NE(on.err.find(" of 0 sampled"), std::string::npos)
      << "off by default: nothing tracked\n" << on;
  RunResult bad = big({"--prefetcher", "maybe", "V()"});
  EXPECT_EQ(bad.exit_code, 2) << bad;
  EXPECT_NE(bad.err.find("--prefetcher takes on or off"), std::string::npos)
      << bad;
}

TEST(QueryCliHelpTest, Help) {
  RunResult r = RunZverse({"query", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* word : {"Usage: zverse query", "repeat(", "values(",
                           "--as-of", "date(", "Examples"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word;
  }
}

TEST(QueryCliLdbcTest, FriendsOfFriendsNowAndBefore) {
  const std::string root = DatasetsDir();
  const std::string ldbc =
      root + "/ldbc-snb/interactive-v1-tiny/csv_composite-longdateformatter";
  std::ifstream probe(ldbc + "/dynamic/person_0_0.csv");
  if (root.empty() || !probe) GTEST_SKIP() << kDatasetsHint;
  TempDir dir;
  RunResult r = RunZverse({"load", "--db", dir.Sub("snb"), "--format",
                           "ldbc-snb", ldbc});
  ASSERT_EQ(r.exit_code, 0) << r;
  // The same people as `zverse neighbors --hops 2`.
  const std::string q =
      "V(4398046511333).repeat(out, knows, 2, 2).orderby(id).ids()";
  for (const char* as_of : {"2010-07-01", "2013-01-01"}) {
    RunResult a = RunZverse({"query", "--db", dir.Sub("snb"), "--as-of",
                             as_of, q});
    RunResult b = RunZverse({"neighbors", "--db", dir.Sub("snb"), "--as-of",
                             as_of, "--label", "knows", "--hops", "2",
                             "4398046511333"});
    ASSERT_EQ(a.exit_code, 0) << a;
    ASSERT_EQ(b.exit_code, 0) << b;
    EXPECT_EQ(a.out, b.out) << as_of;
    EXPECT_FALSE(a.out.empty());
  }

  // zverse ldbc: the spec's columns, '|' separated (values are checked
  // against a brute-force oracle in tests/query/ldbc_test.cc).
  auto run_ldbc = [&](std::vector<std::string> args) {
    std::vector<std::string> all = {"ldbc", "--db", dir.Sub("snb")};
    all.insert(all.end(), args.begin(), args.end());
    return RunZverse(all);
  };
  RunResult is1 = run_ldbc({"--header", "is1", "4398046511333"});
  ASSERT_EQ(is1.exit_code, 0) << is1;
  const std::vector<std::string> lines = absl::StrSplit(is1.out, '\n');
  ASSERT_EQ(lines.size(), 3u) << is1;  // Header, row, "".
  EXPECT_EQ(lines[0],
            "firstName|lastName|birthday|locationIP|browserUsed|cityId|gender|"
            "creationDate");
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(lines[1], '|')).size(), 8u);
  EXPECT_EQ(run_ldbc({"ic13", "3279", "3280"}).out, "-1\n");
  EXPECT_EQ(run_ldbc({"ic13", "4398046511333", "4398046511333"}).out, "0\n");
  // Before the person joined: nothing.
  EXPECT_EQ(run_ldbc({"--as-of", "2010-01-01", "is1", "4398046511333"}).out, "");
  RunResult ic2 = run_ldbc({"ic2", "10995116278009", "1287187200000"});
  EXPECT_EQ(ic2.exit_code, 0) << ic2;
  EXPECT_EQ(std::count(ic2.out.begin(), ic2.out.end(), '\n'), 20) << ic2;
  EXPECT_EQ(run_ldbc({"ic3", "1"}).exit_code, 2);
  EXPECT_EQ(run_ldbc({"is1"}).exit_code, 2);
  EXPECT_EQ(run_ldbc({"ic2", "1", "tomorrow"}).exit_code, 2);
  EXPECT_EQ(run_ldbc({"is1", "1", "2"}).exit_code, 2);
}

}  // namespace
}  // namespace zverse::testing
