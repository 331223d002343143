#pragma once
// Heterogeneous lookup of std::string keys by std::string_view, and the small byte helpers of
// the lookups on the invoke path (command names, labels, origins: all short).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>

namespace ward::detail {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};

/// `bytes` (1 to 8) bytes at `at`, as one integer (native order).
[[gnu::always_inline]] inline std::uint64_t load_bytes(const char *at, std::size_t bytes) noexcept {
  std::uint64_t value = 0;
  std::memcpy(&value, at, bytes);
  return value;
}

/// memcmp(a, b, n) == 0 without a call: overlapping word loads, no per-byte loop.
[[gnu::always_inline]] inline bool same_short_bytes(const char *a, const char *b, std::size_t n) noexcept {
  if (n >= 8) {
    // Exits at the first differing word: also keeps the compiler from vectorizing a loop that
    // runs once or twice (its setup would cost more than the compare).
    for (std::size_t i = 0; i + 8 <= n; i += 8)
      if (load_bytes(a + i, 8) != load_bytes(b + i, 8)) return false;
    return load_bytes(a + n - 8, 8) == load_bytes(b + n - 8, 8);
  }
  if (n >= 4)
    return ((load_bytes(a, 4) ^ load_bytes(b, 4)) | (load_bytes(a + n - 4, 4) ^ load_bytes(b + n - 4, 4))) == 0;
  if (n >= 2) // 2 or 3 bytes: the first two and the last two cover them
    return ((load_bytes(a, 2) ^ load_bytes(b, 2)) | (load_bytes(a + n - 2, 2) ^ load_bytes(b + n - 2, 2))) == 0;
  return n == 0 || a[0] == b[0];
}

/// One step of the hashes below (multiply, then fold the high bits down).
[[gnu::always_inline]] inline std::uint64_t hash_step(std::uint64_t h, std::uint64_t value) noexcept {
  h = (h ^ value) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

/// MurmurHash3's finalizer: every bit reaches the low ones, which pick a table slot.
[[gnu::always_inline]] inline std::uint64_t hash_finish(std::uint64_t h) noexcept {
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDull;
  return h ^ (h >> 33);
}

/// A fast hash of every byte of a short text, eight at a time. Unseeded: for tables whose keys
/// the app chose (a lookup of any text still costs at most the longest probe run of those keys).
inline std::uint64_t short_text_hash(std::string_view text) noexcept {
  const char *at = text.data();
  const std::size_t size = text.size();
  std::uint64_t h = hash_step(0x243F6A8885A308D3ull, size);
  if (size >= 8) {
    for (std::size_t i = 0; i + 8 <= size; i += 8) h = hash_step(h, load_bytes(at + i, 8));
    if (size % 8 != 0) h = hash_step(h, load_bytes(at + size - 8, 8));
  } else if (size >= 4) {
    h = hash_step(h, load_bytes(at, 4) | load_bytes(at + size - 4, 4) << 32);
  } else if (size > 0) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(at[i])); };
    h = hash_step(h, byte(0) | byte(size / 2) << 8 | byte(size - 1) << 16);
  }
  return hash_finish(h);
}

} // namespace ward::detail
