#include "graph/graph_db.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "kv/status_macros.h"

namespace zverse::graph {

namespace {

uint64_t LoadU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

uint32_t LoadU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

std::string EncodeU32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 3; i >= 0; --i) {
    s[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return s;
}

// The prefix of every key of one dictionary tag and kind.
std::string DictionaryPrefix(KeyTag tag, DictionaryKind kind) {
  std::string p(3, '\0');
  p.push_back(static_cast<char>(tag));
  p.push_back(static_cast<char>(kind));
  return p;
}

std::string EdgeName(const EdgeKey& e) {
  return absl::StrCat(e.src, " -[", e.label, "]-> ", e.dst);
}

// Decodes an out-edge (`out`) or in-edge key into an EdgeRef. The key was
// found under an edge prefix, so its tag is right; the size is checked.
bool DecodeEdge(const kv::Record& r, bool out, EdgeRef* e) {
  if (r.key.size() != kEdgeKeySize) return false;
  const char* k = r.key.data();
  const VertexId first = LoadU64(k + 4);
  e->label = LoadU32(k + 12);
  const VertexId second = LoadU64(k + 16);
  if (out) {
    e->src = first;
    e->dst = second;
    e->value = r.value;
  } else {
    e->src = second;
    e->dst = first;
    e->value = std::string_view();
  }
  e->ts = r.ts;
  return true;
}

absl::Status BadKey(std::string_view what, std::string_view key) {
  return absl::DataLossError(absl::StrCat(
      "malformed ", std::string(what), " key of ", key.size(), " bytes"));
}

}  // namespace

// ---------------------------------------------------------------------------
// Dictionaries: append-only maps between names and ids, one per kind. Loaded
// at open; extended after each commit that interned new names. Ids start
// at 1.

// One kind's names. Readers take no lock: names live in an insert-only
// open-addressing table of atomic pointers (replaced by one twice as large
// when half full; the old ones are kept until the dictionary goes, so their
// total is under twice the last) and in an id-indexed array of chunks of
// doubling size that never move. Writers are serialized by the caller.
class NameTable {
 public:
  NameTable() { Grow(16); }
  NameTable(const NameTable&) = delete;
  NameTable& operator=(const NameTable&) = delete;
  ~NameTable() {
    for (auto& c : chunks_) delete[] c.load(std::memory_order_relaxed);
  }

  std::optional<uint32_t> Find(std::string_view name) const {
    const Slots* t = slots_.load(std::memory_order_acquire);
    for (size_t i = Hash(name) & t->mask;; i = (i + 1) & t->mask) {
      const Entry* e = t->slot[i].load(std::memory_order_acquire);
      if (e == nullptr) return std::nullopt;
      if (e->name == name) return e->id;
    }
  }

  const std::string* Name(uint32_t id) const {
    if (id == 0 || id > max_id_.load(std::memory_order_acquire)) return nullptr;
    const int k = std::bit_width(id) - 1;  // id in [2^k, 2^(k+1)).
    const std::atomic<const Entry*>* chunk =
        chunks_[k].load(std::memory_order_acquire);
    if (chunk == nullptr) return nullptr;
    const Entry* e = chunk[id - (uint32_t{1} << k)].load(std::memory_order_acquire);
    return e == nullptr ? nullptr : &e->name;
  }

  uint32_t max_id() const { return max_id_.load(std::memory_order_acquire); }

  // REQUIRES: writers serialized; `name` and `id` not in the table yet.
  void Add(std::string_view name, uint32_t id) {
    const size_t capacity = slots_.load(std::memory_order_relaxed)->mask + 1;
    if ((entries_.size() + 1) * 2 > capacity) Grow(2 * capacity);
    const Entry* e = &entries_.emplace_back(Entry{std::string(name), id});
    Insert(slots_.load(std::memory_order_relaxed), e);
    const int k = std::bit_width(id) - 1;
    std::atomic<const Entry*>* chunk = chunks_[k].load(std::memory_order_relaxed);
    if (chunk == nullptr) {
      chunk = new std::atomic<const Entry*>[size_t{1} << k]();
      chunks_[k].store(chunk, std::memory_order_release);
    }
    chunk[id - (uint32_t{1} << k)].store(e, std::memory_order_release);
    if (id > max_id_.load(std::memory_order_relaxed)) {
      max_id_.store(id, std::memory_order_release);
    }
  }

 private:
  struct Entry {
    std::string name;
    uint32_t id;
  };
  struct Slots {
    size_t mask;
    std::unique_ptr<std::atomic<const Entry*>[]> slot;
  };
  static size_t Hash(std::string_view name) {
    return absl::Hash<absl::string_view>()(
        absl::string_view(name.data(), name.size()));
  }
  static void Insert(const Slots* t, const Entry* e) {
    size_t i = Hash(e->name) & t->mask;
    while (t->slot[i].load(std::memory_order_relaxed) != nullptr) {
      i = (i + 1) & t->mask;
    }
    t->slot[i].store(e, std::memory_order_release);
  }
  // A table of `size` slots holding every entry, published whole.
  void Grow(size_t size) {
    auto t = std::make_unique<Slots>();
    t->mask = size - 1;
    t->slot.reset(new std::atomic<const Entry*>[size]());
    for (const Entry& e : entries_) Insert(t.get(), &e);
    slots_.store(t.get(), std::memory_order_release);
    all_slots_.push_back(std::move(t));
  }

