#pragma once
// simdjson's DOM tape, written directly in one pass over the text, for documents of any size:
// for the small ones most requests carry (`{"a":1,"b":2}`), simdjson's two stages spend most of
// their ~850 instructions on setup rather than on the text; for the large ones, arrays of numbers
// above all, its number conversion is the cost, and this writer's (digits a word at a time,
// Eisel and Lemire's product where Clinger's exact case ends) is about twice as fast.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ward::detail {

/// Bytes readable past a text's end that write_direct_tape needs (simdjson's padding is more).
inline constexpr std::size_t direct_tape_padding = 32;
static_assert(direct_tape_padding <= simdjson::SIMDJSON_PADDING);

/// The deepest nesting write_direct_tape takes (the root object or array is level 1).
inline constexpr std::size_t direct_tape_max_depth = 32;

/// The largest of each thing ward's limits bound, in a document write_direct_tape wrote: what the
/// limits check would otherwise find by walking the tape.
struct TapeExtent {
  std::uint64_t longest_string = 0; ///< bytes after unescaping, keys included
  std::uint32_t most_elements = 0;  ///< of any array (exact: the tape's own count saturates)
  std::uint32_t most_members = 0;   ///< of any object
};

/// Writes into `document` exactly the tape and string buffer simdjson's DOM parser writes for
/// `text`, and returns true, when `text` is common JSON:
/// - an object or an array at its root;
/// - strings of UTF-8 (RFC 3629) with JSON's escapes (`\uD83D\uDE00` pairs included);
/// - integers from INT64_MIN to UINT64_MAX, `-0` excepted (simdjson versions differ on it);
/// - other numbers with at most 19 significant digits and a value m * 10^p with p in -27 .. 55
///   (the `decimal` conversions: correctly rounded, ties to even, as simdjson's own conversion);
/// - `true`, `false`, `null`, and JSON whitespace between tokens;
/// - nesting at most direct_tape_max_depth and less than `max_depth`, the parser's own limit
///   (simdjson refuses a container at level `max_depth`).
/// Returns false for every other text, valid JSON or not, having written an unspecified part of
/// `document`: the caller then hands the text to simdjson, which decides. So a text accepted here
/// is one simdjson accepts, with the same tape (tests/cpp/direct_tape_test.cpp and the fuzz target
/// fuzz_direct_tape compare the two). `document` must be allocated; a text longer than its
/// capacity() is refused.
///
/// `text` must be padded: followed in memory by a NUL byte, then by at least
/// direct_tape_padding - 1 more readable bytes. The NUL ends every scan without a bounds check,
/// and strings are read and copied in whole words.
///
bool write_direct_tape(std::string_view text, simdjson::dom::document &document, std::size_t max_depth) noexcept;

/// As write_direct_tape, measuring the document's extent as it is written (a few instructions per
/// string and container, which the small documents that cannot break a limit do without).
bool write_direct_tape(std::string_view text, simdjson::dom::document &document, std::size_t max_depth,
                       TapeExtent &extent) noexcept;

// The scans write_direct_tape runs, each in a portable word (or byte) version and, where the
// target has SSE2 (every x86-64), a 16-byte one it uses instead; both are exposed for their
// tests, which hold them to the same answers. They read whole blocks: the text's padding makes
// them readable.
//
// find_unplain: the first byte at or after `at` that a plain string cannot hold as it is ('"',
// '\\', a control character, a byte from 0x80 up).
const char *find_unplain_words(const char *at) noexcept;
/// The top bit of each byte of `word` that a plain string cannot hold; only the lowest is exact
/// (a borrow may flag bytes above it), which is all a scan needs.
std::uint64_t unplain_bytes(std::uint64_t word) noexcept;
// find_non_space: the first byte at or after `at` that is not JSON whitespace (the text's NUL
// at the latest); used for runs of two or more.
const char *find_non_space_bytes(const char *at) noexcept;
// digit_bits: bit i is set when the byte at `at + i` (0 <= i < 32) is an ASCII digit.
std::uint32_t digit_bits_words(const char *at) noexcept;
// comma_bits: bit i is set when the byte at `at + i` (0 <= i < 32) is a comma.
std::uint32_t comma_bits_words(const char *at) noexcept;
// digit_bits16: the same as digit_bits for the 16 bytes at `at` (the upper 16 bits clear).
inline std::uint32_t digit_bits16_words(const char *at) noexcept { return digit_bits_words(at) & 0xFFFFu; }
#if defined(__SSE2__)
const char *find_unplain_sse2(const char *at) noexcept;
const char *find_non_space_sse2(const char *at) noexcept;
std::uint32_t digit_bits_sse2(const char *at) noexcept;
[[gnu::always_inline]] inline std::uint32_t comma_bits_sse2(const char *at) noexcept {
  const __m128i comma = _mm_set1_epi8(',');
  const auto half = [&](const char *from) {
    return static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i *>(from)), comma)));
  };
  return half(at) | half(at + 16) << 16;
}
[[gnu::always_inline]] inline std::uint32_t digit_bits16_sse2(const char *at) noexcept {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(at));
  // Adding 0x50 takes '0'..'9' to the 10 smallest signed bytes, -128..-119, and every other
  // byte above them: one signed compare.
  const __m128i shifted = _mm_add_epi8(bytes, _mm_set1_epi8(0x50));
  return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmplt_epi8(shifted, _mm_set1_epi8(-118))));
}
inline const char *find_unplain(const char *at) noexcept { return find_unplain_sse2(at); }
inline const char *find_non_space(const char *at) noexcept { return find_non_space_sse2(at); }
inline std::uint32_t digit_bits(const char *at) noexcept { return digit_bits_sse2(at); }
inline std::uint32_t digit_bits16(const char *at) noexcept { return digit_bits16_sse2(at); }
inline std::uint32_t comma_bits(const char *at) noexcept { return comma_bits_sse2(at); }
#else
inline const char *find_unplain(const char *at) noexcept { return find_unplain_words(at); }
inline const char *find_non_space(const char *at) noexcept { return find_non_space_bytes(at); }
inline std::uint32_t digit_bits(const char *at) noexcept { return digit_bits_words(at); }
inline std::uint32_t digit_bits16(const char *at) noexcept { return digit_bits16_words(at); }
inline std::uint32_t comma_bits(const char *at) noexcept { return comma_bits_words(at); }
#endif

} // namespace ward::detail
