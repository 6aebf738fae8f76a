#include "graph/loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "kv/status_macros.h"

namespace zverse::graph {
namespace {

using Clock = std::chrono::steady_clock;

// The installed Abseil has its own string_view: this bridges the two.
absl::string_view Av(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Timestamp NowMicros() {
  return static_cast<Timestamp>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

// --- Input -----------------------------------------------------------------

absl::Status ErrnoError(const std::string& path, std::string_view what,
                        int err) {
  std::string message = absl::StrCat(path, ": ", Av(what), ": ",
                                     std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(message);
    case EISDIR:
      return absl::InvalidArgumentError(message);
    default:
      return absl::InternalError(message);
  }
}

// The whole file. NotFound if it does not exist.
absl::StatusOr<std::string> ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(path, "cannot open", errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError(path, "cannot stat", err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is a directory, not a file"));
  }
  std::string data;
  size_t size = st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0;
  data.resize(size > 0 ? size : 4096);
  size_t used = 0;
  while (true) {
    if (used == data.size()) data.resize(data.size() * 2);
    const ssize_t n = ::read(fd, data.data() + used, data.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return ErrnoError(path, "cannot read", err);
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(used);
  return data;
}

// Iterates over the lines of a buffer, without their "\n" or "\r\n".
class LineIterator {
 public:
  explicit LineIterator(std::string_view data) : data_(data) {}

  bool Next(std::string_view* line) {
    if (pos_ >= data_.size()) return false;
    const char* begin = data_.data() + pos_;
    const void* nl = std::memchr(begin, '\n', data_.size() - pos_);
    size_t len;
    if (nl == nullptr) {
      len = data_.size() - pos_;
      pos_ = data_.size();
    } else {
      len = static_cast<size_t>(static_cast<const char*>(nl) - begin);
      pos_ += len + 1;
    }
    if (len > 0 && begin[len - 1] == '\r') --len;
    *line = std::string_view(begin, len);
    ++number_;
    return true;
  }
  uint64_t number() const { return number_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  uint64_t number_ = 0;
};

// A line as quoted in an error message: at most 60 bytes, control bytes as
// '?'.
std::string Excerpt(std::string_view line) {
  constexpr size_t kMax = 60;
  std::string out(line.substr(0, kMax));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (line.size() > kMax) out += "...";
  return out;
}

absl::Status LineError(const std::string& path, uint64_t line,
                       std::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ":", line, ": ", Av(message)));
}

// "PATH:LINE: expected WHAT, got 'LINE'".
absl::Status ExpectedError(const std::string& path, uint64_t line,
                           std::string_view what, std::string_view got) {
  return LineError(path, line,
                   absl::StrCat("expected ", Av(what), ", got '",
                                Excerpt(got), "'"));
}

bool ParseU64(std::string_view s, uint64_t* v) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, *v);
  return ec == std::errc() && p == end;
}

bool ParseI64(std::string_view s, int64_t* v) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, *v);
  return ec == std::errc() && p == end;
}

bool ParseDouble(std::string_view s, double* v) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, *v);
  return ec == std::errc() && p == end && *v == *v;  // Not NaN.
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f'; }

// Splits `line` at runs of spaces and tabs into at most `max` fields;
// returns the number of fields, or max + 1 if there are more.
size_t SplitWhitespace(std::string_view line, std::string_view* fields,
                       size_t max) {
  size_t n = 0;
  size_t i = 0;
  while (true) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    if (i == line.size()) return n;
    size_t j = i;
    while (j < line.size() && !IsSpace(line[j])) ++j;
    if (n == max) return max + 1;
    fields[n++] = line.substr(i, j - i);
    i = j;
  }
}

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (!IsSpace(c)) return false;
  }
  return true;
}

// --- Progress --------------------------------------------------------------

class Progress {
 public:
  explicit Progress(const LoadOptions& options) : fn_(options.progress) {}

  // Cheap enough to call per line: looks at the clock every 4096 calls.
  void Tick(const char* phase, uint64_t done, uint64_t total) {
    if (!fn_ || (done & 4095) != 0) return;
    Report(phase, done, total);
  }
  // Reports unless the last report was less than 100 ms ago (or `always`).
  void Report(const char* phase, uint64_t done, uint64_t total,
              bool always = false) {
    if (!fn_) return;
    const Clock::time_point now = Clock::now();
    if (!always && reported_ && now - last_ < std::chrono::milliseconds(100)) {
      return;
    }
    reported_ = true;
    last_ = now;
    fn_(LoadProgress{phase, done, total});
  }

 private:
  const std::function<void(const LoadProgress&)>& fn_;
  bool reported_ = false;
  Clock::time_point last_;
};

// --- Writing ---------------------------------------------------------------

// By default a load is one bulk batch (ApplyOptions::bulk, kv::DB::Ingest):
// the whole data set and its metadata are sorted once into a segment of
// their own, all or nothing whatever the size. With LoadOptions::max_batch_ops
// set, the load goes through the log in batches of at most that many
// operations instead (bounded memory, but not atomic). Such a batch is
// flushed before it passes either limit. Each operation becomes two to four
// KV entries (32-byte header plus key, 8-aligned, plus the record), well
// under the estimate below, so a batch stays far from kv::kMaxBatchBytes.
constexpr size_t kMaxOpsPerBatch = size_t{1} << 20;
constexpr size_t kBatchByteBudget = kv::kMaxBatchBytes / 4 * 3;
constexpr size_t kEntryHeader = 32;

constexpr size_t Align8(size_t n) { return (n + 7) & ~size_t{7}; }

size_t ValueBytes(const PropertyValue& value) {
  return std::visit(
      [](const auto& v) -> size_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return Align8(v.size()) + 8;
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          size_t n = 8;
          for (const std::string& s : v) n += Align8(s.size()) + 16;
          return n;
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                             std::is_same_v<T, std::vector<double>>) {
          return 8 * v.size() + 8;
        } else {
          return 8;
        }
      },
      value);
}

// A generous estimate of the encoded record (Cap'n Proto message with its
// segment table, a struct per property).
size_t RecordBytes(const Properties& properties) {
  size_t n = 48;
  for (const NamedProperty& p : properties) n += 32 + ValueBytes(p.value);
  return n;
}

