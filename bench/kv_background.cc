// kv_background: what the background compaction costs at steady state.
//
// A database of --keys keys (16 bytes, 100-byte values) takes --rate updates
// a second (random keys, SyncMode::kNever, so that the disk's sync latency
// does not set the pace) for --seconds, with a small seal threshold
// (--seal_mb) so that segments keep accumulating and the background
// compaction keeps merging them (trigger --trigger segments, CPU budget
// --budget). One reader thread times point gets all along (every one is
// checked; percentiles over every 32nd, max over all). The run is
// repeated with the background compaction off, as the baseline.
//
// Reports, per run: the updates done, background compactions, the CPU time
// they used as a share of one core over the run (goal: under 5%), the whole
// process's CPU share, the segments at the end, and the reader's latency
// percentiles. Every value read is checked.
//
//   kv_background [--keys N] [--rate R] [--seconds S] [--seal_mb M]
//                 [--trigger T] [--budget B] [--dir DIR] [--json FILE]
//                 [--markdown FILE]

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/bench_util.h"
#include "kv/db.h"
#include "kv/status_macros.h"

namespace zverse::bench {
namespace {

using Clock = std::chrono::steady_clock;

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "kv_background: %s\n", std::string(s.message()).c_str());
  return 1;
}

double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Result {
  bool background = false;
  uint64_t updates = 0;
  uint64_t compactions = 0;
  double compaction_cpu_share = 0;  // Of one core, over the run.
  double process_cpu_share = 0;
  uint64_t segments_end = 0;
  uint64_t gets = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
  double seconds = 0;
};

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * v.size()));
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(i), v.end());
  return v[i];
}

absl::StatusOr<Result> RunOnce(const std::string& dir, bool background,
                               uint64_t keys, uint64_t rate, double seconds,
                               uint64_t seal_mb, uint32_t trigger,
                               double budget) {
  kv::Options o;
  o.sync_mode = kv::SyncMode::kNever;
  o.seal_threshold_bytes = seal_mb << 20;
  o.background_compaction = background;
  o.compaction_trigger_segments = trigger;
  o.compaction_cpu_budget = budget;
  ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<kv::DB> db,
                                kv::DB::Open(dir, o));
  {
    kv::WriteBatch b;
    char key[16], value[kValueSize];
    for (uint64_t i = 0; i < keys; ++i) {
      MakeKey(KeyPattern::kHashed, i, key);
      MakeValue(i, 0, value);
      b.Put({key, 16}, {value, kValueSize});
    }
    absl::StatusOr<kv::Timestamp> t = db->Ingest(std::move(b));
    if (!t.ok()) return t.status();
  }
  std::vector<uint32_t> version(keys, 0);  // Written by the writer only.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> updates{0};
  absl::Status writer_status;
  std::thread writer([&] {
    std::mt19937_64 rng(1);
    char key[16], value[kValueSize];
    const auto start = Clock::now();
    for (uint64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
      // Paced: update n is due at start + n / rate.
      const auto due = start + std::chrono::nanoseconds(
                                   static_cast<int64_t>(n * 1e9 / rate));
      std::this_thread::sleep_until(due);
      const uint64_t i = rng() % keys;
      MakeKey(KeyPattern::kHashed, i, key);
      MakeValue(i, version[i] + 1, value);
      absl::StatusOr<kv::Timestamp> t = db->Put({key, 16}, {value, kValueSize});
      if (!t.ok()) {
        writer_status = t.status();
        return;
      }
      ++version[i];
      updates.fetch_add(1, std::memory_order_relaxed);
    }
  });
  std::vector<double> lat;
  lat.reserve(1 << 22);
  uint64_t gets = 0;
  double max_us = 0;
  absl::Status reader_status;
  std::thread reader([&] {
    std::mt19937_64 rng(2);
    char key[16];
    // Every get is timed and checked; every 32nd is kept (a sample spread
    // over the whole run; `gets` counts them all).
    for (uint64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
      const uint64_t i = rng() % keys;
      MakeKey(KeyPattern::kHashed, i, key);
      const auto t0 = Clock::now();
      absl::StatusOr<kv::Snapshot> s = db->GetSnapshot();
      if (!s.ok()) {
        reader_status = s.status();
        return;
      }
      absl::StatusOr<std::string_view> v = s->Get({key, 16});
      const auto t1 = Clock::now();
      if (!v.ok() || !ValueHeaderMatches(*v, i, ValueVersion(*v))) {
        reader_status = v.ok() ? absl::DataLossError("wrong value")
                               : v.status();
        return;
      }
      const double us = std::chrono::duration<double, std::micro>(t1 - t0).count();
      max_us = std::max(max_us, us);
      ++gets;
      if (n % 32 == 0) lat.push_back(us);
    }
  });
  const kv::Stats before = db->GetStats();
  const double cpu0 = ProcessCpuSeconds();
  const auto w0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const kv::Stats after = db->GetStats();
  const double cpu1 = ProcessCpuSeconds();
  const double wall = std::chrono::duration<double>(Clock::now() - w0).count();
  stop.store(true);
  writer.join();
  reader.join();
  if (!writer_status.ok()) return writer_status;
  if (!reader_status.ok()) return reader_status;
  Result r;
  r.background = background;
  r.seconds = wall;
  r.updates = updates.load();
  r.compactions = after.background_compactions - before.background_compactions;
  r.compaction_cpu_share =
      static_cast<double>(after.compaction_cpu_micros -
                          before.compaction_cpu_micros) /
      1e6 / wall;
  r.process_cpu_share = (cpu1 - cpu0) / wall;
  r.segments_end = after.segments;
  r.gets = gets;
  r.p50_us = Percentile(lat, 0.50);
  r.p99_us = Percentile(lat, 0.99);
  r.p999_us = Percentile(lat, 0.999);
  r.max_us = max_us;
  if (absl::Status s = db->Close(); !s.ok()) return s;
  return r;
}

