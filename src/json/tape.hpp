#pragma once
// Direct reads of simdjson's DOM tape, for the hot loops (the limits scan, numeric arrays,
// object member lookup) where going through dom::element would cost a result<> per element.
//
// The tape format is simdjson's documented one (doc/tape.md): one 64-bit word per value, the
// type in the top byte; '[' and '{' carry the index just past their matching end word in the
// low 32 bits and the element count (saturating at 0xFFFFFF) in bits 32-55; '"' carries an
// offset into string_buf, where a 32-bit length precedes the bytes; 'l', 'u' and 'd' are
// followed by one word holding the number. dom::element holds exactly an internal::tape_ref
// (document pointer, index), whose members are public.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

namespace ward::detail {

static_assert(sizeof(simdjson::dom::element) == sizeof(simdjson::internal::tape_ref) &&
                  std::is_trivially_copyable_v<simdjson::dom::element> &&
                  std::is_trivially_copyable_v<simdjson::internal::tape_ref>,
              "simdjson's dom::element is no longer a bare tape_ref: review json/tape.hpp");

inline simdjson::internal::tape_ref tape_of(simdjson::dom::element element) noexcept {
  simdjson::internal::tape_ref tape;
  std::memcpy(static_cast<void *>(&tape), static_cast<const void *>(&element), sizeof tape);
  return tape;
}

inline simdjson::dom::element element_at(const simdjson::dom::document *document, std::size_t index) noexcept {
  const simdjson::internal::tape_ref tape(document, index);
  simdjson::dom::element element;
  std::memcpy(static_cast<void *>(&element), static_cast<const void *>(&tape), sizeof element);
  return element;
}

inline constexpr std::uint64_t tape_payload_mask = simdjson::internal::JSON_VALUE_MASK;
inline constexpr std::uint32_t tape_count_saturated = simdjson::internal::JSON_COUNT_MASK;

inline char tape_type(std::uint64_t word) noexcept { return static_cast<char>(word >> 56); }
/// '[' / '{': the index just past the matching ']' / '}'.
inline std::size_t tape_after_scope(std::uint64_t word) noexcept { return static_cast<std::uint32_t>(word); }
/// '[' / '{': the number of elements (members), saturated at tape_count_saturated.
inline std::uint32_t tape_scope_count(std::uint64_t word) noexcept {
  return static_cast<std::uint32_t>((word >> 32) & tape_count_saturated);
}
/// '"': the string's bytes.
inline std::string_view tape_string(const simdjson::dom::document &document, std::uint64_t word) noexcept {
  const std::uint8_t *at = document.string_buf.get() + (word & tape_payload_mask);
  std::uint32_t length = 0;
  std::memcpy(&length, at, sizeof length);
  return std::string_view(reinterpret_cast<const char *>(at + sizeof length), length);
}
/// memcmp(a, b, n) == 0 without a call: argument names and keys are short.
inline bool same_bytes(const char *a, const char *b, std::size_t n) noexcept {
  const auto load = [](const char *at, std::size_t bytes) {
    std::uint64_t value = 0;
    std::memcpy(&value, at, bytes);
    return value;
  };
  if (n >= 8) {
    // Exits at the first differing word: also keeps the compiler from vectorizing a loop that
    // runs once or twice (its setup would cost more than the compare).
    for (std::size_t i = 0; i + 8 <= n; i += 8)
      if (load(a + i, 8) != load(b + i, 8)) return false;
    return load(a + n - 8, 8) == load(b + n - 8, 8);
  }
  if (n >= 4) return ((load(a, 4) ^ load(b, 4)) | (load(a + n - 4, 4) ^ load(b + n - 4, 4))) == 0;
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

/// The index just past the value at `index`.
inline std::size_t tape_after(const std::uint64_t *tape, std::size_t index) noexcept {
  const std::uint64_t word = tape[index];
  switch (tape_type(word)) {
  case '[':
  case '{': return tape_after_scope(word);
  case 'l':
  case 'u':
  case 'd': return index + 2;
  default: return index + 1;
  }
}

} // namespace ward::detail
