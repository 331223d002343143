// The example app in C++, the same as in C, Python and Node:
//   greet      {"name": "..."}  -> "Hello, <name>!"
//   add        {"a": 2, "b": 3} -> 5
//   increment  {}               -> 1, 2, ...            (managed state: a mutex-guarded counter)
//   checksum   raw bytes        -> CRC-32, 4 raw bytes  (application/octet-stream both ways)
// fed with requests shaped exactly as a Tauri v2 page sends them through the custom protocol.
#include <ward/ward.hpp>

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// Managed state is shared by every thread that invokes the app, so it guards itself.
class Counter {
public:
  std::int64_t increment() {
    std::lock_guard lock(mutex_);
    return ++value_;
  }

private:
  std::mutex mutex_;
  std::int64_t value_ = 0;
};

/// CRC-32 (IEEE 802.3, as zlib), bit by bit: small beats fast in an example.
std::uint32_t crc32(std::span<const std::byte> data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::byte byte : data) {
    crc ^= std::to_integer<std::uint32_t>(byte);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

/// What a page's `invoke(cmd, args)` sends: the command in the URL, the ids and the key in headers.
ward::Response send(const ward::App &app, std::string_view command, std::string_view body,
                    std::string_view content_type = "application/json", std::string_view window = "main") {
  static std::uint32_t next_callback = 1;
  const std::string url = "ipc://localhost/" + std::string(command);
  const std::string callback = std::to_string(next_callback++);
  const std::string error = std::to_string(next_callback++);
  const ward::Header headers[] = {
      {"Content-Type", content_type},
      {"Tauri-Callback", callback},
      {"Tauri-Error", error},
      {"Tauri-Invoke-Key", app.invoke_key()},
  };
  return app.invoke(ward::Request{url, "tauri://localhost", window, window, headers,
                                  std::as_bytes(std::span(body.data(), body.size()))});
}

void print(std::string_view label, const ward::Response &response) {
  if (response.kind == ward::BodyKind::raw) {
    std::printf("%-32s %s %s [", std::string(label).c_str(), std::string(response.tauri_response()).c_str(),
                std::string(response.content_type()).c_str());
    for (unsigned char byte : response.body) std::printf(" %02x", byte);
    std::printf(" ]\n");
    return;
  }
  std::printf("%-32s %s %s\n", std::string(label).c_str(), std::string(response.tauri_response()).c_str(),
              response.body.c_str());
}

} // namespace

int main() {
  ward::AppBuilder builder;
  builder.manage_in_place<Counter>()
      .command(
          "greet",
          [](std::string_view name) { return "Hello, " + std::string(name) + "!"; }, ward::arg_names{"name"})
      .command(
          "add", [](std::int64_t a, std::int64_t b) { return a + b; }, ward::arg_names{"a", "b"})
      .command("increment", [](ward::State<Counter> counter) { return counter->increment(); })
      .command("checksum", [](std::span<const std::byte> data) {
        const std::uint32_t crc = crc32(data);
        return ward::Bytes{std::byte(crc >> 24), std::byte(crc >> 16), std::byte(crc >> 8), std::byte(crc)};
      });
  // ward denies every command no capability grants; this is the app's capabilities/main.json.
  builder.capability(ward::acl::Source{"capabilities/main.json", R"({
    "identifier": "main",
    "windows": ["main"],
    "permissions": ["allow-greet", "allow-add", "allow-increment", "allow-checksum"]
  })", ward::acl::Format::json});
  auto built = builder.build();
  if (!built) {
    std::fprintf(stderr, "could not build the app: %s\n", built.error().message().c_str());
    return 1;
  }
  const ward::App app = std::move(built).assume_value();

  print("greet {name: \"ward\"}", send(app, "greet", R"({"name":"ward"})"));
  print("add {a: 2, b: 40}", send(app, "add", R"({"a":2,"b":40})"));
  print("increment {}", send(app, "increment", "{}"));
  print("increment {}", send(app, "increment", "{}"));
  print("checksum <\"123456789\">", send(app, "checksum", "123456789", "application/octet-stream"));
  print("add {a: \"two\"}", send(app, "add", R"({"a":"two","b":1})"));
  print("nope {}", send(app, "nope", "{}"));
  print("greet from window settings", send(app, "greet", R"({"name":"settings"})", "application/json", "settings"));
  return 0;
}
