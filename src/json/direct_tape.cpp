#include "json/direct_tape.hpp"

#include "json/decimal_number.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ward::detail {
namespace {

using simdjson::internal::tape_type;

constexpr std::uint64_t tape_word(tape_type type, std::uint64_t payload) noexcept {
  return (std::uint64_t{static_cast<std::uint8_t>(type)} << 56) | payload;
}

bool is_json_space(char c) noexcept {
  constexpr std::uint64_t spaces = (1ULL << ' ') | (1ULL << '\t') | (1ULL << '\n') | (1ULL << '\r');
  const auto byte = static_cast<unsigned char>(c);
  return byte <= ' ' && ((spaces >> byte) & 1) != 0;
}

} // namespace

std::uint64_t unplain_bytes(std::uint64_t word) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t highs = 0x8080808080808080ULL;
  const auto zero_bytes = [](std::uint64_t x) { return (x - ones) & ~x; };
  // (word - 0x20..) sets the top bit of a byte below 0x20; `word` itself, of one at 0x80 or above.
  return (zero_bytes(word ^ (ones * '"')) | zero_bytes(word ^ (ones * '\\')) | (word - ones * 0x20) | word) & highs;
}

const char *find_unplain_words(const char *at) noexcept {
  for (;; at += 8) {
    std::uint64_t word;
    std::memcpy(&word, at, sizeof word);
    if (const std::uint64_t flags = unplain_bytes(word); flags != 0) return at + __builtin_ctzll(flags) / 8;
  }
}

#if defined(__SSE2__)
const char *find_unplain_sse2(const char *at) noexcept {
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  for (;; at += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(at));
    // A signed compare: bytes from 0x80 up are negative, so below 0x20 takes them too.
    const __m128i unplain = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)),
                                         _mm_cmplt_epi8(bytes, space));
    if (const int mask = _mm_movemask_epi8(unplain); mask != 0) return at + __builtin_ctz(static_cast<unsigned>(mask));
  }
}
#endif

const char *find_non_space_bytes(const char *at) noexcept {
  while (is_json_space(*at)) ++at;
  return at;
}

#if defined(__SSE2__)
const char *find_non_space_sse2(const char *at) noexcept {
  const __m128i space = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'), line_feed = _mm_set1_epi8('\n'),
                carriage_return = _mm_set1_epi8('\r');
  for (;; at += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(at));
    const __m128i spaces = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, space), _mm_cmpeq_epi8(bytes, tab)),
                                        _mm_or_si128(_mm_cmpeq_epi8(bytes, line_feed), _mm_cmpeq_epi8(bytes, carriage_return)));
    // The NUL after the text is no space, so the scan ends there at the latest.
    if (const unsigned others = ~static_cast<unsigned>(_mm_movemask_epi8(spaces)) & 0xFFFFu; others != 0)
      return at + __builtin_ctz(others);
  }
}
#endif

std::uint32_t digit_bits_words(const char *at) noexcept {
  std::uint32_t bits = 0;
  for (int word_index = 0; word_index < 4; ++word_index) {
    const std::uint64_t not_digits = decimal::non_digit_bytes(decimal::load_word(at + 8 * word_index));
    // 0x80 in each byte that is no digit, gathered into one bit per byte.
    const auto gathered = static_cast<std::uint32_t>(((not_digits >> 7) * 0x0102040810204080ULL) >> 56);
    bits |= (~gathered & 0xFFu) << (8 * word_index);
  }
  return bits;
}

std::uint32_t comma_bits_words(const char *at) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  std::uint32_t bits = 0;
  for (int word_index = 0; word_index < 4; ++word_index) {
    const std::uint64_t word = decimal::load_word(at + 8 * word_index) ^ (ones * ',');
    // The top bit of each byte that is zero, exactly: adding 0x7F to a byte's low seven bits
    // sets its top bit unless they are all zero, and no carry leaves the byte.
    const std::uint64_t zero_bytes = ~(((word & ~highs) + ~highs) | word) & highs;
    bits |= static_cast<std::uint32_t>(((zero_bytes >> 7) * 0x0102040810204080ULL) >> 56) << (8 * word_index);
  }
  return bits;
}

#if defined(__SSE2__)
std::uint32_t digit_bits_sse2(const char *at) noexcept { return digit_bits16_sse2(at) | digit_bits16_sse2(at + 16) << 16; }
#endif

