// The interleaved physical sort key (the "seed" encoding).
//
// For a key of n bytes k[0..n) and a timestamp whose big-endian bytes are
// t[0..8), the interleaved key is
//
//     k[0] t[0] k[1] t[1] ... k[i] t[i mod 8] ... k[n-1] t[(n-1) mod 8]
//
// followed, when n < 8, by the timestamp bytes not yet emitted, t[n..8).
// Its length is n + 8 for n < 8 and 2n otherwise. Sealed segments sort their
// entries by this byte string; ties are broken by (key, timestamp) because the
// encoding is not prefix-free. kv/FORMAT.md has a worked example.
//
// Thread safety: pure functions.

#ifndef ZVERSE_KV_INTERLEAVE_H_
#define ZVERSE_KV_INTERLEAVE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace zverse::kv {

// Length of the interleaved encoding of a key of `key_size` bytes.
constexpr size_t InterleavedSize(size_t key_size) {
  return key_size < 8 ? key_size + 8 : 2 * key_size;
}

// Writes InterleavedSize(key.size()) bytes to `out`.
// REQUIRES: `out` has room for InterleavedSize(key.size()) bytes.
void InterleaveTo(std::string_view key, uint64_t ts, char* out);

// Convenience form returning a new string.
std::string Interleave(std::string_view key, uint64_t ts);

// Inverse of Interleave. Returns false if `encoded` is not a valid encoding
// (wrong length, or repeated timestamp bytes that disagree).
bool Deinterleave(std::string_view encoded, std::string* key, uint64_t* ts);

// Three-way comparison in physical order: interleaved bytes, then key, then
// timestamp. Computes the interleaving on the fly without allocating.
int CompareInterleaved(std::string_view key_a, uint64_t ts_a,
                       std::string_view key_b, uint64_t ts_b);

}  // namespace zverse::kv

#endif  // ZVERSE_KV_INTERLEAVE_H_
