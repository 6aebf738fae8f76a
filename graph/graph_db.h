// ZVerse temporal property graph over the KV engine.
//
// Vertices have a uint64 id, one label and properties; directed edges
// (src, label, dst) have properties. Every vertex record, out-adjacency entry
// and in-adjacency entry is its own versioned KV key (graph/FORMAT.md), so a
// removal is a tombstone and every past state stays readable:
//
//   auto db = GraphDb::Open("/tmp/g");
//   GraphBatch batch;
//   batch.PutVertex(1, "Person", {{"name", std::string("Ada")}});
//   batch.PutVertex(2, "Person", {{"name", std::string("Bob")}});
//   batch.PutEdge(1, "knows", 2, {{"since", int64_t{2020}}});
//   auto t = (*db)->Apply(batch);                  // atomic
//   auto snap = (*db)->GetSnapshot(*t - 1);         // before the batch
//
// Labels and property names are interned (uint32) in dictionaries stored in
// the KV engine and cached in memory.
//
// Thread safety: a GraphDb may be shared by threads. Writes (Apply) are
// serialized by the GraphDb; reads go through GraphSnapshots, which take no
// lock and may be shared by threads.

#ifndef ZVERSE_GRAPH_GRAPH_DB_H_
#define ZVERSE_GRAPH_GRAPH_DB_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "graph/keys.h"
#include "graph/kv_backend.h"
#include "graph/record.h"
#include "kv/db.h"

namespace zverse::graph {

using kv::kLatest;
using kv::Timestamp;
using PropertyId = uint32_t;

class Dictionaries;

// A property as the API takes and returns it: a name and a typed value.
struct NamedProperty {
  std::string name;
  PropertyValue value;
  friend bool operator==(const NamedProperty&, const NamedProperty&) = default;
};
using Properties = std::vector<NamedProperty>;

// An edge's identity: at most one edge (src, label, dst) exists at a time;
// writing it again makes a new version.
struct EdgeKey {
  VertexId src = 0;
  LabelId label = 0;
  VertexId dst = 0;
  friend bool operator==(const EdgeKey&, const EdgeKey&) = default;
  friend auto operator<=>(const EdgeKey&, const EdgeKey&) = default;
};

// A set of graph writes applied atomically: readers see all of them or none.
// Operations apply in order: a later operation sees the earlier ones (an
// edge may join vertices added earlier in the batch; RemoveVertex removes
// edges added earlier in the batch too).
//
// `ts` (0: the commit's timestamp) imports history: the versions the
// operation writes carry that timestamp (1 <= ts <= now). A loader keeps
// each record's creation time this way and still commits atomically.
class GraphBatch {
 public:
  // Adds vertex `v`, or replaces its label and all of its properties.
  void PutVertex(VertexId v, std::string_view label, Properties properties = {},
                 Timestamp ts = 0);
  // Removes vertex `v` and, at the same time, every edge into or out of it.
  // NotFound at Apply if `v` does not exist.
  void RemoveVertex(VertexId v, Timestamp ts = 0);
  // Adds edge (src, label, dst), or replaces its properties. Both endpoints
  // must exist (FailedPrecondition at Apply otherwise).
  void PutEdge(VertexId src, std::string_view label, VertexId dst,
               Properties properties = {}, Timestamp ts = 0);
  // NotFound at Apply if the edge does not exist.
  void RemoveEdge(VertexId src, std::string_view label, VertexId dst,
                  Timestamp ts = 0);
  // Sets graph-wide metadata (GraphDb::SetMetadata) in the same atomic
  // batch, so that a loader's data and its description appear together.
  void SetMetadata(std::string_view name, std::string_view value,
                   Timestamp ts = 0);

  size_t size() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  void Clear() {
    ops_.clear();
    metadata_values_.clear();
  }

  enum class OpKind {
    kPutVertex,
    kRemoveVertex,
    kPutEdge,
    kRemoveEdge,
    kSetMetadata,
  };
  struct Op {
    OpKind kind;
    VertexId a = 0;       // The vertex, or the edge's source.
    VertexId b = 0;       // The edge's destination; kSetMetadata: the
                          // value's index (see metadata_value).
    std::string label;    // Vertex or edge label; the metadata's name.
    Properties properties;
    Timestamp ts = 0;
  };
  // Preallocates room for `ops` more operations.
  void Reserve(size_t ops) { ops_.reserve(ops_.size() + ops); }
  // The value of a kSetMetadata operation of this batch.
  const std::string& metadata_value(const Op& op) const {
    return metadata_values_[op.b];
  }
  const std::vector<Op>& ops() const { return ops_; }

