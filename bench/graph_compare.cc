// graph_compare: the same graph layer (schema, loader, traversal executor,
// LDBC reads, Boost.Graph adaptor) on ZVerse, on LMDB and on RocksDB
// (bench/backends/), with an in-memory Boost compressed_sparse_row_graph of
// the same snapshot as the floor, on LDBC-SNB-like data from
// datasets/snbgen at several sizes.
//
// ZVerse runs twice: with its default interleaved physical order and with
// the key-major one ("zverse-keymajor", kv::Options::physical_order), the
// A/B of the layout on graph data.
//
// For each size and each backend, in a child process of its own (so that
// each run's resident memory is its own):
//   load        graph::LoadLdbcSnb in batches of --batch_ops operations,
//               then the engine's settling step (ZVerse: DB::Compact into
//               one segment; RocksDB: flush and full CompactRange; LMDB:
//               none) and a sync; size on disk after it.
//   khop1..3    distinct persons within k knows-hops of a random person
//               (Traversal V(p).repeat(out knows, 1, k).count(); knows is stored
//               both ways), latest.
//   khop2_mid   the same 2-hop as of the middle of the knows history.
//   is1..is7, ic1, ic2, ic9, ic13
//               the LDBC SNB Interactive reads, parameters sampled from the
//               data (seeded, the same on every backend).
//   bfs, pr, wcc
//               on the knows graph through the Boost.Graph adaptor
//               (SnapshotGraph; knows is symmetric): breadth_first_search from a
//               person, 10 push iterations of PageRank written on the BGL
//               interface (out_edges, num_vertices), components by
//               breadth_first_visit; the same template code on the CSR.
// Every answer is checked: each backend's k-hop counts against the CSR's,
// and every workload's answers (counts, LDBC rows, algorithm results) must
// fingerprint the same on every backend.
//
// Reported: medians and p99 per workload, ratios of each peer to ZVerse,
// edges per second of the kernels, load time, size on disk, peak and final
// resident memory (anonymous and file-backed) of each run. JSON and
// Markdown; bench/plot_graph_compare.py draws the plots from the JSON.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <queue>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/backends/backends.h"
#include "bench/bench_util.h"
#include "bench/query_workloads.h"
#include "boost/graph/breadth_first_search.hpp"
#include "boost/graph/compressed_sparse_row_graph.hpp"
#include "datasets/snbgen/generator.h"
#include "graph/boost_graph.h"
#include "graph/graph_db.h"
#include "graph/loader.h"
#include "kv/status_macros.h"
#include "query/ldbc.h"
#include "query/traversal.h"

namespace zverse::bench {
namespace {

constexpr const char* kHelp = R"(graph_compare: the graph layer on ZVerse, LMDB and RocksDB, and the CSR floor.

Usage: graph_compare [flags]

  --persons LIST     generated sizes, persons (default 10k,30k,100k; about
                     24 knows pairs per person)
  --data DIR         instead of generating: one LDBC SNB data set in the
                     csv_composite-longdateformatter layout
  --backends LIST    of zverse, zverse-keymajor (ZVerse with the key-major
                     physical order instead of the interleaved one), lmdb,
                     rocksdb (default: all four)
  --calls N          calls per 1- and 2-hop workload (default 200)
  --calls3 N         calls per 3-hop workload (default 10)
  --ldbc_calls N     calls per IS read (default 100); IC reads get a quarter
  --batch_ops N      graph operations per load batch (default 1M)
  --pr_iterations N  PageRank iterations (default 10)
  --rocksdb_cache_mb N  RocksDB block cache (default 1024)
  --seed X           generator and sampling seed (default 1)
  --dir DIR          parent of the scratch data and databases (default /tmp)
  --keep             keep the scratch directory
  --json FILE        write the results as JSON
  --markdown FILE    write the results as Markdown tables
  --help             this text

Each backend runs in a child process; a wrong answer on any backend fails
the run (exit 1). See bench/README.md.
)";

struct Config {
  std::vector<uint64_t> persons = {10'000, 30'000, 100'000};
  std::string data;
  std::vector<std::string> backends = {"zverse", "zverse-keymajor", "lmdb",
                                       "rocksdb"};
  uint64_t calls = 200;
  uint64_t calls3 = 10;
  uint64_t ldbc_calls = 100;
  uint64_t batch_ops = 1'000'000;
  int pr_iterations = 10;
  uint64_t rocksdb_cache_mb = 1024;
  uint64_t seed = 1;
  std::string dir;
  bool keep = false;
  std::string json;
  std::string markdown;
};

// --- What a run reports ---------------------------------------------------

// One backend's run at one size, as the child writes it and the parent
// reads it back: "T name median p99 ops calls", "F name fingerprint",
// "V name value", "E message" lines.
struct Run {
  std::string backend;
  std::map<std::string, Timing> timings;
  std::map<std::string, std::string> fingerprints;
  std::map<std::string, double> values;
  std::string error;
};

std::string Serialize(const Run& r) {
  std::string out;
  for (const auto& [name, t] : r.timings) {
    absl::StrAppendFormat(&out, "T %s %.17g %.17g %.17g %d\n", name,
                          t.median_us, t.p99_us, t.ops_per_s,
                          static_cast<int>(t.calls));
  }
  for (const auto& [name, f] : r.fingerprints) {
    absl::StrAppend(&out, "F ", name, " ", f, "\n");
  }
  for (const auto& [name, v] : r.values) {
    absl::StrAppendFormat(&out, "V %s %.17g\n", name, v);
  }
  if (!r.error.empty()) {
    std::string e = r.error;
    std::replace(e.begin(), e.end(), '\n', ' ');
    absl::StrAppend(&out, "E ", e, "\n");
  }
  return out;
}

Run Deserialize(const std::string& backend, const std::string& text) {
  Run r;
  r.backend = backend;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() < 2) continue;
    if (line[0] == 'E') {
      r.error = line.substr(2);
      continue;
    }
    std::vector<std::string> f = absl::StrSplit(line, ' ');
    if (line[0] == 'T' && f.size() == 6) {
      Timing t;
      t.median_us = std::strtod(f[2].c_str(), nullptr);
      t.p99_us = std::strtod(f[3].c_str(), nullptr);
      t.ops_per_s = std::strtod(f[4].c_str(), nullptr);
      t.calls = std::strtoull(f[5].c_str(), nullptr, 10);
      r.timings[f[1]] = t;
    } else if (line[0] == 'F' && f.size() == 3) {
      r.fingerprints[f[1]] = f[2];
    } else if (line[0] == 'V' && f.size() == 3) {
      r.values[f[1]] = std::strtod(f[2].c_str(), nullptr);
    }
  }
  return r;
}

