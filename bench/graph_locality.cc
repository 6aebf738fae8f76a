// Physical locality of a neighbour scan: how many 4 KiB data pages, how many
// separate runs and how many bytes of the segment one vertex's out-edge scan
// touches, against the ideal of one contiguous run.
//
// A temporal graph is generated (power-law out-degrees, edges created at
// random times over two years, a fifth of them removed later) and written
// twice, with the same versions and timestamps:
//   * through GraphDb: the graph layout of graph/FORMAT.md (hashed 3-byte
//     bucket first);
//   * as raw KV keys in the naive layout 'O' src label dst (big-endian id
//     first), which the interleaving turns time-major.
// Both are compacted into one segment; then the out-edges of sampled vertices
// are scanned as of the latest time and as of mid-history. The scan hands
// out views into the segment's mapping, so the addresses of the entries
// returned are their physical positions.
//
//   graph_locality [--vertices N] [--edges M] [--samples S] [--seed X]
//                  [--json FILE]

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/bench_util.h"
#include "graph/graph_db.h"
#include "graph/keys.h"
#include "kv/db.h"

namespace zverse {
namespace {

using bench::FlagParser;
using bench::Stopwatch;

constexpr uint64_t kPage = 4096;
constexpr kv::Timestamp kStart = 1600000000000000;  // 2020-09-13.
constexpr kv::Timestamp kSpan = 2ull * 365 * 86400 * 1000000;

struct GenEdge {
  uint64_t src, dst;
  kv::Timestamp added;
  kv::Timestamp removed;  // 0: never.
};

struct Sample {
  double entries = 0;
  double pages = 0;        // Distinct 4 KiB pages holding returned entries.
  double ideal_pages = 0;  // ceil(bytes / 4096): one contiguous run.
  double runs = 0;         // Maximal physically adjacent groups of entries.
  double span = 0;         // Bytes from the first entry to the end of the last.
  double bytes = 0;        // Bytes of the entries themselves.
  int scans = 0;
};

size_t EntryBytes(std::string_view key, std::string_view value) {
  auto align8 = [](size_t n) { return (n + 7) & ~size_t{7}; };
  return 32 + align8(key.size()) + align8(value.size());
}

void Account(std::vector<std::pair<uintptr_t, size_t>> entries, Sample* s) {
  if (entries.empty()) return;
  std::sort(entries.begin(), entries.end());
  size_t bytes = 0;
  std::vector<uintptr_t> pages;
  int runs = 1;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto [start, size] = entries[i];
    bytes += size;
    for (uintptr_t p = start / kPage; p <= (start + size - 1) / kPage; ++p) {
      pages.push_back(p);
    }
    if (i > 0 && entries[i - 1].first + entries[i - 1].second != start) ++runs;
  }
  std::sort(pages.begin(), pages.end());
  pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
  s->entries += entries.size();
  s->pages += pages.size();
  s->ideal_pages += (bytes + kPage - 1) / kPage;
  s->runs += runs;
  s->span += entries.back().first + entries.back().second - entries[0].first;
  s->bytes += bytes;
  s->scans += 1;
}

std::string NaiveKey(uint64_t src, uint64_t dst) {
  std::string k(1, 'O');
  char b[8];
  bench::StoreBigEndian64(src, b);
  k.append(b, 8);
  k.append(4, '\0');
  k.back() = 1;
  bench::StoreBigEndian64(dst, b);
  k.append(b, 8);
  return k;
}

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
  return 1;
}

