#include "query/traversal.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "graph/keys.h"
#include "kv/status_macros.h"

namespace zverse::query {
namespace {

using graph::EdgeKey;
using graph::EdgeRef;
using graph::LabelId;
using graph::PropertyId;

std::string FormatDouble(double d) {
  if (std::isinf(d)) return d > 0 ? "infinity" : "-infinity";
  if (std::isnan(d)) return "nan";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), d);
  return std::string(buf, r.ptr);
}

// The rank of a value's type in the total order of CompareValues.
int TypeRank(const Value& v) {
  switch (v.index()) {
    case 1:
    case 2:
      return 0;  // Numbers.
    case 4:
      return 1;  // Bool.
    case 5:
      return 2;  // Timestamp.
    case 3:
      return 3;  // Text.
    case 6:
      return 4;
    case 7:
      return 5;
    case 8:
      return 6;
    default:
      return 7;  // Null last.
  }
}

template <typename T>
int Cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

int CompareNumbers(const Value& a, const Value& b) {
  if (a.index() == 1 && b.index() == 1) {
    return Cmp(std::get<int64_t>(a), std::get<int64_t>(b));
  }
  const double x = a.index() == 1 ? static_cast<double>(std::get<int64_t>(a))
                                  : std::get<double>(a);
  const double y = b.index() == 1 ? static_cast<double>(std::get<int64_t>(b))
                                  : std::get<double>(b);
  return Cmp(x, y);
}

// The comparison of two values a predicate may compare: numbers with
// numbers, timestamps with timestamps or int64 microseconds, and otherwise
// values of one type. nullopt for anything else (no match).
std::optional<int> ComparableOrder(const Value& a, const Value& b) {
  const auto is_number = [](const Value& v) {
    return v.index() == 1 || v.index() == 2;
  };
  if (is_number(a) && is_number(b)) return CompareNumbers(a, b);
  const auto micros = [](const Value& v) -> std::optional<int64_t> {
    if (v.index() == 5) return std::get<graph::TimestampValue>(v).micros;
    if (v.index() == 1) return std::get<int64_t>(v);
    return std::nullopt;
  };
  if (a.index() == 5 || b.index() == 5) {
    const auto x = micros(a), y = micros(b);
    if (!x || !y) return std::nullopt;
    return Cmp(*x, *y);
  }
  if (a.index() != b.index() || a.index() == 0) return std::nullopt;
  return CompareValues(a, b);
}

Value FromProperty(graph::PropertyValue p) {
  return std::visit([](auto&& v) -> Value { return Value(std::move(v)); },
                    std::move(p));
}

}  // namespace

std::string FormatValue(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Null>) {
          return "";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return absl::StrCat(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return FormatDouble(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, graph::TimestampValue>) {
          return absl::StrCat(v.micros);
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          std::vector<std::string> parts;
          for (double d : v) parts.push_back(FormatDouble(d));
          return absl::StrJoin(parts, ";");
        } else {
          return absl::StrJoin(v, ";");
        }
      },
      value);
}

int CompareValues(const Value& a, const Value& b) {
  const int ra = TypeRank(a), rb = TypeRank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return CompareNumbers(a, b);
    case 1:
      return Cmp(std::get<bool>(a), std::get<bool>(b));
    case 2:
      return Cmp(std::get<graph::TimestampValue>(a).micros,
                 std::get<graph::TimestampValue>(b).micros);
    case 3:
      return std::get<std::string>(a).compare(std::get<std::string>(b)) < 0
                 ? -1
                 : (std::get<std::string>(a) == std::get<std::string>(b) ? 0
                                                                         : 1);
    case 4:
      return Cmp(std::get<std::vector<int64_t>>(a),
                 std::get<std::vector<int64_t>>(b));
    case 5:
      return Cmp(std::get<std::vector<double>>(a),
                 std::get<std::vector<double>>(b));
    case 6:
      return Cmp(std::get<std::vector<std::string>>(a),
                 std::get<std::vector<std::string>>(b));
    default:
      return 0;
  }
}

bool Holds(Compare op, int c) {
  switch (op) {
    case Compare::kEq: return c == 0;
    case Compare::kNe: return c != 0;
    case Compare::kLt: return c < 0;
    case Compare::kLe: return c <= 0;
    case Compare::kGt: return c > 0;
    case Compare::kGe: return c >= 0;
  }
  return false;
}

