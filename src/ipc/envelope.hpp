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
#include <string>
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
  ParsedDocument document;           ///< the parsed body or message, if any
  simdjson::dom::element args;       ///< always an object
  std::string_view args_text;        ///< the arguments as JSON text

  char command_buffer[CommandName::max_length];

  /// What only the postMessage form owns. Apart in an optional, so that a custom-protocol
  /// request (the usual one) builds and destroys one flag rather than two vectors and a string.
  struct MessageStorage {
    std::vector<std::byte> body;   ///< raw payload (bytes arrive as a JSON array)
    std::vector<Header> headers;   ///< options.headers
    std::string args_text;         ///< payload, re-serialized
  };
  std::optional<MessageStorage> message_storage;
};

/// Reads the custom-protocol form. On failure the envelope still carries the callback ids read
/// so far, for the error response.
result<void> read_request(const Request &request, const Limits &limits, std::string_view invoke_key,
                          Envelope &envelope);

/// read_request's hot path: true when the request has the shape Tauri sends (the key and both
/// callback ids present, ASCII labels, a plain command URL, a JSON object body that parses on
/// the thread's warm parser) and read_request_general accepts it; then the envelope holds what
/// read_request_general would have put there. False leaves the envelope as it was and the
/// answer to read_request_general. A pure predicate with no error to build, so the usual
/// request runs straight through without a result<> passed between its steps.
bool read_request_fast(const Request &request, const Limits &limits, std::string_view invoke_key,
                       Envelope &envelope) noexcept;

/// read_request's general path: decides every request, and words every error.
result<void> read_request_general(const Request &request, const Limits &limits, std::string_view invoke_key,
                                  Envelope &envelope);

/// Reads the postMessage form.
result<void> read_message(const MessageRequest &request, const Limits &limits, std::string_view invoke_key,
                          Envelope &envelope);

/// Case-insensitive header lookup.
std::optional<std::string_view> find_header(std::span<const Header> headers, std::string_view name) noexcept;

} // namespace ward::detail
