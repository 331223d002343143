// The number reading under write_direct_tape (src/json/decimal_number.hpp and the digit scan in
// direct_tape.cpp), each piece against a plain reference: byte loops for the word tricks,
// std::from_chars (correctly rounded) for the conversions.
#include "json/decimal_number.hpp"
#include "json/direct_tape.hpp"

#include <catch2/catch.hpp>

#include <bit>
#include <charconv>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <utility>

namespace decimal = ward::detail::decimal;

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Bytes that are digits, their neighbours in ASCII ('/', ':'), and bytes from 0x80 up.
char random_byte(std::mt19937_64 &random) {
  static constexpr char kinds[] = {'0', '5', '9', '/', ':', '.', ',', 'e', '-', ' ', '\0', '\x80', '\xB0', '\xB9', '\xFF'};
  return random() % 2 == 0 ? static_cast<char>('0' + random() % 10) : kinds[random() % std::size(kinds)];
}

/// The map of which of the first 32 bytes of `bytes` are what `is` says, by a byte loop.
template <class Predicate> std::uint32_t byte_map(const std::string &bytes, Predicate is) {
  std::uint32_t map = 0;
  for (std::size_t i = 0; i < 32; ++i) map |= static_cast<std::uint32_t>(is(bytes[i])) << i;
  return map;
}
std::uint32_t expected_digits(const std::string &bytes) { return byte_map(bytes, is_digit); }

/// The correctly rounded double of mantissa * 10^power, by the standard library.
double reference_double(std::uint64_t mantissa, int power) {
  const std::string text = std::to_string(mantissa) + "e" + std::to_string(power);
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  REQUIRE(error == std::errc{});
  REQUIRE(end == text.data() + text.size());
  return value;
}

/// Checks to_double against the reference for one mantissa and power it must settle.
void check_conversion(std::uint64_t mantissa, int power) {
  INFO(mantissa << "e" << power);
  double value = 0;
  REQUIRE(decimal::to_double(mantissa, power, false, value));
  CHECK(std::bit_cast<std::uint64_t>(value) == std::bit_cast<std::uint64_t>(reference_double(mantissa, power)));
  REQUIRE(decimal::to_double(mantissa, power, true, value));
  CHECK(std::bit_cast<std::uint64_t>(value) == std::bit_cast<std::uint64_t>(-reference_double(mantissa, power)));
}

} // namespace

TEST_CASE("the digit map marks exactly the bytes that are digits", "[decimal]") {
  std::mt19937_64 random(3);
  for (int round = 0; round < 20000; ++round) {
    std::string bytes(64, '\0');
    for (char &byte : bytes) byte = random_byte(random);
    const std::uint32_t expected = expected_digits(bytes);
    INFO(bytes.substr(0, 32));
    REQUIRE(ward::detail::digit_bits_words(bytes.data()) == expected);
#if defined(__SSE2__)
    REQUIRE(ward::detail::digit_bits_sse2(bytes.data()) == expected);
#endif
  }
}

TEST_CASE("the comma map marks exactly the bytes that are commas", "[decimal]") {
  std::mt19937_64 random(13);
  for (int round = 0; round < 20000; ++round) {
    std::string bytes(64, '\0');
    for (char &byte : bytes) byte = random() % 4 == 0 ? ',' : random_byte(random);
    const std::uint32_t expected = byte_map(bytes, [](char c) { return c == ','; });
    INFO(bytes.substr(0, 32));
    REQUIRE(ward::detail::comma_bits_words(bytes.data()) == expected);
    REQUIRE(ward::detail::digit_bits16_words(bytes.data()) == (expected_digits(bytes) & 0xFFFFu));
#if defined(__SSE2__)
    REQUIRE(ward::detail::comma_bits_sse2(bytes.data()) == expected);
    REQUIRE(ward::detail::digit_bits16_sse2(bytes.data()) == (expected_digits(bytes) & 0xFFFFu));
#endif
  }
}

