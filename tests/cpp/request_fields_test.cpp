// The fast paths of reading a custom-protocol request give the answers of the general paths they
// short-cut, on the inputs where the two could part: callback ids of every length around the
// 8-byte chunks, URLs with Tauri's prefixes and without, percent-encoding, queries and fragments,
// labels with non-ASCII bytes, and invoke keys that differ in one byte anywhere.
#include "support.hpp"

#include "ipc/invoke_key.hpp"
#include "ipc/request_fields.hpp"
#include "name_bytes.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <vector>

#include <simdjson.h>

using namespace ward_test;

namespace {

/// What a callback-id header means, by its definition: the text between spaces and tabs is an
/// unsigned 32-bit decimal, as std::from_chars reads it.
bool callback_id_by_definition(std::string_view text, std::uint32_t &out) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return false;
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return false;
  out = value;
  return true;
}

std::vector<std::string> callback_id_inputs() {
  std::vector<std::string> inputs = {"",           " ",           "\t",          "0",          "7",
                                     "12345678",   "3181223012",  "2894133745",  "4294967295", "4294967296",
                                     "9999999999", "10000000000", "99999999999", "00000000",   "000000000",
                                     "0000000000004294967295",    "0000000000004294967296",    " \t42 ",
                                     " 3181223012", "3181223012\t", "-1",         "+1",         "1 2",
                                     "0x10",       "\xef\xbc\x91", "12345678x",  "1234567x9",  "1234567890123456",
                                     "0000000000000001", "00000000000000001", "4294967295 ", "04294967295"};
  // Every length from 1 to 20 digits, with and without leading zeros, at and beyond 32 bits.
  for (std::size_t length = 1; length <= 20; ++length) {
    inputs.push_back(std::string(length, '9'));
    inputs.push_back(std::string(length, '0'));
    inputs.push_back(std::string(length - 1, '0') + "1");
    inputs.push_back(std::string(length > 10 ? length - 10 : 0, '0') + std::string("4294967295").substr(0, length));
    inputs.push_back(std::string(length > 10 ? length - 10 : 0, '0') + std::string("4294967296").substr(0, length));
    std::string digits;
    for (std::size_t i = 0; i < length; ++i) digits += static_cast<char>('1' + i % 9);
    inputs.push_back(digits);
    // One wrong byte at each position, including the neighbours of '0' and '9' and bytes that
    // carry into the next one in the chunk arithmetic.
    for (std::size_t at = 0; at < length; ++at) {
      for (const char wrong : {'/', ':', ' ', '\t', '\0', static_cast<char>(0xB0), static_cast<char>(0xF9), 'a'}) {
        std::string broken = digits;
        broken[at] = wrong;
        inputs.push_back(broken);
      }
    }
  }
  return inputs;
}

} // namespace

TEST_CASE("callback ids: the fast parser answers as the general one and as std::from_chars") {
  for (const auto &input : callback_id_inputs()) {
    INFO('"' << input << '"');
    std::uint32_t fast = 0xDEADBEEF;
    std::uint32_t general = 0xDEADBEEF;
    std::uint32_t defined = 0xDEADBEEF;
    const bool fast_ok = ward::detail::parse_callback_id(input, fast);
    const bool general_ok = ward::detail::parse_callback_id_general(input, general);
    const bool defined_ok = callback_id_by_definition(input, defined);
    CHECK(fast_ok == defined_ok);
    CHECK(general_ok == defined_ok);
    CHECK(fast == defined); // untouched (0xDEADBEEF) when refused
    CHECK(general == defined);
  }
  std::uint32_t value = 0;
  CHECK(ward::detail::parse_callback_id("3181223012", value));
  CHECK(value == 3181223012u);
  CHECK(ward::detail::parse_callback_id("0000000004294967295", value));
  CHECK(value == 4294967295u);
  CHECK_FALSE(ward::detail::parse_callback_id("0000004294967296", value));
}

