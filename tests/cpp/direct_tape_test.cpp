// write_direct_tape, the direct tape writer, against simdjson's DOM
// parse of the same text: what it writes must be exactly simdjson's tape and strings, and what it
// declines is left to simdjson. The plain shapes requests carry must not be declined.
#include "../fuzz/direct_tape_oracle.hpp"
#include "json/document.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <charconv>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using namespace std::string_view_literals;
using ward_test::compare_direct_tape;
using ward_test::TapeOutcome;

namespace {

constexpr std::size_t default_parser_depth = 129; // ward's default max_depth (128) + 1

/// Random plain JSON (the subset write_direct_tape takes), with JSON whitespace sprinkled between
/// tokens, containers nested up to `levels` deep.
class PlainJson {
public:
  explicit PlainJson(std::uint32_t seed) : random_(seed) {}

  std::string document(int levels) {
    std::string out;
    space(out);
    container(out, levels);
    space(out);
    return out;
  }

private:
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(random_() % n); }

  void space(std::string &out) {
    static constexpr std::string_view spaces = " \t\n\r";
    if (below(3) != 0) return;
    for (std::size_t n = 1 + below(3); n > 0; --n) out += spaces[below(spaces.size())];
  }

  void string(std::string &out) {
    static constexpr std::string_view escapes[] = {"\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t",
                                                   "\\u0041", "\\u00e9", "\\u20AC", "\\ud83d\\ude00", "\\u0000"};
    static constexpr std::string_view utf8[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xe5\x90\x8d", "\xc2\x80"};
    out += '"';
    // Lengths around the 16-byte blocks the scan reads, and past them.
    for (std::size_t n = below(4) == 0 ? below(40) : below(10); n > 0; --n) {
      if (const auto kind = below(12); kind == 0) {
        out += escapes[below(std::size(escapes))];
      } else if (kind == 1) {
        out += utf8[below(std::size(utf8))];
      } else {
        char c;
        do c = static_cast<char>(0x20 + below(0x5F)); // printable ASCII
        while (c == '"' || c == '\\');
        out += c;
      }
    }
    out += '"';
  }

  void integer(std::string &out) {
    const std::size_t digits = 1 + below(19); // 19 digits: above INT64_MAX as often as not
    if (digits > 1 || below(2) == 0) {
      if (digits < 19 && below(3) == 0) out += '-';
      out += static_cast<char>('1' + below(9));
      for (std::size_t i = 1; i < digits; ++i) out += static_cast<char>('0' + below(10));
    } else {
      out += '0';
    }
  }

  /// A number with a fraction or an exponent that the writer converts: in Clinger's exact range,
  /// a double's shortest round-trip text (17 digits as often as not, past Clinger's 2^53), or a
  /// fraction behind leading zeros.
  void decimal(std::string &out) {
    char text[64];
    switch (below(4)) {
    case 0: { // shortest round trip of a double whose power of ten the product's table covers
      const double magnitude = std::pow(10.0, -9.0 + static_cast<double>(below(26))) *
                               (1.0 + static_cast<double>(random_()) / static_cast<double>(random_.max()));
      const double value = below(3) == 0 ? -magnitude : magnitude;
      const auto format = below(2) == 0 ? std::chars_format::scientific : std::chars_format::fixed;
      const auto written = std::to_chars(text, text + sizeof text, value, format);
      out.append(text, written.ptr);
      if (format == std::chars_format::fixed && std::string_view(text, written.ptr).find('.') == std::string_view::npos)
        out += ".0"; // an integral value: still a float
      return;
    }
    case 1: // leading zeros, then up to 17 significant digits
      if (below(3) == 0) out += '-';
      out += "0.";
      out.append(below(8), '0');
      out += static_cast<char>('1' + below(9));
      for (std::size_t n = below(17); n > 0; --n) out += static_cast<char>('0' + below(10));
      return;
    default: break;
    }
    if (below(3) == 0) out += '-';
    const std::size_t integer_digits = 1 + below(8);
    out += integer_digits == 1 ? static_cast<char>('0' + below(10)) : static_cast<char>('1' + below(9));
    for (std::size_t i = 1; i < integer_digits; ++i) out += static_cast<char>('0' + below(10));
    const bool fraction = below(4) != 0;
    if (fraction) {
      out += '.';
      for (std::size_t n = 1 + below(7); n > 0; --n) out += static_cast<char>('0' + below(10));
    }
    const bool exponent = below(3) == 0;
    if (exponent) {
      out += below(2) == 0 ? 'e' : 'E';
      if (const auto sign = below(3); sign != 0) out += sign == 1 ? '-' : '+';
      out += std::to_string(below(8));
    }
    if (!fraction && !exponent) out += ".0"; // a float, not an integer
  }

  void value(std::string &out, int levels) {
    switch (below(levels > 0 ? 7 : 5)) {
    case 0: string(out); break;
    case 1: integer(out); break;
    case 2: out += below(2) == 0 ? "true" : "false"; break;
    case 3: out += below(2) == 0 ? "null" : (decimal(out), ""); break;
    case 4: below(2) == 0 ? integer(out) : decimal(out); break;
    default: container(out, levels); break;
    }
  }

  void container(std::string &out, int levels) {
    const bool is_object = below(2) == 0;
    out += is_object ? '{' : '[';
    const std::size_t members = below(5);
    for (std::size_t i = 0; i < members; ++i) {
      space(out);
      if (i > 0) {
        out += ',';
        space(out);
      }
      if (is_object) {
        string(out);
        space(out);
        out += ':';
        space(out);
      }
      value(out, levels - 1);
    }
    space(out);
    out += is_object ? '}' : ']';
  }

  std::mt19937 random_;
};

/// Left to simdjson, whatever simdjson makes of the text (not written, and not written wrongly).
bool declined(TapeOutcome outcome) {
  return outcome == TapeOutcome::declined_valid || outcome == TapeOutcome::declined_invalid;
}

/// `levels` arrays around a number (simdjson does not count an empty innermost container).
std::string nested_arrays(std::size_t levels) { return std::string(levels, '[') + "1" + std::string(levels, ']'); }

} // namespace

