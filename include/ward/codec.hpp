#pragma once
// How C++ values are read from and written to JSON. ward knows bool, every integer width
// (range-checked), float/double, std::string, std::string_view (zero-copy), std::optional,
// std::vector, std::map / std::unordered_map with string keys, JsonValue, RawJson and structs
// described once with WARD_DESCRIBE. Specialize ward::Codec<T> to plug in any other type:
//
//   template <> struct ward::Codec<Color> {
//     static ward::result<void> decode(const ward::JsonValue &json, Color &out);
//     static void encode(ward::JsonWriter &writer, const Color &value);
//   };

#include <ward/error.hpp>
#include <ward/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <concepts>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ward {

template <class T, class Enable = void> struct Codec; // specialized below and by users

/// One member of a described struct: its JSON name and the pointer to it.
template <class Class, class Member> struct Field {
  std::string_view name;
  Member Class::*pointer;
};
template <class Class, class Member>
constexpr Field<Class, Member> field(std::string_view name, Member Class::*pointer) noexcept {
  return {name, pointer};
}

/// Specialize with `static constexpr auto fields = std::make_tuple(ward::field("x", &T::x), ...)`,
/// or use WARD_DESCRIBE(T, x, y) at global scope. Field names are used as written (serde's default).
template <class T> struct Describe;

template <class T>
concept Described = requires { Describe<T>::fields; };

template <class T>
concept Decodable = requires(const JsonValue &json, T &out) {
  { Codec<T>::decode(json, out) } -> std::same_as<result<void>>;
};
template <class T>
concept Encodable = requires(JsonWriter &writer, const T &value) { Codec<T>::encode(writer, value); };

template <class T> result<void> decode(const JsonValue &json, T &out) { return Codec<T>::decode(json, out); }
template <class T> void encode(JsonWriter &writer, const T &value) { Codec<T>::encode(writer, value); }

namespace detail {
/// The decimal text of an integer (what JsonWriter::integer / unsigned_integer append), in a
/// buffer of its own: a handler's number answer needs no writer and no String to be written.
class IntegerText {
public:
  template <class U> IntegerText(U magnitude, bool negative) noexcept {
    static_assert(std::is_unsigned_v<U>);
    char *at = text_ + sizeof text_;
    do {
      *--at = static_cast<char>('0' + magnitude % 10);
      magnitude /= 10;
    } while (magnitude != 0);
    if (negative) *--at = '-';
    begin_ = static_cast<unsigned char>(at - text_);
  }
  [[nodiscard]] const char *data() const noexcept { return text_ + begin_; }
  [[nodiscard]] std::size_t size() const noexcept { return sizeof text_ - begin_; }

private:
  char text_[24];
  unsigned char begin_;
};

/// The same text, built straight into a String (it fits the small-string buffer).
template <class U> String integer_json(U magnitude, bool negative) {
  const IntegerText text(magnitude, negative);
  return String(text.data(), text.size());
}
} // namespace detail

/// Encodes a value as a JSON document.
template <class T> String to_json(const T &value) {
  if constexpr (requires { Codec<T>::builtin_integer; }) {
    // ward's own integer codec (not one a program specialized): the same text, written directly.
    if constexpr (std::is_signed_v<T>) {
      const auto wide = static_cast<std::int64_t>(value);
      const auto magnitude = static_cast<std::uint64_t>(wide);
      return detail::integer_json(wide < 0 ? 0 - magnitude : magnitude, wide < 0);
    } else {
      return detail::integer_json(static_cast<std::uint64_t>(value), false);
    }
  } else {
    String out;
    JsonWriter writer(out);
    encode(writer, value);
    return out;
  }
}

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> inline constexpr bool is_optional_v = is_optional<T>::value;

namespace detail {
/// "invalid type: expected <expected>, got <actual json type>"
Error type_mismatch(std::string_view expected, const JsonValue &actual);
Error out_of_range(std::string_view type_name, std::string_view value_text);
Error missing_field(std::string_view name);
Error duplicate_field(std::string_view name);
std::string index_segment(std::size_t index);
std::string key_segment(std::string_view key);

template <class T> constexpr std::string_view integer_name() noexcept {
  constexpr bool s = std::is_signed_v<T>;
  switch (sizeof(T)) {
  case 1: return s ? "i8" : "u8";
  case 2: return s ? "i16" : "u16";
  case 4: return s ? "i32" : "u32";
  default: return s ? "i64" : "u64";
  }
}

template <class N> std::string number_text(N value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  (void)ec;
  return std::string(buffer, end);
}
} // namespace detail