  std::deque<Entry> entries_;  // Stable addresses.
  std::atomic<const Slots*> slots_{nullptr};
  std::vector<std::unique_ptr<Slots>> all_slots_;
  std::atomic<std::atomic<const Entry*>*> chunks_[32] = {};
  std::atomic<uint32_t> max_id_{0};
};

class Dictionaries {
 public:
  std::optional<uint32_t> Find(DictionaryKind kind,
                               std::string_view name) const {
    return table(kind).Find(name);
  }

  std::optional<std::string_view> Name(DictionaryKind kind, uint32_t id) const {
    const std::string* name = table(kind).Name(id);
    if (name == nullptr) return std::nullopt;
    return std::string_view(*name);
  }

  std::vector<uint32_t> Ids(DictionaryKind kind) const {
    const NameTable& t = table(kind);
    std::vector<uint32_t> ids;
    const uint32_t n = t.max_id();
    for (uint32_t id = 1; id <= n; ++id) {
      if (t.Name(id) != nullptr) ids.push_back(id);
    }
    return ids;
  }

  uint32_t NextId(DictionaryKind kind) const {
    return table(kind).max_id() + 1;
  }

  // FailedPrecondition-free: the caller guarantees uniqueness (the writer
  // lock, or loading from a consistent store).
  void Add(DictionaryKind kind, std::string_view name, uint32_t id) {
    std::lock_guard<std::mutex> l(write_mu_);
    table(kind).Add(name, id);
  }

 private:
  const NameTable& table(DictionaryKind kind) const {
    return kind == DictionaryKind::kLabel ? labels_ : properties_;
  }
  NameTable& table(DictionaryKind kind) {
    return kind == DictionaryKind::kLabel ? labels_ : properties_;
  }