// FNV-1a over what a workload answered, in call order.
class Fingerprint {
 public:
  void Add(std::string_view s) {
    for (char c : s) {
      h_ ^= static_cast<unsigned char>(c);
      h_ *= 1099511628211ull;
    }
    h_ ^= 0xff;
    h_ *= 1099511628211ull;
  }
  void Add(uint64_t v) { Add(std::string_view(absl::StrCat(v))); }
  std::string Hex() const { return absl::StrFormat("%016x", h_); }

 private:
  uint64_t h_ = 14695981039346656037ull;
};

// --- Workloads ------------------------------------------------------------

// Times calls [0, n) on a snapshot as of `as_of` after one untimed pass
// (warm). `call(snap, i, fp)` adds its answer to the fingerprint during the
// untimed pass only.
using Call = std::function<absl::Status(const graph::GraphSnapshot&, uint64_t,
                                        Fingerprint*)>;

absl::StatusOr<Timing> MeasureAt(graph::GraphDb* db, graph::Timestamp as_of,
                                 uint64_t n, const Call& call,
                                 Fingerprint* fp) {
  ZVERSE_ASSIGN_OR_RETURN(graph::GraphSnapshot snap, db->GetSnapshot(as_of));
  for (uint64_t i = 0; i < n; ++i) ZVERSE_RETURN_IF_ERROR(call(snap, i, fp));
  std::vector<double> seconds;
  seconds.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    Stopwatch w;
    ZVERSE_RETURN_IF_ERROR(call(snap, i, nullptr));
    seconds.push_back(w.Seconds());
  }
  return Summarize(std::move(seconds));
}

// The knows graph of a snapshot as a CSR with both arcs of every pair.
struct KnowsCsr {
  std::unique_ptr<Csr> csr;
  std::vector<graph::VertexId> ids;  // Index -> person id, ascending.
  uint64_t arcs = 0;
  size_t IndexOf(graph::VertexId v) const {
    return std::lower_bound(ids.begin(), ids.end(), v) - ids.begin();
  }
};

absl::StatusOr<KnowsCsr> BuildKnowsCsr(const graph::GraphSnapshot& snap) {
  KnowsCsr k;
  ZVERSE_ASSIGN_OR_RETURN(k.ids,
                          query::Traversal(snap).VLabel("Person").Ids());
  std::sort(k.ids.begin(), k.ids.end());
  ZVERSE_ASSIGN_OR_RETURN(graph::LabelId knows, snap.LabelIdOf("knows"));
  std::vector<std::pair<size_t, size_t>> arcs;
  absl::Status bad;
  for (size_t i = 0; i < k.ids.size(); ++i) {
    ZVERSE_RETURN_IF_ERROR(
        snap.OutEdges(k.ids[i], knows, [&](const graph::EdgeRef& e) {
          const size_t j = k.IndexOf(e.dst);
          if (j == k.ids.size() || k.ids[j] != e.dst) {
            bad = absl::InternalError("knows edge to a non-person");
            return false;
          }
          arcs.emplace_back(i, j);
          arcs.emplace_back(j, i);
          return true;
        }));
    ZVERSE_RETURN_IF_ERROR(bad);
  }
  std::sort(arcs.begin(), arcs.end());
  arcs.erase(std::unique(arcs.begin(), arcs.end()), arcs.end());
  k.arcs = arcs.size();
  k.csr = std::make_unique<Csr>(boost::edges_are_sorted, arcs.begin(),
                                arcs.end(), k.ids.size());
  return k;
}

// --- Kernels on the BGL interface (the adaptor and the CSR alike) ---------

template <typename G>
struct EdgeCounter : public boost::default_bfs_visitor {
  uint64_t* edges;
  uint64_t* reached;
  template <typename E>
  void examine_edge(E, const G&) const { ++*edges; }
  template <typename V>
  void discover_vertex(V, const G&) const { ++*reached; }
};

struct KernelResult {
  uint64_t edges = 0;    // Arcs examined.
  std::string answer;    // What the kernel computed, for the fingerprint.
};

template <typename G>
KernelResult RunBfs(const G& g, size_t source) {
  uint64_t edges = 0, reached = 0;
  std::vector<boost::default_color_type> color(num_vertices(g));
  EdgeCounter<G> vis;
  vis.edges = &edges;
  vis.reached = &reached;
  boost::breadth_first_search(
      g, vertex(source, g),
      boost::visitor(vis).color_map(boost::make_iterator_property_map(
          color.begin(), get(boost::vertex_index, g))));
  return {edges, absl::StrCat("reached ", reached)};
}