TEST_CASE("the direct tape writer writes simdjson's tape for the plain shapes requests carry", "[direct-tape]") {
  for (const std::string_view text : {
           R"({"a":1,"b":2})",
           "{}",
           "[]",
           "{ }",
           "[\t\n\r ]",
           R"({"path":"/home/user/some file.txt","recursive":true,"mode":null,"depth":-3})",
           R"( { "n" : [ 1 , 2 , -3 , 0 ] , "o" : { "t" : true , "f" : false , "z" : null } } )",
           R"([[],{},[{}],{"":""}])",
           R"({"max":999999999999999999,"min":-999999999999999999,"zero":0})",
           R"({"a":"12345678","b":"1234567","c":"123456789","d":"","e":"~ !#$%&'()*+,-./:;<=>?@[]^_`{|}"})",
           R"({"dup":1,"dup":2})",
           R"({"a":1.5,"b":1e5,"c":1E5,"d":-1.0,"e":0.5,"f":-0.0,"g":0e5,"h":1e+2,"i":1e-2,"j":1.25E-3})",
           R"([123456789012345.6,900719925474099.2,-2.5e22,1e-22,9007199254740992e-22,0.1,0.2,0.3])",
           R"({"width":800.0,"height":600.5,"scale":1.25,"x":-12.75})",
           R"({"a":"line\nbreak","b":"\u00e9","c\"d":1,"e":"\\","f":"\/\b\f\n\r\t\"","g":"\u0000"})",
           R"(["\ud83d\ude00","\uD83D\uDE00x","\u2028\u2029","\u007f\u0080\u07ff\u0800\uffff","C:\\Users\\me"])",
           "{\"a\":\"\xc3\xa9\",\"\xe5\x90\x8d\xe5\x89\x8d\":\"\xe2\x80\xa8\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xef\xbf\xbf\"}",
           "[\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf0\x90\x80\x80\xf3\xbf\xbf\xbf\"]", // the edges
           "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\"]",
       }) {
    INFO(text);
    CHECK(compare_direct_tape(text, default_parser_depth) == TapeOutcome::written);
  }
}

