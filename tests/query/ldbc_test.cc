// The LDBC SNB reads (query/ldbc.h) on the Interactive v1 tiny set, against
// the brute-force oracle of tests/query/ldbc_oracle.h, now and as of a time in
// the middle of the data's history: IC1, IC2, IC9 and IC13 with the official
// substitution parameters and more; the short reads for every person and a
// sample of messages. Skips where ../shared/datasets is absent.

#include "query/ldbc.h"

#include <cstdint>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "graph/graph_db.h"
#include "graph/loader.h"
#include "gtest/gtest.h"
#include "tests/query/ldbc_oracle.h"
#include "tests/test_util.h"

namespace zverse::query::ldbc {
namespace {

using ::zverse::testing::TempDir;
using Oracle = ::zverse::testing::ldbc::Oracle;

std::string TinyDir() {
  const std::string root = ::zverse::testing::DatasetsDir();
  if (root.empty()) return "";
  return root + "/ldbc-snb/interactive-v1-tiny";
}

std::string Show(const Rows& rows) {
  std::string out = absl::StrCat(rows.size(), " rows");
  for (const auto& r : rows) absl::StrAppend(&out, "\n  ", absl::StrJoin(r, "|"));
  return out;
}

// The rows of a substitution parameter file, header dropped.
std::vector<std::vector<std::string>> Params(const std::string& file) {
  std::vector<std::vector<std::string>> out;
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(absl::StrSplit(line, '|'));
  }
  return out;
}

class LdbcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string tiny = TinyDir();
    const std::string csv = tiny + "/csv_composite-longdateformatter";
    std::ifstream probe(csv + "/dynamic/person_0_0.csv");
    if (tiny.empty() || !probe) return;
    dir_ = new TempDir();
    graph::GraphOptions options;
    options.kv.sync_mode = kv::SyncMode::kNever;
    auto db = graph::GraphDb::Open(dir_->Sub("snb"), options);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = db->release();
    ASSERT_OK(graph::LoadLdbcSnb(db_, csv).status());
    oracle_ = new Oracle();
    ASSERT_TRUE(oracle_->Load(csv));
  }
  static void TearDownTestSuite() {
    delete db_;
    delete oracle_;
    delete dir_;
    db_ = nullptr;
  }
  void SetUp() override {
    if (db_ == nullptr) GTEST_SKIP() << ::zverse::testing::kDatasetsHint;
  }

  // Both as of `ms` (kEver: now).
  void Check(Query q, const std::vector<std::string>& params, int64_t ms,
             const Rows& want) {
    ASSERT_OK_AND_ASSIGN(
        graph::GraphSnapshot snap,
        db_->GetSnapshot(ms == ::zverse::testing::ldbc::kEver
                             ? kv::kLatest
                             : static_cast<kv::Timestamp>(ms) * 1000));
    for (bool prefetch : {true, false}) {
      ASSERT_OK_AND_ASSIGN(
          Rows got, ldbc::Run(snap, q, params, TraversalOptions{.prefetch = prefetch}));
      EXPECT_EQ(Show(got), Show(want))
          << QueryName(q) << " " << absl::StrJoin(params, " ") << " as of "
          << (ms == ::zverse::testing::ldbc::kEver ? std::string("now")
                                                   : absl::StrCat(ms));
      nonempty_ += !want.empty();
    }
  }

  // Now, and in the middle of the history.
  std::vector<int64_t> Times() const {
    return {::zverse::testing::ldbc::kEver, kMid};
  }

  static constexpr int64_t kMid = 1282564662582;  // The median post's date.
  static TempDir* dir_;
  static graph::GraphDb* db_;
  static Oracle* oracle_;
  int nonempty_ = 0;
};

TempDir* LdbcTest::dir_ = nullptr;
graph::GraphDb* LdbcTest::db_ = nullptr;
Oracle* LdbcTest::oracle_ = nullptr;

TEST_F(LdbcTest, ComplexReadsWithTheSubstitutionParameters) {
  const std::string p = TinyDir() + "/substitution_parameters";
  for (int64_t t : Times()) {
    for (const auto& row : Params(p + "/interactive_1_param.txt")) {
      Check(Query::kIc1, row, t,
            oracle_->Ic1(std::stoull(row[0]), row[1], t));
    }
    for (const auto& row : Params(p + "/interactive_2_param.txt")) {
      Check(Query::kIc2, row, t,
            oracle_->RecentMessages(std::stoull(row[0]), std::stoll(row[1]), 1,
                                    true, t));
    }
    for (const auto& row : Params(p + "/interactive_9_param.txt")) {
      Check(Query::kIc9, row, t,
            oracle_->RecentMessages(std::stoull(row[0]), std::stoll(row[1]), 2,
                                    false, t));
    }
    for (const auto& row : Params(p + "/interactive_13_param.txt")) {
      Check(Query::kIc13, row, t,
            oracle_->Ic13(std::stoull(row[0]), std::stoull(row[1]), t));
    }
  }
  EXPECT_GT(nonempty_, 10);
}

