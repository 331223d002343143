#pragma once
// What a host passes in (Request, MessageRequest) and gets back (Response). The core knows no
// webview: these are plain data, borrowed for the duration of the call that takes them.

#include <ward/error.hpp>
#include <ward/memory.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ward {

struct Header {
  std::string_view name;
  std::string_view value;
};

/// A request as the custom-protocol path of a Tauri v2 page sends it.
struct Request {
  std::string_view url;     ///< "ipc://localhost/greet" or "/greet"; the command is the URL-decoded path
  std::string_view origin;  ///< URL of the page that sent it
  std::string_view window;  ///< window label
  std::string_view webview; ///< webview label
  std::span<const Header> headers; ///< Content-Type, Tauri-Callback, Tauri-Error, Tauri-Invoke-Key
  std::span<const std::byte> body; ///< JSON text, or raw bytes for application/octet-stream
};

/// The postMessage form: one JSON string
/// {"cmd","callback","error","payload","options","__TAURI_INVOKE_KEY__"}.
struct MessageRequest {
  std::string_view origin;
  std::string_view window;
  std::string_view webview;
  std::string_view message;
};

enum class BodyKind : std::uint8_t { json, raw };

/// The answer to one request.
struct Response {
  errc code = errc::ok;           ///< ok, or why it failed
  BodyKind kind = BodyKind::json; ///< raw: application/octet-stream, sent as is
  String body;                    ///< JSON value / rejection value, or raw bytes
  std::uint32_t callback_id = 0;  ///< the request's Tauri-Callback id
  std::uint32_t error_id = 0;     ///< the request's Tauri-Error id

  [[nodiscard]] bool ok() const noexcept { return code == errc::ok; }
  /// The `Tauri-Response` header value: "ok" or "error".
  [[nodiscard]] std::string_view tauri_response() const noexcept { return ok() ? "ok" : "error"; }
  [[nodiscard]] std::string_view content_type() const noexcept {
    return kind == BodyKind::raw ? "application/octet-stream" : "application/json";
  }
};

} // namespace ward
