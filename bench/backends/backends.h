// The graph layer over the engines ZVerse is measured against: LMDB (a
// B-tree) and RocksDB (an LSM tree), as graph::KvBackend implementations
// with the same semantics as ZVerse's engine (graph/kv_backend.h), so that
// GraphDb runs the same schema and the same code on each.
//
// How versions are kept:
//   LMDB     key || big-endian ~ts in one B-tree, ordered by a comparator that
//            compares the user key first and then the timestamp (newest
//            first); a view is a read-only transaction; a read at T seeks
//            key || ~T (MDB_SET_RANGE) and lands on the newest version <= T.
//   RocksDB  user-defined timestamps (BytewiseComparatorWithU64Ts); a view is
//            a RocksDB snapshot read with ReadOptions::timestamp = T.
// Both store a removal as a value with a tombstone flag (so that history and
// as-of reads see it) and keep their newest committed timestamp in the same
// atomic write as the data.

#ifndef ZVERSE_BENCH_BACKENDS_BACKENDS_H_
#define ZVERSE_BENCH_BACKENDS_BACKENDS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/kv_backend.h"
#include "kv/db.h"

namespace zverse::bench {

struct PeerOptions {
  // LMDB's map size: address space reserved for the file (it grows into
  // it). 0: 64 GiB.
  uint64_t lmdb_map_bytes = 0;
  // RocksDB's block cache (LRU).
  size_t rocksdb_cache_bytes = size_t{1} << 30;
  // Sync every commit. Off: commits are durable at Sync(), Ingest and
  // Close (what a bulk load wants).
  bool sync = false;
};

// Opens or creates the store in directory `dir`.
absl::StatusOr<std::unique_ptr<graph::KvBackend>> OpenLmdbBackend(
    const std::string& dir, const PeerOptions& options = {});
absl::StatusOr<std::unique_ptr<graph::KvBackend>> OpenRocksDbBackend(
    const std::string& dir, const PeerOptions& options = {});

// By name: "zverse", "lmdb" or "rocksdb" (InvalidArgument otherwise).
absl::StatusOr<std::unique_ptr<graph::KvBackend>> OpenBackend(
    std::string_view name, const std::string& dir,
    const PeerOptions& options = {}, const kv::Options& zverse = {});
// The names OpenBackend takes, ZVerse first.
std::vector<std::string> BackendNames();
// One line on how the backend is set up, for reports.
std::string BackendSettings(std::string_view name, const PeerOptions& options,
                            const kv::Options& zverse = {});

}  // namespace zverse::bench

#endif  // ZVERSE_BENCH_BACKENDS_BACKENDS_H_