size_t VertexOpBytes(const Properties& properties) {
  // Vertex record and label-index entry.
  return 2 * kEntryHeader + Align8(kVertexKeySize) +
         Align8(kLabelIndexKeySize) + RecordBytes(properties);
}

size_t EdgeOpBytes(const Properties& properties) {
  // Out-edge (with the record) and in-edge entries.
  return 2 * kEntryHeader + 2 * Align8(kEdgeKeySize) + RecordBytes(properties);
}

// Accumulates operations and applies them: as one bulk batch, or in
// batches under the limits.
class BatchWriter {
 public:
  // `ts`: ApplyOptions::ts of every batch. With `share_first_commit_ts` and
  // ts == 0, the first batch's commit timestamp becomes the ts of the later
  // ones, so that the whole load appears at one instant. `max_ops` 0: one
  // bulk batch.
  BatchWriter(GraphDb* db, Timestamp ts, bool share_first_commit_ts,
              uint64_t total_ops, uint64_t max_ops, Progress* progress,
              LoadStats* stats)
      : db_(db),
        bulk_(max_ops == 0),
        max_ops_(bulk_ ? std::numeric_limits<uint64_t>::max()
                       : std::min<uint64_t>(max_ops, kMaxOpsPerBatch)),
        ts_(ts),
        share_(share_first_commit_ts),
        total_ops_(total_ops),
        progress_(progress),
        stats_(stats) {
    if (bulk_) batch_.Reserve(total_ops + 4);
  }

  absl::Status PutVertex(VertexId v, std::string_view label,
                         Properties properties, Timestamp ts = 0) {
    const size_t bytes = VertexOpBytes(properties);
    ZVERSE_RETURN_IF_ERROR(MakeRoom(bytes));
    batch_.PutVertex(v, label, std::move(properties), ts);
    bytes_ += bytes;
    ++pending_vertices_;
    NoteTs(ts);
    return absl::OkStatus();
  }

  absl::Status PutEdge(VertexId src, std::string_view label, VertexId dst,
                       Properties properties, Timestamp ts = 0) {
    const size_t bytes = EdgeOpBytes(properties);
    ZVERSE_RETURN_IF_ERROR(MakeRoom(bytes));
    batch_.PutEdge(src, label, dst, std::move(properties), ts);
    bytes_ += bytes;
    ++pending_edges_;
    NoteTs(ts);
    return absl::OkStatus();
  }

  // Graph metadata: part of the bulk batch, or written after the last of
  // the split batches.
  void SetMetadata(std::string_view name, std::string_view value) {
    if (bulk_) {
      batch_.SetMetadata(name, value);
    } else {
      metadata_.emplace_back(name, value);
    }
  }

  absl::Status Finish() {
    if (!batch_.empty()) ZVERSE_RETURN_IF_ERROR(Flush());
    for (const auto& [name, value] : metadata_) {
      ZVERSE_RETURN_IF_ERROR(db_->SetMetadata(name, value));
    }
    if (!saw_op_ts_) {
      stats_->first_ts = commit_ts_first_;
      stats_->last_ts = commit_ts_last_;
    } else {
      stats_->first_ts = min_ts_;
      stats_->last_ts = max_ts_;
    }
    return absl::OkStatus();
  }

 private:
  void NoteTs(Timestamp ts) {
    if (ts == 0) return;
    saw_op_ts_ = true;
    min_ts_ = std::min(min_ts_, ts);
    max_ts_ = std::max(max_ts_, ts);
  }

  absl::Status MakeRoom(size_t bytes) {
    if (!bulk_ && !batch_.empty() &&
        (batch_.size() >= max_ops_ || bytes_ + bytes > kBatchByteBudget)) {
      return Flush();
    }
    return absl::OkStatus();
  }

  absl::Status Flush() {
    ApplyOptions apply;
    apply.ts = ts_;
    apply.check_endpoints = false;  // The loader checked them.
    apply.bulk = bulk_;
    // One ingest: nothing to count until it is done.
    if (bulk_) progress_->Report("writing", 0, 0, /*always=*/true);
    // The batch is released while it is written (GraphDb::Apply&&).
    absl::StatusOr<Timestamp> t = db_->Apply(std::move(batch_), apply);
    if (!t.ok()) {
      if (stats_->batches == 0) return t.status();
      return absl::Status(
          t.status().code(),
          absl::StrCat("writing batch ", stats_->batches + 1, ": ",
                       t.status().message(), " (", stats_->vertices,
                       " vertices and ", stats_->edges,
                       " edges were committed by the earlier batches)"));
    }
    if (stats_->batches == 0) commit_ts_first_ = *t;
    commit_ts_last_ = *t;
    if (share_ && ts_ == 0) ts_ = *t;
    ++stats_->batches;
    stats_->vertices += pending_vertices_;
    stats_->edges += pending_edges_;
    written_ += pending_vertices_ + pending_edges_;
    pending_vertices_ = 0;
    pending_edges_ = 0;
    batch_.Clear();
    bytes_ = 0;
    // The end of a phase is always reported.
    progress_->Report("writing", written_, total_ops_,
                      /*always=*/written_ >= total_ops_);
    return absl::OkStatus();
  }

  GraphDb* db_;
  const bool bulk_;
  uint64_t max_ops_;
  Timestamp ts_;
  bool share_;
  uint64_t total_ops_;
  Progress* progress_;
  LoadStats* stats_;
  GraphBatch batch_;
  std::vector<std::pair<std::string, std::string>> metadata_;
  size_t bytes_ = 0;
  uint64_t pending_vertices_ = 0;
  uint64_t pending_edges_ = 0;
  uint64_t written_ = 0;
  bool saw_op_ts_ = false;
  Timestamp min_ts_ = std::numeric_limits<Timestamp>::max();
  Timestamp max_ts_ = 0;
  Timestamp commit_ts_first_ = 0;
  Timestamp commit_ts_last_ = 0;
};

absl::Status CheckLoadTs(Timestamp ts) {
  if (ts == 0) return absl::OkStatus();
  if (ts > kv::kMaxTimestamp || ts > NowMicros()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "load timestamp ", ts, " is in the future (or out of range)"));
  }
  return absl::OkStatus();
}