// Connected components: breadth_first_visit from every vertex not yet
// reached.
template <typename G>
KernelResult RunWcc(const G& g) {
  uint64_t edges = 0, reached = 0, components = 0, largest = 0;
  std::vector<boost::default_color_type> color(num_vertices(g),
                                               boost::white_color);
  auto cmap = boost::make_iterator_property_map(color.begin(),
                                                get(boost::vertex_index, g));
  EdgeCounter<G> vis;
  vis.edges = &edges;
  vis.reached = &reached;
  for (size_t v = 0; v < num_vertices(g); ++v) {
    if (color[v] != boost::white_color) continue;
    const uint64_t before = reached;
    boost::breadth_first_visit(g, vertex(v, g), boost::visitor(vis).color_map(cmap));
    ++components;
    largest = std::max(largest, reached - before);
  }
  return {edges, absl::StrCat("components ", components, " largest ", largest)};
}

// PageRank (damping 0.85), push style: every iteration reads each vertex's
// out-edges once; degrees are counted in the first pass.
template <typename G>
KernelResult RunPageRank(const G& g, int iterations) {
  const size_t n = num_vertices(g);
  std::vector<double> rank(n, 1.0 / static_cast<double>(n)), next(n);
  std::vector<uint32_t> degree(n, 0);
  uint64_t edges = 0;
  for (size_t v = 0; v < n; ++v) {
    auto [b, e] = out_edges(vertex(v, g), g);
    for (; b != e; ++b) ++degree[v];
    edges += degree[v];
  }
  for (int it = 0; it < iterations; ++it) {
    double dangling = 0;
    std::fill(next.begin(), next.end(), 0.0);
    for (size_t v = 0; v < n; ++v) {
      if (degree[v] == 0) {
        dangling += rank[v];
        continue;
      }
      const double share = rank[v] / degree[v];
      auto [b, e] = out_edges(vertex(v, g), g);
      for (; b != e; ++b) {
        next[target(*b, g)] += share;
        ++edges;
      }
    }
    const double base = (0.15 + 0.85 * dangling) / static_cast<double>(n);
    for (size_t v = 0; v < n; ++v) rank[v] = base + 0.85 * next[v];
  }
  // The answer: the top vertex and the sum, rounded (summation order is
  // the same on every graph, so the ranks are too).
  const size_t top = std::max_element(rank.begin(), rank.end()) - rank.begin();
  return {edges, absl::StrFormat("top %d rank %.12f", top, rank[top])};
}

// --- LDBC parameters from the data ----------------------------------------

absl::StatusOr<std::vector<LdbcCase>> SampleLdbcCases(
    const graph::GraphSnapshot& snap, uint64_t seed) {
  using Q = query::ldbc::Query;
  std::mt19937_64 rng(seed);
  std::vector<std::vector<std::string>> persons, messages;
  ZVERSE_ASSIGN_OR_RETURN(std::vector<graph::VertexId> person_ids,
                          query::Traversal(snap).VLabel("Person").Ids());
  std::sort(person_ids.begin(), person_ids.end());
  if (person_ids.size() < 2) {
    return absl::FailedPreconditionError("the data has fewer than 2 persons");
  }
  auto person = [&] {
    return person_ids[std::uniform_int_distribution<size_t>(
        0, person_ids.size() - 1)(rng)];
  };
  for (int i = 0; i < 100; ++i) {
    persons.push_back({absl::StrCat(graph::LdbcOriginalId(person()))});
  }
  for (const char* label : {"Post", "Comment"}) {
    ZVERSE_ASSIGN_OR_RETURN(std::vector<graph::VertexId> ids,
                            query::Traversal(snap).VLabel(label).Ids());
    std::sort(ids.begin(), ids.end());
    std::shuffle(ids.begin(), ids.end(), rng);
    if (ids.size() > 100) ids.resize(100);
    for (graph::VertexId v : ids) {
      messages.push_back({absl::StrCat(graph::LdbcOriginalId(v))});
    }
  }
  if (messages.empty()) {
    return absl::FailedPreconditionError("the data has no messages");
  }
  // IC1: a person and the first name of a person two knows-hops away (so
  // that there is an answer); IC2/IC9: a date in the last tenth of the
  // history; IC13: two random persons.
  std::vector<std::vector<std::string>> ic1, ic2, ic9, ic13;
  const int64_t late = datasets::kSnbEndMillis -
                       (datasets::kSnbEndMillis - datasets::kSnbStartMillis) / 10;
  for (int i = 0; i < 50; ++i) {
    const graph::VertexId p = person();
    ZVERSE_ASSIGN_OR_RETURN(
        std::vector<graph::VertexId> fof,
        query::Traversal(snap).V(p).Both("knows").Both("knows").Dedup().Ids());
    graph::VertexId named = fof.empty() ? p : fof[rng() % fof.size()];
    ZVERSE_ASSIGN_OR_RETURN(graph::Properties props,
                            snap.VertexProperties(named));
    std::string first_name;
    for (const graph::NamedProperty& np : props) {
      if (np.name == "firstName") {
        if (const auto* s = std::get_if<std::string>(&np.value)) first_name = *s;
      }
    }
    const std::string pid = absl::StrCat(graph::LdbcOriginalId(p));
    if (!first_name.empty()) ic1.push_back({pid, first_name});
    const int64_t max_date =
        late + static_cast<int64_t>(rng() % (datasets::kSnbEndMillis - late));
    ic2.push_back({pid, absl::StrCat(max_date)});
    ic9.push_back({pid, absl::StrCat(max_date)});
    ic13.push_back({pid, absl::StrCat(graph::LdbcOriginalId(person()))});
  }
  if (ic1.empty()) return absl::FailedPreconditionError("no first names");
  return std::vector<LdbcCase>{
      {Q::kIs1, persons},  {Q::kIs2, persons},  {Q::kIs3, persons},
      {Q::kIs4, messages}, {Q::kIs5, messages}, {Q::kIs6, messages},
      {Q::kIs7, messages}, {Q::kIc1, ic1},      {Q::kIc2, ic2},
      {Q::kIc9, ic9},      {Q::kIc13, ic13}};
}