 private:
  std::vector<Op> ops_;
  std::vector<std::string> metadata_values_;
};

struct GraphOptions {
  kv::Options kv;
};

struct ApplyOptions {
  // The commit's timestamp (0: assigned by the engine; otherwise an import
  // timestamp, 1 <= ts <= now). Operations with their own ts keep theirs.
  Timestamp ts = 0;
  // Check that every edge's endpoints exist. A bulk loader that validated
  // its input may turn this off; edges to missing vertices are then stored
  // as given.
  bool check_endpoints = true;
  // Write the batch with kv::DB::Ingest: straight into a sealed segment of
  // its own rather than through the log. For large loads: each entry is
  // sorted and written once, and the batch is all or nothing at any size
  // (not bound by kv::kMaxBatchBytes). Each bulk batch adds a segment.
  bool bulk = false;
};

// A vertex as of a snapshot. Views are valid for the snapshot's life.
struct Vertex {
  VertexId id = 0;
  LabelId label = 0;
  std::string_view label_name;
  Timestamp ts = 0;  // The version's timestamp.
  RecordView record;
};

// An edge as found by a scan. `value` is the out-edge's encoded record
// (empty when the edge has no properties); parse it with RecordView::Parse
// or use GraphSnapshot::GetEdge. For in-edge scans `value` is empty and
// `ts` is the in-entry's version (equal to the out-entry's).
struct EdgeRef {
  VertexId src = 0;
  LabelId label = 0;
  VertexId dst = 0;
  Timestamp ts = 0;
  std::string_view value;
  EdgeKey key() const { return EdgeKey{src, label, dst}; }
};

struct Edge {
  EdgeKey key;
  Timestamp ts = 0;
  std::optional<RecordView> record;  // Absent when it has no properties.
};

// One version of a vertex or an edge, for History.
struct VersionInfo {
  Timestamp ts = 0;
  bool removed = false;
  std::string label;       // Vertices: the label name.
  Properties properties;   // Empty for a removal.
};

struct DiffEntry {
  enum class Kind { kAdded, kRemoved, kChanged };
  Kind kind;
  bool is_edge = false;
  VertexId vertex = 0;  // Vertices.
  EdgeKey edge;         // Edges.
  friend bool operator==(const DiffEntry&, const DiffEntry&) = default;
};

std::string_view DiffKindName(DiffEntry::Kind kind);

// A read-only view of the graph as of a timestamp (see kv::Snapshot: it
// repeats itself and pins what it reads). Cheap to copy-construct via
// GraphDb::GetSnapshot; movable.
class GraphSnapshot {
 public:
  GraphSnapshot(GraphSnapshot&&) noexcept = default;
  GraphSnapshot& operator=(GraphSnapshot&&) noexcept = default;

  Timestamp as_of() const { return kv_->as_of(); }
  // The KV view it reads (for read-ahead hints and raw scans).
  const KvView& kv() const { return *kv_; }

  // Dictionary lookups. NotFound for a name never interned.
  absl::StatusOr<LabelId> LabelIdOf(std::string_view name) const;
  absl::StatusOr<PropertyId> PropertyIdOf(std::string_view name) const;
  // The name of an interned id; DataLoss for an id the dictionary lacks.
  absl::StatusOr<std::string_view> LabelName(LabelId id) const;
  absl::StatusOr<std::string_view> PropertyName(PropertyId id) const;

  // NotFound if `v` does not exist as of the snapshot.
  absl::StatusOr<Vertex> GetVertex(VertexId v) const;
  absl::StatusOr<bool> HasVertex(VertexId v) const;
  // A vertex's properties with their names, in name order.
  absl::StatusOr<Properties> VertexProperties(VertexId v) const;

  // NotFound if the edge does not exist as of the snapshot.
  absl::StatusOr<Edge> GetEdge(const EdgeKey& edge) const;
  absl::StatusOr<Properties> EdgeProperties(const EdgeKey& edge) const;

  // One range scan each. Edges come in (label, neighbour id) order. `fn`
  // returns false to stop.
  absl::Status OutEdges(VertexId v,
                        absl::FunctionRef<bool(const EdgeRef&)> fn) const;
  absl::Status OutEdges(VertexId v, LabelId label,
                        absl::FunctionRef<bool(const EdgeRef&)> fn) const;
  absl::Status InEdges(VertexId v,
                       absl::FunctionRef<bool(const EdgeRef&)> fn) const;
  absl::Status InEdges(VertexId v, LabelId label,
                       absl::FunctionRef<bool(const EdgeRef&)> fn) const;
  // Neighbour ids, optionally of one label (nullopt: every label).
  absl::StatusOr<std::vector<VertexId>> OutNeighbors(
      VertexId v, std::optional<LabelId> label = std::nullopt) const;
  absl::StatusOr<std::vector<VertexId>> InNeighbors(
      VertexId v, std::optional<LabelId> label = std::nullopt) const;
  absl::StatusOr<size_t> OutDegree(
      VertexId v, std::optional<LabelId> label = std::nullopt) const;
  absl::StatusOr<size_t> InDegree(
      VertexId v, std::optional<LabelId> label = std::nullopt) const;

