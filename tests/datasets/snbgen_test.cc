// Tests of the LDBC-SNB-like generator (datasets/snbgen): determinism, that
// graph::LoadLdbcSnb loads its output with the reported counts, the shape of
// the knows degrees, the temporal invariants, the output-directory rules and
// the command line's exit statuses.

#include <sys/wait.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "datasets/snbgen/generator.h"
#include "datasets/snbgen/snbgen_cli.h"
#include "graph/graph_db.h"
#include "graph/loader.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace zverse::datasets {
namespace {

namespace fs = std::filesystem;
using ::zverse::testing::TempDir;

constexpr uint64_t kPersons = 2000;
constexpr uint64_t kSeed = 7;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The rows of a '|'-separated file, without its header.
std::vector<std::vector<std::string>> Rows(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  const std::string data = ReadFile(path);
  bool header = true;
  for (absl::string_view line : absl::StrSplit(data, '\n')) {
    if (header) {
      header = false;
      continue;
    }
    if (line.empty()) continue;
    rows.push_back(absl::StrSplit(line, '|'));
  }
  return rows;
}

int64_t Int(const std::string& s) {
  int64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  EXPECT_TRUE(ec == std::errc() && p == s.data() + s.size()) << "'" << s << "'";
  return v;
}

// id -> creationDate (column `col`) of an entity file.
absl::flat_hash_map<int64_t, int64_t> Dates(const std::string& path,
                                            size_t col) {
  absl::flat_hash_map<int64_t, int64_t> dates;
  for (const auto& row : Rows(path)) {
    EXPECT_GT(row.size(), col) << path;
    if (row.size() <= col) continue;
    EXPECT_TRUE(dates.emplace(Int(row[0]), Int(row[col])).second)
        << path << ": duplicate id " << row[0];
  }
  return dates;
}

// One data set generated once for the whole suite.
class SnbGenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir;
    SnbGenOptions options;
    options.persons = kPersons;
    options.seed = kSeed;
    absl::StatusOr<SnbGenStats> stats = GenerateSnb(Dir(), options);
    ASSERT_TRUE(stats.ok()) << stats.status();
    stats_ = new SnbGenStats(*std::move(stats));
  }
  static void TearDownTestSuite() {
    delete stats_;
    delete tmp_;
    stats_ = nullptr;
    tmp_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(stats_, nullptr); }

  static std::string Dir() { return tmp_->Sub("snb"); }
  static std::string File(const std::string& name) {
    return (fs::path(Dir()) / name).string();
  }

  static TempDir* tmp_;
  static SnbGenStats* stats_;
};

TempDir* SnbGenTest::tmp_ = nullptr;
SnbGenStats* SnbGenTest::stats_ = nullptr;

TEST_F(SnbGenTest, WritesEveryFileWithTheReportedRows) {
  ASSERT_EQ(stats_->rows.size(), SnbFiles().size());
  ASSERT_EQ(SnbFiles().size(), 31u);
  uint64_t bytes = 0;
  for (const auto& [file, rows] : stats_->rows) {
    const std::string path = File(file);
    ASSERT_TRUE(fs::is_regular_file(path)) << path;
    bytes += fs::file_size(path);
    EXPECT_EQ(Rows(path).size(), rows) << file;
  }
  EXPECT_EQ(bytes, stats_->bytes);
  EXPECT_EQ(stats_->persons, kPersons);
  EXPECT_EQ(stats_->knows, 24 * kPersons);
  EXPECT_EQ(stats_->Rows("dynamic/person_knows_person_0_0.csv"), stats_->knows);
  // Messages and forums at the documented ratios (loosely).
  EXPECT_GT(stats_->posts, 7 * kPersons);
  EXPECT_LT(stats_->posts, 14 * kPersons);
  EXPECT_GT(stats_->comments, stats_->posts);
  EXPECT_EQ(stats_->forums, kPersons + kPersons / 50);
  // Nothing but the data set is left beside it.
  for (const auto& e : fs::directory_iterator(tmp_->path())) {
    EXPECT_EQ(e.path().filename().string(), "snb");
  }
}

TEST_F(SnbGenTest, SameSeedSameBytesOtherSeedOtherBytes) {
  TempDir tmp;
  SnbGenOptions options;
  options.persons = kPersons;
  options.seed = kSeed;
  ASSERT_OK(GenerateSnb(tmp.Sub("again"), options));
  options.seed = kSeed + 1;
  ASSERT_OK(GenerateSnb(tmp.Sub("other"), options));
  size_t differing = 0;
  for (const std::string& file : SnbFiles()) {
    const std::string mine = ReadFile(File(file));
    EXPECT_EQ(ReadFile((fs::path(tmp.Sub("again")) / file).string()), mine)
        << file;
    if (ReadFile((fs::path(tmp.Sub("other")) / file).string()) != mine) {
      ++differing;
    }
  }
  // Every dynamic file depends on the seed; the 8 static ones do not.
  EXPECT_EQ(differing, SnbFiles().size() - 8);
}