namespace {

/// Copies `length` bytes in whole words: the source is padded (readable past its end) and so is
/// simdjson's string buffer, whose slack the overrun lands in before the next string overwrites it.
[[gnu::always_inline]] inline void copy_string(std::uint8_t *to, const char *from, std::size_t length) noexcept {
  if (length > 64) {
    std::memcpy(to, from, length);
    return;
  }
  std::size_t offset = 0;
  do { // the first word unconditionally: most strings (keys) are shorter than one
    std::uint64_t word;
    std::memcpy(&word, from + offset, sizeof word);
    std::memcpy(to + offset, &word, sizeof word);
    offset += 8;
  } while (offset < length);
}

/// The length of the UTF-8 sequence starting at `at` (a byte from 0x80 up), or 0 if it is not
/// one RFC 3629 allows (overlong, a surrogate, beyond U+10FFFF, cut short: the NUL at the text's
/// end is no continuation byte).
std::size_t utf8_sequence_length(const char *at) noexcept {
  const auto byte = [at](int i) { return static_cast<unsigned char>(at[i]); };
  const auto continues = [&](int i) { return (byte(i) & 0xC0) == 0x80; };
  const unsigned char lead = byte(0);
  if (lead >= 0xC2 && lead <= 0xDF) return continues(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80, high = lead == 0xED ? 0x9F : 0xBF;
    return byte(1) >= low && byte(1) <= high && continues(2) ? 3 : 0;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    const unsigned char low = lead == 0xF0 ? 0x90 : 0x80, high = lead == 0xF4 ? 0x8F : 0xBF;
    return byte(1) >= low && byte(1) <= high && continues(2) && continues(3) ? 4 : 0;
  }
  return 0;
}

/// The value of four hex digits, or a value above 0xFFFF if one is not a hex digit.
std::uint32_t hex4(const char *at) noexcept {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    const auto c = static_cast<unsigned char>(at[i]);
    std::uint32_t digit = 0x10000;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') digit = (c | 0x20) - 'a' + 10;
    value = value << 4 | digit;
  }
  return value;
}

/// Decodes the escape at `at` (its backslash) into `out`, which it advances; returns where the
/// text goes on, or null for an escape JSON does not have or a \u escape that is no whole
/// character (a lone surrogate): simdjson decides those.
const char *unescape(const char *at, std::uint8_t *&out) noexcept {
  char simple = 0;
  switch (at[1]) {
  case '"': simple = '"'; break;
  case '\\': simple = '\\'; break;
  case '/': simple = '/'; break;
  case 'b': simple = '\b'; break;
  case 'f': simple = '\f'; break;
  case 'n': simple = '\n'; break;
  case 'r': simple = '\r'; break;
  case 't': simple = '\t'; break;
  case 'u': break;
  default: return nullptr;
  }
  if (at[1] != 'u') {
    *out++ = static_cast<std::uint8_t>(simple);
    return at + 2;
  }
  std::uint32_t code_point = hex4(at + 2);
  const char *after = at + 6;
  if (code_point > 0xFFFF || (code_point >= 0xDC00 && code_point <= 0xDFFF)) return nullptr;
  if (code_point >= 0xD800 && code_point <= 0xDBFF) {
    if (after[0] != '\\' || after[1] != 'u') return nullptr;
    const std::uint32_t low = hex4(after + 2);
    if (low < 0xDC00 || low > 0xDFFF) return nullptr;
    code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
    after += 6;
  }
  if (code_point < 0x80) {
    *out++ = static_cast<std::uint8_t>(code_point);
  } else if (code_point < 0x800) {
    *out++ = static_cast<std::uint8_t>(0xC0 | code_point >> 6);
    *out++ = static_cast<std::uint8_t>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    *out++ = static_cast<std::uint8_t>(0xE0 | code_point >> 12);
    *out++ = static_cast<std::uint8_t>(0x80 | (code_point >> 6 & 0x3F));
    *out++ = static_cast<std::uint8_t>(0x80 | (code_point & 0x3F));
  } else {
    *out++ = static_cast<std::uint8_t>(0xF0 | code_point >> 18);
    *out++ = static_cast<std::uint8_t>(0x80 | (code_point >> 12 & 0x3F));
    *out++ = static_cast<std::uint8_t>(0x80 | (code_point >> 6 & 0x3F));
    *out++ = static_cast<std::uint8_t>(0x80 | (code_point & 0x3F));
  }
  return after;
}

/// The rest of a string whose scan stopped at `stop` on something other than its closing quote:
/// escapes and UTF-8 are decoded into `out` (advanced past them) until the closing quote, whose
/// address it returns. Null for anything simdjson must judge: a control character, the text's
/// end, bytes that are not UTF-8, an escape JSON does not have, a lone surrogate.
[[gnu::noinline]] const char *rest_of_string(const char *stop, std::uint8_t *&out) noexcept {
  for (;;) {
    const auto byte = static_cast<unsigned char>(*stop);
    if (byte == '"') return stop;
    const char *source = nullptr;
    if (byte == '\\') {
      source = unescape(stop, out);
    } else if (byte >= 0x80) {
      const std::size_t length = utf8_sequence_length(stop);
      std::memcpy(out, stop, 4); // the padding and the buffer's slack take the excess
      out += length;
      if (length != 0) source = stop + length;
    }
    if (source == nullptr) return nullptr;
    stop = find_unplain(source);
    copy_string(out, source, static_cast<std::size_t>(stop - source));
    out += stop - source;
  }
}

