#include "graph/keys.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"

#define XXH_INLINE_ALL
#include "xxhash.h"

namespace zverse::graph {
namespace {

void PutU64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t GetU64(std::string_view s, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}
uint32_t GetU32(std::string_view s, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

// Bucket and tag: the first four bytes of every key.
std::string Head(uint32_t bucket, KeyTag tag, size_t reserve) {
  std::string out;
  out.reserve(reserve);
  out.push_back(static_cast<char>(bucket >> 16));
  out.push_back(static_cast<char>(bucket >> 8));
  out.push_back(static_cast<char>(bucket));
  out.push_back(static_cast<char>(tag));
  return out;
}

char* StoreBe(char* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) *out++ = static_cast<char>(v >> (8 * i));
  return out;
}

char* StoreHead(char* out, uint32_t bucket, KeyTag tag) {
  out = StoreBe(out, bucket, 3);
  *out++ = static_cast<char>(tag);
  return out;
}

void EncodeEdgeKey(KeyTag tag, VertexId first, LabelId label, VertexId second,
                   char* out) {
  out = StoreHead(out, Bucket(first), tag);
  out = StoreBe(out, first, 8);
  out = StoreBe(out, label, 4);
  StoreBe(out, second, 8);
}

absl::Status NotAKey(std::string_view key, std::string_view why) {
  return absl::DataLossError(absl::StrCat(
      "not a graph key (", absl::string_view(why.data(), why.size()), "): ",
      absl::BytesToHexString(absl::string_view(key.data(), key.size()))));
}

}  // namespace

uint32_t Bucket(uint64_t id) {
  unsigned char be[8];
  for (int i = 0; i < 8; ++i) be[i] = static_cast<unsigned char>(id >> (56 - 8 * i));
  return static_cast<uint32_t>(XXH3_64bits(be, sizeof(be)) >> 40);
}

void EncodeVertexKey(VertexId v, char out[kVertexKeySize]) {
  StoreBe(StoreHead(out, Bucket(v), KeyTag::kVertex), v, 8);
}

void EncodeOutEdgeKey(VertexId src, LabelId label, VertexId dst,
                      char out[kEdgeKeySize]) {
  EncodeEdgeKey(KeyTag::kOutEdge, src, label, dst, out);
}

void EncodeInEdgeKey(VertexId dst, LabelId label, VertexId src,
                     char out[kEdgeKeySize]) {
  EncodeEdgeKey(KeyTag::kInEdge, dst, label, src, out);
}

void EncodeLabelIndexKey(LabelId label, VertexId v,
                         char out[kLabelIndexKeySize]) {
  StoreBe(StoreBe(StoreHead(out, Bucket(label), KeyTag::kLabelIndex), label, 4),
          v, 8);
}

std::string VertexKey(VertexId v) {
  std::string k(kVertexKeySize, '\0');
  EncodeVertexKey(v, k.data());
  return k;
}

std::string OutEdgePrefix(VertexId src) {
  std::string k = Head(Bucket(src), KeyTag::kOutEdge, kEdgeKeySize);
  PutU64(&k, src);
  return k;
}

std::string OutEdgePrefix(VertexId src, LabelId label) {
  std::string k = OutEdgePrefix(src);
  PutU32(&k, label);
  return k;
}

std::string OutEdgeKey(VertexId src, LabelId label, VertexId dst) {
  std::string k(kEdgeKeySize, '\0');
  EncodeOutEdgeKey(src, label, dst, k.data());
  return k;
}

std::string InEdgePrefix(VertexId dst) {
  std::string k = Head(Bucket(dst), KeyTag::kInEdge, kEdgeKeySize);
  PutU64(&k, dst);
  return k;
}

std::string InEdgePrefix(VertexId dst, LabelId label) {
  std::string k = InEdgePrefix(dst);
  PutU32(&k, label);
  return k;
}

std::string InEdgeKey(VertexId dst, LabelId label, VertexId src) {
  std::string k(kEdgeKeySize, '\0');
  EncodeInEdgeKey(dst, label, src, k.data());
  return k;
}

std::string LabelIndexPrefix(LabelId label) {
  std::string k = Head(Bucket(label), KeyTag::kLabelIndex, kLabelIndexKeySize);
  PutU32(&k, label);
  return k;
}

std::string LabelIndexKey(LabelId label, VertexId v) {
  std::string k(kLabelIndexKeySize, '\0');
  EncodeLabelIndexKey(label, v, k.data());
  return k;
}

std::string NameToIdKey(DictionaryKind kind, std::string_view name) {
  std::string k = Head(0, KeyTag::kNameToId, 5 + name.size());
  k.push_back(static_cast<char>(kind));
  k.append(name);
  return k;
}

std::string IdToNameKey(DictionaryKind kind, uint32_t id) {
  std::string k = Head(0, KeyTag::kIdToName, 9);
  k.push_back(static_cast<char>(kind));
  PutU32(&k, id);
  return k;
}

std::string MetadataKey(std::string_view name) {
  std::string k = Head(0, KeyTag::kMetadata, 4 + name.size());
  k.append(name);
  return k;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    if (static_cast<uint8_t>(end.back()) != 0xff) {
      end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

absl::StatusOr<DecodedKey> DecodeKey(std::string_view key) {
  if (key.size() < 5) return NotAKey(key, "too short");
  const uint32_t bucket = (static_cast<uint32_t>(static_cast<uint8_t>(key[0])) << 16) |
                          (static_cast<uint32_t>(static_cast<uint8_t>(key[1])) << 8) |
                          static_cast<uint8_t>(key[2]);
  DecodedKey d;
  d.tag = static_cast<KeyTag>(key[3]);
  auto check_bucket = [&](uint64_t id) { return Bucket(id) == bucket; };
  switch (d.tag) {
    case KeyTag::kVertex:
      if (key.size() != kVertexKeySize) return NotAKey(key, "vertex key size");
      d.first = GetU64(key, 4);
      if (!check_bucket(d.first)) return NotAKey(key, "bucket mismatch");
      return d;
    case KeyTag::kOutEdge:
    case KeyTag::kInEdge:
      if (key.size() != kEdgeKeySize) return NotAKey(key, "edge key size");
      d.first = GetU64(key, 4);
      d.label = GetU32(key, 12);
      d.second = GetU64(key, 16);
      if (!check_bucket(d.first)) return NotAKey(key, "bucket mismatch");
      return d;
    case KeyTag::kLabelIndex:
      if (key.size() != kLabelIndexKeySize) {
        return NotAKey(key, "label index key size");
      }
      d.label = GetU32(key, 4);
      d.second = GetU64(key, 8);
      if (!check_bucket(d.label)) return NotAKey(key, "bucket mismatch");
      return d;
    case KeyTag::kNameToId:
    case KeyTag::kIdToName: {
      if (bucket != 0) return NotAKey(key, "dictionary bucket");
      const auto kind = static_cast<DictionaryKind>(key[4]);
      if (kind != DictionaryKind::kLabel && kind != DictionaryKind::kProperty) {
        return NotAKey(key, "dictionary kind");
      }
      d.kind = kind;
      if (d.tag == KeyTag::kNameToId) {
        d.name = std::string(key.substr(5));
      } else {
        if (key.size() != 9) return NotAKey(key, "dictionary id key size");
        d.first = GetU32(key, 5);
      }
      return d;
    }
    case KeyTag::kMetadata:
      if (bucket != 0) return NotAKey(key, "metadata bucket");
      d.name = std::string(key.substr(4));
      return d;
  }
  return NotAKey(key, "unknown tag");
}

}  // namespace zverse::graph