// --- Edge files (Graphalytics .e and edge lists) ---------------------------

struct EdgeData {
  std::vector<std::pair<VertexId, VertexId>> edges;
  std::vector<double> weights;  // Empty unless weighted.
  bool weighted = false;
};

enum class WeightMode { kForbidden, kRequired, kAuto };

// Parses "src dst [weight]" lines. `vertex(id, line_number, line)` checks
// or records each endpoint.
template <typename VertexFn>
absl::Status ParseEdgeLines(std::string_view data, const std::string& path,
                            bool skip_comments, WeightMode mode,
                            Progress* progress, EdgeData* out,
                            VertexFn&& vertex) {
  LineIterator lines(data);
  std::string_view line;
  std::string_view fields[3];
  bool decided = mode != WeightMode::kAuto;
  out->weighted = mode == WeightMode::kRequired;
  const char* expected_fields =
      out->weighted ? "'src dst weight'" : "'src dst'";
  // A rough count for reserve(): lines are at least 4 bytes.
  out->edges.reserve(data.size() / 12);
  while (lines.Next(&line)) {
    progress->Tick("reading", lines.number(), 0);
    if (line.empty() || IsBlank(line)) continue;
    if (skip_comments && (line.front() == '#' || line.front() == '%')) continue;
    const size_t n = SplitWhitespace(line, fields, 3);
    if (!decided) {
      if (n == 2 || n == 3) {
        out->weighted = n == 3;
        expected_fields = out->weighted
                              ? "'src dst weight' (as on the first edge line)"
                              : "'src dst' (as on the first edge line)";
        decided = true;
      } else {
        expected_fields = "'src dst' or 'src dst weight'";
      }
    }
    const size_t want = out->weighted ? 3 : 2;
    if (n != want) {
      return ExpectedError(path, lines.number(), expected_fields, line);
    }
    uint64_t src, dst;
    if (!ParseU64(fields[0], &src)) {
      return ExpectedError(path, lines.number(),
                           "an unsigned 64-bit source id", fields[0]);
    }
    if (!ParseU64(fields[1], &dst)) {
      return ExpectedError(path, lines.number(),
                           "an unsigned 64-bit destination id", fields[1]);
    }
    if (out->weighted) {
      double w;
      if (!ParseDouble(fields[2], &w)) {
        return ExpectedError(path, lines.number(), "a numeric weight",
                             fields[2]);
      }
      out->weights.push_back(w);
    }
    ZVERSE_RETURN_IF_ERROR(vertex(src, lines.number(), "source"));
    ZVERSE_RETURN_IF_ERROR(vertex(dst, lines.number(), "destination"));
    out->edges.emplace_back(src, dst);
  }
  return absl::OkStatus();
}

// Writes vertices (label "vertex") and edges (label "edge", both directions
// when undirected), then the metadata.
absl::Status WriteSimpleGraph(GraphDb* db, const std::vector<VertexId>& vertices,
                              const EdgeData& data, bool directed,
                              std::string_view format,
                              const LoadOptions& options, Progress* progress,
                              LoadStats* stats) {
  uint64_t total = vertices.size();
  for (const auto& [src, dst] : data.edges) {
    total += (directed || src == dst) ? 1 : 2;
  }
  BatchWriter writer(db, options.ts, /*share_first_commit_ts=*/true, total,
                     options.max_batch_ops, progress, stats);
  for (VertexId v : vertices) {
    ZVERSE_RETURN_IF_ERROR(writer.PutVertex(v, "vertex", {}));
  }
  for (size_t i = 0; i < data.edges.size(); ++i) {
    const auto [src, dst] = data.edges[i];
    Properties props;
    if (data.weighted) props.push_back({"weight", data.weights[i]});
    if (!directed && src != dst) {
      ZVERSE_RETURN_IF_ERROR(writer.PutEdge(dst, "edge", src, props));
    }
    ZVERSE_RETURN_IF_ERROR(writer.PutEdge(src, "edge", dst, std::move(props)));
  }
  writer.SetMetadata("format", format);
  writer.SetMetadata("directed", directed ? "true" : "false");
  writer.SetMetadata("weighted", data.weighted ? "true" : "false");
  return writer.Finish();
}

// --- Java .properties ------------------------------------------------------

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (IsSpace(s.front()) || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (IsSpace(s.back()) || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Decodes the escapes of a .properties key or value (\t \n \\ \= \: ...;
// \uXXXX for ASCII only, else kept as is).
std::string Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out.push_back(s[i]);
      continue;
    }
    const char c = s[++i];
    switch (c) {
      case 't': out.push_back('\t'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 'f': out.push_back('\f'); break;
      default: out.push_back(c); break;
    }
  }
  return out;
}

// Parses a Java properties file into (key, value, line) triples.
struct PropertyEntry {
  std::string key;
  std::string value;
  uint64_t line;
};

std::vector<PropertyEntry> ParseJavaProperties(std::string_view data) {
  std::vector<PropertyEntry> entries;
  LineIterator lines(data);
  std::string_view raw;
  while (lines.Next(&raw)) {
    const uint64_t first_line = lines.number();
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == '!') continue;
    // Continuation lines: an odd number of trailing backslashes.
    std::string logical;
    while (true) {
      size_t backslashes = 0;
      while (backslashes < line.size() &&
             line[line.size() - 1 - backslashes] == '\\') {
        ++backslashes;
      }
      if (backslashes % 2 == 0) {
        logical.append(line);
        break;
      }
      logical.append(line.substr(0, line.size() - 1));
      if (!lines.Next(&raw)) break;
      line = Trim(raw);
    }
    // The key ends at the first unescaped '=', ':' or whitespace.
    size_t i = 0;
    while (i < logical.size()) {
      const char c = logical[i];
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '=' || c == ':' || IsSpace(c)) break;
      ++i;
    }
    i = std::min(i, logical.size());
    std::string_view key(logical.data(), i);
    std::string_view rest = std::string_view(logical).substr(i);
    rest = Trim(rest);
    if (!rest.empty() && (rest.front() == '=' || rest.front() == ':')) {
      rest.remove_prefix(1);
      rest = Trim(rest);
    }
    entries.push_back({Unescape(key), Unescape(rest), first_line});
  }
  return entries;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// --- LDBC SNB --------------------------------------------------------------

