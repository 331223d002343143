#include <ward/json.hpp>

#include <simdjson.h>

#include <array>
#include <charconv>
#include <cmath>

namespace ward {
namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";

/// Bytes that end a run of characters copied verbatim.
constexpr std::array<bool, 256> special_bytes = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = table['\\'] = true;
  table[0xE2] = true; // may start U+2028 / U+2029
  return table;
}();

void append_escape(String &out, unsigned char c) {
  switch (c) {
  case '"': out += "\\\""; return;
  case '\\': out += "\\\\"; return;
  case '\n': out += "\\n"; return;
  case '\r': out += "\\r"; return;
  case '\t': out += "\\t"; return;
  case '\b': out += "\\b"; return;
  case '\f': out += "\\f"; return;
  default: {
    const char escape[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 0xF]};
    out.append(escape, sizeof escape);
  }
  }
}

/// Appends valid UTF-8 text with JSON escapes (and U+2028/U+2029 as \u2028/\u2029).
void append_escaped_valid(String &out, std::string_view text) {
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!special_bytes[c]) continue;
    if (c == 0xE2) {
      const bool line_separator = i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                                  (static_cast<unsigned char>(text[i + 2]) & 0xFE) == 0xA8;
      if (!line_separator) continue;
      out.append(text.data() + run_start, i - run_start);
      out += static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
      run_start = i + 1;
      continue;
    }
    out.append(text.data() + run_start, i - run_start);
    append_escape(out, c);
    run_start = i + 1;
  }
  out.append(text.data() + run_start, text.size() - run_start);
}

/// Length of the valid UTF-8 sequence at text[i], or 0 if it is not valid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char min_second = 0x80, max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) length = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;
    if (lead == 0xED) max_second = 0x9F; // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;
    if (lead == 0xF4) max_second = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (std::size_t k = 2; k < length; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  return length;
}

/// Slow path for invalid UTF-8: each invalid byte becomes U+FFFD.
void append_escaped_repairing(String &out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    append_escaped_valid(out, text.substr(i, length));
    i += length;
  }
}

} // namespace

void JsonWriter::separate() {
  if (need_comma_) *out_ += ',';
  need_comma_ = true;
}

void JsonWriter::null() {
  separate();
  *out_ += "null";
}

void JsonWriter::boolean(bool value) {
  separate();
  *out_ += value ? "true" : "false";
}

void JsonWriter::integer(std::int64_t value) {
  separate();
  char buffer[24];
  auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out_->append(buffer, end);
}

void JsonWriter::unsigned_integer(std::uint64_t value) {
  separate();
  char buffer[24];
  auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out_->append(buffer, end);
}

void JsonWriter::number(double value) {
  separate();
  if (!std::isfinite(value)) {
    *out_ += "null";
    return;
  }
  char buffer[32];
  auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  out_->append(buffer, end);
}

void JsonWriter::string(std::string_view value) {
  separate();
  // Room for the quotes and the text as is (escapes may still grow it): a long plain string
  // costs one allocation, not one per growth step. (reserve keeps the doubling growth.)
  out_->reserve(out_->size() + value.size() + 2);
  *out_ += '"';
  if (simdjson::validate_utf8(value.data(), value.size())) append_escaped_valid(*out_, value);
  else append_escaped_repairing(*out_, value);
  *out_ += '"';
}

void JsonWriter::raw(std::string_view json) {
  separate();
  // Outside strings JSON has no U+2028/U+2029, so escaping every occurrence is always right.
  std::size_t run_start = 0;
  for (std::size_t at = json.find('\xE2'); at != std::string_view::npos; at = json.find('\xE2', at + 1)) {
    if (at + 2 < json.size() && json[at + 1] == '\x80' && (json[at + 2] == '\xA8' || json[at + 2] == '\xA9')) {
      out_->append(json.data() + run_start, at - run_start);
      *out_ += json[at + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      run_start = at + 3;
    }
  }
  out_->append(json.data() + run_start, json.size() - run_start);
}

void JsonWriter::begin_array() {
  separate();
  *out_ += '[';
  need_comma_ = false;
}

void JsonWriter::end_array() {
  *out_ += ']';
  need_comma_ = true;
}

void JsonWriter::begin_object() {
  separate();
  *out_ += '{';
  need_comma_ = false;
}

void JsonWriter::key(std::string_view name) {
  string(name);
  *out_ += ':';
  need_comma_ = false;
}

void JsonWriter::end_object() {
  *out_ += '}';
  need_comma_ = true;
}

result<RawJson> RawJson::parse(std::string json) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  if (parser.parse(json).get(element) != simdjson::SUCCESS)
    return Error(errc::invalid_argument, "RawJson: text is not valid JSON");
  return RawJson(std::move(json));
}

} // namespace ward
