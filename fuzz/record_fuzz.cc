// The property record decoder (graph/record.h, Cap'n Proto read in place):
// any bytes give a record or DataLoss, never a crash or a read outside the
// input; a record that parses reads back every property, and re-encoding
// what it read gives a record that reads back to the same bytes.
//
// Kept inputs: record/nan_in_list (found by this target: a NaN in a
// float64 list; the first version of the check compared with ==).

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_target.h"
#include "graph/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using zverse::graph::RecordView;
  // Records are read from 8-byte aligned memory; a buffer of exactly `size`
  // bytes so that the sanitizers catch any read past the end.
  std::unique_ptr<uint64_t[]> words(new uint64_t[(size + 7) / 8 + 1]);
  char* buf = reinterpret_cast<char*>(words.get());
  if (size > 0) std::memcpy(buf, data, size);
  auto view = RecordView::Parse(std::string_view(buf, size));
  if (!view.ok()) {
    ZVERSE_FUZZ_CHECK(!view.status().message().empty());
    return 0;
  }
  const std::vector<uint32_t> names = view->property_names();
  ZVERSE_FUZZ_CHECK(names.size() == view->property_count());
  for (uint32_t name : names) {
    ZVERSE_FUZZ_CHECK(view->Get(name).ok());
  }
  std::vector<zverse::graph::Property> props = view->ToProperties();
  ZVERSE_FUZZ_CHECK(props.size() == names.size());
  auto encoded = zverse::graph::EncodeRecord(view->label(), props);
  if (!encoded.ok()) return 0;  // E.g. a name that appears twice.
  std::unique_ptr<uint64_t[]> again_words(
      new uint64_t[encoded->size() / 8 + 1]);
  char* again_buf = reinterpret_cast<char*>(again_words.get());
  std::memcpy(again_buf, encoded->data(), encoded->size());
  auto again = RecordView::Parse(std::string_view(again_buf, encoded->size()));
  ZVERSE_FUZZ_CHECK(again.ok());
  ZVERSE_FUZZ_CHECK(again->label() == view->label());
  ZVERSE_FUZZ_CHECK(again->property_count() == props.size());
  // Bit for bit (a NaN compares unequal to itself, so not with ==): the
  // encoding is a fixed point.
  auto twice = zverse::graph::EncodeRecord(again->label(), again->ToProperties());
  ZVERSE_FUZZ_CHECK(twice.ok() && *twice == *encoded);
  return 0;
}
