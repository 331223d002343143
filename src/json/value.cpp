#include "json/element.hpp"
#include "json/tape.hpp"

#include <ward/json.hpp>

#include <bit>
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
  // Straight off the tape: every element of an array of numbers is a type word followed by
  // the number's word, so the loop needs no per-element dispatch or result<>.
  const auto tape = detail::tape_of(element_of(*this));
  const std::uint64_t *words = tape.doc->tape.get();
  const std::uint64_t start = words[tape.json_index];
  if (detail::tape_type(start) != '[') return false;
  const std::size_t end = detail::tape_after_scope(start) - 1; // the ']' word
  if (const std::uint32_t count = detail::tape_scope_count(start); count < detail::tape_count_saturated)
    out.reserve(out.size() + count);
  for (std::size_t i = tape.json_index + 1; i < end; i += 2) {
    const std::uint64_t word = words[i];
    const std::uint64_t bits = words[i + 1];
    switch (detail::tape_type(word)) {
    case 'd': out.push_back(std::bit_cast<double>(bits)); break;
    case 'l': out.push_back(static_cast<double>(std::bit_cast<std::int64_t>(bits))); break;
    case 'u': out.push_back(static_cast<double>(bits)); break;
    default: return false; // not a number (and words[i + 1] may be past the array: unread)
    }
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
  // Over the tape: a member is a key word ('"') followed by its value. A default JsonValue (no
  // document) is null, which has no members.
  const auto tape = detail::tape_of(from_storage<dom::element>(value_.storage()));
  if (!tape.doc) return std::nullopt;
  const std::uint64_t *words = tape.doc->tape.get();
  const std::uint64_t start = words[tape.json_index];
  if (detail::tape_type(start) != '{') return std::nullopt;
  const std::size_t end = detail::tape_after_scope(start) - 1; // the '}' word
  for (std::size_t i = tape.json_index + 1; i < end; i = detail::tape_after(words, i + 1)) {
    const std::string_view name = detail::tape_string(*tape.doc, words[i]);
    if (name.size() == key.size() && detail::same_bytes(name.data(), key.data(), key.size()))
      return make_value(detail::element_at(tape.doc, i + 1));
  }
  return std::nullopt;
}

} // namespace ward
