// Entry decoding (kv/internal/format.h), what every read of a log or a
// segment goes through: any bytes give an entry inside the input or a
// DataLoss naming the offset; an entry that decodes re-encodes to one that
// decodes to the same key, value, timestamp and flags.

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include "fuzz/fuzz_target.h"
#include "kv/internal/format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace in = zverse::kv::internal;
  std::unique_ptr<uint64_t[]> words(new uint64_t[(size + 7) / 8 + 1]);
  char* buf = reinterpret_cast<char*>(words.get());
  if (size > 0) std::memcpy(buf, data, size);
  // Every 8-byte aligned offset, as a scan of a region would try them.
  for (size_t offset = 0; offset <= size; offset += 8) {
    in::EntryView unchecked;
    const bool fits = in::DecodeEntryUnchecked(buf, offset, size, &unchecked);
    auto e = in::DecodeEntry(buf, offset, size, "fuzz.log");
    if (!e.ok()) {
      ZVERSE_FUZZ_CHECK(e.status().message().find("fuzz.log") !=
                        std::string_view::npos);
      continue;
    }
    ZVERSE_FUZZ_CHECK(fits);
    ZVERSE_FUZZ_CHECK(e->size <= size - offset);
    ZVERSE_FUZZ_CHECK(e->key.data() >= buf + offset &&
                      e->key.data() + e->key.size() <= buf + size);
    ZVERSE_FUZZ_CHECK(e->value.data() >= buf + offset &&
                      e->value.data() + e->value.size() <= buf + size);
    const size_t need = in::EntrySize(e->key.size(), e->value.size());
    std::unique_ptr<uint64_t[]> out_words(new uint64_t[need / 8 + 1]);
    char* obuf = reinterpret_cast<char*>(out_words.get());
    const size_t n = in::EncodeEntry(e->key, e->value, e->ts, e->flags, obuf);
    auto back = in::DecodeEntry(obuf, 0, n, "fuzz.log");
    ZVERSE_FUZZ_CHECK(back.ok());
    ZVERSE_FUZZ_CHECK(back->key == e->key && back->value == e->value &&
                      back->ts == e->ts && back->flags == e->flags);
  }
  return 0;
}