enum class LdbcKind : uint8_t {
  kPerson,
  kPost,
  kComment,
  kForum,
  kTag,
  kTagClass,
  kPlace,
  kOrganisation,
};

struct KindInfo {
  const char* label;
  LdbcType type;
  bool is_static;
};

const KindInfo& Info(LdbcKind kind) {
  static constexpr KindInfo kInfo[] = {
      {"Person", LdbcType::kPerson, false},
      {"Post", LdbcType::kMessage, false},
      {"Comment", LdbcType::kMessage, false},
      {"Forum", LdbcType::kForum, false},
      {"Tag", LdbcType::kTag, true},
      {"TagClass", LdbcType::kTagClass, true},
      {"Place", LdbcType::kPlace, true},
      {"Organisation", LdbcType::kOrganisation, true},
  };
  return kInfo[static_cast<int>(kind)];
}

enum class Col {
  kId,
  kText,          // Omitted when empty.
  kTextList,      // ';'-separated; omitted when empty.
  kInt64,
  kTimestamp,     // Epoch ms -> TimestampValue in µs.
  kCreationDate,  // kTimestamp that is also the version's timestamp.
};

struct ColumnSpec {
  const char* header;
  const char* property;
  Col kind;
};

struct EntitySpec {
  const char* file;
  LdbcKind kind;
  std::vector<ColumnSpec> columns;
};

const std::vector<EntitySpec>& EntitySpecs() {
  static const std::vector<EntitySpec>* const specs = new std::vector<
      EntitySpec>{
      {"static/organisation_0_0.csv",
       LdbcKind::kOrganisation,
       {{"id", "", Col::kId},
        {"type", "type", Col::kText},
        {"name", "name", Col::kText},
        {"url", "url", Col::kText}}},
      {"static/place_0_0.csv",
       LdbcKind::kPlace,
       {{"id", "", Col::kId},
        {"name", "name", Col::kText},
        {"url", "url", Col::kText},
        {"type", "type", Col::kText}}},
      {"static/tag_0_0.csv",
       LdbcKind::kTag,
       {{"id", "", Col::kId},
        {"name", "name", Col::kText},
        {"url", "url", Col::kText}}},
      {"static/tagclass_0_0.csv",
       LdbcKind::kTagClass,
       {{"id", "", Col::kId},
        {"name", "name", Col::kText},
        {"url", "url", Col::kText}}},
      {"dynamic/person_0_0.csv",
       LdbcKind::kPerson,
       {{"id", "", Col::kId},
        {"firstName", "firstName", Col::kText},
        {"lastName", "lastName", Col::kText},
        {"gender", "gender", Col::kText},
        {"birthday", "birthday", Col::kTimestamp},
        {"creationDate", "creationDate", Col::kCreationDate},
        {"locationIP", "locationIP", Col::kText},
        {"browserUsed", "browserUsed", Col::kText},
        {"language", "speaks", Col::kTextList},
        {"email", "email", Col::kTextList}}},
      {"dynamic/forum_0_0.csv",
       LdbcKind::kForum,
       {{"id", "", Col::kId},
        {"title", "title", Col::kText},
        {"creationDate", "creationDate", Col::kCreationDate}}},
      {"dynamic/post_0_0.csv",
       LdbcKind::kPost,
       {{"id", "", Col::kId},
        {"imageFile", "imageFile", Col::kText},
        {"creationDate", "creationDate", Col::kCreationDate},
        {"locationIP", "locationIP", Col::kText},
        {"browserUsed", "browserUsed", Col::kText},
        {"language", "language", Col::kText},
        {"content", "content", Col::kText},
        {"length", "length", Col::kInt64}}},
      {"dynamic/comment_0_0.csv",
       LdbcKind::kComment,
       {{"id", "", Col::kId},
        {"creationDate", "creationDate", Col::kCreationDate},
        {"locationIP", "locationIP", Col::kText},
        {"browserUsed", "browserUsed", Col::kText},
        {"content", "content", Col::kText},
        {"length", "length", Col::kInt64}}},
  };
  return *specs;
}

// The third column of a relationship file, if any.
enum class RelDate {
  kNone,
  kTimestamp,  // A date that is a property and the version's timestamp.
  kInt64,      // A plain int64 property.
};

struct RelSpec {
  const char* file;
  LdbcKind src;
  LdbcKind dst;
  const char* label;
  const char* property;  // The third column's header and property name.
  RelDate date;
  bool undirected;
};

