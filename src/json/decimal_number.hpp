#pragma once
// Reading JSON numbers fast: digits eight at a time from one word (SWAR), and a decimal
// mantissa and power of ten turned into the correctly rounded double, the one simdjson (and any
// correct parser) gives, by Clinger's exact case or Eisel and Lemire's 128-bit product
// ("Number Parsing at a Gigabyte per Second", 2021). Both decline what they cannot settle, and
// the caller hands the text to simdjson.

#include "app/strings.hpp"

#include <array>
#include <bit>
#include <cfloat>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

namespace ward::detail::decimal {

/// Double arithmetic rounds each operation once, to double: not through a wider x87 register,
/// and no division turned into a multiplication by a rounded reciprocal (-ffast-math).
#if defined(__FAST_MATH__)
inline constexpr bool exact_float_arithmetic = false;
#else
inline constexpr bool exact_float_arithmetic = FLT_EVAL_METHOD == 0;
#endif

/// The eight bytes at `at`, first byte lowest (the padding of a text makes them readable).
[[gnu::always_inline]] inline std::uint64_t load_word(const char *at) noexcept {
  const std::uint64_t word = load_bytes(at, 8);
  return std::endian::native == std::endian::big ? __builtin_bswap64(word) : word;
}

/// True if the 8 bytes of `chunk` are all ASCII digits. A byte below '0' sets its top bit in
/// the difference, a byte above '9' (up to 0xAF) in the sum, and a byte from 0xB0 in the
/// difference. Borrows and carries cross bytes only from an invalid byte, and the lowest invalid
/// byte receives none, so it is always seen.
constexpr bool eight_digits(std::uint64_t chunk) noexcept {
  return (((chunk - 0x3030303030303030) | (chunk + 0x4646464646464646)) & 0x8080808080808080) == 0;
}

/// The value of 8 ASCII digits loaded little-endian (the first digit in the lowest byte), as
/// simdjson's parse_eight_digits_unrolled computes it. Only each byte's low nibble counts, so
/// zero bytes below the digits read as leading zeros.
constexpr std::uint64_t eight_digits_value(std::uint64_t chunk) noexcept {
  chunk = ((chunk & 0x0F0F0F0F0F0F0F0F) * 2561) >> 8;
  chunk = ((chunk & 0x00FF00FF00FF00FF) * 6553601) >> 16;
  return ((chunk & 0x0000FFFF0000FFFF) * 42949672960001) >> 32;
}

/// eight_digits_value as a double. Where the target has SSE2 (every x86-64) it is computed in
/// vector registers: three multiply-adds of 16-bit lanes, pairs of digits, then fours, then
/// eights, and a conversion from 32 bits, where the word version needs three 64-bit
/// multiplications and more masks; and two words are converted at once as easily as one. Both
/// versions are exposed for the test that holds them to the same answers.
inline double eight_digits_double_words(std::uint64_t chunk) noexcept {
  return static_cast<double>(eight_digits_value(chunk));
}
#if defined(__SSE2__) && defined(__x86_64__)
/// The values of the two runs of eight digits in `digits` (one digit's value, 0 to 9, in each
/// byte, the first of a run lowest) in its two lowest 32-bit lanes.
[[gnu::always_inline]] inline __m128i eight_digit_lanes_sse2(__m128i digits) noexcept {
  const __m128i zero = _mm_setzero_si128();
  const __m128i tens = _mm_setr_epi16(10, 1, 10, 1, 10, 1, 10, 1);
  const __m128i twos = _mm_packs_epi32(_mm_madd_epi16(_mm_unpacklo_epi8(digits, zero), tens),
                                       _mm_madd_epi16(_mm_unpackhi_epi8(digits, zero), tens));
  const __m128i fours = _mm_madd_epi16(twos, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
  return _mm_madd_epi16(_mm_packs_epi32(fours, fours), _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
}
/// eight_digits_value of both words in `words` (the lower first), as two doubles.
[[gnu::always_inline]] inline __m128d eight_digits_doubles_sse2(__m128i words) noexcept {
  return _mm_cvtepi32_pd(eight_digit_lanes_sse2(_mm_and_si128(words, _mm_set1_epi8(0x0F))));
}
[[gnu::always_inline]] inline double eight_digits_double_sse2(std::uint64_t chunk) noexcept {
  return _mm_cvtsd_f64(eight_digits_doubles_sse2(_mm_cvtsi64_si128(static_cast<long long>(chunk))));
}
[[gnu::always_inline]] inline double eight_digits_double(std::uint64_t chunk) noexcept {
  return eight_digits_double_sse2(chunk);
}
#else
inline double eight_digits_double(std::uint64_t chunk) noexcept { return eight_digits_double_words(chunk); }
#endif

/// 0x80 in each byte of `word` that is not an ASCII digit, 0 in each that is.
[[gnu::always_inline]] inline std::uint64_t non_digit_bytes(std::uint64_t word) noexcept {
  constexpr std::uint64_t lows = 0x0F0F0F0F0F0F0F0FULL, highs = 0xF0F0F0F0F0F0F0F0ULL;
  // A byte is a digit when its high nibble is 3 and its low nibble plus 6 stays below 16; no
  // step carries from one byte into the next.
  const std::uint64_t off = ((word & highs) ^ 0x3030303030303030ULL) | (((word & lows) + 0x0606060606060606ULL) & 0x1010101010101010ULL);
  return (((off & 0x7F7F7F7F7F7F7F7FULL) + 0x7F7F7F7F7F7F7F7FULL) | off) & 0x8080808080808080ULL;
}

/// The value of the first `count` bytes of `word`, which are digits; 1 <= count <= 8: shifted to
/// the top, so the bytes past them go and zeros come in as leading digits.
[[gnu::always_inline]] inline std::uint64_t digits_value(std::uint64_t word, std::size_t count) noexcept {
  return eight_digits_value(word << (8 * (8 - count)));
}

/// The low `count` bytes of a word set, for count in 0 .. 8.
inline constexpr std::array<std::uint64_t, 9> low_bytes{0,
                                                       0xFFULL,
                                                       0xFFFFULL,
                                                       0xFFFFFFULL,
                                                       0xFFFFFFFFULL,
                                                       0xFFFFFFFFFFULL,
                                                       0xFFFFFFFFFFFFULL,
                                                       0xFFFFFFFFFFFFFFULL,
                                                       ~0ULL};

/// Word `index` (0, 1, 2) of the text at `at` with the byte at `dot` taken out: the bytes before
/// `dot` from `at`, the ones after it moved down by one.
[[gnu::always_inline]] inline std::uint64_t word_without(const char *at, std::size_t index, std::size_t dot) noexcept {
  const std::size_t first = 8 * index;
  const std::size_t kept = dot <= first ? 0 : dot - first >= 8 ? 8 : dot - first;
  const std::uint64_t mask = low_bytes[kept];
  return (load_word(at + first) & mask) | (load_word(at + first + 1) & ~mask);
}

/// Sixteen digits as two values of eight, each read as eight_digits_value reads a word: `leading`
/// of the first eight, `trailing` of the next eight; zeros stand after the last digit.
struct DigitHalves {
  std::uint32_t leading, trailing;
};

/// The first `count` digits (1 <= count <= 16) of the text at `at` with the byte at `dot`
/// (0 < dot <= 16; 16 or more: none in the first 16 bytes) taken out, as DigitHalves. Like the
/// other word tricks, in a portable version and an SSE2 one (a 16-byte blend, then multiply-adds
/// of pairs, fours and eights), both exposed for the test that holds them to the same answers.
inline DigitHalves sixteen_digits_words(const char *at, std::size_t dot, std::size_t count) noexcept {
  const std::uint64_t first = word_without(at, 0, dot) & low_bytes[count < 8 ? count : 8];
  const std::uint64_t second = word_without(at, 1, dot) & low_bytes[count > 8 ? count - 8 : 0];
  return {static_cast<std::uint32_t>(eight_digits_value(first)), static_cast<std::uint32_t>(eight_digits_value(second))};
}
#if defined(__SSE2__) && defined(__x86_64__)
/// 16 bytes of 0x0F, then 16 of zero: the 16 bytes at `16 - k` keep the low nibble of the first
/// k bytes of a block and clear the others.
alignas(32) inline constexpr std::array<unsigned char, 32> nibble_ramp{
    0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F};

[[gnu::always_inline]] inline DigitHalves sixteen_digits_sse2(const char *at, std::size_t dot, std::size_t count) noexcept {
  const auto load = [](const void *from) { return _mm_loadu_si128(static_cast<const __m128i *>(from)); };
  // The low nibbles (the values) of the bytes before the dot from `at`, of the ones after it
  // from `at + 1`, and zeros after the last digit. (Before the dot the blend takes the high
  // nibble from `at + 1`; the last mask clears it.)
  const __m128i before_dot = load(nibble_ramp.data() + 16 - (dot < 16 ? dot : 16));
  const __m128i joined = _mm_or_si128(_mm_and_si128(before_dot, load(at)), _mm_andnot_si128(before_dot, load(at + 1)));
  const __m128i digits = _mm_and_si128(joined, load(nibble_ramp.data() + 16 - count));
  const auto both = static_cast<std::uint64_t>(_mm_cvtsi128_si64(eight_digit_lanes_sse2(digits)));
  return {static_cast<std::uint32_t>(both), static_cast<std::uint32_t>(both >> 32)};
}
[[gnu::always_inline]] inline DigitHalves sixteen_digits(const char *at, std::size_t dot, std::size_t count) noexcept {
  return sixteen_digits_sse2(at, dot, count);
}
#else
inline DigitHalves sixteen_digits(const char *at, std::size_t dot, std::size_t count) noexcept {
  return sixteen_digits_words(at, dot, count);
}
#endif

/// 10^0 .. 10^19, every power of ten a uint64_t holds.
inline constexpr std::array<std::uint64_t, 20> integer_powers_of_ten = [] {
  std::array<std::uint64_t, 20> powers{};
  std::uint64_t power = 1;
  for (auto &entry : powers) {
    entry = power;
    power *= 10;
  }
  return powers;
}();

/// 10^0 .. 10^22: every one exactly representable as a double.
inline constexpr std::array<double, 23> exact_powers_of_ten{1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                            1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/// The powers of ten the 128-bit product takes: 10^-27 .. 10^55. Beyond them the table would
/// need more than 128-bit arithmetic to build; a number there is simdjson's to convert.
inline constexpr int smallest_product_power = -27;
inline constexpr int largest_product_power = 55;

/// 128-bit unsigned arithmetic (a GCC and Clang extension; both compile ward).
__extension__ typedef unsigned __int128 uint128;

struct Wide {
  std::uint64_t high, low;
};

/// 5^q for q in [smallest_product_power, largest_product_power], as a 128-bit fraction whose top
/// bit is set: exact for q >= 0 (5^55 < 2^128); for q < 0, floor(2^b / 5^-q) + 1 with b such that
/// the quotient has 128 bits, as the paper prescribes (the +1 makes the product an upper bound).
inline constexpr auto powers_of_five = [] {
  using u128 = uint128;
  std::array<Wide, largest_product_power - smallest_product_power + 1> table{};
  for (int q = smallest_product_power; q <= largest_product_power; ++q) {
    u128 entry = 0;
    if (q >= 0) {
      entry = 1;
      for (int i = 0; i < q; ++i) entry *= 5;
      while ((entry >> 127) == 0) entry <<= 1;
    } else {
      std::uint64_t divisor = 1; // 5^-q < 2^63 for q >= -27
      for (int i = 0; i < -q; ++i) divisor *= 5;
      const int divisor_bits = 64 - std::countl_zero(divisor);
      // 2^(divisor_bits + 127) / divisor by long division: the quotient is 128 bits exactly.
      u128 remainder = 1;
      for (int bit = 0; bit < divisor_bits + 127; ++bit) {
        remainder <<= 1;
        entry <<= 1;
        if (remainder >= divisor) {
          remainder -= divisor;
          entry |= 1;
        }
      }
      entry += 1;
    }
    table[static_cast<std::size_t>(q - smallest_product_power)] = {static_cast<std::uint64_t>(entry >> 64),
                                                                   static_cast<std::uint64_t>(entry)};
  }
  return table;
}();

/// mantissa * 10^power (mantissa > 0) as the nearest double, ties to even, by Eisel and Lemire's
/// product; false when `power` is outside the table or the product cannot settle the rounding.
inline bool product_to_double(std::uint64_t mantissa, int power, double &out) noexcept {
  using u128 = uint128;
  if (power < smallest_product_power || power > largest_product_power || mantissa == 0) return false;
  const Wide &five = powers_of_five[static_cast<std::size_t>(power - smallest_product_power)];
  const int leading_zeros = std::countl_zero(mantissa);
  const std::uint64_t normalized = mantissa << leading_zeros;
  u128 product = static_cast<u128>(normalized) * five.high;
  auto high = static_cast<std::uint64_t>(product >> 64), low = static_cast<std::uint64_t>(product);
  // 55 bits are needed (52 stored, the implicit one, a rounding bit, a bit the top may lose):
  // when the ones below them are all set, the truncated table's low word could carry into them.
  constexpr std::uint64_t below_needed = ~std::uint64_t{0} >> 55;
  if ((high & below_needed) == below_needed) {
    const auto second = static_cast<std::uint64_t>((static_cast<u128>(normalized) * five.low) >> 64);
    low += second;
    if (low < second) ++high;
    // Still all ones below: the exact product may be just above or below a rounding boundary.
    if ((high & below_needed) == below_needed && low == ~std::uint64_t{0}) return false;
  }
  const int upper_bit = static_cast<int>(high >> 63);
  const int shift = upper_bit + 64 - 52 - 3;
  std::uint64_t bits = high >> shift;
  // floor(log2(10^power)) + 63, then the exponent's bias.
  int exponent = static_cast<int>(((152170 + 65536) * static_cast<std::int64_t>(power)) >> 16) + 63 + upper_bit -
                 leading_zeros + 1023;
  // Exactly halfway between two doubles (nothing dropped but the rounding bit): ties to even.
  // Only a power whose 5^power fits a word makes the product exact enough to see a tie.
  if (low <= 1 && power >= -4 && power <= 23 && (bits & 3) == 1 && (bits << shift) == high) bits &= ~std::uint64_t{1};
  bits += bits & 1;
  bits >>= 1;
  if (bits >= (std::uint64_t{2} << 52)) {
    bits = std::uint64_t{1} << 52;
    ++exponent;
  }
  if (exponent <= 0 || exponent >= 0x7FF) return false; // subnormal or infinite: not in this table's range
  bits &= ~(std::uint64_t{1} << 52);
  bits |= static_cast<std::uint64_t>(exponent) << 52;
  out = std::bit_cast<double>(bits);
  return true;
}

/// `magnitude` (not negative) with the sign bit set if `negative`: without a branch, which the
/// signs of a random array of numbers would mispredict every other time.
[[gnu::always_inline]] inline double with_sign(double magnitude, bool negative) noexcept {
  return std::bit_cast<double>(std::bit_cast<std::uint64_t>(magnitude) | static_cast<std::uint64_t>(negative) << 63);
}

/// mantissa * 10^power as the nearest double (ties to even), or false when neither Clinger's
/// exact case nor the product settles it.
[[gnu::always_inline]] inline bool to_double(std::uint64_t mantissa, int power, bool negative, double &out) noexcept {
  double value = 0;
  if (exact_float_arithmetic && mantissa <= (std::uint64_t{1} << 53) && power >= -22 && power <= 22) {
    // Both operands exact doubles, one correctly rounded operation.
    value = static_cast<double>(mantissa);
    value = power < 0 ? value / exact_powers_of_ten[static_cast<std::size_t>(-power)]
                      : value * exact_powers_of_ten[static_cast<std::size_t>(power)];
  } else if (!product_to_double(mantissa, power, value)) {
    return false;
  }
  out = with_sign(value, negative);
  return true;
}

} // namespace ward::detail::decimal
