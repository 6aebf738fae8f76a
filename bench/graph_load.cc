// graph_load: bulk-load throughput of the edge-list loader (graph/loader.h).
//
// Generates an edge list (deterministic seed; power-law-ish out-degrees or
// uniform), writes it to a file in a scratch directory, then loads it with
// LoadEdgeList into a fresh database under SyncMode::kNever followed by one
// DB::Sync, as `zverse load` does. Reports the loader's parse phase (reading
// and checking the file) and write phase (building batches and
// GraphDb::Apply) separately, the final sync, edges/s and the bytes on disk.
// The goal is 1M input edges/s end to end.
//
//   graph_load [--edges N] [--vertices N] [--distribution powerlaw|uniform]
//              [--undirected] [--weighted] [--batch_ops N] [--seed S]
//              [--dir DIR]
//              [--json FILE] [--markdown FILE] [--keep]

#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/bench_util.h"
#include "graph/graph_db.h"
#include "graph/loader.h"
#include "kv/db.h"
#include "kv/status_macros.h"

namespace zverse::bench {
namespace {

constexpr const char* kHelp =
    R"(graph_load: bulk-load throughput of the edge-list loader.

Usage: graph_load [flags]

Generates an edge list with a fixed seed and loads it with
graph::LoadEdgeList into a fresh database (SyncMode::kNever, then one
DB::Sync), reporting the parse phase (read + check), the write phase
(GraphBatch building + GraphDb::Apply), the final sync, edges/s and bytes
on disk. Goal: 1M input edges/s end to end.

Flags (--flag=value or --flag value):
  --edges N           edge lines to generate (default 10M; k/M suffixes)
  --vertices N        id range [0, N) (default 1M)
  --distribution D    powerlaw (default): source ids skewed (id = N*u^2,
                      so low ids have high out-degree), destinations
                      uniform; or uniform: both uniform
  --undirected        load as undirected (stores both directions)
  --weighted          add a weight column (float64 property "weight")
  --batch_ops N       load through the log in batches of N graph
                      operations (LoadOptions::max_batch_ops; default 0:
                      the whole load is one atomic bulk ingest)
  --seed S            generator seed (default 42)
  --dir DIR           parent of the scratch directory (default /tmp); the
                      file and database are deleted afterwards
  --keep              keep the scratch directory
  --json FILE         write the result as JSON
  --markdown FILE     write the Markdown table (also printed to stdout)
  --help              this text
)";

struct Config {
  uint64_t edges = 10'000'000;
  uint64_t vertices = 1'000'000;
  bool powerlaw = true;
  bool undirected = false;
  bool weighted = false;
  uint64_t seed = 42;
  std::string dir = "/tmp";
  bool keep = false;
  uint64_t batch_ops = 0;  // 0: one bulk ingest (the loader's default).
  std::string json_path;
  std::string markdown_path;
};

struct Result {
  uint64_t file_bytes = 0;
  double generate_seconds = 0;
  graph::LoadStats stats;
  double sync_seconds = 0;
  double close_seconds = 0;
  double total_seconds = 0;  // Load + sync (what `zverse load` waits for).
  uint64_t disk_bytes = 0;
  kv::Stats kv;
  std::string load_average;  // Before the run.
  std::string error;
  double input_rate() const {
    return total_seconds > 0 ? static_cast<double>(stats.input_edges) /
                                   total_seconds
                             : 0;
  }
};

// A uniform double in [0, 1) from 53 random bits.
double Unit(uint64_t x) { return static_cast<double>(x >> 11) * 0x1.0p-53; }

absl::Status Generate(const Config& c, const std::string& path,
                      uint64_t* bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create ", path));
  }
  std::string buf;
  buf.reserve(1 << 22);
  char num[32];
  uint64_t state = c.seed;
  auto next = [&state] { return Mix64(state++); };
  *bytes = 0;
  for (uint64_t i = 0; i < c.edges; ++i) {
    const double u = Unit(next());
    const uint64_t src =
        c.powerlaw ? static_cast<uint64_t>(static_cast<double>(c.vertices) *
                                           u * u)
                   : next() % c.vertices;
    const uint64_t dst = next() % c.vertices;
    auto r = std::to_chars(num, num + sizeof(num), src);
    buf.append(num, r.ptr);
    buf.push_back(' ');
    r = std::to_chars(num, num + sizeof(num), dst);
    buf.append(num, r.ptr);
    if (c.weighted) {
      buf.push_back(' ');
      r = std::to_chars(num, num + sizeof(num),
                        static_cast<double>(next() % 1000) / 8.0);
      buf.append(num, r.ptr);
    }
    buf.push_back('\n');
    if (buf.size() >= (1 << 22) - 64) {
      if (std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) {
        std::fclose(f);
        return absl::InternalError(absl::StrCat("writing ", path));
      }
      *bytes += buf.size();
      buf.clear();
    }
  }
  if (std::fwrite(buf.data(), 1, buf.size(), f) != buf.size() ||
      std::fclose(f) != 0) {
    return absl::InternalError(absl::StrCat("writing ", path));
  }
  *bytes += buf.size();
  return absl::OkStatus();
}

