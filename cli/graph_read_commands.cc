// Graph reads from the shell: vertex, neighbors and diff, each as of any
// time.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/commands.h"
#include "graph/graph_db.h"

namespace zverse::cli {

absl::StatusOr<std::unique_ptr<graph::GraphDb>> OpenGraphForRead(
    const std::string& dir, bool adaptive_prefetch) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    return absl::NotFoundError(absl::StrFormat(
        "no database at '%s': the directory does not exist", dir));
  }
  graph::GraphOptions options;
  options.kv.create_if_missing = false;
  options.kv.read_only = true;
  options.kv.adaptive_prefetch = adaptive_prefetch;
  return graph::GraphDb::Open(dir, options);
}

namespace {


absl::StatusOr<graph::VertexId> VertexArg(const Invocation& inv, size_t i) {
  const std::string& text = inv.args.positional()[i];
  uint64_t v = 0;
  if (!absl::SimpleAtoi(absl::string_view(text.data(), text.size()), &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad vertex id '", text, "': expected an unsigned integer"));
  }
  return v;
}

std::string FormatValue(const graph::PropertyValue& value) {
  struct Visitor {
    std::string operator()(int64_t v) const { return absl::StrCat(v); }
    std::string operator()(double v) const {
      return absl::StrFormat("%.17g", v);
    }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(graph::TimestampValue v) const {
      return absl::StrCat(v.micros);
    }
    std::string operator()(const std::vector<int64_t>& v) const {
      return absl::StrJoin(v, ";");
    }
    std::string operator()(const std::vector<double>& v) const {
      return absl::StrJoin(v, ";", [](std::string* out, double d) {
        absl::StrAppendFormat(out, "%.17g", d);
      });
    }
    std::string operator()(const std::vector<std::string>& v) const {
      return absl::StrJoin(v, ";");
    }
  };
  return std::visit(Visitor{}, value);
}

// "name=value" pairs, tab separated.
std::string FormatProperties(const graph::Properties& props) {
  std::vector<std::string> parts;
  for (const graph::NamedProperty& p : props) {
    parts.push_back(absl::StrCat(p.name, "=", FormatValue(p.value)));
  }
  return absl::StrJoin(parts, "\t");
}

int RunVertex(const Invocation& inv) {
  absl::StatusOr<graph::VertexId> v = VertexArg(inv, 0);
  if (!v.ok()) return UsageError(inv, v.status());
  absl::StatusOr<kv::Timestamp> as_of =
      TimestampFlag(inv, "as-of", kv::kLatest);
  if (!as_of.ok()) return UsageError(inv, as_of.status());
  auto db = OpenGraphForRead(DbDir(inv));
  if (!db.ok()) return Error(inv, db.status());
  auto snap = (*db)->GetSnapshot(*as_of);
  if (!snap.ok()) return Error(inv, snap.status());
  auto vertex = snap->GetVertex(*v);
  if (absl::IsNotFound(vertex.status())) return NotFound(inv);
  if (!vertex.ok()) return Error(inv, vertex.status());
  auto props = snap->VertexProperties(*v);
  if (!props.ok()) return Error(inv, props.status());
  Write(inv, absl::StrCat(*v, "\t", std::string(vertex->label_name), "\t",
                          vertex->ts,
                          props->empty() ? "" : "\t", FormatProperties(*props),
                          "\n"));
  return kExitOk;
}

int RunNeighbors(const Invocation& inv) {
  absl::StatusOr<graph::VertexId> start = VertexArg(inv, 0);
  if (!start.ok()) return UsageError(inv, start.status());
  absl::StatusOr<kv::Timestamp> as_of =
      TimestampFlag(inv, "as-of", kv::kLatest);
  if (!as_of.ok()) return UsageError(inv, as_of.status());
  int hops = 1;
  if (const std::string* h = inv.args.Find("hops")) {
    if (!absl::SimpleAtoi(absl::string_view(h->data(), h->size()), &hops) ||
        hops < 1 || hops > 16) {
      return UsageError(inv, "--hops takes a number from 1 to 16");
    }
  }
  std::string direction = "out";
  if (const std::string* d = inv.args.Find("direction")) direction = *d;
  if (direction != "out" && direction != "in" && direction != "both") {
    return UsageError(inv, "--direction takes out, in or both");
  }
  std::vector<std::string> show;
  if (const std::string* s = inv.args.Find("show")) {
    show = absl::StrSplit(absl::string_view(s->data(), s->size()), ',',
                          absl::SkipEmpty());
  }

  auto db = OpenGraphForRead(DbDir(inv));
  if (!db.ok()) return Error(inv, db.status());
  auto snap = (*db)->GetSnapshot(*as_of);
  if (!snap.ok()) return Error(inv, snap.status());
  std::optional<graph::LabelId> label;
  if (const std::string* l = inv.args.Find("label")) {
    auto id = snap->LabelIdOf(*l);
    if (!id.ok()) return Error(inv, id.status());
    label = *id;
  }
  std::vector<graph::PropertyId> show_ids;
  for (const std::string& name : show) {
    auto id = snap->PropertyIdOf(name);
    if (!id.ok()) return Error(inv, id.status());
    show_ids.push_back(*id);
  }
  auto exists = snap->HasVertex(*start);
  if (!exists.ok()) return Error(inv, exists.status());
  if (!*exists) {
    return Error(inv, absl::NotFoundError(absl::StrCat(
                          "vertex ", *start, " does not exist as of ",
                          snap->as_of())));
  }

  // Breadth-first, a frontier at a time: the vertices first reached at
  // exactly `hops` hops.
  absl::flat_hash_set<graph::VertexId> seen = {*start};
  std::vector<graph::VertexId> frontier = {*start};
  for (int h = 0; h < hops && !frontier.empty(); ++h) {
    std::vector<graph::VertexId> next;
    for (graph::VertexId v : frontier) {
      for (bool out : {true, false}) {
        if ((out && direction == "in") || (!out && direction == "out")) {
          continue;
        }
        auto ids = out ? snap->OutNeighbors(v, label)
                       : snap->InNeighbors(v, label);
        if (!ids.ok()) return Error(inv, ids.status());
        for (graph::VertexId n : *ids) {
          if (seen.insert(n).second) next.push_back(n);
        }
      }
    }
    frontier = std::move(next);
  }
  std::sort(frontier.begin(), frontier.end());
  for (graph::VertexId v : frontier) {
    std::string line = absl::StrCat(v);
    if (!show_ids.empty()) {
      auto vertex = snap->GetVertex(v);
      for (graph::PropertyId p : show_ids) {
        line.push_back('\t');
        if (!vertex.ok()) continue;  // An edge to a vertex not there (yet).
        auto value = vertex->record.Get(p);
        if (value.ok()) line += FormatValue(*value);
      }
    }
    line.push_back('\n');
    Write(inv, line);
  }
  return kExitOk;
}

int RunDiff(const Invocation& inv) {
  absl::StatusOr<kv::Timestamp> t1 = ParseTimestamp(inv.args.positional()[0]);
  if (!t1.ok()) return UsageError(inv, t1.status());
  absl::StatusOr<kv::Timestamp> t2 = ParseTimestamp(inv.args.positional()[1]);
  if (!t2.ok()) return UsageError(inv, t2.status());
  if (*t2 <= *t1) return UsageError(inv, "T2 must be later than T1");
  auto db = OpenGraphForRead(DbDir(inv));
  if (!db.ok()) return Error(inv, db.status());
  auto diff = (*db)->Diff(*t1, *t2);
  if (!diff.ok()) return Error(inv, diff.status());
  auto snap = (*db)->GetSnapshot();
  if (!snap.ok()) return Error(inv, snap.status());
  for (const graph::DiffEntry& d : *diff) {
    std::string line(graph::DiffKindName(d.kind));
    if (d.is_edge) {
      auto label = snap->LabelName(d.edge.label);
      if (!label.ok()) return Error(inv, label.status());
      absl::StrAppend(&line, "\tedge\t", d.edge.src, "\t", std::string(*label),
                      "\t", d.edge.dst, "\n");
    } else {
      absl::StrAppend(&line, "\tvertex\t", d.vertex, "\n");
    }
    Write(inv, line);
  }
  return kExitOk;
}

constexpr FlagSpec kDb{"db", "DIR", "the database directory (required)",
                       /*required=*/true};
constexpr FlagSpec kAsOf{
    "as-of", "T",
    "read the graph as it was at time T (microseconds or ISO-8601;\n"
    "default: latest)"};

}  // namespace

std::vector<Command> GraphReadCommands() {
  return {
      {.name = "vertex",
       .args = "V",
       .summary = "print a vertex: id, label, version time, properties",
       .description =
           "Prints vertex V as of T on one line: id, label, the timestamp of\n"
           "its version, then name=value for each property, tab separated\n"
           "(lists joined with ';', timestamps in microseconds). Exits 1 if\n"
           "V does not exist as of T.\n\n"
           "Example:\n  zverse vertex --db DIR --as-of 2011-01-01 933",
       .flags = {kDb, kAsOf},
       .min_args = 1,
       .max_args = 1,
       .run = RunVertex},
      {.name = "neighbors",
       .args = "V",
       .summary = "print the vertices exactly N hops from V",
       .description =
           "Walks the graph as of T breadth-first from V and prints the\n"
           "vertices first reached at exactly --hops hops (1: neighbours,\n"
           "2: friends of friends), one id a line in ascending order,\n"
           "followed by the --show properties.\n\n"
           "Example: Jan's friends of friends, now and in 2011:\n"
           "  zverse neighbors --db DIR --label knows --hops 2 \\\n"
           "      --show firstName,lastName 933\n"
           "  zverse neighbors --db DIR --label knows --hops 2 \\\n"
           "      --as-of 2011-01-01 933",
       .flags = {kDb, kAsOf,
                 {"label", "L", "follow only edges with label L"},
                 {"direction", "D", "out (default), in or both"},
                 {"hops", "N", "the distance to print (default 1)"},
                 {"show", "P,Q", "also print these vertex properties"}},
       .min_args = 1,
       .max_args = 1,
       .run = RunNeighbors},
      {.name = "diff",
       .args = "T1 T2",
       .summary = "list vertices and edges added, removed or changed",
       .description =
           "Lists what changed between T1 and T2 (in (T1, T2]): one line\n"
           "each, KIND<TAB>vertex<TAB>ID or KIND<TAB>edge<TAB>SRC<TAB>LABEL\n"
           "<TAB>DST, KIND being added, removed or changed; vertices first,\n"
           "in id order.\n\n"
           "Example:\n  zverse diff --db DIR 2010-12-01 2011-01-01",
       .flags = {kDb},
       .min_args = 2,
       .max_args = 2,
       .run = RunDiff},
  };
}

}  // namespace zverse::cli