// --- One backend's run (in the child) --------------------------------------

struct Data {
  std::string dir;
  uint64_t persons = 0;
  uint64_t knows = 0;
};

void RecordMemory(Run* run, const std::string& when) {
  const ProcMemory m = ReadProcMemory();
  run->values["rss_" + when] = static_cast<double>(m.vm_rss);
  run->values["rss_anon_" + when] = static_cast<double>(m.rss_anon);
  run->values["rss_file_" + when] = static_cast<double>(m.rss_file);
  run->values["rss_peak"] = static_cast<double>(m.vm_hwm);
}

PeerOptions PeerSettings(const Config& c) {
  PeerOptions peer;
  peer.rocksdb_cache_bytes = static_cast<size_t>(c.rocksdb_cache_mb) << 20;
  return peer;
}

// "zverse-keymajor" is ZVerse with kv::Options::physical_order kKeyMajor
// (the A/B of the interleaved layout); the other names are OpenBackend's.
constexpr char kKeyMajor[] = "zverse-keymajor";

std::string EngineOf(const std::string& backend) {
  return backend == kKeyMajor ? "zverse" : backend;
}

kv::Options ZVerseSettings(const std::string& backend) {
  kv::Options zopt;
  if (backend == kKeyMajor) {
    zopt.physical_order = kv::Options::PhysicalOrder::kKeyMajor;
  }
  // Bulk loading: no sync per commit (every engine syncs once at the end,
  // as the peers do); no background compaction during the timed reads (the
  // load settles with an explicit Compact).
  zopt.sync_mode = kv::SyncMode::kNever;
  zopt.background_compaction = false;
  return zopt;
}

