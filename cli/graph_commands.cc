// The graph commands: load and export.

#include <stdio.h>  // fileno
#include <unistd.h>  // isatty

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "graph/graph_db.h"
#include "graph/loader.h"
#include "kv/db.h"

namespace zverse::cli {
namespace {

using graph::GraphDb;
using graph::GraphOptions;
using graph::GraphSnapshot;
using graph::LabelId;
using graph::VertexId;

// --- load ------------------------------------------------------------------

enum class Format { kGraphalytics, kEdgeList, kLdbcSnb };

// What `zverse load` was asked to do, checked before anything is opened.
struct LoadRequest {
  Format format;
  std::string path;  // .properties, edge list, or LDBC directory.
  graph::GraphalyticsInput graphalytics;  // With --vertices/--edges.
  bool explicit_files = false;
  bool directed = true;
  kv::Timestamp ts = 0;
  uint64_t batch_ops = 0;  // --batch-ops: LoadOptions::max_batch_ops.
};

absl::StatusOr<LoadRequest> ParseLoadRequest(const Invocation& inv) {
  const ParsedArgs& args = inv.args;
  LoadRequest r;
  const std::string& format = *args.Find("format");
  if (format == "graphalytics") {
    r.format = Format::kGraphalytics;
  } else if (format == "edgelist") {
    r.format = Format::kEdgeList;
  } else if (format == "ldbc-snb") {
    r.format = Format::kLdbcSnb;
  } else {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--format: expected graphalytics, edgelist or ldbc-snb, got '%s'",
        format));
  }
  if (args.Has("directed") && args.Has("undirected")) {
    return absl::InvalidArgumentError(
        "--directed and --undirected exclude each other");
  }
  const bool has_files = args.Has("vertices") || args.Has("edges");
  const size_t n = args.positional().size();
  if (r.format != Format::kGraphalytics) {
    for (const char* flag : {"vertices", "edges", "weighted"}) {
      if (args.Has(flag)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "--%s is only for --format graphalytics%s", flag,
            std::string_view(flag) == "weighted" && r.format == Format::kEdgeList
                ? " (an edge list's weights are found in the file)"
                : ""));
      }
    }
  }
  if (r.format == Format::kLdbcSnb) {
    for (const char* flag : {"directed", "undirected", "ts"}) {
      if (args.Has(flag)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "--%s does not apply to --format ldbc-snb (its data carries its "
            "own times and directions)",
            flag));
      }
    }
  }
  if (r.format == Format::kGraphalytics && has_files) {
    if (n != 0) {
      return absl::InvalidArgumentError(
          "give either PATH.properties or --vertices and --edges, not both");
    }
    const std::string* v = args.Find("vertices");
    const std::string* e = args.Find("edges");
    if (v == nullptr || e == nullptr) {
      return absl::InvalidArgumentError(
          "--vertices and --edges go together");
    }
    r.explicit_files = true;
    r.graphalytics.vertex_file = *v;
    r.graphalytics.edge_file = *e;
    r.graphalytics.directed = !args.Has("undirected");
    r.graphalytics.weighted = args.Has("weighted");
  } else {
    if (n != 1) {
      return absl::InvalidArgumentError(
          r.format == Format::kGraphalytics
              ? "expected PATH.properties (or --vertices F.v --edges F.e)"
          : r.format == Format::kEdgeList ? "expected the edge list's PATH"
                                          : "expected the data set's DIR");
    }
    absl::StatusOr<std::string> path = Arg(inv, 0, "PATH");
    if (!path.ok()) return path.status();
    r.path = *std::move(path);
    if (r.format == Format::kGraphalytics) {
      for (const char* flag : {"directed", "undirected", "weighted"}) {
        if (args.Has(flag)) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "--%s goes with --vertices/--edges; a .properties file says "
              "it itself",
              flag));
        }
      }
    }
  }
  r.directed = !args.Has("undirected");
  absl::StatusOr<kv::Timestamp> ts = TimestampFlag(inv, "ts", 0);
  if (!ts.ok()) return ts.status();
  r.ts = *ts;
  if (const std::string* b = args.Find("batch-ops")) {
    if (!absl::SimpleAtoi(*b, &r.batch_ops) || r.batch_ops == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--batch-ops takes a positive number of operations, not '", *b, "'"));
    }
  }
  return r;
}

// A line on stderr rewritten in place ("\r") while a load runs.
class ProgressLine {
 public:
  explicit ProgressLine(std::FILE* err) : err_(err) {}
  ~ProgressLine() { Clear(); }

