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

/// The permission that allows one registered command: `allow-greet`, `fs:allow-read-file`.
inline std::string allow_permission(std::string_view command) {
  std::string plugin, name(command);
  if (command.starts_with("plugin:") && command.find('|') != std::string_view::npos) {
    plugin = std::string(command.substr(7, command.find('|') - 7)) + ":";
    name = std::string(command.substr(command.find('|') + 1));
  }
  for (char &c : name)
    if (c == '_') c = '-';
  return plugin + "allow-" + name;
}

/// A capability granting core:default (ward's built-in commands) and every command registered so
/// far to every window of the app's pages:
/// most tests exercise the invoke path, not the access-control policy (acl_test.cpp does).
inline void grant_all_commands(ward::AppBuilder &builder) {
  std::string permissions = "\"core:default\"";
  for (const auto &command : builder.command_names())
    permissions += ",\"" + allow_permission(command) + "\"";
  builder.capability(ward::acl::Source{
      "test-capability.json",
      R"({"identifier":"test-all","windows":["*"],"webviews":["*"],"permissions":[)" + permissions + "]}",
      ward::acl::Format::json});
}

inline ward::App build(ward::AppBuilder &builder) {
  grant_all_commands(builder);
  auto built = builder.build();
  if (!built) throw std::runtime_error("build failed: " + built.error().message());
  return std::move(built).assume_value();
}

} // namespace ward_test
