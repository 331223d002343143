#pragma once
// Reading Tauri v2 IPC requests (custom-protocol and postMessage forms) into one shape, checking
// the invoke key, the labels, the limits and the arguments' JSON before any command runs.

#include "json/document.hpp"

#include <ward/error.hpp>
#include <ward/host.hpp>
#include <ward/limits.hpp>
#include <ward/names.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace ward::detail {

/// One request, read. Borrowed views point into the host's request, the parsed document or the
/// envelope itself, so the envelope must outlive the handler call and must not be moved.
struct Envelope {
  Envelope() = default;
  Envelope(const Envelope &) = delete;
  Envelope &operator=(const Envelope &) = delete;

  std::string_view origin;
  std::string_view window;
  std::string_view webview;
  std::uint32_t callback_id = 0;
  std::uint32_t error_id = 0;

  std::string_view command; ///< valid command name (into the request URL, command_buffer or the message)
  bool raw = false;
  std::span<const std::byte> body;   ///< raw bytes, or the JSON text
  std::span<const Header> headers;
  std::optional<ParsedDocument> document;
  simdjson::dom::element args;       ///< always an object
  std::string_view args_text;        ///< the arguments as JSON text

  char command_buffer[CommandName::max_length];
  std::vector<std::byte> owned_body; ///< postMessage raw payload (bytes arrive as a JSON array)
  std::vector<Header> owned_headers; ///< postMessage options.headers
  std::string owned_args_text;       ///< postMessage payload, re-serialized
};

/// Reads the custom-protocol form. On failure the envelope still carries the callback ids read
/// so far, for the error response.
result<void> read_request(const Request &request, const Limits &limits, std::string_view invoke_key,
                          Envelope &envelope);

/// Reads the postMessage form.
result<void> read_message(const MessageRequest &request, const Limits &limits, std::string_view invoke_key,
                          Envelope &envelope);

/// The headers the envelope reads, found in one pass; null when absent. (Pointers rather than
/// optionals: four of them are zeroed with two stores, where 96 bytes of optionals took a
/// `rep stos` that cost more than the scan.)
struct KnownHeaders {
  const Header *content_type = nullptr;
  const Header *callback = nullptr;
  const Header *error = nullptr;
  const Header *invoke_key = nullptr;

  static std::optional<std::string_view> value(const Header *header) noexcept {
    if (!header) return std::nullopt;
    return header->value;
  }
};
KnownHeaders scan_headers(std::span<const Header> headers) noexcept;

/// Case-insensitive header lookup.
std::optional<std::string_view> find_header(std::span<const Header> headers, std::string_view name) noexcept;

} // namespace ward::detail
