// How fast can anything turn the decode benchmark's bodies into std::vector<double> on this
// machine? ward's decode writes simdjson's DOM tape itself (src/json/direct_tape.cpp); this
// program measures the other ways a validating decoder could take, outside ward, on the same
// text (bench_support.hpp's values_body), so ward's number can be read against the machine's
// ceiling:
//   - simdjson DOM: parse + copy (what ward did before it wrote the tape itself);
//   - simdjson On-Demand: no tape, numbers parsed once, straight into the vector (On-Demand is
//     compiled into the caller with the caller's target; this program is built for haswell so
//     it gets simdjson's AVX2 kernel, as the DOM parse does by run-time dispatch);
//   - std::from_chars: libstdc++ 12's (fast_float inside), in a hand-written array scan;
//   - a hand-written scan and number parser (Clinger's exact fast path, from_chars otherwise).
// Every decoder must give the DOM's vector bit for bit before anything is timed.
#include "bench_support.hpp"
#include "summary_reporter.hpp"

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ward_bench {
namespace {

struct Body {
  std::string text;
  simdjson::padded_string padded;
};

const Body &body(std::int64_t bytes, std::int64_t shape) {
  static std::map<std::pair<std::int64_t, std::int64_t>, Body> bodies;
  auto &found = bodies[{bytes, shape}];
  if (found.text.empty()) {
    found.text = values_body(static_cast<std::size_t>(bytes), static_cast<NumberShape>(shape));
    found.padded = simdjson::padded_string(found.text);
  }
  return found;
}

std::optional<std::vector<double>> decode_dom(simdjson::dom::parser &parser, const Body &in) {
  simdjson::dom::array array;
  if (parser.parse(in.padded)["values"].get(array) != simdjson::SUCCESS) return std::nullopt;
  std::vector<double> values;
  values.reserve(array.size());
  for (auto element : array) {
    double value = 0;
    if (element.get(value) != simdjson::SUCCESS) return std::nullopt;
    values.push_back(value);
  }
  return values;
}

std::optional<std::vector<double>> decode_on_demand(simdjson::ondemand::parser &parser, const Body &in) {
  simdjson::ondemand::document document;
  simdjson::ondemand::array array;
  if (parser.iterate(in.padded).get(document) != simdjson::SUCCESS ||
      document["values"].get_array().get(array) != simdjson::SUCCESS)
    return std::nullopt;
  std::vector<double> values;
  for (auto element : array) {
    double value = 0;
    if (element.get_double().get(value) != simdjson::SUCCESS) return std::nullopt;
    values.push_back(value);
  }
  // (On-Demand validates only what it visits; here that is the whole array but not the closing
  // brace, which favours it slightly.)
  return values;
}

// --- a hand-written validating scan ------------------------------------------------------------
// The text is padded (simdjson's padded_string: zero bytes after the end), so the scan can read
// one character past any token without a bounds check.

constexpr std::array<double, 23> exact_powers_of_ten{1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

bool is_digit(char c) noexcept { return static_cast<unsigned char>(c - '0') <= 9; }

const char *skip_whitespace(const char *at) noexcept {
  while (*at == ' ' || *at == '\n' || *at == '\r' || *at == '\t') ++at;
  return at;
}

/// One JSON number (RFC 8259 grammar) at `at`; null if there is none. Exact: a mantissa below
/// 2^53 with a power of ten up to 22 is one correctly rounded operation (Clinger), anything
/// else goes to from_chars.
const char *hand_written_number(const char *at, double &out) noexcept {
  const char *start = at;
  const bool negative = *at == '-';
  at += negative;
  std::uint64_t mantissa = 0;
  const char *first_digit = at;
  if (*at == '0') ++at;
  else if (*at >= '1' && *at <= '9')
    for (; is_digit(*at); ++at) mantissa = mantissa * 10 + static_cast<unsigned>(*at - '0');
  else return nullptr;
  std::ptrdiff_t digits = at - first_digit;
  int exponent = 0;
  if (*at == '.') {
    const char *fraction = ++at;
    for (; is_digit(*at); ++at) mantissa = mantissa * 10 + static_cast<unsigned>(*at - '0');
    if (at == fraction) return nullptr;
    digits += at - fraction;
    exponent = -static_cast<int>(at - fraction);
  }
  if (*at == 'e' || *at == 'E') {
    ++at;
    const bool negative_exponent = *at == '-';
    if (*at == '-' || *at == '+') ++at;
    if (!is_digit(*at)) return nullptr;
    int written = 0;
    for (; is_digit(*at); ++at)
      if (written < 100000) written = written * 10 + (*at - '0');
    exponent += negative_exponent ? -written : written;
  }
  if (digits <= 19 && mantissa <= (std::uint64_t{1} << 53) && exponent >= -22 && exponent <= 22) {
    double value = static_cast<double>(mantissa);
    value = exponent < 0 ? value / exact_powers_of_ten[static_cast<std::size_t>(-exponent)]
                         : value * exact_powers_of_ten[static_cast<std::size_t>(exponent)];
    out = negative ? -value : value;
    return at;
  }
  const auto parsed = std::from_chars(start, at, out);
  return parsed.ec == std::errc() && parsed.ptr == at ? at : nullptr;
}

/// from_chars accepts more than JSON ("01", "1.", ".5", "inf"); this checks the grammar first.
const char *from_chars_number(const char *at, double &out) noexcept {
  const char *start = at;
  at += *at == '-';
  if (*at == '0') ++at;
  else if (*at >= '1' && *at <= '9') while (is_digit(*at)) ++at;
  else return nullptr;
  if (*at == '.') {
    if (!is_digit(*++at)) return nullptr;
    while (is_digit(*at)) ++at;
  }
  if (*at == 'e' || *at == 'E') {
    ++at;
    if (*at == '-' || *at == '+') ++at;
    if (!is_digit(*at)) return nullptr;
    while (is_digit(*at)) ++at;
  }
  const auto parsed = std::from_chars(start, at, out);
  return parsed.ec == std::errc() && parsed.ptr == at ? at : nullptr;
}

enum class NumberParser { hand_written, from_chars };

/// `{"values":[n, ...]}` with whitespace anywhere JSON allows it; UTF-8 checked by simdjson.
template <NumberParser Parser> std::optional<std::vector<double>> decode_scan(const Body &in) {
  if (!simdjson::validate_utf8(in.text.data(), in.text.size())) return std::nullopt;
  const char *end = in.padded.data() + in.padded.size();
  const char *at = skip_whitespace(in.padded.data());
  constexpr std::string_view key = R"("values")";
  if (*at != '{' || std::string_view(at = skip_whitespace(at + 1), key.size()) != key) return std::nullopt;
  at = skip_whitespace(at + key.size());
  if (*at != ':' || *(at = skip_whitespace(at + 1)) != '[') return std::nullopt;
  std::vector<double> values;
  values.reserve(in.text.size() / 4); // an upper bound-ish guess, as a decoder would size it
  at = skip_whitespace(at + 1);
  if (*at != ']') {
    for (;;) {
      double value = 0;
      if constexpr (Parser == NumberParser::hand_written) at = hand_written_number(at, value);
      else at = from_chars_number(at, value);
      if (!at) return std::nullopt;
      values.push_back(value);
      at = skip_whitespace(at);
      if (*at == ',') {
        at = skip_whitespace(at + 1);
        continue;
      }
      if (*at != ']') return std::nullopt;
      break;
    }
  }
  at = skip_whitespace(at + 1);
  if (*at != '}' || skip_whitespace(at + 1) != end) return std::nullopt;
  return values;
}

template <class Decode> void measure(benchmark::State &state, Decode decode) {
  const Body &in = body(state.range(0), state.range(1));
  simdjson::dom::parser reference_parser;
  const auto reference = decode_dom(reference_parser, in);
  const auto decoded = decode(in);
  if (!reference || !decoded || decoded->size() != reference->size() ||
      std::memcmp(decoded->data(), reference->data(), reference->size() * sizeof(double)) != 0) {
    state.SkipWithError("this decoder does not give simdjson's values bit for bit");
    return;
  }
  for (auto _ : state) {
    auto values = decode(in);
    benchmark::DoNotOptimize(values->data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.text.size()));
}

void BM_CeilingDom(benchmark::State &state) {
  simdjson::dom::parser parser;
  measure(state, [&](const Body &in) { return decode_dom(parser, in); });
}
void BM_CeilingOnDemand(benchmark::State &state) {
  simdjson::ondemand::parser parser;
  measure(state, [&](const Body &in) { return decode_on_demand(parser, in); });
}
void BM_CeilingFromChars(benchmark::State &state) { measure(state, decode_scan<NumberParser::from_chars>); }
void BM_CeilingHandWritten(benchmark::State &state) { measure(state, decode_scan<NumberParser::hand_written>); }

void sizes(benchmark::internal::Benchmark *benchmark) {
  for (std::int64_t shape : {0, 1})
    for (std::int64_t bytes : {std::int64_t{1} << 20, std::int64_t{1} << 24}) benchmark->Args({bytes, shape});
  benchmark->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_CeilingDom)->Apply(sizes);
BENCHMARK(BM_CeilingOnDemand)->Apply(sizes);
BENCHMARK(BM_CeilingFromChars)->Apply(sizes);
BENCHMARK(BM_CeilingHandWritten)->Apply(sizes);

std::vector<CounterCheck> counter_checks() {
  std::vector<CounterCheck> checks;
  for (const char *decoder : {"Dom", "OnDemand", "FromChars", "HandWritten"})
    for (const char *size : {"1048576", "16777216"})
      for (const char *shape : {"0", "1"})
        checks.push_back(CounterCheck{std::string(decoder) + ", " + size + " B, shape " + shape,
                                      std::string("BM_Ceiling") + decoder + "/" + size + "/" + shape,
                                      "bytes_per_second", " B/s", 0.8e9, std::nullopt});
  return checks;
}

} // namespace
} // namespace ward_bench

int main(int argc, char **argv) { return ward_bench::run_with_summary(argc, argv, {}, ward_bench::counter_checks()); }
