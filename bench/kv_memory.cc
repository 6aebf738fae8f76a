// kv_memory: how much memory ZVerse keeps resident for N keys.
//
// Loads N keys (16-byte keys, 100-byte values) into a fresh ZVerse database
// and reads /proc/self/status (VmRSS, RssAnon, RssFile) at each stage:
//   baseline          before the database is opened
//   after_load        after the load and DB::Sync
//   after_gets        after --reads random gets (values checked)
//   after_reopen      after Close and a fresh Open (what a restarted
//                     process holds before touching data)
//   after_reopen_gets after the same random gets again
// The design goal is on the anonymous (heap) part: RssAnon above the
// baseline, divided by the logical data size N * (16 + 100), should be at most
// 5%. File-backed RSS is the mapping's pages that are resident, which the
// kernel can drop under pressure.
//
// Each N is measured in a child process of its own (fork), so that heap kept
// by the allocator after one run does not flatter or spoil the next.

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/bench_util.h"
#include "kv/db.h"
#include "kv/status_macros.h"

namespace zverse::bench {
namespace {

constexpr const char* kHelp =
    R"(kv_memory: resident memory of ZVerse for N keys.

Usage: kv_memory [flags]

Loads N keys (16-byte keys, 100-byte values) into a fresh ZVerse database in
write batches (SyncMode::kNever, then DB::Sync) and reads VmRSS, RssAnon and
RssFile from /proc/self/status: before opening (baseline), after the load,
after --reads random gets, after Close + Open, and after the gets again.
"heap" is RssAnon minus the baseline; the design goal is heap <= 5% of the
logical data size N * 116 bytes. RssFile counts resident pages of mapped
files (the data), which the kernel may drop. Each N runs in its own child
process.

Flags (--flag=value or --flag value):
  --keys LIST         key counts, comma separated, k/M suffixes allowed
                      (default 1000000)
  --reads N           random gets per pass (default 1000000)
  --write_batch N     keys per write batch (default 1000)
  --key_pattern P     hashed (default) or decimal, as in kv_compare
  --seed S            seed of the random gets (default 42)
  --dir DIR           parent directory for the database (default /tmp); the
                      database is deleted afterwards
  --json FILE         write the measurements as JSON
  --markdown FILE     write the table as Markdown (also printed to stdout)
  --in_process        measure in this process instead of a child
  --help              this text
)";

struct Config {
  std::vector<uint64_t> keys = {1000000};
  uint64_t reads = 1000000;
  uint64_t write_batch = 1000;
  KeyPattern pattern = KeyPattern::kHashed;
  uint64_t seed = 42;
  std::string dir = "/tmp";
  std::string json_path;
  std::string markdown_path;
  bool in_process = false;
};

constexpr const char* kStages[] = {"baseline", "after_load", "after_gets",
                                   "after_reopen", "after_reopen_gets"};
constexpr int kNumStages = 5;

struct Result {
  uint64_t keys = 0;
  uint64_t disk_bytes = 0;
  double load_seconds = 0;
  ProcMemory stages[kNumStages];
  kv::Stats stats;
  std::string error;