namespace {

struct CommandAnswer {
  bool ok = false;
  std::string text; ///< the command, or the error message
  bool operator==(const CommandAnswer &) const = default;
};

CommandAnswer answer(const ward::result<std::string_view> &command) {
  if (command) return {true, std::string(command.value())};
  return {false, command.error().message()};
}

std::vector<std::string> command_urls() {
  const std::vector<std::string> prefixes = {"ipc://localhost/",  "http://ipc.localhost/", "ipc://localhost",
                                             "ipc://localhos/",   "ipc://localhostt/",     "IPC://localhost/",
                                             "ipc://localhost//", "http://ipc.localhost",  "https://ipc.localhost/",
                                             "http://ipc.localhos/", "/",                 "",
                                             "ipc://127.0.0.1/",  "ipc://localhost?/",     "ipc://localhost#/",
                                             "ipc:/localhost/",   "http://ipc.localhost/x/"};
  const std::vector<std::string> names = {"add",
                                          "plugin:demo|ping",
                                          "plugin%3Ademo%7Cping",
                                          "plugin%3ademo%7cping",
                                          "add?x=1",
                                          "add?",
                                          "add#frag",
                                          "add#",
                                          "?next=ipc://host/secret",
                                          "#/secret",
                                          "a%",
                                          "a%4",
                                          "a%41",
                                          "%41",
                                          "a%zz",
                                          "a%4g",
                                          "add%00",
                                          "add%2F",
                                          "add%3F",
                                          "",
                                          "a/b",
                                          "a b",
                                          "a.b-c_d:e|f",
                                          "\xc3\xa4",
                                          "add\xc3\xa4",
                                          std::string(256, 'x'),
                                          std::string(257, 'x'),
                                          std::string(255, 'x') + "%41",
                                          std::string(256, 'x') + "%41",
                                          std::string(256, 'x') + "?x"};
  std::vector<std::string> urls;
  for (const auto &prefix : prefixes)
    for (const auto &name : names) urls.push_back(prefix + name);
  return urls;
}

} // namespace

TEST_CASE("command: the fast path answers as the general decoder, and is taken for Tauri's own URLs") {
  for (const auto &url : command_urls()) {
    INFO(url);
    std::array<char, ward::CommandName::max_length> fast_buffer{};
    std::array<char, ward::CommandName::max_length> general_buffer{};
    std::string_view read;
    const auto read_status = ward::detail::read_command(url, fast_buffer, read);
    const auto fast = read_status ? ward::result<std::string_view>(read) : ward::result<std::string_view>(read_status.error());
    const auto general = ward::detail::decode_command_general(url, general_buffer);
    CHECK(answer(fast) == answer(general));
    std::string_view plain;
    if (ward::detail::plain_command(url, plain)) {
      // A view into the URL itself: its end is the URL's end.
      CHECK(plain.data() + plain.size() == url.data() + url.size());
      CHECK(general.has_value());
    }
  }
  for (const std::string url : {"ipc://localhost/add", "http://ipc.localhost/plugin:demo|ping"}) {
    INFO(url);
    std::string_view plain;
    CHECK(ward::detail::plain_command(url, plain));
  }
  for (const std::string url : {"ipc://localhost/add?x", "ipc://localhost/plugin%3Ademo", "/add", "ipc://localhost/"}) {
    INFO(url);
    std::string_view plain;
    CHECK_FALSE(ward::detail::plain_command(url, plain));
  }
}

namespace {

/// Tauri's label rule as ward states it: 1..256 bytes; ASCII letters, digits and `- / : _`;
/// bytes >= 0x80 only as part of valid UTF-8.
bool label_by_definition(std::string_view label) {
  if (label.empty() || label.size() > 256) return false;
  bool ascii = true;
  for (const char c : label) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      ascii = false;
    } else if (!((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
                 u == '/' || u == ':' || u == '_')) {
      return false;
    }
  }
  return ascii || simdjson::validate_utf8(label.data(), label.size());
}

} // namespace