/// A number as simdjson's tape holds it: the type word, then the value's word.
struct TapeNumber {
  std::uint64_t type_word;
  std::uint64_t value_word;
};

/// Writes `number`'s two words at `next`, returning the word after them.
[[gnu::always_inline]] inline std::uint64_t *put_number(std::uint64_t *next, const TapeNumber &number) noexcept {
  next[0] = number.type_word;
  next[1] = number.value_word;
  return next + 2;
}

constexpr std::uint64_t max_int64 = 0x7FFFFFFFFFFFFFFFULL;

/// The integer of `magnitude` and sign as simdjson's tape holds it: a signed 64-bit word, or an
/// unsigned one above INT64_MAX. False for what the writer leaves to simdjson: below INT64_MIN
/// (simdjson refuses it), and `-0` (simdjson 3.0 writes an integer, later versions -0.0).
[[gnu::always_inline]] inline bool integer_number(std::uint64_t magnitude, bool negative, TapeNumber &number) noexcept {
  if (negative) {
    if (magnitude == 0 || magnitude > max_int64 + 1) return false;
    number = {tape_word(tape_type::INT64, 0), ~magnitude + 1};
  } else {
    number = {tape_word(magnitude > max_int64 ? tape_type::UINT64 : tape_type::INT64, 0), magnitude};
  }
  return true;
}

/// Reads the common number at `at`: at most 19 digits, a fraction or none, no exponent, and
/// ending within the 32 bytes after its sign. Returns where it ends, having set `number`, or
/// null for any other text, number or not (read_any_number decides those).
[[gnu::always_inline]] inline const char *read_common_number(const char *at, TapeNumber &number) noexcept {
  const bool negative = *at == '-';
  const char *const first = at + (negative ? 1 : 0);
  // A set bit for each byte that is no digit, and for every byte past the 32 looked at.
  const std::uint64_t stops = ~std::uint64_t{digit_bits(first)};
  const auto integer_digits = static_cast<std::size_t>(std::countr_zero(stops));
  // None (no number), more than 19, or a leading zero (JSON has one only alone).
  if (integer_digits - 1 > 18 || (*first == '0' && integer_digits > 1)) return nullptr;
  std::size_t length = integer_digits, fraction_digits = 0, dot = 32;
  if (first[length] == '.') {
    dot = length;
    fraction_digits = static_cast<std::size_t>(std::countr_zero(stops >> (dot + 1)));
    length += 1 + fraction_digits;
    // None, too many, or the last byte looked at is a digit: the number may go on.
    if (fraction_digits == 0 || length >= 32 || integer_digits + fraction_digits > 19) return nullptr;
  }
  if ((first[length] | 0x20) == 'e') return nullptr;
  const std::size_t digits = integer_digits + fraction_digits;
  std::uint64_t mantissa = decimal::digits_value(decimal::word_without(first, 0, dot), digits < 8 ? digits : 8);
  if (digits > 8) {
    const std::size_t second = digits < 16 ? digits - 8 : 8;
    mantissa = mantissa * decimal::integer_powers_of_ten[second] +
               decimal::digits_value(decimal::word_without(first, 1, dot), second);
    if (digits > 16) {
      const std::size_t third = digits - 16;
      mantissa = mantissa * decimal::integer_powers_of_ten[third] +
                 decimal::digits_value(decimal::word_without(first, 2, dot), third);
    }
  }
  if (dot == 32) {
    if (!integer_number(mantissa, negative, number)) return nullptr;
  } else {
    double value = 0;
    if (!decimal::to_double(mantissa, -static_cast<int>(fraction_digits), negative, value)) return nullptr;
    number = {tape_word(tape_type::DOUBLE, 0), std::bit_cast<std::uint64_t>(value)};
  }
  return first + length;
}

/// The commas ahead of an array's reader, 32 bytes at a time: each number's end is found in
/// the map rather than after reading the number before it, and the next 32 bytes are mapped
/// from where the last map ended, not from where the reader is; so numbers are read side by
/// side instead of each waiting for the end of the last.
class CommaMap {
public:
  /// A map from `at`, in a text ending at `end` (padded: 32 bytes past it are readable).
  CommaMap(const char *at, const char *end) noexcept : block_(at), end_(end), commas_(comma_bits(at)) {}

