#include "ipc/request_fields.hpp"

#include <algorithm>
#include <string>

namespace ward::detail {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Length of a URL scheme followed by "://" at the very start of `url`, or 0.
std::size_t scheme_prefix_length(std::string_view url) noexcept {
  const auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (url.empty() || !is_alpha(url.front())) return 0;
  std::size_t i = 1;
  while (i < url.size() && (is_alpha(url[i]) || (url[i] >= '0' && url[i] <= '9') || url[i] == '+' || url[i] == '-' ||
                            url[i] == '.'))
    ++i;
  return url.substr(i).starts_with("://") ? i + 3 : 0;
}

/// The URL's path without its leading '/', query and fragment.
std::string_view url_path(std::string_view url) noexcept {
  // Query and fragment go first, so nothing inside them can pose as a scheme or a path.
  url = url.substr(0, std::min(url.find('?'), url.find('#')));
  if (const auto prefix = scheme_prefix_length(url); prefix != 0) {
    url.remove_prefix(prefix);
    const auto path_start = url.find('/');
    url = path_start == std::string_view::npos ? std::string_view() : url.substr(path_start);
  }
  if (!url.empty() && url.front() == '/') url.remove_prefix(1);
  return url;
}

} // namespace

Error bad_request(std::string_view message) { return Error(errc::invalid_request, std::string(message)); }

bool parse_callback_id_general(std::string_view header, std::uint32_t &out) noexcept {
  const std::string_view text = trim(header);
  if (text.empty()) return false;
  std::size_t first = 0; // leading zeros are fine, as for std::from_chars
  while (first + 1 < text.size() && text[first] == '0') ++first;
  if (text.size() - first > 10) return false; // 11 significant digits exceed 32 bits
  std::uint64_t value = 0;
  for (const char c : text.substr(first)) {
    const unsigned digit = static_cast<unsigned char>(c) - unsigned{'0'};
    if (digit > 9) return false;
    value = value * 10 + digit;
  }
  if (value > UINT32_MAX) return false;
  out = static_cast<std::uint32_t>(value);
  return true;
}

result<std::string_view> decode_command_general(std::string_view url, CommandBuffer buffer) {
  const std::string_view path = url_path(url);
  std::size_t length = 0;
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      const int high = i + 2 < path.size() ? hex_value(path[i + 1]) : -1;
      const int low = i + 2 < path.size() ? hex_value(path[i + 2]) : -1;
      if (high < 0 || low < 0) return bad_request("invalid percent-encoding in the request URL");
      c = static_cast<char>(high * 16 + low);
      i += 2;
    }
    if (length == buffer.size()) return bad_request("command name in the request URL is too long");
    buffer[length++] = c;
  }
  const std::string_view command(buffer.data(), length);
  if (command.empty()) return bad_request("the request URL names no command");
  if (is_valid_command_name(command)) return command;
  // Only to word the message.
  return bad_request("invalid command name in the request URL: " + CommandName::parse(command).error().message());
}

} // namespace ward::detail