absl::Status RunBackend(const Config& c, const Data& data,
                        const std::string& backend, const std::string& db_dir,
                        Run* run) {
  ZVERSE_ASSIGN_OR_RETURN(
      std::unique_ptr<graph::KvBackend> kvb,
      OpenBackend(EngineOf(backend), db_dir, PeerSettings(c),
                  ZVerseSettings(backend)));
  ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<graph::GraphDb> db,
                          graph::GraphDb::Open(std::move(kvb)));

  // Load, settle, sync.
  graph::LoadOptions lo;
  lo.max_batch_ops = c.batch_ops;
  Stopwatch load_watch;
  ZVERSE_ASSIGN_OR_RETURN(graph::LoadStats ls,
                          graph::LoadLdbcSnb(db.get(), data.dir, lo));
  const double load_s = load_watch.Seconds();
  Stopwatch settle_watch;
  ZVERSE_RETURN_IF_ERROR(db->backend().Compact());
  ZVERSE_RETURN_IF_ERROR(db->backend().Sync());
  const double settle_s = settle_watch.Seconds();
  run->values["load_s"] = load_s;
  run->values["settle_s"] = settle_s;
  run->values["vertices"] = static_cast<double>(ls.vertices);
  run->values["edges"] = static_cast<double>(ls.edges);
  run->values["disk_bytes"] = static_cast<double>(DirectoryDiskBytes(db_dir));
  RecordMemory(run, "loaded");
  std::fprintf(stderr, "  %s: loaded %" PRIu64 " vertices, %" PRIu64
               " edges in %.1f s (+%.1f s settling), %s on disk\n",
               backend.c_str(), ls.vertices, ls.edges, load_s, settle_s,
               FormatBytes(DirectoryDiskBytes(db_dir)).c_str());

  ZVERSE_ASSIGN_OR_RETURN(graph::GraphSnapshot latest, db->GetSnapshot());
  // The middle of the knows history: creation dates (ms) of the knows
  // edges, versions in microseconds.
  ZVERSE_ASSIGN_OR_RETURN(KnowsCsr knows, BuildKnowsCsr(latest));
  std::vector<graph::Timestamp> knows_ts;
  {
    ZVERSE_ASSIGN_OR_RETURN(graph::LabelId kl, latest.LabelIdOf("knows"));
    for (graph::VertexId p : knows.ids) {
      ZVERSE_RETURN_IF_ERROR(latest.OutEdges(p, kl, [&](const graph::EdgeRef& e) {
        knows_ts.push_back(e.ts);
        return true;
      }));
    }
  }
  if (knows_ts.empty()) return absl::FailedPreconditionError("no knows edges");
  std::nth_element(knows_ts.begin(), knows_ts.begin() + knows_ts.size() / 2,
                   knows_ts.end());
  const graph::Timestamp mid = knows_ts[knows_ts.size() / 2];
  run->values["mid_ts"] = static_cast<double>(mid);
  ZVERSE_ASSIGN_OR_RETURN(graph::GraphSnapshot mid_snap, db->GetSnapshot(mid));
  ZVERSE_ASSIGN_OR_RETURN(KnowsCsr knows_mid, BuildKnowsCsr(mid_snap));
  run->values["knows_arcs"] = static_cast<double>(knows.arcs);
  run->values["knows_arcs_mid"] = static_cast<double>(knows_mid.arcs);

  // Start persons (the same on every backend: ids ascending, seeded).
  std::mt19937_64 rng(c.seed * 7919 + 1);
  std::vector<graph::VertexId> starts(std::max(c.calls, c.calls3));
  for (auto& s : starts) s = knows.ids[rng() % knows.ids.size()];
  std::vector<graph::VertexId> starts_mid(c.calls);
  for (auto& s : starts_mid) s = knows_mid.ids[rng() % knows_mid.ids.size()];

  query::TraversalOptions topt;
  topt.prefetch = true;  // Hints; a no-op on the peers.
  auto khop = [&](int k, const std::vector<graph::VertexId>& from,
                  const KnowsCsr& oracle) -> Call {
    return [&, k](const graph::GraphSnapshot& snap, uint64_t i,
                  Fingerprint* fp) -> absl::Status {
      ZVERSE_ASSIGN_OR_RETURN(size_t n, query::Traversal(snap, topt)
                                            .V(from[i])
                                            .Repeat(query::Direction::kOut,
                                                    "knows", 1, k)
                                            .Count());
      if (fp != nullptr) {
        std::vector<int> d(oracle.ids.size(), -1);
        std::vector<uint64_t> touched;
        const uint64_t want =
            CsrKHop(*oracle.csr, oracle.IndexOf(from[i]), k, &d, &touched);
        if (n != want) {
          return absl::InternalError(absl::StrCat(
              "WRONG: ", backend, " ", k, "-hop count from ", from[i], " is ",
              n, ", the CSR says ", want));
        }
        fp->Add(n);
      }
      return absl::OkStatus();
    };
  };
  struct Hop {
    std::string name;
    int k;
    uint64_t calls;
    bool mid;
  };
  const std::vector<Hop> hops = {{"khop1", 1, c.calls, false},
                                 {"khop2", 2, c.calls, false},
                                 {"khop3", 3, c.calls3, false},
                                 {"khop2_mid", 2, c.calls, true}};
  for (const Hop& h : hops) {
    Fingerprint fp;
    const KnowsCsr& oracle = h.mid ? knows_mid : knows;
    const std::vector<graph::VertexId>& from = h.mid ? starts_mid : starts;
    ZVERSE_ASSIGN_OR_RETURN(
        Timing t, MeasureAt(db.get(), h.mid ? mid : graph::kLatest, h.calls,
                            khop(h.k, from, oracle), &fp));
    run->timings[h.name] = t;
    run->fingerprints[h.name] = fp.Hex();
    std::fprintf(stderr, "  %s: %s median %.1f us p99 %.1f us\n",
                 backend.c_str(), h.name.c_str(), t.median_us, t.p99_us);
    if (backend == "zverse") {
      // The floor: the same counts on the in-memory CSR.
      std::vector<double> seconds;
      std::vector<uint64_t> idx(h.calls);
      for (uint64_t i = 0; i < h.calls; ++i) idx[i] = oracle.IndexOf(from[i]);
      CsrKHopCounts(*oracle.csr, idx, h.k, nullptr);  // Warm.
      CsrKHopCounts(*oracle.csr, idx, h.k, &seconds);
      run->timings["csr_" + h.name] = Summarize(std::move(seconds));
    }
  }

  // LDBC reads.
  ZVERSE_ASSIGN_OR_RETURN(std::vector<LdbcCase> cases,
                          SampleLdbcCases(latest, c.seed));
  for (const LdbcCase& lc : cases) {
    const std::string name(query::ldbc::QueryName(lc.q));
    const bool complex = name[1] == 'c';
    const uint64_t n = std::max<uint64_t>(
        1, complex ? c.ldbc_calls / 4 : c.ldbc_calls);
    Fingerprint fp;
    Call call = [&](const graph::GraphSnapshot& snap, uint64_t i,
                    Fingerprint* f) -> absl::Status {
      ZVERSE_ASSIGN_OR_RETURN(
          query::ldbc::Rows rows,
          query::ldbc::Run(snap, lc.q, lc.params[i % lc.params.size()], topt));
      if (f != nullptr) {
        f->Add(rows.size());
        for (const auto& row : rows) {
          for (const std::string& cell : row) f->Add(cell);
        }
      }
      return absl::OkStatus();
    };
    ZVERSE_ASSIGN_OR_RETURN(Timing t,
                            MeasureAt(db.get(), graph::kLatest, n, call, &fp));
    run->timings[name] = t;
    run->fingerprints[name] = fp.Hex();
  }
  std::fprintf(stderr, "  %s: LDBC reads done\n", backend.c_str());

  // Kernels through the adaptor.
  ZVERSE_ASSIGN_OR_RETURN(
      graph::SnapshotGraph sg,
      graph::SnapshotGraph::Make(latest, {.vertex_label = "Person",
                                          .edge_label = "knows"}));
  // knows is stored both ways (graph::LoadLdbcSnb), so the directed view is
  // the undirected graph already (the undirected view would list every
  // pair twice).
  const graph::SnapshotGraph& ug = sg;
  const size_t source = knows.IndexOf(starts[0]);
  struct Kernel {
    std::string name;
    std::function<KernelResult()> adaptor;
    std::function<KernelResult()> csr;
  };
  const std::vector<Kernel> kernels = {
      {"bfs", [&] { return RunBfs(ug, source); },
       [&] { return RunBfs(*knows.csr, source); }},
      {"pr", [&] { return RunPageRank(ug, c.pr_iterations); },
       [&] { return RunPageRank(*knows.csr, c.pr_iterations); }},
      {"wcc", [&] { return RunWcc(ug); }, [&] { return RunWcc(*knows.csr); }},
  };
  for (const Kernel& k : kernels) {
    std::vector<double> seconds;
    KernelResult result;
    for (int rep = 0; rep < 3; ++rep) {
      Stopwatch w;
      result = k.adaptor();
      seconds.push_back(w.Seconds());
      ZVERSE_RETURN_IF_ERROR(ug.status());
    }
    const Timing t = Summarize(seconds);
    run->timings[k.name] = t;
    run->values[k.name + "_edges"] = static_cast<double>(result.edges);
    run->values[k.name + "_edges_per_s"] =
        static_cast<double>(result.edges) / (t.median_us * 1e-6);
    Fingerprint fp;
    fp.Add(result.answer);
    fp.Add(result.edges);
    run->fingerprints[k.name] = fp.Hex();
    std::fprintf(stderr, "  %s: %s %.3f s (%s), %s edges/s\n", backend.c_str(),
                 k.name.c_str(), t.median_us * 1e-6, result.answer.c_str(),
                 FormatRate(run->values[k.name + "_edges_per_s"]).c_str());
    if (backend == "zverse") {
      std::vector<double> cs;
      KernelResult cr;
      for (int rep = 0; rep < 3; ++rep) {
        Stopwatch w;
        cr = k.csr();
        cs.push_back(w.Seconds());
      }
      if (cr.answer != result.answer || cr.edges != result.edges) {
        return absl::InternalError(absl::StrCat(
            "WRONG: ", k.name, " through the adaptor: ", result.answer, " (",
            result.edges, " edges); on the CSR: ", cr.answer, " (", cr.edges,
            " edges)"));
      }
      const Timing ct = Summarize(cs);
      run->timings["csr_" + k.name] = ct;
      run->values["csr_" + k.name + "_edges_per_s"] =
          static_cast<double>(cr.edges) / (ct.median_us * 1e-6);
    }
  }
  RecordMemory(run, "end");
  return db->Close();
}