  /// The first comma from `at` on, `at` being after every comma this map gave before; when
  /// there is none in the 32 bytes mapped past those, an address 63 bytes on, where no number
  /// the runs take (at most 21 bytes) ends.
  [[gnu::always_inline]] const char *next(const char *at) noexcept {
    if (commas_ == 0) {
      // `at` is within 32 bytes past the mapped block (after its last comma, or where the map
      // began): the next block holds the comma of any number the runs take. Near the text's
      // end, mapped from `at` instead, which the padding keeps readable.
      block_ = block_ + 32 <= end_ ? block_ + 32 : at;
      commas_ = comma_bits(block_);
    }
    const char *const comma = block_ + std::countr_zero(std::uint64_t{commas_} | 1ULL << 63);
    commas_ &= commas_ - 1;
    return comma;
  }

private:
  const char *block_;
  const char *end_;
  std::uint32_t commas_;
};

/// Short decimals read from an array's text and not yet converted: write_short_decimals
/// converts them two at a time.
struct ShortDecimals {
  static constexpr std::size_t capacity = 16;
  /// The digits without the dot, the first in the lowest byte, zeros after the last: the word's
  /// value (eight_digits_value) is the mantissa times 10^(8 - digits), below 10^8.
  alignas(16) std::array<std::uint64_t, capacity> words;
  /// 10^(8 - integer digits): the word's value over it is the number's magnitude.
  alignas(16) std::array<double, capacity> divisors;
  /// The number's sign bit, in a double's place.
  alignas(16) std::array<std::uint64_t, capacity> signs;
};

/// For each count of digits before a short decimal's dot (0 to 16), bit f set when f digits
/// after it make one: 1 to 7 before, 1 to 8 - those after.
inline constexpr std::array<std::uint16_t, 17> short_fraction_digits = [] {
  std::array<std::uint16_t, 17> bits{};
  for (unsigned integer_digits = 1; integer_digits <= 7; ++integer_digits)
    for (unsigned fraction_digits = 1; integer_digits + fraction_digits <= 8; ++fraction_digits)
      bits[integer_digits] = static_cast<std::uint16_t>(bits[integer_digits] | 1u << fraction_digits);
  return bits;
}();

/// Reads into `batch` the short decimals from `at` on that are each followed by a comma: a
/// fraction, 1 to 8 digits in all (`-512.345,`, the commonest element of arrays of measurements
/// and prices), at most `batch`'s capacity. Returns how many, and leaves `at` after the last
/// one's comma, at what it did not take: the array's last number, a longer or other one, no
/// number at all.
[[gnu::always_inline]] inline std::size_t read_short_decimals(const char *&at, CommaMap &commas,
                                                              ShortDecimals &batch) noexcept {
  if constexpr (!decimal::exact_float_arithmetic) return 0;
  std::size_t count = 0;
  for (; count < ShortDecimals::capacity; ++count) {
    const char *const comma = commas.next(at);
    const bool negative = *at == '-';
    const char *const first = at + (negative ? 1 : 0);
    // A set bit for each of the 16 bytes that is no digit, and bit 16 (for the bytes past
    // them): both counts stop at it, and the compiler sees that neither counts zero's bits.
    const std::uint32_t stops = (~digit_bits16(first) & 0xFFFFu) | 0x10000u;
    const auto integer_digits = static_cast<unsigned>(std::countr_zero(stops));
    const auto fraction_digits = static_cast<unsigned>(std::countr_zero((stops >> (integer_digits + 1)) | 0x8000u));
    const unsigned digits = integer_digits + fraction_digits;
    if (first[integer_digits] != '.' || ((short_fraction_digits[integer_digits] >> fraction_digits) & 1) == 0 ||
        (*first == '0' && integer_digits > 1) || first + digits + 1 != comma)
      break;
    const std::uint64_t before_dot = decimal::low_bytes[integer_digits];
    batch.words[count] = (decimal::load_word(first) & before_dot) |
                         (decimal::load_word(first + 1) & (decimal::low_bytes[digits] ^ before_dot));
    batch.divisors[count] = decimal::exact_powers_of_ten[8 - integer_digits];
    batch.signs[count] = static_cast<std::uint64_t>(negative) << 63;
    at = comma + 1;
  }
  return count;
}