absl::Status Run(const Config& c, const std::string& scratch, Result* r) {
  const std::string file = scratch + "/edges.txt";
  {
    Stopwatch sw;
    ZVERSE_RETURN_IF_ERROR(Generate(c, file, &r->file_bytes));
    r->generate_seconds = sw.Seconds();
  }
  // The input is in the page cache, as after any recent write; a cold read
  // would add the disk's time.
  const std::string db_dir = scratch + "/db";
  graph::GraphOptions options;
  options.kv.sync_mode = kv::SyncMode::kNever;
  Stopwatch total;
  ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<graph::GraphDb> db,
                          graph::GraphDb::Open(db_dir, options));
  graph::LoadOptions load;
  load.max_batch_ops = c.batch_ops;
  if (isatty(STDERR_FILENO)) {
    load.progress = [](const graph::LoadProgress& p) {
      std::cerr << "\r[graph_load] " << p.phase << " " << p.done;
      if (p.total > 0) std::cerr << " / " << p.total;
      std::cerr << "        " << std::flush;
    };
  }
  ZVERSE_ASSIGN_OR_RETURN(
      r->stats,
      graph::LoadEdgeList(db.get(), {file, !c.undirected}, load));
  if (load.progress) std::cerr << "\n";
  {
    Stopwatch sw;
    ZVERSE_RETURN_IF_ERROR(db->kv()->Sync());
    r->sync_seconds = sw.Seconds();
  }
  r->total_seconds = total.Seconds();
  r->kv = db->kv()->GetStats();
  {
    Stopwatch sw;
    ZVERSE_RETURN_IF_ERROR(db->Close());
    r->close_seconds = sw.Seconds();
  }
  r->disk_bytes = DirectoryDiskBytes(db_dir);
  return absl::OkStatus();
}