  // Every vertex (grouped by label, ascending id within a label), or every
  // vertex with `label` in ascending id order.
  absl::Status Vertices(absl::FunctionRef<bool(VertexId, LabelId)> fn) const;
  absl::Status Vertices(LabelId label,
                        absl::FunctionRef<bool(VertexId)> fn) const;
  // All vertex ids, ascending.
  absl::StatusOr<std::vector<VertexId>> VertexIds() const;
  // Every edge, in no particular order (a scan of the whole store).
  absl::Status Edges(absl::FunctionRef<bool(const EdgeRef&)> fn) const;
  // Every label id the dictionary knows (whether or not in use at as_of).
  std::vector<LabelId> KnownLabels() const;

 private:
  friend class GraphDb;
  GraphSnapshot(std::unique_ptr<const KvView> kv,
                std::shared_ptr<const Dictionaries> dict)
      : kv_(std::move(kv)), dict_(std::move(dict)) {}
  absl::Status ScanEdges(std::string_view prefix, bool out,
                         absl::FunctionRef<bool(const EdgeRef&)> fn) const;
  absl::StatusOr<Properties> Named(const RecordView& record) const;

  std::unique_ptr<const KvView> kv_;
  std::shared_ptr<const Dictionaries> dict_;
};

class GraphDb {
 public:
  static absl::StatusOr<std::unique_ptr<GraphDb>> Open(
      const std::string& path, const GraphOptions& options = {});
  // A graph over another KV engine (see graph/kv_backend.h): the same
  // schema and code over, for instance, LMDB or RocksDB (bench/backends/).
  static absl::StatusOr<std::unique_ptr<GraphDb>> Open(
      std::unique_ptr<KvBackend> backend);
  ~GraphDb();
  GraphDb(const GraphDb&) = delete;
  GraphDb& operator=(const GraphDb&) = delete;

  absl::Status Close();

  // Applies `batch` atomically and returns the commit timestamp.
  // InvalidArgument for an empty batch or a bad timestamp; NotFound and
  // FailedPrecondition as documented on GraphBatch. Nothing of a failed
  // batch is visible.
  absl::StatusOr<Timestamp> Apply(const GraphBatch& batch,
                                  const ApplyOptions& options = {});
  // The same, releasing the batch's memory as soon as it is translated into
  // KV entries (large loads hold less at once). `batch` is empty after the
  // call, whatever its outcome.
  absl::StatusOr<Timestamp> Apply(GraphBatch&& batch,
                                  const ApplyOptions& options = {});

  // Single-operation conveniences.
  absl::StatusOr<Timestamp> PutVertex(VertexId v, std::string_view label,
                                      Properties properties = {});
  absl::StatusOr<Timestamp> RemoveVertex(VertexId v);
  absl::StatusOr<Timestamp> PutEdge(VertexId src, std::string_view label,
                                    VertexId dst, Properties properties = {});
  absl::StatusOr<Timestamp> RemoveEdge(VertexId src, std::string_view label,
                                       VertexId dst);

  // A snapshot as of `as_of` (kLatest: now).
  absl::StatusOr<GraphSnapshot> GetSnapshot(Timestamp as_of = kLatest) const;

  // Every version of a vertex or an edge, newest first.
  absl::StatusOr<std::vector<VersionInfo>> History(VertexId v) const;
  absl::StatusOr<std::vector<VersionInfo>> History(const EdgeKey& edge) const;
  absl::StatusOr<std::vector<VersionInfo>> EdgeHistory(
      VertexId src, std::string_view label, VertexId dst) const;

  // What was added, removed or changed in (t1, t2]: vertices first, then
  // edges, each in id order. A vertex or edge that was removed and added
  // again, or rewritten, counts as changed.
  absl::StatusOr<std::vector<DiffEntry>> Diff(Timestamp t1,
                                              Timestamp t2) const;

  // Graph-wide metadata, such as how a loader built the graph
  // ("directed" = "true"). NotFound if unset.
  absl::Status SetMetadata(std::string_view name, std::string_view value);
  absl::StatusOr<std::string> GetMetadata(std::string_view name,
                                          Timestamp as_of = kLatest) const;

  // The ZVerse engine under the graph (stats, sync, compaction); nullptr
  // when the graph runs on another backend.
  kv::DB* kv() { return kv_->zverse(); }
  const kv::DB* kv() const { return kv_->zverse(); }
  KvBackend& backend() { return *kv_; }
  const KvBackend& backend() const { return *kv_; }
  const std::string& path() const { return kv_->path(); }

 private:
  explicit GraphDb(std::unique_ptr<KvBackend> kv);
  absl::Status LoadDictionaries();
  // Apply's body; releases *consumed (if not null, and == &batch) once the
  // batch is translated, before it is written.
  absl::StatusOr<Timestamp> ApplyImpl(const GraphBatch& batch,
                                      const ApplyOptions& options,
                                      GraphBatch* consumed);

  struct Impl;
  std::unique_ptr<KvBackend> kv_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zverse::graph

#endif  // ZVERSE_GRAPH_GRAPH_DB_H_
