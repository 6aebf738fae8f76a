// Vertex and edge records: a label and typed properties, stored as a Cap'n
// Proto message (graph/records.capnp) and read in place, without a copy or a
// parse, from the bytes the KV engine hands out.
//
// RecordView::Parse checks the whole message once (bounds, pointers, the
// property order); malformed bytes are DataLoss, never an exception. Text
// values are views into the parsed bytes: valid as long as those bytes are
// (for a KV view, the life of the kv::Snapshot).
//
// Thread safety: a RecordView may be read by several threads at once.

#ifndef ZVERSE_GRAPH_RECORD_H_
#define ZVERSE_GRAPH_RECORD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace zverse::graph {

// A timestamp property: microseconds since the Unix epoch.
struct TimestampValue {
  int64_t micros = 0;
  friend bool operator==(const TimestampValue&, const TimestampValue&) = default;
};

using PropertyValue =
    std::variant<int64_t, double, std::string, bool, TimestampValue,
                 std::vector<int64_t>, std::vector<double>,
                 std::vector<std::string>>;

struct Property {
  uint32_t name = 0;  // Interned property name.
  PropertyValue value;
  friend bool operator==(const Property&, const Property&) = default;
};

// Encodes a record. InvalidArgument if two properties share a name. The
// result is what the KV engine stores; it must be read back from 8-byte
// aligned memory (the engine aligns every value).
absl::StatusOr<std::string> EncodeRecord(uint32_t label,
                                         std::vector<Property> properties);

class RecordView {
 public:
  // `bytes` must start at an 8-byte aligned address (InvalidArgument
  // otherwise) and stay valid while the view and its string_views are used.
  // DataLoss for bytes that are not a well-formed record.
  static absl::StatusOr<RecordView> Parse(std::string_view bytes);

  RecordView(RecordView&&) noexcept;
  RecordView& operator=(RecordView&&) noexcept;
  ~RecordView();

  uint32_t label() const;
  size_t property_count() const;
  // Property names in ascending order.
  std::vector<uint32_t> property_names() const;

  // NotFound if the record has no property `name`; InvalidArgument if it has
  // one of another type.
  absl::StatusOr<int64_t> GetInt64(uint32_t name) const;
  absl::StatusOr<double> GetDouble(uint32_t name) const;
  absl::StatusOr<std::string_view> GetText(uint32_t name) const;  // In place.
  absl::StatusOr<bool> GetBool(uint32_t name) const;
  absl::StatusOr<TimestampValue> GetTimestamp(uint32_t name) const;
  absl::StatusOr<std::vector<int64_t>> GetInt64List(uint32_t name) const;
  absl::StatusOr<std::vector<double>> GetDoubleList(uint32_t name) const;
  absl::StatusOr<std::vector<std::string_view>> GetTextList(
      uint32_t name) const;
  // Any type, copied out.
  absl::StatusOr<PropertyValue> Get(uint32_t name) const;
  // Every property, copied out, in name order.
  std::vector<Property> ToProperties() const;

 private:
  struct Impl;
  explicit RecordView(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zverse::graph

#endif  // ZVERSE_GRAPH_RECORD_H_