TEST_CASE("the direct tape writer converts numbers past Clinger's exact range", "[direct-tape]") {
  // Eisel and Lemire's product: beyond 10^22, a mantissa above 2^53, fractions behind zeros.
  for (const std::string_view text : {R"([1e23])", R"([1.0e-23])", R"([2.5e-22])", R"([9007199254740993.0])",
                                      R"([90071992547409.93])", R"([0.30000000000000004])", R"([0.00000000000000000001])",
                                      R"([1.7976931348623157e55])", R"([-512.34567890123456])", R"([1e-27])"}) {
    INFO(text);
    CHECK(compare_direct_tape(text, default_parser_depth) == TapeOutcome::written);
  }
}

TEST_CASE("the direct tape writer writes every 64-bit integer as simdjson does", "[direct-tape]") {
  // Signed up to INT64_MAX, unsigned above it up to UINT64_MAX (ids and hashes), down to INT64_MIN.
  for (const std::string_view text :
       {R"([1234567890123456789])", R"([-1234567890123456789])", R"([9223372036854775807])", R"([9223372036854775808])",
        R"([-9223372036854775808])", R"([18446744073709551615])", R"([10000000000000000000])",
        R"({"id":12345678901234567890,"n":-999999999999999999})", R"([1844674407370955161])"}) {
    INFO(text);
    CHECK(compare_direct_tape(text, default_parser_depth) == TapeOutcome::written);
  }
}