std::string_view CompareName(Compare op) {
  switch (op) {
    case Compare::kEq: return "==";
    case Compare::kNe: return "!=";
    case Compare::kLt: return "<";
    case Compare::kLe: return "<=";
    case Compare::kGt: return ">";
    case Compare::kGe: return ">=";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Recording steps.

Traversal::Traversal(const graph::GraphSnapshot& snap, TraversalOptions options)
    : snap_(&snap), options_(options) {}

Traversal::Step Traversal::NewStep(Step::Kind kind) {
  Step s;
  s.kind = kind;
  return s;
}

Traversal& Traversal::Add(Step step) {
  steps_.push_back(std::move(step));
  return *this;
}

Traversal& Traversal::V(VertexId v) { return V(std::vector<VertexId>{v}); }

Traversal& Traversal::V(std::vector<VertexId> ids) {
  Step s = NewStep(Step::Kind::kStartIds);
  s.ids = std::move(ids);
  return Add(std::move(s));
}

Traversal& Traversal::VLabel(std::string label) {
  Step s = NewStep(Step::Kind::kStartLabel);
  s.name = std::move(label);
  return Add(std::move(s));
}

Traversal& Traversal::VAll() { return Add(NewStep(Step::Kind::kStartAll)); }

Traversal& Traversal::Out(std::string label) {
  return Hop(Direction::kOut, std::move(label));
}
Traversal& Traversal::In(std::string label) {
  return Hop(Direction::kIn, std::move(label));
}
Traversal& Traversal::Both(std::string label) {
  return Hop(Direction::kBoth, std::move(label));
}

Traversal& Traversal::Hop(Direction direction, std::string label) {
  Step s = NewStep(Step::Kind::kHop);
  s.direction = direction;
  s.name = std::move(label);
  return Add(std::move(s));
}

Traversal& Traversal::Repeat(Direction direction, std::string label,
                             int min_hops, int max_hops) {
  Step s = NewStep(Step::Kind::kRepeat);
  s.direction = direction;
  s.name = std::move(label);
  s.min_hops = min_hops;
  s.max_hops = max_hops;
  return Add(std::move(s));
}

Traversal& Traversal::EdgeTime(Timestamp from, Timestamp to) {
  Step s = NewStep(Step::Kind::kEdgeTime);
  s.from = from;
  s.to = to;
  return Add(std::move(s));
}

Traversal& Traversal::Has(std::string name, graph::PropertyValue value) {
  return Where(std::move(name), Compare::kEq, std::move(value));
}

Traversal& Traversal::Where(std::string name, Compare op,
                            graph::PropertyValue value) {
  Step s = NewStep(Step::Kind::kWhere);
  s.name = std::move(name);
  s.op = op;
  s.value = std::move(value);
  return Add(std::move(s));
}

Traversal& Traversal::HasLabel(std::string label) {
  Step s = NewStep(Step::Kind::kHasLabel);
  s.name = std::move(label);
  return Add(std::move(s));
}

Traversal& Traversal::WhereEdge(std::string name, Compare op,
                                graph::PropertyValue value) {
  Step s = NewStep(Step::Kind::kWhereEdge);
  s.name = std::move(name);
  s.op = op;
  s.value = std::move(value);
  return Add(std::move(s));
}

Traversal& Traversal::Dedup() { return Add(NewStep(Step::Kind::kDedup)); }

Traversal& Traversal::Except(VertexId v) {
  return Except(std::vector<VertexId>{v});
}

Traversal& Traversal::Except(std::vector<VertexId> ids) {
  Step s = NewStep(Step::Kind::kExcept);
  s.ids = std::move(ids);
  return Add(std::move(s));
}

Traversal& Traversal::OrderBy(std::string column, bool descending) {
  Step s = NewStep(Step::Kind::kOrderBy);
  s.name = std::move(column);
  s.descending = descending;
  return Add(std::move(s));
}

Traversal& Traversal::Limit(size_t n) {
  Step s = NewStep(Step::Kind::kLimit);
  s.limit = n;
  return Add(std::move(s));
}

// ---------------------------------------------------------------------------
// Running.

class Traversal::Run {
 public:
  Run(const graph::GraphSnapshot& snap, const TraversalOptions& options,
      bool track_paths, TraversalStats* stats)
      : snap_(snap), options_(options), paths_(track_paths), stats_(stats) {}

  struct Traverser {
    VertexId v = 0;
    bool has_edge = false;
    EdgeKey edge;
    Timestamp edge_ts = 0;
    int32_t distance = -1;
    int32_t node = -1;  // Index into nodes_ (path tracking).
  };

  absl::Status Execute(const std::vector<Step>& steps) {
    for (size_t i = 0; i < steps.size(); ++i) {
      const Step& s = steps[i];
      if (!InTime()) return limit_;
      switch (s.kind) {
        case Step::Kind::kStartIds:
          ZVERSE_RETURN_IF_ERROR(StartIds(s.ids));
          break;
        case Step::Kind::kStartLabel:
          ZVERSE_RETURN_IF_ERROR(StartLabel(s.name));
          break;
        case Step::Kind::kStartAll:
          ZVERSE_RETURN_IF_ERROR(StartAll());
          break;
        case Step::Kind::kHop:
          ZVERSE_RETURN_IF_ERROR(Hop(s.direction, s.name));
          break;
        case Step::Kind::kRepeat:
          ZVERSE_RETURN_IF_ERROR(
              Repeat(s.direction, s.name, s.min_hops, s.max_hops));
          break;
        case Step::Kind::kEdgeTime:
          if (s.from > s.to) {
            return absl::InvalidArgumentError(absl::StrCat(
                "edge time window [", s.from, ", ", s.to, "] is empty"));
          }
          window_from_ = s.from;
          window_to_ = s.to;
          break;
        case Step::Kind::kWhere:
          ZVERSE_RETURN_IF_ERROR(WhereVertex(s));
          break;
        case Step::Kind::kHasLabel:
          ZVERSE_RETURN_IF_ERROR(HasLabel(s.name));
          break;
        case Step::Kind::kWhereEdge:
          ZVERSE_RETURN_IF_ERROR(WhereEdge(s));
          break;
        case Step::Kind::kDedup: {
          absl::flat_hash_set<VertexId> seen;
          std::erase_if(cur_, [&](const Traverser& t) {
            return !seen.insert(t.v).second;
          });
          if (!WithinBudget(seen.size() * kSetEntryBytes)) return limit_;
          break;
        }
        case Step::Kind::kExcept: {
          const absl::flat_hash_set<VertexId> drop(s.ids.begin(), s.ids.end());
          std::erase_if(cur_,
                        [&](const Traverser& t) { return drop.contains(t.v); });
          break;
        }
        case Step::Kind::kOrderBy: {
          size_t j = i;
          std::vector<const Step*> keys;
          while (j < steps.size() && steps[j].kind == Step::Kind::kOrderBy) {
            keys.push_back(&steps[j++]);
          }
          ZVERSE_RETURN_IF_ERROR(OrderBy(keys));
          i = j - 1;
          break;
        }
        case Step::Kind::kLimit:
          if (cur_.size() > s.limit) cur_.resize(s.limit);
          break;
      }
      stats_->max_frontier =
          std::max<uint64_t>(stats_->max_frontier, cur_.size());
      if (!WithinBudget(0)) return limit_;
    }
    return absl::OkStatus();
  }

  const std::vector<Traverser>& traversers() const { return cur_; }

  absl::StatusOr<std::vector<Row>> Rows(const std::vector<std::string>& cols) {
    std::vector<Column> resolved;
    for (const std::string& c : cols) {
      ZVERSE_ASSIGN_OR_RETURN(Column col, Resolve(c));
      resolved.push_back(std::move(col));
    }
    std::vector<Row> rows;
    uint64_t row_bytes = 0;
    for (size_t i = 0; i < cur_.size(); ++i) {
      if (i % kCheckVertices == 0 && !InTime()) return limit_;
      RowContext ctx(this, cur_[i]);
      Row row;
      row.reserve(resolved.size());
      for (const Column& col : resolved) {
        ZVERSE_ASSIGN_OR_RETURN(Value v, ctx.Get(col));
        row_bytes += ValueBytes(v);
        row.push_back(std::move(v));
      }
      rows.push_back(std::move(row));
      row_bytes += sizeof(Row);
      if (!WithinBudget(row_bytes)) return limit_;
    }
    return rows;
  }

  absl::StatusOr<std::vector<Path>> PathsOut() {
    std::vector<Path> out;
    uint64_t path_bytes = 0;
    for (const Traverser& t : cur_) {
      Path p;
      for (int32_t n = t.node; n >= 0; n = nodes_[n].parent) {
        p.vertices.push_back(nodes_[n].v);
        if (nodes_[n].parent >= 0) p.edges.push_back(nodes_[n].edge);
      }
      std::reverse(p.vertices.begin(), p.vertices.end());
      std::reverse(p.edges.begin(), p.edges.end());
      path_bytes += sizeof(Path) + p.vertices.size() * sizeof(VertexId) +
                    p.edges.size() * sizeof(EdgeKey);
      out.push_back(std::move(p));
      if (!WithinBudget(path_bytes)) return limit_;
    }
    return out;
  }

 private:
  struct PathNode {
    VertexId v;
    EdgeKey edge;  // From the parent's vertex (when parent >= 0).
    int32_t parent;
  };

  // An entry of a visited set (absl::flat_hash_set<VertexId>: the id, its
  // control byte and the free slots of a table at most 7/8 full).
  static constexpr uint64_t kSetEntryBytes = 16;
  // Limit checks: every this many adjacency entries, and vertices read.
  static constexpr uint64_t kCheckEdges = 256;
  static constexpr size_t kCheckVertices = 64;

  // False, with limit_ set, once the run is past its deadline or cancelled.
  bool InTime() {
    if (options_.cancel != nullptr &&
        options_.cancel->load(std::memory_order_relaxed)) {
      limit_ = absl::CancelledError(
          absl::StrCat("traversal cancelled after ", stats_->hops,
                       " hops and ", stats_->edges_scanned, " edges scanned"));
      return false;
    }
    if (options_.deadline != absl::InfiniteFuture() &&
        absl::Now() >= options_.deadline) {
      limit_ = absl::DeadlineExceededError(absl::StrCat(
          "traversal stopped at its deadline after ", stats_->hops,
          " hops and ", stats_->edges_scanned, " edges scanned"));
      return false;
    }
    return true;
  }

  // The run's state estimate (see TraversalOptions::memory_budget): the
  // current frontier and the path tree, plus `extra` bytes the caller holds
  // (the next frontier, visited sets, rows). False, with limit_ set, when it
  // is over the budget.
  bool WithinBudget(uint64_t extra) {
    const uint64_t bytes = cur_.size() * sizeof(Traverser) +
                           nodes_.size() * sizeof(PathNode) + extra;
    stats_->peak_bytes = std::max(stats_->peak_bytes, bytes);
    if (options_.memory_budget == 0 || bytes <= options_.memory_budget) {
      return true;
    }
    limit_ = absl::ResourceExhaustedError(absl::StrCat(
        "traversal stopped: its state would take ", bytes,
        " bytes, over its memory budget of ", options_.memory_budget,
        " bytes (", stats_->hops, " hops, ", cur_.size(),
        " traversers); narrow it with limit() or dedup(), or raise the "
        "budget"));
    return false;
  }

  static uint64_t ValueBytes(const Value& v) {
    uint64_t bytes = sizeof(Value);
    if (const auto* s = std::get_if<std::string>(&v)) bytes += s->size();
    if (const auto* l = std::get_if<std::vector<int64_t>>(&v)) {
      bytes += l->size() * sizeof(int64_t);
    }
    if (const auto* l = std::get_if<std::vector<double>>(&v)) {
      bytes += l->size() * sizeof(double);
    }
    if (const auto* l = std::get_if<std::vector<std::string>>(&v)) {
      for (const std::string& e : *l) bytes += sizeof(std::string) + e.size();
    }
    return bytes;
  }

  // A resolved column.
  struct Column {
    enum class Kind {
      kId,
      kLabel,
      kTs,
      kDistance,
      kProperty,
      kEdgeSrc,
      kEdgeDst,
      kEdgeLabel,
      kEdgeTs,
      kEdgeProperty,
    } kind;
    PropertyId property = 0;
  };

  absl::StatusOr<Column> Resolve(std::string_view name) const {
    using K = Column::Kind;
    if (name == "id") return Column{K::kId};
    if (name == "label") return Column{K::kLabel};
    if (name == "ts") return Column{K::kTs};
    if (name == "distance") return Column{K::kDistance};
    if (name.substr(0, 2) == "e.") {
      const std::string_view rest = name.substr(2);
      if (rest == "src") return Column{K::kEdgeSrc};
      if (rest == "dst") return Column{K::kEdgeDst};
      if (rest == "label") return Column{K::kEdgeLabel};
      if (rest == "ts") return Column{K::kEdgeTs};
      ZVERSE_ASSIGN_OR_RETURN(PropertyId p, Property(rest));
      return Column{K::kEdgeProperty, p};
    }
    ZVERSE_ASSIGN_OR_RETURN(PropertyId p, Property(name));
    return Column{K::kProperty, p};
  }

  absl::StatusOr<PropertyId> Property(std::string_view name) const {
    absl::StatusOr<PropertyId> p = snap_.PropertyIdOf(name);
    if (absl::IsNotFound(p.status())) {
      return absl::NotFoundError(
          absl::StrCat("unknown property '", std::string(name), "'"));
    }
    return p;
  }

  // nullopt: every label.
  absl::StatusOr<std::optional<LabelId>> Label(std::string_view name) const {
    if (name.empty()) return std::optional<LabelId>();
    absl::StatusOr<LabelId> l = snap_.LabelIdOf(name);
    if (absl::IsNotFound(l.status())) {
      return absl::NotFoundError(absl::StrCat("unknown label '", std::string(name), "'"));
    }
    if (!l.ok()) return l.status();
    return std::optional<LabelId>(*l);
  }

  // Reads what a row needs, once per row.
  class RowContext {
   public:
    RowContext(Run* run, const Traverser& t) : run_(run), t_(t) {}

    absl::StatusOr<Value> Get(const Column& col) {
      using K = Column::Kind;
      switch (col.kind) {
        case K::kId:
          return Value(static_cast<int64_t>(t_.v));
        case K::kDistance:
          return t_.distance < 0 ? Value(Null{})
                                 : Value(static_cast<int64_t>(t_.distance));
        case K::kEdgeSrc:
          return t_.has_edge ? Value(static_cast<int64_t>(t_.edge.src))
                             : Value(Null{});
        case K::kEdgeDst:
          return t_.has_edge ? Value(static_cast<int64_t>(t_.edge.dst))
                             : Value(Null{});
        case K::kEdgeTs:
          return t_.has_edge ? Value(static_cast<int64_t>(t_.edge_ts))
                             : Value(Null{});
        case K::kEdgeLabel: {
          if (!t_.has_edge) return Value(Null{});
          ZVERSE_ASSIGN_OR_RETURN(std::string_view name,
                                  run_->snap_.LabelName(t_.edge.label));
          return Value(std::string(name));
        }
        case K::kEdgeProperty: {
          if (!t_.has_edge) return Value(Null{});
          if (!edge_) {
            ZVERSE_ASSIGN_OR_RETURN(graph::Edge e,
                                    run_->snap_.GetEdge(t_.edge));
            edge_.emplace(std::move(e));
          }
          if (!edge_->record) return Value(Null{});
          absl::StatusOr<graph::PropertyValue> v =
              edge_->record->Get(col.property);
          if (absl::IsNotFound(v.status())) return Value(Null{});
          if (!v.ok()) return v.status();
          return FromProperty(*std::move(v));
        }
        case K::kLabel:
        case K::kTs:
        case K::kProperty: {
          if (!vertex_) {
            absl::StatusOr<graph::Vertex> v = run_->snap_.GetVertex(t_.v);
            if (absl::IsNotFound(v.status())) {
              // An edge stored without its endpoint (bulk loads that skipped
              // the check): no record to read.
              return Value(Null{});
            }
            if (!v.ok()) return v.status();
            vertex_.emplace(*std::move(v));
          }
          if (col.kind == K::kLabel) {
            return Value(std::string(vertex_->label_name));
          }
          if (col.kind == K::kTs) {
            return Value(static_cast<int64_t>(vertex_->ts));
          }
          absl::StatusOr<graph::PropertyValue> p =
              vertex_->record.Get(col.property);
          if (absl::IsNotFound(p.status())) return Value(Null{});
          if (!p.ok()) return p.status();
          return FromProperty(*std::move(p));
        }
      }
      return Value(Null{});
    }

   private:
    Run* run_;
    const Traverser& t_;
    std::optional<graph::Vertex> vertex_;
    std::optional<graph::Edge> edge_;
  };

  int32_t AddNode(VertexId v, const EdgeKey& edge, int32_t parent) {
    if (!paths_) return -1;
    nodes_.push_back(PathNode{v, edge, parent});
    return static_cast<int32_t>(nodes_.size() - 1);
  }

  absl::Status StartIds(const std::vector<VertexId>& ids) {
    cur_.clear();
    for (VertexId v : ids) {
      ZVERSE_ASSIGN_OR_RETURN(bool exists, snap_.HasVertex(v));
      if (!exists) continue;
      Traverser t;
      t.v = v;
      t.node = AddNode(v, EdgeKey{}, -1);
      cur_.push_back(t);
    }
    return absl::OkStatus();
  }

  absl::Status StartLabel(std::string_view label) {
    ZVERSE_ASSIGN_OR_RETURN(std::optional<LabelId> l, Label(label));
    cur_.clear();
    if (!l) return StartAll();
    return snap_.Vertices(*l, [&](VertexId v) {
      Traverser t;
      t.v = v;
      t.node = AddNode(v, EdgeKey{}, -1);
      cur_.push_back(t);
      return true;
    });
  }

  absl::Status StartAll() {
    cur_.clear();
    ZVERSE_ASSIGN_OR_RETURN(std::vector<VertexId> ids, snap_.VertexIds());
    for (VertexId v : ids) {
      Traverser t;
      t.v = v;
      t.node = AddNode(v, EdgeKey{}, -1);
      cur_.push_back(t);
    }
    return absl::OkStatus();
  }

  bool InWindow(Timestamp ts) const {
    return ts >= window_from_ && ts <= window_to_;
  }

  // Hints the adjacency ranges of the distinct vertices of traversers
  // [begin, end) in `ts` (at most one chunk), in key order: bucket first,
  // which is the physical order of the segments.
  void PrefetchAdjacency(const std::vector<Traverser>& ts, size_t begin,
                         size_t end, Direction d,
                         const std::optional<LabelId>& label) {
    if (!options_.prefetch || begin >= end) return;
    // (While the prefetcher backs off, the ranges are not even built.)
    if (snap_.kv().SkipNextHint()) return;
    end = std::min(end, begin + options_.prefetch_chunk);
    std::vector<std::string> bounds;
    absl::flat_hash_set<VertexId> seen;
    for (size_t i = begin; i < end; ++i) {
      const VertexId v = ts[i].v;
      if (!seen.insert(v).second) continue;
      if (d != Direction::kIn) {
        bounds.push_back(label ? graph::OutEdgePrefix(v, *label)
                               : graph::OutEdgePrefix(v));
      }
      if (d != Direction::kOut) {
        bounds.push_back(label ? graph::InEdgePrefix(v, *label)
                               : graph::InEdgePrefix(v));
      }
    }
    std::sort(bounds.begin(), bounds.end());
    std::vector<std::string> ends;
    ends.reserve(bounds.size());
    for (const std::string& b : bounds) ends.push_back(graph::PrefixEnd(b));
    std::vector<kv::KeyRange> ranges;
    ranges.reserve(bounds.size());
    for (size_t i = 0; i < bounds.size(); ++i) {
      ranges.push_back(kv::KeyRange{bounds[i], ends[i]});
    }
    Hint(ranges);
  }

  // Where the prefetcher resolves hints in the background, the chunk about
  // to be scanned is hinted too: its workers' reads overlap the scan's.
  // (Resolved on this thread, such a hint would only read the pages the
  // scan reads next, so it is not given.)
  void HintFirstChunk(const std::vector<Traverser>& ts, Direction d,
                      const std::optional<LabelId>& label) {
    if (ts.size() < 2 || !options_.prefetch ||
        !snap_.kv().PrefetchesInBackground()) {
      return;
    }
    PrefetchAdjacency(ts, 0, ts.size(), d, label);
  }

  void Hint(const std::vector<kv::KeyRange>& ranges) {
    if (ranges.empty()) return;
    snap_.kv().Prefetch(ranges);
    ++stats_->prefetch_calls;
    stats_->prefetch_ranges += ranges.size();
  }

  // Calls fn(edge, neighbour) for v's edges in direction d (out-edges first
  // for kBoth), inside the edge-time window.
  template <typename Fn>
  absl::Status ForEachEdge(VertexId v, Direction d,
                           const std::optional<LabelId>& label, Fn fn) {
    // fn returns false, with limit_ set, when a limit stops the run.
    auto visit = [&](const EdgeRef& e, VertexId other) {
      if (++stats_->edges_scanned % kCheckEdges == 0 && !InTime()) {
        return false;
      }
      if (!InWindow(e.ts)) return true;
      return fn(e, other);
    };
    if (d != Direction::kIn) {
      auto out = [&](const EdgeRef& e) { return visit(e, e.dst); };
      ZVERSE_RETURN_IF_ERROR(label ? snap_.OutEdges(v, *label, out)
                                   : snap_.OutEdges(v, out));
      ZVERSE_RETURN_IF_ERROR(limit_);
    }
    if (d != Direction::kOut) {
      auto in = [&](const EdgeRef& e) { return visit(e, e.src); };
      ZVERSE_RETURN_IF_ERROR(label ? snap_.InEdges(v, *label, in)
                                   : snap_.InEdges(v, in));
      ZVERSE_RETURN_IF_ERROR(limit_);
    }
    return absl::OkStatus();
  }

  absl::Status Hop(Direction d, std::string_view label_name) {
    ZVERSE_ASSIGN_OR_RETURN(std::optional<LabelId> label, Label(label_name));
    ++stats_->hops;
    std::vector<Traverser> next;
    const size_t chunk = std::max<size_t>(1, options_.prefetch_chunk);
    // A chunk ahead of the scans (the first chunk is scanned at once).
    for (size_t i = 0; i < cur_.size(); ++i) {
      if (i % chunk == 0) {
        if (i == 0) HintFirstChunk(cur_, d, label);
        PrefetchAdjacency(cur_, i + chunk, cur_.size(), d, label);
      }
      const Traverser& t = cur_[i];
      ZVERSE_RETURN_IF_ERROR(
          ForEachEdge(t.v, d, label, [&](const EdgeRef& e, VertexId other) {
            Traverser n;
            n.v = other;
            n.has_edge = true;
            n.edge = e.key();
            n.edge_ts = e.ts;
            n.node = paths_ ? AddNode(other, n.edge, t.node) : -1;
            next.push_back(n);
            return WithinBudget(next.size() * sizeof(Traverser));
          }));
    }
    cur_ = std::move(next);
    return absl::OkStatus();
  }

  absl::Status Repeat(Direction d, std::string_view label_name, int min_hops,
                      int max_hops) {
    if (min_hops < 0 || max_hops < min_hops) {
      return absl::InvalidArgumentError(absl::StrCat(
          "repeat needs 0 <= min <= max hops, got ", min_hops, "..",
          max_hops));
    }
    ZVERSE_ASSIGN_OR_RETURN(std::optional<LabelId> label, Label(label_name));
    absl::flat_hash_set<VertexId> visited;
    std::vector<Traverser> level;
    for (const Traverser& t : cur_) {
      if (!visited.insert(t.v).second) continue;
      Traverser s = t;
      s.distance = 0;
      level.push_back(s);
    }
    std::vector<Traverser> out;
    if (min_hops == 0) out = level;
    // Held besides cur_ (the start set) and the path tree.
    const auto held = [&](const std::vector<Traverser>& next) {
      return (level.size() + next.size() + out.size()) * sizeof(Traverser) +
             visited.size() * kSetEntryBytes;
    };
    for (int depth = 1; depth <= max_hops && !level.empty(); ++depth) {
      ++stats_->hops;
      std::vector<Traverser> next;
      const size_t chunk = std::max<size_t>(1, options_.prefetch_chunk);
      for (size_t i = 0; i < level.size(); ++i) {
        if (i % chunk == 0) {
          if (i == 0) HintFirstChunk(level, d, label);
          PrefetchAdjacency(level, i + chunk, level.size(), d, label);
        }
        const Traverser& t = level[i];
        ZVERSE_RETURN_IF_ERROR(ForEachEdge(
            t.v, d, label, [&](const EdgeRef& e, VertexId other) {
              if (!visited.insert(other).second) return true;
              Traverser n;
              n.v = other;
              n.has_edge = true;
              n.edge = e.key();
              n.edge_ts = e.ts;
              n.distance = depth;
              n.node = paths_ ? AddNode(other, n.edge, t.node) : -1;
              next.push_back(n);
              return WithinBudget(held(next));
            }));
      }
      if (depth >= min_hops) out.insert(out.end(), next.begin(), next.end());
      level = std::move(next);
    }
    cur_ = std::move(out);
    return absl::OkStatus();
  }

  absl::Status WhereVertex(const Step& s) {
    ZVERSE_ASSIGN_OR_RETURN(Column col, Resolve(s.name));
    const Value want = FromProperty(s.value);
    return Filter(col, [&](const Value& got) {
      const std::optional<int> c = ComparableOrder(got, want);
      return c.has_value() && Holds(s.op, *c);
    });
  }

  absl::Status WhereEdge(const Step& s) {
    Column col;
    if (s.name == "ts") {
      col = Column{Column::Kind::kEdgeTs};
    } else {
      ZVERSE_ASSIGN_OR_RETURN(PropertyId p, Property(s.name));
      col = Column{Column::Kind::kEdgeProperty, p};
    }
    const Value want = FromProperty(s.value);
    return Filter(col, [&](const Value& got) {
      const std::optional<int> c = ComparableOrder(got, want);
      return c.has_value() && Holds(s.op, *c);
    });
  }

  absl::Status HasLabel(std::string_view name) {
    ZVERSE_ASSIGN_OR_RETURN(std::optional<LabelId> label, Label(name));
    if (!label) return absl::OkStatus();
    std::vector<Traverser> kept;
    for (size_t i = 0; i < cur_.size(); ++i) {
      if (i % kCheckVertices == 0 && !InTime()) return limit_;
      absl::StatusOr<graph::Vertex> v = snap_.GetVertex(cur_[i].v);
      if (absl::IsNotFound(v.status())) continue;
      if (!v.ok()) return v.status();
      if (v->label == *label) kept.push_back(cur_[i]);
    }
    cur_ = std::move(kept);
    return absl::OkStatus();
  }

  // Keeps the traversers whose `col` value passes `keep`.
  template <typename Keep>
  absl::Status Filter(const Column& col, Keep keep) {
    std::vector<Traverser> kept;
    for (size_t i = 0; i < cur_.size(); ++i) {
      if (i % kCheckVertices == 0 && !InTime()) return limit_;
      RowContext ctx(this, cur_[i]);
      ZVERSE_ASSIGN_OR_RETURN(Value v, ctx.Get(col));
      if (keep(v)) kept.push_back(cur_[i]);
    }
    cur_ = std::move(kept);
    return absl::OkStatus();
  }

  absl::Status OrderBy(const std::vector<const Step*>& keys) {
    std::vector<Column> cols;
    for (const Step* k : keys) {
      ZVERSE_ASSIGN_OR_RETURN(Column c, Resolve(k->name));
      cols.push_back(c);
    }
    std::vector<Row> values(cur_.size());
    uint64_t value_bytes = cur_.size() * (sizeof(Row) + sizeof(size_t));
    for (size_t i = 0; i < cur_.size(); ++i) {
      if (i % kCheckVertices == 0 && !InTime()) return limit_;
      RowContext ctx(this, cur_[i]);
      for (const Column& c : cols) {
        ZVERSE_ASSIGN_OR_RETURN(Value v, ctx.Get(c));
        value_bytes += ValueBytes(v);
        values[i].push_back(std::move(v));
      }
      if (!WithinBudget(value_bytes)) return limit_;
    }
    std::vector<size_t> order(cur_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      for (size_t k = 0; k < cols.size(); ++k) {
        const Value& x = values[a][k];
        const Value& y = values[b][k];
        // Missing values last, whichever the direction.
        const bool nx = x.index() == 0, ny = y.index() == 0;
        if (nx != ny) return ny;
        const int c = CompareValues(x, y);
        if (c != 0) return keys[k]->descending ? c > 0 : c < 0;
      }
      return false;
    });
    std::vector<Traverser> sorted;
    sorted.reserve(cur_.size());
    for (size_t i : order) sorted.push_back(cur_[i]);
    cur_ = std::move(sorted);
    return absl::OkStatus();
  }

  const graph::GraphSnapshot& snap_;
  const TraversalOptions& options_;
  const bool paths_;
  TraversalStats* stats_;
  std::vector<Traverser> cur_;
  std::vector<PathNode> nodes_;
  absl::Status limit_;  // Why a limit stopped the run.
  Timestamp window_from_ = 0;
  Timestamp window_to_ = std::numeric_limits<Timestamp>::max();
};

absl::StatusOr<std::vector<VertexId>> Traversal::Ids() {
  stats_ = TraversalStats();
  Run run(*snap_, options_, /*track_paths=*/false, &stats_);
  ZVERSE_RETURN_IF_ERROR(run.Execute(steps_));
  std::vector<VertexId> ids;
  ids.reserve(run.traversers().size());
  for (const auto& t : run.traversers()) ids.push_back(t.v);
  return ids;
}

absl::StatusOr<std::vector<Row>> Traversal::Values(
    const std::vector<std::string>& columns) {
  stats_ = TraversalStats();
  Run run(*snap_, options_, /*track_paths=*/false, &stats_);
  ZVERSE_RETURN_IF_ERROR(run.Execute(steps_));
  return run.Rows(columns);
}

absl::StatusOr<std::vector<Path>> Traversal::Paths() {
  stats_ = TraversalStats();
  Run run(*snap_, options_, /*track_paths=*/true, &stats_);
  ZVERSE_RETURN_IF_ERROR(run.Execute(steps_));
  return run.PathsOut();
}

absl::StatusOr<size_t> Traversal::Count() {
  stats_ = TraversalStats();
  Run run(*snap_, options_, /*track_paths=*/false, &stats_);
  ZVERSE_RETURN_IF_ERROR(run.Execute(steps_));
  return run.traversers().size();
}

}  // namespace zverse::query