int Run(int argc, char** argv) {
  uint64_t vertices = 100000, edges = 1000000, samples = 5000, seed = 42;
  std::string json_path;
  FlagParser flags(argc, argv);
  while (flags.Next()) {
    auto value = flags.Value();
    if (!value.ok()) return Fail(value.status());
    uint64_t* target = flags.flag() == "--vertices"  ? &vertices
                       : flags.flag() == "--edges"   ? &edges
                       : flags.flag() == "--samples" ? &samples
                       : flags.flag() == "--seed"    ? &seed
                                                     : nullptr;
    if (flags.flag() == "--json") {
      json_path = *value;
    } else if (target != nullptr) {
      *target = std::stoull(*value);
    } else {
      std::fprintf(stderr,
                   "usage: graph_locality [--vertices N] [--edges M] "
                   "[--samples S] [--seed X] [--json FILE]\n");
      return 2;
    }
  }

  // Power-law-ish out-degrees: sources drawn from a Zipf-like law over a
  // shuffled id space (ids are sparse 40-bit numbers, as LDBC's are).
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> ids(vertices);
  for (uint64_t i = 0; i < vertices; ++i) {
    ids[i] = (bench::Mix64(i + seed) >> 24) | 1;
  }
  std::vector<GenEdge> gen;
  gen.reserve(edges);
  std::uniform_real_distribution<double> unit(0, 1);
  for (uint64_t i = 0; i < edges; ++i) {
    const uint64_t s = static_cast<uint64_t>(
        std::pow(unit(rng), 2.0) * static_cast<double>(vertices));
    GenEdge e{ids[std::min(s, vertices - 1)], ids[rng() % vertices],
              kStart + 1 + rng() % kSpan, 0};
    if (rng() % 5 == 0) e.removed = e.added + 1 + rng() % (kStart + kSpan - e.added);
    gen.push_back(e);
  }
  // Distinct (src, dst).
  std::sort(gen.begin(), gen.end(), [](const GenEdge& a, const GenEdge& b) {
    return std::tie(a.src, a.dst) < std::tie(b.src, b.dst);
  });
  gen.erase(std::unique(gen.begin(), gen.end(),
                        [](const GenEdge& a, const GenEdge& b) {
                          return a.src == b.src && a.dst == b.dst;
                        }),
            gen.end());
  // Writes in time order.
  struct Write {
    kv::Timestamp ts;
    size_t edge;
    bool remove;
  };
  std::vector<Write> writes;
  for (size_t i = 0; i < gen.size(); ++i) {
    writes.push_back({gen[i].added, i, false});
    if (gen[i].removed != 0) writes.push_back({gen[i].removed, i, true});
  }
  std::sort(writes.begin(), writes.end(),
            [](const Write& a, const Write& b) { return a.ts < b.ts; });

  const std::string root =
      (std::filesystem::temp_directory_path() /
       absl::StrCat("zverse_locality_", getpid()))
          .string();
  std::filesystem::remove_all(root);
  Stopwatch load_clock;
  // The graph layout.
  graph::GraphOptions options;
  options.kv.sync_mode = kv::SyncMode::kNever;
  auto gdb = graph::GraphDb::Open(root + "/graph", options);
  if (!gdb.ok()) return Fail(gdb.status());
  {
    graph::GraphBatch batch;
    for (uint64_t v : ids) batch.PutVertex(v, "vertex", {}, kStart);
    if (auto t = (*gdb)->Apply(batch); !t.ok()) return Fail(t.status());
    batch.Clear();
    graph::ApplyOptions apply;
    apply.check_endpoints = false;
    for (size_t i = 0; i < writes.size(); ++i) {
      const GenEdge& e = gen[writes[i].edge];
      if (writes[i].remove) {
        batch.RemoveEdge(e.src, "edge", e.dst, writes[i].ts);
      } else {
        batch.PutEdge(e.src, "edge", e.dst, {}, writes[i].ts);
      }
      if (batch.size() == 200000 || i + 1 == writes.size()) {
        if (auto t = (*gdb)->Apply(batch, apply); !t.ok()) {
          return Fail(t.status());
        }
        batch.Clear();
      }
    }
    if (auto s = (*gdb)->kv()->Compact(); !s.ok()) return Fail(s);
  }
  // The naive layout, same versions.
  kv::Options kv_options;
  kv_options.sync_mode = kv::SyncMode::kNever;
  auto naive = kv::DB::Open(root + "/naive", kv_options);
  if (!naive.ok()) return Fail(naive.status());
  {
    kv::WriteBatch batch;
    for (size_t i = 0; i < writes.size(); ++i) {
      const GenEdge& e = gen[writes[i].edge];
      if (writes[i].remove) {
        batch.DeleteAt(NaiveKey(e.src, e.dst), writes[i].ts);
      } else {
        batch.PutAt(NaiveKey(e.src, e.dst), "", writes[i].ts);
      }
      if (batch.Count() == 200000 || i + 1 == writes.size()) {
        if (auto t = (*naive)->Write(batch); !t.ok()) return Fail(t.status());
        batch.Clear();
      }
    }
    if (auto s = (*naive)->Compact(); !s.ok()) return Fail(s);
  }
  const double load_s = load_clock.Seconds();

  // Sample vertices with at least 2 out-edges ever (a scan of one entry is
  // trivially one run).
  std::vector<uint64_t> sources;
  for (size_t i = 0; i < gen.size();) {
    size_t j = i;
    while (j < gen.size() && gen[j].src == gen[i].src) ++j;
    if (j - i >= 2) sources.push_back(gen[i].src);
    i = j;
  }
  std::shuffle(sources.begin(), sources.end(), rng);
  if (sources.size() > samples) sources.resize(samples);

  struct Row {
    std::string layout, as_of;
    Sample s;
  };
  std::vector<Row> rows;
  for (const char* when : {"latest", "mid-history"}) {
    const kv::Timestamp t =
        std::string(when) == "latest" ? kv::kLatest : kStart + kSpan / 2;
    auto gsnap = (*gdb)->GetSnapshot(t);
    auto nsnap = (*naive)->GetSnapshot(t);
    if (!gsnap.ok()) return Fail(gsnap.status());
    if (!nsnap.ok()) return Fail(nsnap.status());
    Row g{"graph (bucket first)", when, {}};
    Row n{"naive (id first)", when, {}};
    for (uint64_t v : sources) {
      std::vector<std::pair<uintptr_t, size_t>> entries;
      auto st = gsnap->kv().Scan(
          graph::OutEdgePrefix(v), graph::PrefixEnd(graph::OutEdgePrefix(v)),
          [&](const kv::Record& r) {
            entries.emplace_back(
                reinterpret_cast<uintptr_t>(r.key.data()) - 32,
                EntryBytes(r.key, r.value));
            return true;
          });
      if (!st.ok()) return Fail(st);
      const size_t found = entries.size();
      Account(std::move(entries), &g.s);
      entries.clear();
      const std::string prefix = NaiveKey(v, 0).substr(0, 9);
      st = nsnap->Scan(prefix, graph::PrefixEnd(prefix),
                       [&](const kv::Record& r) {
                         entries.emplace_back(
                             reinterpret_cast<uintptr_t>(r.key.data()) - 32,
                             EntryBytes(r.key, r.value));
                         return true;
                       });
      if (!st.ok()) return Fail(st);
      if (entries.size() != found) {
        return Fail(absl::InternalError(absl::StrCat(
            "layouts disagree on vertex ", v, ": ", found, " vs ",
            entries.size())));
      }
      Account(std::move(entries), &n.s);
    }
    rows.push_back(g);
    rows.push_back(n);
  }

  std::printf(
      "graph_locality: %" PRIu64 " vertices, %zu distinct edges, %zu "
      "versions over 2 years, %zu sampled sources; load+compact %.1f s\n\n",
      vertices, gen.size(), writes.size(), sources.size(), load_s);
  std::printf(
      "| layout | as of | edges/scan | pages/scan | ideal pages | runs/scan "
      "| span bytes | entry bytes |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
  std::string json = "[\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    const double k = r.s.scans > 0 ? r.s.scans : 1;
    std::printf("| %s | %s | %.2f | %.2f | %.2f | %.2f | %.0f | %.0f |\n",
                r.layout.c_str(), r.as_of.c_str(), r.s.entries / k,
                r.s.pages / k, r.s.ideal_pages / k, r.s.runs / k, r.s.span / k,
                r.s.bytes / k);
    absl::StrAppendFormat(
        &json,
        "  {\"layout\": \"%s\", \"as_of\": \"%s\", \"edges_per_scan\": %.3f, "
        "\"pages_per_scan\": %.3f, \"ideal_pages_per_scan\": %.3f, "
        "\"runs_per_scan\": %.3f, \"span_bytes\": %.1f, \"entry_bytes\": "
        "%.1f}%s\n",
        r.layout, r.as_of, r.s.entries / k, r.s.pages / k,
        r.s.ideal_pages / k, r.s.runs / k, r.s.span / k, r.s.bytes / k,
        i + 1 < rows.size() ? "," : "");
  }
  json += "]\n";
  if (!json_path.empty()) {
    FILE* f = std::fopen(json_path.c_str(), "w");
    if (f == nullptr) return Fail(absl::UnavailableError("cannot write json"));
    std::fputs(json.c_str(), f);
    std::fclose(f);
  }
  (*gdb).reset();
  (*naive).reset();
  std::filesystem::remove_all(root);
  return 0;
}

}  // namespace
}  // namespace zverse

int main(int argc, char** argv) { return zverse::Run(argc, argv); }