TEST_F(LdbcTest, ComplexReadsForManyPeople) {
  std::mt19937_64 rng(3);
  std::vector<uint64_t> people;
  for (const auto& [id, p] : oracle_->persons()) people.push_back(id);
  const char* names[] = {"Jose", "Ayesha", "Ali", "John", "Chen", "Abdul"};
  for (int trial = 0; trial < 40; ++trial) {
    const uint64_t a = people[rng() % people.size()];
    const uint64_t b = people[rng() % people.size()];
    const int64_t t = trial % 2 ? ::zverse::testing::ldbc::kEver : kMid;
    // A name from the data, sometimes one of the person's friends' friends.
    const std::string name =
        rng() % 2 ? std::string(names[rng() % 6])
                  : oracle_->persons().at(people[rng() % people.size()]).first;
    Check(Query::kIc1, {absl::StrCat(a), name}, t, oracle_->Ic1(a, name, t));
    // Sometimes exactly a message's date: IC2 includes it, IC9 does not.
    int64_t max = 1285000000000 + static_cast<int64_t>(rng() % 5) * 1000000000;
    if (trial % 3 == 0) {
      auto it = oracle_->messages().begin();
      std::advance(it, rng() % oracle_->messages().size());
      max = it->second.created;
    }
    Check(Query::kIc2, {absl::StrCat(a), absl::StrCat(max)}, t,
          oracle_->RecentMessages(a, max, 1, true, t));
    Check(Query::kIc9, {absl::StrCat(a), absl::StrCat(max)}, t,
          oracle_->RecentMessages(a, max, 2, false, t));
    Check(Query::kIc13, {absl::StrCat(a), absl::StrCat(b)}, t,
          oracle_->Ic13(a, b, t));
    Check(Query::kIc13, {absl::StrCat(a), absl::StrCat(a)}, t,
          oracle_->Ic13(a, a, t));
  }
  EXPECT_GT(nonempty_, 100);
}

TEST_F(LdbcTest, ShortReadsForEveryPersonAndSampledMessages) {
  std::vector<uint64_t> messages;
  size_t i = 0;
  for (const auto& [id, m] : oracle_->messages()) {
    if (i++ % 29 == 0) messages.push_back(id);
  }
  // Messages with replies, for IS7.
  size_t k = 0;
  for (const auto& [c, parent] : oracle_->reply_of()) {
    if (k++ % 37 == 0) messages.push_back(parent);
  }
  messages.push_back(1);  // No such message.
  for (int64_t t : Times()) {
    for (const auto& [id, p] : oracle_->persons()) {
      const std::vector<std::string> param = {absl::StrCat(id)};
      Check(Query::kIs1, param, t, oracle_->Is1(id, t));
      Check(Query::kIs2, param, t, oracle_->Is2(id, t));
      Check(Query::kIs3, param, t, oracle_->Is3(id, t));
    }
    Check(Query::kIs1, {"3279"}, t, {});
    for (uint64_t m : messages) {
      const std::vector<std::string> param = {absl::StrCat(m)};
      Check(Query::kIs4, param, t, oracle_->Is4(m, t));
      Check(Query::kIs5, param, t, oracle_->Is5(m, t));
      Check(Query::kIs6, param, t, oracle_->Is6(m, t));
      Check(Query::kIs7, param, t, oracle_->Is7(m, t));
    }
  }
  EXPECT_GT(nonempty_, 1000);
}

TEST_F(LdbcTest, BadParameters) {
  ASSERT_OK_AND_ASSIGN(graph::GraphSnapshot snap, db_->GetSnapshot());
  EXPECT_TRUE(absl::IsInvalidArgument(ldbc::Run(snap, Query::kIs1, {}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ldbc::Run(snap, Query::kIs1, {"x"}).status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(ldbc::Run(snap, Query::kIc2, {"1", "soon"}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseQueryName("ic3").status()));
  ASSERT_OK_AND_ASSIGN(Query q, ParseQueryName("IC13"));
  EXPECT_EQ(q, Query::kIc13);
}

}  // namespace
}  // namespace zverse::query::ldbc