TEST_CASE("runs of eight and sixteen digits convert as the word reading does", "[decimal]") {
  // The vector versions against the word versions and a byte loop, with zeros standing for
  // missing digits and a dot at every place.
  std::mt19937_64 random(14);
  for (int round = 0; round < 50000; ++round) {
    std::string text(48, '\0');
    for (char &byte : text) byte = random_byte(random);
    const std::size_t count = 1 + random() % 16;
    const std::size_t dot = 1 + random() % 17; // 17: after the 16 bytes, so none taken out
    std::string digits;
    for (std::size_t i = 0, written = 0; written < count; ++i) {
      if (i == dot) {
        text[i] = '.';
        continue;
      }
      text[i] = static_cast<char>('0' + random() % 10);
      digits += text[i];
      ++written;
    }
    const auto value_of = [](std::string_view run) {
      std::uint64_t value = 0;
      for (std::size_t i = 0; i < 8; ++i) value = value * 10 + (i < run.size() ? static_cast<std::uint64_t>(run[i] - '0') : 0);
      return value;
    };
    const std::uint64_t leading = value_of(std::string_view(digits).substr(0, 8));
    const std::uint64_t trailing = value_of(count > 8 ? std::string_view(digits).substr(8) : std::string_view());
    INFO(text.substr(0, 18) << " count " << count << " dot " << dot);
    const auto words = decimal::sixteen_digits_words(text.data(), dot, count);
    REQUIRE(words.leading == leading);
    REQUIRE(words.trailing == trailing);
    // The same digits as words, the first digit lowest and zero bytes after the last.
    std::uint64_t word = 0, other = 0;
    for (std::size_t i = 0; i < count; ++i)
      (i < 8 ? word : other) |= static_cast<std::uint64_t>(static_cast<unsigned char>(digits[i])) << (8 * (i % 8));
    REQUIRE(decimal::eight_digits_double_words(word) == static_cast<double>(leading));
    REQUIRE(decimal::eight_digits_double_words(other) == static_cast<double>(trailing));
#if defined(__SSE2__) && defined(__x86_64__)
    const auto vector = decimal::sixteen_digits_sse2(text.data(), dot, count);
    REQUIRE(vector.leading == leading);
    REQUIRE(vector.trailing == trailing);
    REQUIRE(decimal::eight_digits_double_sse2(word) == static_cast<double>(leading));
    double lanes[2];
    _mm_storeu_pd(lanes, decimal::eight_digits_doubles_sse2(
                             _mm_set_epi64x(static_cast<long long>(other), static_cast<long long>(word))));
    REQUIRE(lanes[0] == static_cast<double>(leading));
    REQUIRE(lanes[1] == static_cast<double>(trailing));
#endif
  }
}

