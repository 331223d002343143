#include "json/small_tape.hpp"

#include <array>
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

/// The writer proper. One function with everything in locals: members reached through `this`
/// would be reloaded after every byte stored into the string buffer (a byte store may alias
/// anything), which more than doubled its instructions.
/// `end` points at a NUL byte, which no token can take, so no scan needs to check for the end.
bool write_tape(const char *at, const char *const end, std::uint64_t *const tape, std::uint8_t *const strings,
                std::size_t max_depth) noexcept {
  struct Scope {
    std::uint64_t *start; ///< the '{' or '[' word, written when the scope closes
    std::uint32_t count;
    bool is_object;
  };
  std::array<Scope, small_tape_max_depth> scopes;
  std::size_t depth = 0;
  // A container may open at level depth + 1 while that level is below this.
  const std::size_t level_limit = max_depth < small_tape_max_depth + 1 ? max_depth : small_tape_max_depth + 1;
  std::uint64_t *next = tape + 1; // tape[0], the root word, is written last
  std::uint8_t *next_string = strings;

  const auto skip_space = [&] {
    while (is_json_space(*at)) ++at;
  };
  const auto is_at = [&](char c) { return *at == c; };
  // The string whose opening quote is at `at`.
  const auto string = [&] {
    const char *const first = at + 1;
    const char *const scan = find_unplain(first); // stops at the NUL at `end` at the latest
    if (*scan != '"') return false; // unterminated, or escapes and the like: simdjson's
    const auto length = static_cast<std::uint32_t>(scan - first);
    *next++ = tape_word(tape_type::STRING, static_cast<std::uint64_t>(next_string - strings));
    std::memcpy(next_string, &length, sizeof length);
    copy_string(next_string + sizeof length, first, length);
    next_string[sizeof length + length] = 0;
    next_string += sizeof length + length + 1;
    at = scan + 1;
    return true;
  };
  // The integer starting at `at`.
  const auto integer = [&] {
    // One digit before a separator: the usual small argument, without the digit loop.
    if (const auto digit = static_cast<unsigned>(at[0] - '0'); digit < 10 && static_cast<unsigned>(at[1] - '0') >= 10) {
      *next++ = tape_word(tape_type::INT64, 0);
      *next++ = digit;
      ++at;
      return true;
    }
    const bool negative = *at == '-';
    const char *digit = at + (negative ? 1 : 0);
    const char *const first = digit;
    std::uint64_t magnitude = 0;
    while (static_cast<unsigned>(*digit - '0') < 10) {
      magnitude = magnitude * 10 + static_cast<std::uint64_t>(*digit - '0');
      ++digit;
    }
    const auto digits = digit - first;
    // A leading zero is JSON only alone; simdjson 3.0 writes `-0` as an integer, later versions
    // as -0.0, so it is left to the installed one. What follows the digits ('.', 'e', a letter)
    // is judged after the value: only a separator lets it end there.
    if (digits == 0 || digits > 18 || (*first == '0' && (digits > 1 || negative))) return false;
    const std::int64_t value = negative ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
    *next++ = tape_word(tape_type::INT64, 0);
    std::memcpy(next++, &value, sizeof value);
    at = digit;
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
    const auto start_index = static_cast<std::uint64_t>(scope.start - tape);
    *next++ = tape_word(scope.is_object ? tape_type::END_OBJECT : tape_type::END_ARRAY, start_index);
    const auto after_index = static_cast<std::uint64_t>(next - tape);
    *scope.start = tape_word(scope.is_object ? tape_type::START_OBJECT : tape_type::START_ARRAY,
                             after_index | (std::uint64_t{scope.count} << 32));
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
    if (!integer()) return false;
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

bool write_small_tape(std::string_view text, simdjson::dom::document &document, std::size_t max_depth) noexcept {
  if (text.size() > small_tape_max_bytes || text.size() > document.capacity()) return false;
  const char *const end = text.data() + text.size();
  if (*end != '\0') return false; // the sentinel every scan relies on
  return write_tape(text.data(), end, document.tape.get(), document.string_buf.get(), max_depth);
}

} // namespace ward::detail
