#include "json/element.hpp"

#include <ward/json.hpp>

#include <iterator>

namespace ward {

using detail::element_of;
using detail::from_storage;
using detail::make_value;
using detail::to_storage;
namespace dom = simdjson::dom;

std::string_view json_type_name(JsonType type) noexcept {
  switch (type) {
  case JsonType::null: return "null";
  case JsonType::boolean: return "boolean";
  case JsonType::integer: return "integer";
  case JsonType::unsigned_integer: return "integer";
  case JsonType::number: return "floating point number";
  case JsonType::string: return "string";
  case JsonType::array: return "sequence";
  case JsonType::object: return "map";
  }
  return "unknown";
}

JsonType JsonValue::type() const noexcept {
  switch (element_of(*this).type()) {
  case dom::element_type::ARRAY: return JsonType::array;
  case dom::element_type::OBJECT: return JsonType::object;
  case dom::element_type::INT64: return JsonType::integer;
  case dom::element_type::UINT64: return JsonType::unsigned_integer;
  case dom::element_type::DOUBLE: return JsonType::number;
  case dom::element_type::STRING: return JsonType::string;
  case dom::element_type::BOOL: return JsonType::boolean;
  case dom::element_type::NULL_VALUE: return JsonType::null;
  }
  return JsonType::null;
}

bool JsonValue::get(bool &out) const noexcept { return element_of(*this).get(out) == simdjson::SUCCESS; }
bool JsonValue::get(std::int64_t &out) const noexcept {
  auto element = element_of(*this);
  if (!element.is_int64() && !element.is_uint64()) return false;
  return element.get(out) == simdjson::SUCCESS;
}
bool JsonValue::get(std::uint64_t &out) const noexcept {
  auto element = element_of(*this);
  if (!element.is_int64() && !element.is_uint64()) return false;
  return element.get(out) == simdjson::SUCCESS;
}
bool JsonValue::get(double &out) const noexcept { return element_of(*this).get(out) == simdjson::SUCCESS; }
bool JsonValue::get(std::string_view &out) const noexcept {
  return element_of(*this).get(out) == simdjson::SUCCESS;
}

std::optional<JsonArray> JsonValue::array() const noexcept {
  if (!element_of(*this).is_array()) return std::nullopt;
  return JsonArray(*this);
}

std::optional<JsonObject> JsonValue::object() const noexcept {
  if (!element_of(*this).is_object()) return std::nullopt;
  return JsonObject(*this);
}

bool JsonValue::append_doubles(std::vector<double> &out) const {
  dom::array array;
  if (element_of(*this).get(array) != simdjson::SUCCESS) return false;
  for (dom::element element : array) {
    double value;
    if (element.get(value) != simdjson::SUCCESS) return false;
    out.push_back(value);
  }
  return true;
}

std::string JsonValue::to_json() const { return simdjson::minify(element_of(*this)); }

// --- arrays ---

std::size_t JsonArray::size() const noexcept {
  dom::array array;
  if (element_of(value_).get(array) != simdjson::SUCCESS) return 0;
  const std::size_t size = array.size(); // saturates at 0xFFFFFF
  return size < 0xFFFFFF ? size : static_cast<std::size_t>(std::distance(array.begin(), array.end()));
}

JsonArray::iterator JsonArray::begin() const noexcept {
  iterator it;
  dom::array array;
  if (element_of(value_).get(array) == simdjson::SUCCESS) it.storage_ = to_storage(array.begin());
  return it;
}

JsonArray::iterator JsonArray::end() const noexcept {
  iterator it;
  dom::array array;
  if (element_of(value_).get(array) == simdjson::SUCCESS) it.storage_ = to_storage(array.end());
  return it;
}

JsonValue JsonArray::iterator::operator*() const noexcept {
  return make_value(*from_storage<dom::array::iterator>(storage_));
}

JsonArray::iterator &JsonArray::iterator::operator++() noexcept {
  auto it = from_storage<dom::array::iterator>(storage_);
  ++it;
  storage_ = to_storage(it);
  return *this;
}

// --- objects ---

std::size_t JsonObject::size() const noexcept {
  dom::object object;
  if (element_of(value_).get(object) != simdjson::SUCCESS) return 0;
  const std::size_t size = object.size(); // saturates at 0xFFFFFF
  return size < 0xFFFFFF ? size : static_cast<std::size_t>(std::distance(object.begin(), object.end()));
}

JsonObject::iterator JsonObject::begin() const noexcept {
  iterator it;
  dom::object object;
  if (element_of(value_).get(object) == simdjson::SUCCESS) it.storage_ = to_storage(object.begin());
  return it;
}

JsonObject::iterator JsonObject::end() const noexcept {
  iterator it;
  dom::object object;
  if (element_of(value_).get(object) == simdjson::SUCCESS) it.storage_ = to_storage(object.end());
  return it;
}

JsonObject::Member JsonObject::iterator::operator*() const noexcept {
  auto it = from_storage<dom::object::iterator>(storage_);
  return Member{it.key(), make_value(it.value())};
}

JsonObject::iterator &JsonObject::iterator::operator++() noexcept {
  auto it = from_storage<dom::object::iterator>(storage_);
  ++it;
  storage_ = to_storage(it);
  return *this;
}

std::optional<JsonValue> JsonObject::find(std::string_view key) const noexcept {
  dom::object object;
  if (element_of(value_).get(object) != simdjson::SUCCESS) return std::nullopt;
  for (auto member : object) {
    if (member.key == key) return make_value(member.value);
  }
  return std::nullopt;
}

} // namespace ward