// Forks a child that runs one backend and returns what it reported.
Run RunInChild(const Config& c, const Data& data, const std::string& backend,
               const std::string& scratch) {
  const std::string db_dir = absl::StrCat(scratch, "/db-", backend, "-",
                                          data.persons);
  const std::string report = db_dir + ".report";
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    Run run;
    run.backend = backend;
    absl::Status s = RunBackend(c, data, backend, db_dir, &run);
    if (!s.ok()) run.error = s.ToString();
    std::ofstream(report) << Serialize(run);
    std::fflush(nullptr);
    _exit(s.ok() ? 0 : 1);
  }
  Run run;
  run.backend = backend;
  if (pid < 0) {
    run.error = "fork failed";
    return run;
  }
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  std::ifstream in(report);
  std::stringstream text;
  text << in.rdbuf();
  run = Deserialize(backend, text.str());
  if (run.error.empty() && !(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)) {
    run.error = absl::StrCat("the child exited abnormally (status ", wstatus,
                             ")");
  }
  if (!c.keep) RemoveTree(db_dir).IgnoreError();
  std::remove(report.c_str());
  return run;
}

// --- Reports --------------------------------------------------------------

struct Scale {
  Data data;
  std::vector<Run> runs;
};

const std::vector<std::string>& WorkloadOrder() {
  static const auto* order = new std::vector<std::string>{
      "khop1", "khop2", "khop3", "khop2_mid", "is1", "is2", "is3", "is4",
      "is5",   "is6",   "is7",   "ic1",       "ic2", "ic9", "ic13", "bfs",
      "pr",    "wcc"};
  return *order;
}

std::string FormatUs(double us) {
  if (us >= 1e6) return absl::StrFormat("%.2f s", us * 1e-6);
  if (us >= 1e3) return absl::StrFormat("%.2f ms", us * 1e-3);
  return absl::StrFormat("%.1f µs", us);
}