  uint64_t data_bytes() const { return keys * (kKeySize + kValueSize); }
  int64_t heap(int stage) const {
    return static_cast<int64_t>(stages[stage].rss_anon) -
           static_cast<int64_t>(stages[0].rss_anon);
  }
};

absl::Status RandomGets(const kv::DB& db, const Config& c, uint64_t n) {
  std::mt19937_64 rng(c.seed);
  std::uniform_int_distribution<uint64_t> dist(0, n - 1);
  char key[kKeySize];
  constexpr uint64_t kPerSnapshot = 1000;
  for (uint64_t done = 0; done < c.reads;) {
    ZVERSE_ASSIGN_OR_RETURN(kv::Snapshot snap, db.GetSnapshot());
    for (uint64_t i = 0; i < kPerSnapshot && done < c.reads; ++i, ++done) {
      const uint64_t idx = dist(rng);
      MakeKey(c.pattern, idx, key);
      absl::StatusOr<std::string_view> v =
          snap.Get(std::string_view(key, kKeySize));
      if (!v.ok()) {
        return absl::InternalError(absl::StrCat("get of key #", idx, " (",
                                                HexKey({key, kKeySize}),
                                                "): ", v.status().ToString()));
      }
      if (!ValueHeaderMatches(*v, idx, 0)) {
        return absl::InternalError(absl::StrCat("wrong value for key #", idx,
                                                ": ", DescribeValue(*v)));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Measure(const Config& c, uint64_t n, Result* r) {
  r->keys = n;
  r->stages[0] = ReadProcMemory();
  ZVERSE_ASSIGN_OR_RETURN(std::string dir,
                          MakeTempDir(c.dir, "zverse-kv-memory-"));
  auto cleanup = [&dir] { RemoveTree(dir).IgnoreError(); };
  absl::Status s = [&]() -> absl::Status {
    kv::Options options;
    options.sync_mode = kv::SyncMode::kNever;
    std::string db_path = dir + "/db";
    std::unique_ptr<kv::DB> db;
    {
      ZVERSE_ASSIGN_OR_RETURN(db, kv::DB::Open(db_path, options));
      Stopwatch sw;
      char key[kKeySize];
      char value[kValueSize];
      // Scoped so that the batch's heap is released before measuring.
      {
        kv::WriteBatch batch;
        for (uint64_t i = 0; i < n; ++i) {
          MakeKey(c.pattern, i, key);
          MakeValue(i, 0, value);
          batch.Put(std::string_view(key, kKeySize),
                    std::string_view(value, kValueSize));
          if (batch.Count() == c.write_batch || i + 1 == n) {
            ZVERSE_RETURN_IF_ERROR(db->Write(batch).status());
            batch.Clear();
          }
        }
      }
      ZVERSE_RETURN_IF_ERROR(db->Sync());
      r->load_seconds = sw.Seconds();
    }
    std::cerr << "[kv_memory N=" << n << "] loaded in "
              << absl::StrFormat("%.1f", r->load_seconds) << " s\n";
    r->stages[1] = ReadProcMemory();
    ZVERSE_RETURN_IF_ERROR(RandomGets(*db, c, n));
    r->stages[2] = ReadProcMemory();
    ZVERSE_RETURN_IF_ERROR(db->Close());
    db.reset();
    ZVERSE_ASSIGN_OR_RETURN(db, kv::DB::Open(db_path, options));
    r->stages[3] = ReadProcMemory();
    ZVERSE_RETURN_IF_ERROR(RandomGets(*db, c, n));
    r->stages[4] = ReadProcMemory();
    r->stats = db->GetStats();
    r->disk_bytes = DirectoryDiskBytes(db_path);
    return db->Close();
  }();
  cleanup();
  return s;
}

// The child's result travels to the parent as one line of numbers.
std::string Serialize(const Result& r) {
  std::string out = absl::StrCat(r.keys, " ", r.disk_bytes, " ",
                                 absl::StrFormat("%.6f", r.load_seconds));
  for (const ProcMemory& m : r.stages) {
    absl::StrAppend(&out, " ", m.vm_rss, " ", m.rss_anon, " ", m.rss_file, " ",
                    m.rss_shmem, " ", m.vm_hwm);
  }
  const kv::Stats& s = r.stats;
  absl::StrAppend(&out, " ", s.segments, " ", s.segment_bytes, " ", s.log_files,
                  " ", s.log_bytes, " ", s.entries, " ", s.memtable_entries,
                  " ", s.memtable_bytes, " ", s.index_bytes);
  return out;
}

bool Deserialize(const std::string& line, Result* r) {
  std::vector<std::string> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (f.size() != 3 + kNumStages * 5 + 8) return false;
  size_t i = 0;
  auto u = [&](uint64_t* out) { return absl::SimpleAtoi(f[i++], out); };
  bool ok = u(&r->keys) && u(&r->disk_bytes) &&
            absl::SimpleAtod(f[i++], &r->load_seconds);
  for (ProcMemory& m : r->stages) {
    ok = ok && u(&m.vm_rss) && u(&m.rss_anon) && u(&m.rss_file) &&
         u(&m.rss_shmem) && u(&m.vm_hwm);
  }
  kv::Stats& s = r->stats;
  ok = ok && u(&s.segments) && u(&s.segment_bytes) && u(&s.log_files) &&
       u(&s.log_bytes) && u(&s.entries) && u(&s.memtable_entries) &&
       u(&s.memtable_bytes) && u(&s.index_bytes);
  return ok;
}

Result MeasureInChild(const Config& c, uint64_t n) {
  Result r;
  r.keys = n;
  int fds[2];
  if (::pipe(fds) != 0) {
    r.error = absl::StrCat("pipe: ", std::strerror(errno));
    return r;
  }
  std::cout.flush();
  std::cerr.flush();
  const pid_t pid = ::fork();
  if (pid < 0) {
    r.error = absl::StrCat("fork: ", std::strerror(errno));
    return r;
  }
  if (pid == 0) {
    ::close(fds[0]);
    Result child;
    absl::Status s = Measure(c, n, &child);
    std::string line = s.ok() ? Serialize(child) + "\n"
                              : absl::StrCat("ERROR ", s.ToString(), "\n");
    const char* p = line.data();
    size_t left = line.size();
    while (left > 0) {
      const ssize_t w = ::write(fds[1], p, left);
      if (w <= 0) break;
      p += w;
      left -= static_cast<size_t>(w);
    }
    ::close(fds[1]);
    ::_exit(s.ok() ? 0 : 1);
  }
  ::close(fds[1]);
  std::string line;
  char buf[4096];
  for (;;) {
    const ssize_t got = ::read(fds[0], buf, sizeof(buf));
    if (got <= 0) break;
    line.append(buf, static_cast<size_t>(got));
  }
  ::close(fds[0]);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  while (!line.empty() && line.back() == '\n') line.pop_back();
  if (absl::StartsWith(line, "ERROR ")) {
    r.error = line.substr(6);
  } else if (!Deserialize(line, &r)) {
    r.error = absl::StrCat("child process failed (wait status ", wstatus,
                           WIFSIGNALED(wstatus)
                               ? absl::StrCat(", signal ", WTERMSIG(wstatus))
                               : std::string(),
                           ")");
  }
  return r;
}

std::string Percent(int64_t part, uint64_t whole) {
  if (whole == 0) return "n/a";
  return absl::StrFormat(
      "%.2f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

std::string SignedBytes(int64_t b) {
  return b < 0 ? absl::StrCat("-", FormatBytes(static_cast<uint64_t>(-b)))
               : FormatBytes(static_cast<uint64_t>(b));
}

std::string Markdown(const Config& c, const std::vector<Result>& results) {
  std::string md = "# ZVerse resident memory\n\n";
  absl::StrAppend(&md, "Machine: ", MachineDescription(),
                  ". Keys of 16 bytes (", KeyPatternName(c.pattern),
                  "), values of 100 bytes, write batches of ", c.write_batch,
                  ", ", c.reads,
                  " random gets per pass. heap = RssAnon above the baseline "
                  "taken before opening; goal: heap ≤ 5% of the logical "
                  "data.\n\n");
  absl::StrAppend(&md,
                  "| keys | stage | VmRSS | RssAnon | RssFile | heap | "
                  "heap / data | data | on disk |\n");
  absl::StrAppend(&md, "|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Result& r : results) {
    if (!r.error.empty()) {
      absl::StrAppend(&md, "| ", r.keys, " | **FAILED**: `", r.error,
                      "` | | | | | | | |\n");
      continue;
    }
    for (int s = 0; s < kNumStages; ++s) {
      const ProcMemory& m = r.stages[s];
      absl::StrAppend(&md, "| ", r.keys, " | ", kStages[s], " | ",
                      FormatBytes(m.vm_rss), " | ", FormatBytes(m.rss_anon),
                      " | ", FormatBytes(m.rss_file), " | ",
                      s == 0 ? "—" : SignedBytes(r.heap(s)), " | ",
                      s == 0 ? "—" : Percent(r.heap(s), r.data_bytes()), " | ",
                      FormatBytes(r.data_bytes()), " | ",
                      FormatBytes(r.disk_bytes), " |\n");
    }
  }
  absl::StrAppend(&md, "\nEngine stats at the end of each run:\n\n");
  absl::StrAppend(&md,
                  "| keys | load s | segments | segment bytes | log bytes | "
                  "memtable entries | memtable bytes | index bytes |\n");
  absl::StrAppend(&md, "|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Result& r : results) {
    if (!r.error.empty()) continue;
    const kv::Stats& s = r.stats;
    absl::StrAppend(&md, "| ", r.keys, " | ",
                    absl::StrFormat("%.1f", r.load_seconds), " | ", s.segments,
                    " | ", FormatBytes(s.segment_bytes), " | ",
                    FormatBytes(s.log_bytes), " | ", s.memtable_entries, " | ",
                    FormatBytes(s.memtable_bytes), " | ",
                    FormatBytes(s.index_bytes), " |\n");
  }
  return md;
}

std::string Json(const Config& c, const std::vector<Result>& results) {
  std::string j = "{\n  \"program\": \"kv_memory\",\n";
  absl::StrAppend(&j, "  \"machine\": \"", JsonEscape(MachineDescription()),
                  "\",\n  \"config\": {\"key_size\": ", kKeySize,
                  ", \"value_size\": ", kValueSize, ", \"key_pattern\": \"",
                  KeyPatternName(c.pattern), "\", \"reads\": ", c.reads,
                  ", \"write_batch\": ", c.write_batch, ", \"seed\": ", c.seed,
                  "},\n  \"results\": [\n");
  for (size_t i = 0; i < results.size(); ++i) {
    const Result& r = results[i];
    absl::StrAppend(&j, "    {\"keys\": ", r.keys,
                    ", \"data_bytes\": ", r.data_bytes());
    if (!r.error.empty()) {
      absl::StrAppend(&j, ", \"status\": \"failed\", \"error\": \"",
                      JsonEscape(r.error), "\"}");
    } else {
      const kv::Stats& s = r.stats;
      absl::StrAppend(
          &j, ", \"status\": \"ok\", \"disk_bytes\": ", r.disk_bytes,
          ", \"load_seconds\": ", JsonNumber(r.load_seconds),
          ", \"stats\": {\"segments\": ", s.segments,
          ", \"segment_bytes\": ", s.segment_bytes,
          ", \"log_files\": ", s.log_files, ", \"log_bytes\": ", s.log_bytes,
          ", \"entries\": ", s.entries,
          ", \"memtable_entries\": ", s.memtable_entries,
          ", \"memtable_bytes\": ", s.memtable_bytes,
          ", \"index_bytes\": ", s.index_bytes, "}, \"stages\": [");
      for (int st = 0; st < kNumStages; ++st) {
        const ProcMemory& m = r.stages[st];
        absl::StrAppend(
            &j, st ? ", " : "", "{\"stage\": \"", kStages[st],
            "\", \"vm_rss\": ", m.vm_rss, ", \"rss_anon\": ", m.rss_anon,
            ", \"rss_file\": ", m.rss_file, ", \"rss_shmem\": ", m.rss_shmem,
            ", \"vm_hwm\": ", m.vm_hwm, ", \"heap_bytes\": ", r.heap(st),
            ", \"heap_over_data\": ",
            JsonNumber(static_cast<double>(r.heap(st)) /
                       static_cast<double>(r.data_bytes())),
            "}");
      }
      absl::StrAppend(&j, "]}");
    }
    absl::StrAppend(&j, i + 1 < results.size() ? ",\n" : "\n");
  }
  absl::StrAppend(&j, "  ]\n}\n");
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
    } else if (f == "--in_process") {
      c.in_process = true;
    } else if (f == "--keys") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      ZVERSE_ASSIGN_OR_RETURN(c.keys, ParseCountList(v));
    } else if (f == "--reads") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      ZVERSE_ASSIGN_OR_RETURN(c.reads, ParseCount(v));
    } else if (f == "--write_batch") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      ZVERSE_ASSIGN_OR_RETURN(c.write_batch, ParseCount(v));
    } else if (f == "--key_pattern") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      ZVERSE_ASSIGN_OR_RETURN(c.pattern, ParseKeyPattern(v));
    } else if (f == "--seed") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      ZVERSE_ASSIGN_OR_RETURN(c.seed, ParseCount(v));
    } else if (f == "--dir") {
      ZVERSE_ASSIGN_OR_RETURN(c.dir, p.Value());
    } else if (f == "--json") {
      ZVERSE_ASSIGN_OR_RETURN(c.json_path, p.Value());
    } else if (f == "--markdown") {
      ZVERSE_ASSIGN_OR_RETURN(c.markdown_path, p.Value());
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag ", f, " (see --help)"));
    }
  }
  for (uint64_t n : c.keys) {
    if (n < 1) return absl::InvalidArgumentError("--keys must be >= 1");
  }
  if (c.write_batch < 1) {
    return absl::InvalidArgumentError("--write_batch must be >= 1");
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
    std::cerr << "kv_memory: " << parsed.status().message() << "\n";
    return 2;
  }
  const Config& c = *parsed;
  std::vector<Result> results;
  int rc = 0;
  for (uint64_t n : c.keys) {
    std::cerr << "[kv_memory N=" << n << "] loading\n";
    Result r;
    if (c.in_process) {
      absl::Status s = Measure(c, n, &r);
      if (!s.ok()) r.error = s.ToString();
    } else {
      r = MeasureInChild(c, n);
    }
    if (!r.error.empty()) {
      std::cerr << "[kv_memory N=" << n << "] FAILED: " << r.error << "\n";
      rc = 1;
    }
    results.push_back(r);
  }
  const std::string md = Markdown(c, results);
  std::cout << md;
  if (!c.markdown_path.empty()) {
    std::ofstream(c.markdown_path, std::ios::trunc) << md;
  }
  if (!c.json_path.empty()) {
    std::ofstream(c.json_path, std::ios::trunc) << Json(c, results);
  }
  return rc;
}

}  // namespace
}  // namespace zverse::bench

int main(int argc, char** argv) { return zverse::bench::Main(argc, argv); }
