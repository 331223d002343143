#pragma once
// What the benchmarks share: the app under test, requests shaped exactly as a Tauri v2 page
// sends them over the custom protocol, and the JSON documents they carry.

#include <ward/ward.hpp>

#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ward_bench {

/// The command of the small-invoke benchmark; the baseline calls this very object directly.
inline constexpr auto add = [](std::int64_t a, std::int64_t b) { return a + b; };

/// The command of the decode benchmark: the vector arrives decoded, the answer is tiny, so the
/// measurement is the decode.
inline constexpr auto count_values = [](std::vector<double> values) { return values.size(); };

/// A command whose JSON answer is too long for the small-string buffer, so the response body
/// must come from the heap: the one allocation an invoke cannot avoid.
inline constexpr auto describe = [](std::string_view name) {
  return name == "ward" ? std::string_view("an embeddable backend core for webview apps")
                        : std::string_view("something else entirely, and longer than fifteen bytes");
};

inline constexpr std::string_view small_body = R"({"a":1,"b":2})";

inline ward::App make_app() {
  ward::AppBuilder builder;
  builder.command("add", add, ward::arg_names{"a", "b"});
  builder.command("count_values", count_values, ward::arg_names{"values"});
  builder.command("describe", describe, ward::arg_names{"name"});
  // ward denies every command no capability grants; the page's window gets these three, as a
  // Tauri app's capabilities/default.json would grant them.
  builder.capability(ward::acl::Source{
      "bench-capability.json",
      R"({"identifier":"bench","windows":["main"],"permissions":["allow-add","allow-count-values","allow-describe"]})",
      ward::acl::Format::json});
  auto built = builder.build();
  if (!built) throw std::runtime_error("cannot build the benchmark app: " + built.error().message());
  return std::move(built).assume_value();
}

/// A custom-protocol request as a Tauri v2 page sends it. Owns everything the Request views.
class TauriRequest {
public:
  TauriRequest(const ward::App &app, std::string url, std::string body)
      : url_(std::move(url)), body_(std::move(body)), key_(app.invoke_key()) {
    headers_ = {ward::Header{"Content-Type", "application/json"}, ward::Header{"Tauri-Callback", "3181223012"},
                ward::Header{"Tauri-Error", "2894133745"}, ward::Header{"Tauri-Invoke-Key", key_}};
  }
  TauriRequest(const TauriRequest &) = delete; // the Request points into this object
  TauriRequest &operator=(const TauriRequest &) = delete;

  [[nodiscard]] ward::Request request() const {
    return ward::Request{url_, "tauri://localhost", "main", "main", headers_,
                         std::as_bytes(std::span(body_.data(), body_.size()))};
  }
  [[nodiscard]] const std::string &body() const noexcept { return body_; }

private:
  std::string url_;
  std::string body_;
  std::string key_;
  std::array<ward::Header, 4> headers_;
};

/// Why a benchmark cannot run: ward's answer to its warm-up request was not the expected one.
inline std::string wrong_answer(std::string_view what, const ward::Response &response) {
  std::string message("ward answered the ");
  message += what;
  message += " wrongly: ";
  message += ward::errc_name(response.code);
  message += ' ';
  message += std::string_view(response.body);
  return message;
}

/// How the numbers of the decode benchmark look.
enum class NumberShape : int {
  full_precision = 0, ///< shortest round-trip doubles, ~18 characters: -512.3456789012345
  short_decimal = 1,  ///< three decimals, as sensors and prices send them: 23.451
};

/// A JSON array of numbers of about `target_bytes` characters (never more), seeded so every
/// run decodes the same text.
inline std::string number_array(std::size_t target_bytes, NumberShape shape, std::size_t *count = nullptr) {
  std::mt19937_64 random(20240601);
  std::uniform_real_distribution<double> value(-1000.0, 1000.0);
  std::string text = "[";
  text.reserve(target_bytes);
  std::size_t values = 0;
  char number[64];
  for (;;) {
    double x = value(random);
    std::to_chars_result written{};
    if (shape == NumberShape::full_precision) {
      written = std::to_chars(number, number + sizeof number, x);
    } else {
      written = std::to_chars(number, number + sizeof number, x, std::chars_format::fixed, 3);
    }
    const std::size_t length = static_cast<std::size_t>(written.ptr - number);
    if (text.size() + 1 + length + 1 > target_bytes) break; // separator and the closing bracket
    if (values > 0) text += ',';
    text.append(number, length);
    ++values;
  }
  text += ']';
  if (count) *count = values;
  return text;
}

/// The body of a `count_values` call: {"values":[...]} of about `target_bytes` in all.
inline std::string values_body(std::size_t target_bytes, NumberShape shape, std::size_t *count = nullptr) {
  constexpr std::string_view prefix = R"({"values":)";
  return std::string(prefix) + number_array(target_bytes - prefix.size() - 1, shape, count) + "}";
}

} // namespace ward_bench