TEST_CASE("digits are read a word at a time, with a dot taken out", "[decimal]") {
  std::mt19937_64 random(4);
  for (int round = 0; round < 20000; ++round) {
    std::string text(40, '\0');
    for (char &byte : text) byte = random_byte(random);
    const std::size_t count = 1 + random() % 8;
    std::uint64_t expected = 0;
    for (std::size_t i = 0; i < count; ++i) {
      text[i] = static_cast<char>('0' + random() % 10);
      expected = expected * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
    INFO(text.substr(0, 8) << " count " << count);
    REQUIRE(decimal::digits_value(decimal::load_word(text.data()), count) == expected);

    const std::size_t dot = random() % 24;
    std::string without = text;
    without.erase(dot, 1);
    for (std::size_t index = 0; index < 3; ++index) {
      INFO("dot " << dot << " word " << index);
      REQUIRE(decimal::word_without(text.data(), index, dot) == decimal::load_word(without.data() + 8 * index));
    }
  }
}

TEST_CASE("the table of powers of five holds 5^q to 128 bits, rounded up below q = 0", "[decimal]") {
  using ward::detail::decimal::uint128;
  const auto entry = [](int q) { return decimal::powers_of_five[static_cast<std::size_t>(q - decimal::smallest_product_power)]; };
  CHECK(entry(0).high == 0x8000000000000000ULL);
  CHECK(entry(0).low == 0);
  CHECK(entry(1).high == 0xA000000000000000ULL);
  CHECK(entry(-1).high == 0xCCCCCCCCCCCCCCCCULL);
  CHECK(entry(-1).low == 0xCCCCCCCCCCCCCCCDULL);
  for (int q = decimal::smallest_product_power; q <= decimal::largest_product_power; ++q) {
    INFO("q = " << q);
    const uint128 value = (uint128{entry(q).high} << 64) | entry(q).low;
    REQUIRE((value >> 127) == 1);
    if (q >= 0) {
      // 5^q shifted left: dividing the shift back out leaves 5^q exactly.
      uint128 power = 1;
      for (int i = 0; i < q; ++i) power *= 5;
      const int shift = std::countl_zero(static_cast<std::uint64_t>(power >> 64)) +
                        ((power >> 64) == 0 ? std::countl_zero(static_cast<std::uint64_t>(power)) : 0);
      CHECK((value >> shift) == power);
      CHECK((power << shift) == value);
    } else {
      // value - 1 = floor(2^b / 5^-q): (value - 1) * 5^-q <= 2^b < value * 5^-q, in 192 bits.
      std::uint64_t power = 1;
      for (int i = 0; i < -q; ++i) power *= 5;
      const int b = 64 - std::countl_zero(power) + 127;
      const auto times = [&](uint128 x) { // x * power as (top 64 bits, low 128 bits)
        const uint128 low = static_cast<uint128>(static_cast<std::uint64_t>(x)) * power;
        const uint128 high = (x >> 64) * power + (low >> 64);
        return std::pair{static_cast<std::uint64_t>(high >> 64), (high << 64) | static_cast<std::uint64_t>(low)};
      };
      const auto below = times(value - 1), above = times(value);
      // 2^b is (1 << (b - 128), 0) in that form.
      const std::uint64_t two_to_b_high = std::uint64_t{1} << (b - 128);
      CHECK((below.first < two_to_b_high || (below.first == two_to_b_high && below.second == 0)));
      CHECK(above.first >= two_to_b_high);
    }
  }
}

TEST_CASE("decimals convert to the correctly rounded double, ties to even", "[decimal]") {
  // Random mantissas of every length and every power the conversion takes.
  std::mt19937_64 random(9);
  for (int round = 0; round < 200000; ++round) {
    const std::size_t digits = 1 + random() % 19;
    std::uint64_t mantissa = 1 + random() % 9;
    for (std::size_t i = 1; i < digits; ++i) mantissa = mantissa * 10 + random() % 10;
    check_conversion(mantissa, decimal::smallest_product_power +
                                   static_cast<int>(random() % (decimal::largest_product_power - decimal::smallest_product_power + 1)));
  }
  // Exactly halfway between two doubles, and one either side: 2^k + 2^(k - 53) is the midpoint
  // of 2^k and the next double; odd multiples of it round to even.
  for (int k = 53; k < 64; ++k) {
    for (std::uint64_t odd = 1; odd < 8; odd += 2) {
      const std::uint64_t half_step = std::uint64_t{1} << (k - 53);
      const std::uint64_t midpoint = (std::uint64_t{1} << k) + odd * half_step;
      if (midpoint < (std::uint64_t{1} << k)) continue;
      for (const std::uint64_t mantissa : {midpoint - 1, midpoint, midpoint + 1})
        for (const int power : {-4, -1, 0, 1, 3, 10, 23})
          if (mantissa > 0) check_conversion(mantissa, power);
    }
  }
  // The ends of the exact range and of the table, and the largest mantissas.
  for (const std::uint64_t mantissa : {std::uint64_t{1}, std::uint64_t{9007199254740992}, std::uint64_t{9007199254740993},
                                       std::uint64_t{9999999999999999999ULL}, std::uint64_t{18446744073709551615ULL},
                                       std::uint64_t{17976931348623157}, std::uint64_t{22250738585072014}})
    for (const int power : {-27, -23, -22, 0, 22, 23, 55}) check_conversion(mantissa, power);
}

TEST_CASE("a power of ten outside the table is declined, not guessed", "[decimal]") {
  double value = 0;
  CHECK_FALSE(decimal::to_double(12345678901234567890ULL, decimal::smallest_product_power - 1, false, value));
  CHECK_FALSE(decimal::to_double(12345678901234567890ULL, decimal::largest_product_power + 1, false, value));
  // Inside Clinger's range the table is not needed.
  REQUIRE(decimal::to_double(5, -3, false, value));
  CHECK(value == 0.005);
}