const std::vector<RelSpec>& RelSpecs() {
  using K = LdbcKind;
  static const std::vector<RelSpec>* const specs = new std::vector<RelSpec>{
      {"static/organisation_isLocatedIn_place_0_0.csv", K::kOrganisation,
       K::kPlace, "isLocatedIn", "", RelDate::kNone, false},
      {"static/place_isPartOf_place_0_0.csv", K::kPlace, K::kPlace,
       "isPartOf", "", RelDate::kNone, false},
      {"static/tag_hasType_tagclass_0_0.csv", K::kTag, K::kTagClass,
       "hasType", "", RelDate::kNone, false},
      {"static/tagclass_isSubclassOf_tagclass_0_0.csv", K::kTagClass,
       K::kTagClass, "isSubclassOf", "", RelDate::kNone, false},
      {"dynamic/person_isLocatedIn_place_0_0.csv", K::kPerson, K::kPlace,
       "isLocatedIn", "", RelDate::kNone, false},
      {"dynamic/person_knows_person_0_0.csv", K::kPerson, K::kPerson, "knows",
       "creationDate", RelDate::kTimestamp, true},
      {"dynamic/person_hasInterest_tag_0_0.csv", K::kPerson, K::kTag,
       "hasInterest", "", RelDate::kNone, false},
      {"dynamic/person_likes_post_0_0.csv", K::kPerson, K::kPost, "likes",
       "creationDate", RelDate::kTimestamp, false},
      {"dynamic/person_likes_comment_0_0.csv", K::kPerson, K::kComment,
       "likes", "creationDate", RelDate::kTimestamp, false},
      {"dynamic/person_studyAt_organisation_0_0.csv", K::kPerson,
       K::kOrganisation, "studyAt", "classYear", RelDate::kInt64, false},
      {"dynamic/person_workAt_organisation_0_0.csv", K::kPerson,
       K::kOrganisation, "workAt", "workFrom", RelDate::kInt64, false},
      {"dynamic/forum_hasModerator_person_0_0.csv", K::kForum, K::kPerson,
       "hasModerator", "", RelDate::kNone, false},
      {"dynamic/forum_hasMember_person_0_0.csv", K::kForum, K::kPerson,
       "hasMember", "joinDate", RelDate::kTimestamp, false},
      {"dynamic/forum_hasTag_tag_0_0.csv", K::kForum, K::kTag, "hasTag", "",
       RelDate::kNone, false},
      {"dynamic/forum_containerOf_post_0_0.csv", K::kForum, K::kPost,
       "containerOf", "", RelDate::kNone, false},
      {"dynamic/post_hasCreator_person_0_0.csv", K::kPost, K::kPerson,
       "hasCreator", "", RelDate::kNone, false},
      {"dynamic/post_isLocatedIn_place_0_0.csv", K::kPost, K::kPlace,
       "isLocatedIn", "", RelDate::kNone, false},
      {"dynamic/post_hasTag_tag_0_0.csv", K::kPost, K::kTag, "hasTag", "",
       RelDate::kNone, false},
      {"dynamic/comment_hasCreator_person_0_0.csv", K::kComment, K::kPerson,
       "hasCreator", "", RelDate::kNone, false},
      {"dynamic/comment_isLocatedIn_place_0_0.csv", K::kComment, K::kPlace,
       "isLocatedIn", "", RelDate::kNone, false},
      {"dynamic/comment_replyOf_post_0_0.csv", K::kComment, K::kPost,
       "replyOf", "", RelDate::kNone, false},
      {"dynamic/comment_replyOf_comment_0_0.csv", K::kComment, K::kComment,
       "replyOf", "", RelDate::kNone, false},
      {"dynamic/comment_hasTag_tag_0_0.csv", K::kComment, K::kTag, "hasTag",
       "", RelDate::kNone, false},
  };
  return *specs;
}

// The column header of a relationship endpoint: "Person.id" etc.
std::string EndpointHeader(LdbcKind kind) {
  return absl::StrCat(Info(kind).label, ".id");
}

std::string RelHeader(const RelSpec& spec) {
  std::string h =
      absl::StrCat(EndpointHeader(spec.src), "|", EndpointHeader(spec.dst));
  if (spec.date != RelDate::kNone) absl::StrAppend(&h, "|", spec.property);
  return h;
}

std::string EntityHeader(const EntitySpec& spec) {
  std::string h;
  for (const ColumnSpec& c : spec.columns) {
    if (!h.empty()) h.push_back('|');
    h += c.header;
  }
  return h;
}

// Splits on '|' into `fields` (cleared first).
void SplitPipe(std::string_view line, std::vector<std::string_view>* fields) {
  fields->clear();
  size_t start = 0;
  while (true) {
    const size_t bar = line.find('|', start);
    if (bar == std::string_view::npos) {
      fields->push_back(line.substr(start));
      return;
    }
    fields->push_back(line.substr(start, bar - start));
    start = bar + 1;
  }
}

struct LdbcVertex {
  VertexId id;
  LdbcKind kind;
  Timestamp ts;  // 0 for static entities until the static time is known.
  uint32_t file;
  uint64_t line;
  Properties properties;
};

struct LdbcEdge {
  VertexId src;
  VertexId dst;
  uint32_t spec;   // Index into RelSpecs().
  int64_t value;   // The third column (µs for dates), if any.
  Timestamp ts;    // The version's timestamp (0: resolved later).
};

class LdbcReader {
 public:
  LdbcReader(std::string dir, Progress* progress)
      : dir_(std::move(dir)), progress_(progress), now_(NowMicros()) {}

  absl::Status ReadAll() {
    const auto& entities = EntitySpecs();
    for (uint32_t i = 0; i < entities.size(); ++i) {
      ZVERSE_RETURN_IF_ERROR(ReadEntities(entities[i], i));
    }
    const auto& rels = RelSpecs();
    for (uint32_t i = 0; i < rels.size(); ++i) {
      ZVERSE_RETURN_IF_ERROR(ReadRelationships(rels[i], i));
    }
    ResolveTimes();
    return absl::OkStatus();
  }

  std::vector<LdbcVertex>& vertices() { return vertices_; }
  const std::vector<LdbcEdge>& edges() const { return edges_; }
  uint64_t input_edges() const { return edges_.size(); }
  Timestamp static_ts() const { return static_ts_; }
  bool has_dynamic_times() const { return min_dynamic_ts_ != 0; }

  // Static data's time when the dynamic data has none.
  void SetFallbackStaticTs(Timestamp ts) {
    if (min_dynamic_ts_ == 0) {
      static_ts_ = ts;
      ResolveTimes();
    }
  }

 private:
  std::string Path(const char* file) const {
    return (std::filesystem::path(dir_) / file).string();
  }

  // Reads `path` and checks its header line; returns the data.
  absl::StatusOr<std::string> ReadChecked(const std::string& path,
                                          const std::string& header) {
    ZVERSE_ASSIGN_OR_RETURN(std::string data, ReadFile(path));
    LineIterator lines(data);
    std::string_view first;
    if (!lines.Next(&first) || first != header) {
      return ExpectedError(path, 1, absl::StrCat("the header '", header, "'"),
                           lines.number() == 0 ? std::string_view() : first);
    }
    return data;
  }

