// kv_gc: space reclaimed by version GC (DB::Compact with a horizon).
//
// Writes --keys keys (16 bytes, 100-byte values) in --versions rounds, each
// round a version of every key at its own (past) time, then compacts with
// the horizon at the last round's time, so that every key keeps exactly one
// version: (versions - 1) / versions of the versions are dead. Reports the
// segment bytes before and after, the share of the dead versions' bytes
// reclaimed (goal: 90% or more), the compaction's time, and checks that every
// key still reads its newest value.
//
//   kv_gc [--keys N] [--versions V] [--dir DIR] [--json FILE]

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/bench_util.h"
#include "kv/db.h"

namespace zverse::bench {
namespace {

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "kv_gc: %s\n", std::string(s.message()).c_str());
  return 1;
}

int Run(int argc, char** argv) {
  uint64_t keys = 1'000'000, versions = 4;
  std::string dir = "/tmp", json_path;
  FlagParser flags(argc, argv);
  while (flags.Next()) {
    absl::StatusOr<std::string> v = flags.Value();
    if (!v.ok()) return Fail(v.status());
    if (flags.flag() == "--keys" || flags.flag() == "--versions") {
      absl::StatusOr<uint64_t> n = ParseCount(*v);
      if (!n.ok()) return Fail(n.status());
      (flags.flag() == "--keys" ? keys : versions) = *n;
    } else if (flags.flag() == "--dir") {
      dir = *v;
    } else if (flags.flag() == "--json") {
      json_path = *v;
    } else {
      std::fprintf(stderr,
                   "usage: kv_gc [--keys N] [--versions V] [--dir DIR] "
                   "[--json FILE]\n");
      return 2;
    }
  }
  if (keys == 0 || versions < 2) {
    return Fail(absl::InvalidArgumentError("--keys >= 1 and --versions >= 2"));
  }
  absl::StatusOr<std::string> scratch = MakeTempDir(dir, "kv_gc_");
  if (!scratch.ok()) return Fail(scratch.status());
  kv::Options options;
  options.sync_mode = kv::SyncMode::kNever;
  auto db = kv::DB::Open(*scratch + "/db", options);
  if (!db.ok()) return Fail(db.status());
  // Round r is written at base + r hours, far in the past.
  const kv::Timestamp base = 1'600'000'000'000'000;
  char key[kKeySize], value[kValueSize];
  Stopwatch load;
  for (uint64_t r = 0; r < versions; ++r) {
    const kv::Timestamp ts = base + r * 3'600'000'000;
    kv::WriteBatch batch;
    batch.Reserve(keys, keys * (kKeySize + kValueSize));
    for (uint64_t i = 0; i < keys; ++i) {
      MakeKey(KeyPattern::kHashed, i, key);
      MakeValue(i, static_cast<uint32_t>(r), value);
      batch.PutAt(std::string_view(key, kKeySize),
                  std::string_view(value, kValueSize), ts);
    }
    absl::StatusOr<kv::Timestamp> t = (*db)->Ingest(std::move(batch));
    if (!t.ok()) return Fail(t.status());
  }
  if (absl::Status s = (*db)->Compact(); !s.ok()) return Fail(s);
  const double load_s = load.Seconds();
  const kv::Stats before = (*db)->GetStats();
  kv::CompactOptions gc;
  gc.horizon = base + (versions - 1) * 3'600'000'000;
  Stopwatch compact;
  absl::StatusOr<kv::CompactStats> cs = (*db)->Compact(gc);
  if (!cs.ok()) return Fail(cs.status());
  const double compact_s = compact.Seconds();
  const kv::Stats after = (*db)->GetStats();
  // Check: every key reads its newest value, now and as of the horizon.
  for (uint64_t i = 0; i < keys; ++i) {
    MakeKey(KeyPattern::kHashed, i, key);
    absl::StatusOr<std::string> got =
        (*db)->Get(std::string_view(key, kKeySize), gc.horizon);
    if (!got.ok() ||
        !ValueMatches(*got, i, static_cast<uint32_t>(versions - 1))) {
      return Fail(absl::InternalError(
          absl::StrCat("WRONG: key ", i, " after GC: ",
                       got.ok() ? DescribeValue(*got)
                                : std::string(got.status().message()))));
    }
  }
  // The dead versions' share of the data before: (versions - 1) / versions
  // of every entry; everything else (index included) scales the same way.
  const double dead_bytes = static_cast<double>(before.segment_bytes) *
                            static_cast<double>(versions - 1) /
                            static_cast<double>(versions);
  const double reclaimed =
      static_cast<double>(before.segment_bytes - after.segment_bytes);
  const double share = dead_bytes > 0 ? reclaimed / dead_bytes : 0;
  const std::string md = absl::StrFormat(
      "# ZVerse version GC (kv_gc)\n\nMachine: %s. Load average: %s. %d keys "
      "x %d versions (16-byte keys, 100-byte values), compacted with the "
      "horizon at the last version: every key keeps one.\n\n"
      "| keys | versions | segment bytes before | after | versions dropped | "
      "dead bytes reclaimed | compaction s | load s |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
      "| %d | %d | %s | %s | %d | %.1f%% | %.2f | %.2f |\n",
      MachineDescription(), LoadAverage(), keys, versions,
      keys, versions, FormatBytes(before.segment_bytes),
      FormatBytes(after.segment_bytes), cs->versions_dropped, 100 * share,
      compact_s, load_s);
  std::fputs(md.c_str(), stdout);
  if (!json_path.empty()) {
    std::ofstream(json_path) << absl::StrCat(
        "{\"program\": \"kv_gc\", \"keys\": ", keys, ", \"versions\": ",
        versions, ", \"bytes_before\": ", before.segment_bytes,
        ", \"bytes_after\": ", after.segment_bytes, ", \"versions_dropped\": ",
        cs->versions_dropped, ", \"dead_reclaimed\": ", JsonNumber(share),
        ", \"compact_seconds\": ", JsonNumber(compact_s), "}\n");
  }
  (void)(*db)->Close();
  (void)RemoveTree(*scratch);
  return 0;
}

}  // namespace
}  // namespace zverse::bench

int main(int argc, char** argv) { return zverse::bench::Run(argc, argv); }