std::string Markdown(const Config& c, const std::vector<Scale>& scales,
                     const std::string& machine) {
  std::string md = absl::StrCat("Machine: ", machine, "\n\n");
  for (const Scale& s : scales) {
    absl::StrAppend(&md, "### ", s.data.persons, " persons, ", s.data.knows,
                    " knows pairs\n\n");
    const Run* z = nullptr;
    for (const Run& r : s.runs) {
      if (r.backend == "zverse") z = &r;
    }
    // Header.
    absl::StrAppend(&md, "| workload |");
    for (const Run& r : s.runs) absl::StrAppend(&md, " ", r.backend, " median (p99) |");
    if (z != nullptr) absl::StrAppend(&md, " CSR median |");
    for (const Run& r : s.runs) {
      if (&r != z && z != nullptr) absl::StrAppend(&md, " ", r.backend, " / zverse |");
    }
    if (z != nullptr) absl::StrAppend(&md, " zverse / CSR |");
    absl::StrAppend(&md, "\n|---|");
    const size_t cols = s.runs.size() + (z ? s.runs.size() + 1 : 0);
    for (size_t i = 0; i < cols; ++i) absl::StrAppend(&md, "---:|");
    absl::StrAppend(&md, "\n");
    for (const std::string& w : WorkloadOrder()) {
      absl::StrAppend(&md, "| ", w, " |");
      for (const Run& r : s.runs) {
        auto it = r.timings.find(w);
        absl::StrAppend(&md, " ",
                        it == r.timings.end()
                            ? std::string("—")
                            : absl::StrCat(FormatUs(it->second.median_us), " (",
                                           FormatUs(it->second.p99_us), ")"),
                        " |");
      }
      const Timing* zt = nullptr;
      const Timing* ct = nullptr;
      if (z != nullptr) {
        auto it = z->timings.find(w);
        if (it != z->timings.end()) zt = &it->second;
        auto jt = z->timings.find("csr_" + w);
        if (jt != z->timings.end()) ct = &jt->second;
        absl::StrAppend(&md, " ", ct ? FormatUs(ct->median_us) : "—", " |");
      }
      for (const Run& r : s.runs) {
        if (&r == z || z == nullptr) continue;
        auto it = r.timings.find(w);
        absl::StrAppend(&md, " ",
                        (zt && it != r.timings.end() && zt->median_us > 0)
                            ? absl::StrFormat("%.2f×", it->second.median_us /
                                                           zt->median_us)
                            : "—",
                        " |");
      }
      if (z != nullptr) {
        absl::StrAppend(&md, " ",
                        (zt && ct && ct->median_us > 0)
                            ? absl::StrFormat("%.2f×", zt->median_us /
                                                           ct->median_us)
                            : "—",
                        " |");
      }
      absl::StrAppend(&md, "\n");
    }
    // Per-run facts.
    absl::StrAppend(&md, "\n| run | load | settle | on disk | peak RSS | RSS at end (anon + file) | BFS edges/s | PR edges/s | WCC edges/s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    auto v = [](const Run& r, const std::string& k) {
      auto it = r.values.find(k);
      return it == r.values.end() ? 0.0 : it->second;
    };
    for (const Run& r : s.runs) {
      if (!r.error.empty()) {
        absl::StrAppend(&md, "| ", r.backend, " | failed: ", r.error,
                        " |||||||\n");
        continue;
      }
      absl::StrAppend(
          &md, "| ", r.backend, " | ", absl::StrFormat("%.1f s", v(r, "load_s")),
          " | ", absl::StrFormat("%.1f s", v(r, "settle_s")), " | ",
          FormatBytes(static_cast<uint64_t>(v(r, "disk_bytes"))), " | ",
          FormatBytes(static_cast<uint64_t>(v(r, "rss_peak"))), " | ",
          FormatBytes(static_cast<uint64_t>(v(r, "rss_end"))), " (",
          FormatBytes(static_cast<uint64_t>(v(r, "rss_anon_end"))), " + ",
          FormatBytes(static_cast<uint64_t>(v(r, "rss_file_end"))), ") | ",
          FormatRate(v(r, "bfs_edges_per_s")), " | ",
          FormatRate(v(r, "pr_edges_per_s")), " | ",
          FormatRate(v(r, "wcc_edges_per_s")), " |\n");
      if (r.backend == "zverse") {
        absl::StrAppend(&md, "| CSR (in memory) | | | | | | ",
                        FormatRate(v(r, "csr_bfs_edges_per_s")), " | ",
                        FormatRate(v(r, "csr_pr_edges_per_s")), " | ",
                        FormatRate(v(r, "csr_wcc_edges_per_s")), " |\n");
      }
    }
    absl::StrAppend(&md, "\n");
  }
  absl::StrAppend(&md, "Settings: calls ", c.calls, " (3-hop ", c.calls3,
                  ", IS ", c.ldbc_calls, ", IC ", std::max<uint64_t>(1, c.ldbc_calls / 4),
                  "), load batches of ", c.batch_ops, " operations, PageRank ",
                  c.pr_iterations, " iterations, seed ", c.seed, ".\n");
  for (const std::string& b : c.backends) {
    absl::StrAppend(&md, "- ", b, ": ",
                    BackendSettings(EngineOf(b), PeerSettings(c), ZVerseSettings(b)),
                    "\n");
  }
  return md;
}

std::string Json(const Config& c, const std::vector<Scale>& scales,
                 const std::string& machine) {
  std::string j = absl::StrCat("{\n  \"machine\": \"", JsonEscape(machine),
                               "\",\n  \"seed\": ", c.seed,
                               ",\n  \"scales\": [");
  for (size_t si = 0; si < scales.size(); ++si) {
    const Scale& s = scales[si];
    absl::StrAppend(&j, si ? "," : "", "\n    {\"persons\": ", s.data.persons,
                    ", \"knows\": ", s.data.knows, ", \"runs\": {");
    for (size_t ri = 0; ri < s.runs.size(); ++ri) {
      const Run& r = s.runs[ri];
      absl::StrAppend(&j, ri ? "," : "", "\n      \"", r.backend, "\": {",
                      "\"error\": \"", JsonEscape(r.error), "\", \"timings\": {");
      bool first = true;
      for (const auto& [name, t] : r.timings) {
        absl::StrAppend(&j, first ? "" : ", ", "\"", name, "\": ",
                        TimingJson(t));
        first = false;
      }
      absl::StrAppend(&j, "}, \"values\": {");
      first = true;
      for (const auto& [name, v] : r.values) {
        absl::StrAppend(&j, first ? "" : ", ", "\"", name, "\": ",
                        JsonNumber(v));
        first = false;
      }
      absl::StrAppend(&j, "}, \"fingerprints\": {");
      first = true;
      for (const auto& [name, f] : r.fingerprints) {
        absl::StrAppend(&j, first ? "" : ", ", "\"", name, "\": \"", f, "\"");
        first = false;
      }
      absl::StrAppend(&j, "}}");
    }
    absl::StrAppend(&j, "}}");
  }
  absl::StrAppend(&j, "\n  ]\n}\n");
  return j;
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "graph_compare: %s\n", s.ToString().c_str());
  return 1;
}

