#pragma once
// simdjson's DOM tape, written directly for the small documents most requests carry
// (`{"a":1,"b":2}`, `{"path":"/tmp/x","recursive":true}`), where simdjson's two stages spend
// most of their ~850 instructions on setup rather than on the text.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ward::detail {

/// The longest text write_small_tape takes: beyond it simdjson's vectorized stages win, and a
/// text it must give up on wastes little.
inline constexpr std::size_t small_tape_max_bytes = 512;

/// Bytes readable past a text's end that write_small_tape needs (simdjson's padding is more).
inline constexpr std::size_t small_tape_padding = 16;
static_assert(small_tape_padding <= simdjson::SIMDJSON_PADDING);

/// The deepest nesting write_small_tape takes (the root object or array is level 1).
inline constexpr std::size_t small_tape_max_depth = 32;

/// Writes into `document` exactly the tape and string buffer simdjson's DOM parser writes for
/// `text`, and returns true, when `text` is small and common:
/// - at most small_tape_max_bytes, with an object or an array at its root;
/// - strings of UTF-8 (RFC 3629) with JSON's escapes (`\uD83D\uDE00` pairs included);
/// - integers of at most 18 digits, `-0` excepted (simdjson versions differ on it);
/// - decimals in Clinger's exact range: at most 19 digits, a mantissa up to 2^53, a power of ten
///   within 10^-22 .. 10^22 (one correctly rounded operation, as simdjson's own conversion rounds);
/// - `true`, `false`, `null`, and JSON whitespace between tokens;
/// - nesting at most small_tape_max_depth and less than `max_depth`, the parser's own limit
///   (simdjson refuses a container at level `max_depth`).
/// Returns false for every other text, valid JSON or not, having written an unspecified part of
/// `document`: the caller then hands the text to simdjson, which decides. So a text accepted here
/// is one simdjson accepts, with the same tape (tests/cpp/small_tape_test.cpp and the fuzz target
/// fuzz_small_tape compare the two). `document` must be allocated; a text longer than its
/// capacity() is refused.
///
/// `text` must be padded: followed in memory by a NUL byte, then by at least
/// small_tape_padding - 1 more readable bytes. The NUL ends every scan without a bounds check,
/// and strings are read and copied in whole words.
bool write_small_tape(std::string_view text, simdjson::dom::document &document, std::size_t max_depth) noexcept;

// The string scan, exposed for its tests: each returns the first byte at or after `at` that a
// plain string cannot hold as it is ('"', '\\', a control character, a byte from 0x80 up), reading
// whole 8- or 16-byte blocks (the text's padding makes them readable). write_small_tape uses
// find_unplain, the SSE2 one where the target has SSE2 (every x86-64), the word one elsewhere.
const char *find_unplain_words(const char *at) noexcept;
/// The top bit of each byte of `word` that a plain string cannot hold; only the lowest is exact
/// (a borrow may flag bytes above it), which is all a scan needs.
std::uint64_t unplain_bytes(std::uint64_t word) noexcept;
#if defined(__SSE2__)
const char *find_unplain_sse2(const char *at) noexcept;
inline const char *find_unplain(const char *at) noexcept { return find_unplain_sse2(at); }
#else
inline const char *find_unplain(const char *at) noexcept { return find_unplain_words(at); }
#endif

} // namespace ward::detail
