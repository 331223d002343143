// read_request's hot path against its general path: the folded header-name compare, the warm
// parse of the body and the whole fast reading of a request each give the general path's answer
// (or leave the request to it) over requests varied one field at a time around the shape Tauri
// sends, and over random combinations of those variations.
#include "support.hpp"

#include "ipc/envelope.hpp"
#include "ipc/request_fields.hpp"
#include "json/document.hpp"
#include "name_bytes.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <simdjson.h>

namespace {

using ward::detail::Envelope;
using ward::detail::ParsedDocument;

/// ASCII case-insensitive equality by its definition: only A-Z and a-z fold.
bool iequals_by_definition(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  const auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; };
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

template <std::size_t N> void check_folded_name(const char (&literal)[N]) {
  constexpr std::size_t size = N - 1;
  const auto folded = ward::detail::fast::folded_name(std::string_view(literal, size));
  const std::string name(literal, size);
  std::vector<std::string> candidates = {name};
  std::string upper = name, lower = name, alternating = name;
  for (std::size_t i = 0; i < size; ++i) {
    upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[i])));
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
    alternating[i] = i % 2 ? upper[i] : lower[i];
  }
  candidates.insert(candidates.end(), {upper, lower, alternating});
  // Every byte value at every position, in the canonical spelling and in the lowercase one:
  // covers '@' against '`', '[' against '{', bytes >= 0x80 and the letters' other case.
  for (const std::string &base : {name, lower}) {
    for (std::size_t at = 0; at < size; ++at) {
      for (int c = 0; c < 256; ++c) {
        std::string candidate = base;
        candidate[at] = static_cast<char>(c);
        candidates.push_back(candidate);
        candidate[at] = static_cast<char>(c ^ 0x20); // the same byte with the case bit flipped
        candidates.push_back(candidate);
      }
    }
  }
  for (const auto &candidate : candidates) {
    INFO(name << " vs \"" << candidate << '"');
    CHECK(ward::detail::fast::same_name(candidate.data(), folded) == iequals_by_definition(candidate, name));
  }
}

} // namespace

TEST_CASE("header names: the word-at-a-time folded compare is exactly ASCII case-insensitive") {
  check_folded_name("Content-Type");
  check_folded_name("Tauri-Callback");
  check_folded_name("Tauri-Error");
  check_folded_name("Tauri-Invoke-Key");
  check_folded_name("application/json");
  check_folded_name("@[`{]}~^_AZaz09");
}

TEST_CASE("name bytes: the unrolled table check sees a bad byte at every position of every length") {
  const auto by_loop = [](std::string_view text, const std::array<bool, 256> &table) {
    return std::all_of(text.begin(), text.end(), [&](char c) { return table[static_cast<unsigned char>(c)]; });
  };
  for (const auto *table : {&ward::detail::command_name_bytes, &ward::detail::label_ascii_bytes}) {
    for (std::size_t size = 0; size <= 40; ++size) {
      std::string text;
      for (std::size_t i = 0; i < size; ++i) text += static_cast<char>('a' + i % 26);
      CHECK(ward::detail::all_bytes_in(text, *table) == by_loop(text, *table));
      for (std::size_t at = 0; at < size; ++at) {
        for (const char bad : {' ', '\0', '\x80', '\xff', '%', '/', '|'}) {
          std::string broken = text;
          broken[at] = bad;
          INFO("size " << size << " bad byte " << int(static_cast<unsigned char>(bad)) << " at " << at);
          CHECK(ward::detail::all_bytes_in(broken, *table) == by_loop(broken, *table));
        }
      }
    }
  }
}

