// Tauri's identifier grammar for permissions, sets and capabilities.
#include <ward/acl.hpp>

#include <string>

namespace ward::acl {
namespace {

// Tauri sizes identifiers after Cargo package names: a prefix fits a crate name once
// "tauri-plugin-" is taken off, a base fits a whole crate name; only the total is enforced.
constexpr std::string_view plugin_crate_prefix = "tauri-plugin-";
constexpr std::size_t max_identifier = (64 - plugin_crate_prefix.size()) + 1 + 64;

bool is_alnum(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

Error invalid(std::string_view identifier, std::string rule) {
  return Error(errc::invalid_name, "invalid identifier `" + std::string(identifier) + "`: " + std::move(rule));
}

result<void> validate_segment(std::string_view identifier, std::string_view segment) {
  if (segment.empty()) return invalid(identifier, "a segment between `:` is empty");
  if (segment.front() == '-') return invalid(identifier, "a segment starts with a hyphen");
  if (segment.back() == '-') return invalid(identifier, "a segment ends with a hyphen");
  for (std::size_t i = 0; i < segment.size(); ++i) {
    const char c = segment[i];
    if (c == '-') {
      if (segment[i + 1] == '-') return invalid(identifier, "hyphens must be single (found `--`)");
      continue;
    }
    if (!is_alnum(c)) {
      const auto byte = static_cast<unsigned char>(c);
      std::string shown(1, c);
      if (byte < 0x20 || byte >= 0x7F) {
        constexpr char hex[] = "0123456789abcdef";
        shown = std::string("\\x") + hex[byte >> 4] + hex[byte & 0xF];
      }
      return invalid(identifier, "only ASCII letters, digits, inner hyphens and `:` are allowed (found `" + shown + "`)");
    }
  }
  return success();
}

} // namespace

result<void> validate_identifier(std::string_view identifier) {
  if (identifier.starts_with(plugin_crate_prefix)) return invalid(identifier, "it must not start with `tauri-plugin-`");
  if (identifier.empty()) return invalid(identifier, "it is empty");
  if (identifier.size() > max_identifier)
    return invalid(identifier.substr(0, 32), "it is longer than " + std::to_string(max_identifier) + " bytes");
  const bool core = identifier.starts_with("core:");
  const auto last_separator = identifier.rfind(':');
  if (last_separator != std::string_view::npos) {
    const std::string_view prefix = identifier.substr(0, last_separator);
    const std::string_view base = identifier.substr(last_separator + 1);
    if (!core && prefix.find(':') != std::string_view::npos)
      return invalid(identifier, "only one `:` is allowed outside `core:`");
    if (base.empty()) return invalid(identifier, "a prefix needs a name after its `:`");
  }
  std::size_t start = 0;
  while (true) {
    const auto end = identifier.find(':', start);
    const auto segment = identifier.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    auto valid = validate_segment(identifier, segment);
    if (!valid) return valid;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return success();
}

} // namespace ward::acl
