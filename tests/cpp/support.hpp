#pragma once
// Helpers to feed an App requests shaped exactly as a Tauri v2 page sends them.

#include <ward/ward.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ward_test {

inline std::span<const std::byte> bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

/// A custom-protocol request with the app's invoke key, JSON body and labels "main".
struct TauriRequest {
  std::string url;
  std::string body;
  std::string content_type = "application/json";
  std::string key;
  std::string origin = "tauri://localhost";
  std::string window = "main";
  std::string webview = "main";
  std::string callback = "11";
  std::string error = "12";
  bool send_key = true;
  std::vector<ward::Header> headers;

  ward::Request build() {
    headers.clear();
    headers.push_back({"Content-Type", content_type});
    headers.push_back({"Tauri-Callback", callback});
    headers.push_back({"Tauri-Error", error});
    if (send_key) headers.push_back({"Tauri-Invoke-Key", key});
    return ward::Request{url, origin, window, webview, headers, bytes(body)};
  }
};

inline ward::Response invoke(const ward::App &app, std::string_view command, std::string_view body_json) {
  TauriRequest request{.url = "ipc://localhost/" + std::string(command), .body = std::string(body_json)};
  request.key = std::string(app.invoke_key());
  return app.invoke(request.build());
}

inline std::string body(const ward::Response &response) { return std::string(response.body.data(), response.body.size()); }

inline ward::App build(ward::AppBuilder &builder) {
  auto built = builder.build();
  if (!built) throw std::runtime_error("build failed: " + built.error().message());
  return std::move(built).assume_value();
}

} // namespace ward_test