TEST_CASE("labels: the ASCII fast path accepts exactly what the rule accepts") {
  std::vector<std::string> labels = {"",          "main",      "Main-2/x:y_z", "main window", "fen\xc3\xaatre",
                                     "ma\xffin",  "\xc3\xa9 ", "\xc3\xa9!",    " \xc3\xa9",   "\xc3",
                                     "a\xc3",     "\xe2\x82\xac", "\xed\xa0\x80", std::string(256, 'a'),
                                     std::string(257, 'a'), std::string(255, 'a') + "\xc3\xa9",
                                     std::string(254, 'a') + "\xc3\xa9"};
  for (int c = 0; c < 256; ++c) {
    const char byte = static_cast<char>(c);
    labels.push_back(std::string(1, byte));
    labels.push_back("ma" + std::string(1, byte) + "in");
    labels.push_back("\xc3\xa9" + std::string(1, byte));
    labels.push_back(std::string(1, byte) + "\xc3\xa9");
  }
  for (const auto &label : labels) {
    INFO('"' << label << '"');
    CHECK(ward::Label::is_valid(label) == label_by_definition(label));
    // The request path's inline check only ever accepts, and accepts every ASCII label.
    const bool ascii = std::all_of(label.begin(), label.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    CHECK(ward::detail::is_plain_ascii_label(label) == (ascii && label_by_definition(label)));
  }
}

namespace {

/// The command-name rule as ward states it: 1..256 bytes of ASCII letters, digits and `_ - . : |`.
bool command_name_by_definition(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_-.:|").find(c) != std::string_view::npos;
  });
}

} // namespace

TEST_CASE("command names: the inline check and is_valid_command_name accept exactly what the rule accepts") {
  std::vector<std::string> names = {"", "add", "plugin:demo|ping", "a.b-c_d", std::string(256, 'a'),
                                    std::string(257, 'a'), std::string(255, 'a') + "/"};
  for (int c = 0; c < 256; ++c) {
    const char byte = static_cast<char>(c);
    names.push_back(std::string(1, byte));
    names.push_back("ad" + std::string(1, byte) + "d");
    names.push_back(std::string(255, 'a') + std::string(1, byte));
  }
  for (const auto &name : names) {
    INFO('"' << name << '"');
    CHECK(ward::detail::is_valid_command_name_inline(name) == command_name_by_definition(name));
    CHECK(ward::is_valid_command_name(name) == command_name_by_definition(name));
  }
}

TEST_CASE("labels: a webview label equal to the window's is checked once, a different one on its own") {
  ward::AppBuilder builder;
  builder.command("ping", [] { return std::string("pong"); });
  const auto app = build(builder);
  const auto invoke_with = [&](std::string window, std::string webview) {
    TauriRequest request{.url = "ipc://localhost/ping", .key = std::string(app.invoke_key()),
                         .window = std::move(window), .webview = std::move(webview)};
    return app.invoke(request.build());
  };
  CHECK(invoke_with("main", "main").ok()); // equal text in two buffers
  CHECK(body(invoke_with("main", "side panel")) == R"("invalid webview label")");
  CHECK(body(invoke_with("main window", "main window")) == R"("invalid window label")");
  CHECK(body(invoke_with("main", "ma\xffin")) == R"("invalid webview label")");
  CHECK(body(invoke_with("main", "")) == R"("invalid webview label")");
}

TEST_CASE("invoke key: every byte counts, at every length and position") {
  for (std::size_t size = 0; size <= 72; ++size) {
    std::string expected;
    for (std::size_t i = 0; i < size; ++i) expected += "0123456789abcdef"[(i * 7 + 3) % 16];
    INFO(size);
    CHECK(ward::detail::invoke_key_matches(expected, expected));
    CHECK(ward::detail::invoke_key_matches(expected, std::string(expected)));
    CHECK_FALSE(ward::detail::invoke_key_matches(expected, expected + "0"));
    if (size > 0) CHECK_FALSE(ward::detail::invoke_key_matches(expected, expected.substr(0, size - 1)));
    for (std::size_t at = 0; at < size; ++at) {
      for (const unsigned char flip : {0x01, 0x20, 0x80}) {
        std::string provided = expected;
        provided[at] = static_cast<char>(static_cast<unsigned char>(provided[at]) ^ flip);
        INFO("byte " << at << " flipped by " << int(flip));
        CHECK_FALSE(ward::detail::invoke_key_matches(expected, provided));
      }
    }
  }
}

TEST_CASE("invoke key: a real key refuses a guess that differs in the last byte only") {
  ward::AppBuilder builder;
  builder.command("ping", [] { return std::string("pong"); });
  const auto app = build(builder);
  std::string guess(app.invoke_key());
  REQUIRE(guess.size() == 64);
  guess.back() = guess.back() == '0' ? '1' : '0';
  TauriRequest request{.url = "ipc://localhost/ping", .key = guess};
  const auto response = app.invoke(request.build());
  CHECK(response.code == ward::errc::invalid_invoke_key);
  CHECK(body(response) == R"("invalid invoke key")");
}