// --- scalars ---------------------------------------------------------------------------------

template <> struct Codec<bool> {
  static result<void> decode(const JsonValue &json, bool &out) {
    if (!json.get(out)) return detail::type_mismatch("a boolean", json);
    return success();
  }
  static void encode(JsonWriter &writer, bool value) { writer.boolean(value); }
};

template <class T>
struct Codec<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                                 !std::is_same_v<T, char>>> {
  static result<void> decode(const JsonValue &json, T &out) {
    constexpr auto name = detail::integer_name<T>();
    if constexpr (std::is_signed_v<T>) {
      std::int64_t value = 0;
      if (!json.get(value)) {
        std::uint64_t big = 0;
        if (json.get(big)) return detail::out_of_range(name, detail::number_text(big));
        return detail::type_mismatch(name, json);
      }
      if (value < std::numeric_limits<T>::min() || value > std::numeric_limits<T>::max())
        return detail::out_of_range(name, detail::number_text(value));
      out = static_cast<T>(value);
    } else {
      std::uint64_t value = 0;
      if (!json.get(value)) {
        std::int64_t negative = 0;
        if (json.get(negative)) return detail::out_of_range(name, detail::number_text(negative));
        return detail::type_mismatch(name, json);
      }
      if (value > std::numeric_limits<T>::max())
        return detail::out_of_range(name, detail::number_text(value));
      out = static_cast<T>(value);
    }
    return success();
  }
  /// decode's success path alone: true (and `out` set) exactly when decode succeeds. A bound
  /// command's argument takes it first, because building and destroying a result<void> per
  /// argument cost more than the decoding (its error's pointer is read back from two narrower
  /// stores, which the CPU cannot forward); false sends the caller to decode for the error.
  static bool decode_success(const JsonValue &json, T &out) noexcept {
    if constexpr (std::is_signed_v<T>) {
      std::int64_t value = 0;
      if (!json.get(value) || value < std::numeric_limits<T>::min() || value > std::numeric_limits<T>::max())
        return false;
      out = static_cast<T>(value);
    } else {
      std::uint64_t value = 0;
      if (!json.get(value) || value > std::numeric_limits<T>::max()) return false;
      out = static_cast<T>(value);
    }
    return true;
  }
  static void encode(JsonWriter &writer, T value) {
    if constexpr (std::is_signed_v<T>) writer.integer(value);
    else writer.unsigned_integer(value);
  }
  /// Lets to_json write the text directly (it is what encode writes).
  static constexpr bool builtin_integer = true;
};

template <class T> struct Codec<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  static result<void> decode(const JsonValue &json, T &out) {
    double value = 0;
    if (!json.get(value)) return detail::type_mismatch(sizeof(T) == 4 ? "f32" : "f64", json);
    if constexpr (sizeof(T) < sizeof(double)) {
      if (value > std::numeric_limits<T>::max() || value < std::numeric_limits<T>::lowest())
        return detail::out_of_range("f32", detail::number_text(value));
    }
    out = static_cast<T>(value);
    return success();
  }
  static void encode(JsonWriter &writer, T value) { writer.number(static_cast<double>(value)); }
};

template <> struct Codec<std::string> {
  static result<void> decode(const JsonValue &json, std::string &out) {
    std::string_view view;
    if (!json.get(view)) return detail::type_mismatch("a string", json);
    out.assign(view);
    return success();
  }
  static void encode(JsonWriter &writer, const std::string &value) { writer.string(value); }
};

/// Zero-copy: the view points into the parsed request and is valid for the handler call only.
template <> struct Codec<std::string_view> {
  static result<void> decode(const JsonValue &json, std::string_view &out) {
    if (!json.get(out)) return detail::type_mismatch("a string", json);
    return success();
  }
  static void encode(JsonWriter &writer, std::string_view value) { writer.string(value); }
};

template <> struct Codec<const char *> {
  static void encode(JsonWriter &writer, const char *value) {
    if (value) writer.string(value);
    else writer.null();
  }
};
template <std::size_t N> struct Codec<char[N]> {
  static void encode(JsonWriter &writer, const char (&value)[N]) {
    writer.string(std::string_view(value, N > 0 && value[N - 1] == '\0' ? N - 1 : N));
  }
};