int Main(int argc, char** argv) {
  Config c;
  FlagParser flags(argc, argv);
  while (flags.Next()) {
    const std::string& f = flags.flag();
    if (f == "--help" || f == "-h") {
      std::fputs(kHelp, stdout);
      return 0;
    }
    if (f == "--keep") {
      c.keep = true;
      continue;
    }
    absl::StatusOr<std::string> value = flags.Value();
    if (!value.ok()) return Fail(value.status());
    auto count = [&](uint64_t* out) -> absl::Status {
      ZVERSE_ASSIGN_OR_RETURN(*out, ParseCount(*value));
      return absl::OkStatus();
    };
    absl::Status s;
    if (f == "--persons") {
      absl::StatusOr<std::vector<uint64_t>> list = ParseCountList(*value);
      if (!list.ok()) return Fail(list.status());
      c.persons = *list;
    } else if (f == "--data") {
      c.data = *value;
    } else if (f == "--backends") {
      c.backends = absl::StrSplit(*value, ',', absl::SkipEmpty());
      for (const std::string& b : c.backends) {
        auto names = BackendNames();
        names.insert(names.begin() + 1, kKeyMajor);
        if (std::find(names.begin(), names.end(), b) == names.end()) {
          return Fail(absl::InvalidArgumentError(absl::StrCat(
              "unknown backend '", b, "' (known: ", absl::StrJoin(names, ","),
              ")")));
        }
      }
    } else if (f == "--calls") {
      s = count(&c.calls);
    } else if (f == "--calls3") {
      s = count(&c.calls3);
    } else if (f == "--ldbc_calls") {
      s = count(&c.ldbc_calls);
    } else if (f == "--batch_ops") {
      s = count(&c.batch_ops);
    } else if (f == "--pr_iterations") {
      uint64_t n = 0;
      s = count(&n);
      c.pr_iterations = static_cast<int>(n);
    } else if (f == "--rocksdb_cache_mb") {
      s = count(&c.rocksdb_cache_mb);
    } else if (f == "--seed") {
      s = count(&c.seed);
    } else if (f == "--dir") {
      c.dir = *value;
    } else if (f == "--json") {
      c.json = *value;
    } else if (f == "--markdown") {
      c.markdown = *value;
    } else {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("unknown flag ", f, " (see --help)")));
    }
    if (!s.ok()) return Fail(s);
  }
  if (c.calls == 0 || c.calls3 == 0 || c.ldbc_calls == 0) {
    return Fail(absl::InvalidArgumentError("call counts must be positive"));
  }

  bool owned = false;
  absl::StatusOr<std::string> scratch = ScratchBase(c.dir, "zverse-graph-compare-", &owned);
  if (!scratch.ok()) return Fail(scratch.status());
  const std::string machine = MachineDescription();
  std::fprintf(stderr, "graph_compare: %s; scratch %s\n", machine.c_str(),
               scratch->c_str());

  std::vector<Data> datas;
  if (!c.data.empty()) {
    datas.push_back({c.data, 0, 0});
  } else {
    for (uint64_t p : c.persons) {
      datasets::SnbGenOptions g;
      g.persons = p;
      g.seed = c.seed;
      g.force = true;
      const std::string out = absl::StrCat(*scratch, "/snb-", p);
      absl::StatusOr<datasets::SnbGenStats> st = datasets::GenerateSnb(out, g);
      if (!st.ok()) return Fail(st.status());
      std::fprintf(stderr, "generated %" PRIu64 " persons, %" PRIu64
                   " knows, %s in %.1f s\n", st->persons, st->knows,
                   FormatBytes(st->bytes).c_str(), st->seconds);
      datas.push_back({out, st->persons, st->knows});
    }
  }

  std::vector<Scale> scales;
  bool wrong = false;
  for (const Data& d : datas) {
    Scale s{d, {}};
    for (const std::string& b : c.backends) {
      std::fprintf(stderr, "%" PRIu64 " persons on %s\n", d.persons, b.c_str());
      s.runs.push_back(RunInChild(c, d, b, *scratch));
      if (!s.runs.back().error.empty()) {
        std::fprintf(stderr, "graph_compare: %s failed: %s\n", b.c_str(),
                     s.runs.back().error.c_str());
        wrong = true;
      }
    }
    // Every backend must have answered the same.
    for (const Run& r : s.runs) {
      for (const auto& [name, f] : r.fingerprints) {
        for (const Run& o : s.runs) {
          auto it = o.fingerprints.find(name);
          if (it != o.fingerprints.end() && it->second != f) {
            std::fprintf(stderr,
                         "graph_compare: WRONG: %s answered %s differently "
                         "on %s and %s\n",
                         name.c_str(), d.dir.c_str(), r.backend.c_str(),
                         o.backend.c_str());
            wrong = true;
          }
        }
      }
    }
    scales.push_back(std::move(s));
    if (!c.keep) RemoveTree(d.dir).IgnoreError();
  }
  const std::string md = Markdown(c, scales, machine);
  std::fputs(md.c_str(), stdout);
  int rc = WriteReports("graph_compare", c.json, Json(c, scales, machine),
                        c.markdown, md);
  if (owned && !c.keep) RemoveTree(*scratch).IgnoreError();
  return wrong ? 1 : rc;
}

}  // namespace
}  // namespace zverse::bench

int main(int argc, char** argv) { return zverse::bench::Main(argc, argv); }
