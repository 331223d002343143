// Time of ward's invoke path against hand-written baselines run in the same process:
//   - a small call ({"a":1,"b":2} -> 3) against simdjson + a direct call + writing the result;
//   - a call whose answer needs a heap buffer (where WARD_USE_MIMALLOC matters);
//   - decoding a large array into std::vector<double> against simdjson parsing the same text.
// The summary after the table prints the ratios and whether each target is met.
#include "bench_support.hpp"
#include "summary_reporter.hpp"

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

namespace ward_bench {
namespace {

constexpr std::int64_t one_mib = 1 << 20;
constexpr std::int64_t sixteen_mib = 16 << 20;

// --- small invoke ----------------------------------------------------------------------------

void BM_WardInvokeSmall(benchmark::State &state) {
  const ward::App app = make_app();
  const TauriRequest tauri(app, "ipc://localhost/add", std::string(small_body));
  const ward::Request request = tauri.request();
  if (const auto response = app.invoke(request); !response.ok() || std::string_view(response.body) != "3") {
    state.SkipWithError(wrong_answer("small invoke", response).c_str());
    return;
  }
  for (auto _ : state) {
    ward::Response response = app.invoke(request);
    benchmark::DoNotOptimize(response.body.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_WardInvokeSmall);

/// The least work that answers the same call: the same simdjson parse with a reused parser (the
/// body is not padded, so simdjson copies it into its reused padded buffer, as in ward), the two
/// members read with type checks, a direct call, and the result written as JSON text.
void BM_BaselineSmall(benchmark::State &state) {
  simdjson::dom::parser parser;
  const std::string body(small_body);
  for (auto _ : state) {
    simdjson::dom::element root;
    std::int64_t a = 0;
    std::int64_t b = 0;
    if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS || root["a"].get(a) != simdjson::SUCCESS ||
        root["b"].get(b) != simdjson::SUCCESS) {
      state.SkipWithError("the baseline could not read the small body");
      break;
    }
    const std::int64_t sum = add(a, b);
    char digits[24];
    const auto written = std::to_chars(digits, digits + sizeof digits, sum);
    std::string json(digits, written.ptr);
    benchmark::DoNotOptimize(json.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_BaselineSmall);

/// An answer too long for the small-string buffer: the response body comes from ward's
/// allocator (mimalloc or operator new), so this is where WARD_USE_MIMALLOC can show.
void BM_WardInvokeLongAnswer(benchmark::State &state) {
  const ward::App app = make_app();
  const TauriRequest tauri(app, "ipc://localhost/describe", R"({"name":"ward"})");
  const ward::Request request = tauri.request();
  if (const auto response = app.invoke(request);
      !response.ok() || std::string_view(response.body) != R"("an embeddable backend core for webview apps")") {
    state.SkipWithError(wrong_answer("long-answer invoke", response).c_str());
    return;
  }
  for (auto _ : state) {
    ward::Response response = app.invoke(request);
    benchmark::DoNotOptimize(response.body.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_WardInvokeLongAnswer);

// --- decoding std::vector<double> ------------------------------------------------------------

void decode_args(benchmark::internal::Benchmark *benchmark) {
  for (const std::int64_t bytes : {one_mib, sixteen_mib})
    for (const auto shape : {NumberShape::full_precision, NumberShape::short_decimal})
      benchmark->Args({bytes, static_cast<std::int64_t>(shape)});
  benchmark->Unit(benchmark::kMicrosecond);
}

/// The whole invoke path of a command taking `std::vector<double> values`.
void BM_WardDecodeDoubles(benchmark::State &state) {
  const ward::App app = make_app();
  std::size_t count = 0;
  const TauriRequest tauri(app, "ipc://localhost/count_values",
                           values_body(static_cast<std::size_t>(state.range(0)),
                                       static_cast<NumberShape>(state.range(1)), &count));
  const ward::Request request = tauri.request();
  if (const auto response = app.invoke(request);
      !response.ok() || std::string_view(response.body) != std::to_string(count)) {
    state.SkipWithError(wrong_answer("decode", response).c_str());
    return;
  }
  for (auto _ : state) {
    ward::Response response = app.invoke(request);
    benchmark::DoNotOptimize(response.body.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(tauri.body().size()));
  state.counters["values"] = static_cast<double>(count);
}
BENCHMARK(BM_WardDecodeDoubles)->Apply(decode_args);

/// simdjson parsing the same body and nothing else: the floor any decoder built on it has.
void BM_SimdjsonParseDoubles(benchmark::State &state) {
  const std::string body =
      values_body(static_cast<std::size_t>(state.range(0)), static_cast<NumberShape>(state.range(1)));
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
      state.SkipWithError("simdjson could not parse the body");
      break;
    }
    benchmark::DoNotOptimize(root);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_SimdjsonParseDoubles)->Apply(decode_args);

/// simdjson parsing the body and copying the array into a fresh std::vector<double>: the same
/// job as ward's, hand-written without names, limits or envelope.
void BM_SimdjsonDecodeDoubles(benchmark::State &state) {
  const std::string body =
      values_body(static_cast<std::size_t>(state.range(0)), static_cast<NumberShape>(state.range(1)));
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element root;
    simdjson::dom::array array;
    if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
        root["values"].get(array) != simdjson::SUCCESS) {
      state.SkipWithError("simdjson could not parse the body");
      break;
    }
    std::vector<double> values;
    values.reserve(array.size());
    for (auto element : array) {
      double value = 0;
      if (element.get(value) != simdjson::SUCCESS) {
        state.SkipWithError("not a number");
        return;
      }
      values.push_back(value);
    }
    benchmark::DoNotOptimize(values.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_SimdjsonDecodeDoubles)->Apply(decode_args);

/// "/1048576/0": the arguments part of a decode benchmark's run name.
std::string run_args(std::int64_t bytes, NumberShape shape) {
  // Appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.
  std::string args;
  args += '/';
  args += std::to_string(bytes);
  args += '/';
  args += std::to_string(static_cast<int>(shape));
  return args;
}

std::string data_name(std::int64_t bytes, NumberShape shape) {
  std::string name(bytes == one_mib ? "1 MiB" : "16 MiB");
  name += shape == NumberShape::full_precision ? " full-precision" : " short-decimal";
  return name;
}

std::vector<RatioCheck> ratio_checks() {
  std::vector<RatioCheck> checks{{"small invoke, ward / baseline", "BM_WardInvokeSmall", "BM_BaselineSmall", 1.5}};
  for (const std::int64_t bytes : {one_mib, sixteen_mib}) {
    for (const auto shape : {NumberShape::full_precision, NumberShape::short_decimal}) {
      const std::string args = run_args(bytes, shape);
      const std::string what = data_name(bytes, shape);
      checks.push_back({"decode " + what + ", ward / simdjson parse alone", "BM_WardDecodeDoubles" + args,
                        "BM_SimdjsonParseDoubles" + args, std::nullopt});
      checks.push_back({"decode " + what + ", ward / simdjson parse + vector", "BM_WardDecodeDoubles" + args,
                        "BM_SimdjsonDecodeDoubles" + args, std::nullopt});
    }
  }
  return checks;
}

std::vector<CounterCheck> counter_checks() {
  std::vector<CounterCheck> checks;
  for (const std::int64_t bytes : {one_mib, sixteen_mib}) {
    for (const auto shape : {NumberShape::full_precision, NumberShape::short_decimal}) {
      const std::string args = run_args(bytes, shape);
      const std::string what = data_name(bytes, shape);
      checks.push_back({"decode " + what + " through ward", "BM_WardDecodeDoubles" + args, "bytes_per_second", " B/s", 0.8e9,
                        std::nullopt});
    }
  }
  return checks;
}

} // namespace
} // namespace ward_bench

int main(int argc, char **argv) {
  return ward_bench::run_with_summary(argc, argv, ward_bench::ratio_checks(), ward_bench::counter_checks());
}