  // Epoch milliseconds -> µs, in (0, now] when `version` (a version's
  // timestamp), anything representable otherwise.
  absl::Status ParseMillis(const std::string& path, uint64_t line,
                           std::string_view header, std::string_view field,
                           bool version, int64_t* micros) {
    int64_t ms;
    if (!ParseI64(field, &ms)) {
      return ExpectedError(
          path, line,
          absl::StrCat(Av(header), " in milliseconds since the epoch"), field);
    }
    constexpr int64_t kLimit = std::numeric_limits<int64_t>::max() / 1000;
    if (ms > kLimit || ms < -kLimit) {
      return ExpectedError(path, line,
                           absl::StrCat(Av(header), " within int64 µs"), field);
    }
    *micros = ms * 1000;
    if (version && (*micros <= 0 || static_cast<Timestamp>(*micros) > now_)) {
      return ExpectedError(
          path, line,
          absl::StrCat(Av(header), " after 1970 and not in the future"),
          field);
    }
    return absl::OkStatus();
  }

  absl::Status ReadEntities(const EntitySpec& spec, uint32_t file_index) {
    const std::string path = Path(spec.file);
    const std::string header = EntityHeader(spec);
    ZVERSE_ASSIGN_OR_RETURN(std::string data, ReadChecked(path, header));
    const KindInfo& info = Info(spec.kind);
    LineIterator lines(data);
    std::string_view line;
    lines.Next(&line);  // The header.
    std::vector<std::string_view> fields;
    while (lines.Next(&line)) {
      progress_->Tick("reading", ++lines_read_, 0);
      const uint64_t n = lines.number();
      if (line.empty()) continue;
      SplitPipe(line, &fields);
      if (fields.size() != spec.columns.size()) {
        return ExpectedError(
            path, n,
            absl::StrCat(spec.columns.size(), " '|'-separated fields (",
                         header, "), found ", fields.size()),
            line);
      }
      LdbcVertex v{0, spec.kind, 0, file_index, n, {}};
      v.properties.reserve(fields.size());
      for (size_t i = 0; i < fields.size(); ++i) {
        const ColumnSpec& col = spec.columns[i];
        const std::string_view f = fields[i];
        switch (col.kind) {
          case Col::kId: {
            uint64_t id;
            if (!ParseU64(f, &id) || id >= (uint64_t{1} << 56)) {
              return ExpectedError(path, n, "an id below 2^56", f);
            }
            v.id = LdbcVertexId(info.type, id);
            break;
          }
          case Col::kText:
            if (!f.empty()) v.properties.push_back({col.property, std::string(f)});
            break;
          case Col::kTextList: {
            if (f.empty()) break;
            std::vector<std::string> items;
            size_t start = 0;
            while (true) {
              const size_t semi = f.find(';', start);
              const std::string_view item = f.substr(
                  start, semi == std::string_view::npos ? std::string_view::npos
                                                        : semi - start);
              if (!item.empty()) items.emplace_back(item);
              if (semi == std::string_view::npos) break;
              start = semi + 1;
            }
            if (!items.empty()) {
              v.properties.push_back({col.property, std::move(items)});
            }
            break;
          }
          case Col::kInt64: {
            int64_t x;
            if (!ParseI64(f, &x)) {
              return ExpectedError(
                  path, n, absl::StrCat(col.header, " as an integer"), f);
            }
            v.properties.push_back({col.property, x});
            break;
          }
          case Col::kTimestamp:
          case Col::kCreationDate: {
            const bool version = col.kind == Col::kCreationDate;
            int64_t micros;
            ZVERSE_RETURN_IF_ERROR(
                ParseMillis(path, n, col.header, f, version, &micros));
            v.properties.push_back({col.property, TimestampValue{micros}});
            if (version) v.ts = static_cast<Timestamp>(micros);
            break;
          }
        }
      }
      // Record properties are kept in name order by the store; sorting here
      // keeps every load's batches identical whatever the column order.
      std::sort(v.properties.begin(), v.properties.end(),
                [](const NamedProperty& a, const NamedProperty& b) {
                  return a.name < b.name;
                });
      const auto [it, inserted] = index_.emplace(v.id, vertices_.size());
      if (!inserted) {
        const LdbcVertex& first = vertices_[it->second];
        return LineError(
            path, n,
            absl::StrCat("duplicate ", info.label, " id ",
                         LdbcOriginalId(v.id), " (already defined as a ",
                         Info(first.kind).label, " at ",
                         Path(EntitySpecs()[first.file].file), ":",
                         first.line, ")"));
      }
      if (!info.is_static) NoteDynamicTs(v.ts);
      vertices_.push_back(std::move(v));
    }
    return absl::OkStatus();
  }

  absl::Status Endpoint(const std::string& path, uint64_t line,
                        std::string_view field, LdbcKind kind,
                        std::string_view what, VertexId* out) {
    uint64_t id;
    if (!ParseU64(field, &id) || id >= (uint64_t{1} << 56)) {
      return ExpectedError(path, line,
                           absl::StrCat("a ", Info(kind).label, " id (",
                                        Av(what), ")"),
                           field);
    }
    const VertexId v = LdbcVertexId(Info(kind).type, id);
    const auto it = index_.find(v);
    if (it == index_.end() || vertices_[it->second].kind != kind) {
      std::string message =
          absl::StrCat(Av(what), " ", Info(kind).label, " ", id,
                       " does not exist");
      if (it != index_.end()) {
        absl::StrAppend(&message, " (", id, " is a ",
                        Info(vertices_[it->second].kind).label, ")");
      }
      return LineError(path, line, message);
    }
    *out = v;
    return absl::OkStatus();
  }

