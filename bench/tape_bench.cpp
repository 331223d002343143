// ward's tape writer (write_direct_tape) against simdjson's own parse of the same 1 MiB text,
// for the document shapes a host sends besides arrays of numbers: records (compact,
// pretty-printed, full of non-ASCII text), long strings, the decode benchmark's numbers, and a
// byte buffer sent as an array of integers.
// Both write the same tape into the same kind of document; the ratio is writer / simdjson.
#include "bench_support.hpp"
#include "json/direct_tape.hpp"
#include "summary_reporter.hpp"

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace ward_bench {
namespace {

constexpr std::size_t one_mib = std::size_t{1} << 20;

enum class Shape { compact_records, pretty_records, non_ascii_records, long_strings, full_numbers, short_numbers, bytes };

constexpr std::array<std::string_view, 7> shape_names{"compact records",  "pretty-printed records",
                                                      "non-ASCII records", "long strings",
                                                      "full-precision numbers", "short-decimal numbers",
                                                      "bytes (integers 0-255)"};

/// About `bytes` of records, as an app's list command answers or a form posts them.
std::string records(std::size_t bytes, bool pretty, bool non_ascii) {
  std::mt19937_64 random(7);
  std::string text = pretty ? "{\n  \"records\": [\n" : "{\"records\":[";
  const char *const comma = pretty ? ",\n" : ",";
  for (bool first = true; text.size() < bytes; first = false) {
    if (!first) text += comma;
    const std::string name = std::string(non_ascii ? "Zoë Ångström – 東京 " : "user name ") + std::to_string(random() % 100000);
    const std::string id = std::to_string(random() % 1000000), mail = std::to_string(random() % 1000);
    const std::string score = std::to_string(random() % 1000);
    if (pretty)
      text += "    {\n      \"id\": " + id + ",\n      \"name\": \"" + name + "\",\n      \"email\": \"someone" + mail +
              "@example.com\",\n      \"active\": true,\n      \"score\": " + score +
              ".5,\n      \"tags\": [\"alpha\", \"beta\"]\n    }";
    else
      text += "{\"id\":" + id + ",\"name\":\"" + name + "\",\"email\":\"someone" + mail +
              "@example.com\",\"active\":true,\"score\":" + score + ".5,\"tags\":[\"alpha\",\"beta\"]}";
  }
  text += pretty ? "\n  ]\n}" : "]}";
  return text;
}

/// About `bytes` of a byte buffer as `JSON.stringify(Array.from(uint8Array))` sends it.
std::string byte_array(std::size_t bytes) {
  std::mt19937_64 random(9);
  std::string text = "{\"data\":[";
  for (bool first = true; text.size() < bytes; first = false) {
    if (!first) text += ',';
    text += std::to_string(random() % 256);
  }
  return text + "]}";
}

std::string long_strings(std::size_t bytes) {
  std::string text = "[";
  for (bool first = true; text.size() < bytes; first = false) {
    if (!first) text += ',';
    text += '"' + std::string(200, 'x') + " lorem ipsum dolor sit amet\"";
  }
  return text + "]";
}

std::string text_of(Shape shape) {
  switch (shape) {
  case Shape::compact_records: return records(one_mib, false, false);
  case Shape::pretty_records: return records(one_mib, true, false);
  case Shape::non_ascii_records: return records(one_mib, false, true);
  case Shape::long_strings: return long_strings(one_mib);
  case Shape::full_numbers: return values_body(one_mib, NumberShape::full_precision);
  case Shape::short_numbers: return values_body(one_mib, NumberShape::short_decimal);
  case Shape::bytes: return byte_array(one_mib);
  }
  return {};
}

/// A text with simdjson's padding (which covers the writer's NUL and padding) and a parser
/// sized for it.
struct Prepared {
  std::string text;
  simdjson::padded_string padded;
  simdjson::dom::parser parser;
  bool ready = false;

  explicit Prepared(Shape shape) : text(text_of(shape)), padded(text) {
    ready = parser.allocate(text.size(), 129) == simdjson::SUCCESS &&
            parser.parse(padded).error() == simdjson::SUCCESS; // sizes the document too
  }
};

constexpr std::size_t parser_depth = 129; // ward's default max_depth (128) + 1

void BM_SimdjsonTape(benchmark::State &state) {
  Prepared prepared(static_cast<Shape>(state.range(0)));
  if (!prepared.ready) {
    state.SkipWithError("simdjson refused the text");
    return;
  }
  for (auto _ : state) {
    auto error = prepared.parser.parse(prepared.padded).error();
    benchmark::DoNotOptimize(error);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(prepared.text.size()));
}
BENCHMARK(BM_SimdjsonTape)->DenseRange(0, 6)->Unit(benchmark::kMicrosecond);

void BM_DirectTape(benchmark::State &state) {
  Prepared prepared(static_cast<Shape>(state.range(0)));
  // The writer needs a NUL after the text; padded_string's padding is zeros.
  const std::string_view text(prepared.padded.data(), prepared.text.size());
  if (!prepared.ready || !ward::detail::write_direct_tape(text, prepared.parser.doc, parser_depth)) {
    state.SkipWithError("the writer declined the text");
    return;
  }
  for (auto _ : state) {
    bool written = ward::detail::write_direct_tape(text, prepared.parser.doc, parser_depth);
    benchmark::DoNotOptimize(written);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(prepared.text.size()));
}
BENCHMARK(BM_DirectTape)->DenseRange(0, 6)->Unit(benchmark::kMicrosecond);

std::vector<RatioCheck> ratio_checks() {
  std::vector<RatioCheck> checks;
  for (std::size_t shape = 0; shape < shape_names.size(); ++shape) {
    const std::string args = "/" + std::to_string(shape);
    checks.push_back({"1 MiB of " + std::string(shape_names[shape]) + ", writer / simdjson parse", "BM_DirectTape" + args,
                      "BM_SimdjsonTape" + args, std::nullopt});
  }
  return checks;
}

} // namespace
} // namespace ward_bench

int main(int argc, char **argv) { return ward_bench::run_with_summary(argc, argv, ward_bench::ratio_checks(), {}); }