TEST_CASE("callback ids: the 8-digit word check sees every non-digit, also beside another") {
  const auto by_definition = [](const std::array<unsigned char, 8> &bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
  };
  const auto word_of = [](const std::array<unsigned char, 8> &bytes) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes.data(), 8); // the order load_bytes reads
    return word;
  };
  std::array<unsigned char, 8> digits = {'3', '1', '8', '1', '2', '2', '3', '0'};
  std::size_t mismatches = 0;
  // Every pair of positions with every pair of byte values: borrows and carries between
  // neighbours included.
  for (std::size_t i = 0; i < 8; ++i) {
    for (std::size_t j = i; j < 8; ++j) {
      for (int a = 0; a < 256; ++a) {
        for (int b = 0; b < 256; ++b) {
          auto bytes = digits;
          bytes[i] = static_cast<unsigned char>(a);
          bytes[j] = static_cast<unsigned char>(b);
          mismatches += ward::detail::decimal::eight_digits(word_of(bytes)) != by_definition(bytes);
        }
      }
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("callback ids: the fast parser answers as the general one on random texts") {
  std::mt19937 random(20261207);
  const std::string alphabet = "0123456789999000 \t+-x\xb0/:";
  std::uniform_int_distribution<std::size_t> length(0, 13);
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> mostly_digits(0, 9);
  for (int round = 0; round < 200000; ++round) {
    std::string text(length(random), '0');
    for (char &c : text)
      c = mostly_digits(random) < 8 ? static_cast<char>('0' + mostly_digits(random)) : alphabet[pick(random)];
    std::uint32_t fast = 0xDEADBEEF;
    std::uint32_t general = 0xDEADBEEF;
    const bool fast_ok = ward::detail::parse_callback_id(text, fast);
    const bool general_ok = ward::detail::parse_callback_id_general(text, general);
    if (fast_ok != general_ok || fast != general) {
      INFO('"' << text << '"');
      CHECK(fast_ok == general_ok);
      CHECK(fast == general);
    }
  }
}

namespace {

std::string minified(simdjson::dom::element element) { return simdjson::minify(element); }

/// The answer of ParsedDocument::parse_into, for comparisons.
struct ParseAnswer {
  bool ok = false;
  std::string text; ///< the document minified, or the error's code and message
  bool operator==(const ParseAnswer &) const = default;
};

std::string error_text(const ward::Error &error) {
  return std::string(ward::errc_name(error.code())) + ": " + error.message();
}

std::vector<std::string> parse_texts() {
  std::vector<std::string> texts = {"", " ", "{}", "[]", "1", "null", "{", "}", "\"\xff\"", " {}", "{} ",
                                    R"({"a":1,"b":2})", R"({"a":[1,2,3],"b":{"c":"d"}})", "[[[[[[1]]]]]]",
                                    R"({"k":"0123456789"})", "tru", "true", R"({"a":1,"a":2})"};
  // Every size around the inline copy's words (8, 16, 32), with distinct bytes everywhere, so
  // a byte copied wrong or not at all changes the document.
  for (std::size_t size = 1; size <= 70; ++size) {
    std::string text = "\"";
    for (std::size_t i = 0; i + 2 < size; ++i) text += static_cast<char>('A' + (i * 7) % 26);
    if (size >= 2) text += '"';
    texts.push_back(text.substr(0, size));
    std::string array = "[";
    while (array.size() + 2 < size) array += array.size() == 1 ? "1" : ",1";
    array += "]";
    texts.push_back(array);
  }
  texts.push_back("[" + std::string(5000, ' ') + "1]"); // beyond a cold parser's 4096 bytes
  texts.push_back("[" + std::string(3000, ' ') + "1]");
  return texts;
}

std::vector<ward::Limits> parse_limits() {
  ward::Limits tight;
  tight.max_body_bytes = 12;
  tight.max_depth = 2;
  tight.max_string_bytes = 3;
  tight.max_array_length = 2;
  tight.max_object_keys = 1;
  ward::Limits shallow;
  shallow.max_depth = 1;
  ward::Limits few;
  few.max_array_length = 5;
  few.max_object_keys = 1;
  few.max_string_bytes = 9;
  return {ward::Limits{}, tight, shallow, few}; // the defaults first
}

} // namespace

TEST_CASE("parse_warm answers as parse_into, or leaves the text to it") {
  std::size_t warm_answers = 0;
  for (int pass = 0; pass < 2; ++pass) { // the first pass also warms the parser up
    const auto all_limits = parse_limits();
    for (std::size_t limits_index = 0; limits_index < all_limits.size(); ++limits_index) {
      const ward::Limits &limits = all_limits[limits_index];
      const bool default_limits = limits_index == 0;
      for (const auto &text : parse_texts()) {
        INFO('"' << text << "\" max_body_bytes " << limits.max_body_bytes << " max_depth " << limits.max_depth);
        ParseAnswer general;
        {
          ParsedDocument lease;
          const auto parsed = ParsedDocument::parse_into(lease, text, limits, "body");
          general = parsed ? ParseAnswer{true, minified(lease.root())} : ParseAnswer{false, error_text(parsed.error())};
          CHECK(lease.has_document() == parsed.has_value());
        }
        {
          // The same text on a parser of its own, as simdjson's documentation uses it: both
          // paths copy the text into ward's padded buffer, so this checks the copy too. Under
          // the default limits every valid text here is accepted.
          simdjson::dom::parser own_parser;
          simdjson::dom::element own_root;
          const bool own_ok = own_parser.parse(text).get(own_root) == simdjson::SUCCESS;
          if (default_limits) CHECK(general.ok == own_ok);
          if (general.ok && own_ok) CHECK(minified(own_root) == general.text);
          if (general.ok) CHECK(own_ok);
        }
        ParsedDocument lease;
        if (ParsedDocument::parse_warm(lease, text, limits)) {
          ++warm_answers;
          CHECK(lease.has_document());
          CHECK(ParseAnswer{true, minified(lease.root())} == general);
        } else {
          CHECK_FALSE(lease.has_document());
        }
      }
    }
  }
  CHECK(warm_answers > 100); // the hot path is the one taken for small valid texts
}

TEST_CASE("parsed documents: nested leases, moves and releases give every parser back") {
  const ward::Limits limits;
  ParsedDocument outer;
  REQUIRE(ParsedDocument::parse_into(outer, R"({"outer":1})", limits, "body"));
  {
    ParsedDocument inner;
    const bool parsed = ParsedDocument::parse_warm(inner, R"({"inner":2})", limits) ||
                        ParsedDocument::parse_into(inner, R"({"inner":2})", limits, "body").has_value();
    REQUIRE(parsed);
    CHECK(minified(outer.root()) == R"({"outer":1})"); // a second parser: the outer document stands
    ParsedDocument moved = std::move(inner);
    CHECK_FALSE(inner.has_document());
    CHECK(moved.has_document());
    CHECK(minified(moved.root()) == R"({"inner":2})");
    moved = ParsedDocument(); // releases
    CHECK_FALSE(moved.has_document());
  }
  // The inner parser is free again: the next lease gets it, still beside the outer one.
  ParsedDocument again;
  REQUIRE(ParsedDocument::parse_into(again, "[3]", limits, "body"));
  CHECK(minified(outer.root()) == R"({"outer":1})");
  CHECK(minified(again.root()) == "[3]");
  outer = std::move(again); // the outer parser is given back; `again`'s moves over
  CHECK(minified(outer.root()) == "[3]");
}

namespace {

/// What an envelope holds after a read, as comparable values.
struct EnvelopeSnapshot {
  std::string origin, window, webview, command, body, args, args_text;
  std::uint32_t callback_id = 0, error_id = 0;
  bool raw = false;
  bool has_document = false;
  const void *body_data = nullptr;
  const void *headers_data = nullptr;
  std::size_t headers_size = 0;
  const void *args_text_data = nullptr;
  bool operator==(const EnvelopeSnapshot &) const = default;
};

EnvelopeSnapshot snapshot(const Envelope &envelope, bool read_ok) {
  EnvelopeSnapshot shot;
  shot.callback_id = envelope.callback_id;
  shot.error_id = envelope.error_id;
  if (!read_ok) return shot; // a failed read promises only the callback ids
  shot.origin = envelope.origin;
  shot.window = envelope.window;
  shot.webview = envelope.webview;
  shot.command = envelope.command;
  shot.body.assign(reinterpret_cast<const char *>(envelope.body.data()), envelope.body.size());
  shot.args = minified(envelope.args);
  shot.args_text = envelope.args_text;
  shot.raw = envelope.raw;
  shot.has_document = envelope.document.has_document();
  shot.body_data = envelope.body.data();
  shot.headers_data = envelope.headers.data();
  shot.headers_size = envelope.headers.size();
  shot.args_text_data = envelope.args_text.data();
  return shot;
}

struct ReadAnswer {
  bool ok = false;
  std::string error;
  EnvelopeSnapshot envelope;
  bool operator==(const ReadAnswer &) const = default;
};

/// A request to vary: every field owned here, the Request built from them.
struct RequestSpec {
  std::string url = "ipc://localhost/add";
  std::string origin = "tauri://localhost";
  std::string window = "main";
  std::string webview = "main";
  bool webview_is_window = true; ///< the same buffer for both labels, as hosts often pass them
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body = R"({"a":1,"b":2})";
  std::vector<ward::Header> built_headers;

  ward::Request build() {
    built_headers.clear();
    for (const auto &[name, value] : headers) built_headers.push_back({name, value});
    return ward::Request{url, origin, window, webview_is_window ? std::string_view(window) : std::string_view(webview),
                         built_headers, ward_test::bytes(body)};
  }
};

RequestSpec tauri_request(const std::string &key) {
  RequestSpec spec;
  spec.headers = {{"Content-Type", "application/json"},
                  {"Tauri-Callback", "3181223012"},
                  {"Tauri-Error", "2894133745"},
                  {"Tauri-Invoke-Key", key}};
  return spec;
}

/// Each variation changes one thing about Tauri's request.
std::vector<RequestSpec> request_variations(const std::string &key) {
  std::vector<RequestSpec> specs;
  const auto vary = [&](auto change) {
    RequestSpec spec = tauri_request(key);
    change(spec);
    specs.push_back(spec);
  };
  vary([](RequestSpec &) {});
  // Headers: order, case, duplicates (the first counts), absence, near-miss names.
  vary([](RequestSpec &s) { std::reverse(s.headers.begin(), s.headers.end()); });
  vary([](RequestSpec &s) { s.headers.insert(s.headers.begin(), {"Accept", "*/*"}); });
  vary([](RequestSpec &s) { s.headers.push_back({"Tauri-Callback", "x"}); });
  vary([](RequestSpec &s) { s.headers.insert(s.headers.begin(), {"tauri-callback", "7"}); });
  vary([](RequestSpec &s) { s.headers.insert(s.headers.begin(), {"Tauri-Callback", "x"}); });
  vary([](RequestSpec &s) { s.headers.insert(s.headers.begin(), {"TAURI-ERROR", "4294967296"}); });
  vary([&](RequestSpec &s) { s.headers.push_back({"Tauri-Invoke-Key", key + "x"}); });
  vary([&](RequestSpec &s) { s.headers.insert(s.headers.begin(), {"tauri-invoke-key", "wrong"}); });
  vary([&](RequestSpec &s) { s.headers.insert(s.headers.begin(), {"Tauri-Invoke-Kez", "wrong"}); });
  vary([&](RequestSpec &s) { s.headers.insert(s.headers.begin(), {"Tauri-Invoke-Ke\xd9", "wrong"}); });
  vary([&](RequestSpec &s) { s.headers.insert(s.headers.begin(), {"Tauri-Invoke-Ke@", "wrong"}); });
  vary([](RequestSpec &s) { s.headers.insert(s.headers.begin(), {"content-type", "application/octet-stream"}); });
  vary([](RequestSpec &s) { s.headers.insert(s.headers.begin(), {"Content-Typ\x85", "application/octet-stream"}); });
  for (std::size_t drop = 0; drop < 4; ++drop)
    vary([drop](RequestSpec &s) { s.headers.erase(s.headers.begin() + static_cast<std::ptrdiff_t>(drop)); });
  vary([](RequestSpec &s) { s.headers.clear(); });
  // Header values.
  for (const std::string id : {"", "0", "7", "12345678", "123456789", "4294967295", "4294967296", "9999999999",
                               "0000000001", "00000000004294967295", " 3181223012", "3181223012 ", "318122301x",
                               "x181223012", "-1", "+1", "31812230\xb2"}) {
    vary([&](RequestSpec &s) { s.headers[1].second = id; });
    vary([&](RequestSpec &s) { s.headers[2].second = id; });
  }
  vary([&](RequestSpec &s) { s.headers[3].second = key.substr(0, key.size() - 1) + (key.back() == '0' ? "1" : "0"); });
  vary([&](RequestSpec &s) { s.headers[3].second = key.substr(1); });
  vary([&](RequestSpec &s) { s.headers[3].second = key + "0"; });
  vary([&](RequestSpec &s) { s.headers[3].second = ""; });
  for (const std::string type : {"", "application/json", "Application/JSON", "application/json; charset=utf-8",
                                 " application/json", "application/jsoN", "application/octet-stream", "text/plain",
                                 "application/jsonx", "application/jso"})
    vary([&](RequestSpec &s) { s.headers[0].second = type; });
  // Labels and origin.
  const std::vector<std::string> labels = {"",          "main",          "Main-2/x:y_z",
                                           "main window", "fen\xc3\xaatre", "ma\xffin",
                                           "\xc3\xa9",    std::string(256, 'a'), std::string(257, 'a')};
  for (const auto &label : labels) {
    vary([&](RequestSpec &s) { s.window = label; });
    vary([&](RequestSpec &s) {
      s.webview = label;
      s.webview_is_window = false;
    });
    vary([&](RequestSpec &s) {
      s.window = label;
      s.webview = label;
      s.webview_is_window = false;
    });
  }
  vary([](RequestSpec &s) { s.origin = std::string(8192, 'o'); });
  vary([](RequestSpec &s) { s.origin = std::string(8193, 'o'); });
  vary([](RequestSpec &s) { s.origin = ""; });
  // URLs.
  const std::vector<std::string> urls = {"ipc://localhost/",
                                         "ipc://localhost",
                                         "http://ipc.localhost/add",
                                         "ipc://localhost/add?x=1",
                                         "ipc://localhost/ad%64",
                                         "IPC://localhost/add",
                                         "ipc://localhost/plugin:demo|ping",
                                         "ipc://localhost/a b",
                                         "/add",
                                         "add",
                                         "ipc://localhost/" + std::string(256, 'a'),
                                         "ipc://localhost/" + std::string(257, 'a')};
  for (const auto &url : urls)
    vary([&](RequestSpec &s) { s.url = url; });
  // Bodies.
  const std::vector<std::string> bodies = {"",
                                           " ",
                                           "\t",
                                           "{}",
                                           " {}",
                                           "\t{}",
                                           "{} ",
                                           "null",
                                           "[1]",
                                           "1",
                                           "\"x\"",
                                           "{",
                                           R"({"a":"\u00e9"})",
                                           "{\"a\":\"\xff\"}",
                                           std::string(5000, ' ') + "{}",
                                           "{\"a\":[" + std::string(3000, '1') + "]}",
                                           R"({"a":{"b":{"c":{}}}})"};
  for (const auto &body : bodies)
    vary([&](RequestSpec &s) { s.body = body; });
  return specs;
}

std::vector<ward::Limits> request_limits() {
  ward::Limits small;
  small.max_body_bytes = 13;
  ward::Limits smaller;
  smaller.max_body_bytes = 12;
  ward::Limits shallow;
  shallow.max_depth = 2;
  ward::Limits few;
  few.max_object_keys = 1;
  few.max_string_bytes = 2;
  few.max_array_length = 0;
  return {ward::Limits{}, small, smaller, shallow, few};
}

ReadAnswer general_answer(const ward::Request &request, const ward::Limits &limits, std::string_view key) {
  Envelope envelope;
  const auto read = ward::detail::read_request_general(request, limits, key, envelope);
  return {read.has_value(), read ? std::string() : error_text(read.error()), snapshot(envelope, read.has_value())};
}

ReadAnswer combined_answer(const ward::Request &request, const ward::Limits &limits, std::string_view key) {
  Envelope envelope;
  const auto read = ward::detail::read_request(request, limits, key, envelope);
  return {read.has_value(), read ? std::string() : error_text(read.error()), snapshot(envelope, read.has_value())};
}

/// Checks one request; true if the fast path answered it.
bool check_request(RequestSpec &spec, const ward::Limits &limits, std::string_view key) {
  const ward::Request request = spec.build();
  const ReadAnswer general = general_answer(request, limits, key);
  bool fast_ok = false;
  {
    Envelope envelope;
    fast_ok = ward::detail::read_request_fast(request, limits, key, envelope);
    if (fast_ok) {
      CHECK(general.ok);
      CHECK(snapshot(envelope, true) == general.envelope);
    }
  }
  CHECK(combined_answer(request, limits, key) == general);
  return fast_ok;
}

} // namespace

TEST_CASE("read_request: the fast path answers as the general path, or leaves the request to it") {
  const std::string key(64, 'k');
  const ward::Limits defaults;
  {
    // Warm the thread's parser, then Tauri's own request must take the fast path.
    RequestSpec spec = tauri_request(key);
    CHECK(combined_answer(spec.build(), defaults, key).ok);
    CHECK(check_request(spec, defaults, key));
  }
  std::size_t fast_answers = 0;
  std::size_t total = 0;
  for (const auto &limits : request_limits()) {
    for (auto spec : request_variations(key)) {
      std::string headers;
      for (const auto &[name, value] : spec.headers) headers += name + ": " + value + "; ";
      INFO("url " << spec.url << " window \"" << spec.window << "\" webview \"" << spec.webview << "\" body \""
                  << spec.body << "\" headers " << headers << " max_body_bytes " << limits.max_body_bytes);
      fast_answers += check_request(spec, limits, key);
      ++total;
    }
  }
  CHECK(fast_answers > 100); // of about 630: most variations are refused on purpose
  // Keys of other lengths take the general compare in both paths.
  for (const std::string &other_key : {std::string(), std::string("short"), std::string(72, 'q')}) {
    RequestSpec spec = tauri_request(other_key);
    CHECK(check_request(spec, defaults, other_key));
    RequestSpec wrong = tauri_request(other_key + "x");
    CHECK_FALSE(check_request(wrong, defaults, other_key));
  }
}

TEST_CASE("read_request: random mixes of the variations answer as the general path") {
  const std::string key(64, 'k');
  const auto variations = request_variations(key);
  const auto limits = request_limits();
  const RequestSpec base = tauri_request(key);
  std::mt19937 random(7);
  std::uniform_int_distribution<std::size_t> pick(0, variations.size() - 1);
  std::uniform_int_distribution<std::size_t> pick_limits(0, limits.size() - 1);
  for (int round = 0; round < 3000; ++round) {
    // Three variations' changed fields over Tauri's request.
    RequestSpec spec = base;
    for (int i = 0; i < 3; ++i) {
      const RequestSpec &v = variations[pick(random)];
      if (v.url != base.url) spec.url = v.url;
      if (v.origin != base.origin) spec.origin = v.origin;
      if (v.window != base.window) spec.window = v.window;
      if (!v.webview_is_window) {
        spec.webview = v.webview;
        spec.webview_is_window = false;
      }
      if (v.headers != base.headers) spec.headers = v.headers;
      if (v.body != base.body) spec.body = v.body;
    }
    const auto &limit = limits[pick_limits(random)];
    INFO("round " << round << " url " << spec.url << " body \"" << spec.body << '"');
    check_request(spec, limit, key);
  }
}

TEST_CASE("is_valid_json answers as a fresh simdjson parser does, scalars at the root included", "[fast-path][json]") {
  // Short integers and literals are checked by hand: the texts where that could differ from
  // simdjson (leading zeros, signs, blanks, 19 and 20 digits, exponents, near-literals) are
  // generated here.
  constexpr std::string_view alphabet[] = {"1", "-", "0", ".", "e", "2", " ", "\t", "\n", ",", "[", "]", "{", "}",
                                           "\"", "a", "\\", "true", "null", "fals", ":", "\xe2\x80\xa8", "\xff"};
  std::mt19937 random(2026);
  simdjson::dom::parser reference;
  std::size_t valid = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const int pieces = static_cast<int>(random() % 6);
    for (int p = 0; p < pieces; ++p) text += alphabet[random() % std::size(alphabet)];
    if (random() % 4 == 0) text = std::to_string(static_cast<std::int64_t>(random()) - (1 << 30));
    if (random() % 8 == 0) text = "\"" + std::string(random() % 80, 'x') + "\"";
    if (random() % 6 == 0) { // every length up to 20 digits, with signs, zeros and blanks
      const std::uint64_t wide = (std::uint64_t{random()} << 32 | random()) >> (random() % 64);
      text = std::string(random() % 3 == 0 ? "-" : "") + std::string(random() % 4 == 0 ? "0" : "") +
             std::to_string(wide) + std::string(random() % 3 == 0 ? " " : "") + (random() % 9 == 0 ? "e400" : "");
    }
    simdjson::dom::element ignored;
    const bool expected = reference.parse(text.data(), text.size()).get(ignored) == simdjson::SUCCESS;
    valid += expected;
    INFO("text: " << text);
    REQUIRE(ward::detail::is_valid_json(text) == expected);
  }
  CHECK(valid > 1000); // the generator reaches both answers
}