template <> struct Codec<std::nullptr_t> {
  static result<void> decode(const JsonValue &json, std::nullptr_t &) {
    if (!json.is_null()) return detail::type_mismatch("null", json);
    return success();
  }
  static void encode(JsonWriter &writer, std::nullptr_t) { writer.null(); }
};

template <> struct Codec<JsonValue> {
  static result<void> decode(const JsonValue &json, JsonValue &out) {
    out = json;
    return success();
  }
  static void encode(JsonWriter &writer, const JsonValue &value) { writer.raw(value.to_json()); }
};

template <> struct Codec<RawJson> {
  static result<void> decode(const JsonValue &json, RawJson &out) {
    out = RawJson::from(json);
    return success();
  }
  static void encode(JsonWriter &writer, const RawJson &value) { writer.raw(value.text()); }
};

// --- containers ------------------------------------------------------------------------------

template <class T> struct Codec<std::optional<T>> {
  static result<void> decode(const JsonValue &json, std::optional<T> &out) {
    if (json.is_null()) {
      out.reset();
      return success();
    }
    T value{};
    BOOST_OUTCOME_TRY(Codec<T>::decode(json, value));
    out = std::move(value);
    return success();
  }
  static void encode(JsonWriter &writer, const std::optional<T> &value) {
    if (value) Codec<T>::encode(writer, *value);
    else writer.null();
  }
};

template <class T, class A> struct Codec<std::vector<T, A>> {
  static result<void> decode(const JsonValue &json, std::vector<T, A> &out) {
    auto array = json.array();
    if (!array) return detail::type_mismatch("a sequence", json);
    out.clear();
    if constexpr (std::is_same_v<T, double> && std::is_same_v<A, std::allocator<double>>) {
      if (json.append_doubles(out)) return success(); // sized from the tape, before any element is read
      out.clear(); // fall through to the element loop, which names the offending element
    }
    // Reserve all at once only where an element costs about what its JSON text does; a large
    // T must not turn a small body into a huge reservation before one element has decoded.
    out.reserve(std::is_arithmetic_v<T> ? array->size() : std::min<std::size_t>(array->size(), 1024));
    std::size_t index = 0;
    for (JsonValue element : *array) {
      T value{};
      auto decoded = Codec<T>::decode(element, value);
      if (!decoded) return std::move(decoded).assume_error().at(detail::index_segment(index));
      out.push_back(std::move(value));
      ++index;
    }
    return success();
  }
  static void encode(JsonWriter &writer, const std::vector<T, A> &values) {
    writer.begin_array();
    for (const auto &value : values) Codec<T>::encode(writer, value);
    writer.end_array();
  }
};

namespace detail {
template <class Map> struct MapCodec {
  using Value = typename Map::mapped_type;
  static result<void> decode(const JsonValue &json, Map &out) {
    auto object = json.object();
    if (!object) return detail::type_mismatch("a map", json);
    out.clear();
    for (auto [key, element] : *object) {
      Value value{};
      auto decoded = Codec<Value>::decode(element, value);
      if (!decoded) return std::move(decoded).assume_error().at(detail::key_segment(key));
      out.insert_or_assign(std::string(key), std::move(value));
    }
    return success();
  }
  static void encode(JsonWriter &writer, const Map &values) {
    writer.begin_object();
    for (const auto &[key, value] : values) {
      writer.key(key);
      Codec<Value>::encode(writer, value);
    }
    writer.end_object();
  }
};
} // namespace detail

template <class T, class C, class A>
struct Codec<std::map<std::string, T, C, A>> : detail::MapCodec<std::map<std::string, T, C, A>> {};
template <class T, class H, class E, class A>
struct Codec<std::unordered_map<std::string, T, H, E, A>>
    : detail::MapCodec<std::unordered_map<std::string, T, H, E, A>> {};

// --- described structs -----------------------------------------------------------------------

