// The byte layout of the graph's keys in the KV engine (graph/FORMAT.md).
//
// Every key starts with a 3-byte bucket and a 1-byte tag. Under the engine's
// interleaving (kv/interleave.h) key bytes 0 to 2 sort ahead of every
// timestamp byte that changes within decades, so everything that shares a
// bucket (a vertex's record, its out-edges, its in-edges) forms one
// contiguous run of a segment, whatever the versions' times. The bucket is
// the top 24 bits of XXH3 of the big-endian vertex id, which spreads any id
// scheme (dense, sparse, sequential) evenly.
//
// Do not change the tags, the bucket function or the field order: they are
// the on-disk format.
//
// Thread safety: pure functions.

#ifndef ZVERSE_GRAPH_KEYS_H_
#define ZVERSE_GRAPH_KEYS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace zverse::graph {

using VertexId = uint64_t;
using LabelId = uint32_t;

enum class KeyTag : uint8_t {
  kVertex = 'V',       // bucket(v) 'V' v
  kOutEdge = 'O',      // bucket(src) 'O' src label dst
  kInEdge = 'I',       // bucket(dst) 'I' dst label src
  kLabelIndex = 'L',   // bucket(label) 'L' label v
  kNameToId = 'D',     // 00 00 00 'D' kind name
  kIdToName = 'N',     // 00 00 00 'N' kind id
  kMetadata = 'M',     // 00 00 00 'M' name
};

// Dictionary kinds. Do not change these values.
enum class DictionaryKind : uint8_t {
  kLabel = 'l',
  kProperty = 'p',
};

inline constexpr size_t kVertexKeySize = 12;
inline constexpr size_t kEdgeKeySize = 24;
inline constexpr size_t kLabelIndexKeySize = 16;

// The 24-bit bucket of an id: the top 24 bits of XXH3_64 of its 8 bytes,
// big-endian.
uint32_t Bucket(uint64_t id);

// The fixed-size keys written into a caller's buffer, for loops that should
// not allocate (the std::string versions below build the same bytes).
void EncodeVertexKey(VertexId v, char out[kVertexKeySize]);
void EncodeOutEdgeKey(VertexId src, LabelId label, VertexId dst,
                      char out[kEdgeKeySize]);
void EncodeInEdgeKey(VertexId dst, LabelId label, VertexId src,
                     char out[kEdgeKeySize]);
void EncodeLabelIndexKey(LabelId label, VertexId v,
                         char out[kLabelIndexKeySize]);

std::string VertexKey(VertexId v);
std::string OutEdgeKey(VertexId src, LabelId label, VertexId dst);
std::string InEdgeKey(VertexId dst, LabelId label, VertexId src);
std::string LabelIndexKey(LabelId label, VertexId v);
std::string NameToIdKey(DictionaryKind kind, std::string_view name);
std::string IdToNameKey(DictionaryKind kind, uint32_t id);
// Graph-wide metadata (how the graph was loaded, e.g. "directed").
std::string MetadataKey(std::string_view name);

// Key-range prefixes: every out-edge of `src` (with `label`), every in-edge
// of `dst` (with `label`), every vertex with `label`.
std::string OutEdgePrefix(VertexId src);
std::string OutEdgePrefix(VertexId src, LabelId label);
std::string InEdgePrefix(VertexId dst);
std::string InEdgePrefix(VertexId dst, LabelId label);
std::string LabelIndexPrefix(LabelId label);

// The smallest key greater than every key that starts with `prefix` (the
// exclusive end of a range scan); empty if there is none (all bytes 0xff).
std::string PrefixEnd(std::string_view prefix);

struct DecodedKey {
  KeyTag tag;
  uint64_t first = 0;   // v, src (out), dst (in), or a dictionary id.
  LabelId label = 0;    // Edges and label-index keys.
  uint64_t second = 0;  // dst (out), src (in), v (label index).
  DictionaryKind kind = DictionaryKind::kLabel;
  std::string name;     // kNameToId, kMetadata.
};

// Parses a graph key. DataLoss for bytes that are not one (wrong size, an
// unknown tag, or a bucket that does not match the id).
absl::StatusOr<DecodedKey> DecodeKey(std::string_view key);

}  // namespace zverse::graph

#endif  // ZVERSE_GRAPH_KEYS_H_
