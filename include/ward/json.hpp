#pragma once
// A read-only view of parsed JSON (JsonValue), the writer ward encodes with (JsonWriter), and
// RawJson for passing JSON text through untouched. The parser behind JsonValue is private to ward.

#include <ward/error.hpp>
#include <ward/memory.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ward {

enum class JsonType : std::uint8_t {
  null,
  boolean,
  integer,          ///< fits int64
  unsigned_integer, ///< above int64's range, fits uint64
  number,           ///< has a fraction or exponent (or is out of 64-bit range)
  string,
  array,
  object,
};

/// "null", "boolean", "integer", ..., as error messages name JSON types.
std::string_view json_type_name(JsonType type) noexcept;

class JsonArray;
class JsonObject;

/// A borrowed view of one parsed JSON value. Valid only while the document it came from lives:
/// inside a handler, for the duration of the call. Cheap to copy.
class JsonValue {
public:
  /// JSON null.
  JsonValue() noexcept = default;

  [[nodiscard]] JsonType type() const noexcept;
  [[nodiscard]] bool is_null() const noexcept { return type() == JsonType::null; }

  // Each getter returns false (leaving `out` untouched) when the value has another type.
  bool get(bool &out) const noexcept;
  bool get(std::int64_t &out) const noexcept;   ///< integer, or unsigned_integer that fits
  bool get(std::uint64_t &out) const noexcept;  ///< non-negative integer or unsigned_integer
  bool get(double &out) const noexcept;         ///< any number
  bool get(std::string_view &out) const noexcept; ///< zero-copy, valid UTF-8
  [[nodiscard]] std::optional<JsonArray> array() const noexcept;
  [[nodiscard]] std::optional<JsonObject> object() const noexcept;

  /// Appends every element of a numeric array to `out` in one pass, growing it once (the fast
  /// path for std::vector<double>). False, with `out` as it was, if the value is not an array of
  /// numbers; nothing is allocated then when an element is no scalar.
  bool append_doubles(std::vector<double> &out) const;

  /// The value as compact JSON text.
  [[nodiscard]] std::string to_json() const;

  /// Implementation detail: the private parser's value handle, stored opaquely.
  struct Storage {
    alignas(void *) unsigned char bytes[2 * sizeof(void *)] = {};
  };
  explicit JsonValue(const Storage &storage) noexcept : storage_(storage) {}
  [[nodiscard]] const Storage &storage() const noexcept { return storage_; }

private:
  Storage storage_{};
};

/// A borrowed JSON array (see JsonValue for lifetime).
class JsonArray {
public:
  class iterator {
  public:
    using value_type = JsonValue;
    using difference_type = std::ptrdiff_t;
    iterator() noexcept = default;
    JsonValue operator*() const noexcept;
    iterator &operator++() noexcept;
    iterator operator++(int) noexcept {
      auto copy = *this;
      ++*this;
      return copy;
    }
    bool operator==(const iterator &other) const noexcept {
      return std::memcmp(storage_.bytes, other.storage_.bytes, sizeof storage_.bytes) == 0;
    }

  private:
    friend class JsonArray;
    JsonValue::Storage storage_{}; // the parser's iterator, stored opaquely
  };

  explicit JsonArray(const JsonValue &value) noexcept : value_(value) {}
  [[nodiscard]] std::size_t size() const noexcept;
  [[nodiscard]] iterator begin() const noexcept;
  [[nodiscard]] iterator end() const noexcept;

private:
  JsonValue value_;
};

/// A borrowed JSON object (see JsonValue for lifetime). Keys keep their document order.
class JsonObject {
public:
  struct Member {
    std::string_view key;
    JsonValue value;
  };
  class iterator {
  public:
    using value_type = Member;
    using difference_type = std::ptrdiff_t;
    iterator() noexcept = default;
    Member operator*() const noexcept;
    iterator &operator++() noexcept;
    iterator operator++(int) noexcept {
      auto copy = *this;
      ++*this;
      return copy;
    }
    bool operator==(const iterator &other) const noexcept {
      return std::memcmp(storage_.bytes, other.storage_.bytes, sizeof storage_.bytes) == 0;
    }

  private:
    friend class JsonObject;
    JsonValue::Storage storage_{}; // the parser's iterator, stored opaquely
  };

  explicit JsonObject(const JsonValue &value) noexcept : value_(value) {}
  [[nodiscard]] std::size_t size() const noexcept;
  [[nodiscard]] iterator begin() const noexcept;
  [[nodiscard]] iterator end() const noexcept;
  /// The value of the first member named `key`.
  [[nodiscard]] std::optional<JsonValue> find(std::string_view key) const noexcept;

private:
  JsonValue value_;
};

namespace detail {
/// A typed command's argument name, prepared once for find_arguments: besides the name, the
/// first bytes of the parser's record of a member with exactly this name (its length, then up
/// to four bytes of text), so that most members are told apart by one masked word compare.
struct ArgumentKey {
  std::string name;
  std::uint64_t head = 0;
  std::uint64_t head_mask = 0;
};
[[nodiscard]] ArgumentKey argument_key(std::string name);

/// What JsonObject(args).find(keys[i].name) answers for each of `count` distinct keys (at most
/// 64), from one pass over the members instead of a search per key: bit i of the result is set
/// when there is a member named keys[i].name, and values[i] is then the first such member's
/// value. Members in the order of `keys` (as Tauri sends them) cost one compare each.
[[nodiscard]] std::uint64_t find_arguments(const JsonValue &args, const ArgumentKey *keys, std::size_t count,
                                           JsonValue *values) noexcept;
} // namespace detail

/// Appends JSON to a String. Output is always valid UTF-8 (invalid sequences in strings become
/// U+FFFD) and escapes U+2028 / U+2029, so a host may embed it in a script it evaluates.
/// Commas are placed for you; the caller is responsible for balanced begin/end calls.
class JsonWriter {
public:
  explicit JsonWriter(String &out) noexcept : out_(&out) {}

  void null();
  void boolean(bool value);
  void integer(std::int64_t value);
  void unsigned_integer(std::uint64_t value);
  /// Shortest round-trip form; NaN and infinities, which JSON lacks, are written as null.
  void number(double value);
  void string(std::string_view value);
  /// Appends JSON text the caller guarantees is a valid value (U+2028/U+2029 still escaped).
  void raw(std::string_view json);

  void begin_array();
  void end_array();
  void begin_object();
  void key(std::string_view name);
  void end_object();

  [[nodiscard]] String &output() noexcept { return *out_; }

private:
  void separate();
  String *out_;
  bool need_comma_ = false;
};

/// JSON text known to be valid, passed through without decoding (e.g. a handler's result).
class RawJson {
public:
  /// The JSON `null`.
  RawJson() : text_("null") {}
  /// Validates `json` (syntax and UTF-8) and keeps it.
  static result<RawJson> parse(std::string json);
  /// Copies the text of a parsed value.
  static RawJson from(const JsonValue &value) { return RawJson(value.to_json()); }

  [[nodiscard]] const std::string &text() const noexcept { return text_; }

private:
  explicit RawJson(std::string text) noexcept : text_(std::move(text)) {}
  std::string text_;
};

} // namespace ward
