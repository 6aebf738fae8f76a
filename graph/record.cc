#include "graph/record.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <optional>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include "absl/strings/str_cat.h"
#include "graph/records.capnp.h"

namespace zverse::graph {
namespace {

const char* TypeName(::Property::Value::Which w) {
  switch (w) {
    case ::Property::Value::INT64: return "int64";
    case ::Property::Value::FLOAT64: return "double";
    case ::Property::Value::TEXT: return "text";
    case ::Property::Value::BOOL: return "bool";
    case ::Property::Value::TIMESTAMP: return "timestamp";
    case ::Property::Value::INT64_LIST: return "int64 list";
    case ::Property::Value::FLOAT64_LIST: return "double list";
    case ::Property::Value::TEXT_LIST: return "text list";
  }
  return "unknown";
}

void SetValue(const PropertyValue& v, ::Property::Value::Builder b) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          b.setInt64(x);
        } else if constexpr (std::is_same_v<T, double>) {
          b.setFloat64(x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          b.setText(capnp::Text::Reader(x.data(), x.size()));
        } else if constexpr (std::is_same_v<T, bool>) {
          b.setBool(x);
        } else if constexpr (std::is_same_v<T, TimestampValue>) {
          b.setTimestamp(x.micros);
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          auto l = b.initInt64List(static_cast<unsigned>(x.size()));
          for (size_t i = 0; i < x.size(); ++i) l.set(i, x[i]);
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          auto l = b.initFloat64List(static_cast<unsigned>(x.size()));
          for (size_t i = 0; i < x.size(); ++i) l.set(i, x[i]);
        } else {
          auto l = b.initTextList(static_cast<unsigned>(x.size()));
          for (size_t i = 0; i < x.size(); ++i) {
            l.set(i, capnp::Text::Reader(x[i].data(), x[i].size()));
          }
        }
      },
      v);
}

}  // namespace