TEST_F(SnbGenTest, LoadsWithTheReportedCounts) {
  TempDir tmp;
  graph::GraphOptions db_options;
  db_options.kv.sync_mode = kv::SyncMode::kNever;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<graph::GraphDb> db,
                       graph::GraphDb::Open(tmp.Sub("db"), db_options));
  ASSERT_OK_AND_ASSIGN(graph::LoadStats loaded,
                       graph::LoadLdbcSnb(db.get(), Dir()));
  ASSERT_OK_AND_ASSIGN(graph::GraphSnapshot snap, db->GetSnapshot());
  auto count = [&](std::string_view label) -> uint64_t {
    absl::StatusOr<graph::LabelId> id = snap.LabelIdOf(label);
    if (!id.ok()) return 0;
    uint64_t n = 0;
    EXPECT_OK(snap.Vertices(*id, [&](graph::VertexId) {
      ++n;
      return true;
    }));
    return n;
  };
  EXPECT_EQ(count("Person"), stats_->persons);
  EXPECT_EQ(count("Post"), stats_->posts);
  EXPECT_EQ(count("Comment"), stats_->comments);
  EXPECT_EQ(count("Forum"), stats_->forums);
  ASSERT_OK_AND_ASSIGN(graph::LabelId knows, snap.LabelIdOf("knows"));
  uint64_t knows_arcs = 0;
  ASSERT_OK(snap.Edges([&](const graph::EdgeRef& e) {
    if (e.label == knows) ++knows_arcs;
    return true;
  }));
  EXPECT_EQ(knows_arcs, 2 * stats_->knows);  // Stored in both directions.
  // The first 8 files hold entities, the rest relationships.
  uint64_t entities = 0, relations = 0;
  for (size_t i = 0; i < stats_->rows.size(); ++i) {
    (i < 8 ? entities : relations) += stats_->rows[i].second;
  }
  EXPECT_EQ(loaded.vertices, entities);
  EXPECT_EQ(loaded.input_edges, relations);
}

TEST_F(SnbGenTest, KnowsDegreesAreHeavyTailedWithTheTargetMean) {
  std::vector<uint64_t> degree(kPersons, 0);
  for (const auto& row : Rows(File("dynamic/person_knows_person_0_0.csv"))) {
    ++degree[Int(row[0])];
    ++degree[Int(row[1])];
  }
  uint64_t sum = 0, max = 0;
  for (uint64_t d : degree) {
    sum += d;
    max = std::max(max, d);
  }
  const double mean = static_cast<double>(sum) / kPersons;
  EXPECT_NEAR(mean, 48.0, 48.0 * 0.02);
  EXPECT_GE(static_cast<double>(max), 5 * mean) << "max degree " << max;
  // A heavy tail: the top 1% of persons hold far more than 1% of the ends.
  std::sort(degree.rbegin(), degree.rend());
  uint64_t top = 0;
  for (uint64_t i = 0; i < kPersons / 100; ++i) top += degree[i];
  EXPECT_GT(static_cast<double>(top), 0.05 * static_cast<double>(sum));
}