TEST_CASE("the direct tape writer leaves every other text to simdjson", "[direct-tape]") {
  // Valid JSON outside its subset: simdjson parses it.
  for (const std::string_view text : {
           "1", R"("string")", "true", "null", // scalars at the root
           R"({"a":-0})",                                   // simdjson versions differ
           R"([1e56])", R"([1.0e-28])", R"([2.5e-27])",      // beyond the table of powers
           R"([12345678901234567890.5])", R"([1.2345678901234567890])", // more than 19 significant digits
           R"([1e00001])",                                  // five exponent digits
       }) {
    INFO(text);
    CHECK(compare_direct_tape(text, default_parser_depth) == TapeOutcome::declined_valid);
  }
  // Not JSON: simdjson refuses it, with its own error.
  for (const std::string_view text : std::initializer_list<std::string_view>{
           "", " ", "{", "[", "}", "{\"a\":1", "[1,]", "[,1]", "{\"a\":1,}", "{,}", "{\"a\" 1}", "{\"a\":}",
           "[1 2]", "[1,,2]", "{1:2}", "{'a':1}", "[tru]", "[truex]", "[nul]", "[nulll]", "[fals]", "[-]", "[--1]",
           "[01]", "[-01]", "[00]", "[+1]", "[1-]", "[1x]", "[.5]", "{\"a\":1}x", "{\"a\":1} {}", "{}{}", "[]]",
           "[\"a]", "[\"abc", "[\"\x01\"]", "[\"\x1f\"]", "[\"a\tb\"]", "[\"\x7f\x80\"]", "{\"a\":1}\x00"sv, "[\"\x00\"]"sv, "\x00"sv,
           "[1]\v", "[1\f]", "[nan]", "[Infinity]",
           "[1.]", "[1.e5]", "[1e]", "[1e+]", "[1e-]", "[-.5]", "[1.5.5]", "[1e5e5]", "[01.5]", "[1.5x]", "[1,5e]",
       }) {
    INFO(text);
    const auto outcome = compare_direct_tape(text, default_parser_depth);
    CHECK(outcome == TapeOutcome::declined_invalid);
  }
  // A byte order mark is not JSON's, whatever simdjson makes of it.
  CHECK(declined(compare_direct_tape("\xef\xbb\xbf{}", default_parser_depth)));
  // DEL is valid JSON.
  CHECK(compare_direct_tape("[\"\x7f\"]", default_parser_depth) == TapeOutcome::written);
  // Not UTF-8 (overlong, a surrogate, beyond U+10FFFF, cut short, a stray continuation byte) and
  // escapes JSON does not have: simdjson refuses them.
  for (const std::string_view text : {"[\"\xc0\x80\"]", "[\"\xc1\xbf\"]", "[\"\xe0\x9f\xbf\"]", "[\"\xed\xa0\x80\"]",
                                      "[\"\xf0\x8f\xbf\xbf\"]", "[\"\xf4\x90\x80\x80\"]", "[\"\xf5\x80\x80\x80\"]",
                                      "[\"\xc3\"]", "[\"\xe2\x80\"]", "[\"\x80\"]", "[\"\xff\"]", "[\"\xc3", R"(["\x"])",
                                      R"(["\u12"])", R"(["\u12g4"])", R"(["\U0041"])", R"(["\)", R"(["\u)", R"(["\'"])"}) {
    INFO(text);
    CHECK(compare_direct_tape(text, default_parser_depth) == TapeOutcome::declined_invalid);
  }
  // Integers beyond 64 bits: left to simdjson (3.0 refuses them, later versions may not).
  for (const std::string_view text : {R"([18446744073709551616])", R"([99999999999999999999])", R"([-9223372036854775809])",
                                      R"([123456789012345678901])"}) {
    INFO(text);
    CHECK(declined(compare_direct_tape(text, default_parser_depth)));
  }
  // Lone surrogates: left to simdjson, whatever it makes of them.
  for (const std::string_view text : {R"(["\ud800"])", R"(["\udc00"])", R"(["\ud800\u0041"])", R"(["\ud800x"])",
                                      R"(["\udbff\udbff"])", R"(["\ud800\"])"}) {
    INFO(text);
    CHECK(declined(compare_direct_tape(text, default_parser_depth)));
  }
  // Numbers it does not convert: more than 19 significant digits, a power of ten outside
  // 10^-27 .. 10^55, `-0`.
  for (const std::string_view text : {"[1.2345678901234567890]", "[12345678901234567890.5]", "[1e-28]", "[1.5e-27]",
                                      "[1e56]", "[1e300]", "[-0]", "[0.00000000000000000000000000001]"}) {
    INFO(text);
    CHECK(compare_direct_tape(text, default_parser_depth) == TapeOutcome::declined_valid);
  }
}

TEST_CASE("the direct tape writer takes documents of any size", "[direct-tape]") {
  // Large documents go through it too: a long string, and arrays of numbers of every shape the
  // decode benchmark sends, around the 32-byte window the number scan reads.
  const std::string long_string = "[\"" + std::string(100000, 'x') + "\"]";
  CHECK(compare_direct_tape(long_string, default_parser_depth) == TapeOutcome::written);
  std::mt19937_64 random(5);
  std::string numbers = "{\"values\":[";
  char text[64];
  for (int i = 0; i < 20000; ++i) {
    if (i > 0) numbers += i % 7 == 0 ? ", " : ",";
    const double value = std::uniform_real_distribution<double>(-1000.0, 1000.0)(random);
    const auto written = i % 2 == 0 ? std::to_chars(text, text + sizeof text, value)
                                    : std::to_chars(text, text + sizeof text, value, std::chars_format::fixed, 3);
    numbers.append(text, written.ptr);
  }
  numbers += "]}";
  CHECK(compare_direct_tape(numbers, default_parser_depth) == TapeOutcome::written);
  // More elements than the tape's 24-bit count holds: saturated, as simdjson saturates it (an
  // unsaturated count spilled into the type byte of the array's word).
  std::string many = "[0";
  many.reserve(2 * 0x1000008);
  for (int i = 0; i < 0xFFFFFF + 5; ++i) many += ",0";
  many += "]";
  CHECK(compare_direct_tape(many, default_parser_depth) == TapeOutcome::written);
}

TEST_CASE("the direct tape writer reads arrays of decimals in batches, across their ends", "[direct-tape]") {
  // Runs of short decimals are read 16 at a time and converted in pairs: runs of every length
  // around those sizes, ended or broken by every other kind of element, at every position.
  std::mt19937_64 random(11);
  const auto digits = [&](std::string &out, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) out += static_cast<char>('0' + random() % 10);
  };
  const auto short_decimal = [&](std::string &out) {
    if (random() % 3 == 0) out += '-';
    const std::size_t integer_digits = 1 + random() % 7;
    if (integer_digits == 1) digits(out, 1);
    else {
      out += static_cast<char>('1' + random() % 9);
      digits(out, integer_digits - 1);
    }
    out += '.';
    digits(out, 1 + random() % (8 - integer_digits));
  };
  const auto other_element = [&](std::string &out) {
    switch (random() % 6) {
    case 0: // a longer decimal: 9 to 19 digits, 1 to 16 before the dot
      if (random() % 3 == 0) out += '-';
      out += static_cast<char>('1' + random() % 9);
      digits(out, random() % 8);
      out += '.';
      digits(out, 1 + random() % 11);
      break;
    case 1: digits(out, 1 + random() % 5); break; // an integer (leading zeros are invalid: fixed below)
    case 2: short_decimal(out); out += "e-3"; break;
    case 3: short_decimal(out); out += 'E'; out += std::to_string(random() % 20); break;
    case 4: out += "0.000"; break;
    default: out += "-0.5"; break;
    }
  };
  std::size_t written = 0;
  for (std::size_t length = 0; length <= 70; ++length) {
    for (int round = 0; round < 12; ++round) {
      std::string text = "[";
      for (std::size_t i = 0; i < length; ++i) {
        if (i > 0) text += random() % 40 == 0 ? ", " : ",";
        if (random() % 8 == 0) other_element(text);
        else short_decimal(text);
      }
      text += ']';
      // An integer element may have come out as `007`: that is no JSON, and simdjson says so.
      INFO(text);
      const auto outcome = compare_direct_tape(text, default_parser_depth);
      REQUIRE(outcome != TapeOutcome::mismatch);
      if (outcome == TapeOutcome::written) ++written;

      // Broken at one element: what is taken must still be simdjson's tape.
      if (length == 0) continue;
      std::string broken = text;
      static constexpr std::string_view breaks[] = {",", ".", "-", "e", "x", " ", "0", ".5", "]"};
      broken.insert(1 + random() % (broken.size() - 1), breaks[random() % std::size(breaks)]);
      INFO(broken);
      REQUIRE(compare_direct_tape(broken, default_parser_depth) != TapeOutcome::mismatch);
    }
  }
  CHECK(written > 600); // most generated arrays are JSON, and the writer takes them
  // Longer decimals of every shape the long run takes (1 to 16 digits before the dot, 9 to 19
  // in all, so 16, 17 and more than 16 before the dot's end), and the shapes around it.
  for (std::size_t integer_digits = 1; integer_digits <= 18; ++integer_digits) {
    for (std::size_t all = integer_digits + 1; all <= 21; ++all) {
      std::string text = "[";
      for (int i = 0; i < 40; ++i) {
        if (i > 0) text += ',';
        if (random() % 2 == 0) text += '-';
        text += static_cast<char>('1' + random() % 9);
        digits(text, integer_digits - 1);
        text += '.';
        digits(text, all - integer_digits);
      }
      text += ",1.5]"; // a last number the writer takes, so what the run wrote is compared
      INFO(text);
      // Up to 19 digits written; more are simdjson's, for the whole document.
      CHECK(compare_direct_tape(text, default_parser_depth) ==
            (all <= 19 ? TapeOutcome::written : TapeOutcome::declined_valid));
    }
  }
  // Each kind of element as the last of a run of 16, 17, 32 short decimals (which no comma
  // follows), and as the first after one.
  for (const std::size_t run : {std::size_t{15}, std::size_t{16}, std::size_t{17}, std::size_t{32}, std::size_t{33}}) {
    for (const std::string_view last : {"1.5", "-0.25", "12.5e3", "1234567.1", "12345678.5", "3.14159265358979",
                                        "42", "0.000", "-0.000", "7.0E-2"}) {
      std::string runs;
      for (std::size_t i = 0; i < run; ++i) runs += "-512.345,";
      const std::string ending = "[" + runs + std::string(last) + "]";
      const std::string starting = "[" + runs + std::string(last) + "," + runs + "1.5]";
      INFO(ending);
      CHECK(compare_direct_tape(ending, default_parser_depth) == TapeOutcome::written);
      INFO(starting);
      CHECK(compare_direct_tape(starting, default_parser_depth) == TapeOutcome::written);
    }
  }
}

TEST_CASE("the direct tape writer keeps to the parser's depth and its own", "[direct-tape]") {
  // simdjson refuses a container at level max_depth; the writer declines it (simdjson then says
  // why) and takes everything shallower, up to its own 32 levels.
  for (const std::size_t max_depth : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5},
                                      std::size_t{33}, std::size_t{34}, default_parser_depth}) {
    for (std::size_t levels = 1; levels <= 40; ++levels) {
      INFO("max_depth " << max_depth << ", levels " << levels);
      const auto outcome = compare_direct_tape(nested_arrays(levels), max_depth);
      if (levels >= max_depth) CHECK(outcome == TapeOutcome::declined_invalid);
      else if (levels > ward::detail::direct_tape_max_depth) CHECK(outcome == TapeOutcome::declined_valid);
      else CHECK(outcome == TapeOutcome::written);
    }
  }
}