  void Show(const graph::LoadProgress& p) {
    std::string text;
    if (p.total > 0) {
      text = absl::StrFormat("%s: %d / %d (%.0f%%)", p.phase, p.done, p.total,
                             100.0 * static_cast<double>(p.done) /
                                 static_cast<double>(p.total));
    } else if (p.done > 0) {
      text = absl::StrFormat("%s: %d lines", p.phase, p.done);
    } else {
      text = absl::StrFormat("%s...", p.phase);
    }
    width_ = std::max(width_, text.size());
    absl::FPrintF(err_, "\r%-*s", static_cast<int>(width_), text);
    std::fflush(err_);
  }
  void Clear() {
    if (width_ == 0) return;
    absl::FPrintF(err_, "\r%*s\r", static_cast<int>(width_), "");
    std::fflush(err_);
    width_ = 0;
  }

 private:
  std::FILE* err_;
  size_t width_ = 0;
};

int RunLoad(const Invocation& inv) {
  absl::StatusOr<LoadRequest> request = ParseLoadRequest(inv);
  if (!request.ok()) return UsageError(inv, request.status());
  const auto start = std::chrono::steady_clock::now();

  // A .properties file is read before the database is touched.
  graph::GraphalyticsInput graphalytics = request->graphalytics;
  if (request->format == Format::kGraphalytics && !request->explicit_files) {
    absl::StatusOr<graph::GraphalyticsInput> input =
        graph::ReadGraphalyticsProperties(request->path);
    if (!input.ok()) return Error(inv, input.status());
    graphalytics = *std::move(input);
  }

  const std::string& dir = DbDir(inv);
  std::error_code ec;
  const bool existed = std::filesystem::exists(dir, ec);
  GraphOptions options;
  options.kv.create_if_missing = true;
  // Durability comes from one Sync at the end, not from every batch.
  options.kv.sync_mode = kv::SyncMode::kNever;
  // A one-shot command: merging is `zverse compact`'s job.
  options.kv.background_compaction = false;
  absl::StatusOr<std::unique_ptr<GraphDb>> db = GraphDb::Open(dir, options);
  if (!db.ok()) return Error(inv, db.status());

  ProgressLine progress_line(inv.io.err);
  graph::LoadOptions load_options;
  load_options.ts = request->ts;
  load_options.max_batch_ops = request->batch_ops;
  if (isatty(fileno(inv.io.err))) {
    load_options.progress = [&](const graph::LoadProgress& p) {
      progress_line.Show(p);
    };
  }
  absl::StatusOr<graph::LoadStats> stats;
  switch (request->format) {
    case Format::kGraphalytics:
      stats = graph::LoadGraphalytics(db->get(), graphalytics, load_options);
      break;
    case Format::kEdgeList:
      stats = graph::LoadEdgeList(
          db->get(), graph::EdgeListInput{request->path, request->directed},
          load_options);
      break;
    case Format::kLdbcSnb:
      stats = graph::LoadLdbcSnb(db->get(), request->path, load_options);
      break;
  }
  progress_line.Clear();
  absl::Status status = stats.status();
  if (status.ok()) status = (*db)->kv()->Sync();
  absl::Status close = (*db)->Close();
  if (status.ok()) status = close;
  if (!status.ok()) {
    // A database this command created holds nothing worth keeping.
    if (!existed) {
      db->reset();
      std::filesystem::remove_all(dir, ec);
    }
    return Error(inv, status);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  Write(inv, absl::StrFormat(
                 "loaded %d vertices, %d edges in %.2f s (%.0f edges/s)\n",
                 stats->vertices, stats->edges, seconds,
                 seconds > 0 ? static_cast<double>(stats->edges) / seconds
                             : 0.0));
  return kExitOk;
}

// --- export ----------------------------------------------------------------

// A Graphviz double-quoted string's contents.
std::string DotEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Buffers output and writes it in large pieces.
class Output {
 public:
  explicit Output(const Invocation& inv) : inv_(inv) {}
  ~Output() { Flush(); }
  std::string* buffer() { return &buffer_; }
  void MaybeFlush() {
    if (buffer_.size() >= (1 << 20)) Flush();
  }
  void Flush() {
    Write(inv_, buffer_);
    buffer_.clear();
  }

 private:
  const Invocation& inv_;
  std::string buffer_;
};

int RunExport(const Invocation& inv) {
  const std::string& format = *inv.args.Find("format");
  if (format != "graphviz" && format != "edgelist") {
    return UsageError(
        inv, absl::StrFormat(
                 "--format: expected graphviz or edgelist, got '%s'", format));
  }
  absl::StatusOr<kv::Timestamp> as_of =
      TimestampFlag(inv, "as-of", kv::kLatest);
  if (!as_of.ok()) return UsageError(inv, as_of.status());
  const std::string* label = inv.args.Find("label");

  const std::string& dir = DbDir(inv);
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    return Error(inv, absl::NotFoundError(absl::StrFormat(
                          "no database at '%s': the directory does not exist",
                          dir)));
  }
  GraphOptions options;
  options.kv.read_only = true;
  options.kv.create_if_missing = false;
  absl::StatusOr<std::unique_ptr<GraphDb>> db = GraphDb::Open(dir, options);
  if (!db.ok()) return Error(inv, db.status());
  absl::StatusOr<GraphSnapshot> snap = (*db)->GetSnapshot(*as_of);
  if (!snap.ok()) return Error(inv, snap.status());

  // The label filter; a label the database never had matches nothing.
  std::optional<LabelId> only;
  bool nothing = false;
  if (label != nullptr) {
    absl::StatusOr<LabelId> id = snap->LabelIdOf(*label);
    if (absl::IsNotFound(id.status())) {
      nothing = true;
    } else if (!id.ok()) {
      return Error(inv, id.status());
    } else {
      only = *id;
    }
  }

  std::vector<std::tuple<VertexId, VertexId, LabelId>> edges;
  if (!nothing) {
    absl::Status s = snap->Edges([&](const graph::EdgeRef& e) {
      if (!only.has_value() || e.label == *only) {
        edges.emplace_back(e.src, e.dst, e.label);
      }
      return true;
    });
    if (!s.ok()) return Error(inv, s);
  }
  std::sort(edges.begin(), edges.end());

  Output out(inv);
  if (format == "edgelist") {
    for (const auto& [src, dst, l] : edges) {
      absl::StrAppend(out.buffer(), src, " ", dst, "\n");
      out.MaybeFlush();
    }
    return kExitOk;
  }

  // graphviz: every vertex (or, with --label, the endpoints of the edges
  // shown), then the edges.
  std::vector<std::pair<VertexId, LabelId>> vertices;
  if (label == nullptr) {
    absl::Status s = snap->Vertices([&](VertexId v, LabelId l) {
      vertices.emplace_back(v, l);
      return true;
    });
    if (!s.ok()) return Error(inv, s);
  } else {
    std::vector<VertexId> ids;
    for (const auto& [src, dst, l] : edges) {
      ids.push_back(src);
      ids.push_back(dst);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    for (VertexId v : ids) {
      absl::StatusOr<graph::Vertex> vertex = snap->GetVertex(v);
      if (!vertex.ok()) return Error(inv, vertex.status());
      vertices.emplace_back(v, vertex->label);
    }
  }
  std::sort(vertices.begin(), vertices.end());
  auto name = [&](LabelId l) -> absl::StatusOr<std::string> {
    absl::StatusOr<std::string_view> n = snap->LabelName(l);
    if (!n.ok()) return n.status();
    return DotEscape(*n);
  };
  absl::StrAppend(out.buffer(), "digraph zverse {\n");
  for (const auto& [v, l] : vertices) {
    absl::StatusOr<std::string> n = name(l);
    if (!n.ok()) return Error(inv, n.status());
    absl::StrAppend(out.buffer(), "  ", v, " [label=\"", v, "\\n", *n,
                    "\"];\n");
    out.MaybeFlush();
  }
  for (const auto& [src, dst, l] : edges) {
    absl::StatusOr<std::string> n = name(l);
    if (!n.ok()) return Error(inv, n.status());
    absl::StrAppend(out.buffer(), "  ", src, " -> ", dst, " [label=\"", *n,
                    "\"];\n");
    out.MaybeFlush();
  }
  absl::StrAppend(out.buffer(), "}\n");
  return kExitOk;
}

// --- The table -------------------------------------------------------------

constexpr FlagSpec kDbFlag{"db", "DIR", "the database directory (required)",
                           /*required=*/true};

}  // namespace