absl::StatusOr<std::string> EncodeRecord(uint32_t label,
                                         std::vector<Property> properties) {
  std::sort(properties.begin(), properties.end(),
            [](const Property& a, const Property& b) { return a.name < b.name; });
  for (size_t i = 1; i < properties.size(); ++i) {
    if (properties[i].name == properties[i - 1].name) {
      return absl::InvalidArgumentError(
          absl::StrCat("property ", properties[i].name, " given twice"));
    }
  }
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<::Record>();
  root.setLabel(label);
  auto list = root.initProperties(static_cast<unsigned>(properties.size()));
  for (size_t i = 0; i < properties.size(); ++i) {
    list[i].setName(properties[i].name);
    SetValue(properties[i].value, list[i].initValue());
  }
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

struct RecordView::Impl {
  explicit Impl(kj::ArrayPtr<const capnp::word> words)
      : reader(words), root(reader.getRoot<::Record>()) {}
  capnp::FlatArrayMessageReader reader;
  ::Record::Reader root;

  // The property named `name`, by binary search (names are sorted).
  std::optional<::Property::Reader> Find(uint32_t name) const {
    auto props = root.getProperties();
    unsigned lo = 0, hi = props.size();
    while (lo < hi) {
      const unsigned mid = lo + (hi - lo) / 2;
      const uint32_t n = props[mid].getName();
      if (n == name) return props[mid];
      if (n < name) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return std::nullopt;
  }
};

RecordView::RecordView(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecordView::RecordView(RecordView&&) noexcept = default;
RecordView& RecordView::operator=(RecordView&&) noexcept = default;
RecordView::~RecordView() = default;

absl::StatusOr<RecordView> RecordView::Parse(std::string_view bytes) {
  if (reinterpret_cast<uintptr_t>(bytes.data()) % 8 != 0) {
    return absl::InvalidArgumentError("record bytes are not 8-byte aligned");
  }
  if (bytes.size() % 8 != 0 || bytes.empty()) {
    return absl::DataLossError(absl::StrCat(
        "record of ", bytes.size(), " bytes is not a whole number of words"));
  }
  kj::ArrayPtr<const capnp::word> words(
      reinterpret_cast<const capnp::word*>(bytes.data()), bytes.size() / 8);
  try {
    auto impl = std::make_unique<Impl>(words);
    // Walk the whole message once: after this no accessor can run out of
    // bounds, so none can throw.
    (void)impl->root.totalSize();
    auto props = impl->root.getProperties();
    for (unsigned i = 0; i < props.size(); ++i) {
      if (i > 0 && props[i].getName() <= props[i - 1].getName()) {
        return absl::DataLossError("record properties out of order");
      }
      auto v = props[i].getValue();
      switch (v.which()) {
        case ::Property::Value::TEXT: (void)v.getText(); break;
        case ::Property::Value::INT64_LIST: (void)v.getInt64List(); break;
        case ::Property::Value::FLOAT64_LIST: (void)v.getFloat64List(); break;
        case ::Property::Value::TEXT_LIST: {
          auto l = v.getTextList();
          for (unsigned j = 0; j < l.size(); ++j) (void)l[j];
          break;
        }
        case ::Property::Value::INT64:
        case ::Property::Value::FLOAT64:
        case ::Property::Value::BOOL:
        case ::Property::Value::TIMESTAMP:
          break;
        default:
          return absl::DataLossError("record property of an unknown type");
      }
    }
    return RecordView(std::move(impl));
  } catch (const kj::Exception& e) {
    return absl::DataLossError(
        absl::StrCat("malformed record: ", e.getDescription().cStr()));
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("malformed record: ", e.what()));
  }
}

uint32_t RecordView::label() const { return impl_->root.getLabel(); }

size_t RecordView::property_count() const {
  return impl_->root.getProperties().size();
}

std::vector<uint32_t> RecordView::property_names() const {
  std::vector<uint32_t> out;
  for (auto p : impl_->root.getProperties()) out.push_back(p.getName());
  return out;
}

namespace {

template <typename Fn>
auto Typed(const std::optional<::Property::Reader>& p, uint32_t name,
           ::Property::Value::Which want, Fn fn)
    -> absl::StatusOr<decltype(fn(p->getValue()))> {
  if (!p.has_value()) {
    return absl::NotFoundError(absl::StrCat("no property ", name));
  }
  auto v = p->getValue();
  if (v.which() != want) {
    return absl::InvalidArgumentError(absl::StrCat(
        "property ", name, " is ", TypeName(v.which()), ", not ", TypeName(want)));
  }
  return fn(v);
}

}  // namespace

absl::StatusOr<int64_t> RecordView::GetInt64(uint32_t name) const {
  return Typed(impl_->Find(name), name, ::Property::Value::INT64,
               [](auto v) { return v.getInt64(); });
}

absl::StatusOr<double> RecordView::GetDouble(uint32_t name) const {
  return Typed(impl_->Find(name), name, ::Property::Value::FLOAT64,
               [](auto v) { return v.getFloat64(); });
}

absl::StatusOr<std::string_view> RecordView::GetText(uint32_t name) const {
  return Typed(impl_->Find(name), name, ::Property::Value::TEXT, [](auto v) {
    capnp::Text::Reader t = v.getText();
    return std::string_view(t.cStr(), t.size());
  });
}

absl::StatusOr<bool> RecordView::GetBool(uint32_t name) const {
  return Typed(impl_->Find(name), name, ::Property::Value::BOOL,
               [](auto v) { return v.getBool(); });
}

absl::StatusOr<TimestampValue> RecordView::GetTimestamp(uint32_t name) const {
  return Typed(impl_->Find(name), name, ::Property::Value::TIMESTAMP,
               [](auto v) { return TimestampValue{v.getTimestamp()}; });
}

absl::StatusOr<std::vector<int64_t>> RecordView::GetInt64List(
    uint32_t name) const {
  return Typed(impl_->Find(name), name, ::Property::Value::INT64_LIST,
               [](auto v) {
                 std::vector<int64_t> out;
                 for (int64_t x : v.getInt64List()) out.push_back(x);
                 return out;
               });
}

absl::StatusOr<std::vector<double>> RecordView::GetDoubleList(
    uint32_t name) const {
  return Typed(impl_->Find(name), name, ::Property::Value::FLOAT64_LIST,
               [](auto v) {
                 std::vector<double> out;
                 for (double x : v.getFloat64List()) out.push_back(x);
                 return out;
               });
}

absl::StatusOr<std::vector<std::string_view>> RecordView::GetTextList(
    uint32_t name) const {
  return Typed(impl_->Find(name), name, ::Property::Value::TEXT_LIST,
               [](auto v) {
                 std::vector<std::string_view> out;
                 for (capnp::Text::Reader t : v.getTextList()) {
                   out.emplace_back(t.cStr(), t.size());
                 }
                 return out;
               });
}

absl::StatusOr<PropertyValue> RecordView::Get(uint32_t name) const {
  const auto p = impl_->Find(name);
  if (!p.has_value()) return absl::NotFoundError(absl::StrCat("no property ", name));
  auto v = p->getValue();
  switch (v.which()) {
    case ::Property::Value::INT64: return PropertyValue(v.getInt64());
    case ::Property::Value::FLOAT64: return PropertyValue(v.getFloat64());
    case ::Property::Value::TEXT: {
      capnp::Text::Reader t = v.getText();
      return PropertyValue(std::string(t.cStr(), t.size()));
    }
    case ::Property::Value::BOOL: return PropertyValue(v.getBool());
    case ::Property::Value::TIMESTAMP:
      return PropertyValue(TimestampValue{v.getTimestamp()});
    case ::Property::Value::INT64_LIST: {
      std::vector<int64_t> out;
      for (int64_t x : v.getInt64List()) out.push_back(x);
      return PropertyValue(std::move(out));
    }
    case ::Property::Value::FLOAT64_LIST: {
      std::vector<double> out;
      for (double x : v.getFloat64List()) out.push_back(x);
      return PropertyValue(std::move(out));
    }
    case ::Property::Value::TEXT_LIST: {
      std::vector<std::string> out;
      for (capnp::Text::Reader t : v.getTextList()) out.emplace_back(t.cStr(), t.size());
      return PropertyValue(std::move(out));
    }
  }
  return absl::DataLossError("record property of an unknown type");
}

std::vector<Property> RecordView::ToProperties() const {
  std::vector<Property> out;
  for (auto p : impl_->root.getProperties()) {
    absl::StatusOr<PropertyValue> v = Get(p.getName());
    if (v.ok()) out.push_back(Property{p.getName(), *std::move(v)});
  }
  return out;
}

}  // namespace zverse::graph
