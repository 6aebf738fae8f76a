// The textual syntax (query/syntax.h): random step lists rendered as text
// (by a printer written here, independently of the parser) parse back to the
// same steps and give the same answers as the fluent API; the issue's
// example; syntax errors that point at their column; unknown names.

#include "query/syntax.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/graph_db.h"
#include "gtest/gtest.h"
#include "query/traversal.h"
#include "tests/test_util.h"

namespace zverse::query {
namespace {

using Step = Traversal::Step;
using ::zverse::testing::TempDir;

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string ValueText(const graph::PropertyValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return absl::StrCat(*i);
  if (const auto* d = std::get_if<double>(&v)) return absl::StrCat(*d, "e0");
  if (const auto* s = std::get_if<std::string>(&v)) return Quote(*s);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* t = std::get_if<graph::TimestampValue>(&v)) {
    return absl::StrCat("date(\"", t->micros, "\")");
  }
  return "?";
}

std::string DirText(Direction d) {
  return d == Direction::kOut ? "out" : d == Direction::kIn ? "in" : "both";
}

// Renders steps in the documented syntax, with random spacing and case.
std::string Render(const std::vector<Step>& steps, std::mt19937_64& rng) {
  auto sp = [&] { return rng() % 3 == 0 ? std::string(" ") : std::string(); };
  auto name = [&](std::string n) {
    if (rng() % 4 == 0) {
      for (char& c : n) c = static_cast<char>(std::toupper(c));
    }
    return n;
  };
  std::vector<std::string> parts;
  for (const Step& s : steps) {
    std::vector<std::string> args;
    std::string n;
    switch (s.kind) {
      case Step::Kind::kStartIds:
        n = "V";
        for (VertexId v : s.ids) args.push_back(absl::StrCat(v));
        break;
      case Step::Kind::kStartLabel:
        n = "V";
        args.push_back(s.name);
        break;
      case Step::Kind::kStartAll:
        n = "V";
        break;
      case Step::Kind::kHop:
        n = DirText(s.direction);
        if (!s.name.empty()) args.push_back(s.name);
        break;
      case Step::Kind::kRepeat:
        n = "repeat";
        args.push_back(DirText(s.direction));
        if (!s.name.empty()) args.push_back(s.name);
        args.push_back(absl::StrCat(s.min_hops));
        args.push_back(absl::StrCat(s.max_hops));
        break;
      case Step::Kind::kEdgeTime:
        n = "edgetime";
        args.push_back(absl::StrCat(s.from));
        args.push_back(absl::StrCat("date(\"", s.to, "\")"));
        break;
      case Step::Kind::kWhere:
        if (s.op == Compare::kEq && rng() % 2 == 0) {
          n = "has";
          args = {s.name, ValueText(s.value)};
        } else {
          n = "where";
          args = {s.name, std::string(CompareName(s.op)), ValueText(s.value)};
        }
        break;
      case Step::Kind::kHasLabel:
        n = "haslabel";
        args.push_back(s.name);
        break;
      case Step::Kind::kWhereEdge:
        n = "whereedge";
        args = {s.name, std::string(CompareName(s.op)), ValueText(s.value)};
        break;
      case Step::Kind::kDedup:
        n = "dedup";
        break;
      case Step::Kind::kExcept:
        n = "except";
        for (VertexId v : s.ids) args.push_back(absl::StrCat(v));
        break;
      case Step::Kind::kOrderBy:
        n = "orderby";
        args.push_back(s.name);
        if (s.descending || rng() % 2 == 0) {
          args.push_back(s.descending ? "desc" : "asc");
        }
        break;
      case Step::Kind::kLimit:
        n = "limit";
        args.push_back(absl::StrCat(s.limit));
        break;
    }
    parts.push_back(absl::StrCat(name(n), sp(), "(", sp(),
                                 absl::StrJoin(args, absl::StrCat(",", sp())),
                                 sp(), ")"));
  }
  return absl::StrJoin(parts, absl::StrCat(sp(), ".", sp()));
}

bool SameSteps(const std::vector<Step>& a, const std::vector<Step>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const Step& x = a[i];
    const Step& y = b[i];
    if (x.kind != y.kind || x.ids != y.ids || x.name != y.name) return false;
    switch (x.kind) {
      case Step::Kind::kHop:
        if (x.direction != y.direction) return false;
        break;
      case Step::Kind::kRepeat:
        if (x.direction != y.direction || x.min_hops != y.min_hops ||
            x.max_hops != y.max_hops) {
          return false;
        }
        break;
      case Step::Kind::kEdgeTime:
        if (x.from != y.from || x.to != y.to) return false;
        break;
      case Step::Kind::kWhere:
      case Step::Kind::kWhereEdge:
        if (x.op != y.op || !(x.value == y.value)) return false;
        break;
      case Step::Kind::kOrderBy:
        if (x.descending != y.descending) return false;
        break;
      case Step::Kind::kLimit:
        if (x.limit != y.limit) return false;
        break;
      default:
        break;
    }
  }
  return true;
}

class SyntaxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    graph::GraphOptions options;
    options.kv.sync_mode = kv::SyncMode::kNever;
    ASSERT_OK_AND_ASSIGN(db_, graph::GraphDb::Open(dir_.path(), options));
    std::mt19937_64 rng(5);
    graph::GraphBatch b;
    const char* names[] = {"Jan", "Ada", "Bo"};
    for (VertexId v = 1; v <= 40; ++v) {
      b.PutVertex(v, v % 4 == 0 ? "City" : "Person",
                  {{"firstName", std::string(names[v % 3])},
                   {"age", static_cast<int64_t>(v % 50)}});
    }
    for (int i = 0; i < 150; ++i) {
      const VertexId a = 1 + rng() % 40, c = 1 + rng() % 40;
      b.PutEdge(a, i % 3 == 0 ? "likes" : "knows", c,
                {{"w", static_cast<int64_t>(rng() % 10)}});
    }
    ASSERT_OK(db_->Apply(b).status());
  }

  Step RandomStep(std::mt19937_64& rng, bool first) {
    Step s;
    if (first) {
      switch (rng() % 3) {
        case 0:
          s.kind = Step::Kind::kStartIds;
          for (int i = 0, n = 1 + static_cast<int>(rng() % 3); i < n; ++i) {
            s.ids.push_back(1 + rng() % 45);
          }
          break;
        case 1:
          s.kind = Step::Kind::kStartLabel;
          s.name = rng() % 2 ? "Person" : "City";
          break;
        default:
          s.kind = Step::Kind::kStartAll;
      }
      return s;
    }
    const char* labels[] = {"", "knows", "likes"};
    switch (rng() % 10) {
      case 0:
      case 1:
        s.kind = Step::Kind::kHop;
        s.direction = static_cast<Direction>(rng() % 3);
        s.name = labels[rng() % 3];
        break;
      case 2:
        s.kind = Step::Kind::kRepeat;
        s.direction = static_cast<Direction>(rng() % 3);
        s.name = labels[rng() % 3];
        s.min_hops = static_cast<int>(rng() % 2);
        s.max_hops = s.min_hops + static_cast<int>(rng() % 3);
        break;
      case 3:
        s.kind = Step::Kind::kWhere;
        s.op = static_cast<Compare>(rng() % 6);
        if (rng() % 2) {
          s.name = "age";
          s.value = rng() % 2 ? graph::PropertyValue(static_cast<int64_t>(rng() % 50))
                              : graph::PropertyValue(static_cast<double>(rng() % 50) + 0.5);
        } else {
          s.name = "firstName";
          s.value = std::string(rng() % 2 ? "Jan" : "A\"d\\a");
        }
        break;
      case 4:
        s.kind = Step::Kind::kWhereEdge;
        s.name = "w";
        s.op = static_cast<Compare>(rng() % 6);
        s.value = static_cast<int64_t>(rng() % 10);
        break;
      case 5:
        s.kind = Step::Kind::kDedup;
        break;
      case 6:
        s.kind = Step::Kind::kExcept;
        s.ids = {1 + rng() % 40};
        break;
      case 7:
        s.kind = Step::Kind::kOrderBy;
        s.name = rng() % 2 ? "age" : "id";
        s.descending = rng() % 2;
        break;
      case 8:
        s.kind = Step::Kind::kLimit;
        s.limit = rng() % 30;
        break;
      default:
        s.kind = Step::Kind::kEdgeTime;
        s.from = 1;
        s.to = kv::kMaxTimestamp;
        break;
    }
    return s;
  }

  TempDir dir_;
  std::unique_ptr<graph::GraphDb> db_;
};

