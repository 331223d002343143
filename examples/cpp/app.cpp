// The example app in C++: two commands, one piece of state, one raw-bytes command, fed with
// requests shaped exactly as a Tauri v2 page sends them through the custom protocol.
#include <ward/ward.hpp>

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

/// Managed state is shared by every thread that invokes the app, so it guards itself.
class Counter {
public:
  std::int64_t increment(std::int64_t by) {
    std::lock_guard lock(mutex_);
    value_ += by;
    return value_;
  }

private:
  std::mutex mutex_;
  std::int64_t value_ = 0;
};

struct Greeting {
  std::string message;
  std::size_t length;
};

} // namespace

WARD_DESCRIBE(Greeting, message, length);

namespace {

/// What a page's `invoke(cmd, args)` sends: the command in the URL, the ids and the key in headers.
ward::Response send(const ward::App &app, std::string_view command, std::string_view body,
                    std::string_view content_type = "application/json") {
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
  return app.invoke(ward::Request{url, "tauri://localhost", "main", "main", headers,
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
          [](std::string_view name) {
            std::string message = "Hello, " + std::string(name) + "!";
            return Greeting{message, message.size()};
          },
          ward::arg_names{"name"})
      .command(
          "add", [](std::int64_t a, std::int64_t b) { return a + b; }, ward::arg_names{"a", "b"})
      .command(
          "increment", [](ward::State<Counter> counter, std::int64_t by) { return counter->increment(by); },
          ward::arg_names{"by"})
      .command("checksum", [](std::span<const std::byte> data) {
        // Answers raw bytes: the 32-bit sum of the input, little-endian.
        const std::uint32_t sum = std::accumulate(data.begin(), data.end(), std::uint32_t{0},
                                                  [](std::uint32_t acc, std::byte b) { return acc + std::to_integer<std::uint32_t>(b); });
        return ward::Bytes{std::byte(sum & 0xff), std::byte((sum >> 8) & 0xff), std::byte((sum >> 16) & 0xff),
                           std::byte(sum >> 24)};
      });
  auto built = builder.build();
  if (!built) {
    std::fprintf(stderr, "could not build the app: %s\n", built.error().message().c_str());
    return 1;
  }
  const ward::App app = std::move(built).assume_value();

  print("greet {name: \"ward\"}", send(app, "greet", R"({"name":"ward"})"));
  print("add {a: 2, b: 40}", send(app, "add", R"({"a":2,"b":40})"));
  print("increment {by: 1}", send(app, "increment", R"({"by":1})"));
  print("increment {by: 41}", send(app, "increment", R"({"by":41})"));
  const std::string bytes("\x01\x02\x03\xff", 4);
  print("checksum <01 02 03 ff>", send(app, "checksum", bytes, "application/octet-stream"));
  print("add {a: \"two\"}", send(app, "add", R"({"a":"two","b":1})"));
  print("nope {}", send(app, "nope", "{}"));
  return 0;
}