  absl::Status ReadRelationships(const RelSpec& spec, uint32_t spec_index) {
    const std::string path = Path(spec.file);
    const std::string header = RelHeader(spec);
    ZVERSE_ASSIGN_OR_RETURN(std::string data, ReadChecked(path, header));
    const size_t want = spec.date == RelDate::kNone ? 2 : 3;
    LineIterator lines(data);
    std::string_view line;
    lines.Next(&line);
    std::vector<std::string_view> fields;
    while (lines.Next(&line)) {
      progress_->Tick("reading", ++lines_read_, 0);
      const uint64_t n = lines.number();
      if (line.empty()) continue;
      SplitPipe(line, &fields);
      if (fields.size() != want) {
        return ExpectedError(
            path, n,
            absl::StrCat(want, " '|'-separated fields (", header,
                         "), found ", fields.size()),
            line);
      }
      LdbcEdge e{0, 0, spec_index, 0, 0};
      ZVERSE_RETURN_IF_ERROR(
          Endpoint(path, n, fields[0], spec.src, "source", &e.src));
      ZVERSE_RETURN_IF_ERROR(
          Endpoint(path, n, fields[1], spec.dst, "target", &e.dst));
      if (spec.date == RelDate::kTimestamp) {
        ZVERSE_RETURN_IF_ERROR(ParseMillis(path, n, spec.property, fields[2],
                                           /*version=*/true, &e.value));
        NoteDynamicTs(static_cast<Timestamp>(e.value));
      } else if (spec.date == RelDate::kInt64) {
        if (!ParseI64(fields[2], &e.value)) {
          return ExpectedError(
              path, n, absl::StrCat(spec.property, " as an integer"),
              fields[2]);
        }
      }
      edges_.push_back(e);
    }
    return absl::OkStatus();
  }

  void NoteDynamicTs(Timestamp ts) {
    if (min_dynamic_ts_ == 0 || ts < min_dynamic_ts_) min_dynamic_ts_ = ts;
  }

  // Static entities get the static time; relationships get theirs.
  void ResolveTimes() {
    if (min_dynamic_ts_ != 0) static_ts_ = min_dynamic_ts_;
    for (LdbcVertex& v : vertices_) {
      if (Info(v.kind).is_static) v.ts = static_ts_;
    }
    const auto& rels = RelSpecs();
    for (LdbcEdge& e : edges_) {
      const Timestamp a = vertices_[index_.at(e.src)].ts;
      const Timestamp b = vertices_[index_.at(e.dst)].ts;
      Timestamp ts = std::max(a, b);
      if (rels[e.spec].date == RelDate::kTimestamp) {
        ts = std::max(ts, static_cast<Timestamp>(e.value));
      }
      e.ts = ts;
    }
  }

  std::string dir_;
  Progress* progress_;
  Timestamp now_;
  uint64_t lines_read_ = 0;
  std::vector<LdbcVertex> vertices_;
  absl::flat_hash_map<VertexId, size_t> index_;
  std::vector<LdbcEdge> edges_;
  Timestamp min_dynamic_ts_ = 0;
  Timestamp static_ts_ = 0;
};

}  // namespace

// --- Graphalytics ----------------------------------------------------------

absl::StatusOr<GraphalyticsInput> ReadGraphalyticsProperties(
    const std::string& properties_path) {
  namespace fs = std::filesystem;
  ZVERSE_ASSIGN_OR_RETURN(std::string data, ReadFile(properties_path));
  const std::vector<PropertyEntry> entries = ParseJavaProperties(data);

  // The graph's name: the file's stem, or the one name the keys use.
  const fs::path path(properties_path);
  std::string name = path.filename().string();
  if (const std::string suffix = ".properties";
      name.size() > suffix.size() &&
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    name.resize(name.size() - suffix.size());
  }
  auto uses = [&](const std::string& n) {
    const std::string prefix = absl::StrCat("graph.", n, ".");
    for (const PropertyEntry& e : entries) {
      if (e.key.compare(0, prefix.size(), prefix) == 0) return true;
    }
    return false;
  };
  if (!uses(name)) {
    std::vector<std::string> names;
    for (const PropertyEntry& e : entries) {
      const std::string suffix = ".directed";
      if (e.key.size() > 6 + suffix.size() && e.key.compare(0, 6, "graph.") == 0 &&
          e.key.compare(e.key.size() - suffix.size(), suffix.size(), suffix) ==
              0) {
        names.push_back(e.key.substr(6, e.key.size() - 6 - suffix.size()));
      }
    }
    if (names.size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          properties_path, ": expected keys graph.", name,
          ".* (or the keys of exactly one graph), found ", names.size(),
          " graphs"));
    }
    name = names[0];
  }

  const std::string prefix = absl::StrCat("graph.", name, ".");
  const PropertyEntry* directed = nullptr;
  const PropertyEntry* vertex_file = nullptr;
  const PropertyEntry* edge_file = nullptr;
  const PropertyEntry* edge_properties = nullptr;
  for (const PropertyEntry& e : entries) {  // The last definition wins.
    if (e.key == prefix + "directed") directed = &e;
    if (e.key == prefix + "vertex-file") vertex_file = &e;
    if (e.key == prefix + "edge-file") edge_file = &e;
    if (e.key == prefix + "edge-properties.names") edge_properties = &e;
  }
  GraphalyticsInput input;
  if (directed == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        properties_path, ": missing the key ", prefix, "directed"));
  }
  const std::string d = ToLower(directed->value);
  if (d == "true") {
    input.directed = true;
  } else if (d == "false") {
    input.directed = false;
  } else {
    return ExpectedError(properties_path, directed->line,
                         absl::StrCat(prefix, "directed = true or false"),
                         directed->value);
  }
  if (edge_properties != nullptr) {
    std::vector<std::string> names;
    std::string_view rest = edge_properties->value;
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      const std::string_view item = Trim(rest.substr(0, comma));
      if (!item.empty()) names.emplace_back(item);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (names.size() == 1 && names[0] == "weight") {
      input.weighted = true;
    } else if (!names.empty()) {
      return ExpectedError(
          properties_path, edge_properties->line,
          "edge-properties.names to be empty or 'weight' (the only edge "
          "property supported)",
          edge_properties->value);
    }
  }
  const fs::path dir = path.parent_path();
  auto resolve = [&](const PropertyEntry* entry, const char* ext) {
    const std::string file =
        entry != nullptr ? entry->value : absl::StrCat(name, ext);
    const fs::path p(file);
    return (p.is_absolute() || dir.empty() ? p : dir / p).string();
  };
  input.vertex_file = resolve(vertex_file, ".v");
  input.edge_file = resolve(edge_file, ".e");
  return input;
}