TEST_CASE("the direct tape writer matches simdjson on generated and mutated documents", "[direct-tape]") {
  PlainJson plain(20261207);
  std::mt19937 random(7);
  std::size_t written = 0, declined = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string text = plain.document(1 + i % 5);
    INFO(text);
    // Every plain document is taken, so a writer that declined everything would fail here.
    REQUIRE(compare_direct_tape(text, default_parser_depth) == TapeOutcome::written);
    ++written;

    // Mutations: what the writer takes of them must still be simdjson's tape.
    std::string mutated = text;
    static constexpr std::string_view inserts[] = {".5", "e3", "\\n", "\xc3\xa9", "-0", ",", ":", "\"", "{", "]",
                                                   "1234567890123456789", "\x01", " ", "tru", "0"};
    for (int edit = 1 + static_cast<int>(random() % 3); edit > 0 && !mutated.empty(); --edit) {
      const std::size_t at = random() % mutated.size();
      switch (random() % 4) {
      case 0: mutated[at] = static_cast<char>(random()); break;
      case 1: mutated.erase(at, 1 + random() % 3); break;
      case 2: mutated.resize(at); break;
      default: mutated.insert(at, inserts[random() % std::size(inserts)]); break;
      }
    }
    INFO(mutated);
    const auto outcome = compare_direct_tape(mutated, default_parser_depth);
    REQUIRE(outcome != TapeOutcome::mismatch);
    if (outcome != TapeOutcome::written) ++declined;
  }
  CHECK(written > 15000);
  CHECK(declined > 5000); // the mutations reached the declining paths
}

