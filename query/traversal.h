// Multi-hop traversals over a graph snapshot: a fluent API and its executor.
//
//   graph::GraphSnapshot snap = *db->GetSnapshot(t);
//   absl::StatusOr<std::vector<VertexId>> fof =
//       Traversal(snap).V(person).Out("knows").Out("knows").Dedup()
//           .Except(person).Has("firstName", std::string("Jan")).Limit(20)
//           .Ids();
//
// A traversal is a list of steps applied, in order, to a sequence of
// traversers; each traverser stands at a vertex and remembers the edge it
// came through (and, when paths are asked for, the way it came). Steps only
// record themselves; a terminal call (Ids, Values, Paths, Count) runs them.
//
// Steps:
//   V(id), V(ids), VLabel(label), VAll()  start set (replaces the current
//       one): the given vertices that exist as of the snapshot, in the order
//       given; every vertex with a label, ascending id; every vertex.
//   Out(label), In(label), Both(label)    one hop along out-, in- or both
//       kinds of edges ("" = every label): each traverser becomes one per
//       edge, in (label id, neighbour id) order, out-edges before in-edges
//       for Both; duplicates are kept (walk semantics, as in Gremlin).
//   Repeat(direction, label, min, max)    breadth-first from the whole current
//       set at once (distance 0): every vertex whose distance is in
//       [min, max], once, nearest first (then in the order found). Its
//       distance is the column "distance"; its path a shortest one.
//   EdgeTime(from, to)                    later hops only follow edges whose
//       version was written in [from, to] (microseconds): "friendships made
//       in 2011". EdgeTime(0, kLatest) lifts it.
//   Has(name, value), Where(name, op, value)  keep traversers whose vertex
//       property compares so (a missing property never matches; numbers
//       compare across int64 and float64, text bytewise, timestamps by time);
//       HasLabel(label); WhereEdge(name, op, value) on the edge last
//       traversed.
//   Dedup()                               keep the first traverser per vertex.
//   Except(id), Except(ids)               drop traversers at these vertices.
//   OrderBy(column, descending)           stable sort by a column (see
//       below); several OrderBy calls in a row sort by the first, then the
//       next. A missing value sorts last.
//   Limit(n)                              keep the first n.
//
// Columns (Values, OrderBy): "id", "label", "ts" (the vertex version's
// timestamp), "distance" (after Repeat), a vertex property name, or "e." plus
// "src", "dst", "label", "ts" or a property name for the edge the traverser
// last came through (null before any hop).
//
// Names are checked when the traversal runs: a label or property name the
// database never saw is NotFound (a typo is an error, not an empty result).
//
// Prefetch: while the executor expands one chunk of a frontier
// (TraversalOptions::prefetch_chunk vertices), it hands the next chunk's
// adjacency key ranges, in physical order, to kv::Snapshot::Prefetch.
// (Vertex records are not hinted: a record is one hash-table lookup, which
// the hint would only repeat.) The first chunk is not hinted (its scans
// start at once), so a
// frontier of one chunk or less costs nothing. TraversalOptions::prefetch
// turns it off; bench/query_bench measures both.
//
// Thread safety: a Traversal is used by one thread; several may run on one
// snapshot at once. Views handed out are copies: results outlive the
// snapshot.

#ifndef ZVERSE_QUERY_TRAVERSAL_H_
#define ZVERSE_QUERY_TRAVERSAL_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "graph/graph_db.h"

namespace zverse::query {

using graph::Timestamp;
using graph::VertexId;

enum class Direction { kOut, kIn, kBoth };
enum class Compare { kEq, kNe, kLt, kLe, kGt, kGe };

// A cell of a result row: a property value, an id or a count (int64), or
// null (a missing property; an edge column before any hop).
struct Null {
  friend bool operator==(const Null&, const Null&) = default;
};
using Value = std::variant<Null, int64_t, double, std::string, bool,
                           graph::TimestampValue, std::vector<int64_t>,
                           std::vector<double>, std::vector<std::string>>;

// As the CLI prints it: null as "", numbers in their shortest exact form,
// timestamps as microseconds, bools as true/false, lists joined with ';'.
std::string FormatValue(const Value& value);
// Total order for sorting: null last; numbers (int64, float64) by value,
// then bools, timestamps, text, lists.
int CompareValues(const Value& a, const Value& b);

using Row = std::vector<Value>;

// A path from a start vertex to the traverser's vertex; edges[i] leads from
// vertices[i] to vertices[i + 1] (src, label, dst as stored).
struct Path {
  std::vector<VertexId> vertices;
  std::vector<graph::EdgeKey> edges;
  friend bool operator==(const Path&, const Path&) = default;
};

struct TraversalOptions {
  // Hand each hop's key ranges to kv::Snapshot::Prefetch.
  bool prefetch = true;
  // Vertices whose adjacency is hinted at once, a chunk ahead of the scans.
  size_t prefetch_chunk = 256;

