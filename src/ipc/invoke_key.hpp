#pragma once
// The per-app invoke key: drawn from the OS CSPRNG, compared in constant time.

#include <ward/error.hpp>

#include "app/strings.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ward::detail {

/// 32 random bytes as 64 lowercase hex digits.
result<std::string> generate_invoke_key();

/// 64 random bits from the OS CSPRNG (resource ids).
result<std::uint64_t> random_u64();

/// The length of ward's own keys: 32 random bytes, as hex digits.
inline constexpr std::size_t invoke_key_size = 64;

namespace key_compare {

/// The OR of the XORs of `size` bytes (a multiple of 8), 8 at a time: zero if and only if they
/// are equal, and every byte is read whatever an earlier one held (no early exit).
template <std::size_t size> std::uint64_t bytes_difference(const char *expected, const char *provided) noexcept {
  static_assert(size % 8 == 0);
  std::uint64_t difference = 0;
  for (std::size_t i = 0; i < size; i += 8) difference |= load_bytes(expected + i, 8) ^ load_bytes(provided + i, 8);
  return difference;
}

} // namespace key_compare

/// Compares without an early exit, so the time taken does not reveal how much of a guess matched.
/// Inline: every request checks the key, and the call cost more than the 64-byte comparison.
inline bool invoke_key_matches(std::string_view expected, std::string_view provided) noexcept {
  using key_compare::bytes_difference;
  // The key's length is public (it is fixed), so only its content needs constant-time treatment.
  if (expected.size() != provided.size()) return false;
  // ward's own keys are 64 bytes: a constant size unrolls into straight-line code.
  if (expected.size() == invoke_key_size)
    return bytes_difference<invoke_key_size>(expected.data(), provided.data()) == 0;
  std::uint64_t difference = 0;
  std::size_t i = 0;
  for (; i + 8 <= expected.size(); i += 8) difference |= bytes_difference<8>(expected.data() + i, provided.data() + i);
  for (; i < expected.size(); ++i) difference |= static_cast<unsigned char>(expected[i] ^ provided[i]);
  return difference == 0;
}

} // namespace ward::detail
