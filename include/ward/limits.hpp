#pragma once
// Limits checked on every request before any allocation that depends on its size.

#include <cstdint>

namespace ward {

struct Limits {
  std::uint64_t max_body_bytes = 64ull << 20;     ///< request body
  std::uint32_t max_depth = 128;                  ///< JSON nesting depth
  std::uint64_t max_string_bytes = 16ull << 20;   ///< one JSON string (keys included)
  std::uint64_t max_array_length = 8'388'608;     ///< elements of one JSON array
  std::uint64_t max_object_keys = 65'536;         ///< keys of one JSON object
};

} // namespace ward
