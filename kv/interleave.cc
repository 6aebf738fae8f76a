#include "kv/interleave.h"

#include <cstring>

namespace zverse::kv {
namespace {

inline void StoreBigEndian(uint64_t v, unsigned char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<unsigned char>(v);
    v >>= 8;
  }
}

// Byte `i` of the interleaved encoding of (key, t), where t holds the
// big-endian timestamp bytes.
inline unsigned char InterleavedByte(std::string_view key,
                                     const unsigned char* t, size_t i) {
  const size_t n = key.size();
  if (i < 2 * n) {
    return (i & 1) ? t[(i >> 1) & 7]
                   : static_cast<unsigned char>(key[i >> 1]);
  }
  // Tail of a short key: position 2n holds t[n], and so on up to t[7].
  return t[i - n];
}

}  // namespace

void InterleaveTo(std::string_view key, uint64_t ts, char* out) {
  unsigned char t[8];
  StoreBigEndian(ts, t);
  const size_t n = key.size();
  auto* o = reinterpret_cast<unsigned char*>(out);
  const auto* k = reinterpret_cast<const unsigned char*>(key.data());
  size_t i = 0;
  // Whole groups of 8 key bytes: k0 t0 k1 t1 ... k7 t7, written as two
  // 64-bit stores of shuffled bytes.
  for (; i + 8 <= n; i += 8) {
    for (size_t j = 0; j < 8; ++j) {
      o[2 * j] = k[i + j];
      o[2 * j + 1] = t[j];
    }
    o += 16;
  }
  for (size_t j = 0; i < n; ++i, ++j) {
    *o++ = k[i];
    *o++ = t[j];
  }
  if (n < 8) std::memcpy(o, t + n, 8 - n);
}

std::string Interleave(std::string_view key, uint64_t ts) {
  std::string out(InterleavedSize(key.size()), '\0');
  InterleaveTo(key, ts, out.data());
  return out;
}

bool Deinterleave(std::string_view encoded, std::string* key, uint64_t* ts) {
  const size_t len = encoded.size();
  size_t n;
  if (len >= 8 && len < 16) {
    n = len - 8;
  } else if (len >= 16 && len % 2 == 0) {
    n = len / 2;
  } else {
    return false;
  }
  const auto* e = reinterpret_cast<const unsigned char*>(encoded.data());
  unsigned char t[8];
  bool seen[8] = {};
  key->resize(n);
  for (size_t i = 0; i < n; ++i) {
    (*key)[i] = static_cast<char>(e[2 * i]);
    const unsigned char tb = e[2 * i + 1];
    const size_t j = i & 7;
    if (seen[j] && t[j] != tb) return false;
    t[j] = tb;
    seen[j] = true;
  }
  for (size_t j = n; j < 8; ++j) t[j] = e[n + j];
  uint64_t v = 0;
  for (int j = 0; j < 8; ++j) v = (v << 8) | t[j];
  *ts = v;
  return true;
}

int CompareInterleaved(std::string_view key_a, uint64_t ts_a,
                       std::string_view key_b, uint64_t ts_b) {
  unsigned char ta[8], tb[8];
  StoreBigEndian(ts_a, ta);
  StoreBigEndian(ts_b, tb);
  const size_t la = InterleavedSize(key_a.size());
  const size_t lb = InterleavedSize(key_b.size());
  const size_t common = la < lb ? la : lb;
  // Fast path: the key bytes common to both and ahead of the first differing
  // timestamp byte compare like the interleaving does.
  for (size_t i = 0; i < common; ++i) {
    const unsigned char a = InterleavedByte(key_a, ta, i);
    const unsigned char b = InterleavedByte(key_b, tb, i);
    if (a != b) return a < b ? -1 : 1;
  }
  if (la != lb) return la < lb ? -1 : 1;
  const int c = key_a.compare(key_b);
  if (c != 0) return c < 0 ? -1 : 1;
  if (ts_a != ts_b) return ts_a < ts_b ? -1 : 1;
  return 0;
}

}  // namespace zverse::kv