TEST_F(SyntaxTest, RenderedTraversalsParseBackAndAgreeWithTheFluentApi) {
  std::mt19937_64 rng(99);
  ASSERT_OK_AND_ASSIGN(graph::GraphSnapshot snap, db_->GetSnapshot());
  int nonempty = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<Step> steps;
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) steps.push_back(RandomStep(rng, i == 0));
    const std::string text = Render(steps, rng);
    SCOPED_TRACE(text);
    ASSERT_OK_AND_ASSIGN(ParsedQuery q, ParseQuery(text));
    EXPECT_TRUE(SameSteps(q.steps, steps));
    EXPECT_EQ(q.terminal, ParsedQuery::Terminal::kIds);
    ASSERT_OK_AND_ASSIGN(QueryResult r, RunQuery(snap, q));
    // The same steps through the fluent API.
    Traversal t(snap);
    for (const Step& s : steps) {
      switch (s.kind) {
        case Step::Kind::kStartIds: t.V(s.ids); break;
        case Step::Kind::kStartLabel: t.VLabel(s.name); break;
        case Step::Kind::kStartAll: t.VAll(); break;
        case Step::Kind::kHop: t.Hop(s.direction, s.name); break;
        case Step::Kind::kRepeat:
          t.Repeat(s.direction, s.name, s.min_hops, s.max_hops);
          break;
        case Step::Kind::kEdgeTime: t.EdgeTime(s.from, s.to); break;
        case Step::Kind::kWhere: t.Where(s.name, s.op, s.value); break;
        case Step::Kind::kHasLabel: t.HasLabel(s.name); break;
        case Step::Kind::kWhereEdge: t.WhereEdge(s.name, s.op, s.value); break;
        case Step::Kind::kDedup: t.Dedup(); break;
        case Step::Kind::kExcept: t.Except(s.ids); break;
        case Step::Kind::kOrderBy: t.OrderBy(s.name, s.descending); break;
        case Step::Kind::kLimit: t.Limit(s.limit); break;
      }
    }
    ASSERT_OK_AND_ASSIGN(std::vector<VertexId> ids, t.Ids());
    ASSERT_EQ(r.rows.size(), ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(r.rows[i], std::vector<std::string>{absl::StrCat(ids[i])});
    }
    nonempty += !ids.empty();
  }
  EXPECT_GT(nonempty, 100);
}

