#include "ipc/invoke_key.hpp"

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__linux__)
#include <sys/random.h>
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__)
#include <stdlib.h> // arc4random_buf
#endif

namespace ward::detail {
namespace {

bool fill_random(unsigned char *out, std::size_t size) noexcept {
#if defined(__linux__)
  std::size_t filled = 0;
  while (filled < size) {
    const ssize_t got = getrandom(out + filled, size - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    filled += static_cast<std::size_t>(got);
  }
  return true;
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__)
  arc4random_buf(out, size);
  return true;
#else
#error "ward needs an OS CSPRNG for the invoke key on this platform"
#endif
}

/// 32 random bytes, as hex digits.
constexpr std::size_t generated_key_size = 64;

/// The OR of the XORs of `size` bytes (a multiple of 8), 8 at a time: zero if and only if they
/// are equal, and every byte is read whatever an earlier one held (no early exit).
template <std::size_t size> std::uint64_t bytes_difference(const char *expected, const char *provided) noexcept {
  static_assert(size % 8 == 0);
  std::uint64_t difference = 0;
  for (std::size_t i = 0; i < size; i += 8) {
    std::uint64_t expected_word;
    std::uint64_t provided_word;
    std::memcpy(&expected_word, expected + i, sizeof expected_word);
    std::memcpy(&provided_word, provided + i, sizeof provided_word);
    difference |= expected_word ^ provided_word;
  }
  return difference;
}

} // namespace

result<std::string> generate_invoke_key() {
  std::array<unsigned char, generated_key_size / 2> bytes{};
  if (!fill_random(bytes.data(), bytes.size()))
    return Error(errc::internal, "could not create the invoke key", "the OS random number generator failed");
  constexpr std::string_view hex = "0123456789abcdef";
  std::string key;
  key.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    key += hex[byte >> 4];
    key += hex[byte & 0xF];
  }
  return key;
}

result<std::uint64_t> random_u64() {
  std::uint64_t value = 0;
  if (!fill_random(reinterpret_cast<unsigned char *>(&value), sizeof value))
    return Error(errc::internal, "could not draw a random id", "the OS random number generator failed");
  return value;
}

bool invoke_key_matches(std::string_view expected, std::string_view provided) noexcept {
  // The key's length is public (it is fixed), so only its content needs constant-time treatment.
  if (expected.size() != provided.size()) return false;
  // ward's own keys are 64 bytes: a constant size unrolls into straight-line code.
  if (expected.size() == generated_key_size)
    return bytes_difference<generated_key_size>(expected.data(), provided.data()) == 0;
  std::uint64_t difference = 0;
  std::size_t i = 0;
  for (; i + 8 <= expected.size(); i += 8) difference |= bytes_difference<8>(expected.data() + i, provided.data() + i);
  for (; i < expected.size(); ++i) difference |= static_cast<unsigned char>(expected[i] ^ provided[i]);
  return difference == 0;
}

} // namespace ward::detail
