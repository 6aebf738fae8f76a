// The algo command: Graphalytics kernels on a snapshot.
//
//   zverse algo --db DIR bfs|pr|wcc|cdlp|lcc|sssp [--source V] ...
//
// Copies the snapshot into a CsrGraph (graph/csr.h), runs the kernel
// (graph/algorithms.h) and prints "vertex value" lines in ascending vertex
// order, in the Graphalytics reference files' format.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "graph/algorithms.h"
#include "graph/csr.h"
#include "graph/graph_db.h"

namespace zverse::cli {
namespace {

using graph::Algorithm;

// The flags and what they mean for each algorithm, checked before the
// database is opened.
struct AlgoRequest {
  graph::AlgorithmParams params;
  std::optional<bool> directed;  // --directed / --undirected.
  kv::Timestamp as_of = kv::kLatest;
  graph::CsrOptions csr;
  bool timing = false;
};

absl::StatusOr<AlgoRequest> ParseRequest(const Invocation& inv) {
  const ParsedArgs& args = inv.args;
  AlgoRequest r;
  absl::StatusOr<std::string> name = Arg(inv, 0, "ALGORITHM");
  if (!name.ok()) return name.status();
  absl::StatusOr<Algorithm> algorithm = graph::ParseAlgorithm(*name);
  if (!algorithm.ok()) return algorithm.status();
  const Algorithm a = *algorithm;
  r.params.algorithm = a;
  const std::string algo_name(graph::AlgorithmName(a));

  // A flag that does not apply to the algorithm is a mistake worth
  // reporting rather than ignoring.
  auto only_for = [&](std::string_view flag, bool applies,
                      std::string_view which) -> absl::Status {
    if (!args.Has(flag) || applies) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrFormat("--%s applies only to %s, not to %s", flag, which,
                        algo_name));
  };
  const bool has_source = a == Algorithm::kBfs || a == Algorithm::kSssp;
  for (absl::Status s :
       {only_for("source", has_source, "bfs and sssp"),
        only_for("iterations",
                 a == Algorithm::kPageRank || a == Algorithm::kCdlp,
                 "pr and cdlp"),
        only_for("damping", a == Algorithm::kPageRank, "pr"),
        only_for("weight", a == Algorithm::kSssp, "sssp")}) {
    if (!s.ok()) return s;
  }

  if (has_source) {
    const std::string* source = args.Find("source");
    if (source == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s needs --source V", algo_name));
    }
    graph::VertexId v = 0;
    if (!absl::SimpleAtoi(*source, &v)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--source: '%s' is not a vertex id (an unsigned integer)", *source));
    }
    r.params.source = v;
  }
  if (const std::string* text = args.Find("iterations"); text != nullptr) {
    int n = 0;
    if (!absl::SimpleAtoi(*text, &n) || n < 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--iterations: '%s' is not a non-negative integer", *text));
    }
    r.params.iterations = n;
  }
  if (const std::string* text = args.Find("damping"); text != nullptr) {
    double d = 0;
    if (!absl::SimpleAtod(*text, &d) || !(d >= 0.0 && d <= 1.0)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "--damping: '%s' is not a number in [0, 1]", *text));
    }
    r.params.damping = d;
  }
  if (args.Has("directed") && args.Has("undirected")) {
    return absl::InvalidArgumentError(
        "--directed and --undirected exclude each other");
  }
  if (args.Has("directed")) r.directed = true;
  if (args.Has("undirected")) r.directed = false;

  absl::StatusOr<kv::Timestamp> as_of =
      TimestampFlag(inv, "as-of", kv::kLatest);
  if (!as_of.ok()) return as_of.status();
  r.as_of = *as_of;

  if (const std::string* l = args.Find("label"); l != nullptr) {
    r.csr.vertex_label = *l;
  }
  if (const std::string* l = args.Find("edge-label"); l != nullptr) {
    r.csr.edge_label = *l;
  }
  if (a == Algorithm::kSssp) {
    const std::string* w = args.Find("weight");
    r.csr.weight_property = w != nullptr ? *w : std::string("weight");
  }
  r.timing = args.Has("timing");
  return r;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                       start)
      .count();
}