TEST_F(SnbGenTest, DatesRespectCausality) {
  const auto persons = Dates(File("dynamic/person_0_0.csv"), 5);
  ASSERT_EQ(persons.size(), kPersons);
  auto in_range = [](int64_t t) {
    return t >= kSnbStartMillis && t <= kSnbEndMillis;
  };
  for (const auto& [id, t] : persons) EXPECT_TRUE(in_range(t)) << id;

  // knows: after both persons, no self loops, each pair once.
  std::set<std::pair<int64_t, int64_t>> pairs;
  for (const auto& row : Rows(File("dynamic/person_knows_person_0_0.csv"))) {
    const int64_t a = Int(row[0]), b = Int(row[1]), t = Int(row[2]);
    ASSERT_NE(a, b) << "self loop";
    EXPECT_TRUE(pairs.emplace(std::min(a, b), std::max(a, b)).second)
        << "duplicate pair " << a << "-" << b;
    ASSERT_TRUE(persons.contains(a) && persons.contains(b));
    EXPECT_GE(t, persons.at(a));
    EXPECT_GE(t, persons.at(b));
    EXPECT_TRUE(in_range(t));
  }

  // Forums after their moderators; members join after both.
  const auto forums = Dates(File("dynamic/forum_0_0.csv"), 2);
  for (const auto& row :
       Rows(File("dynamic/forum_hasModerator_person_0_0.csv"))) {
    EXPECT_GE(forums.at(Int(row[0])), persons.at(Int(row[1])));
  }
  for (const auto& row : Rows(File("dynamic/forum_hasMember_person_0_0.csv"))) {
    const int64_t join = Int(row[2]);
    EXPECT_GE(join, forums.at(Int(row[0])));
    EXPECT_GE(join, persons.at(Int(row[1])));
    EXPECT_TRUE(in_range(join));
  }

  // Posts after their creators, in a forum that existed.
  const auto posts = Dates(File("dynamic/post_0_0.csv"), 2);
  for (const auto& row : Rows(File("dynamic/post_hasCreator_person_0_0.csv"))) {
    EXPECT_GE(posts.at(Int(row[0])), persons.at(Int(row[1])));
    EXPECT_TRUE(in_range(posts.at(Int(row[0]))));
  }
  for (const auto& row : Rows(File("dynamic/forum_containerOf_post_0_0.csv"))) {
    EXPECT_GT(posts.at(Int(row[1])), forums.at(Int(row[0])));
  }

  // Every comment replies to exactly one earlier message, and following the
  // replies from any comment reaches a post (one thread, no cycles).
  const auto comments = Dates(File("dynamic/comment_0_0.csv"), 1);
  absl::flat_hash_map<int64_t, int64_t> parent;
  for (const auto& row : Rows(File("dynamic/comment_replyOf_post_0_0.csv"))) {
    const int64_t c = Int(row[0]), p = Int(row[1]);
    ASSERT_TRUE(posts.contains(p));
    EXPECT_GT(comments.at(c), posts.at(p));
    EXPECT_TRUE(parent.emplace(c, p).second) << "two parents: " << c;
  }
  for (const auto& row :
       Rows(File("dynamic/comment_replyOf_comment_0_0.csv"))) {
    const int64_t c = Int(row[0]), p = Int(row[1]);
    ASSERT_TRUE(comments.contains(p));
    EXPECT_GT(comments.at(c), comments.at(p));
    EXPECT_TRUE(parent.emplace(c, p).second) << "two parents: " << c;
  }
  EXPECT_EQ(parent.size(), comments.size());
  for (const auto& [c, t] : comments) {
    EXPECT_TRUE(in_range(t));
    int64_t m = c;
    for (size_t steps = 0; comments.contains(m); ++steps) {
      ASSERT_LT(steps, comments.size()) << "a reply cycle through " << c;
      ASSERT_TRUE(parent.contains(m)) << "comment " << m << " has no parent";
      m = parent.at(m);
    }
    EXPECT_TRUE(posts.contains(m));
  }
  for (const auto& row :
       Rows(File("dynamic/comment_hasCreator_person_0_0.csv"))) {
    EXPECT_GE(comments.at(Int(row[0])), persons.at(Int(row[1])));
  }

  // Likes after the message and after the liker.
  for (const auto& row : Rows(File("dynamic/person_likes_post_0_0.csv"))) {
    EXPECT_GT(Int(row[2]), posts.at(Int(row[1])));
    EXPECT_GE(Int(row[2]), persons.at(Int(row[0])));
  }
  for (const auto& row : Rows(File("dynamic/person_likes_comment_0_0.csv"))) {
    EXPECT_GT(Int(row[2]), comments.at(Int(row[1])));
    EXPECT_GE(Int(row[2]), persons.at(Int(row[0])));
  }
}

TEST(SnbGenDirTest, RefusesNonEmptyDirectoryUnlessForced) {
  TempDir tmp;
  SnbGenOptions options;
  options.persons = 200;
  ASSERT_OK(GenerateSnb(tmp.Sub("out"), options));
  EXPECT_STATUS_CODE(GenerateSnb(tmp.Sub("out"), options),
                     absl::StatusCode::kFailedPrecondition);
  options.force = true;
  options.seed = 2;
  ASSERT_OK(GenerateSnb(tmp.Sub("out"), options));

  // --force never deletes what the generator did not write.
  fs::create_directories(tmp.Sub("mine"));
  std::ofstream(tmp.Sub("mine/notes.txt")) << "keep me";
  EXPECT_STATUS_CODE(GenerateSnb(tmp.Sub("mine"), options),
                     absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReadFile(tmp.Sub("mine/notes.txt")), "keep me");

  // An empty directory is filled.
  fs::create_directories(tmp.Sub("empty"));
  options.force = false;
  ASSERT_OK(GenerateSnb(tmp.Sub("empty/"), options));
  EXPECT_TRUE(fs::is_regular_file(tmp.Sub("empty/dynamic/person_0_0.csv")));

  // A failure leaves nothing behind.
  std::ofstream(tmp.Sub("file")) << "x";
  EXPECT_FALSE(GenerateSnb(tmp.Sub("file/sub"), options).ok());
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(tmp.path())) {
    names.insert(e.path().filename().string());
  }
  EXPECT_EQ(names, (std::set<std::string>{"empty", "file", "mine", "out"}));
}

