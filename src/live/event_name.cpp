#include <ward/events.hpp>

#include <cstdint>
#include <optional>

namespace ward {
namespace {

/// Decodes one UTF-8 sequence starting at `at`; nullopt if malformed.
std::optional<char32_t> decode_utf8(std::string_view text, std::size_t &at) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || at + length > text.size()) return std::nullopt;
  char32_t point = length == 1 ? lead : lead & (0x7F >> length);
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return std::nullopt;
    point = (point << 6) | (byte(at + i) & 0x3F);
  }
  static constexpr char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (point < smallest[length] || point > 0x10FFFF || (point >= 0xD800 && point <= 0xDFFF)) return std::nullopt;
  at += length;
  return point;
}

/// Tauri accepts Unicode alphanumerics. Without Unicode tables, ward accepts non-ASCII code
/// points except the blocks that hold no letters or digits: controls, punctuation, symbols,
/// spaces, private use, emoji, specials.
bool is_letter_or_digit(char32_t c) noexcept {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  if (c <= 0xBF) return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA || c >= 0xBC;
  if (c == 0xD7 || c == 0xF7) return false;
  const auto in = [c](char32_t first, char32_t last) { return c >= first && c <= last; };
  return !(in(0x2000, 0x206F) || in(0x20A0, 0x20FF) || in(0x2190, 0x2BFF) || in(0x2E00, 0x2E7F) ||
           in(0x3000, 0x3004) || in(0x3008, 0x3020) || in(0xE000, 0xF8FF) || in(0xFE10, 0xFE6F) ||
           in(0xFF00, 0xFF0F) || in(0xFF1A, 0xFF20) || in(0xFF3B, 0xFF40) || in(0xFF5B, 0xFF65) ||
           in(0xFFF0, 0xFFFF) || in(0x1F000, 0x1FAFF) || in(0xF0000, 0x10FFFF));
}

} // namespace

result<EventName> EventName::parse(std::string_view name) {
  if (name.empty()) return Error(errc::invalid_name, "event name is empty");
  if (name.size() > max_length) return Error(errc::invalid_name, "event name is longer than 256 bytes");
  for (std::size_t at = 0; at < name.size();) {
    const char c = name[at];
    if (c == '-' || c == '/' || c == ':' || c == '_') {
      ++at;
      continue;
    }
    const auto point = decode_utf8(name, at);
    if (!point || !is_letter_or_digit(*point))
      return Error(errc::invalid_name,
                   "Event name must include only alphanumeric characters, `-`, `/`, `:` and `_`.");
  }
  return EventName(std::string(name));
}

bool event_target_matches(const EventTarget &listener, const EventTarget &emitted) noexcept {
  using Kind = EventTarget::Kind;
  if (listener.kind() == Kind::any || emitted.kind() == Kind::any) return true;
  if (emitted.kind() == Kind::any_label) {
    // AnyLabel reaches window, webview, webview-window and AnyLabel listeners with that label.
    return listener.kind() != Kind::app && listener.label() == emitted.label();
  }
  if (listener.kind() == Kind::any_label) return emitted.kind() != Kind::app && listener.label() == emitted.label();
  return listener == emitted;
}

} // namespace ward