  std::mutex write_mu_;  // Adds only; readers take no lock.
  NameTable labels_;
  NameTable properties_;
};

// ---------------------------------------------------------------------------
// GraphBatch

void GraphBatch::PutVertex(VertexId v, std::string_view label,
                           Properties properties, Timestamp ts) {
  ops_.push_back(Op{OpKind::kPutVertex, v, 0, std::string(label),
                    std::move(properties), ts});
}

void GraphBatch::RemoveVertex(VertexId v, Timestamp ts) {
  ops_.push_back(Op{OpKind::kRemoveVertex, v, 0, std::string(), {}, ts});
}

void GraphBatch::PutEdge(VertexId src, std::string_view label, VertexId dst,
                         Properties properties, Timestamp ts) {
  ops_.push_back(Op{OpKind::kPutEdge, src, dst, std::string(label),
                    std::move(properties), ts});
}

void GraphBatch::RemoveEdge(VertexId src, std::string_view label, VertexId dst,
                            Timestamp ts) {
  ops_.push_back(
      Op{OpKind::kRemoveEdge, src, dst, std::string(label), {}, ts});
}

void GraphBatch::SetMetadata(std::string_view name, std::string_view value,
                             Timestamp ts) {
  ops_.push_back(Op{OpKind::kSetMetadata, 0, metadata_values_.size(),
                    std::string(name), {}, ts});
  metadata_values_.emplace_back(value);
}

std::string_view DiffKindName(DiffEntry::Kind kind) {
  switch (kind) {
    case DiffEntry::Kind::kAdded:
      return "added";
    case DiffEntry::Kind::kRemoved:
      return "removed";
    case DiffEntry::Kind::kChanged:
      return "changed";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// GraphSnapshot

absl::StatusOr<LabelId> GraphSnapshot::LabelIdOf(std::string_view name) const {
  std::optional<uint32_t> id = dict_->Find(DictionaryKind::kLabel, name);
  if (!id) {
    return absl::NotFoundError(
        absl::StrCat("unknown label '", std::string(name), "'"));
  }
  return *id;
}

absl::StatusOr<PropertyId> GraphSnapshot::PropertyIdOf(
    std::string_view name) const {
  std::optional<uint32_t> id = dict_->Find(DictionaryKind::kProperty, name);
  if (!id) {
    return absl::NotFoundError(
        absl::StrCat("unknown property '", std::string(name), "'"));
  }
  return *id;
}

absl::StatusOr<std::string_view> GraphSnapshot::LabelName(LabelId id) const {
  std::optional<std::string_view> name = dict_->Name(DictionaryKind::kLabel, id);
  if (!name) {
    return absl::DataLossError(
        absl::StrCat("label id ", id, " is missing from the dictionary"));
  }
  return *name;
}

absl::StatusOr<std::string_view> GraphSnapshot::PropertyName(
    PropertyId id) const {
  std::optional<std::string_view> name =
      dict_->Name(DictionaryKind::kProperty, id);
  if (!name) {
    return absl::DataLossError(
        absl::StrCat("property id ", id, " is missing from the dictionary"));
  }
  return *name;
}

absl::StatusOr<Properties> GraphSnapshot::Named(const RecordView& record) const {
  Properties out;
  for (Property& p : record.ToProperties()) {
    ZVERSE_ASSIGN_OR_RETURN(std::string_view name, PropertyName(p.name));
    out.push_back(NamedProperty{std::string(name), std::move(p.value)});
  }
  std::sort(out.begin(), out.end(),
            [](const NamedProperty& a, const NamedProperty& b) {
              return a.name < b.name;
            });
  return out;
}

absl::StatusOr<Vertex> GraphSnapshot::GetVertex(VertexId v) const {
  absl::StatusOr<kv::Record> rec = kv_->GetRecord(VertexKey(v));
  if (rec.ok() && rec->deleted) rec = absl::NotFoundError("");
  if (absl::IsNotFound(rec.status())) {
    return absl::NotFoundError(
        absl::StrCat("vertex ", v, " does not exist as of ", as_of()));
  }
  if (!rec.ok()) return rec.status();
  ZVERSE_ASSIGN_OR_RETURN(RecordView view, RecordView::Parse(rec->value));
  Vertex out{.id = v, .label = view.label(), .label_name = {},
             .ts = rec->ts, .record = std::move(view)};
  ZVERSE_ASSIGN_OR_RETURN(out.label_name, LabelName(out.label));
  return out;
}

absl::StatusOr<bool> GraphSnapshot::HasVertex(VertexId v) const {
  absl::StatusOr<std::string_view> value = kv_->Get(VertexKey(v));
  if (absl::IsNotFound(value.status())) return false;
  if (!value.ok()) return value.status();
  return true;
}

absl::StatusOr<Properties> GraphSnapshot::VertexProperties(VertexId v) const {
  ZVERSE_ASSIGN_OR_RETURN(Vertex vertex, GetVertex(v));
  return Named(vertex.record);
}

absl::StatusOr<Edge> GraphSnapshot::GetEdge(const EdgeKey& edge) const {
  absl::StatusOr<kv::Record> rec =
      kv_->GetRecord(OutEdgeKey(edge.src, edge.label, edge.dst));
  if (rec.ok() && rec->deleted) rec = absl::NotFoundError("");
  if (absl::IsNotFound(rec.status())) {
    return absl::NotFoundError(absl::StrCat(
        "edge ", EdgeName(edge), " does not exist as of ", as_of()));
  }
  if (!rec.ok()) return rec.status();
  Edge out{.key = edge, .ts = rec->ts, .record = std::nullopt};
  if (!rec->value.empty()) {
    ZVERSE_ASSIGN_OR_RETURN(RecordView view, RecordView::Parse(rec->value));
    out.record.emplace(std::move(view));
  }
  return out;
}

absl::StatusOr<Properties> GraphSnapshot::EdgeProperties(
    const EdgeKey& edge) const {
  ZVERSE_ASSIGN_OR_RETURN(Edge e, GetEdge(edge));
  if (!e.record) return Properties();
  return Named(*e.record);
}

absl::Status GraphSnapshot::ScanEdges(
    std::string_view prefix, bool out,
    absl::FunctionRef<bool(const EdgeRef&)> fn) const {
  absl::Status bad;
  ZVERSE_RETURN_IF_ERROR(
      kv_->Scan(prefix, PrefixEnd(prefix), [&](const kv::Record& r) {
        EdgeRef e;
        if (!DecodeEdge(r, out, &e)) {
          bad = BadKey(out ? "out-edge" : "in-edge", r.key);
          return false;
        }
        return fn(e);
      }));
  return bad;
}

absl::Status GraphSnapshot::OutEdges(
    VertexId v, absl::FunctionRef<bool(const EdgeRef&)> fn) const {
  return ScanEdges(OutEdgePrefix(v), /*out=*/true, fn);
}

absl::Status GraphSnapshot::OutEdges(
    VertexId v, LabelId label,
    absl::FunctionRef<bool(const EdgeRef&)> fn) const {
  return ScanEdges(OutEdgePrefix(v, label), /*out=*/true, fn);
}

absl::Status GraphSnapshot::InEdges(
    VertexId v, absl::FunctionRef<bool(const EdgeRef&)> fn) const {
  return ScanEdges(InEdgePrefix(v), /*out=*/false, fn);
}

absl::Status GraphSnapshot::InEdges(
    VertexId v, LabelId label,
    absl::FunctionRef<bool(const EdgeRef&)> fn) const {
  return ScanEdges(InEdgePrefix(v, label), /*out=*/false, fn);
}

absl::StatusOr<std::vector<VertexId>> GraphSnapshot::OutNeighbors(
    VertexId v, std::optional<LabelId> label) const {
  std::vector<VertexId> out;
  auto fn = [&](const EdgeRef& e) {
    out.push_back(e.dst);
    return true;
  };
  ZVERSE_RETURN_IF_ERROR(label ? OutEdges(v, *label, fn) : OutEdges(v, fn));
  return out;
}

absl::StatusOr<std::vector<VertexId>> GraphSnapshot::InNeighbors(
    VertexId v, std::optional<LabelId> label) const {
  std::vector<VertexId> out;
  auto fn = [&](const EdgeRef& e) {
    out.push_back(e.src);
    return true;
  };
  ZVERSE_RETURN_IF_ERROR(label ? InEdges(v, *label, fn) : InEdges(v, fn));
  return out;
}

absl::StatusOr<size_t> GraphSnapshot::OutDegree(
    VertexId v, std::optional<LabelId> label) const {
  size_t n = 0;
  auto fn = [&](const EdgeRef&) {
    ++n;
    return true;
  };
  ZVERSE_RETURN_IF_ERROR(label ? OutEdges(v, *label, fn) : OutEdges(v, fn));
  return n;
}

absl::StatusOr<size_t> GraphSnapshot::InDegree(
    VertexId v, std::optional<LabelId> label) const {
  size_t n = 0;
  auto fn = [&](const EdgeRef&) {
    ++n;
    return true;
  };
  ZVERSE_RETURN_IF_ERROR(label ? InEdges(v, *label, fn) : InEdges(v, fn));
  return n;
}

absl::Status GraphSnapshot::Vertices(
    LabelId label, absl::FunctionRef<bool(VertexId)> fn) const {
  const std::string prefix = LabelIndexPrefix(label);
  absl::Status bad;
  ZVERSE_RETURN_IF_ERROR(
      kv_->Scan(prefix, PrefixEnd(prefix), [&](const kv::Record& r) {
        if (r.key.size() != kLabelIndexKeySize) {
          bad = BadKey("label index", r.key);
          return false;
        }
        return fn(LoadU64(r.key.data() + 8));
      }));
  return bad;
}

absl::Status GraphSnapshot::Vertices(
    absl::FunctionRef<bool(VertexId, LabelId)> fn) const {
  for (LabelId label : KnownLabels()) {
    bool stopped = false;
    ZVERSE_RETURN_IF_ERROR(Vertices(label, [&](VertexId v) {
      if (!fn(v, label)) stopped = true;
      return !stopped;
    }));
    if (stopped) break;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<VertexId>> GraphSnapshot::VertexIds() const {
  std::vector<VertexId> ids;
  ZVERSE_RETURN_IF_ERROR(Vertices([&](VertexId v, LabelId) {
    ids.push_back(v);
    return true;
  }));
  std::sort(ids.begin(), ids.end());
  return ids;
}

absl::Status GraphSnapshot::Edges(
    absl::FunctionRef<bool(const EdgeRef&)> fn) const {
  absl::Status bad;
  ZVERSE_RETURN_IF_ERROR(kv_->Scan("", "", [&](const kv::Record& r) {
    if (r.key.size() < 4 || r.key[3] != static_cast<char>(KeyTag::kOutEdge)) {
      return true;
    }
    EdgeRef e;
    if (!DecodeEdge(r, /*out=*/true, &e)) {
      bad = BadKey("out-edge", r.key);
      return false;
    }
    return fn(e);
  }));
  return bad;
}

std::vector<LabelId> GraphSnapshot::KnownLabels() const {
  return dict_->Ids(DictionaryKind::kLabel);
}

// ---------------------------------------------------------------------------
// GraphDb

struct GraphDb::Impl {
  std::shared_ptr<Dictionaries> dict = std::make_shared<Dictionaries>();
  std::mutex write_mu;  // Serializes Apply and SetMetadata.
};

GraphDb::GraphDb(std::unique_ptr<KvBackend> kv)
    : kv_(std::move(kv)), impl_(std::make_unique<Impl>()) {}

GraphDb::~GraphDb() = default;

absl::StatusOr<std::unique_ptr<GraphDb>> GraphDb::Open(
    const std::string& path, const GraphOptions& options) {
  ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<KvBackend> kv,
                          OpenZVerseBackend(path, options.kv));
  return Open(std::move(kv));
}

absl::StatusOr<std::unique_ptr<GraphDb>> GraphDb::Open(
    std::unique_ptr<KvBackend> backend) {
  if (backend == nullptr) {
    return absl::InvalidArgumentError("GraphDb::Open: no backend");
  }
  std::unique_ptr<GraphDb> db(new GraphDb(std::move(backend)));
  ZVERSE_RETURN_IF_ERROR(db->LoadDictionaries());
  return db;
}

absl::Status GraphDb::Close() { return kv_->Close(); }

absl::Status GraphDb::LoadDictionaries() {
  ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<KvView> snap, kv_->GetView(kLatest));
  for (DictionaryKind kind : {DictionaryKind::kLabel, DictionaryKind::kProperty}) {
    const std::string kind_name =
        kind == DictionaryKind::kLabel ? "label" : "property";
    // id -> name.
    absl::flat_hash_map<std::string, uint32_t> by_name;
    const std::string ids = DictionaryPrefix(KeyTag::kIdToName, kind);
    absl::Status bad;
    ZVERSE_RETURN_IF_ERROR(
        snap->Scan(ids, PrefixEnd(ids), [&](const kv::Record& r) {
          if (r.key.size() != 9 || LoadU32(r.key.data() + 5) == 0) {
            bad = BadKey(kind_name + " dictionary", r.key);
            return false;
          }
          const uint32_t id = LoadU32(r.key.data() + 5);
          if (!by_name.emplace(std::string(r.value), id).second) {
            bad = absl::DataLossError(absl::StrCat(
                kind_name, " dictionary of ", kv_->path(), ": name '",
                std::string(r.value), "' has two ids"));
            return false;
          }
          impl_->dict->Add(kind, r.value, id);
          return true;
        }));
    ZVERSE_RETURN_IF_ERROR(bad);
    // name -> id must agree.
    const std::string names = DictionaryPrefix(KeyTag::kNameToId, kind);
    size_t count = 0;
    ZVERSE_RETURN_IF_ERROR(
        snap->Scan(names, PrefixEnd(names), [&](const kv::Record& r) {
          ++count;
          const std::string name(r.key.substr(5));
          auto it = by_name.find(name);
          if (r.value.size() != 4 || it == by_name.end() ||
              it->second != LoadU32(r.value.data())) {
            bad = absl::DataLossError(absl::StrCat(
                kind_name, " dictionary of ", kv_->path(),
                ": the entries for '", name, "' disagree"));
            return false;
          }
          return true;
        }));
    ZVERSE_RETURN_IF_ERROR(bad);
    if (count != by_name.size()) {
      return absl::DataLossError(absl::StrCat(
          kind_name, " dictionary of ", kv_->path(), ": ", by_name.size(),
          " ids but ", count, " names"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<GraphSnapshot> GraphDb::GetSnapshot(Timestamp as_of) const {
  ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<KvView> snap, kv_->GetView(as_of));
  return GraphSnapshot(std::move(snap), impl_->dict);
}

namespace {

// The state of the graph as an Apply in progress sees it: the latest
// committed state plus the batch's earlier operations.
class ApplyState {
 public:
  // `track_edges`: the batch removes edges or vertices, so edge existence
  // (and, with `track_adjacency`, each vertex's new edges) must be followed
  // through the batch. A batch of puts needs neither.
  ApplyState(const KvView& latest, Dictionaries* dict, bool track_edges,
             bool track_adjacency)
      : latest_(latest),
        dict_(dict),
        track_edges_(track_edges),
        track_adjacency_(track_adjacency) {}

  // Interns `name`, allocating an id (and its dictionary entries in `batch`)
  // if it is new.
  // The dictionary entries carry `ts` (the interning operation's), so that
  // a batch whose every operation has its own timestamp stays an import.
  uint32_t Intern(DictionaryKind kind, std::string_view name, Timestamp ts,
                  kv::WriteBatch* batch) {
    if (std::optional<uint32_t> id = Find(kind, name)) return *id;
    auto& added = kind == DictionaryKind::kLabel ? new_labels_ : new_props_;
    const uint32_t id =
        dict_->NextId(kind) + static_cast<uint32_t>(added.size());
    added.emplace(std::string(name), id);
    batch->PutAt(NameToIdKey(kind, name), EncodeU32(id), ts);
    batch->PutAt(IdToNameKey(kind, id), name, ts);
    return id;
  }

  // The id of `name` if it is interned (before or in this batch).
  std::optional<uint32_t> Find(DictionaryKind kind, std::string_view name) {
    if (std::optional<uint32_t> id = dict_->Find(kind, name)) return id;
    auto& added = kind == DictionaryKind::kLabel ? new_labels_ : new_props_;
    auto it = added.find(absl::string_view(name.data(), name.size()));
    if (it != added.end()) return it->second;
    return std::nullopt;
  }

  // Publishes the names this batch interned (after the commit succeeded).
  void PublishNames() {
    for (auto* added : {&new_labels_, &new_props_}) {
      const DictionaryKind kind =
          added == &new_labels_ ? DictionaryKind::kLabel
                                : DictionaryKind::kProperty;
      std::vector<std::pair<uint32_t, std::string>> sorted;
      for (const auto& [name, id] : *added) sorted.emplace_back(id, name);
      std::sort(sorted.begin(), sorted.end());
      for (const auto& [id, name] : sorted) dict_->Add(kind, name, id);
    }
  }

  // The vertex's label if it exists, nullopt if not.
  absl::StatusOr<std::optional<LabelId>> VertexLabel(VertexId v) {
    auto it = vertices_.find(v);
    if (it != vertices_.end()) return it->second;
    absl::StatusOr<std::string_view> value = latest_.Get(VertexKey(v));
    if (absl::IsNotFound(value.status())) return std::optional<LabelId>();
    if (!value.ok()) return value.status();
    ZVERSE_ASSIGN_OR_RETURN(RecordView view, RecordView::Parse(*value));
    return std::optional<LabelId>(view.label());
  }

  void SetVertex(VertexId v, std::optional<LabelId> label) {
    vertices_[v] = label;
  }

  absl::StatusOr<bool> EdgeExists(const EdgeKey& e) {
    auto it = edges_.find(e);
    if (it != edges_.end()) return it->second;
    absl::StatusOr<std::string_view> value =
        latest_.Get(OutEdgeKey(e.src, e.label, e.dst));
    if (absl::IsNotFound(value.status())) return false;
    if (!value.ok()) return value.status();
    return true;
  }

  void SetEdge(const EdgeKey& e, bool exists) {
    if (!track_edges_) return;
    edges_[e] = exists;
    if (exists && track_adjacency_) {
      adjacency_[e.src].push_back(e);
      adjacency_[e.dst].push_back(e);
    }
  }

  // Every edge into or out of `v` in the current state.
  absl::StatusOr<std::vector<EdgeKey>> IncidentEdges(VertexId v) {
    std::vector<EdgeKey> candidates;
    for (bool out : {true, false}) {
      const std::string prefix = out ? OutEdgePrefix(v) : InEdgePrefix(v);
      absl::Status bad;
      ZVERSE_RETURN_IF_ERROR(latest_.Scan(
          prefix, PrefixEnd(prefix), [&](const kv::Record& r) {
            EdgeRef e;
            if (!DecodeEdge(r, out, &e)) {
              bad = BadKey("edge", r.key);
              return false;
            }
            candidates.push_back(e.key());
            return true;
          }));
      ZVERSE_RETURN_IF_ERROR(bad);
    }
    auto it = adjacency_.find(v);
    if (it != adjacency_.end()) {
      candidates.insert(candidates.end(), it->second.begin(), it->second.end());
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()),
                     candidates.end());
    std::vector<EdgeKey> live;
    for (const EdgeKey& e : candidates) {
      ZVERSE_ASSIGN_OR_RETURN(bool exists, EdgeExists(e));
      if (exists) live.push_back(e);
    }
    return live;
  }

 private:
  struct EdgeKeyHash {
    size_t operator()(const EdgeKey& e) const {
      return absl::Hash<std::tuple<VertexId, LabelId, VertexId>>()(
          std::make_tuple(e.src, e.label, e.dst));
    }
  };

  const KvView& latest_;
  Dictionaries* dict_;
  const bool track_edges_;
  const bool track_adjacency_;
  absl::flat_hash_map<std::string, uint32_t> new_labels_;
  absl::flat_hash_map<std::string, uint32_t> new_props_;
  absl::flat_hash_map<VertexId, std::optional<LabelId>> vertices_;
  absl::flat_hash_map<EdgeKey, bool, EdgeKeyHash> edges_;
  absl::flat_hash_map<VertexId, std::vector<EdgeKey>> adjacency_;
};

absl::StatusOr<std::string> EncodeProperties(ApplyState* state,
                                             kv::WriteBatch* batch,
                                             uint32_t label,
                                             const Properties& properties,
                                             Timestamp ts) {
  std::vector<Property> interned;
  interned.reserve(properties.size());
  for (const NamedProperty& p : properties) {
    if (p.name.empty()) {
      return absl::InvalidArgumentError("a property needs a name");
    }
    interned.push_back(Property{
        state->Intern(DictionaryKind::kProperty, p.name, ts, batch), p.value});
  }
  absl::StatusOr<std::string> encoded =
      EncodeRecord(label, std::move(interned));
  if (!encoded.ok() && absl::IsInvalidArgument(encoded.status())) {
    // Two properties with one name: name it.
    std::vector<std::string> names;
    for (const NamedProperty& p : properties) names.push_back(p.name);
    std::sort(names.begin(), names.end());
    for (size_t i = 1; i < names.size(); ++i) {
      if (names[i] == names[i - 1]) {
        return absl::InvalidArgumentError(
            absl::StrCat("property '", names[i], "' given twice"));
      }
    }
  }
  return encoded;
}

}  // namespace

absl::StatusOr<Timestamp> GraphDb::Apply(const GraphBatch& batch,
                                         const ApplyOptions& options) {
  return ApplyImpl(batch, options, nullptr);
}

absl::StatusOr<Timestamp> GraphDb::Apply(GraphBatch&& batch,
                                         const ApplyOptions& options) {
  absl::StatusOr<Timestamp> ts = ApplyImpl(batch, options, &batch);
  batch = GraphBatch();
  return ts;
}

absl::StatusOr<Timestamp> GraphDb::ApplyImpl(const GraphBatch& batch,
                                             const ApplyOptions& options,
                                             GraphBatch* consumed) {
  if (batch.empty()) return absl::InvalidArgumentError("empty graph batch");
  std::lock_guard<std::mutex> l(impl_->write_mu);
  ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<KvView> latest,
                          kv_->GetView(kLatest));
  bool removes_vertices = false, removes_edges = false;
  for (const GraphBatch::Op& op : batch.ops()) {
    if (op.kind == GraphBatch::OpKind::kRemoveVertex) removes_vertices = true;
    if (op.kind == GraphBatch::OpKind::kRemoveEdge) removes_edges = true;
  }
  ApplyState state(*latest, impl_->dict.get(),
                   /*track_edges=*/removes_vertices || removes_edges,
                   /*track_adjacency=*/removes_vertices);
  kv::WriteBatch kv_batch;

  auto check_endpoint = [&](VertexId v, const GraphBatch::Op& op) {
    if (!options.check_endpoints) return absl::OkStatus();
    absl::StatusOr<std::optional<LabelId>> label = state.VertexLabel(v);
    if (!label.ok()) return label.status();
    if (!label->has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "edge ", op.a, " -[", op.label, "]-> ", op.b, ": vertex ", v,
          " does not exist"));
    }
    return absl::OkStatus();
  };
  {
    // Every op writes at most a few entries; reserving avoids regrowing a
    // large batch's buffers.
    size_t bytes = 0;
    for (const GraphBatch::Op& op : batch.ops()) {
      bytes += 2 * kEdgeKeySize + 16 * op.properties.size();
    }
    kv_batch.Reserve(2 * batch.size(), bytes);
  }
  auto remove_edge = [&](const EdgeKey& e, Timestamp ts) {
    kv_batch.DeleteAt(OutEdgeKey(e.src, e.label, e.dst), ts);
    kv_batch.DeleteAt(InEdgeKey(e.dst, e.label, e.src), ts);
    state.SetEdge(e, false);
  };

  for (const GraphBatch::Op& op : batch.ops()) {
    switch (op.kind) {
      case GraphBatch::OpKind::kPutVertex: {
        const LabelId label =
            state.Intern(DictionaryKind::kLabel, op.label, op.ts, &kv_batch);
        ZVERSE_ASSIGN_OR_RETURN(
            std::string value,
            EncodeProperties(&state, &kv_batch, label, op.properties, op.ts));
        ZVERSE_ASSIGN_OR_RETURN(std::optional<LabelId> old,
                                state.VertexLabel(op.a));
        if (old && *old != label) {
          kv_batch.DeleteAt(LabelIndexKey(*old, op.a), op.ts);
        }
        char key[kVertexKeySize];
        EncodeVertexKey(op.a, key);
        kv_batch.PutAt(std::string_view(key, sizeof(key)), value, op.ts);
        if (!old || *old != label) {
          char index_key[kLabelIndexKeySize];
          EncodeLabelIndexKey(label, op.a, index_key);
          kv_batch.PutAt(std::string_view(index_key, sizeof(index_key)), "",
                         op.ts);
        }
        state.SetVertex(op.a, label);
        break;
      }
      case GraphBatch::OpKind::kRemoveVertex: {
        ZVERSE_ASSIGN_OR_RETURN(std::optional<LabelId> old,
                                state.VertexLabel(op.a));
        if (!old) {
          return absl::NotFoundError(
              absl::StrCat("cannot remove vertex ", op.a, ": it does not exist"));
        }
        ZVERSE_ASSIGN_OR_RETURN(std::vector<EdgeKey> edges,
                                state.IncidentEdges(op.a));
        for (const EdgeKey& e : edges) remove_edge(e, op.ts);
        kv_batch.DeleteAt(VertexKey(op.a), op.ts);
        kv_batch.DeleteAt(LabelIndexKey(*old, op.a), op.ts);
        state.SetVertex(op.a, std::nullopt);
        break;
      }
      case GraphBatch::OpKind::kPutEdge: {
        ZVERSE_RETURN_IF_ERROR(check_endpoint(op.a, op));
        ZVERSE_RETURN_IF_ERROR(check_endpoint(op.b, op));
        const LabelId label =
            state.Intern(DictionaryKind::kLabel, op.label, op.ts, &kv_batch);
        std::string value;
        if (!op.properties.empty()) {
          ZVERSE_ASSIGN_OR_RETURN(
              value, EncodeProperties(&state, &kv_batch, label, op.properties, op.ts));
        }
        char key[kEdgeKeySize];
        EncodeOutEdgeKey(op.a, label, op.b, key);
        kv_batch.PutAt(std::string_view(key, sizeof(key)), value, op.ts);
        EncodeInEdgeKey(op.b, label, op.a, key);
        kv_batch.PutAt(std::string_view(key, sizeof(key)), "", op.ts);
        state.SetEdge(EdgeKey{op.a, label, op.b}, true);
        break;
      }
      case GraphBatch::OpKind::kRemoveEdge: {
        std::optional<uint32_t> label =
            state.Find(DictionaryKind::kLabel, op.label);
        bool exists = false;
        if (label) {
          ZVERSE_ASSIGN_OR_RETURN(exists,
                                  state.EdgeExists(EdgeKey{op.a, *label, op.b}));
        }
        if (!exists) {
          return absl::NotFoundError(absl::StrCat(
              "cannot remove edge ", op.a, " -[", op.label, "]-> ", op.b,
              ": it does not exist"));
        }
        remove_edge(EdgeKey{op.a, *label, op.b}, op.ts);
        break;
      }
      case GraphBatch::OpKind::kSetMetadata:
        if (op.label.empty()) {
          return absl::InvalidArgumentError("empty metadata name");
        }
        kv_batch.PutAt(MetadataKey(op.label), batch.metadata_value(op),
                       op.ts);
        break;
    }
  }
  if (consumed != nullptr) *consumed = GraphBatch();  // `batch` is gone.
  kv::WriteOptions write_options;
  write_options.ts = options.ts;
  ZVERSE_ASSIGN_OR_RETURN(
      Timestamp ts, options.bulk
                        ? kv_->Ingest(std::move(kv_batch), write_options)
                        : kv_->Write(kv_batch, write_options));
  state.PublishNames();
  return ts;
}

absl::StatusOr<Timestamp> GraphDb::PutVertex(VertexId v, std::string_view label,
                                             Properties properties) {
  GraphBatch batch;
  batch.PutVertex(v, label, std::move(properties));
  return Apply(batch);
}

absl::StatusOr<Timestamp> GraphDb::RemoveVertex(VertexId v) {
  GraphBatch batch;
  batch.RemoveVertex(v);
  return Apply(batch);
}

absl::StatusOr<Timestamp> GraphDb::PutEdge(VertexId src, std::string_view label,
                                           VertexId dst, Properties properties) {
  GraphBatch batch;
  batch.PutEdge(src, label, dst, std::move(properties));
  return Apply(batch);
}

absl::StatusOr<Timestamp> GraphDb::RemoveEdge(VertexId src,
                                              std::string_view label,
                                              VertexId dst) {
  GraphBatch batch;
  batch.RemoveEdge(src, label, dst);
  return Apply(batch);
}

absl::StatusOr<std::vector<VersionInfo>> GraphDb::History(VertexId v) const {
  ZVERSE_ASSIGN_OR_RETURN(GraphSnapshot snap, GetSnapshot(kLatest));
  std::vector<VersionInfo> out;
  absl::Status bad;
  ZVERSE_RETURN_IF_ERROR(
      snap.kv().History(VertexKey(v), [&](const kv::Record& r) {
        VersionInfo info{.ts = r.ts, .removed = r.deleted, .label = {},
                         .properties = {}};
        if (!r.deleted) {
          absl::StatusOr<RecordView> view = RecordView::Parse(r.value);
          absl::StatusOr<std::string_view> label =
              view.ok() ? snap.LabelName(view->label())
                        : absl::StatusOr<std::string_view>(view.status());
          absl::StatusOr<Properties> props =
              label.ok() ? snap.Named(*view)
                         : absl::StatusOr<Properties>(label.status());
          if (!props.ok()) {
            bad = props.status();
            return false;
          }
          info.label = std::string(*label);
          info.properties = std::move(*props);
        }
        out.push_back(std::move(info));
        return true;
      }));
  ZVERSE_RETURN_IF_ERROR(bad);
  if (out.empty()) {
    return absl::NotFoundError(absl::StrCat("vertex ", v, " never existed"));
  }
  return out;
}

absl::StatusOr<std::vector<VersionInfo>> GraphDb::History(
    const EdgeKey& edge) const {
  ZVERSE_ASSIGN_OR_RETURN(GraphSnapshot snap, GetSnapshot(kLatest));
  std::vector<VersionInfo> out;
  absl::Status bad;
  ZVERSE_ASSIGN_OR_RETURN(std::string_view label_name,
                          snap.LabelName(edge.label));
  ZVERSE_RETURN_IF_ERROR(snap.kv().History(
      OutEdgeKey(edge.src, edge.label, edge.dst), [&](const kv::Record& r) {
        VersionInfo info{.ts = r.ts, .removed = r.deleted,
                         .label = std::string(label_name),
                         .properties = {}};
        if (!r.deleted && !r.value.empty()) {
          absl::StatusOr<RecordView> view = RecordView::Parse(r.value);
          absl::StatusOr<Properties> props =
              view.ok() ? snap.Named(*view)
                        : absl::StatusOr<Properties>(view.status());
          if (!props.ok()) {
            bad = props.status();
            return false;
          }
          info.properties = std::move(*props);
        }
        out.push_back(std::move(info));
        return true;
      }));
  ZVERSE_RETURN_IF_ERROR(bad);
  if (out.empty()) {
    return absl::NotFoundError(
        absl::StrCat("edge ", EdgeName(edge), " never existed"));
  }
  return out;
}

absl::StatusOr<std::vector<VersionInfo>> GraphDb::EdgeHistory(
    VertexId src, std::string_view label, VertexId dst) const {
  std::optional<uint32_t> id = impl_->dict->Find(DictionaryKind::kLabel, label);
  if (!id) {
    return absl::NotFoundError(
        absl::StrCat("unknown label '", std::string(label), "'"));
  }
  return History(EdgeKey{src, *id, dst});
}

absl::StatusOr<std::vector<DiffEntry>> GraphDb::Diff(Timestamp t1,
                                                     Timestamp t2) const {
  if (t1 == 0 || t2 <= t1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Diff needs 0 < t1 < t2, got t1=", t1, " t2=", t2));
  }
  ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<KvView> latest,
                          kv_->GetView(kLatest));
  ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<KvView> before, kv_->GetView(t1));
  ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<KvView> after, kv_->GetView(t2));
  absl::flat_hash_set<std::string> keys;
  ZVERSE_RETURN_IF_ERROR(latest->Changes(t1, t2, [&](const kv::Record& r) {
    if (r.key.size() == kVertexKeySize &&
        r.key[3] == static_cast<char>(KeyTag::kVertex)) {
      keys.emplace(r.key);
    } else if (r.key.size() == kEdgeKeySize &&
               r.key[3] == static_cast<char>(KeyTag::kOutEdge)) {
      keys.emplace(r.key);
    }
    return true;
  }));
  auto live = [](const KvView& s,
                 const std::string& key) -> absl::StatusOr<bool> {
    absl::StatusOr<std::string_view> v = s.Get(key);
    if (absl::IsNotFound(v.status())) return false;
    if (!v.ok()) return v.status();
    return true;
  };
  std::vector<DiffEntry> out;
  for (const std::string& key : keys) {
    ZVERSE_ASSIGN_OR_RETURN(bool was, live(*before, key));
    ZVERSE_ASSIGN_OR_RETURN(bool is, live(*after, key));
    if (!was && !is) continue;  // Came and went within (t1, t2].
    DiffEntry d{.kind = !was  ? DiffEntry::Kind::kAdded
                        : !is ? DiffEntry::Kind::kRemoved
                              : DiffEntry::Kind::kChanged,
                .is_edge = false,
                .vertex = 0,
                .edge = {}};
    if (key.size() == kVertexKeySize) {
      d.vertex = LoadU64(key.data() + 4);
    } else {
      d.is_edge = true;
      d.edge = EdgeKey{LoadU64(key.data() + 4), LoadU32(key.data() + 12),
                       LoadU64(key.data() + 16)};
    }
    out.push_back(d);
  }
  std::sort(out.begin(), out.end(), [](const DiffEntry& a, const DiffEntry& b) {
    if (a.is_edge != b.is_edge) return !a.is_edge;
    if (!a.is_edge) return a.vertex < b.vertex;
    return a.edge < b.edge;
  });
  return out;
}

absl::Status GraphDb::SetMetadata(std::string_view name,
                                  std::string_view value) {
  if (name.empty()) return absl::InvalidArgumentError("empty metadata name");
  std::lock_guard<std::mutex> l(impl_->write_mu);
  kv::WriteBatch batch;
  batch.Put(MetadataKey(name), value);
  return kv_->Write(batch, kv::WriteOptions()).status();
}

absl::StatusOr<std::string> GraphDb::GetMetadata(std::string_view name,
                                                 Timestamp as_of) const {
  ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<KvView> snap, kv_->GetView(as_of));
  absl::StatusOr<std::string_view> value = snap->Get(MetadataKey(name));
  if (absl::IsNotFound(value.status())) {
    return absl::NotFoundError(
        absl::StrCat("no metadata '", std::string(name), "'"));
  }
  if (!value.ok()) return value.status();
  return std::string(*value);
}

}  // namespace zverse::graph