template <Described T> struct Codec<T> {
  static constexpr auto &fields = Describe<T>::fields;
  static constexpr std::size_t field_count = std::tuple_size_v<std::decay_t<decltype(fields)>>;

  static result<void> decode(const JsonValue &json, T &out) {
    auto object = json.object();
    if (!object) return detail::type_mismatch("a struct", json);
    std::array<bool, field_count> seen{};
    for (auto [key, element] : *object) {
      BOOST_OUTCOME_TRY(decode_member(key, element, out, seen, std::make_index_sequence<field_count>{}));
    }
    return fill_missing(out, seen, std::make_index_sequence<field_count>{});
  }

  static void encode(JsonWriter &writer, const T &value) {
    writer.begin_object();
    std::apply(
        [&](const auto &...field) {
          ((writer.key(field.name), ward::encode(writer, value.*(field.pointer))), ...);
        },
        fields);
    writer.end_object();
  }

private:
  template <std::size_t... I>
  static result<void> decode_member(std::string_view key, const JsonValue &element, T &out,
                                    std::array<bool, field_count> &seen, std::index_sequence<I...>) {
    result<void> outcome = success();
    // Unknown keys are ignored, as serde does by default.
    (void)((std::get<I>(fields).name == key ? (outcome = decode_field<I>(element, out, seen), true) : false) || ...);
    return outcome;
  }

  template <std::size_t I>
  static result<void> decode_field(const JsonValue &element, T &out, std::array<bool, field_count> &seen) {
    const auto &field = std::get<I>(fields);
    if (seen[I]) return detail::duplicate_field(field.name);
    seen[I] = true;
    auto decoded = ward::decode(element, out.*(field.pointer));
    if (!decoded) return std::move(decoded).assume_error().at(detail::key_segment(field.name));
    return success();
  }

  template <std::size_t... I>
  static result<void> fill_missing(T &out, const std::array<bool, field_count> &seen,
                                   std::index_sequence<I...>) {
    result<void> outcome = success();
    (void)((seen[I] ? false : !(outcome = fill_missing_one<I>(out)).has_value()) || ...);
    return outcome;
  }

  template <std::size_t I> static result<void> fill_missing_one(T &out) {
    const auto &field = std::get<I>(fields);
    using Member = std::remove_cvref_t<decltype(out.*(field.pointer))>;
    if constexpr (is_optional_v<Member>) {
      (out.*(field.pointer)).reset();
      return success();
    } else {
      return detail::missing_field(field.name);
    }
  }
};

} // namespace ward

// WARD_DESCRIBE(Type, member...): describes a struct once for decoding and encoding. Use at
// global scope; JSON names are the member names as written.
#define WARD_DETAIL_FIELD(Type, member) ::ward::field(#member, &Type::member)
#define WARD_DETAIL_EXPAND(x) x
#define WARD_DETAIL_FE_1(m, T, a) m(T, a)
#define WARD_DETAIL_FE_2(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_1(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_3(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_2(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_4(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_3(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_5(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_4(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_6(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_5(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_7(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_6(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_8(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_7(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_9(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_8(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_10(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_9(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_11(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_10(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_12(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_11(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_13(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_12(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_14(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_13(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_15(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_14(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_16(m, T, a, ...) m(T, a), WARD_DETAIL_EXPAND(WARD_DETAIL_FE_15(m, T, __VA_ARGS__))
#define WARD_DETAIL_FE_PICK(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, NAME, ...) NAME
#define WARD_DETAIL_FOR_EACH(m, T, ...)                                                                        \
  WARD_DETAIL_EXPAND(WARD_DETAIL_FE_PICK(__VA_ARGS__, WARD_DETAIL_FE_16, WARD_DETAIL_FE_15, WARD_DETAIL_FE_14,   \
                                         WARD_DETAIL_FE_13, WARD_DETAIL_FE_12, WARD_DETAIL_FE_11, WARD_DETAIL_FE_10, \
                                         WARD_DETAIL_FE_9, WARD_DETAIL_FE_8, WARD_DETAIL_FE_7, WARD_DETAIL_FE_6,     \
                                         WARD_DETAIL_FE_5, WARD_DETAIL_FE_4, WARD_DETAIL_FE_3, WARD_DETAIL_FE_2,     \
                                         WARD_DETAIL_FE_1)(m, T, __VA_ARGS__))
#define WARD_DESCRIBE(Type, ...)                                                                               \
  template <> struct ward::Describe<Type> {                                                                    \
    static constexpr auto fields = std::make_tuple(WARD_DETAIL_FOR_EACH(WARD_DETAIL_FIELD, Type, __VA_ARGS__)); \
  }
