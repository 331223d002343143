#include "app/strings.hpp"
#include "json/element.hpp"
#include "json/tape.hpp"

#include <ward/json.hpp>

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <compare>
#include <limits>

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
// The integer getters read the tape directly: an integer is a type word ('l' signed, 'u' only
// above int64's range) followed by its 64-bit value, and these run once per integer argument.
bool JsonValue::get(std::int64_t &out) const noexcept {
  const auto tape = detail::tape_of(from_storage<dom::element>(storage_));
  if (!tape.doc) return false; // a default JsonValue: null
  const std::uint64_t *words = tape.doc->tape.get() + tape.json_index;
  const char type = detail::tape_type(words[0]);
  if (type == 'l') [[likely]] {
    out = static_cast<std::int64_t>(words[1]);
    return true;
  }
  if (type != 'u' || words[1] > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
  out = static_cast<std::int64_t>(words[1]);
  return true;
}
bool JsonValue::get(std::uint64_t &out) const noexcept {
  const auto tape = detail::tape_of(from_storage<dom::element>(storage_));
  if (!tape.doc) return false; // a default JsonValue: null
  const std::uint64_t *words = tape.doc->tape.get() + tape.json_index;
  const char type = detail::tape_type(words[0]);
  if (type != 'l' && type != 'u') return false;
  if (type == 'l' && static_cast<std::int64_t>(words[1]) < 0) return false;
  out = words[1];
  return true;
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

namespace detail { // not internal: a random-access iterator defines operators insert() may not use

/// The elements of an array of numbers as doubles, read off its tape words (a type word, then
/// the number's). Random access, so insert() sizes its target once, before the first is read.
class TapeNumbers {
public:
  using iterator_category = std::random_access_iterator_tag;
  using value_type = double;
  using difference_type = std::ptrdiff_t;
  using pointer = const double *;
  using reference = double;

  TapeNumbers() = default;
  TapeNumbers(const std::uint64_t *at, bool *all_numbers) noexcept : at_(at), all_numbers_(all_numbers) {}

  double operator*() const noexcept {
    const std::uint64_t bits = at_[1];
    switch (detail::tape_type(at_[0])) {
    case 'd': return std::bit_cast<double>(bits);
    case 'l': return static_cast<double>(std::bit_cast<std::int64_t>(bits));
    case 'u': return static_cast<double>(bits);
    default: *all_numbers_ = false; return std::numeric_limits<double>::quiet_NaN();
    }
  }
  double operator[](difference_type n) const noexcept { return *(*this + n); }
  TapeNumbers &operator+=(difference_type n) noexcept {
    at_ += 2 * n;
    return *this;
  }
  TapeNumbers &operator-=(difference_type n) noexcept { return *this += -n; }
  TapeNumbers &operator++() noexcept { return *this += 1; }
  TapeNumbers &operator--() noexcept { return *this -= 1; }
  TapeNumbers operator++(int) noexcept {
    TapeNumbers before = *this;
    *this += 1;
    return before;
  }
  TapeNumbers operator--(int) noexcept {
    TapeNumbers before = *this;
    *this -= 1;
    return before;
  }
  friend TapeNumbers operator+(TapeNumbers it, difference_type n) noexcept { return it += n; }
  friend TapeNumbers operator+(difference_type n, TapeNumbers it) noexcept { return it += n; }
  friend TapeNumbers operator-(TapeNumbers it, difference_type n) noexcept { return it -= n; }
  friend difference_type operator-(const TapeNumbers &a, const TapeNumbers &b) noexcept { return (a.at_ - b.at_) / 2; }
  friend bool operator==(const TapeNumbers &a, const TapeNumbers &b) noexcept { return a.at_ == b.at_; }
  friend auto operator<=>(const TapeNumbers &a, const TapeNumbers &b) noexcept { return a.at_ <=> b.at_; }

private:
  const std::uint64_t *at_ = nullptr;
  bool *all_numbers_ = nullptr;
};
static_assert(std::random_access_iterator<TapeNumbers>);

} // namespace detail

bool JsonValue::append_doubles(std::vector<double> &out) const {
  // Straight off the tape: every element of an array of numbers is a type word followed by
  // the number's word, so the element count is known before any is read, and the copy needs no
  // capacity check or result<> per element.
  const auto tape = detail::tape_of(element_of(*this));
  const std::uint64_t *words = tape.doc->tape.get();
  const std::uint64_t start = words[tape.json_index];
  if (detail::tape_type(start) != '[') return false;
  const std::size_t first = tape.json_index + 1;
  const std::size_t end = detail::tape_after_scope(start) - 1; // the ']' word
  const std::size_t count = (end - first) / 2;
  // An element that is no number takes other than two words: refused before anything is allocated.
  if (const std::uint32_t counted = detail::tape_scope_count(start);
      (counted < detail::tape_count_saturated && counted != count) || (end - first) % 2 != 0)
    return false;
  // Appended by insert() from an iterator over the tape: grown once, and each element written
  // once (resize() would first zero them all, a pass over memory that costs as much as the copy
  // on arrays beyond the cache). An element the tape says is no number (an empty container: two
  // words too) reads as NaN and is noted; the elements are then taken back.
  bool all_numbers = true;
  const std::size_t old_size = out.size();
  out.insert(out.end(), detail::TapeNumbers{words + first, &all_numbers}, detail::TapeNumbers{words + end, &all_numbers});
  if (!all_numbers) out.resize(old_size);
  return all_numbers;
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

namespace ward::detail {
namespace {

/// The length word simdjson stores before a string's bytes in its string buffer (tape.hpp).
using StoredLength = std::uint32_t;

/// Whether the string record at `at` (simdjson's string buffer: the length, then the bytes)
/// holds exactly the key's name. simdjson pads the buffer (SIMDJSON_PADDING bytes past any
/// record), so the first eight bytes can be loaded whole; the key's mask drops those past the
/// name, which belong to the next record or were never written.
bool is_key(const std::uint8_t *at, const ArgumentKey &key) noexcept {
  if ((load_bytes(reinterpret_cast<const char *>(at), 8) & key.head_mask) != key.head) return false;
  const std::size_t size = key.name.size();
  constexpr std::size_t in_head = 8 - sizeof(StoredLength);
  return size <= in_head ||
         same_short_bytes(reinterpret_cast<const char *>(at) + 8, key.name.data() + in_head, size - in_head);
}

/// The index of the key whose name the record at `at` holds, other than `skipped` (already
/// compared), or `count`.
[[gnu::noinline]] std::size_t search_key(const std::uint8_t *at, const ArgumentKey *keys, std::size_t count,
                                         std::size_t skipped) noexcept {
  for (std::size_t key = 0; key < count; ++key)
    if (key != skipped && is_key(at, keys[key])) return key;
  return count;
}

} // namespace

ArgumentKey argument_key(std::string name) {
  ArgumentKey key;
  // Built as the parser stores a string (the same memcpy of the length, the same bytes), so the
  // compare holds for either byte order.
  unsigned char head[8] = {};
  unsigned char mask[8] = {};
  const auto length = static_cast<StoredLength>(name.size());
  std::memcpy(head, &length, sizeof length);
  std::memset(mask, 0xFF, sizeof length);
  for (std::size_t i = 0; i < name.size() && sizeof length + i < sizeof head; ++i) {
    head[sizeof length + i] = static_cast<unsigned char>(name[i]);
    mask[sizeof length + i] = 0xFF;
  }
  std::memcpy(&key.head, head, sizeof head);
  std::memcpy(&key.head_mask, mask, sizeof mask);
  key.name = std::move(name);
  return key;
}

namespace {

/// find_arguments for members in any order, repeated, or not arguments at all.
[[gnu::noinline]] std::uint64_t find_arguments_anywhere(const simdjson::internal::tape_ref &tape, std::size_t end,
                                                        const ArgumentKey *keys, std::size_t count,
                                                        JsonValue *values) noexcept {
  const std::uint64_t *words = tape.doc->tape.get();
  const std::uint8_t *strings = tape.doc->string_buf.get();
  std::uint64_t found = 0;
  std::size_t missing = count;
  std::size_t expected = 0; // the key of the next member if they come in declaration order
  for (std::size_t i = tape.json_index + 1; i < end; i = tape_after(words, i + 1)) {
    const std::uint8_t *name = strings + (words[i] & tape_payload_mask);
    std::size_t match = expected;
    if (match >= count || !is_key(name, keys[match])) {
      match = search_key(name, keys, count, match);
      if (match == count) continue; // not an argument
    }
    expected = match + 1;
    const std::uint64_t bit = std::uint64_t{1} << match;
    if (found & bit) continue; // a repeated key: the first member counts
    found |= bit;
    values[match] = make_value(element_at(tape.doc, i + 1));
    if (--missing == 0) break; // later members can only repeat a key
  }
  return found;
}

} // namespace

std::uint64_t find_arguments(const JsonValue &args, const ArgumentKey *keys, std::size_t count,
                             JsonValue *values) noexcept {
  const auto tape = tape_of(from_storage<dom::element>(args.storage()));
  if (!tape.doc || count == 0) return 0; // a default JsonValue: null, no members
  const std::uint64_t *words = tape.doc->tape.get();
  const std::uint64_t start = words[tape.json_index];
  if (tape_type(start) != '{') return 0;
  const std::size_t end = tape_after_scope(start) - 1; // the '}' word
  // Tauri sends the arguments in declaration order: if the first members are the keys in
  // order, each is its key's first member, and whatever follows can only repeat one.
  const std::uint8_t *strings = tape.doc->string_buf.get();
  std::size_t i = tape.json_index + 1;
  for (std::size_t key = 0; i < end && is_key(strings + (words[i] & tape_payload_mask), keys[key]);) {
    values[key] = make_value(element_at(tape.doc, i + 1));
    if (++key == count) return count == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1;
    i = tape_after(words, i + 1);
  }
  return find_arguments_anywhere(tape, end, keys, count, values);
}

} // namespace ward::detail