int Run(int argc, char** argv) {
  uint64_t keys = 500'000, rate = 20'000, seal_mb = 4, trigger = 8;
  double seconds = 60, budget = 0.25;
  std::string dir = "/tmp", json_path, md_path;
  FlagParser flags(argc, argv);
  while (flags.Next()) {
    if (flags.flag() == "--help") {
      std::printf(
          "kv_background: CPU and read latency of the background compaction "
          "at steady state.\n\n"
          "  --keys N      keys of the database (default 500k)\n"
          "  --rate R      updates a second, random keys (default 20k)\n"
          "  --seconds S   length of each run (default 60)\n"
          "  --seal_mb M   seal threshold (default 4)\n"
          "  --trigger T   Options::compaction_trigger_segments (default 8)\n"
          "  --budget B    Options::compaction_cpu_budget (default 0.25)\n"
          "  --dir DIR     parent of the scratch database (default /tmp)\n"
          "  --json FILE, --markdown FILE   write the results\n");
      return 0;
    }
    absl::StatusOr<std::string> v = flags.Value();
    if (!v.ok()) return Fail(v.status());
    const std::string f(flags.flag());
    if (f == "--keys" || f == "--rate" || f == "--seal_mb" || f == "--trigger") {
      absl::StatusOr<uint64_t> n = ParseCount(*v);
      if (!n.ok()) return Fail(n.status());
      (f == "--keys" ? keys : f == "--rate" ? rate : f == "--seal_mb" ? seal_mb : trigger) = *n;
    } else if (f == "--seconds" || f == "--budget") {
      double d = 0;
      if (!absl::SimpleAtod(*v, &d) || d <= 0) {
        return Fail(absl::InvalidArgumentError(absl::StrCat(f, ": ", *v)));
      }
      (f == "--seconds" ? seconds : budget) = d;
    } else if (f == "--dir") {
      dir = *v;
    } else if (f == "--json") {
      json_path = *v;
    } else if (f == "--markdown") {
      md_path = *v;
    } else {
      std::fprintf(stderr, "kv_background: unknown flag %s (see --help)\n",
                   f.c_str());
      return 2;
    }
  }
  if (keys == 0 || rate == 0) {
    return Fail(absl::InvalidArgumentError("--keys and --rate must be > 0"));
  }
  std::vector<Result> results;
  for (bool background : {true, false}) {
    absl::StatusOr<std::string> scratch = MakeTempDir(dir, "kv_background_");
    if (!scratch.ok()) return Fail(scratch.status());
    std::fprintf(stderr, "kv_background: %s, %llu keys, %llu updates/s, %.0f s\n",
                 background ? "background compaction on" : "off",
                 static_cast<unsigned long long>(keys),
                 static_cast<unsigned long long>(rate), seconds);
    absl::StatusOr<Result> r =
        RunOnce(*scratch, background, keys, rate, seconds, seal_mb,
                static_cast<uint32_t>(trigger), budget);
    (void)RemoveTree(*scratch);
    if (!r.ok()) return Fail(r.status());
    results.push_back(*r);
  }
  std::string md = absl::StrFormat(
      "# kv_background\n\n%s\n\n%llu keys, %llu updates/s of random keys "
      "(SyncMode::kNever), seal threshold %llu MiB, trigger %llu segments, "
      "CPU budget %.2f, %.0f s a run; one reader thread timing "
      "GetSnapshot + Get throughout.\n\n"
      "| background compaction | updates | compactions | compaction CPU (share "
      "of a core) | process CPU | segments at end | gets | p50 µs | p99 µs | "
      "p99.9 µs | max µs |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      "---:|\n",
      MachineDescription(), static_cast<unsigned long long>(keys),
      static_cast<unsigned long long>(rate),
      static_cast<unsigned long long>(seal_mb),
      static_cast<unsigned long long>(trigger), budget, seconds);
  std::string json = "{\"benchmark\": \"kv_background\", \"runs\": [";
  for (size_t i = 0; i < results.size(); ++i) {
    const Result& r = results[i];
    absl::StrAppendFormat(
        &md, "| %s | %llu | %llu | %.2f%% | %.0f%% | %llu | %llu | %.2f | %.2f | %.1f | %.0f |\n",
        r.background ? "on" : "off", static_cast<unsigned long long>(r.updates),
        static_cast<unsigned long long>(r.compactions),
        100 * r.compaction_cpu_share, 100 * r.process_cpu_share,
        static_cast<unsigned long long>(r.segments_end),
        static_cast<unsigned long long>(r.gets), r.p50_us, r.p99_us,
        r.p999_us, r.max_us);
    absl::StrAppendFormat(
        &json,
        "%s{\"background\": %s, \"seconds\": %s, \"updates\": %llu, "
        "\"compactions\": %llu, \"compaction_cpu_share\": %s, "
        "\"process_cpu_share\": %s, \"segments_end\": %llu, \"gets\": %llu, "
        "\"p50_us\": %s, \"p99_us\": %s, \"p999_us\": %s, \"max_us\": %s}",
        i ? ", " : "", r.background ? "true" : "false", JsonNumber(r.seconds),
        static_cast<unsigned long long>(r.updates),
        static_cast<unsigned long long>(r.compactions),
        JsonNumber(r.compaction_cpu_share), JsonNumber(r.process_cpu_share),
        static_cast<unsigned long long>(r.segments_end),
        static_cast<unsigned long long>(r.gets), JsonNumber(r.p50_us),
        JsonNumber(r.p99_us), JsonNumber(r.p999_us), JsonNumber(r.max_us));
  }
  json += "]}\n";
  std::printf("%s", md.c_str());
  if (!json_path.empty()) std::ofstream(json_path) << json;
  if (!md_path.empty()) std::ofstream(md_path) << md;
  return 0;
}

}  // namespace
}  // namespace zverse::bench

int main(int argc, char** argv) { return zverse::bench::Run(argc, argv); }
