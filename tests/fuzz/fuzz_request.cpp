// Differential fuzzing of the custom-protocol envelope: the fuzz input chooses a request's URL,
// header names and values, labels, origin and body, and an independent model of the documented
// rules (written here from the README and the header docs, sharing no code with src/ipc)
// predicts the answer's code and callback ids. The request path has fast paths for the shapes
// Tauri sends (word-at-a-time header names, 8-digit id parsing, plain URLs, ASCII labels); any
// input on which they part from the rules aborts.
//
// Input: two flag bytes, then fields separated by '\n': URL path, Tauri-Callback, Tauri-Error,
// Content-Type, window label, webview label, origin, header-name spelling, body.
#include <ward/ward.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

const ward::App &fuzz_app() {
  static const ward::App app = [] {
    ward::AppBuilder builder;
    builder.command("echo", [](std::optional<std::int64_t> value) { return value.value_or(-1); },
                    ward::arg_names{"value"});
    builder.capability(ward::acl::Source{
        "fuzz.json", R"({"identifier":"fuzz","windows":["*"],"webviews":["*"],"permissions":["allow-echo"]})",
        ward::acl::Format::json});
    auto built = builder.build();
    if (!built) std::abort();
    return std::move(built).assume_value();
  }();
  return app;
}

/// How often each rule decided an answer. The CTest replay sets WARD_FUZZ_REQUIRE_EVERY_RULE, so a
/// model that stopped reaching a rule (every answer "not allowed", say) fails instead of passing.
enum Rule { key_rule, id_rule, label_rule, undecoded_url, name_rule, type_rule, args_rule, other_command, answered, rules };
constexpr std::array<const char *, rules> rule_names{"invoke key", "callback id", "labels", "undecoded URL", "command name",
                                                     "content type", "arguments", "other command", "echo answered"};
struct RuleCounts {
  std::array<std::size_t, rules> counts{};
  ~RuleCounts() {
    if (!std::getenv("WARD_FUZZ_REQUIRE_EVERY_RULE")) return;
    for (std::size_t rule = 0; rule < rules; ++rule) {
      std::fprintf(stderr, "%s: %zu\n", rule_names[rule], counts[rule]);
      if (counts[rule] == 0) {
        std::fprintf(stderr, "no input reached the rule \"%s\"\n", rule_names[rule]);
        std::_Exit(1);
      }
    }
  }
} rule_counts;

[[noreturn]] void mismatch(const char *what, const ward::Response &response, int expected) {
  std::fprintf(stderr, "request model mismatch: %s (got %s %u/%u, expected %d)\n", what,
               std::string(ward::errc_name(response.code)).c_str(), response.callback_id, response.error_id, expected);
  std::abort();
}

// --- the model -----------------------------------------------------------------------------------

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

/// An unsigned 32-bit decimal, leading zeros and surrounding blanks allowed.
std::optional<std::uint32_t> callback_id(std::string_view text) {
  text = trim_blanks(text);
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > UINT32_MAX) return std::nullopt;
  }
  return static_cast<std::uint32_t>(value);
}

/// The first header of that name, compared ASCII case-insensitively.
std::optional<std::string_view> header(std::span<const ward::Header> headers, std::string_view name) {
  for (const auto &entry : headers)
    if (same_name(entry.name, name)) return entry.value;
  return std::nullopt;
}

enum class BodyType { json, raw, unsupported };

BodyType body_type(std::optional<std::string_view> content_type) {
  if (!content_type) return BodyType::json;
  std::string_view media = *content_type;
  media = trim_blanks(media.substr(0, media.find(';')));
  if (media.empty() || same_name(media, "application/json")) return BodyType::json;
  if (same_name(media, "application/octet-stream")) return BodyType::raw;
  return BodyType::unsupported;
}

/// The command of a URL the model understands (a Tauri prefix and a path with nothing to
/// decode); nullopt for other URLs, whose command the model does not predict.
std::optional<std::string_view> plain_path(std::string_view url) {
  for (const std::string_view prefix : {std::string_view("ipc://localhost/"), std::string_view("http://ipc.localhost/")}) {
    if (!url.starts_with(prefix)) continue;
    const std::string_view path = url.substr(prefix.size());
    if (path.find_first_of("%?#/") != std::string_view::npos) return std::nullopt;
    return path;
  }
  return std::nullopt;
}

// --- building the request ------------------------------------------------------------------------

/// A header name as a page or host might spell it: `edits` holds (operation, byte) pairs that
/// change its case, flip one letter's case, or put a near miss in place of a character (one that
/// only a wrong case fold would accept: '@' and '`', '[' and '{' also differ by the case bit).
std::string spell(std::string_view name, std::string_view edits) {
  std::string spelled(name);
  for (std::size_t at = 0; at + 1 < edits.size() && at < 4; at += 2) {
    const auto operation = static_cast<std::uint8_t>(edits[at]);
    const std::size_t position = (operation >> 2) % spelled.size();
    switch (operation & 3) {
    case 0: break;
    case 1:
      for (auto &c : spelled) c = c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
      break;
    case 2: spelled[position] = static_cast<char>(spelled[position] ^ 0x20); break;
    default: spelled[position] = edits[at + 1]; break;
    }
  }
  return spelled;
}

