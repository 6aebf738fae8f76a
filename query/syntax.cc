#include "query/syntax.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "kv/status_macros.h"
#include "kv/timestamp.h"

namespace zverse::query {
namespace {

using Step = Traversal::Step;

// A lexical token. `column` is 1-based, into the query text.
struct Token {
  enum class Kind { kName, kInt, kFloat, kString, kOp, kPunct, kEnd } kind;
  std::string text;  // Names, operators, punctuation; a string's contents.
  int64_t i = 0;
  double d = 0;
  size_t column = 0;
};

absl::Status SyntaxError(size_t column, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("column ", column, ": ", std::string(what)));
}

bool IsNameStart(char c) {
  return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool IsNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '.';
}

absl::StatusOr<std::vector<Token>> Lex(std::string_view text) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const size_t col = i + 1;
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    if (c == '(' || c == ')' || c == ',') {
      out.push_back(Token{Token::Kind::kPunct, std::string(1, c), 0, 0, col});
      ++i;
      continue;
    }
    if (c == '.') {
      out.push_back(Token{Token::Kind::kPunct, ".", 0, 0, col});
      ++i;
      continue;
    }
    if (c == '=' || c == '!' || c == '<' || c == '>') {
      std::string op(1, c);
      if (i + 1 < text.size() && text[i + 1] == '=') op.push_back('=');
      if (op == "=" || op == "!") {
        return SyntaxError(col, absl::StrCat("unknown operator '", op,
                                             "' (== != < <= > >=)"));
      }
      out.push_back(Token{Token::Kind::kOp, op, 0, 0, col});
      i += op.size();
      continue;
    }
    if (c == '"') {
      std::string s;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        if (text[i] == '\\') {
          if (i + 1 >= text.size() ||
              (text[i + 1] != '"' && text[i + 1] != '\\')) {
            return SyntaxError(i + 1, "only \\\" and \\\\ escape in strings");
          }
          s.push_back(text[i + 1]);
          i += 2;
        } else if (text[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          s.push_back(text[i++]);
        }
      }
      if (!closed) return SyntaxError(col, "unterminated string");
      out.push_back(Token{Token::Kind::kString, std::move(s), 0, 0, col});
      continue;
    }
    if (absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
        (c == '-' && i + 1 < text.size() &&
         absl::ascii_isdigit(static_cast<unsigned char>(text[i + 1])))) {
      size_t j = i + 1;
      bool is_float = false;
      while (j < text.size()) {
        const char d = text[j];
        if (absl::ascii_isdigit(static_cast<unsigned char>(d))) {
          ++j;
        } else if (d == '.' || d == 'e' || d == 'E' ||
                   ((d == '+' || d == '-') &&
                    (text[j - 1] == 'e' || text[j - 1] == 'E'))) {
          // A '.' followed by a letter ends the number: 933.out(...).
          if (d == '.' && (j + 1 >= text.size() ||
                           !absl::ascii_isdigit(
                               static_cast<unsigned char>(text[j + 1])))) {
            break;
          }
          is_float = true;
          ++j;
        } else {
          break;
        }
      }
      const std::string_view num = text.substr(i, j - i);
      Token t{is_float ? Token::Kind::kFloat : Token::Kind::kInt,
              std::string(num), 0, 0, col};
      const char* b = num.data();
      const char* e = num.data() + num.size();
      if (is_float) {
        auto r = std::from_chars(b, e, t.d);
        if (r.ec != std::errc() || r.ptr != e) {
          return SyntaxError(col, absl::StrCat("bad number '", std::string(num), "'"));
        }
      } else {
        // Vertex ids are uint64: accept the unsigned range too.
        uint64_t u = 0;
        auto r = num[0] == '-' ? std::from_chars(b, e, t.i)
                               : std::from_chars(b, e, u);
        if (r.ec != std::errc() || r.ptr != e) {
          return SyntaxError(col, absl::StrCat("bad number '", std::string(num), "'"));
        }
        if (num[0] != '-') t.i = static_cast<int64_t>(u);
      }
      out.push_back(std::move(t));
      i = j;
      continue;
    }
    if (IsNameStart(c)) {
      size_t j = i + 1;
      while (j < text.size() && IsNameChar(text[j])) ++j;
      // A trailing '.' belongs to the chain, not the name: has(a).out().
      while (j > i + 1 && text[j - 1] == '.') --j;
      out.push_back(Token{Token::Kind::kName,
                          std::string(text.substr(i, j - i)), 0, 0, col});
      i = j;
      continue;
    }
    return SyntaxError(col, absl::StrCat("unexpected character '",
                                         std::string(1, c), "'"));
  }
  out.push_back(Token{Token::Kind::kEnd, "", 0, 0, text.size() + 1});
  return out;
}