int RunAlgo(const Invocation& inv) {
  absl::StatusOr<AlgoRequest> request = ParseRequest(inv);
  if (!request.ok()) return UsageError(inv, request.status());

  const std::string& dir = DbDir(inv);
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    return Error(inv, absl::NotFoundError(absl::StrFormat(
                          "no database at '%s': the directory does not exist",
                          dir)));
  }
  const auto start = std::chrono::steady_clock::now();
  graph::GraphOptions options;
  options.kv.read_only = true;
  options.kv.create_if_missing = false;
  absl::StatusOr<std::unique_ptr<graph::GraphDb>> db =
      graph::GraphDb::Open(dir, options);
  if (!db.ok()) return Error(inv, db.status());

  // Directedness: the flags, else what the loader recorded (directed unless
  // it says "false").
  if (request->directed.has_value()) {
    request->params.directed = *request->directed;
  } else {
    absl::StatusOr<std::string> directed = (*db)->GetMetadata("directed");
    if (directed.ok()) {
      request->params.directed = *directed != "false";
    } else if (absl::IsNotFound(directed.status())) {
      request->params.directed = true;
    } else {
      return Error(inv, directed.status());
    }
  }

  absl::StatusOr<graph::GraphSnapshot> snap =
      (*db)->GetSnapshot(request->as_of);
  if (!snap.ok()) return Error(inv, snap.status());
  absl::StatusOr<graph::CsrGraph> csr =
      graph::CsrGraph::FromSnapshot(*snap, request->csr);
  if (!csr.ok()) return Error(inv, csr.status());
  const double load_seconds = SecondsSince(start);

  const auto run_start = std::chrono::steady_clock::now();
  absl::StatusOr<graph::AlgorithmResult> result =
      graph::RunAlgorithm(*csr, request->params);
  if (!result.ok()) {
    // An unknown source vertex is "not found" (exit 1), like get.
    Error(inv, result.status());
    return absl::IsNotFound(result.status()) ? kExitNotFound : kExitError;
  }
  const double run_seconds = SecondsSince(run_start);

  const auto write_start = std::chrono::steady_clock::now();
  graph::WriteResult(*csr, *result,
                     [&](std::string_view chunk) { Write(inv, chunk); });
  if (std::fflush(inv.io.out) != 0 || std::ferror(inv.io.out)) {
    return Error(inv, absl::InternalError("writing output failed"));
  }
  if (request->timing) {
    absl::FPrintF(
        inv.io.err,
        "%s: %d vertices, %d arcs (%s); snapshot to CSR %.3f s, kernel "
        "%.3f s, output %.3f s\n",
        graph::AlgorithmName(request->params.algorithm), csr->num_vertices(),
        csr->num_edges(), request->params.directed ? "directed" : "undirected",
        load_seconds, run_seconds, SecondsSince(write_start));
  }
  return kExitOk;
}

constexpr FlagSpec kDbFlag{"db", "DIR", "the database directory (required)",
                           /*required=*/true};

}  // namespace

std::vector<Command> AlgoCommands() {
  return {
      {.name = "algo",
       .args = "ALGORITHM",
       .summary = "run a Graphalytics kernel (bfs pr wcc cdlp lcc sssp)",
       .description =
           "Runs one of the LDBC Graphalytics kernels on the graph as of\n"
           "--as-of (default: latest) and prints 'vertex value' lines in\n"
           "ascending vertex order, in the format of the Graphalytics\n"
           "reference outputs. Opens the database read-only; it must exist.\n"
           "\n"
           "Algorithms:\n"
           "  bfs   depth from --source along out-edges; a vertex not\n"
           "        reached prints 9223372036854775807\n"
           "  pr    PageRank: --iterations steps (default 10, no\n"
           "        convergence test), --damping (default 0.85); the rank\n"
           "        of sinks is spread over every vertex\n"
           "  wcc   weakly connected components: the smallest vertex id of\n"
           "        each vertex's component\n"
           "  cdlp  community detection by label propagation, at most\n"
           "        --iterations steps (default 10)\n"
           "  lcc   local clustering coefficient\n"
           "  sssp  shortest path lengths from --source along out-edges,\n"
           "        weighted by the edge property --weight (default\n"
           "        'weight', float64 or int64, not negative); a vertex not\n"
           "        reached prints infinity\n"
           "\n"
           "The graph is every vertex (or those labelled --label) and every\n"
           "edge between them (or those labelled --edge-label). A graph\n"
           "loaded as undirected stores both directions of each edge, so\n"
           "every kernel sees it as undirected; cdlp and lcc also need to\n"
           "know, and read it from the graph's metadata (--directed or\n"
           "--undirected overrides it). Doubles are printed in the shortest\n"
           "form that reads back exactly.\n"
           "\n"
           "An unknown --source prints an error and exits 1; an unknown\n"
           "label or weight property, or an edge without the weight, exits\n"
           "3.\n"
           "\n"
           "Examples:\n"
           "  zverse load --db g --format graphalytics "
           "example-directed.properties\n"
           "  zverse algo --db g bfs --source 1\n"
           "  zverse algo --db g pr --iterations 20 --damping 0.85\n"
           "  zverse algo --db g sssp --source 1 --weight weight "
           "--as-of 2024-01-01\n"
           "  zverse algo --db snb wcc --label Person --edge-label knows",
       .flags = {kDbFlag,
                 {"source", "V", "bfs, sssp: the source vertex (required)"},
                 {"iterations", "N",
                  "pr: iterations; cdlp: maximum iterations (default 10)"},
                 {"damping", "D", "pr: the damping factor (default 0.85)"},
                 {"weight", "PROP",
                  "sssp: the edge weight property (default 'weight')"},
                 {"as-of", "T",
                  "the graph as it was at time T (default: latest)"},
                 {"label", "L", "only vertices labelled L"},
                 {"edge-label", "L", "only edges labelled L"},
                 {"directed", "",
                  "cdlp, lcc: treat the graph as directed"},
                 {"undirected", "",
                  "cdlp, lcc: treat the graph as undirected"},
                 {"timing", "",
                  "print the sizes and the time of each step on stderr"}},
       .min_args = 1,
       .max_args = 1,
       .run = RunAlgo},
  };
}

}  // namespace zverse::cli