std::vector<std::string_view> split_fields(std::string_view text, std::size_t count) {
  std::vector<std::string_view> fields;
  while (fields.size() + 1 < count) {
    const auto end = text.find('\n');
    if (end == std::string_view::npos) break;
    fields.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  fields.push_back(text);
  fields.resize(count);
  return fields;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  if (size < 2 || size > 20000) return 0;
  const ward::App &app = fuzz_app();
  const std::uint8_t flags = data[0];
  const std::uint8_t more = data[1];
  const auto fields = split_fields(std::string_view(reinterpret_cast<const char *>(data + 2), size - 2), 9);

  static constexpr std::array<std::string_view, 4> prefixes{"ipc://localhost/", "http://ipc.localhost/", "",
                                                            "ipc://localhost/"};
  const std::string url = std::string(prefixes[flags & 3]) + std::string(fields[0]);
  const std::string key(app.invoke_key());
  std::string sent_key = key;
  switch ((flags >> 5) & 3) {
  case 0: break;
  case 1: sent_key[more % sent_key.size()] ^= static_cast<char>(1 + (more >> 4)); break; // same length
  case 2: break;                                                                          // not sent
  default: sent_key += ' '; break;
  }
  // Each name takes its own four bytes of the spelling field, when flag 0x80 asks for spellings.
  const std::string_view spelling = (flags & 0x80) ? fields[7] : std::string_view();
  const auto edits_of = [&](std::size_t name) { return spelling.substr(std::min(spelling.size(), name * 4), 4); };
  const std::vector<std::string> names{spell("Tauri-Invoke-Key", edits_of(0)), spell("Tauri-Callback", edits_of(1)),
                                       spell("Tauri-Error", edits_of(2)), spell("Content-Type", edits_of(3))};
  std::vector<ward::Header> headers;
  if (((flags >> 5) & 3) != 2) headers.push_back({names[0], sent_key});
  if (flags & 0x04) headers.push_back({names[1], fields[1]});
  if (flags & 0x08) headers.push_back({names[2], fields[2]});
  if (flags & 0x10) headers.push_back({names[3], fields[3]});
  if (more & 0x08) headers.push_back({"Tauri-Callback", "7"}); // a second one: the first counts
  if (more & 0x20) headers.push_back({"X-Other", "1"});

  static constexpr std::array<std::string_view, 8> bodies{"", " \t", "{}", "null", "[1]", R"({"value":41})", "",
                                                          R"({"value":"x"})"};
  const std::string_view body = (more & 7) == 6 ? fields[8] : bodies[more & 7];
  const std::string_view window = fields[4];
  const std::string_view webview = (more & 0x10) ? window : fields[5];
  const std::string_view origin = fields[6].empty() ? std::string_view("tauri://localhost") : fields[6];

  const auto response = app.invoke(ward::Request{url, origin, window, webview, headers,
                                                 std::as_bytes(std::span(body.data(), body.size()))});

  // What the rules say, in the order the README gives them.
  const auto callback = header(headers, "Tauri-Callback");
  const auto error = header(headers, "Tauri-Error");
  const auto expected_callback = callback ? callback_id(*callback) : std::uint32_t{0};
  const auto expected_error = error ? callback_id(*error) : std::uint32_t{0};
  // The ids read are carried by every answer, even a refusal (0 for one that is invalid).
  if (response.callback_id != expected_callback.value_or(0) || response.error_id != expected_error.value_or(0))
    mismatch("callback ids", response, static_cast<int>(expected_callback.value_or(0)));
  const auto expect = [&](ward::errc code, const char *what) {
    if (response.code != code) mismatch(what, response, static_cast<int>(code));
    return 0;
  };
  const auto provided_key = header(headers, "Tauri-Invoke-Key");
  const auto decided = [&](Rule rule, ward::errc code, const char *what) {
    ++rule_counts.counts[rule];
    return expect(code, what);
  };
  if (!provided_key || *provided_key != key) return decided(key_rule, ward::errc::invalid_invoke_key, "invoke key");
  if (!expected_callback || !expected_error) return decided(id_rule, ward::errc::invalid_request, "callback id");
  if (!ward::Label::is_valid(window) || (webview != window && !ward::Label::is_valid(webview)) || origin.size() > 8192)
    return decided(label_rule, ward::errc::invalid_request, "labels or origin");
  const auto command = plain_path(url);
  if (!command) {
    // The model does not decode URLs; whatever the answer, the checks above came first.
    if (response.code == ward::errc::invalid_invoke_key) mismatch("URL after the key", response, -1);
    ++rule_counts.counts[undecoded_url];
    return 0;
  }
  if (!ward::CommandName::parse(*command)) return decided(name_rule, ward::errc::invalid_request, "command name");
  const BodyType type = body_type(header(headers, "Content-Type"));
  if (type == BodyType::unsupported) return decided(type_rule, ward::errc::invalid_request, "content type");
  const bool fuzzed_body = (more & 7) == 6;
  if (type == BodyType::json && fuzzed_body) return 0; // the JSON itself is fuzz_invoke's business
  if (type == BodyType::json && body == "[1]") return decided(args_rule, ward::errc::invalid_args, "non-object arguments");
  if (*command != "echo") {
    if (response.code != ward::errc::unknown_command && response.code != ward::errc::not_allowed)
      mismatch("another command", response, static_cast<int>(ward::errc::unknown_command));
    ++rule_counts.counts[other_command];
    return 0;
  }
  // The capability grants echo to every window and webview of the app's own pages; which other
  // origins count as the app's is the ACL's business (tests/cpp/acl_*), so the model leaves them.
  if (response.code == ward::errc::not_allowed && origin != "tauri://localhost") return 0;
  if (type == BodyType::json && body == R"({"value":"x"})") return decided(args_rule, ward::errc::invalid_args, "wrong type");
  decided(answered, ward::errc::ok, "echo");
  const std::string_view answer(response.body.data(), response.body.size());
  const bool has_value = type == BodyType::json && body == R"({"value":41})";
  if (answer != (has_value ? "41" : "-1")) mismatch("echo's answer", response, has_value ? 41 : -1);
  return 0;
}
