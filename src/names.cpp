#include <ward/names.hpp>

#include "name_bytes.hpp"

#include <algorithm>
#include <array>

#include <simdjson.h>

namespace ward {
namespace {

using detail::label_ascii_bytes;

/// The general label check, for labels with a byte >= 0x80: those belong to the UTF-8 letters
/// Tauri also accepts, so then the whole must be UTF-8.
[[gnu::noinline]] bool is_valid_label_with_non_ascii(std::string_view label) noexcept {
  for (char c : label) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && !label_ascii_bytes[u]) return false;
  }
  return simdjson::validate_utf8(label.data(), label.size());
}

} // namespace

result<CommandName> CommandName::parse(std::string_view name) {
  if (name.empty()) return Error(errc::invalid_name, "command name is empty");
  if (name.size() > max_length) return Error(errc::invalid_name, "command name is longer than 256 bytes");
  const bool valid = is_valid_command_name(name);
  if (!valid)
    return Error(errc::invalid_name,
                 "command name may contain only ASCII letters, digits and `_ - . : |`");
  return CommandName(std::string(name));
}

bool Label::is_valid(std::string_view label) noexcept {
  if (label.empty() || label.size() > max_length) return false;
  // Labels are nearly always ASCII ("main"): one table lookup per byte decides, and the first
  // byte outside the ASCII table sends the label to the general check (which refuses it if it
  // is a refused ASCII byte).
  for (char c : label)
    if (!label_ascii_bytes[static_cast<unsigned char>(c)]) return is_valid_label_with_non_ascii(label);
  return true;
}

result<Label> Label::parse(std::string_view label) {
  if (!is_valid(label))
    return Error(errc::invalid_name, "a label must be 1 to 256 bytes of letters, digits and `- / : _`");
  return Label(std::string(label));
}

bool is_valid_command_name(std::string_view name) noexcept { return detail::is_valid_command_name_inline(name); }

bool is_valid_state_name(std::string_view name) noexcept {
  return !name.empty() && name.size() <= 256 && name.find('\0') == std::string_view::npos;
}

} // namespace ward
