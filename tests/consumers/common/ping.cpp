// A C++ consumer of ward::ward: registers `ping`, invokes it as a Tauri v2 page would and checks
// the answer. Exits nonzero on any mismatch.
#include <ward/ward.hpp>

#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <utility>

int main() {
  auto built = ward::AppBuilder{}
                   .command(
                       "ping", [](std::string_view name) { return std::string("pong ") + std::string(name); },
                       ward::arg_names{"name"})
                   .capability({"main.json", R"({"identifier":"main","windows":["main"],"permissions":["allow-ping"]})",
                                ward::acl::Format::json})
                   .build();
  if (!built.has_value()) {
    std::fprintf(stderr, "build failed: %s\n", built.error().message().c_str());
    return 1;
  }
  const ward::App app = std::move(built).value();

  const std::string key(app.invoke_key());
  const ward::Header headers[] = {
      {"Content-Type", "application/json"},
      {"Tauri-Callback", "1"},
      {"Tauri-Error", "2"},
      {"Tauri-Invoke-Key", key},
  };
  const std::string_view body = R"({"name":"consumer"})";
  ward::Request request;
  request.url = "ipc://localhost/ping";
  request.origin = "tauri://localhost";
  request.window = "main";
  request.webview = "main";
  request.headers = headers;
  request.body = std::as_bytes(std::span(body.data(), body.size()));

  const ward::Response response = app.invoke(request);
  const std::string_view answer(response.body.data(), response.body.size());
  std::printf("ward %s (C++): ping -> %.*s\n", ward::version_string(), static_cast<int>(answer.size()),
              answer.data());
  if (!response.ok() || answer != "\"pong consumer\"" || response.callback_id != 1) {
    std::fprintf(stderr, "unexpected response (code %d)\n", static_cast<int>(response.code));
    return 1;
  }
  return 0;
}
