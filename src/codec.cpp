// Error messages of the codec and of argument decoding. They name the offending key and type
// and never echo the offending value's bytes beyond a number.
#include "json/document.hpp"
#include "json/element.hpp"

#include <ward/codec.hpp>
#include <ward/command.hpp>

#include <string>

namespace ward {
namespace detail {

Error type_mismatch(std::string_view expected, const JsonValue &actual) {
  std::string message = "invalid type: expected ";
  message += expected;
  message += ", got ";
  message += json_type_name(actual.type());
  return Error(errc::invalid_args, std::move(message));
}

Error out_of_range(std::string_view type_name, std::string_view value_text) {
  std::string message = "number ";
  message += value_text;
  message += " is out of range for ";
  message += type_name;
  return Error(errc::invalid_args, std::move(message));
}

Error missing_field(std::string_view name) {
  return Error(errc::invalid_args, "missing field `" + std::string(name) + "`");
}

Error duplicate_field(std::string_view name) {
  return Error(errc::invalid_args, "duplicate field `" + std::string(name) + "`");
}

std::string index_segment(std::size_t index) { return "[" + std::to_string(index) + "]"; }

std::string key_segment(std::string_view key) { return "." + std::string(key); }

std::string to_arg_key(std::string_view name, ArgCase arg_case) {
  if (arg_case == ArgCase::snake) return std::string(name);
  // Tauri's rename_all = "camelCase": `file_path` -> `filePath`, leading underscores kept.
  std::string key;
  key.reserve(name.size());
  bool upper_next = false;
  for (char c : name) {
    if (c == '_' && !key.empty()) {
      upper_next = true;
      continue;
    }
    key += upper_next && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper_next = false;
  }
  return key;
}

Error missing_argument(std::string_view command, std::string_view key) {
  std::string message = "invalid args `";
  message += key;
  message += "` for command `";
  message += command;
  message += "`: command ";
  message += command;
  message += " missing required key ";
  message += key;
  return Error(errc::invalid_args, std::move(message));
}

Error invalid_argument(std::string_view command, std::string_view key, Error &&cause) {
  std::string message = "invalid args `";
  message += key;
  message += "` for command `";
  message += command;
  message += "`: ";
  message += cause.message();
  if (!cause.path().empty()) {
    message += " at `";
    message += key;
    message += cause.path();
    message += '`';
  }
  return Error(cause.code(), std::move(message), cause.detail());
}

Error not_raw_body(std::string_view command) {
  return Error(errc::invalid_args, "command `" + std::string(command) +
                                       "` expects a raw body (Content-Type: application/octet-stream)");
}

Error not_a_channel(std::string_view command, std::string_view key) {
  return invalid_argument(command, key, Error(errc::invalid_args, "expected a channel (\"__CHANNEL__:<id>\")"));
}

String encode_error_value(const Error &error) {
  String out;
  JsonWriter writer(out);
  // A rejection carries the handler's own value, already JSON; everything else is a message.
  if (error.code() == errc::command_rejected) writer.raw(error.message());
  else writer.string(error.message());
  return out;
}

result<void> with_parsed_json(std::string_view text, const std::function<result<void>(const JsonValue &)> &use) {
  auto parsed = ParsedDocument::parse(text, unbounded_limits(), "scope entry");
  if (!parsed) return std::move(parsed).assume_error();
  return use(make_value(parsed.value().root()));
}

Error invalid_scope_entry(std::string_view command, std::string_view entry, const Error &cause) {
  // The page did nothing wrong: the app's own capability does not fit its handler's scope type.
  return Error(errc::internal, "internal error",
               "command `" + std::string(command) + "`: scope entry " + std::string(entry) +
                   " does not decode as the handler's scope type: " + cause.message() + cause.path());
}

Error state_not_managed(std::string_view command, std::string_view type_name) {
  return Error(errc::state_not_managed, "command `" + std::string(command) +
                                            "` takes State of a type that is never managed (" +
                                            std::string(type_name) + ")");
}

} // namespace detail
} // namespace ward
