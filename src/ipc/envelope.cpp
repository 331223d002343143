#include "try.hpp"
#include "ipc/envelope.hpp"

#include "ipc/invoke_key.hpp"
#include "ipc/request_fields.hpp"
#include "name_bytes.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <string>

namespace ward::detail {
namespace {

constexpr std::size_t max_origin_bytes = 8192;
constexpr std::string_view empty_object_text = "{}";

char ascii_lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

[[gnu::noinline]] bool iequals_folded(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

/// ASCII case-insensitive equality. Inline, with the exact comparison first: hosts and pages
/// nearly always send the canonical spelling, and `b` is a literal of known length here.
inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  return std::memcmp(a.data(), b.data(), a.size()) == 0 || iequals_folded(a, b);
}

/// The error builders are out of line and cold, so the hot path carries no string building.
[[gnu::cold, gnu::noinline]] Error bad_callback_id(std::string_view name) {
  return bad_request("invalid `" + std::string(name) + "` header: expected an unsigned 32-bit integer");
}

[[gnu::cold, gnu::noinline]] Error bad_invoke_key() { return Error(errc::invalid_invoke_key, "invalid invoke key"); }

/// The headers the envelope reads, found in one pass; null when absent. (Pointers rather than
/// optionals: four of them are zeroed with two stores, where 96 bytes of optionals took a
/// `rep stos` that cost more than the scan.)
struct KnownHeaders {
  const Header *content_type = nullptr;
  const Header *callback = nullptr;
  const Header *error = nullptr;
  const Header *invoke_key = nullptr;
};

constexpr auto content_type_name = fast::folded_name("Content-Type");
constexpr auto callback_name = fast::folded_name("Tauri-Callback");
constexpr auto error_name = fast::folded_name("Tauri-Error");
constexpr auto invoke_key_name = fast::folded_name("Tauri-Invoke-Key");
constexpr auto json_media_type = fast::folded_name("application/json");

/// Inlined into its callers: returned from a call, the four pointers went through memory and
/// back.
[[gnu::always_inline]] inline KnownHeaders scan_headers(std::span<const Header> headers) noexcept {
  // The four names differ in length, so each header costs one size switch and at most one
  // comparison (two words, exact or ASCII-folded). Walked from the last: a later match is
  // overwritten by an earlier one, so each pointer ends on the first header of its name with no
  // test per header of whether one was found already.
  KnownHeaders known;
  for (auto header = headers.rbegin(); header != headers.rend(); ++header) {
    const char *name = header->name.data();
    switch (header->name.size()) {
    case 12:
      if (fast::same_name(name, content_type_name)) known.content_type = &*header;
      break;
    case 14:
      if (fast::same_name(name, callback_name)) known.callback = &*header;
      break;
    case 11:
      if (fast::same_name(name, error_name)) known.error = &*header;
      break;
    case 16:
      if (fast::same_name(name, invoke_key_name)) known.invoke_key = &*header;
      break;
    default: break;
    }
  }
  return known;
}

/// Reads an optional callback-id header into `out`: 0 when absent or invalid. False if present
/// but invalid.
bool read_callback_id(const Header *header, std::uint32_t &out) noexcept {
  out = 0;
  return !header || parse_callback_id(header->value, out);
}

/// Equal bytes; the same pointer is checked first, as a host often passes one label for both.
bool same_text(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && (a.data() == b.data() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

/// Label::is_valid, with the ASCII labels hosts send ("main") checked inline.
bool is_valid_label(std::string_view label) noexcept { return is_plain_ascii_label(label) || Label::is_valid(label); }

/// The message of the first problem with the labels or the origin; null when there is none. A
/// plain pointer rather than a result<void>, so the usual answer comes back in a register.
const char *label_problem(std::string_view origin, std::string_view window, std::string_view webview) noexcept {
  if (!is_valid_label(window)) return "invalid window label";
  // Tauri names a window's main webview after the window, so the second check is usually the
  // first one again.
  if (!same_text(webview, window) && !is_valid_label(webview)) return "invalid webview label";
  if (origin.size() > max_origin_bytes) return "origin URL is too long";
  return nullptr;
}

result<void> read_labels(std::string_view origin, std::string_view window, std::string_view webview,
                         Envelope &envelope) {
  if (const char *problem = label_problem(origin, window, webview)) return bad_request(problem);
  envelope.origin = origin;
  envelope.window = window;
  envelope.webview = webview;
  return success();
}

result<void> check_key(std::string_view expected, std::optional<std::string_view> provided) {
  if (!provided || !invoke_key_matches(expected, *provided)) return bad_invoke_key();
  return success();
}

[[gnu::cold, gnu::noinline]] Error args_not_object() {
  return Error(errc::invalid_args, "invalid args: the arguments must be a JSON object");
}

void use_no_args(Envelope &envelope) {
  envelope.args = empty_object();
  envelope.args_text = empty_object_text;
}

/// JSON's whitespace (RFC 8259): a body of nothing else holds no value, so no arguments.
constexpr std::string_view json_whitespace = " \t\n\r";
bool is_json_whitespace(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/// Parses JSON arguments; an empty body means no arguments.
result<void> read_json_args(std::string_view text, const Limits &limits, Envelope &envelope) {
  // A first byte that is not whitespace decides at once (the usual body starts with '{').
  if (text.empty() ||
      (is_json_whitespace(text.front()) && text.find_first_not_of(json_whitespace) == std::string_view::npos)) {
    use_no_args(envelope);
    return success();
  }
  WARD_TRY(ParsedDocument::parse_into(envelope.document, text, limits, "request body"));
  const auto root = envelope.document.root();
  if (root.is_null()) {
    use_no_args(envelope);
    return success();
  }
  if (!root.is_object()) return args_not_object();
  envelope.args = root;
  envelope.args_text = text;
  return success();
}

enum class BodyType { json, raw };

/// The body type a `Content-Type` other than exactly "application/json" names.
[[gnu::noinline]] result<BodyType> body_type_of(std::string_view content_type) {
  const std::string_view media = trim(content_type.substr(0, content_type.find(';')));
  if (media.empty() || iequals(media, "application/json")) return BodyType::json;
  if (iequals(media, "application/octet-stream")) return BodyType::raw;
  return bad_request("unsupported `Content-Type`: expected application/json or application/octet-stream");
}

result<BodyType> body_type(std::optional<std::string_view> content_type) {
  if (!content_type || *content_type == "application/json") return BodyType::json; // the usual header
  return body_type_of(*content_type);
}

result<std::uint32_t> message_id(simdjson::dom::object message, std::string_view field) {
  simdjson::dom::element value;
  if (message.at_key(field).get(value) != simdjson::SUCCESS || value.is_null()) return std::uint32_t{0};
  std::uint64_t id = 0;
  if (value.get(id) != simdjson::SUCCESS || id > UINT32_MAX)
    return bad_request("invalid IPC message: `" + std::string(field) + "` must be an unsigned 32-bit integer");
  return static_cast<std::uint32_t>(id);
}

/// A raw payload sent through postMessage arrives as a JSON array of byte values.
result<void> read_byte_array(simdjson::dom::element payload, Envelope &envelope) {
  simdjson::dom::array bytes;
  if (payload.get(bytes) != simdjson::SUCCESS)
    return Error(errc::invalid_args, "invalid args: a raw payload must be an array of byte values");
  envelope.message_storage->body.reserve(bytes.size());
  for (auto element : bytes) {
    std::uint64_t byte = 0;
    if (element.get(byte) != simdjson::SUCCESS || byte > 255)
      return Error(errc::invalid_args, "invalid args: a raw payload must be an array of byte values");
    envelope.message_storage->body.push_back(static_cast<std::byte>(byte));
  }
  return success();
}

result<void> read_message_headers(simdjson::dom::object message, Envelope &envelope) {
  simdjson::dom::element options;
  if (message.at_key("options").get(options) != simdjson::SUCCESS || options.is_null()) return success();
  simdjson::dom::element headers;
  if (!options.is_object()) return bad_request("invalid IPC message: `options` must be an object");
  if (options.at_key("headers").get(headers) != simdjson::SUCCESS || headers.is_null()) return success();
  simdjson::dom::object header_object;
  if (headers.get(header_object) != simdjson::SUCCESS)
    return bad_request("invalid IPC message: `options.headers` must be an object");
  for (auto member : header_object) {
    std::string_view value;
    if (member.value.get(value) != simdjson::SUCCESS)
      return bad_request("invalid IPC message: header `" + std::string(member.key) + "` must be a string");
    envelope.message_storage->headers.push_back(Header{member.key, value});
  }
  envelope.headers = envelope.message_storage->headers;
  return success();
}

/// The body of read_request_fast, inlined into read_request.
[[gnu::always_inline]] inline bool read_request_fast_inline(const Request &request, const Limits &limits,
                                                            std::string_view invoke_key, Envelope &envelope) noexcept {
  const KnownHeaders known = scan_headers(request.headers);
  const Header *const content_type = known.content_type;
  const Header *const callback = known.callback;
  const Header *const error = known.error;
  const Header *const key = known.invoke_key;
  if (key == nullptr || callback == nullptr || error == nullptr) return false;
  // Constant time in the key's content, as in the general path; which check fails first only
  // decides that the general path answers.
  if (!invoke_key_matches(invoke_key, key->value)) return false;
  std::uint32_t callback_id = 0;
  std::uint32_t error_id = 0;
  if (!parse_callback_id(callback->value, callback_id) || !parse_callback_id(error->value, error_id)) return false;
  // Labels: the ASCII ones hosts send; anything else, and the messages, are label_problem's.
  if (!is_plain_ascii_label(request.window) ||
      (!same_text(request.webview, request.window) && !is_plain_ascii_label(request.webview)) ||
      request.origin.size() > max_origin_bytes)
    return false;
  std::string_view command;
  if (!plain_command(request.url, command)) return false;
  // Exactly "application/json" (as the general path's own shortcut compares it), or no
  // Content-Type at all; any other value is body_type_of's to read.
  if (content_type != nullptr &&
      (content_type->value.size() != 16 || load_bytes(content_type->value.data(), 8) != json_media_type.exact_head ||
       load_bytes(content_type->value.data() + 8, 8) != json_media_type.exact_tail))
    return false;
  const std::string_view text(reinterpret_cast<const char *>(request.body.data()), request.body.size());
  // A body that is empty or starts blank may mean "no arguments": read_json_args decides.
  if (text.empty() || is_json_whitespace(text.front())) return false;
  if (!ParsedDocument::parse_warm(envelope.document, text, limits)) return false;
  const simdjson::dom::element root = envelope.document.root();
  if (root.type() != simdjson::dom::element_type::OBJECT) { // inline, where is_object() is a call
    envelope.document.release();
    return false;
  }
  envelope.headers = request.headers;
  envelope.callback_id = callback_id;
  envelope.error_id = error_id;
  envelope.origin = request.origin;
  envelope.window = request.window;
  envelope.webview = request.webview;
  envelope.command = command;
  envelope.body = request.body;
  envelope.args = root;
  envelope.args_text = text;
  return true;
}

} // namespace

bool read_request_fast(const Request &request, const Limits &limits, std::string_view invoke_key,
                       Envelope &envelope) noexcept {
  return read_request_fast_inline(request, limits, invoke_key, envelope);
}

result<void> read_request(const Request &request, const Limits &limits, std::string_view invoke_key,
                          Envelope &envelope) {
  if (read_request_fast_inline(request, limits, invoke_key, envelope)) [[likely]]
    return success();
  return read_request_general(request, limits, invoke_key, envelope);
}

result<void> read_request_general(const Request &request, const Limits &limits, std::string_view invoke_key,
                                  Envelope &envelope) {
  envelope.headers = request.headers;
  const KnownHeaders known = scan_headers(request.headers);
  const bool callback_ok = read_callback_id(known.callback, envelope.callback_id);
  const bool error_ok = read_callback_id(known.error, envelope.error_id);
  // The key is checked before anything else is reported, so a page without it learns nothing
  // (not even which commands exist).
  if (!known.invoke_key || !invoke_key_matches(invoke_key, known.invoke_key->value)) return bad_invoke_key();
  if (!callback_ok) return bad_callback_id("Tauri-Callback");
  if (!error_ok) return bad_callback_id("Tauri-Error");
  if (const char *problem = label_problem(request.origin, request.window, request.webview)) return bad_request(problem);
  envelope.origin = request.origin;
  envelope.window = request.window;
  envelope.webview = request.webview;
  WARD_TRY(read_command(request.url, envelope.command_buffer, envelope.command));
  if (request.body.size() > limits.max_body_bytes)
    return limit_exceeded("max_body_bytes", limits.max_body_bytes, "request body");
  BodyType type = BodyType::json;
  if (known.content_type && known.content_type->value != "application/json") // not the usual header
    WARD_TRY_ASSIGN(type, body_type_of(known.content_type->value));
  envelope.body = request.body;
  if (type == BodyType::raw) {
    envelope.raw = true;
    use_no_args(envelope);
    return success();
  }
  return read_json_args(std::string_view(reinterpret_cast<const char *>(request.body.data()), request.body.size()),
                        limits, envelope);
}

result<void> read_message(const MessageRequest &request, const Limits &limits, std::string_view invoke_key,
                          Envelope &envelope) {
  auto parsed = ParsedDocument::parse(request.message, limits, "IPC message");
  if (!parsed) return std::move(parsed).assume_error();
  envelope.document = std::move(parsed).assume_value();
  envelope.message_storage.emplace();
  simdjson::dom::object message;
  if (envelope.document.root().get(message) != simdjson::SUCCESS)
    return bad_request("invalid IPC message: expected a JSON object");

  WARD_TRY_ASSIGN(envelope.callback_id, message_id(message, "callback"));
  WARD_TRY_ASSIGN(envelope.error_id, message_id(message, "error"));
  std::optional<std::string_view> key;
  if (std::string_view provided; message.at_key("__TAURI_INVOKE_KEY__").get(provided) == simdjson::SUCCESS)
    key = provided;
  WARD_TRY(check_key(invoke_key, key));
  WARD_TRY(read_labels(request.origin, request.window, request.webview, envelope));

  std::string_view command;
  if (message.at_key("cmd").get(command) != simdjson::SUCCESS)
    return bad_request("invalid IPC message: `cmd` must be a string");
  if (auto valid = CommandName::parse(command); !valid)
    return bad_request("invalid IPC message: invalid `cmd`: " + valid.error().message());
  envelope.command = command;

  WARD_TRY(read_message_headers(message, envelope));
  BodyType type = BodyType::json;
  WARD_TRY_ASSIGN(type, body_type(find_header(envelope.headers, "Content-Type")));
  simdjson::dom::element payload;
  const bool has_payload = message.at_key("payload").get(payload) == simdjson::SUCCESS && !payload.is_null();
  if (type == BodyType::raw) {
    envelope.raw = true;
    if (has_payload) WARD_TRY(read_byte_array(payload, envelope));
    envelope.body = envelope.message_storage->body;
    use_no_args(envelope);
    return success();
  }
  if (!has_payload) {
    use_no_args(envelope);
  } else {
    if (!payload.is_object()) return args_not_object();
    envelope.args = payload;
    envelope.message_storage->args_text = simdjson::minify(payload);
    envelope.args_text = envelope.message_storage->args_text;
  }
  envelope.body = std::as_bytes(std::span(envelope.args_text.data(), envelope.args_text.size()));
  return success();
}

std::optional<std::string_view> find_header(std::span<const Header> headers, std::string_view name) noexcept {
  const auto found = std::find_if(headers.begin(), headers.end(),
                                  [&](const Header &header) { return iequals(header.name, name); });
  if (found == headers.end()) return std::nullopt;
  return found->value;
}

} // namespace ward::detail