std::string Markdown(const Config& c, const Result& r) {
  std::string md = "# ZVerse graph bulk load (edge list)\n\n";
  absl::StrAppend(
      &md, "Machine: ", MachineDescription(), ". Load average before: ",
      r.load_average, ". ", c.edges, " edge lines over ", c.vertices,
      " ids, ", c.powerlaw ? "power-law-ish sources" : "uniform",
      c.undirected ? ", undirected" : ", directed",
      c.weighted ? ", weighted" : "", ", seed ", c.seed,
      c.batch_ops ? absl::StrCat(", batches of ", c.batch_ops, " ops")
                  : std::string(),
      ". Goal: 1M input edges/s (parse + write + sync).\n\n");
  absl::StrAppend(&md,
                  "| edge lines | vertices | stored edges | batches | "
                  "parse s | write s | sync s | total s | input edges/s | "
                  "stored edges/s | input file | on disk | disk bytes/edge |\n");
  absl::StrAppend(&md,
                  "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
                  "---:|---:|\n");
  if (!r.error.empty()) {
    absl::StrAppend(&md, "| ", c.edges, " | **FAILED**: `", r.error,
                    "` | | | | | | | | | | | |\n");
    return md;
  }
  const graph::LoadStats& s = r.stats;
  absl::StrAppend(
      &md, "| ", s.input_edges, " | ", s.vertices, " | ", s.edges, " | ",
      s.batches, " | ", absl::StrFormat("%.2f", s.read_seconds), " | ",
      absl::StrFormat("%.2f", s.write_seconds), " | ",
      absl::StrFormat("%.2f", r.sync_seconds), " | ",
      absl::StrFormat("%.2f", r.total_seconds), " | ",
      FormatRate(r.input_rate()), " | ",
      FormatRate(static_cast<double>(s.edges) / r.total_seconds), " | ",
      FormatBytes(r.file_bytes), " | ", FormatBytes(r.disk_bytes), " | ",
      absl::StrFormat("%.1f", static_cast<double>(r.disk_bytes) /
                                  static_cast<double>(s.edges)),
      " |\n");
  absl::StrAppend(
      &md, "\nPhase rates: parse ",
      FormatRate(static_cast<double>(s.input_edges) / s.read_seconds),
      " edge lines/s; write ",
      FormatRate(static_cast<double>(s.edges + s.vertices) / s.write_seconds),
      " graph ops/s. KV after the load: ", r.kv.entries, " entries, ",
      r.kv.segments, " segments (", FormatBytes(r.kv.segment_bytes),
      "), log ", FormatBytes(r.kv.log_bytes), ". Close took ",
      absl::StrFormat("%.2f", r.close_seconds), " s.\n");
  return md;
}

std::string Json(const Config& c, const Result& r) {
  std::string j = "{\n  \"program\": \"graph_load\",\n";
  absl::StrAppend(
      &j, "  \"machine\": \"", JsonEscape(MachineDescription()),
      "\",\n  \"config\": {\"edges\": ", c.edges,
      ", \"vertices\": ", c.vertices, ", \"distribution\": \"",
      c.powerlaw ? "powerlaw" : "uniform", "\", \"undirected\": ",
      c.undirected ? "true" : "false",
      ", \"weighted\": ", c.weighted ? "true" : "false", ", \"seed\": ", c.seed,
      ", \"batch_ops\": ", c.batch_ops, "},\n  \"result\": ");
  if (!r.error.empty()) {
    absl::StrAppend(&j, "{\"status\": \"failed\", \"error\": \"",
                    JsonEscape(r.error), "\"}\n}\n");
    return j;
  }
  const graph::LoadStats& s = r.stats;
  absl::StrAppend(
      &j, "{\"status\": \"ok\", \"input_edges\": ", s.input_edges,
      ", \"vertices\": ", s.vertices, ", \"stored_edges\": ", s.edges,
      ", \"batches\": ", s.batches,
      ", \"file_bytes\": ", r.file_bytes,
      ", \"generate_seconds\": ", JsonNumber(r.generate_seconds),
      ", \"parse_seconds\": ", JsonNumber(s.read_seconds),
      ", \"write_seconds\": ", JsonNumber(s.write_seconds),
      ", \"load_seconds\": ", JsonNumber(s.seconds),
      ", \"sync_seconds\": ", JsonNumber(r.sync_seconds),
      ", \"total_seconds\": ", JsonNumber(r.total_seconds),
      ", \"close_seconds\": ", JsonNumber(r.close_seconds),
      ", \"input_edges_per_second\": ", JsonNumber(r.input_rate()),
      ", \"stored_edges_per_second\": ",
      JsonNumber(static_cast<double>(s.edges) / r.total_seconds),
      ", \"disk_bytes\": ", r.disk_bytes,
      ", \"kv_entries\": ", r.kv.entries,
      ", \"kv_segments\": ", r.kv.segments,
      ", \"kv_log_bytes\": ", r.kv.log_bytes,
      ", \"kv_segment_bytes\": ", r.kv.segment_bytes, "}\n}\n");
  return j;
}