/// Writes the first `count` decimals of `batch` at `next` as tape numbers, returning the word
/// after them. Each is its word's value (exact as a double) divided by its power of ten (exact
/// too), one correctly rounded division: the double simdjson writes.
[[gnu::always_inline]] inline std::uint64_t *write_short_decimals(const ShortDecimals &batch, std::size_t count,
                                                                  std::uint64_t *next) noexcept {
  constexpr std::uint64_t double_type = tape_word(tape_type::DOUBLE, 0);
  std::size_t converted = 0;
#if defined(__SSE2__) && defined(__x86_64__)
  const __m128d type = _mm_castsi128_pd(_mm_set1_epi64x(static_cast<long long>(double_type)));
  for (; converted + 2 <= count; converted += 2) {
    const __m128i words = _mm_load_si128(reinterpret_cast<const __m128i *>(&batch.words[converted]));
    const __m128d magnitudes = _mm_div_pd(decimal::eight_digits_doubles_sse2(words), _mm_load_pd(&batch.divisors[converted]));
    const __m128d values = _mm_or_pd(magnitudes, _mm_load_pd(reinterpret_cast<const double *>(&batch.signs[converted])));
    _mm_storeu_pd(reinterpret_cast<double *>(next), _mm_unpacklo_pd(type, values));
    _mm_storeu_pd(reinterpret_cast<double *>(next + 2), _mm_unpackhi_pd(type, values));
    next += 4;
  }
#endif
  for (; converted < count; ++converted) {
    const double magnitude = decimal::eight_digits_double(batch.words[converted]) / batch.divisors[converted];
    next[0] = double_type;
    next[1] = std::bit_cast<std::uint64_t>(magnitude) | batch.signs[converted];
    next += 2;
  }
  return next;
}

/// Writes the short decimals from `at` on that are each followed by a comma (read_short_decimals),
/// a batch at a time, returning the word after them; `at` is left after the last one's comma,
/// and `commas` counts those crossed.
[[gnu::noinline]] std::uint64_t *write_short_decimal_run(const char *&at, const char *end, std::uint64_t *next,
                                                        std::uint32_t &commas) noexcept {
  ShortDecimals batch;
  const char *scan = at;
  CommaMap map(scan, end);
  std::size_t count = 0;
  do {
    count = read_short_decimals(scan, map, batch);
    next = write_short_decimals(batch, count, next);
    commas += static_cast<std::uint32_t>(count);
  } while (count == ShortDecimals::capacity);
  at = scan;
  return next;
}

/// The longer decimal at `first` (after its sign) with `integer_digits` before its dot and
/// `fraction_digits` after it, 9 to 19 in all (a double printed to round-trip), as a tape
/// number; false when the conversion declines it. Its first 16 digits are read at once
/// (decimal::sixteen_digits).
[[gnu::always_inline]] inline bool long_decimal(const char *first, unsigned integer_digits, unsigned fraction_digits,
                                                bool negative, TapeNumber &number) noexcept {
  const unsigned digits = integer_digits + fraction_digits;
  // The first 16 digits' value is the mantissa times 10^(16 - digits) while there are at most
  // 16; past them, 1 to 3 more follow the dot (the 17th at first + 17) and are appended. Without
  // a branch: a round-tripped double has 16 or 17 digits about as unpredictably as its sign.
  const decimal::DigitHalves halves = decimal::sixteen_digits(first, integer_digits, digits < 16 ? digits : 16);
  const unsigned rest = digits > 16 ? digits - 16 : 0;
  // The rest's digits shifted to the top of a word (by 64 when there are none: in two steps).
  const std::uint64_t rest_word = (decimal::load_word(first + 17) << (8 * (7 - rest))) << 8;
  const std::uint64_t mantissa = (halves.leading * std::uint64_t{100000000} + halves.trailing) *
                                     decimal::integer_powers_of_ten[rest] +
                                 decimal::eight_digits_value(rest_word);
  const int power = -static_cast<int>(fraction_digits) - static_cast<int>(16 - digits + rest);
  // The product first: whether Clinger's exact case applies (a mantissa below 2^53) is a coin
  // toss for these numbers, and a branch on it mispredicts as often.
  double value = 0;
  if (decimal::product_to_double(mantissa, power, value)) value = decimal::with_sign(value, negative);
  else if (!decimal::to_double(mantissa, power, negative, value)) return false;
  number = {tape_word(tape_type::DOUBLE, 0), std::bit_cast<std::uint64_t>(value)};
  return true;
}