TEST_F(SyntaxTest, TheIssuesExample) {
  ASSERT_OK_AND_ASSIGN(graph::GraphSnapshot snap, db_->GetSnapshot());
  ASSERT_OK_AND_ASSIGN(
      ParsedQuery q,
      ParseQuery("V(1).out(knows).out(knows).dedup().except(1)"
                 ".has(firstName, \"Jan\").limit(20).values(id, age)"));
  EXPECT_EQ(q.terminal, ParsedQuery::Terminal::kValues);
  EXPECT_EQ(q.columns, (std::vector<std::string>{"id", "age"}));
  ASSERT_OK_AND_ASSIGN(QueryResult r, RunQuery(snap, q));
  ASSERT_OK_AND_ASSIGN(std::vector<Row> want,
                       Traversal(snap).V(1).Out("knows").Out("knows").Dedup()
                           .Except(1).Has("firstName", std::string("Jan"))
                           .Limit(20).Values({"id", "age"}));
  ASSERT_EQ(r.rows.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(r.rows[i],
              (std::vector<std::string>{FormatValue(want[i][0]),
                                        FormatValue(want[i][1])}));
  }
  // count() and paths().
  ASSERT_OK_AND_ASSIGN(ParsedQuery c, ParseQuery("V(Person).count()"));
  ASSERT_OK_AND_ASSIGN(QueryResult cr, RunQuery(snap, c));
  ASSERT_OK_AND_ASSIGN(size_t persons, Traversal(snap).VLabel("Person").Count());
  EXPECT_EQ(cr.rows, (std::vector<std::vector<std::string>>{
                         {absl::StrCat(persons)}}));
  ASSERT_OK_AND_ASSIGN(ParsedQuery p, ParseQuery("V(1).out().out().paths()"));
  ASSERT_OK_AND_ASSIGN(QueryResult pr, RunQuery(snap, p));
  for (const auto& row : pr.rows) {
    EXPECT_EQ(row.size(), 3u);
    EXPECT_EQ(row[0], "1");
  }
  // date() literals compare with timestamps and microseconds.
  ASSERT_OK_AND_ASSIGN(
      ParsedQuery d,
      ParseQuery("V().edgetime(date(\"1970-01-02\"), date(\"2262-01-01\"))"
                 ".out(knows).count()"));
  ASSERT_OK_AND_ASSIGN(QueryResult dr, RunQuery(snap, d));
  ASSERT_OK_AND_ASSIGN(size_t knows, Traversal(snap).VAll().Out("knows").Count());
  EXPECT_EQ(dr.rows[0][0], absl::StrCat(knows));
}

TEST_F(SyntaxTest, SyntaxErrorsPointAtTheirColumn) {
  struct Case {
    const char* text;
    int column;
    const char* says;
  };
  const Case cases[] = {
      {"", 1, "expected a step name"},
      {"out(knows)", 1, "starts with V"},
      {"V(1).out(knows", 15, "expected ')'"},
      {"V(1).bogus()", 6, "unknown step 'bogus'"},
      {"V(1)..out()", 6, "expected a step name"},
      {"V(1).has(name)", 6, "takes 2 arguments"},
      {"V(1).where(age, =, 3)", 17, "unknown operator"},
      {"V(1).where(age, 3, 3)", 17, "expected an operator"},
      {"V(1).has(name, \"abc)", 16, "unterminated string"},
      {"V(1).limit(x)", 12, "expected a count"},
      {"V(1).limit(-1)", 12, "negative"},
      {"V(1).repeat(up, 1, 2)", 13, "out, in or both"},
      {"V(1).repeat(out, 3, 1)", 18, "min <= max"},
      {"V(1).ids().out()", 12, "nothing may follow"},
      {"V(1).edgetime(date(\"yesterday\"), 5)", 20, "bad timestamp"},
      {"V(1) # comment", 6, "unexpected character"},
      {"V(1.5)", 3, "expected a vertex id"},
      {"V(1).out(knows) x", 17, "expected '.'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<ParsedQuery> q = ParseQuery(c.text);
    ASSERT_TRUE(absl::IsInvalidArgument(q.status())) << q.status();
    const std::string msg(q.status().message());
    EXPECT_EQ(msg.rfind(absl::StrCat("column ", c.column, ":"), 0), 0u) << msg;
    EXPECT_NE(msg.find(c.says), std::string::npos) << msg;
  }
}

TEST_F(SyntaxTest, UnknownNamesAreErrors) {
  ASSERT_OK_AND_ASSIGN(graph::GraphSnapshot snap, db_->GetSnapshot());
  for (const char* text :
       {"V(1).out(knowz)", "V(Nobody)", "V().has(agee, 1)",
        "V(1).values(id, nope)", "V().orderby(nope)"}) {
    SCOPED_TRACE(text);
    ASSERT_OK_AND_ASSIGN(ParsedQuery q, ParseQuery(text));
    EXPECT_TRUE(absl::IsNotFound(RunQuery(snap, q).status()));
  }
}

}  // namespace
}  // namespace zverse::query
