#pragma once
// The byte rules of command names and labels, inline: the request path checks a command name and
// two labels on every invoke, and for names of a few bytes the calls into names.cpp cost more
// than the checks. names.cpp decides with the same tables, so the two cannot drift apart.

#include <ward/names.hpp>

#include <array>
#include <cstddef>
#include <string_view>

namespace ward::detail {

/// ASCII letters and digits, and the given punctuation; bytes >= 0x80 are not in the table.
constexpr std::array<bool, 256> ascii_name_bytes(std::string_view punctuation) {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (char c : punctuation) table[static_cast<unsigned char>(c)] = true;
  return table;
}
inline constexpr auto command_name_bytes = ascii_name_bytes("_-.:|");
inline constexpr auto label_ascii_bytes = ascii_name_bytes("-/:_");

/// True if every byte of `text` is allowed by `table`. No early exit: names are short and nearly
/// always valid, so a branch per byte only costs. Four lookups per step, and no loop at all for
/// the usual names ("main", "add"): 1 to 3 bytes are covered by the first, middle and last
/// byte, and a longer text's last step ends at its end, overlapping the step before (a byte
/// looked up twice changes nothing).
inline bool all_bytes_in(std::string_view text, const std::array<bool, 256> &table) noexcept {
  // As unsigned, so the lookups combine with `&` (no branch) and compilers see no bool bit-ops.
  const auto allowed = [&](std::size_t i) -> unsigned { return table[static_cast<unsigned char>(text[i])]; };
  const auto four_allowed = [&](std::size_t i) {
    return allowed(i) & allowed(i + 1) & allowed(i + 2) & allowed(i + 3);
  };
  const std::size_t size = text.size();
  if (size < 4) return size == 0 || (allowed(0) & allowed(size / 2) & allowed(size - 1)) != 0;
  unsigned all = 1;
  std::size_t i = 0;
  for (; i + 4 < size; i += 4) all &= four_allowed(i);
  return (all & four_allowed(size - 4)) != 0;
}

/// is_valid_command_name, inline.
inline bool is_valid_command_name_inline(std::string_view name) noexcept {
  return !name.empty() && name.size() <= CommandName::max_length && all_bytes_in(name, command_name_bytes);
}

/// True if `label` is 1 to 256 bytes of the ASCII a label allows: then Label::is_valid accepts
/// it. False leaves the answer to Label::is_valid (non-ASCII labels may be valid UTF-8 letters).
inline bool is_plain_ascii_label(std::string_view label) noexcept {
  return !label.empty() && label.size() <= Label::max_length && all_bytes_in(label, label_ascii_bytes);
}

} // namespace ward::detail