/// Writes the longer decimals from `at` on that are each followed by a comma: a fraction, 9 to
/// 19 digits, 1 to 16 of them before the dot (`-512.3456789012345,`), returning the word after
/// them; `at` is left after the last one's comma, at what it did not take, and `commas` counts
/// those crossed.
/// (It reads a number's parts as read_short_decimals does, from a 32-byte map instead of 16 and
/// with other bounds; one helper for both cost the short run 12 % more instructions, in spills.)
[[gnu::noinline]] std::uint64_t *write_long_decimal_run(const char *&position, const char *end, std::uint64_t *next,
                                                       std::uint32_t &commas) noexcept {
  if constexpr (!decimal::exact_float_arithmetic) return next;
  // Locals, stored back once: the compiler would otherwise store both after every number.
  const char *at = position;
  std::uint32_t crossed = 0;
  CommaMap map(at, end);
  for (;;) {
    const char *const comma = map.next(at);
    const bool negative = *at == '-';
    const char *const first = at + (negative ? 1 : 0);
    // A set bit for each of the 32 bytes that is no digit, and for every byte past them.
    const std::uint64_t stops = ~std::uint64_t{digit_bits(first)};
    const auto integer_digits = static_cast<unsigned>(std::countr_zero(stops));
    const auto fraction_digits = static_cast<unsigned>(std::countr_zero(stops >> (integer_digits + 1)));
    const unsigned digits = integer_digits + fraction_digits;
    TapeNumber number;
    if (first[integer_digits] != '.' || integer_digits - 1 >= 16 || fraction_digits == 0 || digits - 9 > 10 ||
        (*first == '0' && integer_digits > 1) || first + digits + 1 != comma ||
        !long_decimal(first, integer_digits, fraction_digits, negative, number))
      break;
    next = put_number(next, number);
    at = comma + 1;
    ++crossed;
  }
  position = at;
  commas += crossed;
  return next;
}

/// Reads any number at `at` a digit at a time (exponents, leading zeros, what read_common_number
/// leaves): returns where it ends, having set `number`, or null for a number the writer does not
/// convert (see write_direct_tape) or a text that is none.
[[gnu::noinline]] const char *read_any_number(const char *at, TapeNumber &number) noexcept {
  const bool negative = *at == '-';
  const char *scan = at + (negative ? 1 : 0);
  const auto digits = [&](std::uint64_t &into) {
    const char *const first = scan;
    while (static_cast<unsigned>(*scan - '0') < 10) into = into * 10 + static_cast<std::uint64_t>(*scan++ - '0');
    return static_cast<std::size_t>(scan - first);
  };
  const char *const first = scan;
  std::uint64_t mantissa = 0; // every digit, the fraction's too; exact while there are at most 19
  const std::size_t integer_digits = digits(mantissa);
  // A leading zero is JSON only alone.
  if (integer_digits == 0 || (*first == '0' && integer_digits > 1)) return nullptr;
  if (*scan != '.' && (*scan | 0x20) != 'e') {
    // Twenty digits wrapped around 2^64 unless they start with 1 and stayed above 2^63 (the
    // uint64_t range ends at 18446744073709551615); more are beyond it.
    const bool exact = integer_digits <= 19 || (integer_digits == 20 && *first == '1' && mantissa > max_int64);
    if (!exact || !integer_number(mantissa, negative, number)) return nullptr;
    return scan; // what follows is judged after the value: only a separator lets it end here
  }
  std::size_t fraction_digits = 0;
  if (*scan == '.') {
    ++scan;
    fraction_digits = digits(mantissa);
    if (fraction_digits == 0) return nullptr;
  }
  std::int64_t exponent = 0;
  if ((*scan | 0x20) == 'e') {
    ++scan;
    const bool negative_exponent = *scan == '-';
    if (*scan == '-' || *scan == '+') ++scan;
    std::uint64_t magnitude = 0;
    const std::size_t exponent_digits = digits(magnitude);
    if (exponent_digits == 0 || exponent_digits > 4) return nullptr; // beyond the table anyway
    exponent = negative_exponent ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
  }
  // Zeros before the first other digit (`0.000123`) do not count against the 19 a word holds.
  std::size_t leading_zeros = 0;
  for (const char *digit = first; *digit == '0' || *digit == '.'; ++digit) leading_zeros += *digit == '0' ? 1 : 0;
  double value = 0;
  if (integer_digits + fraction_digits - leading_zeros > 19 ||
      !decimal::to_double(mantissa, static_cast<int>(exponent - static_cast<std::int64_t>(fraction_digits)), negative,
                          value))
    return nullptr;
  number = {tape_word(tape_type::DOUBLE, 0), std::bit_cast<std::uint64_t>(value)};
  return scan;
}

/// read_common_number for a number outside an array (a member's value): out of line, so the
/// writer has the one copy of it, in its array loop, inline.
[[gnu::noinline]] const char *read_common_number_outlined(const char *at, TapeNumber &number) noexcept {
  return read_common_number(at, number);
}

/// Where a run of numbers in an array ended: `at` after the last number written, `next` after
/// its tape words, and how many commas it crossed; or `refused`, at an element that is no number
/// the writer takes (simdjson then judges the text).
struct NumberRun {
  const char *at;
  std::uint64_t *next;
  std::uint32_t commas;
  bool refused;
};