TEST_CASE("a document written by the direct tape writer reads like simdjson's", "[direct-tape]") {
  // Through the request path's parse and simdjson's own reader.
  const auto document = ward::detail::ParsedDocument::parse(
      R"( {"a" : [1, {"b":"x y"}, -7], "c":null, "d" : true} )", ward::Limits{}, "body");
  REQUIRE(document);
  CHECK(simdjson::minify(document.value().root()) == R"({"a":[1,{"b":"x y"},-7],"c":null,"d":true})");
  auto b = document.value().root()["a"].at(1)["b"].get_string();
  REQUIRE(b.error() == simdjson::SUCCESS);
  CHECK(b.value() == "x y");
}

TEST_CASE("the direct tape writer's whitespace scans stop at the first byte that is no JSON whitespace", "[direct-tape]") {
  static constexpr char blanks[] = {' ', '\t', '\n', '\r'};
  static constexpr char others[] = {'{', '"', '0', '\0', '\x0b', '\x0c', '\x1f', '\x80', '!', 'a'};
  std::mt19937 random(13);
  for (std::size_t run = 0; run < 40; ++run) {
    for (const char other : others) {
      std::string buffer;
      for (std::size_t i = 0; i < run; ++i) buffer += blanks[random() % std::size(blanks)];
      buffer += other;
      buffer.append(40, ' '); // blanks after it must not be skipped
      INFO("run " << run << ", stopping byte " << static_cast<int>(static_cast<unsigned char>(other)));
      CHECK(ward::detail::find_non_space_bytes(buffer.data()) == buffer.data() + run);
#if defined(__SSE2__)
      CHECK(ward::detail::find_non_space_sse2(buffer.data()) == buffer.data() + run);
#endif
    }
  }
  // Pretty-printed documents: runs of whitespace of every length between tokens.
  for (std::size_t indent = 0; indent < 40; ++indent) {
    const std::string gap = "\n" + std::string(indent, indent % 3 == 0 ? '\t' : ' ');
    const std::string text = "{" + gap + "\"a\"" + gap + ":" + gap + "[" + gap + "1.5" + gap + "," + gap + "\"x\"" + gap +
                             "]" + gap + "," + gap + "\"b\"" + gap + ":" + gap + "{" + gap + "}" + gap + "}" + gap;
    INFO(text);
    CHECK(compare_direct_tape(text, default_parser_depth) == TapeOutcome::written);
  }
}

