// Fuzzes the whole request path: envelope reading (both forms), limits, argument decoding into
// every codec type, handler dispatch and response encoding. Whatever the input, ward must answer
// exactly once with valid UTF-8 JSON (or raw bytes for a raw answer) and never crash or leak.
//
// Built two ways: with clang's -fsanitize=fuzzer as a libFuzzer target (WARD_BUILD_FUZZERS), and
// always as `ward_fuzz_replay`, which feeds the seed corpus plus deterministic mutations of it
// through the same entry point so every CTest run exercises it.
#include <ward/ward.hpp>

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Item {
  std::string name;
  std::optional<std::int16_t> count;
  std::vector<double> weights;
  std::map<std::string, bool> flags;
};

} // namespace

WARD_DESCRIBE(Item, name, count, weights, flags);

namespace {

const ward::App &fuzz_app() {
  static const ward::App app = [] {
    ward::AppBuilder builder;
    builder.limits(ward::Limits{.max_body_bytes = 1 << 16,
                                .max_depth = 32,
                                .max_string_bytes = 4096,
                                .max_array_length = 1024,
                                .max_object_keys = 256});
    builder.command("item", [](Item item) { return item; }, ward::arg_names{"item"});
    builder.command(
        "numbers", [](std::vector<std::int64_t> n, std::uint8_t small) { return n.size() + small; },
        ward::arg_names{"n", "small"});
    builder.command(
        "text", [](std::string_view text, std::optional<float> scale) { return std::string(text) + (scale ? "!" : ""); },
        ward::arg_names{"text", "scale"});
    builder.command("raw", [](std::span<const std::byte> bytes) { return ward::Bytes(bytes.begin(), bytes.end()); });
    builder.command("any", [](ward::JsonValue value) { return value; }, ward::arg_names{"value"});
    builder.command("throws", [](int n) -> int { if (n > 0) throw std::runtime_error("x"); return n; },
                    ward::arg_names{"n"});
    // ward denies what no capability grants: without this, every input would stop at the ACL
    // and nothing past it (argument decoding, handlers, answers) would be fuzzed.
    builder.capability(ward::acl::Source{"fuzz.json", R"({"identifier":"fuzz","windows":["main"],"permissions":[
        "allow-item","allow-numbers","allow-text","allow-raw","allow-any","allow-throws"]})",
                                         ward::acl::Format::json});
    auto built = builder.build();
    if (!built) std::abort();
    return std::move(built).assume_value();
  }();
  return app;
}

/// How often each answer came back. The CTest replay sets WARD_FUZZ_REQUIRE_EVERY_RULE, so a
/// target that stopped reaching the commands (every answer "not allowed", say) fails instead of
/// passing.
struct AnswerCounts {
  static constexpr std::array<ward::errc, 6> required{ward::errc::ok,          ward::errc::invalid_args,
                                                      ward::errc::invalid_request, ward::errc::invalid_invoke_key,
                                                      ward::errc::unknown_command, ward::errc::internal};
  std::map<ward::errc, std::size_t> counts;
  ~AnswerCounts() {
    if (!std::getenv("WARD_FUZZ_REQUIRE_EVERY_RULE")) return;
    for (const auto code : required) {
      std::fprintf(stderr, "%s: %zu\n", std::string(ward::errc_name(code)).c_str(), counts[code]);
      if (counts[code] == 0) {
        std::fprintf(stderr, "no input was answered %s\n", std::string(ward::errc_name(code)).c_str());
        std::_Exit(1);
      }
    }
  }
} answer_counts;

void check_response(const ward::Response &response) {
  ++answer_counts.counts[response.code];
  if (response.kind == ward::BodyKind::raw) {
    if (!response.ok()) std::abort(); // only successful raw answers are raw
    return;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  if (parser.parse(response.body.data(), response.body.size()).get(element) != simdjson::SUCCESS) std::abort();
  if (std::string_view(response.body.data(), response.body.size()).find("\xe2\x80\xa8") != std::string_view::npos)
    std::abort();
}

constexpr std::string_view commands[] = {"item", "numbers", "text", "raw", "any", "throws", "nope", "plugin%3Ax%7Cy"};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 2) return 0;
  const ward::App &app = fuzz_app();
  const std::uint8_t selector = data[0];
  const std::string_view payload(reinterpret_cast<const char *>(data + 1), size - 1);

  if (selector & 0x80) {
    // postMessage form: the payload is the whole message; the key is spliced in when asked for.
    std::string message(payload);
    if (selector & 0x40) {
      const auto at = message.find("KEY");
      if (at != std::string::npos) message.replace(at, 3, app.invoke_key());
    }
    check_response(app.invoke(ward::MessageRequest{"tauri://localhost", "main", "main", message}));
    return 0;
  }
  const std::string url = "ipc://localhost/" + std::string(commands[selector % std::size(commands)]);
  const bool raw = selector & 0x10;
  const std::string key = selector & 0x20 ? std::string("wrong") : std::string(app.invoke_key());
  const ward::Header headers[] = {{"Content-Type", raw ? "application/octet-stream" : "application/json"},
                                  {"Tauri-Callback", "1"},
                                  {"Tauri-Error", "2"},
                                  {"Tauri-Invoke-Key", key}};
  check_response(app.invoke(ward::Request{url, "tauri://localhost", "main", "main", headers,
                                          std::as_bytes(std::span(payload.data(), payload.size()))}));
  return 0;
}