/// Writes the numbers of an array starting at `at`, as long as a comma and the next number
/// follow each other directly: the loop that fills large documents. Decimals followed by a
/// comma are read in runs (write_short_decimal_run, write_long_decimal_run); any other number,
/// and the array's last, on its own. Out of line, with its state in registers; the writer calls
/// it once per run.
[[gnu::noinline]] NumberRun write_numbers(const char *at, const char *end, std::uint64_t *next) noexcept {
  const char *const start = at;
  std::uint32_t commas = 0;
  for (;;) {
    const char *const before = at;
    next = write_short_decimal_run(at, end, next, commas);
    next = write_long_decimal_run(at, end, next, commas);
    if (at != before) continue;
    // One number at a time until one is a plain decimal, which the runs may take the next of.
    // Integers and exponents they take none of, and trying them before each would cost an array
    // of integers (bytes sent as JSON) three times what reading it does, one of exponents twice.
    bool plain_decimal = false;
    do {
      // After a comma, what cannot start a number (a space, a string) ends the run at the comma.
      if (at != start && static_cast<unsigned>(*at - '0') >= 10 && *at != '-') return {at - 1, next, commas - 1, false};
      TapeNumber parsed;
      const char *after = read_common_number(at, parsed);
      plain_decimal = after != nullptr && parsed.type_word == tape_word(tape_type::DOUBLE, 0);
      if (after == nullptr) [[unlikely]]
        after = read_any_number(at, parsed);
      if (after == nullptr) return {at, next, commas, true};
      next = put_number(next, parsed);
      at = after;
      if (*at != ',') return {at, next, commas, false};
      ++at;
      ++commas;
    } while (!plain_decimal);
  }
}