absl::StatusOr<LoadStats> LoadGraphalytics(GraphDb* db,
                                           const GraphalyticsInput& input,
                                           const LoadOptions& options) {
  const Clock::time_point start = Clock::now();
  ZVERSE_RETURN_IF_ERROR(CheckLoadTs(options.ts));
  Progress progress(options);
  LoadStats stats;

  std::vector<VertexId> vertices;
  {
    ZVERSE_ASSIGN_OR_RETURN(std::string data, ReadFile(input.vertex_file));
    absl::flat_hash_map<VertexId, uint64_t> line_of;
    line_of.reserve(data.size() / 4);
    vertices.reserve(data.size() / 4);
    LineIterator lines(data);
    std::string_view line;
    std::string_view fields[1];
    while (lines.Next(&line)) {
      progress.Tick("reading", lines.number(), 0);
      if (line.empty() || IsBlank(line)) continue;
      uint64_t id;
      if (SplitWhitespace(line, fields, 1) != 1 || !ParseU64(fields[0], &id)) {
        return ExpectedError(input.vertex_file, lines.number(),
                             "one unsigned 64-bit vertex id", line);
      }
      const auto [it, inserted] = line_of.emplace(id, lines.number());
      if (!inserted) {
        return LineError(input.vertex_file, lines.number(),
                         absl::StrCat("duplicate vertex id ", id,
                                      " (first at line ", it->second, ")"));
      }
      vertices.push_back(id);
    }
    ZVERSE_ASSIGN_OR_RETURN(std::string edge_data, ReadFile(input.edge_file));
    EdgeData edges;
    ZVERSE_RETURN_IF_ERROR(ParseEdgeLines(
        edge_data, input.edge_file, /*skip_comments=*/false,
        input.weighted ? WeightMode::kRequired : WeightMode::kForbidden,
        &progress, &edges,
        [&](VertexId v, uint64_t line_number, const char* what) {
          if (line_of.contains(v)) return absl::OkStatus();
          return LineError(
              input.edge_file, line_number,
              absl::StrCat(what, " vertex ", v, " is not in ",
                           input.vertex_file));
        }));
    edge_data = std::string();
    data = std::string();
    line_of = {};
    stats.input_edges = edges.edges.size();
    stats.read_seconds = SecondsSince(start);

    const Clock::time_point write_start = Clock::now();
    ZVERSE_RETURN_IF_ERROR(WriteSimpleGraph(db, vertices, edges,
                                            input.directed, "graphalytics",
                                            options, &progress, &stats));
    stats.write_seconds = SecondsSince(write_start);
  }
  stats.seconds = SecondsSince(start);
  return stats;
}

absl::StatusOr<LoadStats> LoadEdgeList(GraphDb* db, const EdgeListInput& input,
                                       const LoadOptions& options) {
  const Clock::time_point start = Clock::now();
  ZVERSE_RETURN_IF_ERROR(CheckLoadTs(options.ts));
  Progress progress(options);
  LoadStats stats;

  std::vector<VertexId> vertices;
  EdgeData edges;
  {
    ZVERSE_ASSIGN_OR_RETURN(std::string data, ReadFile(input.path));
    absl::flat_hash_set<VertexId> seen;
    ZVERSE_RETURN_IF_ERROR(ParseEdgeLines(
        data, input.path, /*skip_comments=*/true, WeightMode::kAuto, &progress,
        &edges, [&](VertexId v, uint64_t, const char*) {
          seen.insert(v);
          return absl::OkStatus();
        }));
    vertices.assign(seen.begin(), seen.end());
  }
  std::sort(vertices.begin(), vertices.end());
  stats.input_edges = edges.edges.size();
  stats.read_seconds = SecondsSince(start);

  const Clock::time_point write_start = Clock::now();
  ZVERSE_RETURN_IF_ERROR(WriteSimpleGraph(db, vertices, edges, input.directed,
                                          "edgelist", options, &progress,
                                          &stats));
  stats.write_seconds = SecondsSince(write_start);
  stats.seconds = SecondsSince(start);
  return stats;
}

absl::StatusOr<LoadStats> LoadLdbcSnb(GraphDb* db, const std::string& dir,
                                      const LoadOptions& options) {
  const Clock::time_point start = Clock::now();
  ZVERSE_RETURN_IF_ERROR(CheckLoadTs(options.ts));
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return absl::NotFoundError(
        absl::StrCat(dir, ": not a directory (expected the LDBC SNB data set "
                          "with static/ and dynamic/)"));
  }
  Progress progress(options);
  LoadStats stats;

  LdbcReader reader(dir, &progress);
  ZVERSE_RETURN_IF_ERROR(reader.ReadAll());
  reader.SetFallbackStaticTs(options.ts);
  stats.input_edges = reader.input_edges();
  stats.read_seconds = SecondsSince(start);

  const Clock::time_point write_start = Clock::now();
  const auto& rels = RelSpecs();
  uint64_t total = reader.vertices().size();
  for (const LdbcEdge& e : reader.edges()) {
    total += rels[e.spec].undirected ? 2 : 1;
  }
  BatchWriter writer(db, /*ts=*/0, /*share_first_commit_ts=*/false, total,
                     options.max_batch_ops, &progress, &stats);
  for (LdbcVertex& v : reader.vertices()) {
    ZVERSE_RETURN_IF_ERROR(writer.PutVertex(v.id, Info(v.kind).label,
                                            std::move(v.properties), v.ts));
  }
  for (const LdbcEdge& e : reader.edges()) {
    const RelSpec& spec = rels[e.spec];
    Properties props;
    if (spec.date == RelDate::kTimestamp) {
      props.push_back({spec.property, TimestampValue{e.value}});
    } else if (spec.date == RelDate::kInt64) {
      props.push_back({spec.property, e.value});
    }
    if (spec.undirected && e.src != e.dst) {
      ZVERSE_RETURN_IF_ERROR(writer.PutEdge(e.dst, spec.label, e.src, props, e.ts));
    }
    ZVERSE_RETURN_IF_ERROR(
        writer.PutEdge(e.src, spec.label, e.dst, std::move(props), e.ts));
  }
  writer.SetMetadata("format", "ldbc-snb");
  writer.SetMetadata("directed", "true");
  ZVERSE_RETURN_IF_ERROR(writer.Finish());
  stats.write_seconds = SecondsSince(write_start);
  stats.seconds = SecondsSince(start);
  return stats;
}

}  // namespace zverse::graph