TEST(SnbGenDirTest, RejectsBadOptions) {
  TempDir tmp;
  SnbGenOptions options;
  options.persons = 10;
  EXPECT_STATUS_CODE(GenerateSnb(tmp.Sub("out"), options),
                     absl::StatusCode::kInvalidArgument);
  options.persons = 1000;
  options.knows_per_person = -1;
  EXPECT_STATUS_CODE(GenerateSnb(tmp.Sub("out"), options),
                     absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(tmp.Sub("out")));
}

struct CliResult {
  int status;
  std::string out;
  std::string err;
};

CliResult RunCli(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int status = RunSnbGen(args, out, err);
  return {status, out.str(), err.str()};
}

TEST(SnbGenCliTest, BadFlagsExitWithStatus2AndAMessage) {
  TempDir tmp;
  const std::string out = tmp.Sub("out");
  const std::pair<std::vector<std::string>, const char*> cases[] = {
      {{"--out", out, "--bogus"}, "unknown flag --bogus"},
      {{"--persons", "1000"}, "--out DIR is required"},
      {{"--out", out, "--persons", "abc"}, "--persons"},
      {{"--out", out, "--persons", "5"}, "--persons"},
      {{"--out", out, "--persons", "100G"}, "--persons"},
      {{"--out", out, "--seed", "-1"}, "--seed"},
      {{"--out", out, "--seed"}, "--seed needs a value"},
      {{"--out", out, "--force=yes"}, "--force takes no value"},
      {{"--out", out, "--out", out}, "--out given twice"},
      {{"--out", out, "stray"}, "unexpected argument 'stray'"},
      {{"--out", out, "--knows_per_person", "x"}, "--knows_per_person"},
  };
  for (const auto& [args, message] : cases) {
    const CliResult r = RunCli(args);
    EXPECT_EQ(r.status, kSnbGenUsageError) << message;
    EXPECT_TRUE(absl::StrContains(r.err, message)) << r.err;
    EXPECT_TRUE(absl::StrContains(r.err, "usage:")) << r.err;
  }
  EXPECT_FALSE(fs::exists(out));
}

TEST(SnbGenCliTest, HelpAndSummary) {
  const CliResult help = RunCli({"--help"});
  EXPECT_EQ(help.status, kSnbGenOk);
  EXPECT_TRUE(absl::StrContains(help.out, "csv_composite-longdateformatter"));
  EXPECT_TRUE(absl::StrContains(help.out, "--persons"));

  TempDir tmp;
  const CliResult r = RunCli(
      {"--out=" + tmp.Sub("out"), "--persons=200", "--seed", "3", "--quiet"});
  ASSERT_EQ(r.status, kSnbGenOk) << r.err;
  EXPECT_TRUE(absl::StrContains(r.out, "persons 200, knows 4800")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "dynamic/comment_replyOf_post_0_0.csv"))
      << r.out;
  EXPECT_EQ(r.err, "");
  // A second run into the same directory fails (status 1) and says why.
  const CliResult again = RunCli({"--out", tmp.Sub("out"), "--persons=200"});
  EXPECT_EQ(again.status, kSnbGenFailed);
  EXPECT_TRUE(absl::StrContains(again.err, "--force")) << again.err;
}

// The real binary: exit statuses as a shell sees them.
TEST(SnbGenCliTest, BinaryExitStatus) {
  TempDir tmp;
  const std::string err = tmp.Sub("err.txt");
  auto run = [&](const std::string& flags) {
    const std::string cmd = absl::StrCat("'", ZVERSE_SNBGEN_BIN, "' ", flags,
                                         " >/dev/null 2>'", err, "'");
    const int w = std::system(cmd.c_str());
    return WIFEXITED(w) ? WEXITSTATUS(w) : -1;
  };
  EXPECT_EQ(run("--no-such-flag"), 2);
  EXPECT_TRUE(absl::StrContains(ReadFile(err), "unknown flag --no-such-flag"));
  EXPECT_EQ(run("--help"), 0);
  EXPECT_EQ(run(absl::StrCat("--persons 200 --out '", tmp.Sub("out"), "'")), 0);
  EXPECT_TRUE(fs::is_regular_file(tmp.Sub("out/dynamic/post_0_0.csv")));
}

}  // namespace
}  // namespace zverse::datasets