absl::StatusOr<Config> ParseFlags(int argc, char** argv, bool* help) {
  Config c;
  FlagParser p(argc, argv);
  while (p.Next()) {
    const std::string& f = p.flag();
    if (f == "--help" || f == "-h") {
      *help = true;
      return c;
    } else if (f == "--edges") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      ZVERSE_ASSIGN_OR_RETURN(c.edges, ParseCount(v));
    } else if (f == "--vertices") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      ZVERSE_ASSIGN_OR_RETURN(c.vertices, ParseCount(v));
    } else if (f == "--distribution") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      if (v == "powerlaw") {
        c.powerlaw = true;
      } else if (v == "uniform") {
        c.powerlaw = false;
      } else {
        return absl::InvalidArgumentError(
            "--distribution: powerlaw or uniform");
      }
    } else if (f == "--undirected") {
      c.undirected = true;
    } else if (f == "--weighted") {
      c.weighted = true;
    } else if (f == "--seed") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      ZVERSE_ASSIGN_OR_RETURN(c.seed, ParseCount(v));
    } else if (f == "--dir") {
      ZVERSE_ASSIGN_OR_RETURN(c.dir, p.Value());
    } else if (f == "--batch_ops") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      ZVERSE_ASSIGN_OR_RETURN(c.batch_ops, ParseCount(v));
    } else if (f == "--keep") {
      c.keep = true;
    } else if (f == "--json") {
      ZVERSE_ASSIGN_OR_RETURN(c.json_path, p.Value());
    } else if (f == "--markdown") {
      ZVERSE_ASSIGN_OR_RETURN(c.markdown_path, p.Value());
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag ", f, " (see --help)"));
    }
  }
  if (c.edges < 1 || c.vertices < 1) {
    return absl::InvalidArgumentError("--edges and --vertices must be >= 1");
  }
  return c;
}

int Main(int argc, char** argv) {
  bool help = false;
  absl::StatusOr<Config> parsed = ParseFlags(argc, argv, &help);
  if (help) {
    std::cout << kHelp;
    return 0;
  }
  if (!parsed.ok()) {
    std::cerr << "graph_load: " << parsed.status().message() << "\n";
    return 2;
  }
  const Config& c = *parsed;
  absl::StatusOr<std::string> scratch = MakeTempDir(c.dir, "graph_load_");
  if (!scratch.ok()) {
    std::cerr << "graph_load: " << scratch.status().message() << "\n";
    return 1;
  }
  std::cerr << "[graph_load] " << c.edges << " edges over " << c.vertices
            << " ids in " << *scratch << "\n";
  Result r;
  r.load_average = LoadAverage();
  absl::Status s = Run(c, *scratch, &r);
  if (!s.ok()) r.error = s.ToString();
  if (!c.keep) {
    if (absl::Status rm = RemoveTree(*scratch); !rm.ok()) {
      std::cerr << "graph_load: " << rm.message() << "\n";
    }
  }
  const std::string md = Markdown(c, r);
  std::cout << md;
  if (!c.markdown_path.empty()) {
    std::ofstream(c.markdown_path, std::ios::trunc) << md;
  }
  const std::string json = Json(c, r);
  if (!c.json_path.empty()) {
    std::ofstream(c.json_path, std::ios::trunc) << json;
  } else {
    std::cout << "\n" << json;
  }
  if (!r.error.empty()) {
    std::cerr << "graph_load: FAILED: " << r.error << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace zverse::bench

int main(int argc, char** argv) { return zverse::bench::Main(argc, argv); }