// An argument as parsed.
struct Arg {
  enum class Kind { kName, kInt, kFloat, kString, kOp, kBool, kTime } kind;
  std::string text;
  int64_t i = 0;
  double d = 0;
  bool b = false;
  Timestamp ts = 0;
  size_t column = 0;
};

std::string_view KindName(Arg::Kind k) {
  switch (k) {
    case Arg::Kind::kName: return "a name";
    case Arg::Kind::kInt: return "an integer";
    case Arg::Kind::kFloat: return "a number";
    case Arg::Kind::kString: return "a string";
    case Arg::Kind::kOp: return "an operator";
    case Arg::Kind::kBool: return "a boolean";
    case Arg::Kind::kTime: return "a date";
  }
  return "?";
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  absl::StatusOr<ParsedQuery> Parse() {
    ParsedQuery q;
    bool terminal = false;
    for (;;) {
      if (Peek().kind != Token::Kind::kName) {
        return SyntaxError(Peek().column, "expected a step name");
      }
      const Token name = Next();
      ZVERSE_RETURN_IF_ERROR(Expect("("));
      std::vector<Arg> args;
      if (!IsPunct(")")) {
        for (;;) {
          ZVERSE_ASSIGN_OR_RETURN(Arg a, ParseArg());
          args.push_back(std::move(a));
          if (IsPunct(",")) {
            Next();
            continue;
          }
          break;
        }
      }
      ZVERSE_RETURN_IF_ERROR(Expect(")"));
      if (terminal) {
        return SyntaxError(name.column,
                           "nothing may follow ids(), values(), paths() or "
                           "count()");
      }
      ZVERSE_ASSIGN_OR_RETURN(terminal, AddStep(name, args, &q));
      if (Peek().kind == Token::Kind::kEnd) break;
      ZVERSE_RETURN_IF_ERROR(Expect("."));
    }
    if (q.steps.empty() || !IsStart(q.steps.front())) {
      return SyntaxError(1, "a query starts with V(...)");
    }
    return q;
  }

 private:
  static bool IsStart(const Step& s) {
    return s.kind == Step::Kind::kStartIds ||
           s.kind == Step::Kind::kStartLabel ||
           s.kind == Step::Kind::kStartAll;
  }

  const Token& Peek() const { return t_[pos_]; }
  Token Next() { return t_[pos_ < t_.size() - 1 ? pos_++ : pos_]; }
  bool IsPunct(std::string_view p) const {
    return Peek().kind == Token::Kind::kPunct && Peek().text == p;
  }
  absl::Status Expect(std::string_view p) {
    if (!IsPunct(p)) {
      return SyntaxError(Peek().column,
                         absl::StrCat("expected '", std::string(p), "'",
                                      Peek().kind == Token::Kind::kEnd
                                          ? " at the end"
                                          : absl::StrCat(", got '",
                                                         Peek().text, "'")));
    }
    Next();
    return absl::OkStatus();
  }

  absl::StatusOr<Arg> ParseArg() {
    const Token t = Next();
    Arg a;
    a.column = t.column;
    switch (t.kind) {
      case Token::Kind::kInt:
        a.kind = Arg::Kind::kInt;
        a.i = t.i;
        return a;
      case Token::Kind::kFloat:
        a.kind = Arg::Kind::kFloat;
        a.d = t.d;
        return a;
      case Token::Kind::kString:
        a.kind = Arg::Kind::kString;
        a.text = t.text;
        return a;
      case Token::Kind::kOp:
        a.kind = Arg::Kind::kOp;
        a.text = t.text;
        return a;
      case Token::Kind::kName: {
        if (t.text == "true" || t.text == "false") {
          a.kind = Arg::Kind::kBool;
          a.b = t.text == "true";
          return a;
        }
        if (absl::AsciiStrToLower(t.text) == "date" && IsPunct("(")) {
          Next();
          const Token s = Next();
          if (s.kind != Token::Kind::kString && s.kind != Token::Kind::kInt) {
            return SyntaxError(s.column, "date() takes a quoted date");
          }
          absl::StatusOr<Timestamp> ts = kv::ParseTimestamp(s.text);
          if (!ts.ok()) {
            return SyntaxError(s.column, std::string(ts.status().message()));
          }
          ZVERSE_RETURN_IF_ERROR(Expect(")"));
          a.kind = Arg::Kind::kTime;
          a.ts = *ts;
          return a;
        }
        a.kind = Arg::Kind::kName;
        a.text = t.text;
        return a;
      }
      default:
        return SyntaxError(t.column, t.kind == Token::Kind::kEnd
                                         ? "unexpected end of the query"
                                         : absl::StrCat("unexpected '",
                                                        t.text, "'"));
    }
  }

  static absl::Status ArgCount(const Token& name, const std::vector<Arg>& a,
                               size_t lo, size_t hi) {
    if (a.size() < lo || a.size() > hi) {
      return SyntaxError(
          name.column,
          absl::StrCat(name.text, "() takes ",
                       lo == hi ? absl::StrCat(lo)
                                : absl::StrCat(lo, " to ", hi),
                       " argument", hi == 1 ? "" : "s", ", got ", a.size()));
    }
    return absl::OkStatus();
  }

  static absl::Status Want(const Arg& a, Arg::Kind k, std::string_view what) {
    if (a.kind != k) {
      return SyntaxError(a.column, absl::StrCat("expected ", std::string(what),
                                                ", got ",
                                                std::string(KindName(a.kind))));
    }
    return absl::OkStatus();
  }

  static absl::StatusOr<VertexId> Id(const Arg& a) {
    ZVERSE_RETURN_IF_ERROR(Want(a, Arg::Kind::kInt, "a vertex id"));
    return static_cast<VertexId>(a.i);
  }

  static absl::StatusOr<graph::PropertyValue> ValueOf(const Arg& a) {
    switch (a.kind) {
      case Arg::Kind::kInt: return graph::PropertyValue(a.i);
      case Arg::Kind::kFloat: return graph::PropertyValue(a.d);
      case Arg::Kind::kString: return graph::PropertyValue(a.text);
      case Arg::Kind::kBool: return graph::PropertyValue(a.b);
      case Arg::Kind::kTime:
        return graph::PropertyValue(
            graph::TimestampValue{static_cast<int64_t>(a.ts)});
      default:
        return SyntaxError(a.column,
                           absl::StrCat("expected a value (a number, a "
                                        "\"string\", true, false or date(...)), "
                                        "got ",
                                        std::string(KindName(a.kind))));
    }
  }

  static absl::StatusOr<Compare> OpOf(const Arg& a) {
    ZVERSE_RETURN_IF_ERROR(Want(a, Arg::Kind::kOp, "an operator"));
    for (Compare c : {Compare::kEq, Compare::kNe, Compare::kLt, Compare::kLe,
                      Compare::kGt, Compare::kGe}) {
      if (CompareName(c) == a.text) return c;
    }
    return SyntaxError(a.column, "unknown operator");
  }

  static absl::StatusOr<Timestamp> TimeOf(const Arg& a) {
    if (a.kind == Arg::Kind::kTime) return a.ts;
    if (a.kind == Arg::Kind::kInt && a.i >= 0) return static_cast<Timestamp>(a.i);
    return SyntaxError(a.column, "expected a time: date(\"...\") or microseconds");
  }

  static absl::StatusOr<Direction> DirectionOf(const Arg& a) {
    ZVERSE_RETURN_IF_ERROR(Want(a, Arg::Kind::kName, "out, in or both"));
    const std::string d = absl::AsciiStrToLower(a.text);
    if (d == "out") return Direction::kOut;
    if (d == "in") return Direction::kIn;
    if (d == "both") return Direction::kBoth;
    return SyntaxError(a.column, "expected out, in or both");
  }

  // Adds the step; true for a terminal.
  absl::StatusOr<bool> AddStep(const Token& name, const std::vector<Arg>& a,
                               ParsedQuery* q) {
    const std::string n = absl::AsciiStrToLower(name.text);
    Step s;
    auto push = [&](Step::Kind k) {
      s.kind = k;
      q->steps.push_back(s);
    };
    if (n == "v") {
      if (a.empty()) {
        push(Step::Kind::kStartAll);
      } else if (a.size() == 1 && (a[0].kind == Arg::Kind::kName ||
                                   a[0].kind == Arg::Kind::kString)) {
        s.name = a[0].text;
        push(Step::Kind::kStartLabel);
      } else {
        for (const Arg& x : a) {
          ZVERSE_ASSIGN_OR_RETURN(VertexId v, Id(x));
          s.ids.push_back(v);
        }
        push(Step::Kind::kStartIds);
      }
      return false;
    }
    if (q->steps.empty()) {
      return SyntaxError(name.column, "a query starts with V(...)");
    }
    if (n == "out" || n == "in" || n == "both") {
      ZVERSE_RETURN_IF_ERROR(ArgCount(name, a, 0, 1));
      if (!a.empty()) {
        ZVERSE_RETURN_IF_ERROR(Want(a[0], Arg::Kind::kName, "an edge label"));
        s.name = a[0].text;
      }
      s.direction = n == "out" ? Direction::kOut
                    : n == "in" ? Direction::kIn
                                : Direction::kBoth;
      push(Step::Kind::kHop);
      return false;
    }
    if (n == "repeat") {
      ZVERSE_RETURN_IF_ERROR(ArgCount(name, a, 3, 4));
      ZVERSE_ASSIGN_OR_RETURN(s.direction, DirectionOf(a[0]));
      size_t k = 1;
      if (a.size() == 4) {
        ZVERSE_RETURN_IF_ERROR(Want(a[1], Arg::Kind::kName, "an edge label"));
        s.name = a[1].text;
        k = 2;
      }
      ZVERSE_RETURN_IF_ERROR(Want(a[k], Arg::Kind::kInt, "the minimum hops"));
      ZVERSE_RETURN_IF_ERROR(
          Want(a[k + 1], Arg::Kind::kInt, "the maximum hops"));
      if (a[k].i < 0 || a[k + 1].i < a[k].i || a[k + 1].i > 1000) {
        return SyntaxError(a[k].column,
                           "repeat needs 0 <= min <= max <= 1000 hops");
      }
      s.min_hops = static_cast<int>(a[k].i);
      s.max_hops = static_cast<int>(a[k + 1].i);
      push(Step::Kind::kRepeat);
      return false;
    }
    if (n == "edgetime") {
      ZVERSE_RETURN_IF_ERROR(ArgCount(name, a, 2, 2));
      ZVERSE_ASSIGN_OR_RETURN(s.from, TimeOf(a[0]));
      ZVERSE_ASSIGN_OR_RETURN(s.to, TimeOf(a[1]));
      if (s.from > s.to) {
        return SyntaxError(a[0].column, "the window ends before it starts");
      }
      push(Step::Kind::kEdgeTime);
      return false;
    }
    if (n == "has" || n == "where" || n == "whereedge") {
      const bool has = n == "has";
      ZVERSE_RETURN_IF_ERROR(ArgCount(name, a, has ? 2 : 3, has ? 2 : 3));
      ZVERSE_RETURN_IF_ERROR(Want(a[0], Arg::Kind::kName, "a property name"));
      s.name = a[0].text;
      if (has) {
        s.op = Compare::kEq;
      } else {
        ZVERSE_ASSIGN_OR_RETURN(s.op, OpOf(a[1]));
      }
      ZVERSE_ASSIGN_OR_RETURN(s.value, ValueOf(a[has ? 1 : 2]));
      push(n == "whereedge" ? Step::Kind::kWhereEdge : Step::Kind::kWhere);
      return false;
    }
    if (n == "haslabel") {
      ZVERSE_RETURN_IF_ERROR(ArgCount(name, a, 1, 1));
      ZVERSE_RETURN_IF_ERROR(Want(a[0], Arg::Kind::kName, "a vertex label"));
      s.name = a[0].text;
      push(Step::Kind::kHasLabel);
      return false;
    }
    if (n == "dedup") {
      ZVERSE_RETURN_IF_ERROR(ArgCount(name, a, 0, 0));
      push(Step::Kind::kDedup);
      return false;
    }
    if (n == "except") {
      ZVERSE_RETURN_IF_ERROR(ArgCount(name, a, 1, 1000000));
      for (const Arg& x : a) {
        ZVERSE_ASSIGN_OR_RETURN(VertexId v, Id(x));
        s.ids.push_back(v);
      }
      push(Step::Kind::kExcept);
      return false;
    }
    if (n == "orderby") {
      ZVERSE_RETURN_IF_ERROR(ArgCount(name, a, 1, 2));
      ZVERSE_RETURN_IF_ERROR(Want(a[0], Arg::Kind::kName, "a column"));
      s.name = a[0].text;
      if (a.size() == 2) {
        ZVERSE_RETURN_IF_ERROR(Want(a[1], Arg::Kind::kName, "asc or desc"));
        const std::string dir = absl::AsciiStrToLower(a[1].text);
        if (dir != "asc" && dir != "desc") {
          return SyntaxError(a[1].column, "expected asc or desc");
        }
        s.descending = dir == "desc";
      }
      push(Step::Kind::kOrderBy);
      return false;
    }
    if (n == "limit") {
      ZVERSE_RETURN_IF_ERROR(ArgCount(name, a, 1, 1));
      ZVERSE_RETURN_IF_ERROR(Want(a[0], Arg::Kind::kInt, "a count"));
      if (a[0].i < 0) return SyntaxError(a[0].column, "a negative limit");
      s.limit = static_cast<size_t>(a[0].i);
      push(Step::Kind::kLimit);
      return false;
    }
    if (n == "ids" || n == "paths" || n == "count") {
      ZVERSE_RETURN_IF_ERROR(ArgCount(name, a, 0, 0));
      q->terminal = n == "ids" ? ParsedQuery::Terminal::kIds
                    : n == "paths" ? ParsedQuery::Terminal::kPaths
                                   : ParsedQuery::Terminal::kCount;
      return true;
    }
    if (n == "values") {
      ZVERSE_RETURN_IF_ERROR(ArgCount(name, a, 1, 1000));
      for (const Arg& x : a) {
        ZVERSE_RETURN_IF_ERROR(Want(x, Arg::Kind::kName, "a column"));
        q->columns.push_back(x.text);
      }
      q->terminal = ParsedQuery::Terminal::kValues;
      return true;
    }
    return SyntaxError(name.column,
                       absl::StrCat("unknown step '", name.text, "'"));
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<ParsedQuery> ParseQuery(std::string_view text) {
  ZVERSE_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(text));
  return Parser(std::move(tokens)).Parse();
}

absl::StatusOr<QueryResult> RunQuery(const graph::GraphSnapshot& snap,
                                     const ParsedQuery& query,
                                     const TraversalOptions& options) {
  Traversal t(snap, options);
  for (const Step& s : query.steps) {
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
  QueryResult r;
  switch (query.terminal) {
    case ParsedQuery::Terminal::kIds: {
      ZVERSE_ASSIGN_OR_RETURN(std::vector<VertexId> ids, t.Ids());
      r.header = {"id"};
      for (VertexId v : ids) r.rows.push_back({absl::StrCat(v)});
      break;
    }
    case ParsedQuery::Terminal::kValues: {
      ZVERSE_ASSIGN_OR_RETURN(std::vector<Row> rows, t.Values(query.columns));
      r.header = query.columns;
      for (const Row& row : rows) {
        std::vector<std::string> cells;
        for (const Value& v : row) cells.push_back(FormatValue(v));
        r.rows.push_back(std::move(cells));
      }
      break;
    }
    case ParsedQuery::Terminal::kPaths: {
      ZVERSE_ASSIGN_OR_RETURN(std::vector<Path> paths, t.Paths());
      r.header = {"path"};
      for (const Path& p : paths) {
        std::vector<std::string> cells;
        for (VertexId v : p.vertices) cells.push_back(absl::StrCat(v));
        r.rows.push_back(std::move(cells));
      }
      break;
    }
    case ParsedQuery::Terminal::kCount: {
      ZVERSE_ASSIGN_OR_RETURN(size_t n, t.Count());
      r.header = {"count"};
      r.rows.push_back({absl::StrCat(n)});
      break;
    }
  }
  r.stats = t.stats();
  return r;
}

}  // namespace zverse::query