TEST_CASE("the direct tape writer's string scans find the first byte a plain string cannot hold", "[direct-tape]") {
  // Against a byte loop, on blocks that put the stopping byte at every offset of a block and mix
  // the byte kinds that stop (and borrows that could flag a later byte) before and after it.
  const auto stops = [](unsigned char c) { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80; };
  const auto reference = [&](const char *at) {
    while (!stops(static_cast<unsigned char>(*at))) ++at;
    return at;
  };
  static constexpr unsigned char plain[] = {'a', ' ', '!', '#', '[', ']', '~', 0x7F, '0', '}', 0x21, 0x5D};
  static constexpr unsigned char stoppers[] = {'"', '\\', 0x00, 0x01, 0x1F, 0x80, 0xC3, 0xFF, '\n', '\t'};
  std::mt19937 random(11);
  std::size_t checked = 0;
  for (std::size_t stop_at = 0; stop_at < 40; ++stop_at) {
    for (const unsigned char stopper : stoppers) {
      for (int variant = 0; variant < 20; ++variant) {
        std::string buffer;
        for (std::size_t i = 0; i < stop_at; ++i) buffer += static_cast<char>(plain[random() % std::size(plain)]);
        buffer += static_cast<char>(stopper);
        for (std::size_t i = 0; i < 40; ++i) buffer += static_cast<char>(random()); // anything after it
        const char *expected = reference(buffer.data());
        REQUIRE(expected == buffer.data() + stop_at);
        CHECK(ward::detail::find_unplain_words(buffer.data()) == expected);
#if defined(__SSE2__)
        CHECK(ward::detail::find_unplain_sse2(buffer.data()) == expected);
#endif
        ++checked;
      }
    }
  }
  CHECK(checked == 40 * std::size(stoppers) * 20);
}
