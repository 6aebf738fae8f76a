// The textual traversal syntax of `zverse query`: the fluent API of
// query/traversal.h written as a chain of calls.
//
//   V(933).out(knows).out(knows).dedup().except(933)
//       .has(firstName, "Jan").limit(20).values(id, lastName)
//
// Grammar (whitespace is free between tokens; step names are
// case-insensitive):
//
//   query  := step ("." step)*
//   step   := NAME "(" [arg ("," arg)*] ")"
//   arg    := INT | FLOAT | STRING | NAME | OP | "date(" STRING ")"
//             | true | false
//
// NAME is [A-Za-z_][A-Za-z0-9_.]*; STRING is double-quoted, with a
// backslash escaping a quote or a backslash; OP is one of == != < <= > >=; date("2011-01-01") (ISO-8601, UTC,
// or microseconds; kv::ParseTimestamp) is a timestamp value.
//
// Steps and their arguments:
//   V()  V(id, ...)  V(Label)           start: all, these ids, one label
//   out([label])  in([label])  both([label])
//   repeat(out|in|both, [label,] min, max)
//   edgetime(from, to)                  times as date("...") or microseconds
//   has(name, value)  where(name, op, value)  haslabel(Label)
//   whereedge(name, op, value)          on the edge last traversed ("ts": its
//                                       version time)
//   dedup()  except(id, ...)  orderby(column [, asc|desc])  limit(n)
// and at most one terminal, last: ids() (the default), values(column, ...),
// paths(), count(). Columns are those of Traversal::Values.
//
// Errors: InvalidArgument "column N: ..." (1-based, into the text) for
// syntax errors; what the traversal returns otherwise (NotFound for an
// unknown label or property name).
//
// Thread safety: pure functions.

#ifndef ZVERSE_QUERY_SYNTAX_H_
#define ZVERSE_QUERY_SYNTAX_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph_db.h"
#include "query/traversal.h"

namespace zverse::query {

struct ParsedQuery {
  enum class Terminal { kIds, kValues, kPaths, kCount };
  std::vector<Traversal::Step> steps;
  Terminal terminal = Terminal::kIds;
  std::vector<std::string> columns;  // kValues.
};

absl::StatusOr<ParsedQuery> ParseQuery(std::string_view text);

// The query's result as text cells: one row per result (ids: the id; paths:
// the vertex ids along it; count: one row), and the header (the column
// names).
struct QueryResult {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  TraversalStats stats;
};

absl::StatusOr<QueryResult> RunQuery(const graph::GraphSnapshot& snap,
                                     const ParsedQuery& query,
                                     const TraversalOptions& options = {});

}  // namespace zverse::query

#endif  // ZVERSE_QUERY_SYNTAX_H_
