#include "graph/record.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "kv/db.h"
#include "tests/test_util.h"

namespace zverse::graph {
namespace {

// An 8-byte aligned copy of `bytes` (std::string gives no such promise for
// sub-ranges).
class Aligned {
 public:
  explicit Aligned(std::string_view bytes)
      : words_((bytes.size() + 7) / 8 + 1, 0), size_(bytes.size()) {
    if (!bytes.empty()) std::memcpy(words_.data(), bytes.data(), bytes.size());
  }
  std::string_view view() const {
    return {reinterpret_cast<const char*>(words_.data()), size_};
  }

 private:
  std::vector<uint64_t> words_;
  size_t size_;
};

std::vector<Property> AllTypes() {
  return {
      {9, std::string("Jan")},
      {1, int64_t{-42}},
      {2, 3.25},
      {3, true},
      {4, TimestampValue{1700000000123456}},
      {5, std::vector<int64_t>{1, -2, 3}},
      {6, std::vector<double>{0.5, -1.5}},
      {7, std::vector<std::string>{"a", "", "long text \xff\x01"}},
      {8, std::string("")},
  };
}

TEST(RecordTest, RoundTripsEveryType) {
  ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeRecord(17, AllTypes()));
  Aligned a(bytes);
  ASSERT_OK_AND_ASSIGN(RecordView r, RecordView::Parse(a.view()));
  EXPECT_EQ(r.label(), 17u);
  EXPECT_EQ(r.property_count(), 9u);
  EXPECT_EQ(r.property_names(), (std::vector<uint32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(r.GetInt64(1).value(), -42);
  EXPECT_EQ(r.GetDouble(2).value(), 3.25);
  EXPECT_EQ(r.GetBool(3).value(), true);
  EXPECT_EQ(r.GetTimestamp(4).value().micros, 1700000000123456);
  EXPECT_EQ(r.GetInt64List(5).value(), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(r.GetDoubleList(6).value(), (std::vector<double>{0.5, -1.5}));
  EXPECT_EQ(r.GetTextList(7).value(),
            (std::vector<std::string_view>{"a", "", "long text \xff\x01"}));
  EXPECT_EQ(r.GetText(8).value(), "");
  EXPECT_EQ(r.GetText(9).value(), "Jan");
  std::vector<Property> want = AllTypes();
  std::sort(want.begin(), want.end(),
            [](const Property& x, const Property& y) { return x.name < y.name; });
  EXPECT_EQ(r.ToProperties(), want);
}

TEST(RecordTest, TypedErrors) {
  ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeRecord(1, AllTypes()));
  Aligned a(bytes);
  ASSERT_OK_AND_ASSIGN(RecordView r, RecordView::Parse(a.view()));
  EXPECT_STATUS_CODE(r.GetInt64(99), absl::StatusCode::kNotFound);
  EXPECT_STATUS_CODE(r.GetInt64(9), absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(r.GetText(1), absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(EncodeRecord(1, {{3, int64_t{1}}, {3, 2.0}}),
                     absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(RecordView::Parse(a.view().substr(1)),
                     absl::StatusCode::kInvalidArgument);  // Misaligned.
}

TEST(RecordTest, TextIsReadInPlace) {
  ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeRecord(1, AllTypes()));
  Aligned a(bytes);
  ASSERT_OK_AND_ASSIGN(RecordView r, RecordView::Parse(a.view()));
  ASSERT_OK_AND_ASSIGN(std::string_view jan, r.GetText(9));
  EXPECT_GE(jan.data(), a.view().data());
  EXPECT_LE(jan.data() + jan.size(), a.view().data() + a.view().size());
}

// Through the engine: the value view points into the mapping, 8-byte aligned,
// and the record is read there without a copy.
TEST(RecordTest, ReadsInPlaceFromTheEngineMapping) {
  testing::TempDir tmp;
  ASSERT_OK_AND_ASSIGN(auto db, kv::DB::Open(tmp.path()));
  ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeRecord(5, AllTypes()));
  ASSERT_OK(db->Put(std::string("odd-length-key!"), bytes));
  for (int sealed = 0; sealed < 2; ++sealed) {
    ASSERT_OK_AND_ASSIGN(kv::Snapshot snap, db->GetSnapshot());
    ASSERT_OK_AND_ASSIGN(std::string_view value, snap.Get("odd-length-key!"));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(value.data()) % 8, 0u);
    ASSERT_OK_AND_ASSIGN(RecordView r, RecordView::Parse(value));
    ASSERT_OK_AND_ASSIGN(std::string_view jan, r.GetText(9));
    EXPECT_EQ(jan, "Jan");
    EXPECT_GE(jan.data(), value.data());
    EXPECT_LE(jan.data() + jan.size(), value.data() + value.size());
    ASSERT_OK(db->Seal());  // Second round reads from a sealed segment.
  }
}

// Damaged bytes give a Status, never an exception or a crash; whatever
// parses can be read completely.
TEST(RecordTest, MalformedBytesAreDataLossNeverExceptions) {
  ASSERT_OK_AND_ASSIGN(std::string bytes, EncodeRecord(3, AllTypes()));
  std::mt19937_64 rng(17);
  int rejected = 0;
  auto probe = [&](std::string_view b) {
    Aligned a(b);
    absl::StatusOr<RecordView> r = RecordView::Parse(a.view());
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss) << r.status();
      ++rejected;
      return;
    }
    (void)r->ToProperties();
    for (uint32_t name = 0; name < 12; ++name) (void)r->Get(name);
  };
  for (size_t cut = 0; cut < bytes.size(); cut += 8) {
    probe(std::string_view(bytes).substr(0, cut));
  }
  for (int i = 0; i < 3000; ++i) {
    std::string flipped = bytes;
    flipped[rng() % flipped.size()] ^= static_cast<char>(1u << (rng() % 8));
    probe(flipped);
  }
  for (int i = 0; i < 500; ++i) {
    std::string noise((rng() % 40 + 1) * 8, '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    probe(noise);
  }
  EXPECT_GT(rejected, 100);  // The probes do reach the error paths.
}

}  // namespace
}  // namespace zverse::graph