/// The writer proper. One function with everything in locals: members reached through `this`
/// would be reloaded after every byte stored into the string buffer (a byte store may alias
/// anything), which more than doubled its instructions.
/// `end` points at a NUL byte, which no token can take, so no scan needs to check for the end.
template <bool measure>
bool write_tape(const char *at, const char *const end, std::uint64_t *const tape, std::uint8_t *const strings,
                std::size_t max_depth, TapeExtent &extent) noexcept {
  struct Scope {
    std::uint64_t *start; ///< the '{' or '[' word, written when the scope closes
    std::uint32_t count;
    bool is_object;
  };
  std::array<Scope, direct_tape_max_depth> scopes;
  std::size_t depth = 0;
  // A container may open at level depth + 1 while that level is below this.
  const std::size_t level_limit = max_depth < direct_tape_max_depth + 1 ? max_depth : direct_tape_max_depth + 1;
  std::uint64_t *next = tape + 1; // tape[0], the root word, is written last
  std::uint8_t *next_string = strings;

  // A run of two or more (a pretty-printed document's line break and indentation) is skipped
  // a block at a time.
  const auto skip_space = [&] {
    if (!is_json_space(*at)) return;
    if (is_json_space(*++at)) at = find_non_space(at);
  };
  const auto is_at = [&](char c) { return *at == c; };
  // The string whose opening quote is at `at`.
  const auto string = [&] {
    std::uint8_t *const length_at = next_string;
    std::uint8_t *out = next_string + sizeof(std::uint32_t);
    const char *const first = at + 1;
    const char *stop = find_unplain(first); // the NUL at `end` at the latest
    copy_string(out, first, static_cast<std::size_t>(stop - first));
    out += stop - first;
    if (*stop != '"') [[unlikely]] {
      stop = rest_of_string(stop, out);
      if (stop == nullptr) return false;
    }
    at = stop + 1;
    const auto length = static_cast<std::uint32_t>(out - (length_at + sizeof(std::uint32_t)));
    *next++ = tape_word(tape_type::STRING, static_cast<std::uint64_t>(length_at - strings));
    std::memcpy(length_at, &length, sizeof length);
    if constexpr (measure) extent.longest_string = std::max<std::uint64_t>(extent.longest_string, length);
    *out = 0;
    next_string = out + 1;
    return true;
  };
  // One digit before a separator: the usual small argument, written without the word arithmetic.
  const auto one_digit = [&] {
    const auto digit = static_cast<unsigned>(at[0] - '0');
    if (digit >= 10 || static_cast<unsigned>(at[1] - '0') < 10 || at[1] == '.' || (at[1] | 0x20) == 'e') return false;
    *next++ = tape_word(tape_type::INT64, 0);
    *next++ = digit;
    ++at;
    return true;
  };
  // Any other number starting at `at` (a member's value): the common ones by
  // read_common_number, any other by read_any_number.
  const auto number = [&] {
    TapeNumber parsed;
    const char *after = read_common_number_outlined(at, parsed);
    if (after == nullptr) [[unlikely]]
      after = read_any_number(at, parsed);
    if (after == nullptr) return false;
    next = put_number(next, parsed);
    at = after;
    return true;
  };
  const auto literal = [&](std::string_view spelling, tape_type type) {
    if (std::memcmp(at, spelling.data(), spelling.size()) != 0) return false; // the NUL at `end` differs
    *next++ = tape_word(type, 0);
    at += spelling.size();
    return true;
  };
  const auto close = [&] {
    const Scope &scope = scopes[--depth];
    if constexpr (measure) {
      std::uint32_t &most = scope.is_object ? extent.most_members : extent.most_elements;
      most = std::max(most, scope.count);
    }
    const auto start_index = static_cast<std::uint64_t>(scope.start - tape);
    *next++ = tape_word(scope.is_object ? tape_type::END_OBJECT : tape_type::END_ARRAY, start_index);
    const auto after_index = static_cast<std::uint64_t>(next - tape);
    // simdjson's tape holds 24 bits of count, saturated (a reader then counts the elements).
    const std::uint64_t count = std::min<std::uint64_t>(scope.count, simdjson::internal::JSON_COUNT_MASK);
    *scope.start = tape_word(scope.is_object ? tape_type::START_OBJECT : tape_type::START_ARRAY,
                             after_index | (count << 32));
  };

  skip_space();
  if (!is_at('{') && !is_at('[')) return false; // a scalar at the root: rare, and simdjson pads it specially

value: // `at` is at a value, space skipped
  switch (*at) {
  case '{':
  case '[': {
    if (depth + 1 >= level_limit) return false;
    Scope &scope = scopes[depth++];
    scope = Scope{.start = next++, .count = 0, .is_object = *at == '{'};
    ++at;
    skip_space();
    if (is_at(scope.is_object ? '}' : ']')) {
      ++at;
      close();
      goto after_value;
    }
    scope.count = 1;
    if (scope.is_object) goto key;
    goto value;
  }
  case '"':
    if (!string()) return false;
    goto after_value;
  case 't':
    if (!literal("true", tape_type::TRUE_VALUE)) return false;
    goto after_value;
  case 'f':
    if (!literal("false", tape_type::FALSE_VALUE)) return false;
    goto after_value;
  case 'n':
    if (!literal("null", tape_type::NULL_VALUE)) return false;
    goto after_value;
  default:
    if (one_digit()) goto after_value;
    if (!scopes[depth - 1].is_object) goto numbers; // the root is a container: depth is at least 1
    if (!number()) return false;
    goto after_value;
  }

numbers: // `at` is at an element of the innermost scope, an array, and not at a string, literal or container
  {
    const NumberRun run = write_numbers(at, end, next);
    if (run.refused) return false;
    at = run.at;
    next = run.next;
    scopes[depth - 1].count += run.commas;
    goto after_value;
  }

key: // `at` is where a member's key must start
  if (!is_at('"') || !string()) return false;
  skip_space();
  if (!is_at(':')) return false;
  ++at;
  skip_space();
  goto value;

after_value: // a value ended at `at`
  skip_space();
  if (depth == 0) {
    if (at != end) return false;
    *next++ = tape_word(tape_type::ROOT, 0);
    *tape = tape_word(tape_type::ROOT, static_cast<std::uint64_t>(next - tape));
    return true;
  }
  {
    Scope &scope = scopes[depth - 1];
    if (is_at(',')) {
      ++at;
      skip_space();
      ++scope.count;
      if (scope.is_object) goto key;
      goto value;
    }
    if (!is_at(scope.is_object ? '}' : ']')) return false;
    ++at;
    close();
    goto after_value;
  }
}

} // namespace

namespace {

template <bool measure>
bool write_padded_text(std::string_view text, simdjson::dom::document &document, std::size_t max_depth,
                       TapeExtent &extent) noexcept {
  if (text.size() > document.capacity()) return false;
  const char *const end = text.data() + text.size();
  if (*end != '\0') return false; // the sentinel every scan relies on
  return write_tape<measure>(text.data(), end, document.tape.get(), document.string_buf.get(), max_depth, extent);
}

} // namespace

bool write_direct_tape(std::string_view text, simdjson::dom::document &document, std::size_t max_depth) noexcept {
  TapeExtent unmeasured;
  return write_padded_text<false>(text, document, max_depth, unmeasured);
}

bool write_direct_tape(std::string_view text, simdjson::dom::document &document, std::size_t max_depth,
                       TapeExtent &extent) noexcept {
  extent = TapeExtent{};
  return write_padded_text<true>(text, document, max_depth, extent);
}

} // namespace ward::detail
