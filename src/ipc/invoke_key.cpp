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

} // namespace

result<std::string> generate_invoke_key() {
  std::array<unsigned char, invoke_key_size / 2> bytes{};
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

} // namespace ward::detail
