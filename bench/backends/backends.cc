// Backends by name, and how each is set up (see backends.h).

#include "bench/backends/backends.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_util.h"
#include "graph/kv_backend.h"
#include "kv/db.h"

namespace zverse::bench {
namespace {

const char* SyncModeName(kv::SyncMode mode) {
  switch (mode) {
    case kv::SyncMode::kAlways:
      return "every commit synced (group commit)";
    case kv::SyncMode::kInterval:
      return "synced every sync_interval_ms";
    case kv::SyncMode::kNever:
      return "never synced (left to the OS)";
  }
  return "?";
}

}  // namespace

absl::StatusOr<std::unique_ptr<graph::KvBackend>> OpenBackend(
    std::string_view name, const std::string& dir, const PeerOptions& options,
    const kv::Options& zverse) {
  if (name == "zverse") return graph::OpenZVerseBackend(dir, zverse);
  if (name == "lmdb") return OpenLmdbBackend(dir, options);
  if (name == "rocksdb") return OpenRocksDbBackend(dir, options);
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown backend '", Av(name), "' (zverse, lmdb or rocksdb)"));
}

std::vector<std::string> BackendNames() { return {"zverse", "lmdb", "rocksdb"}; }

std::string BackendSettings(std::string_view name, const PeerOptions& options,
                            const kv::Options& zverse) {
  const char* durability =
      options.sync ? "every commit synced"
                   : "commits not synced (durable at Sync, Ingest and Close)";
  if (name == "zverse") {
    std::string out = absl::StrCat(
        "ZVerse kv::DB: ", SyncModeName(zverse.sync_mode), "; segments of ",
        FormatBytes(zverse.seal_threshold_bytes), ", ",
        zverse.physical_order == kv::Options::PhysicalOrder::kInterleaved
            ? "interleaved"
            : "key-major",
        " order; background compaction ");
    if (zverse.background_compaction) {
      absl::StrAppend(&out, "at ", zverse.compaction_trigger_segments,
                      " segments, ", zverse.compaction_cpu_budget * 100,
                      "% of a core");
    } else {
      absl::StrAppend(&out, "off");
    }
    absl::StrAppend(&out, "; prefetch hints ",
                    zverse.prefetch_hints ? "on" : "off",
                    ", adaptive prefetch ",
                    zverse.adaptive_prefetch ? "on" : "off");
    return out;
  }
  if (name == "lmdb") {
    return absl::StrCat(
        "LMDB: one B-tree of key||~ts big-endian (user key first, newest "
        "version first), values a tombstone flag byte then the value, the "
        "last commit timestamp in a second database of the same "
        "transactions; MDB_NOTLS, ",
        options.sync ? "synced commits" : "MDB_NOSYNC", " (", durability,
        "); map size ",
        FormatBytes(options.lmdb_map_bytes != 0 ? options.lmdb_map_bytes
                                                : uint64_t{64} << 30),
        "; misaligned values copied out aligned for the graph's records");
  }
  if (name == "rocksdb") {
    return absl::StrCat(
        "RocksDB: user-defined timestamps (BytewiseComparatorWithU64Ts), "
        "values a tombstone flag byte then the value, the last commit "
        "timestamp in a second column family of the same WriteBatch; no "
        "compression, 10-bit Bloom filter, ",
        FormatBytes(options.rocksdb_cache_bytes),
        " LRU block cache, other options default; WAL on, ", durability,
        "; Compact: flush and a full CompactRange (every version kept)"
        "; misaligned values copied out aligned for the graph's records");
  }
  return absl::StrCat("unknown backend '", Av(name), "'");
}

}  // namespace zverse::bench