  // Limits of one run (one terminal call). A run that passes `deadline`
  // stops with DeadlineExceeded; one whose state would grow past
  // `memory_budget` bytes (0: no budget) with ResourceExhausted; one that
  // sees `*cancel` become true with Cancelled. A stopped run returns only the
  // error (no partial result) and frees what it held; the snapshot is
  // untouched. They are checked before every step, every 256 adjacency
  // entries scanned, every 64 vertices read by filters, sorts and columns,
  // and every traverser created, so a run stops within a few microseconds
  // of its deadline (a single scan of 256 entries or vertex read is not
  // interrupted).
  //
  // The state is estimated from element counts (TraversalStats::peak_bytes
  // reports the largest estimate of a run): the current and the next
  // frontier's traversers, the path tree (Paths), breadth-first visited sets
  // (Repeat, Dedup) and the result rows being built (Values). It leaves out
  // allocator slack and the pages of the mapped files, which belong to the
  // database.
  absl::Time deadline = absl::InfiniteFuture();
  uint64_t memory_budget = 0;
  const std::atomic<bool>* cancel = nullptr;
};

// What a run did, for benchmarks and tests.
struct TraversalStats {
  uint64_t hops = 0;             // Out/In/Both steps and Repeat levels.
  uint64_t edges_scanned = 0;    // Adjacency entries read.
  uint64_t max_frontier = 0;     // Largest traverser count after a step.
  uint64_t prefetch_calls = 0;   // kv::Snapshot::Prefetch calls.
  uint64_t prefetch_ranges = 0;
  uint64_t peak_bytes = 0;       // Largest state estimate (memory_budget).
};

class Traversal {
 public:
  // `snap` must outlive the traversal's runs.
  explicit Traversal(const graph::GraphSnapshot& snap,
                     TraversalOptions options = {});

  // Start sets.
  Traversal& V(VertexId v);
  Traversal& V(std::vector<VertexId> ids);
  Traversal& VLabel(std::string label);
  Traversal& VAll();

  // Hops.
  Traversal& Out(std::string label = "");
  Traversal& In(std::string label = "");
  Traversal& Both(std::string label = "");
  Traversal& Hop(Direction direction, std::string label = "");
  Traversal& Repeat(Direction direction, std::string label, int min_hops,
                    int max_hops);
  Traversal& EdgeTime(Timestamp from, Timestamp to);

  // Filters.
  Traversal& Has(std::string name, graph::PropertyValue value);
  Traversal& Where(std::string name, Compare op, graph::PropertyValue value);
  Traversal& HasLabel(std::string label);
  Traversal& WhereEdge(std::string name, Compare op,
                       graph::PropertyValue value);
  Traversal& Dedup();
  Traversal& Except(VertexId v);
  Traversal& Except(std::vector<VertexId> ids);

  // Order and size.
  Traversal& OrderBy(std::string column, bool descending = false);
  Traversal& Limit(size_t n);

  // Terminals: run the steps. Each call runs them anew.
  absl::StatusOr<std::vector<VertexId>> Ids();
  absl::StatusOr<std::vector<Row>> Values(
      const std::vector<std::string>& columns);
  absl::StatusOr<std::vector<Path>> Paths();
  absl::StatusOr<size_t> Count();

  // Statistics of the last run.
  const TraversalStats& stats() const { return stats_; }

  // The recorded steps (for the textual syntax's tests and explain output).
  struct Step {
    enum class Kind {
      kStartIds,
      kStartLabel,
      kStartAll,
      kHop,
      kRepeat,
      kEdgeTime,
      kWhere,
      kHasLabel,
      kWhereEdge,
      kDedup,
      kExcept,
      kOrderBy,
      kLimit,
    };
    Kind kind = Kind::kStartAll;
    std::vector<VertexId> ids;      // kStartIds, kExcept.
    std::string name;               // Label, property or column.
    Direction direction = Direction::kOut;
    int min_hops = 0, max_hops = 0;  // kRepeat.
    Timestamp from = 0, to = 0;      // kEdgeTime.
    Compare op = Compare::kEq;
    graph::PropertyValue value;
    bool descending = false;
    size_t limit = 0;
  };
  const std::vector<Step>& steps() const { return steps_; }

 private:
  class Run;
  static Step NewStep(Step::Kind kind);
  Traversal& Add(Step step);

  const graph::GraphSnapshot* snap_;
  TraversalOptions options_;
  std::vector<Step> steps_;
  TraversalStats stats_;
};

// Applies `op` to a comparison result (CompareValues order).
bool Holds(Compare op, int comparison);
// "==", "!=", "<", "<=", ">", ">=" and back.
std::string_view CompareName(Compare op);

}  // namespace zverse::query

#endif  // ZVERSE_QUERY_TRAVERSAL_H_