std::vector<Command> GraphCommands() {
  return {
      {.name = "load",
       .args = "[PATH]",
       .summary = "bulk-load a graph (Graphalytics, LDBC SNB, edge list)",
       .description =
           "Reads a whole graph, checks every line, then writes it in atomic\n"
           "batches (an input of up to about a million edges is a single\n"
           "batch: all or nothing). A malformed line (a bad number, a wrong\n"
           "number of fields, an edge to an undeclared vertex, a duplicate\n"
           "id) stops the load before anything is written, with an error\n"
           "naming FILE:LINE (exit 3). Creates the database if DIR does not\n"
           "exist (and removes it again if the load fails); the load is\n"
           "durable when the command returns. Prints a summary line; on a\n"
           "terminal, progress goes to stderr.\n"
           "\n"
           "Formats:\n"
           "  graphalytics  PATH.properties, or --vertices F.v --edges F.e\n"
           "                [--undirected] [--weighted]. Vertex label\n"
           "                'vertex', edge label 'edge'; undirected graphs\n"
           "                store both directions; weights become the\n"
           "                float64 edge property 'weight'.\n"
           "  edgelist      PATH: 'src dst [weight]' lines (whitespace\n"
           "                separated, '#'/'%' comments); the vertices are\n"
           "                the ids that appear. Labels as for graphalytics.\n"
           "  ldbc-snb      DIR: SNB Interactive v1 csv_composite-\n"
           "                longdateformatter (static/ and dynamic/). Every\n"
           "                entity and relationship, versioned at its\n"
           "                creationDate (see graph/loader.h for the mapping).\n"
           "\n"
           "Without --ts, graphalytics and edge lists are versioned at the\n"
           "commit time. The graph's metadata records the format and\n"
           "whether it is directed (and weighted).\n"
           "\n"
           "Examples:\n"
           "  zverse load --db g --format graphalytics "
           "graphs/example-directed.properties\n"
           "  zverse load --db g --format graphalytics --vertices g.v "
           "--edges g.e \\\n"
           "      --undirected --weighted\n"
           "  zverse load --db g --format edgelist --undirected "
           "--ts 2024-01-01 edges.txt\n"
           "  zverse load --db snb --format ldbc-snb \\\n"
           "      interactive-v1-tiny/csv_composite-longdateformatter",
       .flags = {kDbFlag,
                 {"format", "FMT",
                  "graphalytics, edgelist or ldbc-snb (required)",
                  /*required=*/true},
                 {"vertices", "F", "graphalytics: the .v file (with --edges)"},
                 {"edges", "F", "graphalytics: the .e file (with --vertices)"},
                 {"directed", "",
                  "the edges are directed (the default for --vertices/\n"
                  "--edges and edgelist)"},
                 {"undirected", "",
                  "the edges are undirected: store both directions"},
                 {"weighted", "",
                  "graphalytics: the .e lines carry a weight"},
                 {"ts", "T",
                  "version every record at T (a past time) instead of the\n"
                  "commit time (graphalytics, edgelist)"},
                 {"batch-ops", "N",
                  "load in batches of at most N operations (a vertex, or\n"
                  "one direction of an edge) through the log, which bounds\n"
                  "the memory a large load takes; a failure then leaves\n"
                  "the earlier batches (default: one atomic batch)"}},
       .min_args = 0,
       .max_args = 1,
       .run = RunLoad},
      {.name = "export",
       .args = "",
       .summary = "print the graph as an edge list or Graphviz",
       .description =
           "Prints the graph as of --as-of (default: latest).\n"
           "  edgelist  one 'src dst' line per edge, sorted by (src, dst).\n"
           "  graphviz  a 'digraph zverse { ... }': each vertex labelled\n"
           "            with its id and label, each edge with its label.\n"
           "With --label L only the edges labelled L (and, in graphviz,\n"
           "their endpoints) are printed. Opens the database read-only; it\n"
           "must exist. A time before the graph was loaded prints no edges.\n"
           "\n"
           "Examples:\n"
           "  zverse export --db g --format edgelist > g.e\n"
           "  zverse export --db g --format graphviz | dot -Tsvg > g.svg\n"
           "  zverse export --db snb --format edgelist --label knows "
           "--as-of 2011-01-01",
       .flags = {kDbFlag,
                 {"as-of", "T",
                  "the graph as it was at time T (default: latest)"},
                 {"format", "FMT", "graphviz or edgelist (required)",
                  /*required=*/true},
                 {"label", "L", "only edges with label L"}},
       .min_args = 0,
       .max_args = 0,
       .run = RunExport},
  };
}

}  // namespace zverse::cli
