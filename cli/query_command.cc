// zverse query: a traversal in the textual syntax of query/syntax.h, run on
// the graph as of any time.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "graph/graph_db.h"
#include "kv/status_macros.h"
#include "query/ldbc.h"
#include "query/syntax.h"

namespace zverse::cli {
namespace {


// --prefetcher on|off: the KV engine's adaptive prefetcher.
absl::StatusOr<bool> PrefetcherFlag(const Invocation& inv) {
  const std::string* v = inv.args.Find("prefetcher");
  if (v == nullptr || *v == "off") return false;
  if (*v == "on") return true;
  return absl::InvalidArgumentError(
      absl::StrCat("--prefetcher takes on or off, not '", *v, "'"));
}

// --timeout DURATION and --memory-limit SIZE: the limits of each traversal
// the command runs (query/traversal.h, TraversalOptions).
absl::Status LimitFlags(const Invocation& inv,
                        query::TraversalOptions* options) {
  if (const std::string* t = inv.args.Find("timeout")) {
    ZVERSE_ASSIGN_OR_RETURN(uint64_t micros, ParseDuration(*t));
    options->deadline = absl::Now() + absl::Microseconds(micros);
  }
  if (const std::string* m = inv.args.Find("memory-limit")) {
    ZVERSE_ASSIGN_OR_RETURN(options->memory_budget, ParseByteSize(*m));
    if (options->memory_budget == 0) {
      return absl::InvalidArgumentError("--memory-limit must be above 0");
    }
  }
  return absl::OkStatus();
}

// What the KV engine's prefetching did (for --stats).
void PrintPrefetchStats(const Invocation& inv, const kv::Stats& st) {
  const auto ratio = [](uint64_t a, uint64_t b) {
    return b == 0 ? std::string("-") : absl::StrFormat("%.1f%%", 100.0 * a / b);
  };
  absl::FPrintF(
      inv.io.err,
      "kv: hint calls %d (%d bytes); adaptive predictions %d (%d bytes, "
      "%d skipped as resident); pages prefetched %d, used %d (accuracy %s); "
      "resident when touched %s of %d sampled; manager %.3f ms\n",
      st.prefetch_calls, st.prefetch_bytes, st.adaptive_predictions,
      st.adaptive_prefetch_bytes, st.adaptive_suppressed, st.prefetched_pages,
      st.prefetch_used_pages, ratio(st.prefetch_used_pages, st.prefetched_pages),
      ratio(st.resident_hits, st.resident_samples), st.resident_samples,
      st.locality_nanos / 1e6);
}

int RunQuery(const Invocation& inv) {
  const std::string& text = inv.args.positional()[0];
  absl::StatusOr<kv::Timestamp> as_of =
      TimestampFlag(inv, "as-of", kv::kLatest);
  if (!as_of.ok()) return UsageError(inv, as_of.status());
  absl::StatusOr<query::ParsedQuery> parsed = query::ParseQuery(text);
  if (!parsed.ok()) {
    // "column N: ...": show the query and point at the column.
    const std::string_view msg(parsed.status().message().data(),
                               parsed.status().message().size());
    size_t column = 0;
    if (std::sscanf(std::string(msg).c_str(), "column %zu:", &column) == 1 &&
        column >= 1 && column <= text.size() + 1) {
      absl::FPrintF(inv.io.err, "error: syntax: %s\n  %s\n  %s^\n",
                    std::string(msg), text, std::string(column - 1, ' '));
      return kExitUsage;
    }
    return UsageError(inv, parsed.status());
  }
  absl::StatusOr<bool> adaptive = PrefetcherFlag(inv);
  if (!adaptive.ok()) return UsageError(inv, adaptive.status());
  auto db = OpenGraphForRead(DbDir(inv), *adaptive);
  if (!db.ok()) return Error(inv, db.status());
  auto snap = (*db)->GetSnapshot(*as_of);
  if (!snap.ok()) return Error(inv, snap.status());
  query::TraversalOptions options;
  options.prefetch = !inv.args.Has("no-prefetch");
  if (absl::Status s = LimitFlags(inv, &options); !s.ok()) {
    return UsageError(inv, s);
  }
  absl::StatusOr<query::QueryResult> result =
      query::RunQuery(*snap, *parsed, options);
  if (!result.ok()) return Error(inv, result.status());
  if (inv.args.Has("header")) {
    Write(inv, absl::StrCat(absl::StrJoin(result->header, "|"), "\n"));
  }
  std::string out;
  for (const std::vector<std::string>& row : result->rows) {
    absl::StrAppend(&out, absl::StrJoin(row, "|"), "\n");
    if (out.size() >= (64 << 10)) {
      Write(inv, out);
      out.clear();
    }
  }
  Write(inv, out);
  if (inv.args.Has("stats")) {
    const query::TraversalStats& s = result->stats;
    absl::FPrintF(inv.io.err,
                  "rows %d, hops %d, edges scanned %d, largest frontier %d, "
                  "prefetch calls %d (%d ranges)\n",
                  result->rows.size(), s.hops, s.edges_scanned,
                  s.max_frontier, s.prefetch_calls, s.prefetch_ranges);
    PrintPrefetchStats(inv, (*db)->kv()->GetStats());
  }
  return kExitOk;
}

int RunLdbc(const Invocation& inv) {
  const std::vector<std::string>& pos = inv.args.positional();
  absl::StatusOr<query::ldbc::Query> q = query::ldbc::ParseQueryName(pos[0]);
  if (!q.ok()) return UsageError(inv, q.status());
  const std::vector<std::string> params(pos.begin() + 1, pos.end());
  const std::vector<std::string_view> names = query::ldbc::ParameterNames(*q);
  if (params.size() != names.size()) {
    std::vector<std::string> n(names.begin(), names.end());
    return UsageError(
        inv, absl::StrFormat("%s takes %d parameter%s (%s), got %d", pos[0],
                             names.size(), names.size() == 1 ? "" : "s",
                             absl::StrJoin(n, " "), params.size()));
  }
  absl::StatusOr<kv::Timestamp> as_of =
      TimestampFlag(inv, "as-of", kv::kLatest);
  if (!as_of.ok()) return UsageError(inv, as_of.status());
  absl::StatusOr<bool> adaptive = PrefetcherFlag(inv);
  if (!adaptive.ok()) return UsageError(inv, adaptive.status());
  auto db = OpenGraphForRead(DbDir(inv), *adaptive);
  if (!db.ok()) return Error(inv, db.status());
  auto snap = (*db)->GetSnapshot(*as_of);
  if (!snap.ok()) return Error(inv, snap.status());
  query::TraversalOptions options;
  options.prefetch = !inv.args.Has("no-prefetch");
  if (absl::Status s = LimitFlags(inv, &options); !s.ok()) {
    return UsageError(inv, s);
  }
  absl::StatusOr<query::ldbc::Rows> rows =
      query::ldbc::Run(*snap, *q, params, options);
  if (absl::IsInvalidArgument(rows.status())) {
    return UsageError(inv, rows.status());
  }
  if (!rows.ok()) return Error(inv, rows.status());
  std::string out;
  if (inv.args.Has("header")) {
    const std::vector<std::string_view> cols = query::ldbc::ColumnNames(*q);
    std::vector<std::string> c(cols.begin(), cols.end());
    absl::StrAppend(&out, absl::StrJoin(c, "|"), "\n");
  }
  for (const std::vector<std::string>& row : *rows) {
    absl::StrAppend(&out, absl::StrJoin(row, "|"), "\n");
  }
  Write(inv, out);
  if (inv.args.Has("stats")) PrintPrefetchStats(inv, (*db)->kv()->GetStats());
  return kExitOk;
}

constexpr FlagSpec kTimeoutFlag{
    "timeout", "DURATION",
    "stop with an error (exit 3) when the run takes longer,\n"
    "e.g. 500ms, 30s (default: no limit)"};
constexpr FlagSpec kMemoryLimitFlag{
    "memory-limit", "SIZE",
    "stop with an error (exit 3) when a traversal's state\n"
    "would take more, e.g. 256M, 2G (default: no limit)"};

}  // namespace

std::vector<Command> QueryCommands() {
  return {
      {.name = "query",
       .args = "TRAVERSAL",
       .summary = "run a traversal written in the query syntax",
       .description =
           "Runs TRAVERSAL on the graph as of --as-of (default: latest) and\n"
           "prints one result a line, columns separated by '|': ids()\n"
           "(the default) one id, values(c, ...) the columns, paths() the\n"
           "ids along each path, count() the count. Quote TRAVERSAL for\n"
           "the shell.\n\n"
           "Steps (names are case-insensitive):\n"
           "  V()  V(id, ...)  V(Label)       start: all, ids, a label\n"
           "  out([label]) in([label]) both([label])   one hop\n"
           "  repeat(out|in|both, [label,] min, max)  breadth-first,\n"
           "                                 each vertex once, nearest first\n"
           "  edgetime(from, to)             later hops: edges written then\n"
           "  has(name, value)  where(name, op, value)  haslabel(Label)\n"
           "  whereedge(name, op, value)     on the edge last traversed\n"
           "  dedup()  except(id, ...)  orderby(col[, asc|desc])  limit(n)\n"
           "  ids()  values(col, ...)  paths()  count()   (last)\n"
           "Values: 42, -1.5, \"text\", true, false, date(\"2011-01-01\");\n"
           "op: == != < <= > >=. Columns: id, label, ts, distance, a\n"
           "vertex property, or e.src e.dst e.label e.ts e.NAME for the\n"
           "edge last traversed. A syntax error points at its column\n"
           "(exit 2); an unknown label or property is an error (exit 3).\n\n"
           "Examples:\n"
           "  zverse query --db DIR 'V(933).out(knows).out(knows).dedup()\n"
           "      .except(933).has(firstName, \"Jan\").limit(20)\n"
           "      .values(id, lastName)'\n"
           "  zverse query --db DIR --as-of 2011-01-01 \\\n"
           "      'V(933).repeat(both, knows, 1, 3).values(id, distance)'\n"
           "  zverse query --db DIR 'V(Person).count()'",
       .flags = {{"db", "DIR", "the database directory (required)",
                  /*required=*/true},
                 {"as-of", "T",
                  "query the graph as it was at time T (default: latest)"},
                 {"header", "", "print the column names first"},
                 {"stats", "", "print what the run did on stderr"},
                 {"no-prefetch", "",
                  "do not hand the hops' key ranges to the prefetcher"},
                 {"prefetcher", "on|off",
                  "the adaptive prefetcher, which reads ahead of scans and\n"
                  "traversal frontiers it detects (default: off)"},
                 kTimeoutFlag, kMemoryLimitFlag},
       .min_args = 1,
       .max_args = 1,
       .run = RunQuery},
      {.name = "ldbc",
       .args = "QUERY PARAM...",
       .summary = "run an LDBC SNB Interactive read (is1-is7 ic1 ic2 ic9 ic13)",
       .description =
           "Runs an LDBC SNB Interactive v1 read on a graph loaded with\n"
           "'zverse load --format ldbc-snb', as the network stood at\n"
           "--as-of (default: latest). Prints the result rows, one a line,\n"
           "columns separated by '|' in the spec's order, rows in the\n"
           "spec's order and limit. Ids are LDBC ids; dates are epoch\n"
           "milliseconds (as in the substitution parameter files);\n"
           "booleans true/false; lists joined with ';' (IC1's universities\n"
           "and companies as name,year,place elements).\n\n"
           "Queries and parameters:\n"
           "  is1 is2 is3 personId       profile, 10 latest messages, friends\n"
           "  is4 is5 is6 is7 messageId  content, creator, forum, replies\n"
           "  ic1 personId firstName     people of that name within 3 hops\n"
           "  ic2 personId maxDate       friends' messages (<= maxDate)\n"
           "  ic9 personId maxDate       friends' and their friends' (<)\n"
           "  ic13 person1Id person2Id   shortest knows path length\n\n"
           "Examples:\n"
           "  zverse ldbc --db DIR is1 933\n"
           "  zverse ldbc --db DIR ic13 933 4139\n"
           "  zverse ldbc --db DIR --as-of 2011-01-01 --header is3 933",
       .flags = {{"db", "DIR", "the database directory (required)",
                  /*required=*/true},
                 {"as-of", "T",
                  "query the network as it was at time T (default: latest)"},
                 {"header", "", "print the column names first"},
                 {"stats", "", "print what the prefetchers did on stderr"},
                 {"no-prefetch", "",
                  "do not hand the hops' key ranges to the prefetcher"},
                 {"prefetcher", "on|off",
                  "the adaptive prefetcher, which reads ahead of scans and\n"
                  "traversal frontiers it detects (default: off)"},
                 kTimeoutFlag, kMemoryLimitFlag},
       .min_args = 1,
       .max_args = 3,
       .run = RunLdbc},
  };
}

}  // namespace zverse::cli
